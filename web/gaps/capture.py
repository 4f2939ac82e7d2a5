"""Turning stored turns into gap evidence: after an abstention, a low-confidence answer, a 👎 (clicked, or said:
"that's not what I asked") or a hand-off.

Conversational turns (greetings, thanks, goodbyes, "I want a person": ``Message.intent``) are never evidence.

Capture runs in the request after the turn is committed and must never cost the user their answer: every error
is logged and swallowed, and the work is one small transaction plus, when retrieval did not already embed the
masked question (masking changed it, or it was a follow-up), one query embedding (a few ms). What it needs
from the process (the embedder, the alert settings, the regrouping schedule: :class:`CaptureParts`) is handed in by
the route that stored the turn.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chatbot.config import Settings
from chatbot.embedders import Embedder
from chatbot.followups import is_follow_up, standalone_question
from chatbot.gaps.evidence import Vector, question_vector
from chatbot.types import Answer, EmbeddedText
from web.chat.conversations import add_feedback, conversation_history
from web.chat.privacy import mask_pii
from web.db.models import Document, Gap, GapEvidence, Message, db, utcnow
from web.gaps.assignment import assign, open_gaps
from web.gaps.consolidation import ConsolidationSchedule, consolidation_schedule, schedule_consolidation
from web.gaps.notifications import GapAlerts, gap_alerts, notify_if_due
from web.gaps.queries import open_gap_of_message
from web.gaps.titles import gap_title

log = logging.getLogger(__name__)

# Answers that passed the abstain threshold by less than this are "low confidence": given, but worth an editor's
# look. Confidence is a calibrated probability of a right answer. Chosen when the threshold was 0.19 (a lookalike
# answer at 0.21 and 0.31 fell in the band). With the shipped threshold (0.38) the band is 0.38-0.53: of the sample
# help centre's 28 graded answers (evals/graded/helpcenter-readability.md) it holds five, the one wrong among them
# the bank-feed start date answered from the year-end checklist (0.50); the others are right.
LOW_CONFIDENCE_MARGIN = 0.15
# How many top-ranked sources decide the community of a gap.
COMMUNITY_SOURCES = 3


@dataclass(frozen=True)
class CaptureParts:
    embedder: Embedder  # embeds the question to find its gap
    alerts: GapAlerts
    regrouping: ConsolidationSchedule


def capture_parts(app: Flask, settings: Settings, embedder: Embedder) -> CaptureParts:
    alerts = gap_alerts(app, settings)
    return CaptureParts(embedder, alerts, consolidation_schedule(app, settings, embedder, alerts))


def turn_evidence_kind(
    is_gap: bool, confidence: float | None, threshold: float, reason: str | None = None
) -> str | None:
    """The evidence a freshly answered turn is, if any: "I'm not sure" (reason ``low_confidence``) and answers
    that passed the threshold narrowly are low-confidence evidence; "I don't know" is an abstention."""
    if is_gap:
        return "low_confidence" if reason == "low_confidence" else "abstained"
    if confidence is not None and confidence < threshold + LOW_CONFIDENCE_MARGIN:
        return "low_confidence"
    return None


def capture_turn(message: Message, answer: Answer, threshold: float, parts: CaptureParts) -> None:
    """After a stored turn: record it as evidence when it abstained or was answered with low confidence
    (``threshold``: the answerer's abstain threshold).

    Decided from ``answer``, which ``message`` stores: the commit expired the row, and reading it back would cost
    a query on the four turns in five that are not evidence."""
    try:
        if answer.intent == "rejection":
            _reject_answer_before(message, parts)
            return
        kind = turn_evidence_kind(answer.is_gap, answer.confidence, threshold, answer.reason)
        if kind is not None:
            _capture(message, kind, parts, answer.query_embedding)
    except Exception:
        _failed(message, "turn")


def _reject_answer_before(message: Message, parts: CaptureParts) -> None:
    """ "That's not what I asked" (intent ``rejection``) right after an answer is a 👎 in words: the answer gets a
    feedback row (reason "wrong") and becomes gap evidence, as a click on 👎 would make it. Only the turn just
    before counts: after "thanks!" or an "I don't know" there is no answer to reject, and a wrong answer must not be
    one the customer had thanked for."""
    query = (
        select(Message)
        .where(Message.conversation_id == message.conversation_id, Message.id < message.id)
        .order_by(Message.id.desc())
        .limit(1)
    )
    before = db.session.scalar(query)
    if before is None or before.status != "ok" or before.intent is not None or before.is_gap:
        return
    if not any(not feedback.helpful for feedback in before.feedback):
        add_feedback(before, False, ["wrong"], None)
    _capture(before, "downvoted", parts)


def capture(message: Message, kind: str, parts: CaptureParts) -> None:
    """After a 👎 ("downvoted") or a hand-off ("handoff") on ``message``."""
    try:
        _capture(message, kind, parts)
    except Exception:
        _failed(message, kind)


def _failed(message: Message, kind: str) -> None:
    db.session.rollback()
    log.exception("could not record gap evidence (%s) for message %s", kind, message.id)


def _capture(message: Message, kind: str, parts: CaptureParts, embedded: EmbeddedText | None = None) -> None:
    if message.status != "ok":
        return  # a failed turn has no answer to judge; it is an outage, not a knowledge gap
    if message.intent is not None:
        return  # "hi", "thanks!": not a question, so never a gap, not even after a 👎 on "You're welcome!"
    if _evidence_exists(message.id, kind):
        return
    masked = mask_pii(question_in_context(message))
    gap = open_gap_of_message(message.id) or _assign(
        message, masked, question_embedding(masked, parts.embedder, embedded)
    )
    now = utcnow()
    gap.last_seen = now
    evidence = GapEvidence(gap=gap, message_id=message.id, kind=kind, question_masked=masked, created_at=now)
    db.session.add(evidence)
    try:
        db.session.flush()
        evidence_id = evidence.id  # read before the commit expires it: after, it would select the row again
        db.session.commit()
    except IntegrityError:
        # Another worker recorded the same (message, kind) at the same moment: nothing is lost.
        db.session.rollback()
    else:
        notify_if_due(gap, parts.alerts)
        # Every Nth question regroups the untouched gaps, in the background.
        schedule_consolidation(evidence_id, parts.regrouping)


def question_in_context(message: Message) -> str:
    """The question as it reads on its own: a follow-up ("and on Android?") joined to the question it follows, so
    that editors can read the gap, the replay that verifies a fix asks what was meant (web/gaps/resolve.py), and the
    follow-ups of unrelated questions do not gather in one gap of "and on Android?"s."""
    if not is_follow_up(message.question):
        return message.question
    return standalone_question(message.question, conversation_history(message.conversation, before=message.id))


def _evidence_exists(message_id: int, kind: str) -> bool:
    query = select(GapEvidence.id).where(GapEvidence.message_id == message_id, GapEvidence.kind == kind)
    return db.session.scalar(query) is not None


def question_embedding(masked: str, embedder: Embedder, embedded: EmbeddedText | None) -> Vector:
    """The query vector of the masked question: the one retrieval made when it embedded this very text (masking
    changed nothing and it was not a follow-up joined to the previous question), else a fresh one."""
    if embedded is not None and embedded.text == masked:
        return np.asarray(embedded.vector, dtype=np.float32)
    return np.asarray(embedder.encode_queries([masked])[0], dtype=np.float32)


def _assign(message: Message, masked: str, vector: Vector) -> Gap:
    """Join the most similar open gap of the same audience and community, or open a new one (chatbot.gaps.join
    decides); the question (``masked``, with its query ``vector``) counts once."""
    audience = message.conversation.audience
    community = gap_community(message.sources, abstained=message.is_gap)
    question = question_vector(masked, vector, audience=audience, community=community, id=str(message.id))
    outcome = assign(open_gaps(audience), question)
    if outcome.gap_id is None:
        gap = Gap(
            title=gap_title(masked), status="open", audience=audience, community=community, count=0, first_seen=utcnow()
        )
        db.session.add(gap)
    else:
        # The same transaction read the gap a moment ago; gone now only if it was deleted: nothing is recorded.
        joined = db.session.get(Gap, outcome.gap_id)
        if joined is None:
            raise LookupError(f"gap {outcome.gap_id} disappeared while question {message.id} joined it")
        gap = joined
    gap.centroid = outcome.centroid
    gap.token_counts = outcome.token_counts
    gap.count += 1
    return gap


def gap_community(sources: Sequence[dict[str, object]], abstained: bool) -> str | None:
    """The community whose editors own the question's topic, from its top sources in rank order.

    An answered question takes the most common community of its top sources (ties: the better-ranked source). When
    the bot abstained its sources are weak guesses, often from unrelated spaces; they decide only when all of them
    agree, else the gap has no community (every editor sees it) — a guess would split paraphrases of one question
    over gaps of different communities."""
    ids = [str(s.get("id")) for s in sources[:COMMUNITY_SOURCES] if s.get("id")]
    if not ids:
        return None
    query = select(Document.id, Document.community).where(Document.id.in_(ids))
    rows = {doc_id: community for doc_id, community in db.session.execute(query)}
    ranked = [rows.get(doc_id) for doc_id in ids]
    if abstained:
        return ranked[0] if ranked[0] and len(set(ranked)) == 1 and len(ranked) == COMMUNITY_SOURCES else None
    counts = Counter(c for c in ranked if c)
    if not counts:
        return None
    best = max(counts.values())
    return next(c for c in ranked if c and counts[c] == best)  # first in rank order among the most common
