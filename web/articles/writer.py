"""Writing documents in the dashboard, and re-reading a folder document's file on an editor's request.

Dashboard documents live under the source root ``editor`` (web.gaps.resolve.EDITOR_SOURCE_ROOT): a folder sync's
``delete_missing`` only touches its own root, so ``answerdesk ingest`` never deletes or overwrites them. Saving goes
through the ingest pipeline like any other document: a new DocumentVersion (author = the editor's e-mail), chunks
embedded into Chroma and the keyword index at once, so the next question can cite it without a restart.

New article ids are ``editor/articles/<slug>``. The slug keeps Unicode letters and digits (Chinese titles give
readable ids like ``editor/articles/如何申请退款``) and is made unique against every id ever used, deleted documents
included: a reused id would continue a deleted document's version history.

Documents from a folder sync are not edited here (the next ``answerdesk ingest`` would overwrite the edit with the
file). An editor who corrected the file asks for a re-read instead: that one file is loaded exactly as
``answerdesk ingest`` loads it (same loader, same id, every ``_defaults.yaml`` from the root down to it) and synced
without deleting anything. The command line's ``--audience``/``--community`` are not stored, so the document's
current audience and community stand in for them: a re-read never widens an internal document's audience unless the
file or its folder defaults say so.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from sqlalchemy import or_, select

from chatbot.errors import DocumentLoadError
from chatbot.language import detect_language
from chatbot.runtime import Runtime
from chatbot.types import Audience, DocumentKind, SourceDocument
from ingest import sources
from ingest.factory import build_pipeline
from ingest.pipeline import SyncReport
from ingest.sources.web import is_url
from web.audit.log import record, record_document_change
from web.db.models import Document, DocumentVersion, User, db
from web.db.sql import LIKE_ESCAPE, escape_like
from web.gaps.resolve import EDITOR_SOURCE_ROOT

ARTICLE_ID_PREFIX = f"{EDITOR_SOURCE_ROOT}/articles/"
MAX_SLUG_CHARS = 80
MAX_TITLE_CHARS = 300
MAX_FAQ_QUESTION_CHARS = 500  # as the gap API's FAQ question
MAX_BODY_CHARS = 100_000  # a long article; the preview has the same cap
MAX_COMMUNITY_CHARS = 128
MAX_OWNER_CHARS = 254
MAX_TAGS = 20
MAX_TAG_CHARS = 64
_SLUG_SEPARATORS = re.compile(r"[\W_]+")  # \W is Unicode-aware: CJK characters are word characters


# -- ids ---------------------------------------------------------------------------------------------------------
def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKC", title).casefold()
    slug = _SLUG_SEPARATORS.sub("-", text).strip("-")[:MAX_SLUG_CHARS].rstrip("-")
    return slug or "article"  # a title of emoji or punctuation only


def new_article_id(title: str) -> str:
    base = ARTICLE_ID_PREFIX + slugify(title)
    escaped = escape_like(base)
    taken = set(
        db.session.scalars(
            select(Document.id).where(or_(Document.id == base, Document.id.like(escaped + "-%", escape=LIKE_ESCAPE)))
        ).all()
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def is_dashboard_document(document: Document) -> bool:
    return document.source_root == EDITOR_SOURCE_ROOT


# -- the form ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Draft:
    """A validated article or FAQ entry, ready to store. For FAQ entries ``title`` is the question and ``body``
    the answer, stored as ``question + answer`` like the FAQ files' entries."""

    kind: DocumentKind
    title: str
    body: str
    audience: Audience
    community: str | None
    review_by: str | None
    tags: tuple[str, ...]
    owner: str | None

    def source_document(self, doc_id: str, faq_alternatives: tuple[str, ...] = ()) -> SourceDocument:
        is_faq = self.kind == "faq"
        return SourceDocument(
            id=doc_id,
            title=self.title,
            text=f"{self.title}\n\n{self.body}" if is_faq else self.body,
            kind=self.kind,
            audience=self.audience,
            community=self.community,
            tags=self.tags,
            owner=self.owner,
            language=detect_language(f"{self.title}\n{self.body}"),
            review_by=self.review_by,
            faq_question=self.title if is_faq else None,
            faq_answer=self.body if is_faq else None,
            faq_alternatives=faq_alternatives if is_faq else (),
        )


