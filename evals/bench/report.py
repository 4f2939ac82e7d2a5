"""`python -m evals.bench.report`: write docs/benchmarks.md from the benchmark results in var/bench.

Reads (each optional; a missing one is reported as "not measured"):
- var/bench/ingest.json   (``python -m evals.bench.ingest --json ...``)
- var/bench/latency.json  (``python -m evals.bench.latency --json ...``)
- var/bench/load.json     (``python -m evals.bench.load``)
- var/bench/eval/*.json   (``answerdesk eval DATASET --out var/bench/eval``)

The generated part of docs/benchmarks.md sits between ``<!-- generated:start -->`` and ``<!-- generated:end -->``;
everything outside the markers (the hand-written analysis) is kept as it is. A file without the markers gets the
generated part right after its first ``#`` title.

Usage: python -m evals.bench.report [--bench-dir var/bench] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]  # evals/bench/<module>.py
BENCH_DIR = REPO_ROOT / "var" / "bench"
DOC_PATH = REPO_ROOT / "docs" / "benchmarks.md"
START = "<!-- generated:start -->"
END = "<!-- generated:end -->"
EVAL_ORDER = (
    "emanual",
    "near-oos",
    "clinc-oos",
    "stackfaq",
    "cmrc2018",
    "everyday",
    "banking77-gaps",
    "gap-verification",
)

Json = dict[str, Any]


# -- reading ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Result:
    data: Json
    path: Path
    modified: str  # file modification time, UTC, to the minute

    @property
    def skipped(self) -> str | None:
        reason = self.data.get("skipped")
        return str(reason) if reason else None

    @property
    def when(self) -> str:
        measured = self.data.get("measured_at")
        return str(measured).replace("T", " ").replace("+00:00", " UTC") if measured else self.modified


def read_result(path: Path) -> Result | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Result(data, path, modified)


def read_evals(directory: Path) -> list[Result]:
    # The gap-verification eval has no "answerdesk" column (it measures the product path, not one system vs peers).
    found = [
        r
        for p in sorted(directory.glob("*.json"))
        if (r := read_result(p)) and ("answerdesk" in r.data or r.data.get("dataset") == "gap-verification")
    ]
    rank = {name: i for i, name in enumerate(EVAL_ORDER)}
    return sorted(found, key=lambda r: (rank.get(str(r.data.get("dataset")), len(rank)), str(r.data.get("dataset"))))


# -- formatting ---------------------------------------------------------------------------------------------------
def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return str(value)


def verdict(met: bool | None) -> str:
    if met is None:
        return "not measured"
    return "**met**" if met else "**not met**"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def get(data: Json | None, *keys: str) -> Any:
    value: Any = data
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def rel(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


# -- targets ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    area: str
    what: str
    goal: str
    measured: str
    baseline: str
    met: bool | None


def at_least(value: Any, threshold: float) -> bool | None:
    return None if not isinstance(value, int | float) else value >= threshold


def at_most(value: Any, threshold: float) -> bool | None:
    return None if not isinstance(value, int | float) else value <= threshold


def both(*flags: bool | None) -> bool | None:
    return None if any(f is None for f in flags) else all(bool(f) for f in flags)


def best_peer(result: Json, metric: str) -> tuple[str, float] | None:
    peers = [(name, v.get(metric)) for name, v in (result.get("baselines") or {}).items()]
    known = [(name, float(v)) for name, v in peers if isinstance(v, int | float)]
    return max(known, key=lambda p: p[1]) if known else None


def peer_text(result: Json, metric: str) -> str:
    peer = best_peer(result, metric)
    return f"best peer {fmt(peer[1])} ({peer[0]})" if peer else "no peer figure in this run"


def ingest_targets(ingest: Result | None) -> list[Target]:
    data = ingest.data if ingest and not ingest.skipped else None
    return [
        Target(
            "ingest",
            "pipeline chunks/s ÷ raw encode chunks/s (E-Manual)",
            ">= 0.9",
            fmt(get(data, "ratio")),
            f"raw encode {fmt(get(data, 'raw_encode_chunks_per_s'))} chunks/s, pipeline "
            f"{fmt(get(data, 'pipeline_chunks_per_s'))} chunks/s",
            at_least(get(data, "ratio"), 0.9),
        ),
        Target(
            "ingest",
            "re-sync of the unchanged corpus",
            "<= 3 s, 0 embedded",
            f"{fmt(get(data, 'resync_seconds'))} s, {fmt(get(data, 'resync_chunks_embedded'))} embedded",
            f"first sync {fmt(get(data, 'chunks'))} chunks",
            both(at_most(get(data, "resync_seconds"), 3.0), at_most(get(data, "resync_chunks_embedded"), 0)),
        ),
    ]


def latency_targets(latency: Result | None) -> list[Target]:
    data = latency.data if latency and not latency.skipped else None
    floor = get(data, "floor", "latency_ms") or {}
    chunks = get(data, "collection", "chunks")
    targets = []
    for point, goal in (("p50", 25.0), ("p95", 60.0)):
        public = get(data, "answerer", "public", "latency_ms", point)
        internal = get(data, "answerer", "internal", "latency_ms", point)
        targets.append(
            Target(
                "latency",
                f"{point} `latency_ms`, {fmt(chunks)} chunks, no LLM (public / internal)",
                f"<= {goal:g} ms",
                f"{fmt(public, 1)} / {fmt(internal, 1)} ms",
                f"floor {fmt(floor.get(point), 1)} ms",
                both(at_most(public, goal), at_most(internal, goal)),
            )
        )
    return targets


def load_targets(load: Result | None) -> list[Target]:
    data = load.data if load else None
    answerer = get(data, "answerer_in_process_ms") or {}
    baseline = f"answerer alone p50 {fmt(answerer.get('p50_ms'), 1)} / p95 {fmt(answerer.get('p95_ms'), 1)} ms"
    clients = get(data, "clients")
    return [
        Target(
            "load",
            f"chat requests/s at {fmt(clients)} clients",
            ">= 100 at 32 clients",
            fmt(get(data, "requests_per_s"), 1),
            f"server CPU {fmt(get(data, 'server_cpu_ms_per_request'), 1)} ms/request",
            both(at_least(get(data, "requests_per_s"), 100.0), None if clients is None else clients >= 32),
        ),
        Target(
            "load",
            "p95 latency under load",
            "<= 250 ms",
            f"{fmt(get(data, 'latency_ms', 'p95'), 1)} ms",
            baseline,
            at_most(get(data, "latency_ms", "p95"), 250.0),
        ),
        Target("load", "errors", "0", fmt(get(data, "errors")), "-", at_most(get(data, "errors"), 0)),
    ]


def precision_targets(name: str, result: Json | None, margin: float, floor: float | None) -> list[Target]:
    """Precision when answered beside the best peer at the same coverage (and at 60% coverage), for one set."""
    ours = get(result, "answerdesk") or {}
    coverage, precision, at60 = ours.get("coverage"), ours.get("precision"), ours.get("precision@60")
    peer = best_peer(result, "precision_at_coverage") if result else None
    peer60 = best_peer(result, "precision@60") if result else None
    targets = [
        Target(
            f"precision when answered ({name})",
            "precision / coverage, vs the best peer answering as many",
            f">= best peer + {margin:.2f} / >= 0.60",
            f"{fmt(precision)} / {fmt(coverage)}",
            f"best peer {fmt(peer[1])} ({peer[0]})" if peer else "-",
            both(at_least(precision, peer[1] + margin) if peer else None, at_least(coverage, 0.60)),
        ),
        Target(
            f"60% most confident ({name})",
            "precision of the 60% most confident answers",
            f">= best peer + {margin:.2f}",
            fmt(at60),
            f"best peer {fmt(peer60[1])} ({peer60[0]})" if peer60 else "-",
            at_least(at60, peer60[1] + margin) if peer60 else None,
        ),
    ]
    if floor is not None:
        targets.append(
            Target(
                f"operating threshold ({name})",
                "precision when answered",
                f">= {floor:.2f}",
                fmt(precision),
                "-",
                at_least(precision, floor),
            )
        )
    return targets


def eval_targets(evals: Sequence[Result]) -> list[Target]:
    by_name = {str(r.data.get("dataset")): r.data for r in evals}
    emanual, clinc, near = by_name.get("emanual"), by_name.get("clinc-oos"), by_name.get("near-oos")
    stackfaq, cmrc, everyday = by_name.get("stackfaq"), by_name.get("cmrc2018"), by_name.get("everyday")

    def ours(result: Json | None, metric: str) -> Any:
        return get(result, "answerdesk", metric)

    def peers(result: Json | None, metric: str) -> str:
        return peer_text(result, metric) if result else "-"

    def peer_value(result: Json | None, peer: str, metric: str) -> Any:
        return get(result, "baselines", peer, metric)

    dense_mrr, dense_precision = (
        peer_value(stackfaq, "dense", "mrr@10"),
        peer_value(stackfaq, "dense", "precision_at_coverage"),
    )
    bm25_cmrc = peer_value(cmrc, "bm25", "mrr@10")
    return [
        *precision_targets("emanual", emanual, 0.10, 0.80),
        *precision_targets("stackfaq", stackfaq, 0.05, None),
        *precision_targets("everyday", everyday, 0.10, 0.80),
        Target(
            "retrieval (emanual)",
            "MRR@10",
            ">= 0.75",
            fmt(ours(emanual, "mrr@10")),
            peers(emanual, "mrr@10"),
            at_least(ours(emanual, "mrr@10"), 0.75),
        ),
        Target(
            "FAQ list (stackfaq)",
            "MRR@10 / precision when answered, vs dense alone",
            ">= dense / >= dense at the same coverage",
            f"{fmt(ours(stackfaq, 'mrr@10'))} / {fmt(ours(stackfaq, 'precision'))}",
            f"dense {fmt(dense_mrr)} / {fmt(dense_precision)}",
            both(
                at_least(ours(stackfaq, "mrr@10"), dense_mrr) if isinstance(dense_mrr, float) else None,
                at_least(ours(stackfaq, "precision"), dense_precision) if isinstance(dense_precision, float) else None,
            ),
        ),
        Target(
            "Chinese (cmrc2018)",
            "MRR@10 vs BM25 with jieba / gold span inside the answer",
            ">= BM25 / >= 0.85",
            f"{fmt(ours(cmrc, 'mrr@10'))} / {fmt(ours(cmrc, 'span_in_answer'))}",
            f"bm25 (jieba) {fmt(bm25_cmrc)}",
            both(
                at_least(ours(cmrc, "mrr@10"), bm25_cmrc) if isinstance(bm25_cmrc, float) else None,
                at_least(ours(cmrc, "span_in_answer"), 0.85),
            ),
        ),
        Target(
            "far out-of-scope (clinc-oos)",
            "CLINC150 oos not answered / TV questions answered or suggested",
            ">= 0.97 / >= 0.85",
            f"{fmt(ours(clinc, 'refusal_rate'))} / {fmt(ours(clinc, 'helped_rate'))}",
            f"AUROC {fmt(ours(clinc, 'auroc'))}; {peers(clinc, 'auroc')}",
            both(at_least(ours(clinc, "refusal_rate"), 0.97), at_least(ours(clinc, "helped_rate"), 0.85)),
        ),
        Target(
            "near out-of-scope (near-oos)",
            'AUROC, answerable vs unanswerable, of the in-scope model (the one deciding "I don\'t know")',
            ">= 0.75",
            fmt(ours(near, "auroc_scope")),
            f"right-answer confidence {fmt(ours(near, 'auroc'))}; {peers(near, 'auroc')}",
            at_least(ours(near, "auroc_scope"), 0.75),
        ),
        Target(
            "conversation (everyday)",
            "small talk and hand-off routed / gaps from them",
            "1.00 / 0",
            f"{fmt(ours(everyday, 'intent_routed'))} / {fmt(ours(everyday, 'intent_gaps'), 0)}",
            "-",
            both(at_least(ours(everyday, "intent_routed"), 1.0), at_most(ours(everyday, "intent_gaps"), 0)),
        ),
        Target(
            "answers (emanual)",
            "ROUGE-L F1 against the reference answers",
            ">= 0.55",
            fmt(ours(emanual, "rouge_l")),
            "peers rank pages only (no answer text in this run)",
            at_least(ours(emanual, "rouge_l"), 0.55),
        ),
        clustering_target(by_name.get("banking77-gaps")),
        verification_target(by_name.get("gap-verification")),
        Target(
            "other product's questions",
            "AUROC, own questions vs another product's",
            ">= 0.95",
            "-",
            "no data set for it in `make bench`",
            None,
        ),
    ]


def verification_target(result: Json | None) -> Target:
    """The knowledge loop: a right FAQ answers its gap's questions; a wrong or useless one never verifies."""
    right = get(result, "conditions", "true_fix", "question_rate")
    wrong = get(result, "conditions", "wrong_fix", "gap_rate")
    useless = get(result, "conditions", "title_echo", "gap_rate")
    return Target(
        "gap verification (stackfaq, default seed)",
        "right FAQ: questions answered / wrong FAQ verified / useless FAQ verified",
        ">= 0.90 / 0 / 0",
        f"{fmt(right)} / {fmt(wrong)} / {fmt(useless)}",
        f"right FAQ verifies {fmt(get(result, 'conditions', 'true_fix', 'gap_rate'))} of gaps",
        both(at_least(right, 0.90), at_most(wrong, 0.0), at_most(useless, 0.0)),
    )


