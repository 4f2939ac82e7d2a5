"""Evaluation data sets: public data read in place, turned into a knowledge base plus labelled questions.

Nothing is copied into the project: every loader reads ``Settings.eval_data`` (``ANSWERDESK_EVAL_DATA``, default
``../shared/data``) and raises :class:`DatasetUnavailable` naming the folder it needs when that is missing.

One module per family of sets (emanual: also clinc-oos and near-oos; stackfaq; cmrc2018; banking77; everyday;
custom), the names in registry, what a set is made of in types, the dev/test split and ``limit`` in splits. What the
rest of evals uses is importable from here.
"""

from evals.datasets.custom import load_custom
from evals.datasets.everyday import EVERYDAY_KB, EVERYDAY_QUESTIONS, read_everyday_questions
from evals.datasets.registry import DATASET_NAMES, load_dataset
from evals.datasets.splits import DEFAULT_SEED, limit_questions, sample_split, split_of
from evals.datasets.types import DatasetUnavailable, EvalDataset, EvalQuestion

__all__ = [
    "DATASET_NAMES",
    "DEFAULT_SEED",
    "EVERYDAY_KB",
    "EVERYDAY_QUESTIONS",
    "DatasetUnavailable",
    "EvalDataset",
    "EvalQuestion",
    "limit_questions",
    "load_custom",
    "load_dataset",
    "read_everyday_questions",
    "sample_split",
    "split_of",
]
