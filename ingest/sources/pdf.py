"""PDF files: every page's text from its layout (ingest.sources.pdf_layout), as Markdown: wrapped lines joined, list
markers, tables and headings read back from the page."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence

import pypdf
from pypdf.errors import PdfReadError

from chatbot.captions import is_figure_caption
from chatbot.errors import DocumentLoadError
from chatbot.types import SourceDocument
from ingest.cleaning import markdown_table
from ingest.sources.document import MAX_TITLE_LINE, SourceFile, humanise, make_document
from ingest.sources.hyphens import joined_at_hyphen
from ingest.sources.metadata import Fields
from ingest.sources.pdf_layout import Page, Table, TextLine, body_size, heading_levels, is_heading_size, read_pages
from ingest.sources.results import one_line

# pypdf logs a warning for every small defect of real-world PDFs; we report real failures ourselves.
logging.getLogger("pypdf").setLevel(logging.ERROR)
logging.getLogger("pdfminer").setLevel(logging.ERROR)
logger = logging.getLogger(__name__)

_PLACEHOLDER_PDF_TITLES = frozenset({"untitled", "untitled document"})  # e.g. ReportLab's default


def _open_pdf(data: bytes) -> pypdf.PdfReader:
    # Non-strict mode reads the many slightly broken PDFs out there; the header check still rejects garbage.
    if b"%PDF-" not in data[:1024]:
        raise DocumentLoadError("not a valid PDF: no %PDF- header")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    except PdfReadError as exc:
        raise DocumentLoadError(f"not a valid PDF: {one_line(str(exc))}") from exc
    except Exception as exc:  # garbage after a valid header trips pypdf in many different ways
        raise DocumentLoadError(f"not a valid PDF: {type(exc).__name__}: {one_line(str(exc))}") from exc
    if reader.is_encrypted and not reader.decrypt(""):
        raise DocumentLoadError("password-protected PDF")
    return reader


def _pdf_pages(reader: pypdf.PdfReader) -> list[str]:
    pages: list[str] = []
    try:
        for page in reader.pages:
            pages.append((page.extract_text() or "").replace("\x00", "").strip())
    except Exception as exc:  # pypdf raises many exception types on damaged page streams
        raise DocumentLoadError(f"not a valid PDF: page {len(pages) + 1}: {one_line(str(exc))}") from exc
    return [page for page in pages if page]


def _pdf_metadata_title(reader: pypdf.PdfReader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # a broken /Info dictionary should not cost us the text
        return None
    title = " ".join(str(title or "").split())
    return title if title and title.lower() not in _PLACEHOLDER_PDF_TITLES else None


_PDF_MARKER = re.compile(r"^(?:\d{1,2}|[-•●▪‣◦*])$")  # a list number or bullet drawn on a line of its own
_PDF_ITEM_TEXT = re.compile(r"^[^\W\d_]\S*\s+\S")  # a list item's text: two words or more, from a letter
_PDF_TERMINAL = re.compile(r"[.!?:;。！？；：]$")
_HEADING_LINE_GAP = 0.8  # a heading's wrapped second line sits closer than this many of its sizes below the first
_PARAGRAPH_GAP = 0.9  # a line this many of its sizes below the one before starts a new paragraph


def _pdf_markdown(pages: Sequence[Page]) -> str:
    """The pages as the Markdown-like text the chunker expects: lines wrapped mid-sentence (or mid-word, at a
    hyphen) joined, a list number or bullet drawn on its own line put in front of its item ("1. Go to ..."), tables
    as Markdown tables (one continued on the next page joined to its first part), and headings marked: the lines
    set larger than the body text when the document has such (their level by size), else short title-like lines
    between paragraphs, so they are never run into the sentence that follows them."""
    levels = heading_levels(pages)
    body = body_size(pages)
    lines: list[str] = []  # "" marks a page break (a blank line), unless a sentence runs on across it
    last_table: list[list[str]] | None = None  # the rows of the table that ``lines[-1]`` holds
    heading_size = 0.0  # the size of the heading that ``lines[-1]`` is
    for page in pages:
        new_page = bool(lines)
        for item in page.items:
            if isinstance(item, Table):
                if new_page and last_table is not None and _continues(last_table, item.rows):
                    last_table.extend(item.rows[1:] if item.rows[0] == last_table[0] else item.rows)
                    lines[-1] = markdown_table(last_table)
                else:
                    last_table = [list(row) for row in item.rows]
                    lines.extend(["", markdown_table(last_table)])
                heading_size, new_page = 0.0, False
                continue
            if last_table is not None:
                lines.append("")  # a table ends at a blank line
            line = item.text
            previous = lines[-1] if lines else ""
            if levels and is_heading_size(item, body):
                level = 2 + sum(1 for size in levels if size > round(item.size, 1))
                if heading_size == item.size and not new_page and item.gap_before < item.size * _HEADING_LINE_GAP:
                    lines[-1] = f"{previous} {line}"  # a heading wrapped over two lines
                else:
                    lines.extend(["", "#" * min(level, 6) + " " + line])
                heading_size, last_table, new_page = item.size, None, False
                continue
            same_paragraph = not previous.startswith(("#", "|")) and item.gap_before <= item.size * _PARAGRAPH_GAP
            hyphen_join = joined_at_hyphen(previous, line) if previous and same_paragraph else None
            if hyphen_join is not None:
                lines[-1] = hyphen_join
            elif previous and _PDF_MARKER.match(previous) and _PDF_ITEM_TEXT.match(line):
                lines[-1] = f"{previous}. {line}" if previous.isdigit() else f"- {line}"
            elif previous and same_paragraph and not _PDF_MARKER.match(line) and _is_wrapped(previous, line):
                lines[-1] = f"{previous} {line}"
            elif new_page and not (_is_list_item(previous) and _is_list_item(line)):
                lines.extend(["", line])  # a list running on over the page break stays one list
            else:
                lines.append(line)
            heading_size, last_table, new_page = 0.0, None, False
    lines = _with_figures_apart(_numbered_as_lists(lines), drop_labels=bool(levels))
    if levels:
        return "\n".join(lines).strip("\n")
    text = "\n".join(_pdf_heading(lines, i) for i in range(len(lines)))
    # The first heading is the document's title: level 1, which the chunker leaves out of the heading path when it
    # repeats the title.
    return re.sub(r"^## ", "# ", text, count=1)


# A step whose number the PDF sets apart from its text by space alone: "1 Go to Settings > Users & permissions and
# click Invite user." The chunker read the run as one paragraph, and answers quoted it so ("1 Go to ... 2 Enter the
# email address ... 3 Click Send invitation.", round 43, the sample help centre's getting-started guide).
_BARE_NUMBER = re.compile(r"^(\d{1,2}) (?=[^\W\d_])")


def _numbered_as_lists(lines: list[str]) -> list[str]:
    """``lines`` with each run of lines numbered 1, 2, 3 ... by a bare number ("1 Go to ...") as a numbered list
    ("1. Go to ..."). A run must start at 1 and count up by one, line after line: "10 wrong passwords lock the
    account" alone is a sentence."""
    result = list(lines)
    i = 0
    while i < len(result):
        first = _BARE_NUMBER.match(result[i])
        if first is None or first.group(1) != "1":
            i += 1
            continue
        end = i + 1
        while end < len(result) and (found := _BARE_NUMBER.match(result[end])) and int(found.group(1)) == end - i + 1:
            end += 1
        if end - i >= 2:
            for j in range(i, end):
                result[j] = _BARE_NUMBER.sub(r"\1. ", result[j], count=1)
        i = end
    return result