def clustering_target(result: Json | None) -> Target:
    """Banking77 gaps: the worst order of arrival counts (real traffic arrives in any order)."""
    orders = [figures["answerdesk"] for figures in (get(result, "orders") or {}).values()]
    if not orders:
        return Target("gap clustering (banking77)", "V-measure / purity / gaps per intent", ">= 0.85 / >= 0.85 / <= 2",
                      "-", "-", None)  # fmt: skip
    v = min(o["v_measure"] for o in orders)
    purity = min(o["purity"] for o in orders)
    per_intent = max(o["gaps_per_intent"] for o in orders)
    baseline = get(result, "orders", "file", "centroid_threshold_matched") or {}
    return Target(
        "gap clustering (banking77, worst of file order and 3 shuffles)",
        "V-measure / purity / gaps per intent",
        ">= 0.85 / >= 0.85 / <= 2",
        f"{fmt(v)} / {fmt(purity)} / {fmt(per_intent, 2)}",
        f"centroid threshold at as many gaps: {fmt(baseline.get('v_measure'))} / {fmt(baseline.get('purity'))}",
        both(at_least(v, 0.85), at_least(purity, 0.85), at_most(per_intent, 2.0)),
    )


# -- sections -----------------------------------------------------------------------------------------------------
def summary_section(targets: Sequence[Target]) -> list[str]:
    rows = [[t.area, t.what, t.goal, t.measured, t.baseline, verdict(t.met)] for t in targets]
    met = sum(1 for t in targets if t.met)
    measured = sum(1 for t in targets if t.met is not None)
    return [
        "### Targets",
        "",
        f"{met} of {measured} measured targets met ({len(targets) - measured} not measured). The baseline of each "
        "figure comes from the same run.",
        "",
        *table(["area", "figure", "target", "measured", "baseline (same run)", "verdict"], rows),
    ]


