"""Masking of personal identifiers in questions: what editors see, what exports contain, what is stored.

Users paste their e-mail address, phone number or even a card number into a chat; editors do not need them to
see that the knowledge base lacks an answer. Masking is deliberately greedy on identifiers (a false "[phone]"
costs nothing) but keeps ordinary numbers (prices, years, dates, order numbers) readable.

What is masked (see docs/knowledge-gaps.md):

- ``[email]``: e-mail addresses;
- ``[iban]``: IBANs that pass the mod-97 check;
- ``[id]``: Chinese resident identity numbers (18 characters: a region code, a real birth date from 1900 to today,
  a sequence number and a digit or X). The ISO 7064 mod 11-2 check character is *not* required: a mistyped last
  character still identifies the person, and a valid birth date at characters 7-14 keeps other long numbers out;
- ``[card]``: card numbers of 13 to 19 digits that pass the Luhn check;
- ``[phone]``: Chinese mobile numbers (11 digits 1[3-9]..., optionally +86 / 0086 / 86, spaces or dashes),
  Chinese landlines (0xx-xxxxxxxx, 0xxx-xxxxxxx, (0xx) ...), and any other number of 7 to 15 digits written as a
  phone number is, unless it is a date (2024-03-15, 15.03.2024, 20240315, 2019-2024), an amount (a currency next
  to it: 1 380 000 EUR, ¥1380000, 1380000元) or follows an order, invoice, ticket or tracking word
  ("order 12345678", "订单号 2024031500").

Matching reads full-width (and other compatibility) forms as ASCII, character by character (NFKC):
"１３８１２３４５６７８" and "ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ" are masked like their ASCII forms, and the rest
of the text is left as it was. Numbers glued to Chinese text ("手机号是13812345678，") are found too: only
ASCII letters and digits next to a number make it part of a word.

Order matters: IBANs and identity numbers are masked before cards, and cards before the generic phone rule, or
a card number would be read as two phone numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from functools import lru_cache

from flask import Flask, current_app, has_app_context

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Two letters, two check digits, then 11 to 30 letters/digits, optionally in groups of four (as printed).
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b", re.IGNORECASE)
# A whole run of digits (not a part of a longer number or of a number written in groups).
_NOT_AFTER_DIGITS = r"(?<!\d)(?<!\d[ -])"
_NOT_BEFORE_DIGITS = r"(?![ -]?\d)"
# Region (6 digits, first 1-8), birth date YYYYMMDD, sequence (3), check character.
_CN_ID = re.compile(r"(?<!\d)([1-8]\d{5})((?:18|19|20)\d{6})\d{3}[\dXx](?![\dA-Za-z])")
_CN_MOBILE = re.compile(_NOT_AFTER_DIGITS + r"(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}" + _NOT_BEFORE_DIGITS)
_CN_LANDLINE = re.compile(
    _NOT_AFTER_DIGITS + r"(?:\(0\d{2,3}\)[ ]?|0\d{2,3}[ -]?)[2-9]\d{6,7}(?:-\d{1,4})?" + _NOT_BEFORE_DIGITS
)
# 13 to 19 digits, possibly grouped with single spaces or dashes; confirmed by the Luhn check below.
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
# International or national numbers: an optional +country code, then at least 7 digits in groups separated by
# spaces, dots, dashes or a bracketed area code. Fewer than 7 digits (prices, years) is not a phone number. Not
# inside a word or code (ABC1234567, ORD-2024-000123, #12345678).
_PHONE = re.compile(r"(?<![A-Za-z0-9_+(#])(?<![A-Za-z0-9][-/])(?:\+|00|\()?\d[\d .\-()/]{5,}\d(?![A-Za-z0-9_])")
_PHONE_MIN_DIGITS = 7
_PHONE_MAX_DIGITS = 15  # E.164
# A date at the start of a number: 2024-03-15, 2024/3/15, 15.03.2024, 3/15/2024 (a time or a second date may follow).
_DATE_START = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)|(\d{1,2})[-./](\d{1,2})[-./](\d{2}|\d{4})(?!\d)")
_YEARS = re.compile(r"(\d{4}) ?[-/] ?(\d{4})")
_COMPACT_DATE = re.compile(r"(?:19|20)\d{6}")
_CURRENCY_BEFORE = re.compile(r"(?:[$€£¥]|\b(?:EUR|USD|GBP|CNY|RMB|JPY|CHF|HKD))\s*$", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(
    r"^\s*(?:[$€£¥元块円]|(?:EUR|USD|GBP|CNY|RMB|JPY|CHF|HKD|yuan|euros?|dollars?|pounds?)\b)", re.IGNORECASE
)
_ORDER_BEFORE = re.compile(
    r"(?:\b(?:orders?|invoices?|tickets?|tracking|booking|reference|ref|receipt|transaction|case|shipment|parcel)"
    r"|订单|单号|发票|工单|运单|快递|流水|编号)"
    r"\s*(?:id|no\.?|nr\.?|number|code|#|号码|号)?\s*(?:is|was|:|：|#|=)?\s*$",
    re.IGNORECASE,
)
_CONTEXT_CHARS = 32

Masker = Callable[[re.Match[str]], str | None]


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


def _real_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _mask_email(_match: re.Match[str]) -> str:
    return "[email]"


def _mask_iban(match: re.Match[str]) -> str | None:
    return "[iban]" if _iban_valid(match.group()) else None


def _mask_cn_id(match: re.Match[str]) -> str | None:
    birth = match.group(2)
    born = _real_date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    return "[id]" if born is not None and date(1900, 1, 1) <= born <= date.today() else None


def _mask_card(match: re.Match[str]) -> str | None:
    return "[card]" if luhn_valid(re.sub(r"\D", "", match.group())) else None


def _mask_cn_phone(_match: re.Match[str]) -> str:
    return "[phone]"


def _mask_landline(match: re.Match[str]) -> str | None:
    return None if _ordinary_context(match) else "[phone]"


def _mask_phone(match: re.Match[str]) -> str | None:
    text = match.group()
    digits = re.sub(r"\D", "", text)
    if not _PHONE_MIN_DIGITS <= len(digits) <= _PHONE_MAX_DIGITS or _ordinary_context(match):
        return None
    years = _YEARS.fullmatch(text)
    if years is not None and all(1900 <= int(year) <= 2100 for year in years.groups()):
        return None  # 2019-2024
    if _COMPACT_DATE.fullmatch(text) and _real_date(int(text[:4]), int(text[4:6]), int(text[6:])) is not None:
        return None  # 20240315
    date_length = _date_prefix_length(text.lstrip("(+"))
    if date_length and len(re.sub(r"\D", "", text.lstrip("(+")[date_length:])) < _PHONE_MIN_DIGITS:
        return None  # a date, perhaps with a time or a second date after it
    return "[phone]"


def _date_prefix_length(text: str) -> int:
    match = _DATE_START.match(text)
    if match is None:
        return 0
    if match.group(1) is not None:
        found = _real_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    else:
        year = int(match.group(6))
        year += 2000 if year < 100 else 0
        first, second = int(match.group(4)), int(match.group(5))
        found = _real_date(year, second, first) or _real_date(year, first, second)  # 15.03.2024 or 3/15/2024
    return match.end() if found is not None else 0


def _ordinary_context(match: re.Match[str]) -> bool:
    """The words around a number say it is an amount or an order (ticket, invoice...) number."""
    before = match.string[max(0, match.start() - _CONTEXT_CHARS) : match.start()]
    after = match.string[match.end() : match.end() + _CONTEXT_CHARS]
    return bool(_CURRENCY_BEFORE.search(before) or _CURRENCY_AFTER.search(after) or _ORDER_BEFORE.search(before))


@lru_cache(maxsize=4096)
def _folded(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


def _matching_view(text: str) -> str:
    """``text`` with each character read as its NFKC form when that is one character (full-width digits, letters,
    +, @, brackets and spaces become ASCII): the same length, so a match's span is the same in ``text``."""
    return text if text.isascii() else "".join(_folded(char) for char in text)


