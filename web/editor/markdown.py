"""Markdown to HTML for the editor's preview and article pages, safe for untrusted text.

markdown-it-py with raw HTML disabled: tags typed in an article come out escaped, and its link validation drops
``javascript:``/``vbscript:``/``data:`` URLs, so the output can be marked safe in a template.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> Markup:
    return Markup(_renderer.render(text))  # raw HTML is disabled above: safe
