"""CSV for spreadsheets: every download (analytics exports, the audit log) is written here, so no cell a user or a
document wrote can run as a formula when an editor opens the file (OWASP "CSV injection"): a cell that a
spreadsheet would read as a formula, whatever invisible characters or look-alikes come first, is prefixed with '.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

_FORMULA_STARTS = ("\t", "\r")
_FORMULA_CHARS = frozenset("=+-@|\u2212")  # U+2212 MINUS SIGN: no NFKC form, read as - by some spreadsheets
# Skipped before the first visible character: separators (Z*), controls (Cc) and format characters (Cf: zero-width
# spaces and joiners, BOM, direction marks).
_INVISIBLE_CATEGORIES = ("Z", "Cc", "Cf")
_ROWS_PER_CHUNK = 200


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet will show it, never run it."""
    if isinstance(value, str) and _may_run(value):
        return "'" + value
    return value


def _may_run(text: str) -> bool:
    if text.startswith(_FORMULA_STARTS):
        return True
    for char in text:
        if unicodedata.category(char).startswith(_INVISIBLE_CATEGORIES):
            continue
        return char in _FORMULA_CHARS or unicodedata.normalize("NFKC", char)[:1] in _FORMULA_CHARS
    return False


def csv_stream(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text (RFC 4180, CRLF line ends) in chunks of a few hundred rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for number, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(value) for value in row])
        if number % _ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
