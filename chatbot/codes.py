"""Codes in a text ("KI-231", "SYNC-07", "error 4411", "E401"), and the error codes a knowledge base never mentions.

A code names exactly one thing. The composer quotes the passage holding a code the question names; and when the
question asks about an error code that no document contains, every passage is a guess: "what does error code E401
mean in the app" got the sync-status icon table (confidence 0.73, threshold 0.38) from a help centre whose error
codes are SYNC-01 to SYNC-50. Such a question gets "I'm not sure" with the closest articles and becomes a gap, which
is what an editor wants to see: an error customers meet that the help centre does not document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

# A hyphenated word with a digit ("KI-231", "SD-7F3K2Q", "SYNC-07") or a number of three digits or more ("4411").
CODE_RE = re.compile(r"\b(?=[\w-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+\b|\b\d{3,}\b")
# What an error code looks like when customers quote one: the above, or letters and at least two digits run together
# ("E401", "0x80070005"; not "2FA"). Not a hyphenated word of digits alone ("2024-03-01", "2019-2020", a phone number)
# nor a number with its unit ("6-digit", "2-step", "30-day"): "sync error since 2024-03-01" was "I'm not sure".
# Bounded by ASCII letters and digits, not \b: Chinese puts no space around a code ("错误代码E401是什么意思"), and
# a date's "2019年" is not one.
_START = r"(?<![A-Za-z0-9-])"
_END = r"(?![A-Za-z0-9-]|[年月日])"
_HYPHENATED = r"(?![\d-]+(?![\w-]))(?!\d+(?:-[A-Za-z]+)+(?![\w-]))(?=[\w-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+"
_CODE_LIKE = (
    rf"{_START}(?:{_HYPHENATED}|(?=(?:[A-Za-z]*\d){{2}})(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{{3,}}|\d{{3,}}){_END}"
)
# "Code" alone is not one of them: a sign-in or backup code ("my 2FA code 492817 doesn't work") is not an error.
_ERROR_WORD = r"(?:\b(?:errors?|err|faults?|warnings?)\b|错误|报错)"
# "Status" only before the code ("status 429"): "invoice INV-0042 status", "the status of order 12345" name the
# customer's own invoice or order, which no document mentions either.
_STATUS_WORD = rf"(?:{_ERROR_WORD}|\bstatus\b)"
# An error code is a code-like word next to a word saying so ("error E401", "error code 4411", "E401 error", "what
# does E401 mean"), or a hyphenated one in a question about an error. A code-like word elsewhere is often something
# else ("iOS17", "A4 paper", "the 2019 accounts").
_ERROR_CODE_RES = (
    re.compile(rf"{_STATUS_WORD}\s*(?:codes?\s*|代码\s*)?[:#]?\s*\(?({_CODE_LIKE})", re.IGNORECASE),
    re.compile(rf"({_CODE_LIKE})\)?\s*(?:{_ERROR_WORD}|code\b)", re.IGNORECASE),
    re.compile(rf"\bdoes\s+({_CODE_LIKE})\s+mean\b", re.IGNORECASE),
)
_HYPHENATED_RE = re.compile(rf"{_START}({_HYPHENATED}){_END}")
_ABOUT_ERRORS_RE = re.compile(rf"{_ERROR_WORD}|\bfail\w*|\bmean\b", re.IGNORECASE)
_ANY_CODE_RE = re.compile(_CODE_LIKE)


def codes_in(text: str) -> list[str]:
    """The codes ``text`` names (CODE_RE), lower-cased, each once, in order."""
    return list(dict.fromkeys(code.lower() for code in CODE_RE.findall(text)))


def code_like_words(texts: Iterable[str]) -> frozenset[str]:
    """Every code-like word of ``texts``, lower-cased: the codes a knowledge base's documents mention."""
    return frozenset(code.lower() for text in texts for code in _ANY_CODE_RE.findall(text))


def error_codes_in(question: str) -> list[str]:
    """The error codes ``question`` asks about, lower-cased, each once."""
    found = [m.group(1) for pattern in _ERROR_CODE_RES for m in pattern.finditer(question)]
    if _ABOUT_ERRORS_RE.search(question):
        found += _HYPHENATED_RE.findall(question)
    return list(dict.fromkeys(code.lower() for code in found))


def unknown_error_codes(question: str, known: Callable[[], frozenset[str]]) -> list[str]:
    """The error codes ``question`` asks about that no document mentions; ``known`` gives code_like_words of the
    documents, and is only called when the question names an error code (gathering them reads every text)."""
    asked = error_codes_in(question)
    if not asked:
        return []
    mentioned = known()
    return [code for code in asked if code not in mentioned]
