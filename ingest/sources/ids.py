"""Document ids: what a sane one is, checked wherever an id is made (a file's path, a front matter ``id``, an FAQ
row's ``id``, an FAQ page's ``#question``, a web page's host and path).

A sane id has 1 to MAX_ID_CHARS characters, none of them a control or invisible formatting character (but the
zero-width joiner inside an emoji: "👩‍💻" is 👩, U+200D, 💻; and the tag characters of a flag such as England's: 🏴 and
"gbeng" in tag letters), and reads as a relative path: it does not start with
``/`` or ``\\`` and has no ``.`` or ``..`` part. No id is made into a file path (a file is found by its
``source_path``), but ids are shown in terminals and web pages and put in the editor's URLs: "../../x" there would be
resolved by the browser to another page, an escape sequence would rewrite the terminal of ``answerdesk docs list``,
and a right-to-left override shows "txt.exe" as "exe.txt".
"""

from __future__ import annotations

import re
import unicodedata

from chatbot.errors import DocumentLoadError

MAX_ID_CHARS = 512  # the catalogue's column (ingest/catalog.py): PostgreSQL refuses a longer value
# Unicode categories no one sees in an id: controls (Cc: C0, DEL, C1), invisible formatting (Cf: bidi overrides,
# zero-width characters, the byte-order mark), lone surrogates (Cs), and the line and paragraph separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SHOWN_CHARS = 80  # of an id quoted in an error: a report line stays one short line
# The zero-width joiner is how emoji are combined ("👩‍💻 developer setup.md" failed its file, a review after round
# 39), so it is refused only where it does not join two emoji: between letters it makes "pay\u200dpal" look like
# "paypal". Python's unicodedata has no emoji property; emoji are symbols ("other", So; the arrows of 🙂‍↔️ are
# math symbols, Sm), and between two symbols a joiner can neither hide a letter nor reorder text. What an emoji may
# carry before its joiner: the emoji variation selector (🏳️‍🌈) and a skin tone (👨🏽‍🔧).
_ZWJ = "\u200d"
_SYMBOL_CATEGORIES = frozenset({"So", "Sm"})
_EMOJI_MODIFIERS = frozenset({"\ufe0f", *map(chr, range(0x1F3FB, 0x1F400))})
# The flags of England, Scotland and Wales are tag sequences (Unicode TS #51): 🏴 U+1F3F4, a subdivision code
# ("gbeng": a 2-letter region and 1 to 4 letters or digits) spelt in tag letters and digits (U+E0061-U+E007A,
# U+E0030-U+E0039), and CANCEL TAG U+E007F. Tag characters are invisible formatting (Cf), so a file named with
# England's flag failed its file (a review after round 40). They are accepted only in that form: anywhere else they
# are ASCII no one sees ("a" and tag "gb" shows as "a"). Regional-indicator flags (🇳🇱: two So), keycaps (1️⃣: the
# digit, U+FE0F, Mn, and U+20E3, Me) and variation selectors (Mn) are not invisible and were never refused.
_FLAG_TAG_SEQUENCE = re.compile("\U0001f3f4[\U000e0030-\U000e0039\U000e0061-\U000e007a]{3,6}\U000e007f")


def is_invisible(char: str) -> bool:
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES


def _joins_emoji(text: str, index: int) -> bool:
    """Whether ``text[index]`` is a zero-width joiner between two emoji."""
    if text[index] != _ZWJ or index + 1 == len(text):
        return False
    before = index - 1
    while before >= 0 and text[before] in _EMOJI_MODIFIERS:
        before -= 1
    return before >= 0 and _is_symbol(text[before]) and _is_symbol(text[index + 1])


def _is_symbol(char: str) -> bool:
    return unicodedata.category(char) in _SYMBOL_CATEGORIES


def _hidden_indices(text: str) -> set[int]:
    """Where ``text`` has a control or invisible character, but a joiner between two emoji or a flag's tags."""
    flag_tags = {
        index for match in _FLAG_TAG_SEQUENCE.finditer(text) for index in range(match.start() + 1, match.end())
    }
    return {
        index
        for index, char in enumerate(text)
        if is_invisible(char) and index not in flag_tags and not _joins_emoji(text, index)
    }


def hidden_chars(text: str) -> list[str]:
    """The control and invisible characters of ``text``, in order, but a zero-width joiner that joins two emoji and
    the tag characters of a flag such as England's."""
    return [text[index] for index in sorted(_hidden_indices(text))]


def shown(text: str) -> str:
    """``text`` safe to print in a one-line report: invisible characters escaped (``\\x1b``, ``\\u202e``), so that
    a name or id can neither rewrite the terminal nor hide what it is. An emoji's joiner and a flag's tags are left
    as they are."""
    hidden = _hidden_indices(text)
    return "".join(
        char.encode("unicode_escape").decode("ascii") if index in hidden else char for index, char in enumerate(text)
    )


def id_problem(doc_id: str) -> str | None:
    """Why ``doc_id`` is not a sane id (see the module docstring), or None."""
    if not doc_id:
        return "id is empty"
    if len(doc_id) > MAX_ID_CHARS:
        return f"id longer than {MAX_ID_CHARS} characters ({len(doc_id)})"
    quoted = f"'{shown(doc_id[:_SHOWN_CHARS])}{'...' if len(doc_id) > _SHOWN_CHARS else ''}'"
    invisible = next(iter(hidden_chars(doc_id)), None)
    if invisible is not None:
        return f"id {quoted} contains the control or invisible character U+{ord(invisible):04X}"
    if doc_id.startswith(("/", "\\")):
        return f"id {quoted} starts with {doc_id[0]!r}: an id is a relative path"
    if any(part in (".", "..") for part in re.split(r"[/\\]", doc_id)):
        return f"id {quoted} has a '.' or '..' part: an id is a relative path"
    return None


def check_id(doc_id: str) -> str:
    """``doc_id`` when it is sane; else DocumentLoadError, which fails the one file (or FAQ row) that made it."""
    problem = id_problem(doc_id)
    if problem is not None:
        raise DocumentLoadError(problem)
    return doc_id
