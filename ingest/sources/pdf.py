"""PDF files: every page's text, wrapped lines joined, list markers and headings read back from the layout."""

from __future__ import annotations

import io
import logging
import re

import pypdf
from pypdf.errors import PdfReadError

from chatbot.errors import DocumentLoadError
from chatbot.types import SourceDocument
from ingest.sources.document import MAX_TITLE_LINE, SourceFile, humanise, make_document
from ingest.sources.metadata import Fields
from ingest.sources.results import one_line

# pypdf logs a warning for every small defect of real-world PDFs; we report real failures ourselves.
logging.getLogger("pypdf").setLevel(logging.ERROR)

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


def _pdf_markdown(pages: list[str]) -> str:
    """Extracted PDF text as the Markdown-like text the chunker expects: lines wrapped mid-sentence joined, a list
    number or bullet drawn on its own line put in front of its item ("1. Go to ..."), and short title-like lines
    between paragraphs made headings, so they are never run into the sentence that follows them."""
    lines: list[str] = []  # "" marks a page break (a blank line), unless a sentence runs on across it
    for page in pages:
        new_page = bool(lines)
        for raw in page.splitlines():
            line = " ".join(raw.split())
            if not line:
                continue
            previous = lines[-1] if lines else ""
            if previous and _PDF_MARKER.match(previous) and _PDF_ITEM_TEXT.match(line):
                lines[-1] = f"{previous}. {line}" if previous.isdigit() else f"- {line}"
            elif previous and not _PDF_MARKER.match(line) and _is_wrapped(previous, line):
                lines[-1] = f"{previous} {line}"
            else:
                lines.extend(["", line] if new_page else [line])
            new_page = False
    text = "\n".join(_pdf_heading(lines, i) for i in range(len(lines)))
    # The first heading is the document's title: level 1, which the chunker leaves out of the heading path when it
    # repeats the title.
    return re.sub(r"^## ", "# ", text, count=1)


def _is_wrapped(previous: str, line: str) -> bool:
    """Whether ``line`` continues ``previous``: it starts in lower case or with "(", or ``previous`` is a full-width
    line that stopped mid-sentence (headings and table cells extracted one per line are short)."""
    if line[0].islower() or line.startswith("("):
        return True
    return len(previous.split()) >= 10 and not _PDF_TERMINAL.search(previous) and not _LIST_NUMBER.match(line)


def _pdf_heading(lines: list[str], i: int) -> str:
    """``lines[i]``, as a ``##`` heading when it reads as one: a few words without closing punctuation, after a
    finished sentence (or at the top of a page) and before a paragraph or a list. Table cells extracted one per line
    are short too, but so is the line after them, so they stay text. A numbered line ("2. Complete your profile")
    is a heading only before a paragraph or a new list from 1, never before the next step."""
    line = lines[i]
    if len(line.split()) > 8 or _PDF_TERMINAL.search(line) or line.startswith("- ") or not re.search(r"\w", line):
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
    pages = _pdf_pages(reader)
    if not pages:
        raise DocumentLoadError("no extractable text (scanned PDF?)")
    first_line = pages[0].splitlines()[0].strip()
    text = _pdf_markdown(pages)
    title = _pdf_metadata_title(reader) or (first_line if len(first_line) <= MAX_TITLE_LINE else None)
    return [make_document(src, Fields(), title=title or humanise(src.path.stem), text=text)]
