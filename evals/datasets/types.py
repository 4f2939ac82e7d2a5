"""What every evaluation set is made of: labelled questions over a knowledge base, and the error for missing data."""

from __future__ import annotations

from dataclasses import dataclass, field

from chatbot.errors import AnswerdeskError
from chatbot.types import SourceDocument


class DatasetUnavailable(AnswerdeskError):
    """The public data a data set is built from is not where the settings say."""

    code = "dataset_unavailable"
    status = 503


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    relevant: tuple[str, ...]  # relevant document ids (empty if unanswerable)
    answer: str | None = None  # reference answer
    unanswerable: bool = False
    language: str = "en"
    split: str = "test"  # "dev" or "test" (deterministic, seeded)
    meta: dict[str, str] = field(default_factory=dict)
    # Documents that answer the question too although its label does not name them (near-duplicate sections):
    # right for precision when answered, for answerdesk and every peer alike; MRR keeps the strict labels.
    acceptable: tuple[str, ...] = ()

    @property
    def correct_ids(self) -> frozenset[str]:
        """The documents whose citation makes an answer right."""
        return frozenset(self.relevant) | frozenset(self.acceptable)


@dataclass(frozen=True)
class EvalDataset:
    name: str
    documents: list[SourceDocument]  # the knowledge base to index (ids stable)
    questions: list[EvalQuestion]
    description: str

    def in_split(self, split: str) -> list[EvalQuestion]:
        return [q for q in self.questions if q.split == split]

    @property
    def answerable(self) -> list[EvalQuestion]:
        return [q for q in self.questions if not q.unanswerable]

    @property
    def unanswerable(self) -> list[EvalQuestion]:
        return [q for q in self.questions if q.unanswerable]
