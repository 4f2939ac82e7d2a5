"""Word (DOCX) files: paragraphs, headings, lists and tables in reading order, as Markdown-like text."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from chatbot.errors import DocumentLoadError
from chatbot.types import SourceDocument
from ingest.cleaning import markdown_table
from ingest.sources.document import SourceFile, humanise, make_document, require_text
from ingest.sources.metadata import Fields
from ingest.sources.results import one_line


@dataclass
class _DocxText:
    """Blocks of a Word document; consecutive list items are joined by single newlines like Markdown lists."""

    lines: list[tuple[bool, str]] = field(default_factory=list)  # (is list item, text)
    title_paragraph: str | None = None
    first_heading: str | None = None
    number: int = 0

    def text(self) -> str:
        out: list[str] = []
        previous_was_item = False
        for is_item, line in self.lines:
            if out:
                out.append("\n" if is_item and previous_was_item else "\n\n")
            out.append(line)
            previous_was_item = is_item
        return "".join(out)

    def add_paragraph(self, paragraph: Paragraph) -> None:
        text = " ".join(paragraph.text.split())
        style = paragraph.style.name if paragraph.style is not None and paragraph.style.name else ""
        if not text:
            return
        is_numbered = style.startswith("List Number")
        self.number = self.number + 1 if is_numbered else 0
        if style == "Title":
            self.title_paragraph = self.title_paragraph or text  # the title is not part of the body text
        elif match := re.fullmatch(r"Heading (\d)", style):
            self.first_heading = self.first_heading or text
            self.lines.append((False, f"{'#' * min(int(match.group(1)), 6)} {text}"))
        elif is_numbered:
            self.lines.append((True, f"{self.number}. {text}"))
        elif style.startswith("List Bullet") or style == "List Paragraph":
            # Word's toolbar bullets use "List Paragraph" plus numbering; treating them as bullets is closest.
            self.lines.append((True, f"- {text}"))
        else:
            self.lines.append((False, text))

    def add_table(self, table: Table) -> None:
        self.number = 0
        rows: list[list[str]] = []
        for row in table.rows:
            cells: list[str] = []
            previous = None
            for cell in row.cells:
                if cell._tc is previous:  # merged cells repeat the same cell object
                    continue
                previous = cell._tc
                cells.append(" ".join(cell.text.split()))
            if any(cells):
                rows.append(cells)
        if text := markdown_table(rows):
            self.lines.append((False, text))


def load_docx(src: SourceFile) -> list[SourceDocument]:
    try:
        document = docx.Document(io.BytesIO(src.data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentLoadError(f"not a valid DOCX: {one_line(str(exc)) or type(exc).__name__}") from exc
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise DocumentLoadError(f"not a valid DOCX: {type(exc).__name__}: {one_line(str(exc))}") from exc
    content = _DocxText()
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            content.add_paragraph(block)
        else:
            content.add_table(block)
    text = require_text(content.text())
    core_title = " ".join((document.core_properties.title or "").split())
    title = core_title or content.title_paragraph or content.first_heading or humanise(src.path.stem)
    return [make_document(src, Fields(), title=title, text=text)]
