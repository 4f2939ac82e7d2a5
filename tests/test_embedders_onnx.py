"""MiniLM through onnxruntime: the same vectors as sentence-transformers on torch, an export made once and reused,
a damaged or outdated export replaced, and torch when no export can be had. Real model, real exporter throughout.

Threshold: every ONNX vector must have cosine >= 0.99999 with torch's. The export gives 0.9999998 or more (float
rounding); truncating a long text one word piece earlier than torch gives about 0.99991 (checked below), so this
threshold catches a truncation or pooling that is off by one token, which a looser 0.999 would not.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from chatbot.config import Settings
from chatbot.embedders import MiniLMEmbedder, QueryBatcher
from chatbot.onnx_export import MANIFEST_FILE, MODEL_FILE, file_sha256

pytestmark = pytest.mark.slow

MIN_COSINE = 0.99999

QUESTIONS = [
    "How long do I have to ask for a refund?",
    "I lost the phone with my authenticator app. How do I sign in?",
    "Why do I have to reconnect my bank every 90 days?",
    "Can I pay with bitcoin?",
    "wifi not working after update!!! 😡",
    "Où est ma facture ? Café, crème brûlée",
    "   leading and trailing spaces   ",
    "x",
    "",
    "如何申请退款？",
    "我忘记了密码，怎么重置？",
    "电视遥控器无法配对蓝牙怎么办",
    "How do I 导出 my data to Excel?",
]
# Longer than 256 word pieces (CLS and SEP included): the model reads only the first 256.
LONG_QUESTION = (
    "My new television keeps turning itself off after a few minutes, even though I disabled the sleep timer and the "
    "eco mode; I also tried a factory reset, unplugging it overnight and updating the firmware. "
) * 8
SECTION = (
    "To pair the remote control with the TV, point it at the remote control sensor and press and hold the Return "
    "and Play/Pause buttons at the same time for 3 seconds or more. The remote pairs over Bluetooth. "
) * 4


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return np.asarray(np.sum(a64 * b64, axis=1) / (np.linalg.norm(a64, axis=1) * np.linalg.norm(b64, axis=1)))


def torch_vectors(model, texts: Sequence[str]) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True), dtype=np.float32)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache") / "minilm-onnx"


@pytest.fixture(scope="module")
def onnx_embedder(cache_dir: Path) -> MiniLMEmbedder:
    embedder = MiniLMEmbedder(onnx_cache_dir=cache_dir)
    assert embedder.backend == "onnx"
    return embedder


@pytest.fixture(scope="module")
def torch_model():  # type: ignore[no-untyped-def]
    """sentence-transformers on torch, as answerdesk ran MiniLM before the ONNX path: the reference."""
    embedder = MiniLMEmbedder()
    assert embedder.backend == "torch"
    return embedder.sentence_transformer


@pytest.fixture
def copied_cache(cache_dir: Path, onnx_embedder: MiniLMEmbedder, tmp_path: Path) -> Path:
    """A private copy of the exported cache, for tests that damage or change it."""
    copy = tmp_path / "minilm-onnx"
    shutil.copytree(cache_dir, copy)
    return copy


def export_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("exported MiniLM to ONNX")]


def test_questions_match_torch_in_english_and_chinese(onnx_embedder: MiniLMEmbedder, torch_model) -> None:  # type: ignore[no-untyped-def]
    one_by_one = np.vstack([onnx_embedder.encode_queries([q]) for q in QUESTIONS])
    batched = onnx_embedder.encode_queries(QUESTIONS)  # padded batch, rows in the caller's order
    expected = torch_vectors(torch_model, QUESTIONS)
    assert one_by_one.shape == (len(QUESTIONS), 384) and one_by_one.dtype == np.float32
    assert cosines(one_by_one, expected).min() >= MIN_COSINE
    assert cosines(batched, expected).min() >= MIN_COSINE
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)


def test_documents_match_torch(onnx_embedder: MiniLMEmbedder, torch_model) -> None:  # type: ignore[no-untyped-def]
    documents = [SECTION, "Short FAQ answer.", LONG_QUESTION, "退款在 14 天内处理。" * 10] * 20  # > one batch of 32
    found = onnx_embedder.encode_documents(documents)
    assert found.shape == (len(documents), 384)
    assert cosines(found, torch_vectors(torch_model, documents)).min() >= MIN_COSINE
    assert onnx_embedder.encode_documents([]).shape == (0, 384)


def test_a_question_longer_than_the_window_is_truncated_as_torch_does(
    onnx_embedder: MiniLMEmbedder,
    torch_model,  # type: ignore[no-untyped-def]
) -> None:
    assert onnx_embedder.count_tokens(LONG_QUESTION) > onnx_embedder.max_tokens == 256
    vector = onnx_embedder.encode_queries([LONG_QUESTION])
    assert cosines(vector, torch_vectors(torch_model, [LONG_QUESTION]))[0] >= MIN_COSINE
    # Words after the window change nothing.
    assert np.allclose(vector, onnx_embedder.encode_queries([LONG_QUESTION + " completely different ending"]))
    # The threshold is tight enough to see a window one word piece shorter than torch's.
    torch_model.max_seq_length = 255
    try:
        one_short = torch_vectors(torch_model, [LONG_QUESTION])
    finally:
        torch_model.max_seq_length = 256
    assert cosines(vector, one_short)[0] < MIN_COSINE


def test_token_counts_match_the_model_tokenizer(onnx_embedder: MiniLMEmbedder, torch_model) -> None:  # type: ignore[no-untyped-def]
    for text in [*QUESTIONS, LONG_QUESTION, SECTION * 3]:
        assert onnx_embedder.count_tokens(text) == len(torch_model.tokenizer.tokenize(text)) + 2


def test_the_export_is_cached_and_reused(cache_dir: Path, onnx_embedder: MiniLMEmbedder, caplog) -> None:  # type: ignore[no-untyped-def]
    model = cache_dir / MODEL_FILE
    before = model.stat()
    manifest = json.loads((cache_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["onnx_sha256"] == file_sha256(model)
    assert manifest["probe_cosine_vs_torch"] >= MIN_COSINE

    caplog.set_level(logging.INFO, logger="chatbot.onnx_export")
    again = MiniLMEmbedder(onnx_cache_dir=cache_dir)
    assert again.backend == "onnx"
    assert export_logs(caplog) == []
    after = model.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert np.array_equal(again.encode_queries(QUESTIONS[:3]), onnx_embedder.encode_queries(QUESTIONS[:3]))


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # same size, some weights zeroed
    path.write_bytes(bytes(data))


def _other_source(path: Path) -> None:
    manifest_path = path.parent / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["fingerprint"] = "0" * 64  # as if exported from other weights or by another exporter
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def _no_manifest(path: Path) -> None:
    (path.parent / MANIFEST_FILE).unlink()


@pytest.mark.parametrize("damage", [_truncate, _flip_bytes, _other_source, _no_manifest])
def test_a_damaged_or_outdated_export_is_replaced(copied_cache: Path, torch_model, damage, caplog) -> None:  # type: ignore[no-untyped-def]
    model = copied_cache / MODEL_FILE
    damage(model)
    caplog.set_level(logging.INFO, logger="chatbot.onnx_export")
    embedder = MiniLMEmbedder(onnx_cache_dir=copied_cache)
    assert embedder.backend == "onnx"
    assert len(export_logs(caplog)) == 1
    manifest = json.loads((copied_cache / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["onnx_sha256"] == file_sha256(model)
    assert manifest["fingerprint"] != "0" * 64
    assert sorted(p.name for p in copied_cache.iterdir()) == sorted([".lock", MODEL_FILE, MANIFEST_FILE])
    assert cosines(embedder.encode_queries(QUESTIONS), torch_vectors(torch_model, QUESTIONS)).min() >= MIN_COSINE


def test_two_processes_starting_at_once_export_once(tmp_path: Path, torch_model, caplog) -> None:  # type: ignore[no-untyped-def]
    """Two gunicorn workers on a fresh data dir: one exports, the other waits on the lock and reuses the file.
    (flock also excludes two threads of one process, each with its own open file.)"""
    cache = tmp_path / "minilm-onnx"
    caplog.set_level(logging.INFO, logger="chatbot.onnx_export")
    embedders: list[MiniLMEmbedder] = []
    threads = [threading.Thread(target=lambda: embedders.append(MiniLMEmbedder(onnx_cache_dir=cache))) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [e.backend for e in embedders] == ["onnx", "onnx"]
    assert len(export_logs(caplog)) == 1
    expected = torch_vectors(torch_model, QUESTIONS[:4])
    for embedder in embedders:
        assert cosines(embedder.encode_queries(QUESTIONS[:4]), expected).min() >= MIN_COSINE


@pytest.fixture
def without_onnx_package(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As on an install without the ``onnx`` package, which torch's exporter needs to write the file."""
    monkeypatch.setitem(sys.modules, "onnx", None)  # the next ``import onnx`` raises ImportError
    yield


