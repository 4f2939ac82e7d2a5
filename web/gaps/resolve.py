"""Closing a gap and proving it closed: store the fix, index it at once, ask the gap's questions again.

A gap is ``verified`` only when every one of its questions is now answered (not an abstention), the answer cites
the new FAQ or the linked article, and the answers are about the questions (the support check,
:mod:`chatbot.gaps.fit`: the mean question-to-answer cosine must reach the embedder's ``SUPPORT_MIN``; when it
fails, the questions below the bar are the failing ones, ``unsupported_message_ids``). An FAQ fix must not have an
answer that is off the questions (``answer_off_topic``: below the bar an earning answer must reach *and* far less
about them than its question is; the gap's own question over an unrelated answer is answered and cited for every
question, and can pass the support check); the questions are not marked failing then, the verdict is about the
answer as a whole. Otherwise it keeps its status (open or assigned) and the failing questions are returned, so the
editor can improve the text and try again (same FAQ id: a new version; the verification keeps what the bot
answered each question, ``replays``, which the gap page lists: web/editor/gap_replays.py) - unless the editor says
``accept_unverified``: then the gap becomes ``resolved``, closed on the editor's judgement without proof
(``verified`` is proven). A resolved gap may be resolved again later, and
becomes verified when that passes.

Other phrasings: an FAQ written for a gap keeps the gap's questions (as stored: masked, distinct, at most
ATTACH_MAX, those it did not answer on its own first) as search-only phrasings of its question
(``SourceDocument.faq_alternatives``): extra vectors and keyword terms of its first chunk, and candidates of the
answerer's FAQ match, never quoted or cited. Paraphrases the FAQ's own words miss then find it. Attached to any
FAQ, they would make it answer the gap's questions whatever it says, and verification would prove nothing; so the
FAQ is first stored and replayed as written, and earns the questions only on that evidence
(:func:`chatbot.gaps.fit.earns_phrasings`: a quorum of its questions on its own, and the embedder's bars). Then
the FAQ is stored again with the questions attached (a new version) and verification is the replay of that. A fix
that does not earn them keeps none and is judged as before (an FAQ that verifies on its own stays verified); so
does a public FAQ for an internal gap (employees' questions never go on a public document). Measured through the
API: see docs/knowledge-gaps.md.

Audience: public questions come from the widget, which only ever sees public documents, so an internal FAQ or
article can never answer them: resolving a public gap with internal content is refused (400 audience_mismatch).
Internal gaps (employees' questions) may be closed with any document.

The parts are handed in by the route: the runtime (its ingest pipeline stores the FAQ; its embedder measures the
fit and the support) and the answerer (it replays the questions).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import select

from chatbot.answering import Answerer
from chatbot.embedders import Embedder
from chatbot.gaps.fit import (
    EARN_BARS,
    SUPPORT_MIN,
    FaqFit,
    answer_off_topic,
    answer_support,
    earns_phrasings,
    faq_fit,
)
from chatbot.language import detect_language
from chatbot.runtime import Runtime
from chatbot.types import Answer, Audience, SourceDocument
from ingest.factory import build_pipeline
from ingest.sources import parse_alternatives
from web.access.permissions import can_edit_community
from web.chat.privacy import mask_pii
from web.db.models import Document, DocumentVersion, Gap, GapEvidence, Message, User, db, utcnow
from web.gaps.actions import record_event, require_editor_of
from web.gaps.capture import question_in_context
from web.gaps.queries import gap_messages
from web.http.errors import ApiError
from web.wording import clipped

# Documents written in the editor live under this source root, apart from any folder sync (whose
# delete_missing only touches its own root, so a later `answerdesk ingest` never deletes them).
EDITOR_SOURCE_ROOT = "editor"
# Statuses a resolve may start from: the open ones, and "resolved" (closed without proof: proving it is welcome).
RESOLVABLE_STATUSES = ("open", "assigned", "resolved")
# Documents offered in the dashboard's "point at an article" list; beyond that the editor types the id.
ARTICLE_CHOICES = 1000
SUGGESTED_ARTICLES = 10
# Attaching the gap's questions to its FAQ (module docstring, "Other phrasings"): at most ATTACH_MAX of them, and only
# when the FAQ as written earns them (chatbot.gaps.fit.earns_phrasings).
ATTACH_MAX = 20
MAX_PHRASING_CHARS = 500  # as an FAQ question


@dataclass(frozen=True)
class FaqDraft:
    question: str
    answer: str
    audience: Audience | None = None
    community: str | None = None


# What the bot answered each replayed question, kept with the verification (``Verification.replays``) so that the gap
# page can say it: the answer's first REPLAY_ANSWER_CHARS, on one line and masked.
REPLAY_ANSWER_CHARS = 200
# A replay's outcome: the one that passes, then why one failed (the gap page's plain words: web/editor/gap_replays.py).
REPLAY_OUTCOMES = ("cited_fix", "unsupported", "cited_other", "not_sure", "did_not_know")


@dataclass
class Replay:
    """One replayed question and what the bot did with it. ``citation``: the fix when the answer cites it, else the
    answer's first citation; ``suggested``: the first article offered with "I'm not sure". Both are documents the
    gap's audience may be given (the replay asks as that audience), as ``{"id", "title"}``."""

    message_id: int
    question: str  # as asked (a follow-up as it reads on its own), masked
    answered: bool  # not an abstention
    reason: str | None  # why not (chatbot/answering.py): low_confidence, no_match, empty_index, llm_declined
    confidence: float
    citation: dict[str, str] | None
    suggested: dict[str, str] | None
    answer: str  # its first REPLAY_ANSWER_CHARS, masked
    outcome: str  # one of REPLAY_OUTCOMES

    def to_dict(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "question": self.question,
            "answered": self.answered,
            "reason": self.reason,
            "confidence": round(self.confidence, 4),
            "citation": self.citation,
            "suggested": self.suggested,
            "answer": self.answer,
            "outcome": self.outcome,
            "passed": self.outcome == "cited_fix",
        }