def machine_section(results: Sequence[tuple[str, Result | None]], evals: Sequence[Result]) -> list[str]:
    rows = []
    for name, result in results:
        if result is None:
            rows.append([name, "not run", "-", "-", "-", "-"])
            continue
        if result.skipped:
            rows.append([name, f"{result.when} (skipped: {result.skipped})", "-", "-", "-", "-"])
            continue
        machine = result.data.get("machine") or {}
        before, after = machine.get("load_avg_before"), machine.get("load_avg_after")
        load = f"{fmt(before[0], 1)} → {fmt(after[0], 1)}" if before and after else fmt(machine.get("load_avg_1m"), 1)
        torch = machine.get("torch")
        threads = machine.get("torch_threads")
        torch_text = f"{torch} ({threads} thread{'' if threads == 1 else 's'})" if torch else "-"
        rows.append([name, result.when, fmt(machine.get("cpus")), fmt(machine.get("python")), torch_text, load])
    for result in evals:
        rows.append([f"eval {result.data.get('dataset')}", result.when, "-", "-", "-", "-"])
    return [
        "### Machine",
        "",
        *table(["benchmark", "measured", "CPUs", "Python", "torch", "load average (1 min)"], rows),
        "",
        "The machine may be shared with other jobs: a load average above the CPU count means the benchmark got only "
        "part of the CPUs, so wall-clock figures are slower and noisier than on an idle machine; the CPU-time "
        "figures below depend less on that.",
    ]


