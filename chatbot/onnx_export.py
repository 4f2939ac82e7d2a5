"""A verified ONNX export of the MiniLM transformer, made once and cached in the data dir.

Why: sentence-transformers runs MiniLM through torch, which costs about 9 ms of CPU for one short question on this
class of machine; onnxruntime runs the same graph in about 4 ms (1 intra-op thread), and ingest batches in about
half the CPU too. The vectors are the same to float rounding (cosine >= 0.9999999 on E-Manual questions and
sections), so stored document vectors stay valid whichever backend made them.

The cache (``DATA_DIR/models/minilm-onnx``):
- ``model.onnx``: the BERT transformer only (input_ids, attention_mask, token_type_ids -> token embeddings, batch
  and sequence axes dynamic); tokenisation, mean pooling and L2 normalisation stay in Python (chatbot/embedders.py).
- ``model.json``: the manifest: the fingerprint of what was exported (SHA-256 of the source weights and config,
  the exporter format, torch and transformers versions, opset), the SHA-256 of ``model.onnx``, and the vectors the
  export gave for a few probe texts after they were checked against sentence-transformers.

Loading (every process, under an exclusive ``flock`` on ``.lock`` so that two gunicorn workers never export at once
nor read a half-replaced pair): the manifest must match the source fingerprint, the file its SHA-256, and the probe
texts must give the recorded vectors again; otherwise (first start, changed model, upgraded exporter, corrupt or
truncated file, different onnxruntime behaviour) the model is exported again. A new export is written to a temporary
file beside the target, checked against torch on the probe texts, then put in place with ``os.replace`` (atomic),
manifest last. Any failure raises :class:`OnnxExportError`; the caller falls back to torch.

Exporter: torch's TorchScript-based ``torch.onnx.export(dynamo=False)``; the dynamo exporter needs onnxscript, which
answerdesk does not install. This torch version's legacy exporter still needs the ``onnx`` package to write the file.
The model is loaded with eager attention for the export: its graph has plain MatMul/Softmax nodes that onnxruntime
fuses itself, and it does not depend on the sizes of the example input.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from chatbot.errors import AnswerdeskError

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

EXPORT_FORMAT = 1  # bump when the exported graph changes (inputs, outputs, export options)
OPSET = 17
MODEL_FILE = "model.onnx"
MANIFEST_FILE = "model.json"
LOCK_FILE = ".lock"
SOURCE_FILES = ("model.safetensors", "config.json")  # what the graph is made of; the tokenizer stays in Python
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "token_embeddings"
# A fresh export must agree with torch this closely on every probe (it gives 0.9999998 or more: float rounding), and a
# cached one with its own recorded probe vectors. Anything lower is a broken graph, not rounding.
MIN_PROBE_COSINE = 0.9999
# Probes: a batch with padding (different lengths), Chinese, and a text longer than the 256-piece window.
PROBE_TEXTS = (
    "How long do I have to ask for a refund?",
    "如何申请退款？",
    "x",
    " ".join(["The remote control pairs with the TV over Bluetooth when you hold the Return and Play buttons."] * 30),
)


class OnnxExportError(AnswerdeskError):
    """The ONNX model could not be exported, loaded or verified; MiniLM runs through torch instead."""


class TextEncoder(Protocol):
    def encode(self, texts: Sequence[str]) -> Vectors: ...


EncoderT = TypeVar("EncoderT", bound=TextEncoder)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"


def source_fingerprint(model_dir: Path) -> str:
    """What a cached export was made from: the weights and config, and the exporter (format, opset, versions)."""
    digest = hashlib.sha256()
    exporter = f"format={EXPORT_FORMAT};opset={OPSET};torch={_package_version('torch')};"
    exporter += f"transformers={_package_version('transformers')}"
    digest.update(exporter.encode())
    for name in SOURCE_FILES:
        digest.update(f"\n{name}:{file_sha256(model_dir / name)}".encode())
    return digest.hexdigest()


def export_transformer(model_dir: Path, target: Path) -> None:
    """Export the BERT transformer in ``model_dir`` to ``target`` (ONNX, dynamic batch and sequence axes)."""
    import torch
    import transformers
    from transformers import AutoModel, AutoTokenizer

    # A one-off export must not print a progress bar into a CLI's output (`answerdesk ingest --json`).
    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    # Two texts of different lengths, so the traced graph has real padding in it.
    example = tokenizer(["hello world", "a slightly longer example sentence"], padding=True, return_tensors="pt")

    class LastHiddenState(torch.nn.Module):
        """The transformer's token embeddings as one plain tensor output (what mean pooling reads)."""

        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            output = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return output.last_hidden_state

    axes = {name: {0: "batch", 1: "sequence"} for name in (*INPUT_NAMES, OUTPUT_NAME)}
    with torch.inference_mode(), _quiet_exporter():
        torch.onnx.export(
            LastHiddenState(model),
            tuple(example[name] for name in INPUT_NAMES),
            str(target),
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """The legacy exporter warns that it is legacy and that traced Python conditions became constants (they are:
    the mask length always equals the sequence length); the probe check is what proves the graph right."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def _exclusive_lock(cache_dir: Path) -> Iterator[None]:
    with (cache_dir / LOCK_FILE).open("a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _min_cosine(a: Vectors, b: Vectors) -> float:
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    norms = np.linalg.norm(a64, axis=1) * np.linalg.norm(b64, axis=1)
    return float(np.min(np.sum(a64 * b64, axis=1) / np.maximum(norms, 1e-12)))


def _read_manifest(cache_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((cache_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _open_cached(cache_dir: Path, fingerprint: str, open_encoder: Callable[[Path], EncoderT]) -> EncoderT | None:
    """The cached export if it is the one for ``fingerprint`` and intact; None (with the reason logged) if not."""
    manifest = _read_manifest(cache_dir)
    model_path = cache_dir / MODEL_FILE
    if manifest is None or not model_path.is_file():
        return None
    if manifest.get("fingerprint") != fingerprint:
        log.info("the cached ONNX export of MiniLM is for other weights or another exporter: exporting again")
        return None
    if manifest.get("onnx_sha256") != file_sha256(model_path):
        log.warning("the cached ONNX export of MiniLM (%s) is damaged: exporting again", model_path)
        return None
    try:
        encoder = open_encoder(model_path)
        agreement = _min_cosine(encoder.encode(PROBE_TEXTS), np.asarray(manifest["probe_vectors"], dtype=np.float32))
    except Exception as exc:  # any failure to load or run the cached file means: export again
        log.warning("the cached ONNX export of MiniLM (%s) does not run (%s): exporting again", model_path, exc)
        return None
    if agreement < MIN_PROBE_COSINE:
        log.warning("the cached ONNX export of MiniLM gives other vectors (cosine %.6f): exporting again", agreement)
        return None
    return encoder


def _export_verified(
    model_dir: Path,
    cache_dir: Path,
    fingerprint: str,
    open_encoder: Callable[[Path], EncoderT],
    reference: Callable[[], TextEncoder],
) -> EncoderT:
    started = time.perf_counter()
    for stale in cache_dir.glob(f"{MODEL_FILE}.*.tmp"):  # left by an export that died; we hold the lock
        stale.unlink(missing_ok=True)
    handle, temporary_name = tempfile.mkstemp(prefix=f"{MODEL_FILE}.", suffix=".tmp", dir=cache_dir)
    os.close(handle)
    temporary = Path(temporary_name)
    try:
        export_transformer(model_dir, temporary)
        encoder = open_encoder(temporary)
        probe_vectors = encoder.encode(PROBE_TEXTS)
        agreement = _min_cosine(probe_vectors, reference().encode(PROBE_TEXTS))
        if agreement < MIN_PROBE_COSINE:
            raise OnnxExportError(f"the ONNX export disagrees with torch (cosine {agreement:.6f})")
        manifest = {
            "fingerprint": fingerprint,
            "onnx_sha256": file_sha256(temporary),
            "probe_cosine_vs_torch": agreement,
            "probe_vectors": probe_vectors.tolist(),
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "torch": _package_version("torch"),
            "transformers": _package_version("transformers"),
            "opset": OPSET,
        }
        temporary.chmod(0o644)  # mkstemp makes it private; the data dir may be shared by the CLI and the service
        os.replace(temporary, cache_dir / MODEL_FILE)
        _write_atomically(cache_dir / MANIFEST_FILE, json.dumps(manifest))
    finally:
        temporary.unlink(missing_ok=True)
    log.info(
        "exported MiniLM to ONNX in %.1f s (%s; cosine to torch %.7f)",
        time.perf_counter() - started,
        cache_dir / MODEL_FILE,
        agreement,
    )
    return encoder


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary_name = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(temporary_name, 0o644)
    os.replace(temporary_name, path)


def load_or_export(
    model_dir: Path,
    cache_dir: Path,
    open_encoder: Callable[[Path], EncoderT],
    reference: Callable[[], TextEncoder],
) -> EncoderT:
    """An encoder over the cached ONNX export of ``model_dir``, exporting (and verifying) it first if needed.

    ``open_encoder(path)`` opens an encoder on an ONNX file; ``reference()`` gives the torch encoder a new export
    must agree with (called only when exporting). Raises :class:`OnnxExportError` when no verified export can be
    had (no onnx package, read-only data dir, exporter failure, disagreement with torch).
    """
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with _exclusive_lock(cache_dir):
            fingerprint = source_fingerprint(model_dir)
            cached = _open_cached(cache_dir, fingerprint, open_encoder)
            if cached is not None:
                return cached
            return _export_verified(model_dir, cache_dir, fingerprint, open_encoder, reference)
    except OnnxExportError:
        raise
    except Exception as exc:  # ImportError (no onnx), OSError (read-only dir), exporter and runtime errors alike
        raise OnnxExportError(f"{type(exc).__name__}: {exc}") from exc
