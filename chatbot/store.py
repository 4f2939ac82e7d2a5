"""Vector store: a small protocol and its Chroma implementation (embedded PersistentClient or a Chroma server).

We always pass our own embeddings and never let Chroma pick an embedding function: its default one downloads
an ONNX model at first use. Telemetry is off.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import numpy as np

from chatbot.config import Settings
from chatbot.embedders import Vectors
from chatbot.errors import EmbedderMismatchError, ServiceUnavailableError
from chatbot.types import Audience, Chunk

log = logging.getLogger(__name__)

_HEADING_SEPARATOR = " > "
_UPSERT_BATCH = 1000  # Chroma rejects batches above its max_batch_size (about 5k); stay well below
# A search-only phrasing's record: "<chunk id>@<version>#alt<n>", metadata ``alternative`` = n, document = the
# phrasing. It is found as its chunk (query_ids maps it back) and never read as the chunk's text.
_ALTERNATIVE_MARK = "#alt"
# Beside an embedded Chroma's folder (DATA_DIR/chroma.last-write): the token of the last write, for the other
# processes (see ChromaStore).
_WRITE_MARKER = ".last-write"
# How many candidates Chroma's HNSW search keeps while walking the graph (its default is 100). The search is
# approximate, and its result was not the same in every process that opened the same store (the graph's
# not-yet-persisted part is built again when a process opens it, as far as we can tell), so a near neighbour could
# be missed in one process and found in the next: on the sample help centre, after a few re-ingests, "can i change
# the language of the lumo app itself to dutch" lost its 5th-nearest chunk (cosine 0.452 of 40 asked for) in about
# 1 process in 8 and was answered "I'm not sure" (0.13 instead of 0.57). 500 walks a help centre's whole graph (a
# few hundred to a few thousand chunks); docs/benchmarks.md has its cost at 10k.
HNSW_EF_SEARCH = 500


@dataclass(frozen=True)
class DenseHit:
    chunk: Chunk
    similarity: float  # cosine similarity in [-1, 1]


class VectorStore(Protocol):
    def upsert(self, chunks: Sequence[Chunk], vectors: Vectors) -> None: ...

    def upsert_alternatives(self, chunks: Sequence[Chunk], vectors: Vectors) -> None: ...

    def delete_other_versions(self, doc_id: str, keep_version: int) -> None: ...

    def delete_documents(self, doc_ids: Sequence[str]) -> None: ...

    def query(self, vector: Vectors, k: int, audience: Audience) -> list[DenseHit]: ...

    def query_ids(self, vector: Vectors, k: int, audience: Audience) -> list[tuple[str, int, float]]: ...

    def count(self) -> int: ...

    def ping(self) -> None: ...


def record_id(chunk: Chunk) -> str:
    """Chroma record id: the stable chunk id plus the version, so that a new version can be stored next to the
    old one and the old one removed only after the switch (see ingest/pipeline.py)."""
    return f"{chunk.id}@{chunk.version}"


def alternative_rows(chunks: Sequence[Chunk]) -> list[tuple[Chunk, int, str]]:
    """(chunk, n, phrasing) for every search-only phrasing of ``chunks``: the order of their vectors."""
    return [(chunk, n, phrasing) for chunk in chunks for n, phrasing in enumerate(chunk.alternatives)]


def alternative_record_id(chunk: Chunk, n: int) -> str:
    """Chroma record id of a chunk's ``n``-th search-only phrasing: its own vector, found as the chunk."""
    return f"{record_id(chunk)}{_ALTERNATIVE_MARK}{n}"


def parse_record_id(rid: str) -> tuple[str, int]:
    """(chunk id, version) of a record id, the chunk's own or one of its phrasings'."""
    chunk_id, _, tail = rid.rpartition("@")
    return chunk_id, int(tail.split(_ALTERNATIVE_MARK, 1)[0])


