"""Whether a question asks for a phone number, and whether a text states one.

"what is your phone number" got the tracking-number entry (0.40: "It has 12 characters: the letters PP followed by
10 digits") on one unseen help centre and the account-number entry (0.53) on another, whose contact entries give
the number and rank next (round 33). "Number" is the shared word; what the customer wants is digits to dial.
"""

from __future__ import annotations

import re

_ASKS_FOR_PHONE = re.compile(
    r"\b(?:phone|telephone|tel|contact|helpline|hotline|support|customer\s+(?:service|care|support)"
    r"|call\s*cent(?:er|re))\s+(?:number|no|num|#)s?\b"
    r"|\bnumber\s+(?:to|i\s+can|can\s+i|do\s+i|should\s+i)\s+(?:call|ring|phone|dial)\b"
    # The customer calling ("how can I call you"), not someone else ("... so they can call you about it").
    r"|\b(?:can|could|do|should|may)\s+i\s+(?:call|ring|phone|telephone)\s+"
    r"(?:you|u|your\s+team|customer\s+(?:service|care)|support)?\b",
    re.IGNORECASE,
)
# Not "my phone number" ("how do I change my phone number" is about the customer's own details), nor "our home phone
# number" ("Can we keep our home phone number with Kestrel?" got the support hours and number at 0.99, round 36),
# nor a number being changed ("got a new sim card, how to change phone number on my account" got the support number
# inside another article's list at 0.92, an unseen help centre, round 37).
_OWN = re.compile(
    r"\b(?:(?:my|our|his|her|their)\s+(?:[\w-]+\s+)?"
    r"|(?:change|changing|update|updating|edit|editing|verify|verifying|replace|replacing)\s+(?:(?:the|a)\s+)?)$",
    re.IGNORECASE,
)
# Digits with spaces, dashes or brackets between them, as phone numbers are written ("0808 157 0640",
# "+44 (0)20 7946 0000"); no dots or commas, so prices and dates with them are not read as one.
_DIGITS_RUN = re.compile(r"(?<![\w.,])\+?\(?\d[\d ()-]{6,}\d(?![\w]|[.,]\d)")
# A phone number has 9 to 15 digits (E.164 allows 15); fewer is a date, a time range or a code.
MIN_PHONE_DIGITS = 9
MAX_PHONE_DIGITS = 15


def asks_for_phone_number(question: str) -> bool:
    """Whether ``question`` asks for a number to call ("what is your phone number", "number to ring?", "how can I
    call you"). "Can you call me back" is not one: that asks for a person (chatbot/intents.py)."""
    return any(not _OWN.search(question[: m.start()]) for m in _ASKS_FOR_PHONE.finditer(question))


def states_phone_number(text: str) -> bool:
    """Whether ``text`` states a phone number ("call Customer Care on 0808 157 0640")."""
    return any(
        MIN_PHONE_DIGITS <= sum(c.isdigit() for c in run.group()) <= MAX_PHONE_DIGITS
        for run in _DIGITS_RUN.finditer(text)
    )