@dataclass
class DraftForm:
    """The editor's form as typed (re-shown as is when invalid) and its errors by field."""

    kind: DocumentKind = "article"
    title: str = ""
    body: str = ""
    audience: str = "public"
    community: str = ""
    review_by: str = ""
    tags: str = ""
    owner: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_request(cls, form: Mapping[str, str], kind: DocumentKind) -> DraftForm:
        def text(name: str) -> str:
            # Browsers send textarea line breaks as CRLF: stored as LF, so versions diff and hash cleanly.
            return str(form.get(name, "")).replace("\r\n", "\n").replace("\r", "\n")

        return cls(
            kind=kind,
            title=text("title").strip(),
            body=text("body").strip("\n"),
            audience=text("audience").strip(),
            community=text("community").strip(),
            review_by=text("review_by").strip(),
            tags=text("tags").strip(),
            owner=text("owner").strip(),
        )

    @classmethod
    def from_document(cls, document: Document, version: DocumentVersion | None) -> DraftForm:
        metadata = version.metadata_json if version is not None else {}
        text = version.text if version is not None else ""
        if document.kind == "faq":
            title = str(metadata.get("faq_question") or document.title)
            body = str(metadata.get("faq_answer") or text)
        else:
            title, body = document.title, text
        return cls(
            kind="faq" if document.kind == "faq" else "article",
            title=title,
            body=body,
            audience=document.audience,
            community=document.community or "",
            review_by=document.review_by or "",
            tags=", ".join(document.tags or []),
            owner=document.owner or "",
        )

    def validate(self) -> Draft | None:
        self.errors = {}
        title_limit = MAX_FAQ_QUESTION_CHARS if self.kind == "faq" else MAX_TITLE_CHARS
        self._require("title", self.title, title_limit)
        self._require("body", self.body.strip(), MAX_BODY_CHARS)
        if self.audience not in ("public", "internal"):
            self.errors["audience"] = "Choose public or internal."
        if len(self.community) > MAX_COMMUNITY_CHARS:
            self.errors["community"] = f"At most {MAX_COMMUNITY_CHARS} characters."
        if len(self.owner) > MAX_OWNER_CHARS:
            self.errors["owner"] = f"At most {MAX_OWNER_CHARS} characters."
        review_by = self._review_date()
        tags = self._tags()
        if self.errors:
            return None
        return Draft(
            kind=self.kind,
            title=self.title,
            body=self.body,
            audience="internal" if self.audience == "internal" else "public",
            community=self.community or None,
            review_by=review_by,
            tags=tags,
            owner=self.owner or None,
        )

    def _require(self, name: str, value: str, limit: int) -> None:
        if not value:
            self.errors[name] = "Required."
        elif len(value) > limit:
            self.errors[name] = f"At most {limit:,} characters (this has {len(value):,})."

    def _review_date(self) -> str | None:
        if not self.review_by:
            return None
        try:
            return sources.parse_review_by(self.review_by)  # the same rule as front matter's review_by
        except DocumentLoadError:
            self.errors["review_by"] = "A date: YYYY-MM-DD."
            return None

    def _tags(self) -> tuple[str, ...]:
        # "a, b" or "a; b", as front matter and FAQ spreadsheets accept.
        tags = tuple(dict.fromkeys(t.strip() for t in re.split(r"[;,]", self.tags) if t.strip()))
        if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_CHARS for t in tags):
            self.errors["tags"] = f"At most {MAX_TAGS} tags of {MAX_TAG_CHARS} characters."
        return tags


# -- saving ------------------------------------------------------------------------------------------------------
def save_draft(draft: Draft, doc_id: str, author: User, runtime: Runtime) -> SyncReport:
    """Store ``draft`` as the next version of ``doc_id`` (or its first) and index it now with ``runtime``. Unchanged
    text and metadata make no new version (``report.unchanged``). An FAQ entry keeps the other phrasings of its
    question (attached when it closed a gap): the editor's form does not show them, and an edit must not drop them,
    except when it makes an internal entry public (:func:`_kept_alternatives`)."""
    pipeline = build_pipeline(runtime, db.session())
    document = draft.source_document(doc_id, _kept_alternatives(doc_id, draft.audience) if draft.kind == "faq" else ())
    report = pipeline.sync_documents([document], source_root=EDITOR_SOURCE_ROOT, author=author.email)
    record_document_change("article.save", doc_id, report, actor=author)
    return report


def delete_article(doc_id: str, actor: User, runtime: Runtime) -> None:
    """Withdraw a document written here: out of both indexes at once, its versions kept (``deleted_at``, as a
    folder's deleted file). An FAQ that failed its gap's verification answered customers as written, and the page
    said "correct its answer (or delete it)" with no way to delete it (a browser check, round 38)."""
    build_pipeline(runtime, db.session()).delete_documents([doc_id])
    record("article.delete", f"document:{doc_id}", {}, actor=actor)


