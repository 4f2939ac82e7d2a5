"""`make bench-ingest`: the ingest pipeline's throughput on the TV manual, next to the raw model on the same texts.

One run, in fresh temporary data dirs (nothing under var/ is touched except the result file):
1. loads the E-Manual (``load_dataset("emanual")``: 261 sections) and the MiniLM model, and warms the model up;
2. repeats ``--repeats`` times, each time in a new empty data dir, and alternating which goes first:
   - the real pipeline (``build_pipeline(...).sync_documents``: chunking, embedding, Chroma, keyword index, SQL)
     on the whole corpus: chunks/s = chunks_embedded / seconds (the ``seconds`` the pipeline reports);
   - the raw model (the embedder's ``encode_documents``, batch 32: ONNX or torch, as the pipeline uses) on exactly
     the texts the pipeline embeds (every
     document cut by the pipeline's own chunker, ``Chunk.embedding_text``): chunks/s;
   - a re-sync of the unchanged corpus: seconds and chunks embedded (must be 0);
3. reports the medians over the repeats; the ratio is the median of the per-repeat ratios, each taken between two
   measurements made back to back, so that a change in the machine's load between repeats cancels out.

The machine may be shared with other jobs: the load average before and after the run is in the result, and the
CPU seconds of this process (less sensitive to other jobs than wall time) are recorded next to the wall times.

Usage: python -m evals.bench.ingest [--repeats 3] [--json FILE]
Exits 0 with a message (and, with --json, a result saying "skipped") when the E-Manual data is absent.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chatbot.config import Settings, load_settings
from chatbot.types import SourceDocument
from evals.bench.harness import (
    SOURCE_ROOT,
    bench_settings,
    command_line,
    load_avg,
    load_emanual,
    machine_info,
    now_utc,
    open_app,
    write_result,
)
from evals.bench.targets import INGEST_RATIO_MIN, RESYNC_SECONDS_MAX

RAW_BATCH_SIZE = 32
WARMUP_TEXTS = 32


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


# -- the benchmark -----------------------------------------------------------------------------------------------
def raw_model() -> Any:
    """answerdesk's MiniLM embedder, the same object (and backend: ONNX or torch) the pipeline embeds with."""
    from chatbot.embedders import get_embedder

    return get_embedder("minilm")


def raw_encode(model: Any, texts: list[str]) -> None:
    """The model alone: one ``encode_documents`` call in batches of RAW_BATCH_SIZE, nothing else of the pipeline."""
    for start in range(0, len(texts), RAW_BATCH_SIZE):
        model.encode_documents(texts[start : start + RAW_BATCH_SIZE])


