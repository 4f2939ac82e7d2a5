"""What every loader shares: the file it reads and the SourceDocument it makes (metadata precedence, clean text)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from chatbot.errors import DocumentLoadError
from chatbot.language import detect_language
from chatbot.types import DocumentKind, SourceDocument
from ingest.cleaning import clean_line, clean_text
from ingest.sources.encoding import decode
from ingest.sources.ids import MAX_ID_CHARS, check_id
from ingest.sources.metadata import Defaults, Fields

# A first line longer than this is a sentence, not a title: the file name is the title then.
MAX_TITLE_LINE = 120


@dataclass(frozen=True)
class SourceFile:
    """One file being loaded: where it is, its id, its bytes and the defaults that apply to it."""

    path: Path
    rel: str
    defaults: Defaults
    data: bytes

    def text(self) -> str:
        return decode(self.data)


def make_document(
    src: SourceFile,
    fields: Fields,
    *,
    title: str,
    text: str,
    kind: DocumentKind = "article",
    faq_question: str | None = None,
    faq_answer: str | None = None,
    faq_alternatives: tuple[str, ...] = (),
) -> SourceDocument:
    """Apply the precedence document field > folder defaults/arguments > built-in.

    Every loader ends here, so this is where text is cleaned for quoting (ingest/cleaning.py)."""
    defaults = src.defaults
    title = clean_line(fields.title or title)
    text = clean_text(text)
    faq_question = clean_line(faq_question) if faq_question is not None else None
    faq_answer = clean_text(faq_answer).strip() if faq_answer is not None else None
    if faq_question and faq_answer:
        text = f"{faq_question}\n\n{faq_answer}"  # the composer finds the answer after the (cleaned) question
    community = fields.community if fields.community is not None else defaults.community
    owner = fields.owner if fields.owner is not None else defaults.owner
    doc_id = check_id(fields.id or src.rel)
    _require_fits(title=title, community=community, url=fields.url, owner=owner)
    return SourceDocument(
        id=doc_id,
        title=title,
        text=text,
        kind=kind,
        audience=fields.audience or defaults.audience or "public",
        community=community,
        tags=fields.tags if fields.tags is not None else (defaults.tags or ()),
        url=fields.url,
        owner=owner,
        language=fields.language or defaults.language or detect_language(f"{title}\n{text}"),
        review_by=fields.review_by,
        source_path=src.rel,
        faq_question=faq_question,
        faq_answer=faq_answer,
        faq_alternatives=faq_alternatives,
    )


# The catalogue's column sizes (ingest/catalog.py): PostgreSQL refuses a longer value, and the refusal aborted the
# whole ingest (SQLite stores it; a robustness check, round 38). Each file is checked as it is read instead (the id,
# which must be more than short, by ids.py).
FIELD_LIMITS = {"id": MAX_ID_CHARS, "title": 1024, "community": 128, "url": 2048, "owner": 256}


def _require_fits(**values: str | None) -> None:
    for name, value in values.items():
        if value is not None and len(value) > FIELD_LIMITS[name]:
            raise DocumentLoadError(f"{name} longer than {FIELD_LIMITS[name]} characters ({len(value)})")


def humanise(stem: str) -> str:
    """A file name as a title, for a file that names none itself: "reset_your-password" -> "Reset your password"."""
    words = " ".join(re.split(r"[\s_\-]+", stem)).strip()
    return (words[:1].upper() + words[1:]) or stem


def require_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise DocumentLoadError("no text content")
    return text