def _kept_alternatives(doc_id: str, audience: Audience) -> tuple[str, ...]:
    """The other phrasings of the live entry ``doc_id`` that its next version, of ``audience``, may keep. None when
    an internal entry becomes public: phrasings attached while it was internal may be an internal gap's questions,
    employees' words, and those never go on a public document, where they would be searched by the widget and
    become words of the public typo corrector (web.gaps.resolve only attaches them to a public FAQ from a public
    gap; this keeps an edit from doing it by the back door)."""
    version = db.session.scalar(
        select(DocumentVersion)
        .join(Document)
        .where(Document.id == doc_id, Document.deleted_at.is_(None))
        .order_by(DocumentVersion.version.desc())
        .limit(1)
    )
    metadata = (version.metadata_json or {}) if version is not None else {}
    if audience == "public" and metadata.get("audience") != "public":
        return ()
    phrasings = metadata.get("faq_alternatives")
    return tuple(str(p) for p in phrasings) if isinstance(phrasings, list) else ()


# -- re-reading a folder document --------------------------------------------------------------------------------
@dataclass
class Reread:
    path: Path
    report: SyncReport
    failed: list[str]  # the loader's reasons, one per failed file or FAQ row
    still_there: bool  # whether the file still holds this document (else the next ingest deletes it)


def source_file(document: Document) -> Path | None:
    """Where a folder document's file is; None for dashboard documents (or a path that leaves its root)."""
    if is_dashboard_document(document) or not document.source_path or is_url(document.source_root):
        return None  # a website's page is re-read by ingesting the site again
    root = Path(document.source_root)
    path = root / PurePosixPath(document.source_path)
    # source_path comes from the loader (relative, no ".."), but never read outside the root on its word.
    return path if path.resolve().is_relative_to(root.resolve()) else None


def reread_source(
    document: Document, runtime: Runtime, may_write: Callable[[str | None], bool] = lambda _community: True
) -> Reread:
    """Load ``document``'s file again and sync its documents (all entries of an FAQ file) without deleting any.

    The folder's defaults (``--audience``, ``_defaults.yaml`` communities) were given at ingest and are not known
    here, so an entry that does not name its own audience or community keeps the one it has in the catalogue (a new
    entry: internal, no community). Taking the clicked entry's instead would turn every internal row of an FAQ file
    public when an editor re-reads its one public row. ``may_write``: whether the editor writes for a community; every
    entry the re-read would store must pass, not only the clicked one."""
    path = source_file(document)
    if path is None or document.source_path is None:
        raise DocumentLoadError("This document was not loaded from a folder.")
    if not path.is_file():
        raise DocumentLoadError(f"The file {path} is gone; the next `answerdesk ingest` of its folder deletes it.")
    loaded = _load_keeping_catalogue_defaults(document, runtime.settings.max_file_bytes)
    refused = sorted({d.community or "(none)" for d in loaded.documents if not may_write(d.community)})
    if refused:
        raise DocumentLoadError(f"This file also holds entries of {', '.join(refused)}, which you do not write for.")
    doc_id = document.id
    report = build_pipeline(runtime, db.session()).sync_documents(
        loaded.documents, source_root=document.source_root, delete_missing=False
    )
    record_document_change("article.reread", doc_id, report)
    return Reread(
        path=path,
        report=report,
        failed=[f"{f.path}: {f.error}" for f in loaded.failed],
        still_there=any(d.id == doc_id for d in loaded.documents),
    )


# Distinct from any real community name: an entry loaded with it as the default did not name its own.
_NO_DEFAULT = "\x00default"


def _load_keeping_catalogue_defaults(document: Document, max_file_bytes: int) -> sources.LoadResult:
    """Load the file twice, with opposite defaults: an entry whose audience (or community) differs between the two
    has none of its own, and gets the catalogue's (see :func:`reread_source`)."""
    root, relative = Path(document.source_root), document.source_path or ""
    internal = sources.load_source_file(
        root, relative, audience="internal", community=None, max_file_bytes=max_file_bytes
    )
    public = sources.load_source_file(
        root, relative, audience="public", community=_NO_DEFAULT, max_file_bytes=max_file_bytes
    )
    stored = {
        row.id: row
        for row in db.session.scalars(
            select(Document).where(Document.source_root == document.source_root, Document.source_path == relative)
        )
    }
    kept: list[SourceDocument] = []
    for strict, probe in zip(internal.documents, public.documents, strict=True):
        known = stored.get(strict.id)
        audience: Audience = strict.audience
        if strict.audience != probe.audience:  # no audience of its own
            audience = "public" if known is not None and known.audience == "public" else "internal"
        community = strict.community
        if probe.community == _NO_DEFAULT:  # no community of its own
            community = known.community if known is not None else None
        kept.append(replace(strict, audience=audience, community=community))
    return replace(internal, documents=kept)