def chunk_metadata(chunk: Chunk) -> dict[str, str | int]:
    metadata: dict[str, str | int] = {
        "chunk_id": chunk.id,
        "doc_id": chunk.doc_id,
        "index": chunk.index,
        "title": chunk.title,
        "heading_path": _HEADING_SEPARATOR.join(chunk.heading_path),
        "kind": chunk.kind,
        "audience": chunk.audience,
        "language": chunk.language,
        "version": chunk.version,
        "token_count": chunk.token_count,
    }
    if chunk.community:
        metadata["community"] = chunk.community
    if chunk.url:
        metadata["url"] = chunk.url
    return metadata


def chunk_from_record(text: str, metadata: dict[str, Any]) -> Chunk:
    heading_path = str(metadata.get("heading_path") or "")
    return Chunk(
        id=str(metadata["chunk_id"]),
        doc_id=str(metadata["doc_id"]),
        index=int(metadata["index"]),
        text=text,
        title=str(metadata["title"]),
        heading_path=tuple(heading_path.split(_HEADING_SEPARATOR)) if heading_path else (),
        kind=metadata.get("kind", "article"),
        audience=metadata.get("audience", "public"),
        community=metadata.get("community"),
        language=str(metadata.get("language", "en")),
        url=metadata.get("url"),
        version=int(metadata.get("version", 1)),
        token_count=int(metadata.get("token_count", 0)),
    )