@pytest.mark.usefixtures("without_onnx_package")
def test_without_an_export_it_falls_back_to_torch(tmp_path: Path, torch_model, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING, logger="chatbot.embedders")
    embedder = MiniLMEmbedder(onnx_cache_dir=tmp_path / "minilm-onnx")
    assert embedder.backend == "torch"
    assert any("runs through torch" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert not list((tmp_path / "minilm-onnx").glob("*.onnx*"))  # no half-written file left behind
    assert cosines(embedder.encode_queries(QUESTIONS), torch_vectors(torch_model, QUESTIONS)).min() >= MIN_COSINE


def test_an_unwritable_cache_falls_back_to_torch(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data dir's models folder would go", encoding="utf-8")
    caplog.set_level(logging.WARNING, logger="chatbot.embedders")
    embedder = MiniLMEmbedder(onnx_cache_dir=blocker / "models" / "minilm-onnx")
    assert embedder.backend == "torch"
    assert any("runs through torch" in r.getMessage() for r in caplog.records)
    assert embedder.encode_queries(["How do I reset my password?"]).shape == (1, 384)


def test_the_setting_chooses_the_backend(tmp_path: Path, cache_dir: Path, onnx_embedder: MiniLMEmbedder) -> None:
    off = MiniLMEmbedder.from_settings(Settings(data_dir=tmp_path / "off", minilm_onnx=False))
    assert off.backend == "torch"
    assert not (tmp_path / "off" / "models").exists()
    data_dir = tmp_path / "on"
    (data_dir / "models").mkdir(parents=True)
    shutil.copytree(cache_dir, data_dir / "models" / "minilm-onnx")  # reuse the module's export: no second one
    on = MiniLMEmbedder.from_settings(Settings(data_dir=data_dir))
    assert on.backend == "onnx"
    assert Settings(data_dir=data_dir).onnx_cache_dir == data_dir / "models" / "minilm-onnx"


def test_questions_asked_at_once_get_their_own_vectors(onnx_embedder: MiniLMEmbedder, torch_model) -> None:  # type: ignore[no-untyped-def]
    """Request threads asking together share model runs (QueryBatcher); each still gets its own question's vector."""
    questions = QUESTIONS * 2
    results: dict[int, np.ndarray] = {}
    start = threading.Barrier(len(questions))

    def ask(index: int) -> None:
        start.wait()
        results[index] = onnx_embedder.encode_queries([questions[index]])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(questions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    found = np.vstack([results[i] for i in range(len(questions))])
    assert cosines(found, torch_vectors(torch_model, questions)).min() >= MIN_COSINE


class RecordingEncoder:
    """Mechanics only: records the batches it is given; slow enough that other callers queue up meanwhile."""

    def __init__(self, fail: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.fail = fail

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        time.sleep(0.05)
        if self.fail:
            raise RuntimeError("model run failed")
        return np.array([[float(len(t)), float(i)] for i, t in enumerate(texts)], dtype=np.float32)


def run_together(batcher: QueryBatcher, texts: Sequence[str]) -> dict[str, object]:
    outcomes: dict[str, object] = {}
    start = threading.Barrier(len(texts))

    def ask(text: str) -> None:
        start.wait()
        try:
            outcomes[text] = batcher.encode_one(text)
        except RuntimeError as exc:
            outcomes[text] = exc

    threads = [threading.Thread(target=ask, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_the_batcher_groups_waiting_questions_and_routes_rows_back() -> None:
    encoder = RecordingEncoder()
    batcher = QueryBatcher(encoder, max_batch=4)
    texts = [f"question {'x' * n}" for n in range(10)]
    outcomes = run_together(batcher, texts)
    assert sorted(t for batch in encoder.batches for t in batch) == sorted(texts)  # each text run exactly once
    assert max(len(batch) for batch in encoder.batches) > 1
    assert max(len(batch) for batch in encoder.batches) <= 4
    for text in texts:
        vector = outcomes[text]
        assert isinstance(vector, np.ndarray) and vector[0] == len(text)  # its own row, not a neighbour's

    lone = RecordingEncoder()
    assert QueryBatcher(lone).encode_one("alone")[0] == len("alone")
    assert lone.batches == [["alone"]]


def test_a_failed_run_reaches_every_caller_and_the_batcher_goes_on() -> None:
    failing = RecordingEncoder(fail=True)
    batcher = QueryBatcher(failing, max_batch=16)
    outcomes = run_together(batcher, [f"q{n}" for n in range(6)])
    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes.values())
    failing.fail = False
    assert batcher.encode_one("later")[0] == len("later")


def test_a_text_the_model_cannot_take_fails_alone_in_a_shared_run(onnx_embedder: MiniLMEmbedder) -> None:
    """One visitor's odd text (a lone surrogate: the tokenizer refuses it) shares a run with other questions: the
    run fails, each text is run again alone, and only the odd one gets the error; the others get their vectors."""
    runs: list[list[str]] = []

    def slow_model(texts: Sequence[str]) -> np.ndarray:
        runs.append(list(texts))
        if len(runs) == 1:
            time.sleep(0.2)  # the first run is going: everyone else queues for the next, shared one
        return onnx_embedder.encode_documents(texts)

    poisoned = "refund \ud800 policy"
    questions = QUESTIONS[:6]
    batcher = QueryBatcher(slow_model, max_batch=16)
    outcomes: dict[str, object] = {}
    first = threading.Thread(target=lambda: outcomes.setdefault("first", batcher.encode_one("first question")))
    first.start()
    time.sleep(0.05)

    def ask(text: str) -> None:
        try:
            outcomes[text] = batcher.encode_one(text)
        except Exception as exc:  # what the tokenizer raises for the surrogate
            outcomes[text] = exc

    threads = [threading.Thread(target=ask, args=(text,)) for text in [*questions[:3], poisoned, *questions[3:]]]
    for thread in threads:
        thread.start()
    for thread in [first, *threads]:
        thread.join(timeout=30)
    assert len(runs[1]) == len(questions) + 1 and poisoned in runs[1]  # the shared run that failed
    assert isinstance(outcomes[poisoned], Exception)
    expected = onnx_embedder.encode_documents(questions)
    for row, question in enumerate(questions):
        vector = outcomes[question]
        assert isinstance(vector, np.ndarray), (question, vector)
        assert float(np.dot(vector, expected[row])) >= MIN_COSINE
    assert isinstance(outcomes["first"], np.ndarray)
    assert batcher.encode_one("later")[np.newaxis, :].shape == (1, MiniLMEmbedder.dimension)
