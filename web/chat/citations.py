"""What answers cited and how they were rated, read one way everywhere: analytics, the CSV exports, the articles'
stale rule and the contributors' board.

- A message's ``citations`` is a JSON list of ``{"n", "id", "title", "version", ...}`` written by every version of
  answerdesk, so it is read defensively: anything that is not a dict with a string ``id`` is skipped.
- A user may click 👍 and then 👎: the latest click (the highest feedback id; ids grow with time, timestamps can
  tie) is the rating that counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from web.db.models import Feedback


@dataclass
class CitedDocument:
    title: str  # the title the citation recorded (the document may have been renamed since)
    versions: set[int | None] = field(default_factory=set)  # None: a citation without a version


def cited_documents(citations: object) -> dict[str, CitedDocument]:
    """Document id -> what one answer cited of it, in citation order; an answer citing two chunks of a document
    cites it once."""
    cited: dict[str, CitedDocument] = {}
    if not isinstance(citations, list):
        return cited
    for citation in citations:
        if not isinstance(citation, dict) or not isinstance(citation.get("id"), str):
            continue
        doc_id = citation["id"]
        entry = cited.setdefault(doc_id, CitedDocument(title=str(citation.get("title") or doc_id)))
        version = citation.get("version")
        entry.versions.add(version if isinstance(version, int) else None)
    return cited


def latest_feedback() -> Any:
    """A subquery: the latest feedback row of each rated message (``id, message_id, helpful, created_at``)."""
    last = select(func.max(Feedback.id).label("id")).group_by(Feedback.message_id).subquery()
    return (
        select(Feedback.id, Feedback.message_id, Feedback.helpful, Feedback.created_at)
        .join(last, last.c.id == Feedback.id)
        .subquery()
    )
