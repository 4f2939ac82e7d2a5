"""Wording for people: counts in messages (command output, flash messages: "1 site", "2 sites", never "1 sites"),
and long untrusted text clipped where only a glimpse of it fits (a list row, a heading, a gap's title)."""

from __future__ import annotations

# A list cell's share of a customer's text: about two lines of the inbox's or the gap queue's widest column at a
# desktop width, and a few short lines on a phone. The whole text is on the item's own page.
LIST_TEXT_CHARS = 140
# A page heading made of a customer's text (a hand-off's question, a gap's title): the page shows the whole text
# below it, so the heading only has to say which one this is.
HEADING_CHARS = 120


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``number`` and ``noun``, in the plural unless it is exactly one; ``plural`` for nouns not made with an -s."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def clipped(text: str, limit: int = LIST_TEXT_CHARS) -> str:
    """``text`` on one line (runs of spaces and line breaks made one space) and at most ``limit`` characters, "…"
    included when it had to be cut. The cut is at the last space when that keeps most of the room (a word is not
    cut in two); a run of letters with no space in it (a pasted token, "aaaa…", Chinese) is cut where the room ends.
    """
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    room = flat[: max(limit - 1, 0)]
    space = room.rfind(" ")
    if space >= len(room) * 4 // 5:
        room = room[:space]
    return room.rstrip() + "…"


# What became of a question, in the words the person who asked saw it in (the widget says "I'm not sure" or "I don't
# know", never a number). ``reason`` is why a turn is a gap (chatbot/answering.py).
NOT_ANSWERED = {
    "low_confidence": "Not sure: suggested articles to read instead of answering",
    "no_match": "Not answered: nothing in the knowledge base matched (“I don't know”)",
    "empty_index": "Not answered: the knowledge base was empty",
    "llm_declined": "Not answered: the articles found did not hold the answer",
}


def answer_outcome(is_gap: bool, reason: str | None, confidence: float | None) -> str:
    """One plain statement of what the bot did with a question, for the editor and inbox pages.

    The confidence is the model's probability that the best answer found is right; it is shown only with an answer,
    which is the one outcome it decided. "I'm not sure" also follows a confident match that does not say what was
    asked (an amount, a product, the action: chatbot/answering.py), so "Confidence 0.96 · low confidence" read as a
    contradiction: a non-answer says why, not the number it was not decided on.
    """
    if not is_gap:
        return "Answered" if confidence is None else f"Answered with confidence {confidence:.2f}"
    return NOT_ANSWERED.get(reason or "", "Not answered")
