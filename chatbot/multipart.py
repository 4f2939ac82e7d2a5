"""A message that asks two or three things: "do you take amex, and can I switch to yearly billing?".

Searched as one question, such a message matches no article well (each answers half of it), so the reply was "I'm
not sure", or one part's answer with full confidence and nothing on the other ("how do I add a user and what does
it cost on Business": the price of an extra user, no invite steps). A QA pass of 120 new questions on the sample
help centre had 7 such messages; one was answered whole.

Parts are split where a new question starts: after a question mark, or after "and" / "also" / "plus" when a
question word or an auxiliary and its subject follow ("..., and can I ...", "... and how often ...", "... and does
the number get reused?"). Splitting at every "and" would cut "how do I add and remove users" in two, and at a
comma "If I downgrade, do I lose data?" (its second half is not a question of its own). Each part must name
something (two searchable words): "and when?" is not a part. Each part after the first is asked as a follow-up of
the one before, so "what does it cost" is searched with "add a user" (chatbot/followups.py). The answerer
(chatbot/answering.py) joins the parts' answers when each is confident, unless the message as one question was
answered from a passage none of the parts finds alone: that passage is about them together. When a part is not
confident on its own, the message is answered as one question, and a part that answer leaves out gets the passage
of its article that says it, if any ("... and do I lose transactions while it's expired?": "No transactions are
lost").
"""

from __future__ import annotations

import re

from chatbot.followups import states_the_case
from chatbot.keyword import has_cjk, tokenize

MAX_PARTS = 3
# Searchable words (after stop words) a part needs to be a question of its own.
MIN_PART_TERMS = 2
# A question word, or an auxiliary before its subject ("can I", "is there", "does it", "does the number ..."):
# "... and have Google search for exactly what I typed" goes on with the same question, and so do "... and do my
# VAT return" ("do" before a noun phrase is the verb) and "plans that include payroll and are the cheapest" ("is" /
# "are" before one goes on a relative clause).
_STARTS_A_QUESTION = (
    r"(?:(?:how|what|whats|what's|where|when|which|who|why)\b|"
    r"(?:can|could|do|does|did|is|are|will|would|should|may)\s+(?:i|we|you|they|it|there|he|she)\b|"
    r"(?:can|could|does|did|will|would|should)\s+(?:the|my|our|your)\b)"
)
# "... which plan? and how many spare codes do i get": the "and" that opens a part after a question mark says it
# is another part, not that it leans on the one before (chatbot/followups.py reads a leading "and" so, and searched
# "how many spare codes" with "security keys": the 2FA introduction was quoted over "You get 10 backup codes").
_OPENING_CONNECTOR = re.compile(rf"^(?:and|also|plus)\s+(?:also\s+)?(?={_STARTS_A_QUESTION})", re.IGNORECASE)
_PART_BREAK = re.compile(
    rf"\?+\s+(?=\S)|,?\s+(?:and|also|plus)\s+(?:also\s+)?(?={_STARTS_A_QUESTION})",
    re.IGNORECASE,
)


# "i only rode for 3 minutes", "we've had it a week": a sentence about what the customer did or has, told in the
# first person.
_FIRST_PERSON = re.compile(r"^\s*(?:i|we|i'?m|im|i'?ve|ive|we'?ve|weve|we'?re|my|our)\b", re.IGNORECASE)


def tells_what_happened(piece: str) -> bool:
    """Whether ``piece`` tells the customer's situation rather than asks: first person, no question mark, and no
    question word or auxiliary opening it."""
    text = piece.strip()
    return (
        bool(_FIRST_PERSON.match(text))
        and not text.endswith(("?", "\uff1f"))
        and not re.match(_STARTS_A_QUESTION, text, re.IGNORECASE)
    )


def question_parts(message: str) -> list[str]:
    """The questions ``message`` asks, in order; a message asking one thing (or in Chinese, where the split is
    not defined yet) is its own only part."""
    if has_cjk(message):
        return [message]
    pieces = [
        _OPENING_CONNECTOR.sub("", piece.strip(" ,;")) for piece in _PART_BREAK.split(message) if piece.strip(" ,;")
    ]
    if len(pieces) < 2 or len(pieces) > MAX_PARTS:
        return [message]
    if any(len(tokenize(piece)) < MIN_PART_TERMS for piece in pieces):
        return [message]
    if any(tells_what_happened(piece) for piece in pieces[1:]):
        # "why is there a 10 euro charge on my card?? i only rode for 3 minutes": what happened, told after the
        # question, is no question of its own (asked alone, it got "If you report a fault within the first 3
        # minutes of a ride, the whole ride is free" glued on, round 41).
        return [message]
    if any(states_the_case(piece) for piece in pieces):
        # "can i use my yubikey for 2fa? we're on plus": the case the question is asked for, not a question of its
        # own (asked as a follow-up of the first, it got the lost-phone steps glued on).
        return [message]
    return pieces