_FIGURE_LABEL_WORDS = 4  # the labels drawn in a figure ("Station", "0.5 m 0.5 m", "Top view Underside")


def _with_figures_apart(lines: list[str], drop_labels: bool) -> list[str]:
    """``lines`` with each figure caption a paragraph of its own (chatbot/captions.py): run into the sentence after
    it, "Figure 2-1 Free space around the station Do not place the station in a bathroom ..." opened a robot vacuum
    manual's answer (round 43). ``drop_labels``: also without the short lines right before a caption, the labels
    drawn in the figure ("0.5 m 0.5 m", "1.5 m", "Station", "Wall"), back to the sentence, list item, heading or
    table before them; only where headings are marked already (by their size), so that a short heading line is
    never taken for a label."""
    kept: list[str] = []
    for line in lines:
        if not is_figure_caption(line):
            if kept and line and is_figure_caption(kept[-1]):
                kept.append("")
            kept.append(line)
            continue
        while drop_labels and kept and _is_figure_label(kept[-1]):
            kept.pop()
        if kept and kept[-1]:
            kept.append("")
        kept.append(line)
    return kept


def _is_figure_label(line: str) -> bool:
    return (
        bool(line)
        and len(line.split()) <= _FIGURE_LABEL_WORDS
        and not line.startswith(("#", "|"))
        and not _is_list_item(line)
        and not _PDF_TERMINAL.search(line)
    )