def commands_section(
    ingest: Result | None, latency: Result | None, load: Result | None, evals: Sequence[Result]
) -> list[str]:
    lines = [
        "### How to reproduce",
        "",
        "`make bench` runs everything below in this order, then this report (`../shared/data` must hold the public "
        "data sets, or `ANSWERDESK_EVAL_DATA` must point to them):",
        "",
        "```sh",
        "make bench-ingest    # .venv/bin/python -m evals.bench.ingest --json var/bench/ingest.json",
        "make bench-latency   # .venv/bin/python -m evals.bench.latency --json var/bench/latency.json",
        "ANSWERDESK_RATE_LIMIT=off make bench-load   # .venv/bin/python -m evals.bench.load -> var/bench/load.json",
    ]
    lines += [f".venv/bin/answerdesk eval {name} --out var/bench/eval" for name in EVAL_ORDER]
    lines += [".venv/bin/python -m evals.bench.report   # writes this page", "```"]
    used = [(name, r) for name, r in (("ingest", ingest), ("latency", latency)) if r and r.data.get("command")]
    if used or load:
        lines += ["", "Commands of the runs shown here:", ""]
        lines += [f"- {name}: `{r.data['command']}`" for name, r in used]
        if load:
            lines.append(
                f"- load: `python -m evals.bench.load --clients {fmt(load.data.get('clients'))}` "
                f"({fmt(get(load.data, 'gunicorn', 'workers'))} workers × "
                f"{fmt(get(load.data, 'gunicorn', 'threads'))} threads)"
            )
        for result in evals:
            config = result.data.get("config") or {}
            lines.append(
                f"- eval {result.data.get('dataset')}: `answerdesk eval {result.data.get('dataset')} --out "
                f"{rel(result.path.parent)}` (split {config.get('split', '-')}, seed {config.get('seed', '-')})"
            )
    return lines


