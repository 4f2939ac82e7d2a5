"""The sample help centre (examples/helpcenter) ingested with the real model, a real Chroma and real SQLite.

Ingesting it takes about 40 s on a 2-core machine, so a test process does it once: :func:`sample_kb` caches the
result for every test module that asks for it (the tests only read it). Not a conftest fixture on purpose: each
module wraps it in its own module-scoped fixture.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from chatbot.answering import Answerer, build_answerer
from chatbot.config import Settings
from chatbot.runtime import Runtime
from chatbot.types import Chunk

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_KB = REPO_ROOT / "examples" / "helpcenter"


@dataclass(frozen=True)
class CatalogueRow:
    """A live document of the SQL catalogue, as the ingest recorded it."""

    id: str
    title: str
    audience: str
    kind: str
    language: str
    version: int


@dataclass
class SampleKB:
    settings: Settings
    runtime: Runtime
    answerer: Answerer
    catalogue: dict[str, CatalogueRow]
    chunks: dict[str, list[Chunk]] = field(default_factory=dict)  # doc id -> its stored chunks, in order

    def audience(self, doc_id: str) -> str:
        return self.catalogue[doc_id].audience

    def ids(self, audience: str) -> set[str]:
        return {row.id for row in self.catalogue.values() if row.audience == audience}


def ingest_sample_kb(data_dir: Path, source: Path = SAMPLE_KB) -> SampleKB:
    """Ingest ``source`` (examples/helpcenter) into ``data_dir`` the way `answerdesk ingest` does, and build the
    answerer."""
    from ingest.factory import build_pipeline
    from web import create_app
    from web.db.engine import upgrade_database
    from web.db.models import Document, db
    from web.services import get_runtime

    settings = Settings(data_dir=data_dir)
    app = create_app(settings)
    upgrade_database(app)
    with app.app_context():
        runtime = get_runtime(app)
        report = build_pipeline(runtime, db.session()).sync_path(source)
        assert not report.failed, report.failed
        rows = db.session.scalars(select(Document).where(Document.deleted_at.is_(None))).all()
        catalogue = {
            row.id: CatalogueRow(row.id, row.title, row.audience, row.kind, row.language, row.current_version)
            for row in rows
        }
    chunks: dict[str, list[Chunk]] = defaultdict(list)
    for chunk in runtime.store.all_chunks():
        chunks[chunk.doc_id].append(chunk)
    for members in chunks.values():
        members.sort(key=lambda c: c.index)
    return SampleKB(settings, runtime, build_answerer(runtime), catalogue, dict(chunks))


_cache: dict[str, SampleKB] = {}
_lock = threading.Lock()


def sample_kb(tmp_path_factory: pytest.TempPathFactory, source: Path = SAMPLE_KB) -> SampleKB:
    """The ingested sample help centre (or another help-centre folder), shared by the test modules of this process
    (read-only)."""
    with _lock:
        key = "kb" if source == SAMPLE_KB else str(source)
        if key not in _cache:
            _cache[key] = ingest_sample_kb(tmp_path_factory.mktemp("helpcenter-kb"), source)
        return _cache[key]
