"""Every evaluation set by name (``DATASET_NAMES``) and :func:`load_dataset`, which builds one.

- ``emanual``: 261 Samsung e-manual sections, 684 questions labelled with their section(s).
- ``stackfaq``: one FAQ entry per (thread, answer); crowd paraphrases as queries, relevant = every answer of the thread.
- ``stackfaq-oos``: StackFAQ with a seeded 20% of threads removed; their paraphrases become unanswerable.
- ``clinc-oos``: the e-manual knowledge base; 400 sampled e-manual questions plus the CLINC150 ``oos_val`` queries,
  which must be refused.
- ``near-oos``: the e-manual with a seeded 20% of sections removed; questions whose sections are all gone become
  unanswerable. Harder than ``clinc-oos``: the refused questions are on topic.
- ``cmrc2018``: Chinese Wikipedia paragraphs and questions; a seeded 15% of paragraphs is held out of the index and
  their questions become unanswerable, so Chinese abstention is measured too.
- ``banking77-gaps``: no knowledge base; Banking77 test queries with their intent in ``meta["intent"]`` for measuring
  how well unanswered questions cluster into gaps.
- ``everyday``: the sample help centre (examples/helpcenter, loaded as ``answerdesk ingest`` loads it) and about 270
  questions written as customers type them (evals/data/everyday.jsonl): answerable ones labelled with every document
  that answers them, and ``abstain`` / ``smalltalk`` / ``handoff`` ones. Bundled with the repository, so it never
  needs the eval data folder; its dev/test split is written in the file.
- ``kestrel``: a second help centre of another domain (evals/data/kestrel: home broadband and TV) and about 100
  messages written, like the knowledge base, by helpers who never read the code (evals/data/kestrel.jsonl, the
  everyday format): what carries over from the sample help centre. Its test part was written after its dev part
  was read and tuned on.
- ``parcelpoint``: a third help centre, of parcel delivery, that is mostly an FAQ list (evals/data/parcelpoint: 66
  public entries and six guides) with about 200 messages by helpers who never read the code
  (evals/data/parcelpoint.jsonl): how an FAQ-shaped help centre fares on everyday phrasing.
- ``vela``: a fourth help centre, of e-scooter and e-bike sharing, published as web pages (evals/data/vela: 17
  HTML articles and an FAQ page, with their header, navigation and footer) with messages by helpers who never read
  the code (evals/data/vela.jsonl).
- ``orla``: a robot vacuum's manuals printed as PDF files (evals/data/orla: a 15-page user manual, an installation
  guide and a two-column warranty leaflet, with running headers and footers, contents pages and tables), with
  messages that each name the phrase a right answer holds (evals/data/orla.jsonl).
- ``other-product``: the sample help centre asked its own customers' answerable questions and Kestrel's and
  Parcelpoint's, another product's customers, which it must refuse (each keeps its own split).
- custom sets are not named here: :func:`evals.datasets.custom.load_custom` (a help-centre folder and a JSONL file).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from evals.datasets.banking77 import load_banking77
from evals.datasets.cmrc2018 import load_cmrc2018
from evals.datasets.emanual import load_clinc_oos, load_emanual, load_near_oos
from evals.datasets.everyday import (
    load_everyday,
    load_kestrel,
    load_orla,
    load_other_product,
    load_parcelpoint,
    load_vela,
)
from evals.datasets.splits import DEFAULT_SEED, limit_questions
from evals.datasets.stackfaq import load_stackfaq, load_stackfaq_oos
from evals.datasets.types import EvalDataset

# Each loader builds the whole set from the eval data folder and a seed; ``limit`` is applied by load_dataset.
_LOADERS: dict[str, Callable[[Path, int], EvalDataset]] = {
    "emanual": load_emanual,
    "stackfaq": load_stackfaq,
    "stackfaq-oos": load_stackfaq_oos,
    "clinc-oos": load_clinc_oos,
    "near-oos": load_near_oos,
    "cmrc2018": load_cmrc2018,
    "banking77-gaps": load_banking77,
    "everyday": load_everyday,
    "kestrel": load_kestrel,
    "parcelpoint": load_parcelpoint,
    "vela": load_vela,
    "orla": load_orla,
    "other-product": load_other_product,
}
DATASET_NAMES: tuple[str, ...] = tuple(_LOADERS)


def load_dataset(
    name: str, data_dir: Path | None = None, seed: int = DEFAULT_SEED, limit: int | None = None
) -> EvalDataset:
    """Build the data set called ``name`` from ``data_dir`` (default: the ``ANSWERDESK_EVAL_DATA`` setting)."""
    try:
        loader = _LOADERS[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(DATASET_NAMES)}") from None
    if data_dir is None:
        from chatbot.config import load_settings

        data_dir = load_settings().eval_data
    dataset = loader(Path(data_dir), seed)
    return limit_questions(dataset, limit, seed)
