"""Chroma store mechanics with hand-made vectors: the public collection and its backfill, and what another process
writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from chatbot.config import Settings
from chatbot.store import HNSW_EF_SEARCH, ChromaStore
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


def test_the_graph_search_keeps_enough_candidates_in_new_and_old_collections(tmp_path: Path) -> None:
    """Chroma's default (100) missed a near neighbour in some processes (chatbot/store.py, HNSW_EF_SEARCH)."""
    settings = Settings(data_dir=tmp_path)
    store = ChromaStore(settings, "minilm", 384)
    assert store._collection.configuration["hnsw"]["ef_search"] == HNSW_EF_SEARCH
    # A data dir from before: its collections keep Chroma's default until opened by this release.
    store._collection.modify(configuration={"hnsw": {"ef_search": 100}})
    store._public.modify(configuration={"hnsw": {"ef_search": 100}})
    reopened = ChromaStore(settings, "minilm", 384)
    for collection in (reopened._collection, reopened._public):
        assert collection.configuration["hnsw"]["ef_search"] == HNSW_EF_SEARCH


WRITER = """
import sys
from pathlib import Path

import numpy as np
from chatbot.config import Settings
from chatbot.store import HNSW_EF_SEARCH, ChromaStore
from chatbot.types import Chunk

store = ChromaStore(Settings(data_dir=Path(sys.argv[1])), "minilm", 384)
if sys.argv[2] == "add":
    store.upsert([Chunk(id="new.md::0", doc_id="new.md", index=0, text="new text", title="New")],
                 np.eye(3, 384, dtype=np.float32)[2:])
else:
    store.delete_documents(["a.md"])
"""


def _in_another_process(tmp_path: Path, action: str) -> None:
    subprocess.run([sys.executable, "-c", WRITER, str(tmp_path), action], check=True, cwd=Path(__file__).parent.parent)


def test_writes_of_another_process_are_searched(tmp_path: Path) -> None:
    """Was: an embedded Chroma kept the index it loaded, so a running server never found what `answerdesk ingest`
    (or an editor's FAQ saved in another worker) added, nor stopped finding what it deleted, until a restart."""
    store = ChromaStore(Settings(data_dir=tmp_path), "minilm", 384)
    chunks, vectors = _chunks()
    store.upsert(chunks, vectors)
    new_vector = np.eye(3, 384, dtype=np.float32)[2]
    assert store.query_ids(new_vector, 1, "public")[0][0] == "a.md::0"  # searched once, so its index is loaded

    _in_another_process(tmp_path, "add")
    assert store.query_ids(new_vector, 1, "public")[0][0] == "new.md::0"
    assert store.count() == 3
    _in_another_process(tmp_path, "delete")
    assert "a.md::0" not in {c for c, _, _ in store.query_ids(vectors[0], 10, "internal")}
    store.upsert(chunks[:1], vectors[:1])  # its own write: no reason to open the store again
    assert "a.md::0" in {c for c, _, _ in store.query_ids(vectors[0], 10, "internal")}
