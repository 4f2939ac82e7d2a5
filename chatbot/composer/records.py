"""A table cut to the one row a question names, written as that row's record instead of a one-row table.

Why: "| Code | Problem | Solution |" over "| E10 | Battery temperature too high or too low | Wait until ... |" is a
table of one row, which a chat widget about 360 px wide squeezes into narrow columns, and a header over one row
reads as a cut-out rather than a reply. Shown as the row's name with its cells under their column names,

    **E10**
    - Problem: Battery temperature too high or too low
    - Solution: Wait until the battery is between 0 °C and 40 °C and try again.

it reads as an agent would write it. A blind grading of 107 such answers (round 42: the dev answers of four unseen
help centres and the sample help centre, each shown both ways in random order) preferred the record 80 times and the
table twice, with 70 Good against 57. Both of the two preferred tables were two-column rows whose second column
names something ("| Action | Accountant |", "| What happened | Compensation |"): a two-column row becomes a record
only when its second column's name says nothing ("Value", "Meaning": "**Dustbin capacity**: 450 mL").
Tables of several rows stay tables: they compare, which a table shows best.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Names of a second column that say nothing beyond "what the first column's entry is": dropped, the row reads as
# "**name**: value".
_SAYS_NOTHING = frozenset(
    "value values meaning what it means description details detail explanation definition info information "
    "含义 说明 描述 意思".split(" ")
)
# A first cell longer than this is a statement ("Your broadband stopped working completely and ..."), not a name to
# head the record: it goes under its own column name like the others.
_NAME_WORDS = 8
_BOLD = re.compile(r"\*\*(.+?)\*\*")
# A record's name line and its fields, as as_record writes them.
_NAME_LINE = re.compile(r"^\*\*([^*]+)\*\*$")
_FIELD_LINE = re.compile(r"^- ([^:\n]+): (.+)$")


def as_record(header: Sequence[str], row: Sequence[str]) -> str | None:
    """The row ``row`` of a table with the column names ``header`` as a record; None when it reads better as the
    table it is (see the module's docstring): cells that do not line up with the columns, a row with no name, or
    a two-column row whose second column names something."""
    if len(header) != len(row) or len(row) < 2:
        return None
    row = [cell.replace("\\|", "|") for cell in row]  # a pipe inside a cell is escaped only inside a table
    name = _BOLD.sub(r"\1", row[0]).strip()
    if not name:
        return None  # a row continuing the one above it ("|  | The station has no power | ..."): not one thing
    if len(row) == 2:
        if _column_name(header[1]).lower() not in _SAYS_NOTHING:
            return None
        return f"**{name}**: {row[1]}"
    fields = [_field(column, cell) for column, cell in zip(header[1:], row[1:], strict=True) if cell]
    if len(name.split()) > _NAME_WORDS:
        return "\n".join([_field(header[0], row[0]), *fields])
    return "\n".join([f"**{name}**", *fields])


def _field(column: str, cell: str) -> str:
    name = _column_name(column)
    return f"- {name}: {cell}" if name else f"- {cell}"


def _column_name(cell: str) -> str:
    return _BOLD.sub(r"\1", cell).strip()


def record_as_row(lines: Sequence[str]) -> tuple[list[str], list[str]] | None:
    """The column names and the cells of the record that ``lines`` start with (a name line and at least one field,
    as as_record writes them), for what reads an answer's text cell by cell (what a price is the price of); None
    when they start with no record."""
    name = _NAME_LINE.match(lines[0].strip()) if lines else None
    if name is None:
        return None
    fields = []
    for line in lines[1:]:
        field = _FIELD_LINE.match(line.strip())
        if field is None:
            break
        fields.append(field)
    if not fields:
        return None
    return ["", *(f.group(1) for f in fields)], [name.group(1), *(f.group(2) for f in fields)]