def _continues(table: list[list[str]], rows: list[list[str]]) -> bool:
    """Whether ``rows``, at the top of a page right after ``table``, are more of it: as many columns."""
    return bool(rows) and max(len(row) for row in rows) == max(len(row) for row in table)


def _is_list_item(line: str) -> bool:
    return line.startswith("- ") or bool(_LIST_NUMBER.match(line))


def _is_wrapped(previous: str, line: str) -> bool:
    """Whether ``line`` continues ``previous``: it starts in lower case or with "(", or ``previous`` is a full-width
    line that stopped mid-sentence (headings and table cells extracted one per line are short). Never into or out
    of a heading or a table."""
    if previous.startswith(("#", "|")) or line.startswith("|") or _is_list_item(line):
        return False
    if line[0].islower() or line.startswith("("):
        return True
    return len(previous.split()) >= 10 and not _PDF_TERMINAL.search(previous) and not _LIST_NUMBER.match(line)


def _pdf_heading(lines: list[str], i: int) -> str:
    """``lines[i]``, as a ``##`` heading when it reads as one: a few words without closing punctuation, after a
    finished sentence (or at the top of a page) and before a paragraph or a list. Table cells extracted one per line
    are short too, but so is the line after them, so they stay text. A numbered line ("2. Complete your profile")
    is a heading only before a paragraph or a new list from 1, never before the next step."""
    line = lines[i]
    if (
        line.startswith(("#", "|"))
        or len(line.split()) > 8
        or _PDF_TERMINAL.search(line)
        or line.startswith("- ")
        or not re.search(r"\w", line)
    ):
        return line
    previous = next((text for text in reversed(lines[:i]) if text), "")
    if previous and not _PDF_TERMINAL.search(previous):
        return line
    following = next((text for text in lines[i + 1 :] if text), "")
    is_paragraph = len(following.split()) >= 6 and not _LIST_NUMBER.match(following)
    starts_list = following.startswith(("1. ", "- "))
    if _LIST_NUMBER.match(line):
        is_heading = is_paragraph or following.startswith("1. ")
    else:
        is_heading = is_paragraph or starts_list or bool(_LIST_NUMBER.match(following))
    return f"## {line}" if is_heading else line


_LIST_NUMBER = re.compile(r"^\d{1,2}\.\s")


def load_pdf(src: SourceFile) -> list[SourceDocument]:
    reader = _open_pdf(src.data)
    pages = _read_pages(src.data, reader)
    first = next((item.text for page in pages for item in page.items if isinstance(item, TextLine)), None)
    if first is None:
        raise DocumentLoadError("no extractable text (scanned PDF?)")
    title = _pdf_metadata_title(reader) or (first if len(first) <= MAX_TITLE_LINE else None)
    return [make_document(src, Fields(), title=title or humanise(src.path.stem), text=_pdf_markdown(pages))]


def _read_pages(data: bytes, reader: pypdf.PdfReader) -> list[Page]:
    """The pages from their layout; from pypdf's plain text (every line of the body's size) when pdfplumber cannot
    read the file, as with some damaged ones pypdf still reads."""
    try:
        return read_pages(data)
    except Exception:  # pdfminer raises many exception types on what it cannot parse; pypdf is the second reader
        logger.info("pdfplumber could not read the PDF's layout; reading its plain text", exc_info=True)
    return [Page([TextLine(line, 0.0, 0.0) for line in text.splitlines()]) for text in _pdf_pages(reader)]
