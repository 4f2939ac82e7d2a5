"""Question vectors for the regrouping: the gaps table keeps one mean per gap, not a vector per question, so the
stored (masked) questions are embedded again when they are regrouped, in chunks of ``EMBED_CHUNK`` (a chat turn
waiting for the embedder waits for one chunk, not the whole pool), and kept in a per-process cache (a regrouping
every 50 questions mostly meets questions it has embedded before)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from chatbot.embedders import Embedder

EMBED_CHUNK = 16  # a chat turn waits for at most one chunk (~0.1 s) while a regrouping embeds
VECTOR_CACHE_SIZE = 20000  # ~30 MB of MiniLM vectors

_cache_lock = threading.Lock()
_vector_cache: OrderedDict[tuple[str, str], npt.NDArray[np.float32]] = OrderedDict()


def embed_questions(texts: Sequence[str], embedder: Embedder) -> npt.NDArray[np.float32]:
    """Normalised query vectors of ``texts``: cached ones from memory, the rest in chunks of ``EMBED_CHUNK``."""
    vectors: list[npt.NDArray[np.float32] | None] = []
    with _cache_lock:
        for text in texts:
            cached = _vector_cache.get((embedder.name, text))
            if cached is not None:
                _vector_cache.move_to_end((embedder.name, text))
            vectors.append(cached)
    missing = sorted({text for text, vector in zip(texts, vectors, strict=True) if vector is None})
    fresh: dict[str, npt.NDArray[np.float32]] = {}
    for start in range(0, len(missing), EMBED_CHUNK):
        chunk = missing[start : start + EMBED_CHUNK]
        for text, vector in zip(chunk, embedder.encode_queries(chunk), strict=True):
            fresh[text] = np.asarray(vector, dtype=np.float32)
    with _cache_lock:
        for text, vector in fresh.items():
            _vector_cache[(embedder.name, text)] = vector
        while len(_vector_cache) > VECTOR_CACHE_SIZE:
            _vector_cache.popitem(last=False)
    rows = [vector if vector is not None else fresh[text] for text, vector in zip(texts, vectors, strict=True)]
    return np.stack(rows) if rows else np.zeros((0, embedder.dimension), dtype=np.float32)
