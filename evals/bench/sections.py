"""The sections of docs/benchmarks.md that show one benchmark each in full: ingest, latency, load, evaluations.

The page around them (targets summary, machine, how to reproduce) is put together in evals.bench.report.
"""

from __future__ import annotations

from collections.abc import Sequence

from evals.bench.results import Result, fmt, get
from evals.bench.targets import (
    INGEST_RATIO_MIN,
    LATENCY_MS_MAX,
    LOAD_CLIENTS_MIN,
    LOAD_P95_MS_MAX,
    LOAD_REQUESTS_PER_S_MIN,
    RESYNC_SECONDS_MAX,
    load_targets,
)


# -- Markdown -----------------------------------------------------------------------------------------------------
def verdict(met: bool | None) -> str:
    if met is None:
        return "not measured"
    return "**met**" if met else "**not met**"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


# -- one section per benchmark ------------------------------------------------------------------------------------
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
                    f">= {INGEST_RATIO_MIN:g}",
                    verdict(get(data, "met", "ratio")),
                ],
                ["ratio pipeline ÷ raw (CPU time)", fmt(data.get("cpu_ratio")), "1.0", "-", "-"],
                [
                    "re-sync of the unchanged corpus",
                    f"{fmt(data.get('resync_seconds'))} s",
                    "-",
                    f"<= {RESYNC_SECONDS_MAX:g} s",
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
    goal = f"target p50 <= {LATENCY_MS_MAX['p50']:g} / p95 <= {LATENCY_MS_MAX['p95']:g} ms"
    lines += table(["", "p50 ms", "p95 ms", "CPU p50 ms", "÷ floor p50 / p95", goal], rows)
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
        f"Target: >= {LOAD_REQUESTS_PER_S_MIN:g} requests/s at {LOAD_CLIENTS_MIN} clients with p95 <= "
        f"{LOAD_P95_MS_MAX:g} ms and 0 errors: "
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
                fmt(figures.get("answer_off_topic")),
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
                "FAQ answer off topic (gaps)",
            ],
            rows,
        ),
    ]
