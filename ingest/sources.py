"""Load a help-centre folder (or one file) into :class:`SourceDocument` objects.

Supported: Markdown (with YAML front matter), HTML, plain text, PDF, DOCX and FAQ files (CSV, JSON, YAML).
Every file either becomes documents or a :class:`FailedFile` with a one-line reason; one bad file never stops
the walk, and nothing is dropped silently (skipped FAQ rows are reported too).

Metadata precedence, nearest wins: front matter / FAQ row field > nearest ``_defaults.yaml`` > arguments of
:func:`load_path` > built-in (audience ``public``, language detected from the text). Audience errors always
fail loudly, because ingesting an internal document as public is the worst thing this module could do.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import docx
import pypdf
import yaml
from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction, Tag
from bs4.element import NavigableString
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf.errors import PdfReadError

from chatbot.errors import DocumentLoadError
from chatbot.language import detect_language
from chatbot.types import Audience, DocumentKind, SourceDocument
from ingest.cleaning import clean_line, clean_text, markdown_table

MIB = 1024 * 1024

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".md", ".markdown", ".html", ".htm", ".txt", ".pdf", ".docx", ".csv", ".json", ".yaml", ".yml"}
)
_DEFAULTS_NAMES = ("_defaults.yaml", "_defaults.yml")
_README_NAMES = frozenset({"readme", "readme.md", "readme.markdown", "readme.txt"})
_AUDIENCES: tuple[Audience, ...] = ("public", "internal")
_FRONT_MATTER_KEYS = ("id", "title", "audience", "community", "tags", "url", "owner", "language", "review_by")
_FAQ_KEYS = ("question", "answer", "alternatives", *_FRONT_MATTER_KEYS)
_DEFAULTS_KEYS = frozenset({"audience", "community", "tags", "owner", "language"})
_MAX_TITLE_LINE = 120
_NOT_FAQ = "not an FAQ file: expected a list of {question, answer}"

# pypdf logs a warning for every small defect of real-world PDFs; we report real failures ourselves.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class FailedFile:
    """A file (or one FAQ row, ``path#row N``) that was not ingested, and why."""

    path: str  # relative to the root, forward slashes
    error: str  # one-line human reason


@dataclass
class LoadResult:
    root: str  # the resolved root folder (a single file's parent folder), posix string
    documents: list[SourceDocument] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------------------
# Metadata: defaults inherited from folders, fields set by a document itself, and how they combine.


@dataclass(frozen=True)
class _Defaults:
    """Folder-level defaults; None means "not set here, inherit"."""

    audience: Audience | None = None
    community: str | None = None
    tags: tuple[str, ...] | None = None
    owner: str | None = None
    language: str | None = None

    def overridden_by(self, nearer: _Defaults) -> _Defaults:
        return _Defaults(
            audience=nearer.audience or self.audience,
            community=nearer.community if nearer.community is not None else self.community,
            tags=nearer.tags if nearer.tags is not None else self.tags,
            owner=nearer.owner if nearer.owner is not None else self.owner,
            language=nearer.language or self.language,
        )


@dataclass(frozen=True)
class _BrokenDefaults:
    """A bad ``_defaults.yaml``: every file below it fails rather than being ingested with a guessed audience."""

    reason: str


_Inherited = _Defaults | _BrokenDefaults


@dataclass(frozen=True)
class _Fields:
    """Metadata a document sets for itself (front matter, FAQ row, HTML lang); None means "not set"."""

    id: str | None = None
    title: str | None = None
    audience: Audience | None = None
    community: str | None = None
    tags: tuple[str, ...] | None = None
    url: str | None = None
    owner: str | None = None
    language: str | None = None
    review_by: str | None = None


def _one_line(message: str) -> str:
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _text_value(value: object, key: str) -> str | None:
    """A scalar metadata value as stripped text; empty means unset. YAML turns `yes` into True, so refuse bools."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DocumentLoadError(f"'{key}' must be text, got {type(value).__name__} {value!r}")
    return str(value).strip() or None


def _parse_audience(value: object) -> Audience | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    lowered = value.strip().lower() if isinstance(value, str) else None
    for audience in _AUDIENCES:
        if lowered == audience:
            return audience
    raise DocumentLoadError(f"bad audience {value!r}: expected 'public' or 'internal'")


def _parse_tags(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        # People write "a, b" in front matter and "a; b" in spreadsheets; accept both separators everywhere.
        raw: list[object] = list(re.split(r"[;,]", value))
    elif isinstance(value, list | tuple):
        raw = list(value)
    else:
        raise DocumentLoadError(f"'tags' must be a list or a comma-separated string, got {value!r}")
    tags = [text for item in raw if (text := _text_value(item, "tags"))]
    return tuple(dict.fromkeys(tags))  # de-duplicated, first-seen order


def _normalise_language(value: object) -> str | None:
    """The answering side knows English and Chinese; any zh-* tag is Chinese, every other tag English."""
    text = _text_value(value, "language")
    if text is None:
        return None
    return "zh" if text.lower().startswith("zh") else "en"


def parse_review_by(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip()).date().isoformat()
        except ValueError:
            pass
    raise DocumentLoadError(f"review_by {value!r} is not a date (YYYY-MM-DD)")


def _parse_url(value: object) -> str | None:
    url = _text_value(value, "url")
    # The URL becomes a link in the chat UI: a javascript: or data: URL there would be an injection.
    if url is not None and not re.match(r"(?i)^(https?://|/)", url):
        raise DocumentLoadError(f"url {url!r} must start with http://, https:// or /")
    return url


def _parse_id(value: object) -> str | None:
    doc_id = _text_value(value, "id")
    if doc_id is not None and any(ord(ch) < 32 for ch in doc_id):
        raise DocumentLoadError(f"id {doc_id!r} contains control characters")
    return doc_id


def _parse_fields(mapping: Mapping[str, object]) -> _Fields:
    return _Fields(
        id=_parse_id(mapping.get("id")),
        title=_text_value(mapping.get("title"), "title"),
        audience=_parse_audience(mapping.get("audience")),
        community=_text_value(mapping.get("community"), "community"),
        tags=_parse_tags(mapping.get("tags")),
        url=_parse_url(mapping.get("url")),
        owner=_text_value(mapping.get("owner"), "owner"),
        language=_normalise_language(mapping.get("language")),
        review_by=parse_review_by(mapping.get("review_by")),
    )


def _reject_misspelled_keys(mapping: Mapping[str, object], known: tuple[str, ...]) -> None:
    """Unknown keys are allowed (other tools' front matter), but `audiance: internal` must not pass as public."""
    for key in mapping:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.8)
        if close:
            raise DocumentLoadError(f"unknown key {key!r} (did you mean {close[0]!r}?)")


@dataclass(frozen=True)
class _File:
    """One file being loaded: where it is, its id, its bytes and the defaults that apply to it."""

    path: Path
    rel: str
    defaults: _Defaults
    data: bytes

    def text(self) -> str:
        return _decode(self.data)


def _make_document(
    src: _File,
    fields: _Fields,
    *,
    title: str,
    text: str,
    kind: DocumentKind = "article",
    faq_question: str | None = None,
    faq_answer: str | None = None,
    faq_alternatives: tuple[str, ...] = (),
) -> SourceDocument:
    """Apply the precedence document field > folder defaults/arguments > built-in.

    Every loader ends here, so this is where text is cleaned for quoting (ingest/cleaning.py)."""
    defaults = src.defaults
    title = clean_line(fields.title or title)
    text = clean_text(text)
    faq_question = clean_line(faq_question) if faq_question is not None else None
    faq_answer = clean_text(faq_answer).strip() if faq_answer is not None else None
    if faq_question and faq_answer:
        text = f"{faq_question}\n\n{faq_answer}"  # the composer finds the answer after the (cleaned) question
    return SourceDocument(
        id=fields.id or src.rel,
        title=title,
        text=text,
        kind=kind,
        audience=fields.audience or defaults.audience or "public",
        community=fields.community if fields.community is not None else defaults.community,
        tags=fields.tags if fields.tags is not None else (defaults.tags or ()),
        url=fields.url,
        owner=fields.owner if fields.owner is not None else defaults.owner,
        language=fields.language or defaults.language or detect_language(f"{title}\n{text}"),
        review_by=fields.review_by,
        source_path=src.rel,
        faq_question=faq_question,
        faq_answer=faq_answer,
        faq_alternatives=faq_alternatives,
    )


# --------------------------------------------------------------------------------------------------------------
# Bytes to text.


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Windows Notepad's "Unicode" is UTF-16 with a BOM; its NUL bytes are not binary content.
        text = _try_decode(data, "utf-16")
    else:
        if b"\x00" in data:
            raise DocumentLoadError("binary content, not text")
        text = _try_decode(data, "utf-8-sig")
        if text is None:
            # Older Chinese help centres export GB18030/GBK; accept it only when it really reads as Chinese,
            # because random bytes often decode as GB18030 too.
            text = _try_decode(data, "gb18030")
            if text is not None and detect_language(text) != "zh":
                text = None
    if text is None:
        raise DocumentLoadError("not UTF-8 text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentLoadError("empty file")
    return text


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _humanise(stem: str) -> str:
    words = " ".join(re.split(r"[\s_\-]+", stem)).strip()
    return (words[:1].upper() + words[1:]) or stem


def _require_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise DocumentLoadError("no text content")
    return text


# --------------------------------------------------------------------------------------------------------------
# Markdown and plain text.

_FRONT_MATTER_END = re.compile(r"^(---|\.\.\.)[ \t]*$", re.MULTILINE)
_FENCE = re.compile(r"^\s*(```|~~~)")
_ATX_H1 = re.compile(r"^#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")


def _split_front_matter(text: str) -> tuple[dict[str, object], str]:
    first, _, rest = text.partition("\n")
    if first.rstrip() != "---":
        return {}, text
    end = _FRONT_MATTER_END.search(rest)
    if end is None:
        # Failing beats guessing: an unclosed block may hold `audience: internal`.
        raise DocumentLoadError("front matter starts with '---' but has no closing '---' line")
    try:
        meta = yaml.safe_load(rest[: end.start()])
    except yaml.YAMLError as exc:
        raise DocumentLoadError(f"invalid front matter YAML: {_one_line(str(exc))}") from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise DocumentLoadError("invalid front matter: expected 'key: value' lines")
    return {str(key).strip().lower(): value for key, value in meta.items()}, rest[end.end() :]


def _first_h1(markdown: str) -> str | None:
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence  # a `# comment` inside a shell snippet is not a heading
        elif not in_fence and (match := _ATX_H1.match(line)):
            return match.group(1).strip()
    return None


def _load_markdown(src: _File) -> list[SourceDocument]:
    meta, body = _split_front_matter(src.text())
    _reject_misspelled_keys(meta, _FRONT_MATTER_KEYS)
    fields = _parse_fields(meta)
    if not body.strip() and fields.title:
        # A page with a title and no body yet (a stub) is still a page people may look for by its title.
        return [_make_document(src, fields, title=fields.title, text=f"# {fields.title}")]
    text = _require_text(body)
    title = _first_h1(text) or _humanise(src.path.stem)
    return [_make_document(src, fields, title=title, text=text)]


def _load_text(src: _File) -> list[SourceDocument]:
    text = _require_text(src.text())
    first_line = text.splitlines()[0].strip()
    title = first_line if len(first_line) <= _MAX_TITLE_LINE else _humanise(src.path.stem)
    return [_make_document(src, _Fields(), title=title, text=text)]


# --------------------------------------------------------------------------------------------------------------
# HTML: keep the article, drop the page furniture, and write Markdown-like text for the heading-aware chunker.

_HTML_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg", "template", "iframe")
_HTML_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_HTML_BLOCKS = frozenset(
    {
        "address", "article", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "hgroup", "hr", "html", "li", "main", "ol", "p", "pre",
        "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_SKIPPED_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)


def _html_strings(node: Tag, skip: frozenset[str] = frozenset()) -> Iterator[str]:
    """The text under `node`, with a space wherever a block or <br> separates words visually."""
    for child in node.children:
        if isinstance(child, _SKIPPED_STRINGS):
            continue
        if isinstance(child, NavigableString):
            yield str(child)
        elif isinstance(child, Tag) and child.name not in skip:
            separated = child.name == "br" or child.name in _HTML_BLOCKS or child.name in _HTML_HEADINGS
            yield " " if separated else ""
            yield from _html_strings(child, skip)
            yield " " if separated else ""


def _html_inline(node: Tag, skip: frozenset[str] = frozenset()) -> str:
    return " ".join("".join(_html_strings(node, skip)).split())


class _HtmlWriter:
    """Walks the main content once and collects blocks; blocks are joined with blank lines."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self._inline: list[str] = []

    def text(self) -> str:
        self._flush()
        return "\n\n".join(self.blocks)

    def _flush(self) -> None:
        # <br> becomes "\n" in the buffer; other whitespace collapses as a browser would render it.
        lines = (" ".join(line.split()) for line in "".join(self._inline).split("\n"))
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            self.blocks.append(paragraph)
        self._inline.clear()

    def _block(self, text: str) -> None:
        self._flush()
        if text.strip():
            self.blocks.append(text)

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, _SKIPPED_STRINGS):
                continue
            if isinstance(child, NavigableString):
                # Already entity-decoded: `&lt;img&gt;` is the text "<img>". Source line breaks are just spaces;
                # only <br> adds a "\n" to the buffer.
                self._inline.append(re.sub(r"\s+", " ", str(child)))
            elif isinstance(child, Tag):
                self._element(child)

    def _element(self, tag: Tag) -> None:
        name = tag.name
        if name in _HTML_HEADINGS:
            heading = _html_inline(tag)
            self._block(f"{'#' * _HTML_HEADINGS[name]} {heading}" if heading else "")
        elif name in ("ul", "ol"):
            self._block("\n".join(_html_list_lines(tag, depth=0)))
        elif name == "table":
            self._block(markdown_table(_html_table_rows(tag)))
        elif name == "pre":
            self._block(tag.get_text().strip("\n").rstrip())
        elif name == "br":
            self._inline.append("\n")
        elif name in _HTML_BLOCKS:
            self._flush()
            self.walk(tag)
            self._flush()
        else:
            self.walk(tag)


def _html_list_lines(list_tag: Tag, depth: int) -> list[str]:
    lines: list[str] = []
    number = 0
    for child in list_tag.children:
        if not isinstance(child, Tag):
            continue
        if child.name in ("ul", "ol"):  # invalid but common: a nested list directly inside a list
            lines.extend(_html_list_lines(child, depth + 1))
            continue
        number += 1
        marker = f"{number}. " if list_tag.name == "ol" else "- "
        item = _html_inline(child, skip=frozenset({"ul", "ol"}))
        if item:
            lines.append("  " * depth + marker + item)
        for nested in child.find_all(["ul", "ol"]):
            if nested.find_parent(["ul", "ol"]) is list_tag:  # only this item's own sub-lists, once
                lines.extend(_html_list_lines(nested, depth + 1))
    return lines


def _html_table_rows(table: Tag) -> list[list[str]]:
    """The cells of each row (the first row is the header), for a Markdown table."""
    rows: list[list[str]] = []
    for row in table.find_all("tr"):
        if row.find_parent("table") is not table:
            continue  # nested tables are flattened into their cell's text instead
        cells = [_html_inline(cell) for cell in row.find_all(["td", "th"], recursive=False)]
        if any(cells):
            rows.append(cells)
    return rows


def _html_content(soup: BeautifulSoup) -> Tag:
    """<main>, else a single <article>, else <body>: a page listing several articles is read whole."""
    main = soup.find("main")
    if isinstance(main, Tag):
        return main
    articles = soup.find_all("article")
    if len(articles) == 1 and isinstance(articles[0], Tag):
        return articles[0]
    body = soup.find("body")
    return body if isinstance(body, Tag) else soup


# Many help-centre themes put their menus in plain <div>s: match these class or id names exactly (a substring
# match would also drop "rightsidebar"-style content).
_NAV_NAMES = frozenset(
    {
        "nav",
        "navbar",
        "navigation",
        "menu",
        "mainmenu",
        "submenu",
        "searchmenu",
        "breadcrumb",
        "breadcrumbs",
        "sub-nav",
        "skip-link",
        "site-nav",
        "site-header",
        "site-footer",
        "sidebar-nav",
        "toc-nav",
    }
)


def _is_navigation(tag: Tag) -> bool:
    if not isinstance(tag, Tag) or tag.attrs is None:
        return False
    classes: list[str] = list(tag.get("class") or [])
    return any(str(c).lower() in _NAV_NAMES for c in classes) or str(tag.get("id") or "").lower() in _NAV_NAMES


def _drop_page_furniture(soup: BeautifulSoup) -> None:
    doomed = [*soup.find_all(list(_HTML_DROP)), *soup.find_all(role="navigation"), *soup.find_all(_is_navigation)]
    for element in doomed:
        if isinstance(element, Tag) and not element.decomposed:  # may be inside one already removed
            element.decompose()


def _html_title(soup: BeautifulSoup) -> str | None:
    title = soup.find("title")
    text = _html_inline(title) if isinstance(title, Tag) else ""
    if not text:
        # Looked up before the page furniture is dropped: `<article><header><h1>` is common.
        h1 = _html_content(soup).find("h1")
        text = _html_inline(h1) if isinstance(h1, Tag) else ""
    return text or None


def _html_language(soup: BeautifulSoup) -> str | None:
    html = soup.find("html")
    lang = html.get("lang") if isinstance(html, Tag) else None
    return _normalise_language(lang) if isinstance(lang, str) else None


def _load_html(src: _File) -> list[SourceDocument]:
    soup = BeautifulSoup(src.text(), "lxml")
    title = _html_title(soup) or _humanise(src.path.stem)
    fields = _Fields(language=_html_language(soup))
    _drop_page_furniture(soup)
    writer = _HtmlWriter()
    writer.walk(_html_content(soup))
    return [_make_document(src, fields, title=title, text=_require_text(writer.text()))]


# --------------------------------------------------------------------------------------------------------------
# PDF and DOCX.

_PLACEHOLDER_PDF_TITLES = frozenset({"untitled", "untitled document"})  # e.g. ReportLab's default


def _open_pdf(data: bytes) -> pypdf.PdfReader:
    # Non-strict mode reads the many slightly broken PDFs out there; the header check still rejects garbage.
    if b"%PDF-" not in data[:1024]:
        raise DocumentLoadError("not a valid PDF: no %PDF- header")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    except PdfReadError as exc:
        raise DocumentLoadError(f"not a valid PDF: {_one_line(str(exc))}") from exc
    except Exception as exc:  # garbage after a valid header trips pypdf in many different ways
        raise DocumentLoadError(f"not a valid PDF: {type(exc).__name__}: {_one_line(str(exc))}") from exc
    if reader.is_encrypted and not reader.decrypt(""):
        raise DocumentLoadError("password-protected PDF")
    return reader


def _pdf_pages(reader: pypdf.PdfReader) -> list[str]:
    pages: list[str] = []
    try:
        for page in reader.pages:
            pages.append((page.extract_text() or "").replace("\x00", "").strip())
    except Exception as exc:  # pypdf raises many exception types on damaged page streams
        raise DocumentLoadError(f"not a valid PDF: page {len(pages) + 1}: {_one_line(str(exc))}") from exc
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


def _load_pdf(src: _File) -> list[SourceDocument]:
    reader = _open_pdf(src.data)
    pages = _pdf_pages(reader)
    if not pages:
        raise DocumentLoadError("no extractable text (scanned PDF?)")
    first_line = pages[0].splitlines()[0].strip()
    text = _pdf_markdown(pages)
    title = _pdf_metadata_title(reader) or (first_line if len(first_line) <= _MAX_TITLE_LINE else None)
    return [_make_document(src, _Fields(), title=title or _humanise(src.path.stem), text=text)]


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


def _load_docx(src: _File) -> list[SourceDocument]:
    try:
        document = docx.Document(io.BytesIO(src.data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentLoadError(f"not a valid DOCX: {_one_line(str(exc)) or type(exc).__name__}") from exc
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise DocumentLoadError(f"not a valid DOCX: {type(exc).__name__}: {_one_line(str(exc))}") from exc
    content = _DocxText()
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            content.add_paragraph(block)
        else:
            content.add_table(block)
    text = _require_text(content.text())
    core_title = " ".join((document.core_properties.title or "").split())
    title = core_title or content.title_paragraph or content.first_heading or _humanise(src.path.stem)
    return [_make_document(src, _Fields(), title=title, text=text)]


# --------------------------------------------------------------------------------------------------------------
# FAQ files: one SourceDocument per entry; a bad entry is skipped and reported, the rest of the file still loads.


@dataclass(frozen=True)
class _Loaded:
    """A loaded document and the label shown if it turns out to be a duplicate (`faq.csv#row 3` for entries)."""

    document: SourceDocument
    label: str


_Outcome = list[_Loaded | FailedFile]


def parse_alternatives(value: object, question: str) -> tuple[str, ...]:
    """An FAQ entry's ``alternatives``: other phrasings of its question, searched but never shown. A list (JSON,
    YAML) or one text with phrasings separated by ``;`` or line breaks (a CSV cell); blanks, repeats and the
    question itself are dropped."""
    if value is None:
        return ()
    if isinstance(value, str):
        raw: list[object] = list(re.split(r"[;\n]", value))
    elif isinstance(value, list | tuple):
        raw = list(value)
    else:
        raise DocumentLoadError(f"'alternatives' must be a list or a ';'-separated string, got {value!r}")
    seen = {_phrasing_key(question)}
    phrasings: list[str] = []
    for item in raw:
        text = _text_value(item, "alternatives")
        if text and _phrasing_key(text) not in seen:
            seen.add(_phrasing_key(text))
            phrasings.append(" ".join(text.split()))
    return tuple(phrasings)


def _phrasing_key(text: str) -> str:
    return " ".join(text.casefold().split())


def _faq_entry(src: _File, number: int, row: Mapping[str, object]) -> SourceDocument:
    if None in row:
        # csv puts surplus cells under the key None: an unquoted comma would otherwise cut the answer short.
        raise DocumentLoadError("more cells than header columns (unquoted comma?)")
    question = _text_value(row.get("question"), "question")
    answer = _text_value(row.get("answer"), "answer")
    if not question or not answer:
        raise DocumentLoadError(f"empty {'question' if not question else 'answer'}")
    fields = replace(_parse_fields(row), title=None)
    fields = replace(fields, id=f"{src.rel}#{fields.id or number}")
    return _make_document(
        src,
        fields,
        title=question,
        text=f"{question}\n\n{answer}",
        kind="faq",
        faq_question=question,
        faq_answer=answer,
        faq_alternatives=parse_alternatives(row.get("alternatives"), question),
    )


def _faq_outcome(src: _File, rows: list[Mapping[str, object]]) -> _Outcome:
    if not rows:
        raise DocumentLoadError("no FAQ entries")
    # A column named `audiance` would publish internal rows; fail the file rather than each row.
    _reject_misspelled_keys({str(key): None for row in rows for key in row if key is not None}, _FAQ_KEYS)
    outcome: _Outcome = []
    for number, row in enumerate(rows, start=1):
        label = f"{src.rel}#row {number}"
        try:
            outcome.append(_Loaded(_faq_entry(src, number, row), label))
        except DocumentLoadError as exc:
            outcome.append(FailedFile(label, exc.message))
    return outcome


def _load_faq_csv(src: _File) -> _Outcome:
    reader = csv.DictReader(io.StringIO(src.text()))
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in ("question", "answer") if column not in header]
    if missing:
        raise DocumentLoadError(
            f"not an FAQ file: CSV header lacks {' and '.join(repr(c) for c in missing)} (found {header})"
        )
    reader.fieldnames = header
    rows: list[Mapping[str, object]] = list(reader)
    return _faq_outcome(src, rows)


def _faq_rows(data: object) -> list[Mapping[str, object]]:
    """Validate the parsed JSON/YAML shape: a list (or {"faqs": list}) of objects with question and answer keys."""
    if isinstance(data, dict) and isinstance(data.get("faqs"), list):
        data = data["faqs"]
    if not isinstance(data, list) or not data or not all(isinstance(item, dict) for item in data):
        raise DocumentLoadError(_NOT_FAQ)
    rows: list[Mapping[str, object]] = [
        {str(key).strip().lower(): value for key, value in item.items()} for item in data
    ]
    keys = {key for row in rows for key in row}
    if not {"question", "answer"} <= keys:
        raise DocumentLoadError(_NOT_FAQ)
    return rows


def _load_faq_json(src: _File) -> _Outcome:
    try:
        data = json.loads(src.text())
    except json.JSONDecodeError as exc:
        raise DocumentLoadError(f"invalid JSON: {exc}") from exc
    return _faq_outcome(src, _faq_rows(data))


def _load_faq_yaml(src: _File) -> _Outcome:
    try:
        data = yaml.safe_load(src.text())
    except yaml.YAMLError as exc:
        raise DocumentLoadError(f"invalid YAML: {_one_line(str(exc))}") from exc
    return _faq_outcome(src, _faq_rows(data))


def _single(loader: Callable[[_File], list[SourceDocument]]) -> Callable[[_File], _Outcome]:
    return lambda src: [_Loaded(document, src.rel) for document in loader(src)]


_LOADERS: dict[str, Callable[[_File], _Outcome]] = {
    ".md": _single(_load_markdown),
    ".markdown": _single(_load_markdown),
    ".html": _single(_load_html),
    ".htm": _single(_load_html),
    ".txt": _single(_load_text),
    ".pdf": _single(_load_pdf),
    ".docx": _single(_load_docx),
    ".csv": _load_faq_csv,
    ".json": _load_faq_json,
    ".yaml": _load_faq_yaml,
    ".yml": _load_faq_yaml,
}


# --------------------------------------------------------------------------------------------------------------
# Folder defaults and the walk.


def _read_defaults(defaults_file: Path) -> _Defaults:
    raw = defaults_file.read_bytes()
    try:
        data = yaml.safe_load(_decode(raw)) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise DocumentLoadError(f"invalid YAML: {_one_line(str(exc))}") from exc
    if data is None:
        return _Defaults()
    if not isinstance(data, dict):
        raise DocumentLoadError("expected 'key: value' lines")
    unknown = sorted(str(key) for key in data if key not in _DEFAULTS_KEYS)
    if unknown:  # a typo here would silently apply to a whole folder
        raise DocumentLoadError(f"unknown keys {unknown}; allowed: {sorted(_DEFAULTS_KEYS)}")
    return _Defaults(
        audience=_parse_audience(data.get("audience")),
        community=_text_value(data.get("community"), "community"),
        tags=_parse_tags(data.get("tags")),
        owner=_text_value(data.get("owner"), "owner"),
        language=_normalise_language(data.get("language")),
    )


def _folder_defaults(folder: Path, root: Path, inherited: _Inherited) -> _Inherited:
    if isinstance(inherited, _BrokenDefaults):
        return inherited  # a broken parent poisons the whole subtree, nearer files cannot repair it
    present = [folder / name for name in _DEFAULTS_NAMES if (folder / name).is_file()]
    if not present:
        return inherited
    where = present[0].relative_to(root).as_posix()
    if len(present) > 1:
        return _BrokenDefaults(f"bad {where}: both _defaults.yaml and _defaults.yml exist; keep one")
    try:
        return inherited.overridden_by(_read_defaults(present[0]))
    except DocumentLoadError as exc:
        return _BrokenDefaults(f"bad {where}: {_one_line(exc.message)}")
    except OSError as exc:
        return _BrokenDefaults(f"bad {where}: {exc.strerror or _one_line(str(exc))}")


def _is_skipped(entry: Path) -> bool:
    name = entry.name
    return name.startswith((".", "_")) or name.lower() in _README_NAMES


def _walk(folder: Path, root: Path, inherited: _Inherited) -> Iterator[tuple[Path, _Inherited]]:
    defaults = _folder_defaults(folder, root, inherited)
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or (entry.is_symlink() and entry.is_dir()):
            continue  # hidden, or a symlinked folder that could loop or leave the root
        if entry.is_dir():
            yield from _walk(entry, root, defaults)
        elif entry.is_file() and not _is_skipped(entry) and entry.suffix.lower() in SUPPORTED_SUFFIXES:
            yield entry, defaults


def _format_limit(max_file_bytes: int) -> str:
    if max_file_bytes >= MIB:
        return f"{max_file_bytes / MIB:g} MiB"
    return f"{max_file_bytes} bytes"


def _load_file(path: Path, rel: str, inherited: _Inherited, max_file_bytes: int) -> _Outcome:
    if isinstance(inherited, _BrokenDefaults):
        raise DocumentLoadError(inherited.reason)
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise DocumentLoadError(f"unsupported file type {path.suffix or '(none)'!r}")
    size = path.stat().st_size
    if size > max_file_bytes:
        raise DocumentLoadError(f"larger than {_format_limit(max_file_bytes)}")  # checked before reading it
    data = path.read_bytes()
    if not data.strip():
        raise DocumentLoadError("empty file")
    return loader(_File(path=path, rel=rel, defaults=inherited, data=data))


def _load_file_safely(path: Path, rel: str, inherited: _Inherited, max_file_bytes: int) -> _Outcome:
    try:
        return _load_file(path, rel, inherited, max_file_bytes)
    except DocumentLoadError as exc:
        return [FailedFile(rel, _one_line(exc.message))]
    except OSError as exc:
        return [FailedFile(rel, f"cannot read file: {exc.strerror or _one_line(str(exc))}")]
    except Exception as exc:  # one file's surprise must not abort the whole load
        return [FailedFile(rel, _one_line(f"{type(exc).__name__}: {exc}"))]


def _base_defaults(default_audience: str, default_community: str | None) -> _Defaults:
    try:
        audience = _parse_audience(default_audience) or "public"
    except DocumentLoadError as exc:
        raise DocumentLoadError(f"default_audience: {exc.message}") from exc
    return _Defaults(audience=audience, community=(default_community or "").strip() or None)


def load_path(
    path: Path,
    *,
    default_audience: Audience = "public",
    default_community: str | None = None,
    max_file_bytes: int = 20 * MIB,
) -> LoadResult:
    """Load a folder (recursively, in sorted order) or a single file.

    Hidden entries, ``_``-prefixed files (``_defaults.yaml``) and READMEs are skipped when walking a folder, as are
    unsupported suffixes. A file named explicitly is always attempted. Raises DocumentLoadError only when `path`
    does not exist or the arguments are invalid; per-file problems are returned in ``LoadResult.failed``.
    """
    target = Path(path).expanduser().resolve()
    if not target.exists():
        raise DocumentLoadError(f"no such file or folder: {path}")
    base = _base_defaults(default_audience, default_community)
    root = target if target.is_dir() else target.parent
    if target.is_dir():
        files: Iterator[tuple[Path, _Inherited]] = _walk(root, root, base)
    else:
        files = iter([(target, _folder_defaults(root, root, base))])
    result = LoadResult(root=root.as_posix())
    seen: dict[str, str] = {}
    for file_path, inherited in files:
        rel = file_path.relative_to(root).as_posix()
        for item in _load_file_safely(file_path, rel, inherited, max_file_bytes):
            _collect(result, seen, item)
    return result


def _collect(result: LoadResult, seen: dict[str, str], item: _Loaded | FailedFile) -> None:
    if isinstance(item, FailedFile):
        result.failed.append(item)
        return
    doc_id = item.document.id
    if doc_id in seen:
        result.failed.append(FailedFile(item.label, f"duplicate document id {doc_id} (also in {seen[doc_id]})"))
        return
    seen[doc_id] = item.label
    result.documents.append(item.document)


def load_source_file(
    root: Path, rel: str, *, audience: Audience, community: str | None, max_file_bytes: int
) -> LoadResult:
    """The file ``rel`` under ``root``, loaded as ``answerdesk ingest root`` would: the same loader and id, and the
    ``_defaults.yaml`` of every folder from ``root`` down to the file, over the given audience and community.

    Used to re-read one corrected file at once (``load_path`` on the file alone would take its folder as the root:
    other ids, and the parent folders' defaults lost)."""
    inherited: _Inherited = _base_defaults(audience, community)
    folder = root
    inherited = _folder_defaults(folder, root, inherited)
    for part in PurePosixPath(rel).parent.parts:
        folder = folder / part
        inherited = _folder_defaults(folder, root, inherited)
    result = LoadResult(root=root.as_posix())
    seen: dict[str, str] = {}
    for item in _load_file_safely(root / PurePosixPath(rel), rel, inherited, max_file_bytes):
        _collect(result, seen, item)
    return result
