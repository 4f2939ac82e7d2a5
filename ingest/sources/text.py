"""Markdown files (front matter, the first ``#`` heading as the title) and plain-text files."""

from __future__ import annotations

import re

from chatbot.types import SourceDocument
from ingest.sources.document import MAX_TITLE_LINE, SourceFile, humanise, make_document, require_text
from ingest.sources.metadata import FRONT_MATTER_KEYS, Fields, parse_fields, reject_misspelled_keys, split_front_matter

_FENCE = re.compile(r"^\s*(```|~~~)")
_ATX_H1 = re.compile(r"^#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")


def _first_h1(markdown: str) -> str | None:
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence  # a `# comment` inside a shell snippet is not a heading
        elif not in_fence and (match := _ATX_H1.match(line)):
            return match.group(1).strip()
    return None


def load_markdown(src: SourceFile) -> list[SourceDocument]:
    meta, body = split_front_matter(src.text())
    reject_misspelled_keys(meta, FRONT_MATTER_KEYS)
    fields = parse_fields(meta)
    if not body.strip() and fields.title:
        # A page with a title and no body yet (a stub) is still a page people may look for by its title.
        return [make_document(src, fields, title=fields.title, text=f"# {fields.title}")]
    text = require_text(body)
    title = _first_h1(text) or humanise(src.path.stem)
    return [make_document(src, fields, title=title, text=text)]


def load_text(src: SourceFile) -> list[SourceDocument]:
    text = require_text(src.text())
    first_line = text.splitlines()[0].strip()
    title = first_line if len(first_line) <= MAX_TITLE_LINE else humanise(src.path.stem)
    return [make_document(src, Fields(), title=title, text=text)]