@dataclass
class Verification:
    replayed: int = 0
    answered: int = 0
    verified: bool = False
    failing: list[str] = field(default_factory=list)  # the failing questions, masked
    failing_message_ids: list[int] = field(default_factory=list)
    cited: int = 0  # answered citing the fix
    support: float | None = None  # mean question-to-answer cosine of those; None: not checked
    unsupported_message_ids: list[int] = field(default_factory=list)  # failing only the support check
    own_passing: int | None = None  # FAQ fixes: questions passing with the FAQ as written, before anything attached
    fit: FaqFit | None = None  # FAQ fixes: how the FAQ as written fits the questions; None: not measured
    attached: int = 0  # FAQ fixes: the gap's questions attached to the FAQ as other phrasings of its question
    answer_off_topic: bool = False  # FAQ fixes: its answer is off the questions (chatbot.gaps.fit.answer_off_topic)
    replays: list[Replay] = field(default_factory=list)  # what each question got, in the order asked

    def to_dict(self) -> dict[str, Any]:
        return {
            "replayed": self.replayed,
            "answered": self.answered,
            "verified": self.verified,
            "failing": self.failing,
            "failing_message_ids": self.failing_message_ids,
            "cited": self.cited,
            "support": None if self.support is None else round(self.support, 4),
            "unsupported_message_ids": self.unsupported_message_ids,
            "own_passing": self.own_passing,
            "fit": None if self.fit is None else self.fit.to_dict(),
            "attached": self.attached,
            "answer_off_topic": self.answer_off_topic,
            "replays": [replay.to_dict() for replay in self.replays],
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


def resolve_with_faq(
    gap: Gap, actor: User, draft: FaqDraft, runtime: Runtime, answerer: Answerer, *, accept_unverified: bool = False
) -> Verification:
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
    # every worker (they reload the keyword index file), answer from it without a restart. First as written (any
    # phrasings attached by an earlier resolve go): the FAQ is judged on its own.
    pipeline = build_pipeline(runtime, db.session())
    pipeline.sync_documents([document], source_root=EDITOR_SOURCE_ROOT, author=actor.email)
    messages = [message for message, _kinds in gap_messages(gap)]
    own = _replay(messages, doc_id, gap.audience, answerer, runtime.embedder)
    fit = faq_fit(runtime.embedder, [question_in_context(m) for m in messages], draft.question, draft.answer)
    result = own
    passing = own.replayed - len(own.failing)
    bars = EARN_BARS.get(runtime.embedder.name)
    if earns_phrasings(own.replayed, passing, own.verified, fit, bars):
        phrasings = gap_phrasings(gap, draft.question, own.failing_message_ids) if _may_attach(audience, gap) else ()
        if phrasings:
            # The gap's questions become search-only phrasings of the FAQ's question (a new version): these
            # questions, and others close to them, now find it. Verification is the replay of this state.
            pipeline.sync_documents(
                [replace(document, faq_alternatives=phrasings)], source_root=EDITOR_SOURCE_ROOT, author=actor.email
            )
            result = _replay(messages, doc_id, gap.audience, answerer, runtime.embedder)
            result.attached = len(phrasings)
    result.own_passing = passing
    result.fit = fit
    if answer_off_topic(fit, bars):
        result.answer_off_topic = True
        result.verified = False
    return _conclude(gap, actor, {"faq_id": doc_id}, result, accept_unverified)


def resolve_with_article(
    gap: Gap,
    actor: User,
    article_id: str,
    answerer: Answerer,
    embedder: Embedder,
    *,
    accept_unverified: bool = False,
) -> Verification:
    """Verify ``gap`` against a live document (an article corrected or written for it). Called by the API, the gap
    page and the article editor after it saved a new version."""
    require_editor_of(actor, gap)
    require_resolvable(gap)
    row = db.session.scalar(select(Document).where(Document.id == article_id, Document.deleted_at.is_(None)))
    if row is None:
        raise ApiError(404, "document_not_found", "No such document in the knowledge base.")
    _require_fitting_audience(row.audience, gap)
    messages = [message for message, _kinds in gap_messages(gap)]
    result = _replay(messages, article_id, gap.audience, answerer, embedder)
    return _conclude(gap, actor, {"article_id": article_id}, result, accept_unverified)


def _replay(
    messages: Sequence[Message], doc_id: str, gap_audience: str, answerer: Answerer, embedder: Embedder
) -> Verification:
    """Ask ``messages`` again as the gap's audience and judge the answers: cited ``doc_id``, and the support check.
    A follow-up is asked as it reads on its own ("How do I install the app on Android?", not "and on Android?"):
    the replay has no conversation."""
    audience: Audience = "internal" if gap_audience == "internal" else "public"
    result = Verification()
    passed: dict[int, bool] = {}
    asked = {message.id: question_in_context(message) for message in messages}
    cited: list[tuple[Message, str]] = []  # (question, the answer text it got) for the support check
    replays: dict[int, Replay] = {}
    for message in messages:
        answer = answerer.answer(asked[message.id], audience=audience)
        result.replayed += 1
        if not answer.is_gap:
            result.answered += 1
        passed[message.id] = not answer.is_gap and doc_id in {c.id for c in answer.citations}
        if passed[message.id]:
            result.cited += 1
            cited.append((message, answer.answer))
        replays[message.id] = _replay_of(message.id, asked[message.id], answer, doc_id, passed[message.id])
    supports = answer_support(embedder, [(asked[m.id], text) for m, text in cited])
    measured = [value for value in supports if value is not None]
    bar = SUPPORT_MIN.get(embedder.name)
    if measured:
        result.support = float(np.mean(measured))
    if bar is not None and result.support is not None and result.support < bar:
        for (message, _text), value in zip(cited, supports, strict=True):
            if value is not None and value < bar:
                passed[message.id] = False
                result.unsupported_message_ids.append(message.id)
                replays[message.id].outcome = "unsupported"
    for message in messages:
        if not passed[message.id]:
            result.failing.append(mask_pii(asked[message.id]))
            result.failing_message_ids.append(message.id)
    result.replays = [replays[message.id] for message in messages]
    result.verified = result.replayed > 0 and not result.failing
    return result


def _replay_of(message_id: int, asked: str, answer: Answer, doc_id: str, cites_fix: bool) -> Replay:
    """What ``answer`` did with the question, for the gap page (before the support check, which may make a
    ``cited_fix`` one ``unsupported``)."""
    citations = [c for c in answer.citations if c.id == doc_id] or answer.citations
    suggestions = answer.related if answer.reason == "low_confidence" else []
    if cites_fix:
        outcome = "cited_fix"
    elif not answer.is_gap:
        outcome = "cited_other"
    else:
        outcome = "not_sure" if answer.reason == "low_confidence" else "did_not_know"
    return Replay(
        message_id=message_id,
        question=mask_pii(asked),
        answered=not answer.is_gap,
        reason=answer.reason if answer.is_gap else None,
        confidence=answer.confidence,
        citation={"id": citations[0].id, "title": citations[0].title} if citations else None,
        suggested={"id": suggestions[0].id, "title": suggestions[0].title} if suggestions else None,
        answer=clipped(mask_pii(answer.answer), REPLAY_ANSWER_CHARS),  # masked whole: a cut number is no longer found
        outcome=outcome,
    )


def _conclude(
    gap: Gap, actor: User, resolution: dict[str, Any], result: Verification, accept_unverified: bool
) -> Verification:
    """Record the outcome: verified, resolved on the editor's word, or still open; and the event."""
    accepted = accept_unverified and not result.verified
    verification = result.to_dict()
    gap.resolution = {**resolution, "verification": verification, "accepted_unverified": accepted}
    if result.verified:
        gap.status = "verified"
        gap.verified_at = utcnow()
    elif accepted:
        gap.status = "resolved"
    # The trail keeps each resolve's outcome; what every question got is the last resolve's, on the gap (a gap of
    # hundreds of questions resolved a few times would otherwise copy their answers into every event).
    trail = {key: value for key, value in verification.items() if key != "replays"}
    record_event(gap, actor, "resolve", **resolution, verification=trail, accepted_unverified=accepted)
    db.session.commit()
    return result


# -- other phrasings -----------------------------------------------------------------------------------------------
def _may_attach(faq_audience: str, gap: Gap) -> bool:
    """A public FAQ carries public questions only: an internal gap's questions (employees') never go on it."""
    return faq_audience == "internal" or gap.audience == "public"


def gap_phrasings(gap: Gap, faq_question: str, first_message_ids: Sequence[int] = ()) -> tuple[str, ...]:
    """The gap's questions as stored (masked), to attach to its FAQ: distinct, not the FAQ's question itself, those of
    ``first_message_ids`` (the ones the FAQ did not answer on its own) first, at most ATTACH_MAX."""
    rows = db.session.execute(
        select(GapEvidence.message_id, GapEvidence.question_masked)
        .where(GapEvidence.gap_id == gap.id)
        .order_by(GapEvidence.id)
    ).all()
    first = set(first_message_ids)
    ordered = sorted(rows, key=lambda row: row.message_id not in first)  # stable: otherwise oldest first
    texts = [mask_pii(row.question_masked)[:MAX_PHRASING_CHARS] for row in ordered]
    return parse_alternatives(texts, faq_question)[:ATTACH_MAX]


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


def retrieved_document_ids(source_lists: Sequence[Sequence[Mapping[str, Any]]]) -> list[str]:
    """The documents the bot retrieved for these questions (each question's ranked sources, as the gap page lists
    them), most often first: usually the article that should have answered them, and the first one an editor
    checks."""
    counts: Counter[str] = Counter()
    for sources in source_lists:
        for source in sources[:3]:
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