def ingest_section(ingest: Result | None) -> list[str]:
    lines = ["### Ingest (`make bench-ingest`)", ""]
    if ingest is None:
        return [*lines, "Not measured: no `var/bench/ingest.json`."]
    if ingest.skipped:
        return [*lines, f"Skipped ({ingest.when}): {ingest.skipped}."]
    data = ingest.data
    lines += [
        f"E-Manual: {fmt(data.get('documents'))} documents, {fmt(data.get('chunks'))} chunks, synced into an empty "
        f"temporary data dir ({ingest.when}).",
        "",
        *table(
            ["figure", "measured", "baseline (same run)", "target", "verdict"],
            [
                [
                    "pipeline chunks/s",
                    fmt(data.get("pipeline_chunks_per_s"), 1),
                    f"raw `SentenceTransformer.encode`: {fmt(data.get('raw_encode_chunks_per_s'), 1)} chunks/s",
                    "-",
                    "-",
                ],
                [
                    "ratio pipeline ÷ raw (wall time)",
                    fmt(data.get("ratio")),
                    "1.0",
                    ">= 0.9",
                    verdict(get(data, "met", "ratio")),
                ],
                ["ratio pipeline ÷ raw (CPU time)", fmt(data.get("cpu_ratio")), "1.0", "-", "-"],
                [
                    "re-sync of the unchanged corpus",
                    f"{fmt(data.get('resync_seconds'))} s",
                    "-",
                    "<= 3 s",
                    verdict(get(data, "met", "resync_seconds")),
                ],
                [
                    "chunks embedded by the re-sync",
                    fmt(data.get("resync_chunks_embedded")),
                    "-",
                    "0",
                    verdict(get(data, "met", "resync_chunks_embedded")),
                ],
            ],
        ),
    ]
    runs = data.get("runs") or []
    if runs:
        rows = [
            [
                str(i + 1),
                str(r.get("order")),
                fmt(r.get("pipeline_chunks_per_s"), 1),
                fmt(r.get("raw_encode_chunks_per_s"), 1),
                fmt(r.get("ratio")),
                fmt(r.get("cpu_ratio")),
                fmt(r.get("chunking_seconds"), 2),
                fmt(r.get("resync_seconds")),
                fmt(r.get("load_avg_1m_after"), 1),
            ]
            for i, r in enumerate(runs)
        ]
        lines += [
            "",
            "Repeats:",
            "",
            *table(
                [
                    "#",
                    "order",
                    "pipeline chunks/s",
                    "raw chunks/s",
                    "ratio",
                    "CPU ratio",
                    "chunking s (in pipeline)",
                    "re-sync s",
                    "load after",
                ],
                rows,
            ),
        ]
    if data.get("method"):
        lines += ["", f"Method: {data['method']}"]
    return lines