class ChromaStore:
    """Chroma collections holding the chunk vectors (the audience's own: see ``_collection_for``).

    An embedded Chroma (no ``ANSWERDESK_CHROMA_URL``) loads its index into each process and never sees what another
    process writes: a server kept answering from the vectors it had at start while `answerdesk ingest`, or an
    editor's FAQ saved in another worker, added documents (the keyword index saw them: fused with stale dense hits,
    a new article lost to an old one). So every write leaves a token in a marker file beside the data, and a
    process that finds another process's token there opens the store again before it searches.
    """

    def __init__(self, settings: Settings, embedder_name: str, dimension: int) -> None:
        self._settings, self._embedder_name, self._dimension = settings, embedder_name, dimension
        marker = settings.chroma_path.with_name(f"{settings.chroma_path.name}{_WRITE_MARKER}")
        self._marker: Path | None = None if settings.chroma_url else marker
        self._seen_write: tuple[int, str] | None = None  # (mtime_ns, token) of the marker this process has read
        self._own_token = ""
        self._reopen_lock = threading.Lock()
        self._connect()
        self._backfill_public()

    def _connect(self) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = self._settings
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if settings.chroma_url:
            parsed = urlparse(settings.chroma_url)
            self._client = chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or 8000,
                ssl=parsed.scheme == "https",
                settings=chroma_settings,
            )
        else:
            settings.chroma_path.mkdir(parents=True, exist_ok=True)
            self._seen_write = self._read_marker()  # before opening: a write after it is seen at the next search
            self._client = chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
        self._collection = self._open_collection(settings.collection, self._embedder_name, self._dimension)
        # Public chunks are also kept in a collection of their own, so that a public query needs no metadata
        # filter: Chroma's filtered search costs about ten times an unfiltered one (docs/benchmarks.md). The
        # audience is then structural, as in the keyword index: the public collection holds no internal chunk.
        self._public = self._open_collection(f"{settings.collection}-public", self._embedder_name, self._dimension)

    def _read_marker(self) -> tuple[int, str] | None:
        if self._marker is None:
            return None
        try:
            return self._marker.stat().st_mtime_ns, self._marker.read_text(encoding="utf-8")
        except OSError:
            return None

    def _wrote(self) -> None:
        """Leave this write's token for the other processes (written whole: a reader never sees half of one)."""
        if self._marker is None:
            return
        self._own_token = uuid.uuid4().hex
        # A temporary file of this write's own: with one shared name, two writes at once (two editors saving)
        # renamed it from under each other, and the second one's save failed after its vectors were stored.
        partial = self._marker.with_name(f".{self._marker.name}.{self._own_token}.partial")
        partial.write_text(self._own_token, encoding="utf-8")
        partial.replace(self._marker)
        self._seen_write = self._read_marker()

    def _refresh_if_written_elsewhere(self) -> None:
        """Open the store again when another process wrote since this one last looked (a stat() otherwise)."""
        if self._marker is None:
            return
        try:
            mtime = self._marker.stat().st_mtime_ns
        except OSError:
            return
        if self._seen_write is not None and mtime == self._seen_write[0]:
            return
        with self._reopen_lock:
            seen = self._read_marker()
            if seen is None or seen == self._seen_write:
                return
            if seen[1] == self._own_token:
                self._seen_write = seen
                return
            from chromadb.api.client import SharedSystemClient

            log.info("the vector store was written by another process; opening it again")
            # Chroma keeps one system per path and process: only a new one reads what the other process wrote.
            SharedSystemClient.clear_system_cache()
            self._connect()

    def _open_collection(self, name: str, embedder_name: str, dimension: int) -> Any:
        collection = self._client.get_or_create_collection(
            name=name,
            configuration={"hnsw": {"space": "cosine", "ef_search": HNSW_EF_SEARCH}},
            metadata={"embedder": embedder_name, "dimension": dimension},
            embedding_function=None,
        )
        hnsw = (getattr(collection, "configuration", None) or {}).get("hnsw") or {}
        if hnsw.get("ef_search", HNSW_EF_SEARCH) < HNSW_EF_SEARCH:
            # A collection made before the setting (or by an older release) keeps Chroma's default until told.
            collection.modify(configuration={"hnsw": {"ef_search": HNSW_EF_SEARCH}})
        built_by = (collection.metadata or {}).get("embedder")
        if built_by != embedder_name:
            raise EmbedderMismatchError(
                f"collection {name!r} was built with the {built_by!r} embedder, not {embedder_name!r}; "
                "use another ANSWERDESK_COLLECTION or re-ingest into an empty data dir"
            )
        return collection

    def _backfill_public(self) -> None:
        """Copy public chunks into the public collection when it is empty (a data dir from before it existed)."""
        if self._public.count() > 0:
            return
        offset, page = 0, 1000
        while True:
            result = self._collection.get(
                where={"audience": "public"},
                include=["embeddings", "documents", "metadatas"],
                limit=page,
                offset=offset,
            )
            if not result["ids"]:
                return
            self._public.upsert(
                ids=result["ids"],
                embeddings=result["embeddings"],
                documents=result["documents"],
                metadatas=result["metadatas"],
            )
            offset += len(result["ids"])

    def upsert(self, chunks: Sequence[Chunk], vectors: Vectors) -> None:
        self._upsert_records(
            [(record_id(c), c, c.text, chunk_metadata(c)) for c in chunks], np.asarray(vectors, dtype=np.float32)
        )
        self._wrote()

    def upsert_alternatives(self, chunks: Sequence[Chunk], vectors: Vectors) -> None:
        """Store the search-only phrasings of ``chunks``, one vector each in :func:`alternative_rows` order, under
        the chunk's doc id and version (so a new version or a delete removes them with the chunk)."""
        rows = [
            (alternative_record_id(chunk, n), chunk, phrasing, {**chunk_metadata(chunk), "alternative": n})
            for chunk, n, phrasing in alternative_rows(chunks)
        ]
        self._upsert_records(rows, np.asarray(vectors, dtype=np.float32))
        self._wrote()

    def _upsert_records(
        self, rows: Sequence[tuple[str, Chunk, str, dict[str, str | int]]], vectors: np.ndarray[Any, Any]
    ) -> None:
        for start in range(0, len(rows), _UPSERT_BATCH):
            batch = list(rows[start : start + _UPSERT_BATCH])
            batch_vectors = vectors[start : start + _UPSERT_BATCH]
            self._collection.upsert(
                ids=[rid for rid, _chunk, _text, _meta in batch],
                embeddings=batch_vectors,
                documents=[text for _rid, _chunk, text, _meta in batch],
                metadatas=[meta for _rid, _chunk, _text, meta in batch],  # type: ignore[misc]
            )
            public = [i for i, (_rid, chunk, _text, _meta) in enumerate(batch) if chunk.audience == "public"]
            if public:
                self._public.upsert(
                    ids=[batch[i][0] for i in public],
                    embeddings=batch_vectors[public],
                    documents=[batch[i][2] for i in public],
                    metadatas=[batch[i][3] for i in public],  # type: ignore[misc]
                )

    def delete_other_versions(self, doc_id: str, keep_version: int) -> None:
        where = {"$and": [{"doc_id": doc_id}, {"version": {"$ne": keep_version}}]}
        for collection in (self._collection, self._public):
            collection.delete(where=where)
        self._wrote()

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        ids = list(doc_ids)
        for start in range(0, len(ids), 100):
            for collection in (self._collection, self._public):
                collection.delete(where={"doc_id": {"$in": ids[start : start + 100]}})
        self._wrote()

    def all_chunks(self) -> Iterable[Chunk]:
        """Every stored chunk, page by page (used to rebuild the keyword index)."""
        self._refresh_if_written_elsewhere()
        offset, page = 0, 2000
        while True:
            result = self._collection.get(include=["documents", "metadatas"], limit=page, offset=offset)
            ids = result["ids"]
            if not ids:
                return
            documents = result["documents"] or []
            metadatas = result["metadatas"] or []
            for text, metadata in zip(documents, metadatas, strict=True):
                if "alternative" not in (metadata or {}):  # a search-only phrasing is not a chunk of its own
                    yield chunk_from_record(text or "", dict(metadata or {}))
            offset += len(ids)

    def query(self, vector: Vectors, k: int, audience: Audience) -> list[DenseHit]:
        if k <= 0:
            return []
        self._refresh_if_written_elsewhere()
        result = self._collection_for(audience).query(
            query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
            n_results=k,
            include=["documents", "metadatas", "distances"],
        )
        documents = (result["documents"] or [[]])[0]
        metadatas = (result["metadatas"] or [[]])[0]
        distances = (result["distances"] or [[]])[0]
        hits = []
        for text, metadata, distance in zip(documents, metadatas, distances, strict=True):
            if "alternative" in (metadata or {}):
                continue  # its document is the phrasing, not the chunk's text (query_ids maps it to its chunk)
            chunk = chunk_from_record(text or "", dict(metadata or {}))
            if audience == "public" and chunk.audience != "public":  # defence in depth: the collection has none
                continue
            hits.append(DenseHit(chunk=chunk, similarity=1.0 - float(distance)))
        return hits

    def query_ids(self, vector: Vectors, k: int, audience: Audience) -> list[tuple[str, int, float]]:
        """(chunk id, version, cosine similarity) of the ``k`` nearest chunks the audience may see. Asking Chroma
        for distances only is several times faster than fetching documents and metadata: callers that keep the
        chunks themselves (the keyword index does) look them up by id."""
        if k <= 0:
            return []
        self._refresh_if_written_elsewhere()
        result = self._collection_for(audience).query(
            query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1),
            n_results=k,
            include=["distances"],
        )
        distances = (result["distances"] or [[]])[0]
        hits = []
        seen: set[tuple[str, int]] = set()
        for rid, distance in zip(result["ids"][0], distances, strict=True):
            chunk_id, version = parse_record_id(rid)
            if (chunk_id, version) in seen:
                continue  # a chunk found again through one of its phrasings: its closest vector counts, once
            seen.add((chunk_id, version))
            hits.append((chunk_id, version, 1.0 - float(distance)))
        return hits

    def _collection_for(self, audience: Audience) -> Any:
        return self._public if audience == "public" else self._collection

    def count(self) -> int:
        self._refresh_if_written_elsewhere()
        return int(self._collection.count())

    def ping(self) -> None:
        try:
            self._client.heartbeat()
        except Exception as exc:
            raise ServiceUnavailableError("the vector store is not reachable") from exc
