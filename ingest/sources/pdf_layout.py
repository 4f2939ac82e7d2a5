"""A PDF's pages read from their layout (pdfplumber), as the items a reader sees, without what only paper needs.

pypdf's plain text of a printed manual is one stream: the running header and footer of every page run into the
sentence that crosses the page break ("...after every cleaning 12/7/26, 3:21 AM User Manual file:///... 4/6"), the
table of contents is indexed as answers (". . . . 5 3.1 Assembling the station . . ."), table rows are flattened
into one line, and a heading cannot be told from a WARNING label or a table row. The layout tells them apart:

- **running headers and footers**: lines in the top or bottom margin band that recur on other pages (digits
  aside, so "Page 3 of 15" recurs) or that are a page number, and lines in the band that open like the page
  furniture of three other pages ("Orla V5 | User Manual 8 Troubleshooting");
- **table-of-contents lines**: a run of dot leaders;
- **tables** (pdfplumber's finder, from the ruling lines) as rows of cells, placed where their text was;
- **list bullets** drawn as shapes rather than characters (a small disc or square just left of a line) as "- ";
- **font sizes**: each line keeps the size of most of its characters, so the caller can make the lines set larger
  than the body text headings (``heading_levels``).

Words come in the order the PDF draws them (``use_text_flow``), which is the reading order of the programs that
print manuals (a browser, a word processor): the two columns of a leaflet stay two columns.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pdfplumber

from ingest.sources.hyphens import joined_at_hyphen

MARGIN_BAND = 0.1  # the top and bottom tenth of a page hold its running header and footer
HEADING_SIZE_RATIO = 1.1  # a line set this much larger than the body text is a heading (10 pt over 9 pt)
MAX_HEADING_WORDS = 14
_FURNITURE_PREFIX_WORDS = 3
_FURNITURE_PREFIX_PAGES = 3

_PAGE_NUMBER = re.compile(
    r"(?i)^(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$"  # "7", "Page 7", "7 / 15", "Page 7 of 15"
    r"|\bpage\s+\d{1,4}(?:\s+of\s+\d{1,4})?\b"  # ... inside a longer footer
    r"|(?:^|\s)\d{1,4}\s*/\s*\d{1,4}$"  # a browser's "3/6" after the address
    r"|^[-–—]\s*\d{1,4}\s*[-–—](?:\s|$)"  # "– 2 –"
)
_DOT_LEADERS = re.compile(r"(?:\.\s?){5,}|…{2,}")
_UNMAPPED_GLYPH = re.compile(r"\(cid:\d+\)")  # an icon font's glyph with no character ("⚠" drawn from a font)
_LEADING_SYMBOLS = re.compile(r"^[^\w\s(\"'“‘\[*#|+-]+\s*")  # "⚠ CAUTION", "ℹ Note" -> the label alone
_DIGITS = re.compile(r"\d+")
_CALLOUT_RUN = 3
_BULLET_SIZE = (1.5, 7.0)  # points: a list bullet drawn as a small shape (a browser draws CSS discs as curves)
_BULLET_REACH = 20.0  # points between a bullet and its item's text


@dataclass
class TextLine:
    text: str
    size: float
    top: float
    gap_before: float = 0.0  # space above the line, in points, from the line before it on the page


@dataclass
class Table:
    rows: list[list[str]]


@dataclass
class Page:
    items: list[TextLine | Table] = field(default_factory=list)


def read_pages(data: bytes) -> list[Page]:
    """Every page's lines and tables in reading order, without running headers, footers and contents lines."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        raw = [_page_items(page) for page in pdf.pages]
        heights = [float(page.height) for page in pdf.pages]
    furniture = _furniture(raw, heights)
    pages: list[Page] = []
    for number, items in enumerate(raw):
        kept: list[TextLine | Table] = []
        for item in items:
            if isinstance(item, TextLine) and (
                (number, id(item)) in furniture or _DOT_LEADERS.search(item.text) or not item.text
            ):
                continue
            kept.append(item)
        pages.append(Page(_without_callout_runs(kept)))
    return pages


