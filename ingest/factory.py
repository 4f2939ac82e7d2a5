"""Builds an :class:`IngestPipeline` from a runtime and a database session."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chatbot.runtime import Runtime
from ingest.chunking import Chunker
from ingest.pipeline import IngestPipeline
from ingest.write_lock import WriteLock, data_dir_lock


def build_pipeline(runtime: Runtime, session: Session) -> IngestPipeline:
    settings = runtime.settings
    chunker = Chunker(
        count_model_tokens=runtime.embedder.count_tokens,
        max_model_tokens=runtime.embedder.max_tokens,
        chunk_tokens=settings.chunk_tokens,
        chunk_overlap=settings.chunk_overlap,
    )
    return IngestPipeline(
        session=session,
        embedder=runtime.embedder,
        store=runtime.store,
        keyword_index=runtime.keyword_index,
        chunker=chunker,
        max_file_bytes=settings.max_file_bytes,
        write_lock=knowledge_write_lock(runtime),
    )


def knowledge_write_lock(runtime: Runtime) -> WriteLock:
    """The lock every knowledge-base write of ``runtime``'s data dir holds (ingest/write_lock.py)."""
    return data_dir_lock(runtime.settings.data_dir)
