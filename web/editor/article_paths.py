"""The address of a document's page in the dashboard, /editor/articles/<path>, and the document an address names.

A document's path is its id (``billing/refunds.md``; ``faq.csv#1`` travels as ``faq.csv%231``), except for the
articles written in the dashboard: their ids begin with ``editor/articles/`` (web/articles/writer.py), so the id
as a path repeated the prefix (``/editor/articles/editor/articles/gift-wrapping``). Their path is the slug alone
(``/editor/articles/gift-wrapping``). Only the address changes: the id stays, since citations, versions, the audit
log and the vector store hold it.

- Reading a path: the live document with that id first (every folder document, and the long addresses given out
  before, keep working), else the dashboard article with that slug.
- Writing a path: the slug, unless it would read as something else (a live document whose id is the slug, or one of
  the pages beside the articles, "new" and "preview"): then the whole id, as before.

Every ``url_for`` of the articles pages goes through :class:`ArticlePathConverter`, so no link can be missed.
"""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import PathConverter

from web.articles.catalogue import find_live_document
from web.articles.writer import ARTICLE_ID_PREFIX
from web.db.models import Document

CONVERTER = "article"
# Pages under /editor/articles/ that a slug must not shadow (web/editor/articles.py "new", web/editor/preview.py).
RESERVED_PATHS = frozenset({"new", "preview"})


def article_path(doc_id: str) -> str:
    """The path of ``doc_id``'s page under /editor/articles/ (not yet URL-quoted)."""
    slug = doc_id.removeprefix(ARTICLE_ID_PREFIX)
    if slug == doc_id or not slug or "/" in slug or slug in RESERVED_PATHS:
        return doc_id
    # A folder document whose id is the slug would be read first: this article keeps its whole id as its path.
    return doc_id if find_live_document(slug) is not None else slug


def document_at(path: str) -> Document | None:
    """The live document whose page ``path`` is (see the module's rule), or None."""
    document = find_live_document(path)
    if document is None and path and "/" not in path:
        document = find_live_document(ARTICLE_ID_PREFIX + path)
    return document


class ArticlePathConverter(PathConverter):
    """``<article:doc_id>``: matches as ``<path:…>`` does; builds the short path of :func:`article_path`. Reading
    is left to the views (:func:`document_at`): which document a path names is a database question."""

    def to_url(self, value: str) -> str:
        return str(super().to_url(article_path(value)))


def register_converter(blueprint: Blueprint) -> None:
    """Install the converter on the app before ``blueprint``'s rules are added (call before its first route)."""

    def install(state: BlueprintSetupState) -> None:
        state.app.url_map.converters.setdefault(CONVERTER, ArticlePathConverter)

    blueprint.record_once(install)
