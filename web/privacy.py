"""Masking of personal identifiers in questions: what editors see, what exports contain, what is stored.

Users paste their e-mail address, phone number or even a card number into a chat; editors do not need them to
see that the knowledge base lacks an answer. Masking is deliberately greedy on identifiers (a false "[phone]"
costs nothing) but keeps ordinary numbers (prices, years, order quantities) readable.

Order matters: IBANs and cards are masked before phones, or a card number would be read as two phone numbers.
"""

from __future__ import annotations

import re

from flask import Flask, current_app, has_app_context

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Two letters, two check digits, then 11 to 30 letters/digits, optionally in groups of four (as printed).
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b", re.IGNORECASE)
# 13 to 19 digits, possibly grouped with single spaces or dashes; confirmed by the Luhn check below.
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
# International or national numbers: an optional +country code, then at least 7 digits in groups separated by
# spaces, dots, dashes or a bracketed area code. Fewer than 7 digits (prices, years) is not a phone number.
_PHONE = re.compile(r"(?<![\w+(])(?:\+|00|\()?\d[\d .\-()/]{5,}\d(?!\w)")
_PHONE_MIN_DIGITS = 7
_PHONE_MAX_DIGITS = 15  # E.164


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _iban_valid(candidate: str) -> bool:
    """ISO 13616 mod-97 check: random letters-and-digits words (product codes) are left alone."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[card]" if luhn_valid(digits) else match.group()


def _mask_iban(match: re.Match[str]) -> str:
    return "[iban]" if _iban_valid(match.group()) else match.group()


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[phone]" if _PHONE_MIN_DIGITS <= len(digits) <= _PHONE_MAX_DIGITS else match.group()


def mask_pii(text: str) -> str:
    """``text`` with e-mail addresses, IBANs, card numbers (Luhn-valid) and phone numbers replaced."""
    text = _EMAIL.sub("[email]", text)
    text = _IBAN.sub(_mask_iban, text)
    text = _CARD.sub(_mask_card, text)
    return _PHONE.sub(_mask_phone, text)


def keep_raw_questions(app: Flask | None = None) -> bool:
    if app is None:
        if not has_app_context():
            return False
        app = current_app
    return bool(app.config["ANSWERDESK_SETTINGS"].keep_raw_questions)


def stored_question(text: str) -> str:
    """What is written to the database for a question a user typed: masked unless the operator keeps raw text
    (ANSWERDESK_KEEP_RAW_QUESTIONS=true). The answerer always sees the raw text; only storage is masked."""
    return text if keep_raw_questions() else mask_pii(text)