def latency_section(latency: Result | None) -> list[str]:
    lines = ["### Answer latency (`make bench-latency`)", ""]
    if latency is None:
        return [*lines, "Not measured: no `var/bench/latency.json`."]
    if latency.skipped:
        return [*lines, f"Skipped ({latency.when}): {latency.skipped}."]
    data = latency.data
    collection = data.get("collection") or {}
    floor = data.get("floor") or {}
    lines += [
        f"{fmt(collection.get('chunks'))} chunks: {fmt(collection.get('real_chunks'))} real E-Manual chunks and "
        f"{fmt(collection.get('synthetic_chunks'))} **synthetic** ones ({collection.get('synthetic_note', '')}). "
        f"{fmt(data.get('queries'))} E-Manual questions after {fmt(data.get('warmup_queries'))} warm-up questions "
        f"({latency.when}). The floor is {floor.get('what', 'one query embedding + one Chroma query')}, measured "
        "for the same questions in the same loop.",
        "",
    ]
    rows = []
    for audience in ("public", "internal"):
        figures = get(data, "answerer", audience) or {}
        lat = figures.get("latency_ms") or {}
        ratio = figures.get("ratio_to_floor") or {}
        cpu = figures.get("cpu_ms") or {}
        rows.append(
            [
                f"answerer, audience {audience}",
                fmt(lat.get("p50"), 1),
                fmt(lat.get("p95"), 1),
                fmt(cpu.get("p50"), 1),
                f"{fmt(ratio.get('p50'), 2)} / {fmt(ratio.get('p95'), 2)}",
                f"{verdict(get(data, 'met', f'{audience}_p50'))} / {verdict(get(data, 'met', f'{audience}_p95'))}",
            ]
        )
    rows.append(
        [
            "floor (baseline)",
            fmt(get(floor, "latency_ms", "p50"), 1),
            fmt(get(floor, "latency_ms", "p95"), 1),
            fmt(get(floor, "cpu_ms", "p50"), 1),
            "1 / 1",
            "-",
        ]
    )
    lines += table(["", "p50 ms", "p95 ms", "CPU p50 ms", "÷ floor p50 / p95", "target p50 <= 25 / p95 <= 60 ms"], rows)
    stage_rows = []
    stages = ("embed", "search", "keyword", "fuse", "compose")
    for audience in ("public", "internal"):
        per_stage = get(data, "answerer", audience, "stages_ms") or {}
        stage_rows.append(
            [f"answerer {audience}"]
            + [f"{fmt(get(per_stage, s, 'p50'), 1)} / {fmt(get(per_stage, s, 'p95'), 1)}" for s in stages]
        )
    stage_rows.append(
        [
            "floor",
            f"{fmt(get(floor, 'embed_ms', 'p50'), 1)} / {fmt(get(floor, 'embed_ms', 'p95'), 1)}",
            f"{fmt(get(floor, 'query_ms', 'p50'), 1)} / {fmt(get(floor, 'query_ms', 'p95'), 1)} (k=10)",
            "-",
            "-",
            "-",
        ]
    )
    lines += ["", "Per stage, p50 / p95 ms (search: the Chroma query; compose: confidence and answer):", ""]
    lines += table(["", *stages], stage_rows)
    if data.get("method"):
        lines += ["", f"Method: {data['method']}"]
    return lines


