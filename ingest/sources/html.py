"""HTML pages: the article without the page furniture, as Markdown-like text for the heading-aware chunker."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction, Tag
from bs4.element import NavigableString

from chatbot.errors import DocumentLoadError
from chatbot.types import SourceDocument
from ingest.cleaning import markdown_table
from ingest.sources.document import SourceFile, humanise, make_document, require_text
from ingest.sources.metadata import Fields, normalise_language

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


# Inline marks kept as the Markdown the answers are written in (the widget and the help page render **bold** and
# `code`): a menu path or button is bold in an HTML article as in a Markdown one ("Click **Connect**"), and a
# literal such as `<img src=x>` stays marked as code instead of reading as prose.
_INLINE_MARKS = {"strong": "**", "b": "**", "code": "`", "kbd": "`", "samp": "`"}


def _marked(tag: Tag, inner: str) -> str:
    """``inner`` (the text of ``tag``) inside the tag's Markdown mark, the spaces around it kept outside."""
    mark = _INLINE_MARKS.get(tag.name or "", "")
    core = inner.strip()
    if not mark or not core or (mark == "`" and "`" in core) or (mark == "**" and "*" in core):
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    return f"{lead}{mark}{core}{mark}{trail}"


def _html_strings(node: Tag, skip: frozenset[str] = frozenset(), marks: bool = True) -> Iterator[str]:
    """The text under `node`, with a space wherever a block or <br> separates words visually, and its inline
    marks as Markdown (``marks``; not in a heading, which is a heading already)."""
    for child in node.children:
        if isinstance(child, _SKIPPED_STRINGS):
            continue
        if isinstance(child, NavigableString):
            yield str(child)
        elif isinstance(child, Tag) and child.name not in skip:
            if marks and child.name in _INLINE_MARKS:
                yield _marked(child, "".join(_html_strings(child, skip, marks=False)))
                continue
            separated = child.name == "br" or child.name in _HTML_BLOCKS or child.name in _HTML_HEADINGS
            yield " " if separated else ""
            yield from _html_strings(child, skip, marks)
            yield " " if separated else ""


def _html_inline(node: Tag, skip: frozenset[str] = frozenset(), marks: bool = True) -> str:
    return " ".join("".join(_html_strings(node, skip, marks)).split())


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
        if name in _INLINE_MARKS and not tag.find(list(_HTML_BLOCKS)):
            self._inline.append(_marked(tag, re.sub(r"\s+", " ", "".join(_html_strings(tag, marks=False)))))
        elif name in _HTML_HEADINGS:
            heading = _html_inline(tag, marks=False)
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


def html_content(soup: BeautifulSoup) -> Tag:
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


# A help-centre theme's feedback prompt, as the whole text of its element ("Was this article helpful? Yes No"): it
# was quoted at the end of an answer (`<p id="feedback" hidden>`; the hidden attribute itself is no guide, since
# accordions hide their collapsed answers with it too).
_FEEDBACK_PROMPT = re.compile(
    r"^\s*(?:was this (?:article|page|answer|information) (?:helpful|useful)|did this (?:article|page|answer) help"
    r"(?: you)?)\s*\??\s*(?:yes\s*no)?\s*$",
    re.IGNORECASE,
)


def _is_feedback_prompt(tag: Tag) -> bool:
    return (
        isinstance(tag, Tag)
        and tag.name in {"p", "div", "section", "span"}
        and bool(_FEEDBACK_PROMPT.match(tag.get_text(" ", strip=True)))
    )


def drop_page_furniture(soup: BeautifulSoup) -> None:
    doomed = [
        *soup.find_all(list(_HTML_DROP)),
        *soup.find_all(role="navigation"),
        *soup.find_all(_is_navigation),
        *soup.find_all(_is_feedback_prompt),
    ]
    for element in doomed:
        if isinstance(element, Tag) and not element.decomposed:  # may be inside one already removed
            element.decompose()


def _html_title(soup: BeautifulSoup) -> str | None:
    """The page's ``<title>``, or its article's ``<h1>`` when there is no title or the title is the heading with the
    site's name added ("Deleting your account – Vela Help Centre": every citation and suggestion showed the suffix)."""
    title = soup.find("title")
    text = _html_inline(title) if isinstance(title, Tag) else ""
    # Looked up before the page furniture is dropped: `<article><header><h1>` is common.
    h1 = html_content(soup).find("h1")
    heading = _html_inline(h1) if isinstance(h1, Tag) else ""
    if not text or (heading and _adds_site_name(text, heading)):
        text = heading
    return text or None


