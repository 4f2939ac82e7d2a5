"""What a load reports: the documents, and every file or FAQ row that failed, with a one-line reason."""

from __future__ import annotations

from dataclasses import dataclass, field

from chatbot.types import SourceDocument


@dataclass(frozen=True)
class FailedFile:
    """A file (or one FAQ row, ``path#row N``) that was not ingested, and why."""

    path: str  # relative to the root, forward slashes
    error: str  # one-line human reason


@dataclass(frozen=True)
class SkippedFile:
    """A file of the folder deliberately not read, and why: not a failure (it keeps no last version), but said, as
    the guess that it is no article may be wrong."""

    path: str  # relative to the root, forward slashes
    reason: str  # one-line human reason


@dataclass
class LoadResult:
    root: str  # the resolved root folder (a single file's parent folder), posix string
    documents: list[SourceDocument] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


@dataclass(frozen=True)
class Loaded:
    """A loaded document and the label shown if it turns out to be a duplicate (`faq.csv#row 3` for entries)."""

    document: SourceDocument
    label: str


# What a loader returns: its documents and, for an FAQ file, the entries it skipped.
Outcome = list[Loaded | FailedFile]


def one_line(message: str) -> str:
    """The first non-blank line of ``message``: a failure is reported in one line (parser errors span several)."""
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    return lines[0] if lines else ""