def load_section(load: Result | None) -> list[str]:
    lines = ["### Chat service under load (`make bench-load`)", ""]
    if load is None:
        return [*lines, "Not measured: no `var/bench/load.json`."]
    data = load.data
    answerer = data.get("answerer_in_process_ms") or {}
    gunicorn = data.get("gunicorn") or {}
    lines += [
        f"gunicorn {fmt(gunicorn.get('workers'))} workers × {fmt(gunicorn.get('threads'))} threads, "
        f"{fmt(data.get('clients'))} closed-loop clients on loopback for {fmt(data.get('duration_s'), 1)} s "
        f"({load.when}). Baseline from the same run: the answerer alone in one process, one question at a time "
        f"({fmt(answerer.get('questions'))} questions).",
        "",
        *table(
            [
                "clients",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "errors",
                "server CPU ms / request",
                "answerer alone p50 / p95 ms",
                "answerer CPU ms",
            ],
            [
                [
                    fmt(data.get("clients")),
                    fmt(data.get("requests_per_s"), 1),
                    fmt(get(data, "latency_ms", "p50"), 1),
                    fmt(get(data, "latency_ms", "p95"), 1),
                    fmt(get(data, "latency_ms", "p99"), 1),
                    fmt(data.get("errors")),
                    fmt(data.get("server_cpu_ms_per_request"), 1),
                    f"{fmt(answerer.get('p50_ms'), 1)} / {fmt(answerer.get('p95_ms'), 1)}",
                    fmt(answerer.get("cpu_mean_ms"), 1),
                ]
            ],
        ),
        "",
        "Target: >= 100 requests/s at 32 clients with p95 <= 250 ms and 0 errors: "
        + ", ".join(f"{t.what}: {verdict(t.met)}" for t in load_targets(load))
        + ".",
    ]
    return lines


def eval_section(evals: Sequence[Result]) -> list[str]:
    lines = ["### Evaluations (`answerdesk eval DATASET --out var/bench/eval`)", ""]
    if not evals:
        return [*lines, "Not measured: no `var/bench/eval/*.json`."]
    from evals.report import comparison_rows, headers

    lines.append(
        "answerdesk next to its peers on the same knowledge base, in the same run (`vs best peer`: answerdesk ÷ the "
        "best peer). Full reports and charts: `var/bench/eval/DATASET.md` and `var/bench/eval/DATASET/`."
    )
    for result in evals:
        data = result.data
        config = data.get("config") or {}
        if data.get("dataset") == "banking77-gaps":
            lines += clustering_section(result)
            continue
        if data.get("dataset") == "gap-verification":
            lines += verification_section(result)
            continue
        lines += [
            "",
            f"#### {data.get('dataset')}",
            "",
            f"{fmt(data.get('n'))} questions ({config.get('split', 'all')} split), {fmt(config.get('documents'))} "
            f"documents, embedder {config.get('embedder', '-')}, writer {config.get('writer', '-')}, threshold "
            f"{fmt(config.get('threshold'))} ({result.when}).",
            "",
            *table(headers(data), comparison_rows(data)),
        ]
    return lines


def clustering_section(result: Result) -> list[str]:
    """The gap-clustering eval has its own table: orders of arrival as columns instead of peers."""
    from evals.clustering import clustering_rows

    data = result.data
    rows = clustering_rows(data)
    return [
        "",
        f"#### {data.get('dataset')}",
        "",
        f"{fmt(data.get('n'))} questions, {fmt(data.get('intents'))} intents, clustered in file order and shuffled "
        f"(seeds {get(data, 'config', 'shuffle_seeds')}) ({result.when}).",
        "",
        *table(rows[0], rows[1:]),
    ]


