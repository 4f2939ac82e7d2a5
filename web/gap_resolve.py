"""Closing a gap and proving it closed: store the fix, index it at once, ask the gap's questions again.

A gap is ``verified`` only when every one of its questions is now answered (not an abstention) and the answer
cites the new FAQ or the linked article. Otherwise it keeps its status (open or assigned) and the failing
questions are returned, so the editor can improve the text and try again (same FAQ id: a new version) - unless the
editor says ``accept_unverified``: then the gap becomes ``resolved``, closed on the editor's judgement without
proof (``verified`` is proven). A resolved gap may be resolved again later, and becomes verified when that passes.

Audience: public questions come from the widget, which only ever sees public documents, so an internal FAQ or
article can never answer them: resolving a public gap with internal content is refused (400 audience_mismatch).
Internal gaps (employees' questions) may be closed with any document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from chatbot.language import detect_language
from chatbot.types import Audience, SourceDocument
from ingest.factory import build_pipeline
from web import get_runtime
from web.errors import ApiError
from web.gap_actions import record_event, require_editor_of
from web.gap_queries import gap_messages
from web.models import Document, DocumentVersion, Gap, Message, User, db, utcnow
from web.permissions import can_edit_community
from web.privacy import mask_pii
from web.services import get_answerer

# Documents written in the editor live under this source root, apart from any folder sync (whose
# delete_missing only touches its own root, so a later `answerdesk ingest` never deletes them).
EDITOR_SOURCE_ROOT = "editor"
# Statuses a resolve may start from: the open ones, and "resolved" (closed without proof: proving it is welcome).
RESOLVABLE_STATUSES = ("open", "assigned", "resolved")
# Documents offered in the dashboard's "point at an article" list; beyond that the editor types the id.
ARTICLE_CHOICES = 1000
SUGGESTED_ARTICLES = 10


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
    failing: list[str] = field(default_factory=list)  # the failing questions, masked
    failing_message_ids: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "replayed": self.replayed,
            "answered": self.answered,
            "verified": self.verified,
            "failing": self.failing,
            "failing_message_ids": self.failing_message_ids,
        }


def faq_document_id(gap: Gap) -> str:
    return f"editor/faq#gap-{gap.id}"


def fits_gap_audience(document_audience: str, gap_audience: str) -> bool:
    """Whether a document of ``document_audience`` can answer the questions of a gap of ``gap_audience``."""
    return gap_audience == "internal" or document_audience == "public"


def require_resolvable(gap: Gap) -> None:
    if gap.status not in RESOLVABLE_STATUSES:
        raise ApiError(409, "gap_closed", f"Gap {gap.id} is {gap.status}; it cannot be resolved again.")


def _require_fitting_audience(document_audience: str, gap: Gap) -> None:
    if not fits_gap_audience(document_audience, gap.audience):
        raise ApiError(
            400,
            "audience_mismatch",
            f"Gap {gap.id} holds public questions: an internal FAQ or article cannot close it, because the widget "
            "never cites internal documents. Write a public FAQ or point at a public article.",
        )


def resolve_with_faq(gap: Gap, actor: User, draft: FaqDraft, *, accept_unverified: bool = False) -> Verification:
    require_editor_of(actor, gap)
    require_resolvable(gap)
    audience: Audience = draft.audience or ("internal" if gap.audience == "internal" else "public")
    _require_fitting_audience(audience, gap)
    community = draft.community if draft.community is not None else gap.community
    if not can_edit_community(actor, community):
        raise ApiError(403, "forbidden", f"You do not write for the community '{community}'.")
    doc_id = faq_document_id(gap)
    document = SourceDocument(
        id=doc_id,
        title=draft.question,
        text=f"{draft.question}\n\n{draft.answer}",
        kind="faq",
        audience=audience,
        community=community,
        owner=actor.email,
        language=detect_language(f"{draft.question}\n{draft.answer}"),
        faq_question=draft.question,
        faq_answer=draft.answer,
    )
    # Versioned in document_versions and indexed in Chroma and the keyword index now: the replay below, and
    # every worker (they reload the keyword index file), answer from it without a restart.
    build_pipeline(get_runtime(current_app), db.session()).sync_documents(
        [document], source_root=EDITOR_SOURCE_ROOT, author=actor.email
    )
    return _verify(gap, actor, {"faq_id": doc_id}, accept_unverified)


def resolve_with_article(gap: Gap, actor: User, article_id: str, *, accept_unverified: bool = False) -> Verification:
    """Verify ``gap`` against a live document (an article corrected or written for it). Called by the API, the gap
    page and the article editor after it saved a new version."""
    require_editor_of(actor, gap)
    require_resolvable(gap)
    row = db.session.scalar(select(Document).where(Document.id == article_id, Document.deleted_at.is_(None)))
    if row is None:
        raise ApiError(404, "document_not_found", "No such document in the knowledge base.")
    _require_fitting_audience(row.audience, gap)
    return _verify(gap, actor, {"article_id": article_id}, accept_unverified)


def _verify(gap: Gap, actor: User, resolution: dict[str, Any], accept_unverified: bool) -> Verification:
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
            result.failing_message_ids.append(message.id)
    result.verified = result.replayed > 0 and not result.failing
    accepted = accept_unverified and not result.verified
    gap.resolution = {**resolution, "verification": result.to_dict(), "accepted_unverified": accepted}
    if result.verified:
        gap.status = "verified"
        gap.verified_at = utcnow()
    elif accepted:
        gap.status = "resolved"
    record_event(gap, actor, "resolve", **resolution, verification=result.to_dict(), accepted_unverified=accepted)
    db.session.commit()
    return result


# -- what the dashboard offers -----------------------------------------------------------------------------------
def current_faq(gap: Gap) -> FaqDraft | None:
    """The FAQ last written for ``gap`` (to improve it after a failed verification), if any."""
    version = db.session.scalar(
        select(DocumentVersion)
        .join(Document)
        .where(Document.id == faq_document_id(gap), Document.deleted_at.is_(None))
        .order_by(DocumentVersion.version.desc())
        .limit(1)
    )
    if version is None:
        return None
    meta = version.metadata_json or {}
    audience = meta.get("audience")
    return FaqDraft(
        question=str(meta.get("faq_question") or version.title),
        answer=str(meta.get("faq_answer") or ""),
        audience="internal" if audience == "internal" else "public",
        community=str(meta["community"]) if meta.get("community") else None,
    )


@dataclass(frozen=True)
class ArticleChoice:
    id: str
    title: str
    audience: str
    kind: str


def retrieved_document_ids(messages: Sequence[Message]) -> list[str]:
    """The documents the bot retrieved for these questions, most often first: usually the article that should
    have answered them, and the first one an editor checks."""
    counts: Counter[str] = Counter()
    for message in messages:
        for source in message.sources[:3]:
            if source.get("id"):
                counts[str(source["id"])] += 1
    return [doc_id for doc_id, _ in counts.most_common()]


def article_choices(gap: Gap, preferred_ids: Sequence[str]) -> tuple[list[ArticleChoice], list[ArticleChoice]]:
    """(suggested, others): the live documents that can close ``gap`` (public ones only for a public gap), those
    among ``preferred_ids`` first, in that order, then the rest by title."""
    query = select(Document.id, Document.title, Document.audience, Document.kind).where(Document.deleted_at.is_(None))
    if gap.audience != "internal":
        query = query.where(Document.audience == "public")
    wanted = list(preferred_ids)[:SUGGESTED_ARTICLES]
    found = {row.id: ArticleChoice(*row) for row in db.session.execute(query.where(Document.id.in_(wanted)))}
    suggested = [found[doc_id] for doc_id in wanted if doc_id in found]
    others = query.where(Document.id.not_in(list(found))).order_by(Document.title).limit(ARTICLE_CHOICES)
    return suggested, [ArticleChoice(*row) for row in db.session.execute(others)]
