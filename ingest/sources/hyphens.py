"""Words a printed page broke at a line end with a hyphen, joined back.

"require-" + "ments" is "requirements" (a hyphen the typesetter added: the joined word is an English word), while
"over-" + "discharging", "Multi-" + "floor" and "Wi-" + "Fi" keep theirs (the word was hyphenated anyway). A browser
that hyphenates draws the hyphen as its own glyph, so a space may come before it ("require ‐").
"""

from __future__ import annotations

import re

from chatbot.spelling import english_words

_BROKEN_WORD_END = re.compile(r"([^\W\d_]+) ?[-\u2010\u00ad]$")
_WORD_START = re.compile(r"[^\W\d_]+")


def joined_at_hyphen(previous: str, line: str) -> str | None:
    """``previous`` and ``line`` as one text when ``previous`` ends in a word broken by a hyphen that ``line``
    finishes; None when the line break is not inside a word."""
    end = _BROKEN_WORD_END.search(previous)
    start = _WORD_START.match(line)
    if end is None or start is None:
        return None
    head = previous[: end.start()] + end.group(1)
    if line[0].islower() and (end.group(1) + start.group(0)).lower() in english_words():
        return head + line
    return f"{head}-{line}"
