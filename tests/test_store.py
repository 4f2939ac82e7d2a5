"""Chroma store mechanics with hand-made vectors: the public collection and its backfill."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chatbot.config import Settings
from chatbot.store import ChromaStore
from chatbot.types import Chunk


def _chunks() -> tuple[list[Chunk], np.ndarray]:
    chunks = [
        Chunk(id="a.md::0", doc_id="a.md", index=0, text="public text", title="A"),
        Chunk(id="b.md::0", doc_id="b.md", index=0, text="internal text", title="B", audience="internal"),
    ]
    vectors = np.eye(2, 384, dtype=np.float32)
    return chunks, vectors


def test_public_queries_never_see_internal_chunks(tmp_path: Path) -> None:
    store = ChromaStore(Settings(data_dir=tmp_path), "minilm", 384)
    chunks, vectors = _chunks()
    store.upsert(chunks, vectors)
    assert [c for c, _, _ in store.query_ids(vectors[1], 10, "public")] == ["a.md::0"]
    assert {c for c, _, _ in store.query_ids(vectors[1], 10, "internal")} == {"a.md::0", "b.md::0"}
    store.delete_documents(["a.md"])
    assert store.query_ids(vectors[0], 10, "public") == []


def test_a_data_dir_without_the_public_collection_is_backfilled(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    store = ChromaStore(settings, "minilm", 384)
    chunks, vectors = _chunks()
    store.upsert(chunks, vectors)
    store._client.delete_collection(f"{settings.collection}-public")  # as left by a version without it

    reopened = ChromaStore(settings, "minilm", 384)
    assert [c for c, _, _ in reopened.query_ids(vectors[0], 10, "public")] == ["a.md::0"]