def _without_callout_runs(items: list[TextLine | Table]) -> list[TextLine | Table]:
    """``items`` without runs of three or more lines that hold no letter: the numbered callouts of a figure
    ("1", "2 3", "4", ...), which would read as list numbers."""
    letterless = [isinstance(item, TextLine) and not re.search(r"[^\W\d_]", item.text) for item in items]
    kept: list[TextLine | Table] = []
    start = 0
    while start < len(items):
        end = start
        while end < len(items) and letterless[end]:
            end += 1
        if end - start >= _CALLOUT_RUN:
            start = end
            continue
        kept.extend(items[start : max(end, start + 1)])
        start = max(end, start + 1)
    return kept


def body_size(pages: Sequence[Page]) -> float:
    """The size most of the text is set in (weighted by characters)."""
    sizes: Counter[float] = Counter()
    for line in _lines(pages):
        sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def heading_levels(pages: Sequence[Page]) -> dict[float, int]:
    """Heading level (2, 3, ...) of each font size set larger than the body text, largest first; empty when the
    document sets nothing larger (its headings, if any, are the body's size and are found from the layout of the
    lines instead). Sizes seen only on the cover are not counted: a cover's big type would push every real heading
    a level down."""
    body = body_size(pages)
    if not body:
        return {}
    inner = pages[1:] if len(pages) > 2 else pages
    sizes = {round(line.size, 1) for line in _lines(inner) if is_heading_size(line, body)}
    return {size: 2 + rank for rank, size in enumerate(sorted(sizes, reverse=True))}


def is_heading_size(line: TextLine, body: float) -> bool:
    words = line.text.split()
    return (
        line.size >= body * HEADING_SIZE_RATIO
        and 0 < len(words) <= MAX_HEADING_WORDS
        and bool(re.search(r"[^\W\d_]", line.text))
        and not line.text.endswith((".", ",", ";"))
    )


def _lines(pages: Iterable[Page]) -> Iterable[TextLine]:
    for page in pages:
        yield from (item for item in page.items if isinstance(item, TextLine))


def _page_items(page: Any) -> list[TextLine | Table]:
    """The page's lines (words grouped in drawing order) and tables, each table where its first word was drawn."""
    tables = [(table.bbox, table.extract()) for table in page.find_tables()]
    bullets = _bullet_marks(page)
    chars_kept = page.filter(_not_phantom_space(page.chars))
    words = chars_kept.extract_words(use_text_flow=True, extra_attrs=["size"])
    items: list[TextLine | Table] = []
    placed: set[int] = set()
    current: list[dict[str, Any]] = []
    previous_bottom: float | None = None

    def flush() -> None:
        nonlocal previous_bottom
        if not current:
            return
        sizes: Counter[float] = Counter()
        for word in current:
            sizes[round(float(word["size"]), 1)] += len(word["text"])
        top = min(float(word["top"]) for word in current)
        bottom = max(float(word["bottom"]) for word in current)
        gap = top - previous_bottom if previous_bottom is not None else 0.0
        text = _line_text(word["text"] for word in current)
        if _has_bullet(bullets, float(current[0]["x0"]), top, bottom):
            text = f"- {text}"
        items.append(TextLine(text, sizes.most_common(1)[0][0], top, gap))
        previous_bottom = bottom
        current.clear()

    for word in words:
        table = _table_of(word, tables)
        if table is not None:
            flush()
            if table not in placed:
                placed.add(table)
                items.append(Table([[_cell_text(cell) for cell in row] for row in tables[table][1]]))
            continue
        if current and (abs(float(word["top"]) - float(current[-1]["top"])) > 2 or word["x0"] < current[-1]["x0"]):
            flush()
        current.append(word)
    flush()
    return items


def _bullet_marks(page: Any) -> list[tuple[float, float]]:
    """(right edge, vertical middle) of every small, roughly square shape: the bullets of lists."""
    low, high = _BULLET_SIZE
    marks: list[tuple[float, float]] = []
    for shape in [*page.curves, *page.rects]:
        width, height = float(shape["x1"]) - float(shape["x0"]), float(shape["bottom"]) - float(shape["top"])
        if low <= width <= high and low <= height <= high and 0.5 <= width / height <= 2:
            marks.append((float(shape["x1"]), (float(shape["top"]) + float(shape["bottom"])) / 2))
    return marks