# A title separator: a dash, a bar, a colon or a middle dot with spaces around it ("Refunds | Help Center").
_TITLE_SEPARATOR = r"\s+[-\u2013\u2014|:\u00b7\u2022]\s+"


def page_headings(soup: BeautifulSoup) -> list[str]:
    """What a page calls itself: each part of its ``<title>`` between separators ("Page not found", "Lumo Help") and
    its article's ``<h1>``. Read before the page furniture is dropped, as for :func:`_html_title`."""
    title = soup.find("title")
    headings = re.split(_TITLE_SEPARATOR, _html_inline(title)) if isinstance(title, Tag) else []
    h1 = html_content(soup).find("h1")
    if isinstance(h1, Tag):
        headings.append(_html_inline(h1, marks=False))
    return [heading for heading in headings if heading]


def _adds_site_name(title: str, heading: str) -> bool:
    """Whether ``title`` is ``heading`` with something before or after a separator (the site's name, as a CMS
    writes it in every page's ``<title>``)."""
    escaped = re.escape(heading)
    return bool(
        re.fullmatch(rf"{escaped}{_TITLE_SEPARATOR}.+", title, re.IGNORECASE)
        or re.fullmatch(rf".+{_TITLE_SEPARATOR}{escaped}", title, re.IGNORECASE)
    )


def _html_language(soup: BeautifulSoup) -> str | None:
    html = soup.find("html")
    lang = html.get("lang") if isinstance(html, Tag) else None
    return normalise_language(lang) if isinstance(lang, str) else None


def _html_url(soup: BeautifulSoup) -> str | None:
    """Where the page is published, as it says itself: ``<link rel="canonical">``, else ``<meta property="og:url">``.
    Answers cite it as a link; without it an HTML article exported from a help centre was cited as plain text
    (the sample's invoice-note page has one). Only an absolute http(s) address: anything else is no place a reader
    can open, and a page's odd head is no reason to refuse the page."""
    candidates: list[object] = []
    for link in soup.find_all("link", href=True):
        rel: object = link.get("rel") or []
        if "canonical" in [str(r).lower() for r in (rel if isinstance(rel, list) else [rel])]:
            candidates.append(link.get("href"))
    candidates += [meta.get("content") for meta in soup.find_all("meta", attrs={"property": "og:url"})]
    for candidate in candidates:
        if isinstance(candidate, str) and re.match(r"(?i)^https?://\S+$", candidate.strip()):
            return candidate.strip()
    return None


# Deeper than any real page (a help-centre theme nests a few dozen elements; Chromium's parser stops nesting at 512)
# and shallow enough for the recursive walks above to stay within Python's recursion limit. 20,000 nested <div>s took
# 35 s of quadratic work and then failed with a RecursionError (a robustness check, round 39).
MAX_HTML_DEPTH = 256


def parse_html(text: str) -> BeautifulSoup:
    """``text`` parsed (lxml: linear time at any depth); DocumentLoadError when its elements nest deeper than
    MAX_HTML_DEPTH, before anything walks them."""
    soup = BeautifulSoup(text, "lxml")
    if _nests_deeper_than(soup, MAX_HTML_DEPTH):
        raise DocumentLoadError(f"HTML elements nested more than {MAX_HTML_DEPTH} deep: not read")
    return soup


def _nests_deeper_than(root: Tag, limit: int) -> bool:
    """Whether any element under ``root`` is more than ``limit`` levels down. A loop, not a recursion: it must
    work at any depth, and stops at the first element too deep."""
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tag))
    return False


def load_html(src: SourceFile) -> list[SourceDocument]:
    soup = parse_html(src.text())
    title = _html_title(soup) or humanise(src.path.stem)
    fields = Fields(language=_html_language(soup), url=_html_url(soup))
    drop_page_furniture(soup)
    writer = _HtmlWriter()
    writer.walk(html_content(soup))
    return [make_document(src, fields, title=title, text=require_text(writer.text()))]
