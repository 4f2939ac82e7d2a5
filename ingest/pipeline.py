"""Sync a set of loaded documents into the vector store, the keyword index and the SQL catalogue.

Only what changed is embedded. A changed document is written in this order, batch by batch:
1. its new chunks go into Chroma under versioned record ids, next to the old version's;
2. the keyword index file, which also records the live version of every document, is replaced atomically:
   this is the commit point (retrieval ignores vectors whose version is not the live one);
3. the SQL catalogue gets the new version row;
4. the old version's vectors are deleted.
A crash or Ctrl-C anywhere leaves each document at its old or its new version. The SQL catalogue is updated last,
so the next run sees any interrupted document as changed and finishes it (the same version number and record ids,
so the repeat is idempotent).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatbot.embedders import Embedder
from chatbot.keyword import KeywordIndex
from chatbot.store import VectorStore, alternative_rows
from chatbot.types import Audience, Chunk, SourceDocument
from ingest.catalog import Document, DocumentVersion, utcnow
from ingest.chunking import Chunker
from ingest.sources import FailedFile, SkippedFile, load_path
from ingest.sources.web import DEFAULT_MAX_PAGES, DEFAULT_TIMEOUT, CrawlResult, crawl_site, is_url, normalise_url
from ingest.write_lock import WriteLock

log = logging.getLogger(__name__)

_BATCH_CHUNKS = 512  # chunks embedded and committed together: large enough to keep the model busy


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: list[FailedFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)  # files left out on purpose (a 404.html), with why
    chunks_embedded: int = 0
    seconds: float = 0.0
    changed_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "failed": [{"path": f.path, "error": f.error} for f in self.failed],
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "chunks_embedded": self.chunks_embedded,
            "seconds": round(self.seconds, 3),
        }


def content_hash(document: SourceDocument) -> str:
    payload = json.dumps([document.text, document.metadata_fingerprint()], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class _Pending:
    document: SourceDocument
    digest: str
    version: int
    is_new: bool
    chunks: list[Chunk]


ProgressCallback = Callable[[int], None]


class IngestPipeline:
    def __init__(
        self,
        session: Session,
        embedder: Embedder,
        store: VectorStore,
        keyword_index: KeywordIndex,
        chunker: Chunker,
        max_file_bytes: int = 20 * 1024 * 1024,
        write_lock: WriteLock | None = None,
    ) -> None:
        self._session = session
        self.write_lock = write_lock or WriteLock(None)
        self._embedder = embedder
        self._store = store
        self._keyword = keyword_index
        self._chunker = chunker
        self._max_file_bytes = max_file_bytes

    def sync_path(
        self,
        path: Path,
        *,
        audience: Audience = "public",
        community: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> SyncReport:
        """Load everything under ``path`` and make the index match it (documents gone from it are deleted).

        A single file is added or updated as part of the folder it belongs to (``sources.file_root``: the folder
        synced before that holds it, so it keeps its id and its folders' defaults), and nothing else is deleted:
        naming one file must not remove the rest of its folder. A subfolder of a folder synced before is synced as
        part of that folder too, and only documents from under it are deleted."""
        started = time.perf_counter()
        target = Path(path).expanduser().resolve()
        single_file = target.is_file()
        loaded = load_path(
            path,
            default_audience=audience,
            default_community=community,
            max_file_bytes=self._max_file_bytes,
            known_roots=self._source_roots(),
        )
        keep = _failed_paths(loaded.failed)
        if not single_file and target != Path(loaded.root):
            # A subfolder of a folder synced before: only what was under it may be deleted.
            inside = target.relative_to(loaded.root).as_posix() + "/"
            keep |= {p for p in self._live_paths(loaded.root) if not p.startswith(inside)}
        report = self.sync_documents(
            loaded.documents,
            source_root=loaded.root,
            delete_missing=not single_file,
            keep_paths=keep,
            progress=progress,
        )
        report.failed = loaded.failed + report.failed
        report.skipped = loaded.skipped
        report.seconds = time.perf_counter() - started
        return report

    def _source_roots(self) -> list[Path]:
        """The folders the live documents were synced from."""
        query = select(Document.source_root).where(Document.deleted_at.is_(None)).distinct()
        return [Path(root) for root in self._session.scalars(query) if not is_url(root)]

    def sync_site(
        self,
        url: str,
        *,
        audience: Audience = "public",
        community: str | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        timeout: float = DEFAULT_TIMEOUT,
        progress: Callable[[int, int], None] | None = None,
    ) -> SyncReport:
        """Crawl the help centre at ``url`` and make the index match it (ingest/sources/web.py says what is read).

        A page that failed (not fetched, its text not loaded, or served as another type than before) keeps its
        last good version; a page known to be gone (404/410, a soft 404, off the site) is deleted even when others
        failed; a page the crawl did not meet is deleted only when the crawl was complete (no page whose links went
        unread, no limit reached), as it may just be behind the page that failed. SiteUnreachableError (nothing
        synced or deleted) when robots.txt or the start page cannot be read."""
        started = time.perf_counter()
        root = normalise_url(url)  # the crawl's root, as crawl_site makes it (None: it refuses the URL)
        crawl = crawl_site(
            url,
            audience=audience,
            community=community,
            max_pages=max_pages,
            max_page_bytes=self._max_file_bytes,
            timeout=timeout,
            known_pages=self._live_paths(root) if root is not None else frozenset(),
        )
        keep = frozenset(_site_paths_to_keep(crawl, self._live_paths(crawl.root)))
        report = self.sync_documents(
            crawl.documents, source_root=crawl.root, delete_missing=True, keep_paths=keep, progress=progress
        )
        report.failed = crawl.failed + report.failed
        report.seconds = time.perf_counter() - started
        return report

    def _live_paths(self, source_root: str) -> set[str]:
        query = select(Document.source_path).where(Document.source_root == source_root, Document.deleted_at.is_(None))
        return {path for path in self._session.scalars(query) if path}

    def sync_documents(
        self,
        documents: Sequence[SourceDocument],
        *,
        source_root: str,
        delete_missing: bool = False,
        keep_paths: frozenset[str] = frozenset(),
        progress: Callable[[int, int], None] | None = None,
        author: str | None = None,
    ) -> SyncReport:
        """Add or update ``documents``; with ``delete_missing``, delete this root's documents not among them
        (except those whose file is in ``keep_paths``: a file that failed to load keeps its last good version).
        ``author`` (an editor's e-mail) is recorded on the new versions; folder syncs have none. One write at a
        time per data dir (ingest/write_lock.py)."""
        with self.write_lock.held():
            return self._sync_documents(documents, source_root, delete_missing, keep_paths, progress, author)

    def _sync_documents(
        self,
        documents: Sequence[SourceDocument],
        source_root: str,
        delete_missing: bool,
        keep_paths: frozenset[str],
        progress: Callable[[int, int], None] | None,
        author: str | None,
    ) -> SyncReport:
        started = time.perf_counter()
        report = SyncReport()
        existing = {d.id: d for d in self._session.scalars(select(Document)).all()}
        roots_before = {d.id: d.source_root for d in existing.values()}
        same_help_centre = _copies_of(existing.values(), {d.id for d in documents})
        pending: list[_Pending] = []
        for document in documents:
            row = existing.get(document.id)
            if (
                row is not None
                and row.deleted_at is None
                and row.source_root not in same_help_centre
                and _held_elsewhere(row, source_root)
            ):
                # Another folder with the same relative path ("billing/refunds.md" in two help centres) replaced
                # the first one's article without a word, its audience with it.
                error = (
                    f"duplicate document id {document.id} (already ingested from {row.source_root}, where its file "
                    "still is; give this one another id in its front matter, or ingest the folders as one)"
                )
                report.failed.append(FailedFile(document.source_path or document.id, error))
                continue
            if _claims_a_failed_file(row, document, source_root, keep_paths):
                # The file that holds this id failed to load and keeps its last good version: another file giving
                # itself the same id (a draft copy) must not replace it meanwhile.
                where = row.source_path if row is not None else "?"
                error = f"duplicate document id {document.id} (also in {where}, which failed to load)"
                report.failed.append(FailedFile(document.source_path or document.id, error))
                continue
            digest = content_hash(document)
            is_live = row is not None and row.deleted_at is None
            if is_live and row is not None and row.content_hash == digest:
                report.unchanged += 1
                # The same file synced from a folder that moved: it belongs to the new folder now, so that a
                # later sync of that folder deletes it once its file is gone there.
                row.source_root, row.source_path = source_root, document.source_path
                continue
            version = (row.current_version if row is not None else 0) + 1
            pending.append(
                _Pending(document, digest, version, not is_live, self._chunker.chunk(document, version=version))
            )

        total_chunks = sum(len(p.chunks) for p in pending)
        done_chunks = 0
        if progress and total_chunks:
            progress(0, total_chunks)  # the total as soon as it is known: embedding a batch takes seconds
        for batch in _batches(pending, _BATCH_CHUNKS):
            self._write_batch(batch, existing, source_root, author)
            for item in batch:
                report.changed_ids.append(item.document.id)
                if item.is_new:
                    report.added += 1
                else:
                    report.updated += 1
                done_chunks += len(item.chunks)
            report.chunks_embedded += sum(len(p.chunks) for p in batch)
            if progress:
                progress(done_chunks, total_chunks)

        if delete_missing:
            present = {d.id for d in documents}
            # A folder that was moved or renamed: its documents now come from here, and what is missing here is
            # gone from it too. (A folder still on disk is another knowledge base, whatever ids the two share.)
            moved = {roots_before[i] for i in present if i in roots_before} - {source_root}
            # Never a website: a page first synced with another start URL (the whole site, then one section)
            # is not "moved", and the rest of that crawl must not be deleted by this one.
            moved = {root for root in moved if not is_url(root) and not Path(root).exists()}
            gone = [
                row.id
                for row in existing.values()
                if (row.source_root == source_root or row.source_root in moved)
                and row.deleted_at is None
                and row.id not in present
                and (row.source_path or "") not in keep_paths
            ]
            self.delete_documents(gone)
            report.deleted = len(gone)
        self._session.commit()  # the unchanged documents' new folder, when nothing else was written
        report.seconds = time.perf_counter() - started
        return report

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        if not doc_ids:
            return
        with self.write_lock.held():
            self._delete_documents(doc_ids)

    def _delete_documents(self, doc_ids: Sequence[str]) -> None:
        self._keyword.remove_documents(doc_ids)
        self._keyword.save()  # commit point: from here on retrieval no longer returns them
        now = utcnow()
        for row in self._session.scalars(select(Document).where(Document.id.in_(doc_ids))):
            row.deleted_at = now
        self._session.commit()
        self._store.delete_documents(doc_ids)

    def _write_batch(
        self, batch: list[_Pending], existing: dict[str, Document], source_root: str, author: str | None
    ) -> None:
        chunks = [c for item in batch for c in item.chunks]
        vectors = self._embedder.encode_documents([c.embedding_text for c in chunks])
        self._store.upsert(chunks, vectors)
        phrasings = alternative_rows(chunks)
        if phrasings:
            # An FAQ entry's other phrasings are questions: embedded as the visitors' questions are.
            self._store.upsert_alternatives(chunks, self._embedder.encode_queries([p for _c, _n, p in phrasings]))
        for item in batch:
            self._keyword.replace_chunks(self._keyword.chunk_ids_of(item.document.id), item.chunks)
        self._keyword.save()
        for item in batch:
            self._record_version(item, existing, source_root, author)
        self._session.commit()
        for item in batch:
            self._store.delete_other_versions(item.document.id, keep_version=item.version)

    def _record_version(
        self, item: _Pending, existing: dict[str, Document], source_root: str, author: str | None
    ) -> None:
        document = item.document
        row = existing.get(document.id)
        if row is None:
            row = Document(id=document.id, created_at=utcnow())
            self._session.add(row)
            existing[document.id] = row
        row.source_root = source_root
        row.source_path = document.source_path
        row.kind = document.kind
        row.title = document.title
        row.audience = document.audience
        row.community = document.community
        row.url = document.url
        row.owner = document.owner
        row.language = document.language
        row.tags = list(document.tags)
        row.review_by = document.review_by
        row.current_version = item.version
        row.content_hash = item.digest
        row.deleted_at = None
        row.updated_at = utcnow()
        # A rerun after a crash may find this version already recorded: replace it rather than duplicate it.
        stale = self._session.scalars(
            select(DocumentVersion).where(
                DocumentVersion.document_id == document.id, DocumentVersion.version == item.version
            )
        ).first()
        if stale is not None:
            self._session.delete(stale)
            self._session.flush()
        self._session.add(
            DocumentVersion(
                document_id=document.id,
                version=item.version,
                content_hash=item.digest,
                title=document.title,
                text=document.text,
                metadata_json=document.metadata_fingerprint(),
                author=author,
                created_at=utcnow(),
            )
        )


# A sync that brings at least this share of another folder's live documents is that help centre again (a copy or a
# checkout elsewhere): it takes them over, as a moved folder does. Less, and it is another help centre that happens
# to share a few paths.
SAME_HELP_CENTRE_SHARE = 0.5


def _copies_of(rows: Iterable[Document], incoming: set[str]) -> set[str]:
    """The folders whose live documents the incoming ids mostly are (SAME_HELP_CENTRE_SHARE)."""
    live: dict[str, set[str]] = {}
    for row in rows:
        if row.deleted_at is None and row.source_root:
            live.setdefault(row.source_root, set()).add(row.id)
    return {root for root, ids in live.items() if len(ids & incoming) >= SAME_HELP_CENTRE_SHARE * len(ids)}


def _held_elsewhere(row: Document, source_root: str) -> bool:
    """Whether the live document ``row`` was synced from another folder that still holds its file. A folder that
    was moved or renamed does not hold it any more: its documents move to the new folder (the README's promise)."""
    if row.source_root in (None, source_root) or not row.source_path or is_url(row.source_root):
        return False
    old_root = Path(row.source_root)
    return old_root.is_absolute() and (old_root / row.source_path).is_file()


def _site_paths_to_keep(crawl: CrawlResult, live_paths: set[str]) -> set[str]:
    """The pages of a crawled site that keep their last version although the crawl brought no document for them:
    every page that failed, and after an incomplete crawl every page not known to be gone (one the crawl did not
    meet may only be behind a page that failed). A web document's source path is its page id."""
    if crawl.is_complete:
        return set(crawl.failed_ids)
    return set(crawl.failed_ids) | (live_paths - crawl.gone)


def _failed_paths(failed: Sequence[FailedFile]) -> frozenset[str]:
    # "faq.csv#row 3" names a row of faq.csv: the file's other entries were loaded, but keep the file's old
    # entries too rather than delete an entry whose row is now broken.
    return frozenset(f.path.split("#", 1)[0] for f in failed)


def _batches(items: list[_Pending], max_chunks: int) -> list[list[_Pending]]:
    batches: list[list[_Pending]] = []
    current: list[_Pending] = []
    size = 0
    for item in items:
        if current and size + len(item.chunks) > max_chunks:
            batches.append(current)
            current, size = [], 0
        current.append(item)
        size += len(item.chunks)
    if current:
        batches.append(current)
    return batches


def _claims_a_failed_file(
    row: Document | None, document: SourceDocument, source_root: str, failed_paths: frozenset[str]
) -> bool:
    """Whether ``document`` takes the id of a live document of the same folder whose own file failed to load."""
    return (
        row is not None
        and row.deleted_at is None
        and row.source_root == source_root
        and (row.source_path or "") in failed_paths
        and row.source_path != document.source_path
    )
