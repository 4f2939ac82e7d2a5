"""What the last verification's replay got for each question, in plain words for the gap page.

A resolve asks every question of the gap again (web/gaps/resolve.py) and keeps, per question, what the bot did
(``verification.replays``): answered citing the fix, answered from another article, "I'm not sure" with a
suggestion, or "I don't know". The page lists them under "Verification", after a failed resolve and a passed one,
each with the start of the answer and, for a failure, one line on what to change. The texts are untrusted (a
visitor's question, a document's title and words): the template escapes them like the rest of the page.

A verification stored before replays were kept has none: the page lists its failing questions as it always did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from web.gaps.resolve import REPLAY_OUTCOMES

# Why the bot said "I don't know" (chatbot/answering.py), in the words of the outcome line and of its hint.
DID_NOT_KNOW = {
    "no_match": "out of scope: nothing in the knowledge base matched",
    "llm_declined": "the articles found did not hold the answer",
    "empty_index": "the knowledge base was empty",
}
DID_NOT_KNOW_HINTS = {
    "no_match": "Nothing matched this question: the fix does not use its words (or its language). Put them in it.",
    "llm_declined": "The articles found did not hold the answer: state it plainly in the fix, in the question's words.",
    "empty_index": "The knowledge base was empty when the question was asked again: ingest it, then resolve again.",
}
DID_NOT_KNOW_HINT = "The bot did not answer this question: make the fix say what it asks, in its words."


@dataclass(frozen=True)
class ReplayView:
    message_id: int | None
    question: str
    passed: bool
    outcome: str  # "Answered from “…”", "Not sure — suggested “…”", "Did not know (…)"
    answer: str  # the start of the answer the bot gave
    hint: str | None  # failures only: what to change


def replay_views(resolution: Mapping[str, Any] | None) -> list[ReplayView]:
    """The replays of ``resolution``'s verification (a gap's ``resolution``), as the page lists them."""
    resolution = resolution or {}
    verification = resolution.get("verification") or {}
    fix_id = resolution.get("faq_id") or resolution.get("article_id")
    replays = verification.get("replays") if isinstance(verification, Mapping) else None
    return [_view(replay, fix_id) for replay in replays or [] if isinstance(replay, Mapping)]


def _view(replay: Mapping[str, Any], fix_id: str | None) -> ReplayView:
    kind = str(replay.get("outcome") or "")
    citation, suggested = _title(replay.get("citation")), _title(replay.get("suggested"))
    confidence = replay.get("confidence")
    outcome, hint_text = _did_not_know(replay.get("reason"))
    hint: str | None = hint_text
    if kind in ("cited_fix", "unsupported", "cited_other") or (kind not in REPLAY_OUTCOMES and replay.get("answered")):
        outcome = f"Answered from “{citation}”" if citation else "Answered without citing an article"
        if kind == "cited_fix" and isinstance(confidence, int | float):
            outcome += f" with confidence {confidence:.2f}"  # a number only with an answer (web.wording)
        hint = {
            "cited_fix": None,
            "unsupported": "Your fix was cited, but the answer is not about this question: answer what it asks.",
            "cited_other": (
                f"Answered from “{citation}” instead of your fix: that article matches this question better. "
                f"Correct it, or make the fix say more closely what this question asks."
                if citation
                else "Answered without your fix: make the fix say what this question asks, in its words."
            ),
        }.get(kind)
    elif kind == "not_sure":
        outcome = f"Not sure — suggested “{suggested}”" if suggested else "Not sure — suggested no article"
        if suggested and _id(replay.get("suggested")) == fix_id:
            hint = (
                "Your fix was found but not trusted as the answer: say plainly what this question asks (the amount, "
                "the product, the step), in its words."
            )
        elif suggested:
            hint = f"The bot was unsure and offered “{suggested}” first, not your fix: use this question's words in it."
        else:
            hint = "The bot was unsure and found nothing to suggest: use this question's words in your fix."
    return ReplayView(
        message_id=replay.get("message_id") if isinstance(replay.get("message_id"), int) else None,
        question=str(replay.get("question") or ""),
        passed=kind == "cited_fix",
        outcome=outcome,
        answer=str(replay.get("answer") or ""),
        hint=hint,
    )


def _did_not_know(reason: object) -> tuple[str, str]:
    key = str(reason or "")
    if key in DID_NOT_KNOW:
        return f"Did not know ({DID_NOT_KNOW[key]})", DID_NOT_KNOW_HINTS[key]
    return "Did not know", DID_NOT_KNOW_HINT


def _title(document: object) -> str | None:
    if isinstance(document, Mapping):
        return str(document.get("title") or document.get("id") or "") or None
    return None


def _id(document: object) -> str | None:
    return str(document.get("id")) if isinstance(document, Mapping) and document.get("id") else None