def _substitute(pattern: re.Pattern[str], masker: Masker, text: str) -> str:
    """Each match of ``pattern`` in the matching view that ``masker`` masks, replaced in ``text`` itself."""
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(_matching_view(text)):
        mask = masker(match)
        if mask is not None:
            pieces += [text[last : match.start()], mask]
            last = match.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


_RULES: tuple[tuple[re.Pattern[str], Masker], ...] = (
    (_EMAIL, _mask_email),
    (_IBAN, _mask_iban),
    (_CN_ID, _mask_cn_id),
    (_CN_MOBILE, _mask_cn_phone),
    (_CARD, _mask_card),
    (_CN_LANDLINE, _mask_landline),
    (_PHONE, _mask_phone),
)


def mask_pii(text: str) -> str:
    """``text`` with e-mail addresses, IBANs, identity numbers, card numbers and phone numbers replaced."""
    for pattern, masker in _RULES:
        text = _substitute(pattern, masker, text)
    return text


def keep_raw_questions(app: Flask | None = None) -> bool:
    if app is None:
        if not has_app_context():
            return False
        app = current_app
    return bool(app.config["ANSWERDESK_SETTINGS"].keep_raw_questions)


def stored_question(text: str) -> str:
    """What is written to the database for a question a user typed (or the message they left with a hand-off):
    masked unless the operator keeps raw text (ANSWERDESK_KEEP_RAW_QUESTIONS=true). The answerer always sees the
    raw text; only storage is masked."""
    return text if keep_raw_questions() else mask_pii(text)
