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
import os
from collections.abc import Sequence
from pathlib import Path

from evals.bench.results import EVAL_ORDER, Result, fmt, get, read_evals, read_result
from evals.bench.sections import eval_section, ingest_section, latency_section, load_section, table, verdict
from evals.bench.targets import Target, all_targets

REPO_ROOT = Path(__file__).resolve().parents[2]  # evals/bench/<module>.py
BENCH_DIR = REPO_ROOT / "var" / "bench"
DOC_PATH = REPO_ROOT / "docs" / "benchmarks.md"
START = "<!-- generated:start -->"
END = "<!-- generated:end -->"


def rel(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


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


# -- the page -----------------------------------------------------------------------------------------------------
def generate(bench_dir: Path) -> str:
    ingest = read_result(bench_dir / "ingest.json")
    latency = read_result(bench_dir / "latency.json")
    load = read_result(bench_dir / "load.json")
    evals = read_evals(bench_dir / "eval")
    targets = all_targets(ingest, latency, load, evals)
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