VERIFICATION_FIXES = (
    ("true_fix", "the thread's own FAQ (should verify)"),
    ("wrong_fix", "the closest other thread's FAQ (a verify is false)"),
    ("title_echo", "the gap's title over an unrelated answer (a verify is false)"),
)


def verification_section(result: Result) -> list[str]:
    """Gap verification through the API: how often each kind of fix is declared verified."""
    data = result.data
    capture, grouping = data.get("capture") or {}, data.get("grouping") or {}
    rows = []
    for key, label in VERIFICATION_FIXES:
        figures = get(data, "conditions", key) or {}
        failures = figures.get("failures") or {}
        rows.append(
            [
                label,
                f"{fmt(figures.get('verified'))} / {fmt(figures.get('gaps'))}",
                fmt(figures.get("gap_rate")),
                fmt(figures.get("question_rate")),
                fmt(get(figures, "cite_rule", "gap_rate")),
                " / ".join(str(failures.get(k, "-")) for k in ("abstained", "cited_other", "unsupported")),
            ]
        )
    return [
        "",
        f"#### {data.get('dataset')}",
        "",
        f"{fmt(data.get('held_out_threads'))} StackFAQ threads held out, {fmt(capture.get('asked'))} paraphrases asked "
        f"through the widget API: {fmt(capture.get('gap_evidence'))} became gap evidence, "
        f"{fmt(capture.get('answered_confidently'))} were answered with confidence from other threads; "
        f"{fmt(grouping.get('gaps'))} gaps, purity {fmt(grouping.get('purity'))} ({result.when}).",
        "",
        *table(
            [
                "fix",
                "verified / gaps",
                "gap rate",
                "question rate",
                "gap rate, citation rule only",
                "failing: abstained / other source / answer not about the question",
            ],
            rows,
        ),
    ]


def generate(bench_dir: Path) -> str:
    ingest = read_result(bench_dir / "ingest.json")
    latency = read_result(bench_dir / "latency.json")
    load = read_result(bench_dir / "load.json")
    evals = read_evals(bench_dir / "eval")
    targets = [*ingest_targets(ingest), *latency_targets(latency), *load_targets(load), *eval_targets(evals)]
    sections: list[list[str]] = [
        summary_section(targets),
        machine_section([("ingest", ingest), ("latency", latency), ("load", load)], evals),
        commands_section(ingest, latency, load, evals),
        ingest_section(ingest),
        latency_section(latency),
        load_section(load),
        eval_section(evals),
    ]
    lines = [
        START,
        "<!-- Written by `python -m evals.bench.report` from var/bench/*.json: do not edit between these markers; "
        "write notes outside them. -->",
        "",
        "## Current figures",
        "",
    ]
    for section in sections:
        lines += [*section, ""]
    lines.append(END)
    return "\n".join(lines)


def merge(existing: str | None, generated: str) -> str:
    """Replace the generated block of ``existing``; keep everything else byte for byte."""
    if existing is None:
        return f"# Benchmarks\n\n{generated}\n\n## Notes\n\nHand-written analysis goes here (outside the markers).\n"
    start, end = existing.find(START), existing.find(END)
    if start != -1 and end > start:
        return existing[:start] + generated + existing[end + len(END) :]
    lines = existing.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("# "):
            head, tail = "".join(lines[: i + 1]), "".join(lines[i + 1 :])
            return f"{head}\n{generated}\n{tail}"
    return f"{generated}\n\n{existing}"


def write_doc(path: Path, generated: str) -> None:
    existing = path.read_text(encoding="utf-8") if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".md.partial")
    partial.write_text(merge(existing, generated), encoding="utf-8")
    os.replace(partial, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench-dir", type=Path, default=BENCH_DIR, help="where the results are (var/bench)")
    parser.add_argument("--out", type=Path, default=DOC_PATH, help="the page to update (docs/benchmarks.md)")
    args = parser.parse_args(argv)
    write_doc(args.out, generate(args.bench_dir))
    print(f"wrote {rel(args.out.resolve())}")


if __name__ == "__main__":
    main()
