"""Document ids: what a sane one is, checked wherever an id is made (a file's path, a front matter ``id``, an FAQ
row's ``id``, an FAQ page's ``#question``, a web page's host and path).

A sane id has 1 to MAX_ID_CHARS characters, none of them a control or invisible formatting character, and reads as a
relative path: it does not start with ``/`` or ``\\`` and has no ``.`` or ``..`` part. No id is made into a file
path (a file is found by its ``source_path``), but ids are shown in terminals and web pages and put in the editor's
URLs: "../../x" there would be resolved by the browser to another page, an escape sequence would rewrite the terminal
of ``answerdesk docs list``, and a right-to-left override shows "txt.exe" as "exe.txt".
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


def is_invisible(char: str) -> bool:
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES


def shown(text: str) -> str:
    """``text`` safe to print in a one-line report: invisible characters escaped (``\\x1b``, ``\\u202e``), so that
    a name or id can neither rewrite the terminal nor hide what it is."""
    return "".join(char.encode("unicode_escape").decode("ascii") if is_invisible(char) else char for char in text)


def id_problem(doc_id: str) -> str | None:
    """Why ``doc_id`` is not a sane id (see the module docstring), or None."""
    if not doc_id:
        return "id is empty"
    if len(doc_id) > MAX_ID_CHARS:
        return f"id longer than {MAX_ID_CHARS} characters ({len(doc_id)})"
    quoted = f"'{shown(doc_id[:_SHOWN_CHARS])}{'...' if len(doc_id) > _SHOWN_CHARS else ''}'"
    invisible = next((char for char in doc_id if is_invisible(char)), None)
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