def _has_bullet(marks: Sequence[tuple[float, float]], x0: float, top: float, bottom: float) -> bool:
    return any(top <= middle <= bottom and 0 <= x0 - right <= _BULLET_REACH for right, middle in marks)


def _not_phantom_space(chars: Sequence[dict[str, Any]]) -> Any:
    """A filter dropping the spaces a browser draws where a soft hyphen did not break the line: they take no room
    (the next letter starts where the space does), and would split "work|manship" into two words."""
    phantom = {
        (chars[i]["x0"], chars[i]["top"])
        for i in range(len(chars) - 1)
        if chars[i]["text"] == " " and chars[i + 1]["x0"] - chars[i]["x0"] < 0.5 and chars[i + 1]["text"] != " "
    }

    def keep(obj: dict[str, Any]) -> bool:
        return not (obj.get("object_type") == "char" and obj["text"] == " " and (obj["x0"], obj["top"]) in phantom)

    return keep


def _table_of(word: dict[str, Any], tables: Sequence[tuple[tuple[float, float, float, float], Any]]) -> int | None:
    middle_x = (float(word["x0"]) + float(word["x1"])) / 2
    middle_y = (float(word["top"]) + float(word["bottom"])) / 2
    for index, ((x0, top, x1, bottom), _rows) in enumerate(tables):
        if x0 <= middle_x <= x1 and top <= middle_y <= bottom:
            return index
    return None


def _line_text(words: Iterable[str]) -> str:
    text = _UNMAPPED_GLYPH.sub("", " ".join(words))
    text = _LEADING_SYMBOLS.sub("", " ".join(text.split()))
    tokens = text.split()
    if len(tokens) >= 3 and all(len(token) == 1 and token.isalpha() for token in tokens):
        return "".join(tokens)  # letter-spaced type ("O R L A") is one word
    return text


def _cell_text(cell: str | None) -> str:
    """A table cell's lines as one text (a cell wraps its text over as many lines as its column needs)."""
    text = ""
    for line in (cell or "").splitlines():
        line = _line_text([line])
        if line:
            text = (joined_at_hyphen(text, line) or f"{text} {line}") if text else line
    return text


def _furniture(pages: Sequence[Sequence[TextLine | Table]], heights: Sequence[float]) -> set[tuple[int, int]]:
    """(page, id(line)) of every running header and footer line (see the module docstring)."""
    band_lines: list[tuple[int, TextLine]] = []
    for number, items in enumerate(pages):
        height = heights[number]
        for item in items:
            if isinstance(item, TextLine) and (
                item.top < height * MARGIN_BAND or item.top > height * (1 - MARGIN_BAND)
            ):
                band_lines.append((number, item))
    shapes: dict[str, set[int]] = {}
    prefixes: dict[str, set[int]] = {}
    for number, line in band_lines:
        shapes.setdefault(_shape(line.text), set()).add(number)
        prefix = _prefix(line.text)
        if prefix:
            prefixes.setdefault(prefix, set()).add(number)
    found: set[tuple[int, int]] = set()
    for number, line in band_lines:
        recurs = len(shapes[_shape(line.text)]) >= 2
        prefix = _prefix(line.text)
        opens_like_furniture = bool(prefix) and len(prefixes[prefix]) >= _FURNITURE_PREFIX_PAGES
        if recurs or opens_like_furniture or _PAGE_NUMBER.search(line.text):
            found.add((number, id(line)))
    return found


def _shape(text: str) -> str:
    return _DIGITS.sub("#", " ".join(text.lower().split()))


def _prefix(text: str) -> str:
    words = _shape(text).split()
    prefix = " ".join(words[:_FURNITURE_PREFIX_WORDS])
    return prefix if len(words) > _FURNITURE_PREFIX_WORDS and len(prefix) >= 12 else ""
