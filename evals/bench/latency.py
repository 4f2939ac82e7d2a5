"""`make bench-latency`: the answerer's latency on a 10k-chunk collection, next to the floor measured in the same run.

The collection (in a fresh temporary data dir) holds:
- the E-Manual, synced with the real pipeline (real MiniLM embeddings; about 435 chunks of 261 sections);
- SYNTHETIC padding up to ``--chunks`` chunks: documents ``pad/N`` (public, two chunks each) whose text is words of
  the manual in random order and whose vectors are random unit vectors (dimension 384), written straight into
  Chroma (``ChromaStore.upsert``) and the keyword index (``replace_chunks`` + ``save``). This benchmark is about the
  mechanics of latency (HNSW and BM25 over 10k chunks, fusion, composition), not about answer quality, and
  embedding 10k real chunks would take far longer than the measurement.

Then, after ``--warmup`` unmeasured questions, for each E-Manual question (all 684, or ``--queries N`` of them, a
seeded sample) in one loop, in rotating order so that a change in the machine's load hits all three alike:
- ``Answerer.answer`` with audience "public" and with audience "internal" (no LLM): ``latency_ms`` and the stage
  timings it reports (embed, search, keyword, fuse, compose);
- the FLOOR: one query embedding (``embedder.encode_queries([q])``) plus one Chroma query
  (``store.query(vector, 10, "internal")``).
Reports p50/p95 of each, the ratio answerer / floor, and the targets of evals.bench.targets (p50 <= 25 ms,
p95 <= 60 ms).

Torch runs one intra-op thread by default, as each gunicorn worker does (web/gunicorn_conf.py, evals/bench/load.py):
on a 2-core machine shared with other jobs, torch's default of one thread per core makes a single query embedding
wait for a descheduled sibling thread and is several times slower (``--torch-threads 0`` to see it).

Usage: python -m evals.bench.latency [--chunks 10000] [--queries 200] [--warmup 20] [--torch-threads 1] [--json FILE]
Exits 0 with a message (and, with --json, a result saying "skipped") when the E-Manual data is absent.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.config import Settings, load_settings
from chatbot.keyword import KeywordIndex
from chatbot.store import ChromaStore
from chatbot.tokens import count_tokens
from chatbot.types import Audience, Chunk
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
from evals.bench.targets import LATENCY_MS_MAX
from evals.metrics import percentiles

DIMENSION = 384
PAD_CHUNKS_PER_DOC = 2
FLOOR_K = 10
STAGES = ("embed", "search", "keyword", "fuse", "compose")
AUDIENCES: tuple[Audience, ...] = ("public", "internal")
_WORD = re.compile(r"\S+")


def pad_chunks(real: Sequence[Chunk], count: int, seed: int) -> list[Chunk]:
    """``count`` synthetic chunks: manual words shuffled, lengths and title lengths drawn from the real chunks."""
    rng = random.Random(seed)
    words = [w for c in real for w in _WORD.findall(c.text)]
    lengths = [len(_WORD.findall(c.text)) for c in real]
    title_words = [w for c in real for w in _WORD.findall(c.title)]
    chunks: list[Chunk] = []
    title = ""
    for n in range(count):
        doc, index = divmod(n, PAD_CHUNKS_PER_DOC)
        if index == 0:  # the chunks of one padding document share its title, as real documents do
            title = " ".join(rng.choices(title_words, k=rng.randint(2, 6)))
        text = " ".join(rng.choices(words, k=max(5, rng.choice(lengths))))
        chunks.append(
            Chunk(
                id=f"pad/{doc}::{index}",
                doc_id=f"pad/{doc}",
                index=index,
                text=text,
                title=title,
                audience="public",
                version=1,
                token_count=count_tokens(text),
            )
        )
    return chunks


def random_unit_vectors(count: int, seed: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    vectors = np.random.default_rng(seed).standard_normal((count, DIMENSION)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def build_collection(
    store: ChromaStore, keyword_index: KeywordIndex, real: Sequence[Chunk], total: int, seed: int
) -> int:
    """Pad the collection to ``total`` chunks; returns how many synthetic chunks were added."""
    count = max(0, total - len(real))
    if count == 0:
        return 0
    chunks = pad_chunks(real, count, seed)
    store.upsert(chunks, random_unit_vectors(count, seed))
    keyword_index.replace_chunks([], chunks)
    keyword_index.save()
    return count


def summary(values: Sequence[float]) -> dict[str, float]:
    found = percentiles(values, (50, 95))
    return {"p50": round(found["p50"], 2), "p95": round(found["p95"], 2), "mean": round(statistics.fmean(values), 2)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=10_000, help="collection size after padding")
    parser.add_argument("--queries", type=int, help="number of E-Manual questions (seeded sample; default all)")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured questions first")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic padding")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=int(os.environ.get("ANSWERDESK_TORCH_THREADS", "1")),
        help="torch intra-op threads; default ANSWERDESK_TORCH_THREADS or 1, as in each gunicorn worker "
        "(web/gunicorn_conf.py); 0 leaves torch's own choice (one per core)",
    )
    parser.add_argument("--json", type=Path, help="also write the result to FILE (e.g. var/bench/latency.json)")
    args = parser.parse_args(argv)
    command = command_line("evals.bench.latency", argv)

    base: Settings = load_settings()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    dataset = load_emanual(base, limit=args.queries)
    if dataset is None:
        if args.json:
            write_result({"skipped": f"E-Manual data not found under {base.eval_data}", "command": command}, args.json)
        return
    if args.torch_threads > 0:
        import torch

        torch.set_num_threads(args.torch_threads)

    from chatbot.answering import build_answerer
    from ingest.factory import build_pipeline
    from web.db.models import db
    from web.services import get_runtime

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
    questions = [q.question for q in dataset.questions]
    load_before = load_avg()
    with tempfile.TemporaryDirectory(prefix="answerdesk-bench-latency-", ignore_cleanup_errors=True) as tmp:
        app = open_app(bench_settings(Path(tmp), base))
        with app.app_context():
            runtime = get_runtime(app)
            started = time.perf_counter()
            pipeline = build_pipeline(runtime, db.session())
            report = pipeline.sync_documents(dataset.documents, source_root=SOURCE_ROOT, delete_missing=True)
            db.session.remove()
            real = list(runtime.store.all_chunks())
            padded = build_collection(runtime.store, runtime.keyword_index, real, args.chunks, args.seed)
            build_seconds = time.perf_counter() - started
            total = runtime.store.count()
            print(
                f"collection: {report.chunks_embedded} real chunks + {padded} synthetic = {total} "
                f"(built in {build_seconds:.0f} s)",
                file=sys.stderr,
            )

            answerer = build_answerer(runtime)
            embedder, store = runtime.embedder, runtime.store

            latency: dict[str, list[float]] = {a: [] for a in AUDIENCES}
            wall: dict[str, list[float]] = {a: [] for a in AUDIENCES}
            cpu: dict[str, list[float]] = {a: [] for a in AUDIENCES}
            stages: dict[str, dict[str, list[float]]] = {a: {s: [] for s in STAGES} for a in AUDIENCES}
            gaps: dict[str, int] = dict.fromkeys(AUDIENCES, 0)
            floor: dict[str, list[float]] = {"total": [], "embed": [], "query": [], "cpu": []}

            def ask(question: str, audience: Audience, record: bool) -> None:
                cpu_started, started = time.process_time(), time.perf_counter()
                answer = answerer.answer(question, audience=audience)
                elapsed = (time.perf_counter() - started) * 1000.0
                if not record:
                    return
                latency[audience].append(answer.latency_ms)
                wall[audience].append(elapsed)
                cpu[audience].append((time.process_time() - cpu_started) * 1000.0)
                for stage in STAGES:
                    stages[audience][stage].append(answer.timings_ms.get(stage, 0.0))
                gaps[audience] += int(answer.is_gap)

            def measure_floor(question: str, record: bool) -> None:
                cpu_started, started = time.process_time(), time.perf_counter()
                vector = embedder.encode_queries([question])[0]
                embedded = time.perf_counter()
                store.query(vector, FLOOR_K, "internal")
                done = time.perf_counter()
                if not record:
                    return
                floor["total"].append((done - started) * 1000.0)
                floor["embed"].append((embedded - started) * 1000.0)
                floor["query"].append((done - embedded) * 1000.0)
                floor["cpu"].append((time.process_time() - cpu_started) * 1000.0)

            def steps(question: str, record: bool) -> list[Callable[[], None]]:
                return [
                    lambda: ask(question, "public", record),
                    lambda: ask(question, "internal", record),
                    lambda: measure_floor(question, record),
                ]

            for question in questions[: args.warmup]:
                for step in steps(question, record=False):
                    step()
            measure_started = time.perf_counter()
            for i, question in enumerate(questions):
                order = steps(question, record=True)
                shift = i % len(order)
                for step in order[shift:] + order[:shift]:
                    step()
            measure_seconds = time.perf_counter() - measure_started

    floor_latency = summary(floor["total"])
    answerer_result: dict[str, Any] = {}
    met: dict[str, bool] = {}
    for audience in AUDIENCES:
        figures = summary(latency[audience])
        answerer_result[audience] = {
            "latency_ms": figures,
            "wall_ms": summary(wall[audience]),
            "cpu_ms": summary(cpu[audience]),
            "stages_ms": {s: summary(v) for s, v in stages[audience].items()},
            "abstained": gaps[audience],
            "ratio_to_floor": {
                "p50": round(figures["p50"] / floor_latency["p50"], 2),
                "p95": round(figures["p95"] / floor_latency["p95"], 2),
            },
        }
        met[f"{audience}_p50"] = figures["p50"] <= LATENCY_MS_MAX["p50"]
        met[f"{audience}_p95"] = figures["p95"] <= LATENCY_MS_MAX["p95"]

    machine = machine_info()
    machine["load_avg_before"] = load_before
    machine["load_avg_after"] = load_avg()
    result: dict[str, Any] = {
        "benchmark": "latency",
        "measured_at": now_utc(),
        "machine": machine,
        "dataset": "emanual",
        "collection": {
            "chunks": total,
            "real_chunks": report.chunks_embedded,
            "synthetic_chunks": padded,
            "synthetic_note": (
                "padding documents pad/N (public, 2 chunks each): shuffled E-Manual words, random unit vectors; "
                "latency mechanics only, not answer quality"
            ),
            "build_seconds": round(build_seconds, 1),
        },
        "queries": len(questions),
        "warmup_queries": min(args.warmup, len(questions)),
        "measure_seconds": round(measure_seconds, 1),
        "answerer": answerer_result,
        "floor": {
            "what": f'embedder.encode_queries([q]) + store.query(vector, {FLOOR_K}, "internal")',
            "latency_ms": floor_latency,
            "embed_ms": summary(floor["embed"]),
            "query_ms": summary(floor["query"]),
            "cpu_ms": summary(floor["cpu"]),
        },
        "targets": {"p50_ms_max": LATENCY_MS_MAX["p50"], "p95_ms_max": LATENCY_MS_MAX["p95"]},
        "met": met,
        "method": (
            f"One process, no LLM, torch {args.torch_threads or 'default'} intra-op thread(s) as in a gunicorn "
            "worker. Per question, in rotating order: answer (public), answer (internal), floor. "
            "latency_ms and stage timings are the ones Answerer.answer reports; wall_ms is measured around the call; "
            "cpu_ms is this process's CPU time for the call (all threads), less sensitive to other jobs."
        ),
        "command": command,
    }
    write_result(result, args.json)
    print(
        "\n| audience | p50 ms | p95 ms | floor p50 / p95 ms | ratio to floor p50 / p95 | "
        f"met (p50 <= {LATENCY_MS_MAX['p50']:g}, p95 <= {LATENCY_MS_MAX['p95']:g}) |"
        "\n|---|---|---|---|---|---|"
    )
    for audience in AUDIENCES:
        figures = answerer_result[audience]["latency_ms"]
        ratio = answerer_result[audience]["ratio_to_floor"]
        print(
            f"| {audience} | {figures['p50']} | {figures['p95']} | {floor_latency['p50']} / {floor_latency['p95']} | "
            f"{ratio['p50']} / {ratio['p95']} | {met[f'{audience}_p50']} / {met[f'{audience}_p95']} |"
        )


if __name__ == "__main__":
    main()