def one_repeat(documents: Sequence[SourceDocument], base: Settings, raw_first: bool) -> dict[str, Any]:
    from ingest.factory import build_pipeline
    from web.db.models import db
    from web.services import get_runtime

    model = raw_model()
    with tempfile.TemporaryDirectory(prefix="answerdesk-bench-ingest-", ignore_cleanup_errors=True) as tmp:
        app = open_app(bench_settings(Path(tmp), base))
        with app.app_context():
            pipeline = build_pipeline(get_runtime(app), db.session())
            # Exactly what the pipeline embeds: its own chunker, version 1 (a fresh index), Chunk.embedding_text.
            started = time.perf_counter()
            texts = [c.embedding_text for d in documents for c in pipeline._chunker.chunk(d, version=1)]
            chunking_seconds = time.perf_counter() - started  # part of the pipeline's time, not of the raw encode

            def run_raw() -> dict[str, float]:
                cpu, wall = time.process_time(), time.perf_counter()
                raw_encode(model, texts)
                seconds = time.perf_counter() - wall
                return {"seconds": seconds, "cpu_seconds": time.process_time() - cpu}

            def run_pipeline() -> tuple[dict[str, float], int]:
                cpu = time.process_time()
                report = pipeline.sync_documents(documents, source_root=SOURCE_ROOT, delete_missing=True)
                if report.failed or report.added != len(documents):
                    raise SystemExit(f"the pipeline did not add every document: {report.to_dict()}")
                return {"seconds": report.seconds, "cpu_seconds": time.process_time() - cpu}, report.chunks_embedded

            if raw_first:
                raw = run_raw()
                pipe, chunks_embedded = run_pipeline()
            else:
                pipe, chunks_embedded = run_pipeline()
                raw = run_raw()
            if chunks_embedded != len(texts):
                raise SystemExit(f"the pipeline embedded {chunks_embedded} chunks, the chunker gives {len(texts)}")

            resync = pipeline.sync_documents(documents, source_root=SOURCE_ROOT, delete_missing=True)
            db.session.remove()
    n = len(texts)
    return {
        "order": "raw, pipeline" if raw_first else "pipeline, raw",
        "chunks": n,
        "chunking_seconds": round(chunking_seconds, 3),
        "pipeline_seconds": round(pipe["seconds"], 3),
        "pipeline_cpu_seconds": round(pipe["cpu_seconds"], 3),
        "raw_encode_seconds": round(raw["seconds"], 3),
        "raw_encode_cpu_seconds": round(raw["cpu_seconds"], 3),
        "pipeline_chunks_per_s": round(n / pipe["seconds"], 2),
        "raw_encode_chunks_per_s": round(n / raw["seconds"], 2),
        "ratio": round(raw["seconds"] / pipe["seconds"], 3),
        "cpu_ratio": round(raw["cpu_seconds"] / pipe["cpu_seconds"], 3),
        "resync_seconds": round(resync.seconds, 3),
        "resync_chunks_embedded": resync.chunks_embedded,
        "resync_unchanged": resync.unchanged,
        "load_avg_1m_after": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="fresh data dirs, alternating which runs first")
    parser.add_argument("--json", type=Path, help="also write the result to FILE (e.g. var/bench/ingest.json)")
    args = parser.parse_args(argv)
    command = command_line("evals.bench.ingest", argv)

    base = load_settings()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    dataset = load_emanual(base)
    if dataset is None:
        if args.json:
            write_result({"skipped": f"E-Manual data not found under {base.eval_data}", "command": command}, args.json)
        return
    documents: list[SourceDocument] = dataset.documents

    load_before = load_avg()
    model = raw_model()
    # Warm-up (first calls allocate and pick kernels): a few real chunk texts, not timed.
    raw_encode(model, [d.text[:1000] for d in documents[:WARMUP_TEXTS]])

    runs = []
    for i in range(max(1, args.repeats)):
        run = one_repeat(documents, base, raw_first=i % 2 == 0)
        print(
            f"repeat {i + 1}: {run['order']}: pipeline {run['pipeline_chunks_per_s']} chunks/s, raw encode "
            f"{run['raw_encode_chunks_per_s']} chunks/s, ratio {run['ratio']}, re-sync {run['resync_seconds']} s "
            f"({run['resync_chunks_embedded']} embedded), load {run['load_avg_1m_after']}",
            file=sys.stderr,
        )
        runs.append(run)

    ratio = median([r["ratio"] for r in runs])
    resync_seconds = max(r["resync_seconds"] for r in runs)
    resync_embedded = max(r["resync_chunks_embedded"] for r in runs)
    machine = machine_info()
    machine["load_avg_before"] = load_before
    machine["load_avg_after"] = load_avg()
    result: dict[str, Any] = {
        "benchmark": "ingest",
        "measured_at": now_utc(),
        "machine": machine,
        "dataset": "emanual",
        "documents": len(documents),
        "chunks": runs[0]["chunks"],
        "pipeline_chunks_per_s": round(median([r["pipeline_chunks_per_s"] for r in runs]), 1),
        "raw_encode_chunks_per_s": round(median([r["raw_encode_chunks_per_s"] for r in runs]), 1),
        "ratio": round(ratio, 3),
        "cpu_ratio": round(median([r["cpu_ratio"] for r in runs]), 3),
        "resync_seconds": resync_seconds,
        "resync_chunks_embedded": resync_embedded,
        "targets": {
            "ratio_min": INGEST_RATIO_MIN,
            "resync_seconds_max": RESYNC_SECONDS_MAX,
            "resync_chunks_embedded": 0,
        },
        "met": {
            "ratio": ratio >= INGEST_RATIO_MIN,
            "resync_seconds": resync_seconds <= RESYNC_SECONDS_MAX,
            "resync_chunks_embedded": resync_embedded == 0,
        },
        "method": (
            f"{len(runs)} repeats, each in a fresh temporary data dir, alternating raw-first and pipeline-first; "
            "model warmed up once before. chunks/s and ratio are medians over the repeats (the ratio of each repeat "
            "compares two back-to-back measurements); resync figures are the worst repeat. Pipeline seconds are the "
            "ones sync_documents reports (chunking, embedding, Chroma upsert, keyword index, SQL). Raw encode: "
            f"the embedder's encode_documents in batches of {RAW_BATCH_SIZE} on the same "
            "Chunk.embedding_text strings. cpu_ratio: the same ratio in CPU seconds of this process."
        ),
        "runs": runs,
        "command": command,
    }
    write_result(result, args.json)
    print(
        "\n| documents | chunks | pipeline chunks/s | raw encode chunks/s | "
        f"ratio (target >= {INGEST_RATIO_MIN:g}) | re-sync s (target <= {RESYNC_SECONDS_MAX:g}) | re-sync embedded |"
        "\n|---|---|---|---|---|---|---|\n"
        f"| {result['documents']} | {result['chunks']} | {result['pipeline_chunks_per_s']} | "
        f"{result['raw_encode_chunks_per_s']} | {result['ratio']} | {resync_seconds} | {resync_embedded} |"
    )


if __name__ == "__main__":
    main()
