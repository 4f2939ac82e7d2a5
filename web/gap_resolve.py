"""Closing a gap and proving it closed: store the fix, index it at once, ask the gap's questions again.

A gap is ``verified`` only when every one of its questions is now answered (not an abstention) and the answer
cites the new FAQ or the linked article. Otherwise it keeps its status (open or assigned) and the failing
questions are returned, so the editor can improve the text and try again (same FAQ id: a new version).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from chatbot.language import detect_language
from chatbot.types import Audience, SourceDocument
from ingest.factory import build_pipeline
from web import get_runtime
from web.errors import ApiError
from web.gap_actions import record_event, require_open
from web.gap_queries import gap_messages
from web.models import Document, Gap, User, db, utcnow
from web.privacy import mask_pii
from web.services import get_answerer

# Documents written in the editor live under this source root, apart from any folder sync (whose
# delete_missing only touches its own root, so a later `answerdesk ingest` never deletes them).
EDITOR_SOURCE_ROOT = "editor"


@dataclass(frozen=True)
class FaqDraft:
    question: str
    answer: str
    audience: Audience | None = None
    community: str | None = None


@dataclass
class Verification:
    replayed: int = 0
    answered: int = 0
    verified: bool = False
    failing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "replayed": self.replayed,
            "answered": self.answered,
            "verified": self.verified,
            "failing": self.failing,
        }


def faq_document_id(gap: Gap) -> str:
    return f"editor/faq#gap-{gap.id}"


def resolve_with_faq(gap: Gap, actor: User, draft: FaqDraft) -> Verification:
    require_open(gap)
    doc_id = faq_document_id(gap)
    audience: Audience = draft.audience or ("internal" if gap.audience == "internal" else "public")
    document = SourceDocument(
        id=doc_id,
        title=draft.question,
        text=f"{draft.question}\n\n{draft.answer}",
        kind="faq",
        audience=audience,
        community=draft.community if draft.community is not None else gap.community,
        owner=actor.email,
        language=detect_language(f"{draft.question}\n{draft.answer}"),
        faq_question=draft.question,
        faq_answer=draft.answer,
    )
    # Versioned in document_versions and indexed in Chroma and the keyword index now: the replay below, and
    # every worker (they reload the keyword index file), answer from it without a restart.
    build_pipeline(get_runtime(current_app), db.session()).sync_documents([document], source_root=EDITOR_SOURCE_ROOT)
    return _verify(gap, actor, {"faq_id": doc_id})


def resolve_with_article(gap: Gap, actor: User, article_id: str) -> Verification:
    require_open(gap)
    row = db.session.scalar(select(Document).where(Document.id == article_id, Document.deleted_at.is_(None)))
    if row is None:
        raise ApiError(404, "document_not_found", "No such document in the knowledge base.")
    return _verify(gap, actor, {"article_id": article_id})


def _verify(gap: Gap, actor: User, resolution: dict[str, Any]) -> Verification:
    doc_id = str(resolution.get("faq_id") or resolution.get("article_id"))
    audience: Audience = "internal" if gap.audience == "internal" else "public"
    answerer = get_answerer(current_app)
    result = Verification()
    for message, _kinds in gap_messages(gap):
        answer = answerer.answer(message.question, audience=audience)
        result.replayed += 1
        if not answer.is_gap:
            result.answered += 1
        if answer.is_gap or doc_id not in {c.id for c in answer.citations}:
            result.failing.append(mask_pii(message.question))
    result.verified = result.replayed > 0 and not result.failing
    gap.resolution = {**resolution, "verification": result.to_dict()}
    if result.verified:
        gap.status = "verified"
        gap.verified_at = utcnow()
    record_event(gap, actor, "resolve", **resolution, verification=result.to_dict())
    db.session.commit()
    return result
