"""Turn an evaluation result into a terminal table, a Markdown report and PNG charts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.runner import QuestionRun

# Metrics shown in tables, in order; "higher is better" for all but latency.
TABLE_METRICS = (
    "hit@1",
    "hit@5",
    "mrr@10",
    "ndcg@10",
    "auroc",
    "auroc_scope",
    "answer_rate",
    "helped_rate",
    "refusal_rate",
    "dont_know_rate",
    "rouge_l",
    "token_f1",
    "span_in_answer",
    "span_all_questions",
    "citation_precision",
)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


# Selective answering: answerdesk's figure beside each peer's figure at the same coverage (peer key differs).
SELECTIVE_ROWS = (
    ("precision when answered", "precision", "precision_at_coverage"),
    ("precision@60% most confident", "precision@60", "precision@60"),
)


def _selective_rows(ours: dict[str, Any], peers: dict[str, Any]) -> list[list[str]]:
    rows = []
    if ours.get("coverage") is not None:
        rows.append(["coverage (answered)", _cell(ours["coverage"]), *("same" for _ in peers), "-"])
    for label, our_key, peer_key in SELECTIVE_ROWS:
        if ours.get(our_key) is None:
            continue
        values = [peers[name].get(peer_key) for name in peers]
        known = [v for v in values if isinstance(v, float | int)]
        lead = f"{ours[our_key] - max(known):+.3f}" if known else "-"
        rows.append([label, _cell(ours[our_key]), *(_cell(v) for v in values), lead])
    area = [
        ours.get("risk_coverage", {}).get("area"),
        *(p.get("risk_coverage", {}).get("area") for p in peers.values()),
    ]
    if area[0] is not None:
        known = [v for v in area[1:] if isinstance(v, float | int)]
        lead = f"{area[0] - max(known):+.3f}" if known else "-"
        rows.append(["risk-coverage area", *(_cell(v) for v in area), lead])
    return rows


def comparison_rows(result: dict[str, Any]) -> list[list[str]]:
    """One row per metric: answerdesk, each peer, and answerdesk / best peer (for precision rows: answerdesk minus
    the best peer at the same coverage)."""
    ours = result["answerdesk"]
    peers = result.get("baselines", {})
    rows = _selective_rows(ours, peers)
    for metric in TABLE_METRICS:
        if metric not in ours:
            continue
        peer_values = [peers[name].get(metric) for name in peers]
        known = [v for v in peer_values if isinstance(v, float | int)]
        ratio = f"{ours[metric] / max(known):.2f}x" if known and max(known) > 0 and ours[metric] is not None else "-"
        rows.append([metric, _cell(ours[metric]), *(_cell(v) for v in peer_values), ratio])
    for metric in ("intent_routed", "intent_gaps", "intent_false_routes"):
        if metric in ours:
            rows.append([metric, _cell(ours[metric]), *("-" for _ in peers), "-"])
    latency = ours.get("latency_ms", {})
    if latency:
        peer_latency = [peers[name].get("latency_ms", {}).get("p50") for name in peers]
        rows.append(["latency p50 ms", _cell(latency.get("p50")), *(_cell(v) for v in peer_latency), "-"])
    return rows


def headers(result: dict[str, Any]) -> list[str]:
    return ["metric", "answerdesk", *result.get("baselines", {}).keys(), "vs best peer"]


def render_table(result: dict[str, Any]) -> str:
    table = [headers(result), *comparison_rows(result)]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    title = f"{result['dataset']}: {result['n']} questions ({result['config'].get('split', 'all')} split)"
    return "\n".join([title, *lines])


def render_markdown(result: dict[str, Any]) -> str:
    table = [headers(result), *comparison_rows(result)]
    lines = [
        f"# answerdesk eval: {result['dataset']}",
        "",
        f"{result['n']} questions. Config: `{json.dumps(result['config'])}`",
        "",
    ]
    lines.append("| " + " | ".join(table[0]) + " |")
    lines.append("|" + "---|" * len(table[0]))
    lines += ["| " + " | ".join(row) + " |" for row in table[1:]]
    stages = result["answerdesk"].get("stage_latency_ms", {})
    if stages:
        lines += ["", "Latency per stage (ms):", "", "| stage | p50 | p95 |", "|---|---|---|"]
        lines += [f"| {s} | {v.get('p50')} | {v.get('p95')} |" for s, v in stages.items()]
    return "\n".join(lines) + "\n"


def write_charts(result: dict[str, Any], runs: Sequence[QuestionRun], out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and CI
    import matplotlib.pyplot as plt

    written: list[Path] = []
    systems = ["answerdesk", *result.get("baselines", {})]
    shown = [m for m in ("hit@1", "hit@5", "mrr@10", "ndcg@10", "auroc") if m in result["answerdesk"]]
    if shown:
        fig, ax = plt.subplots(figsize=(8, 4))
        width = 0.8 / len(systems)
        for i, system in enumerate(systems):
            values = result["answerdesk"] if system == "answerdesk" else result["baselines"][system]
            ax.bar(
                [x + i * width for x in range(len(shown))], [values.get(m) or 0.0 for m in shown], width, label=system
            )
        ax.set_xticks([x + width * (len(systems) - 1) / 2 for x in range(len(shown))], shown)
        ax.set_ylim(0, 1)
        ax.legend()
        ax.set_title(f"{result['dataset']}: answerdesk and its peers")
        written.append(_save(fig, out_dir / "metrics.png"))

    answerable = [r.confidence for r in runs if not r.question.unanswerable]
    unanswerable = [r.confidence for r in runs if r.question.unanswerable]
    if answerable and unanswerable:
        fig, ax = plt.subplots(figsize=(8, 4))
        ax.hist(answerable, bins=20, range=(0, 1), alpha=0.6, label="answerable")
        ax.hist(unanswerable, bins=20, range=(0, 1), alpha=0.6, label="unanswerable")
        threshold = result["config"].get("threshold")
        if threshold is not None:
            ax.axvline(threshold, color="black", linestyle="--", label="threshold")
        ax.set_xlabel("confidence")
        ax.legend()
        written.append(_save(fig, out_dir / "confidence.png"))

    latencies = [r.latency_ms for r in runs]
    if latencies:
        fig, ax = plt.subplots(figsize=(8, 4))
        ax.hist(latencies, bins=40)
        ax.set_xlabel("latency (ms)")
        ax.set_title("answerdesk latency per question")
        written.append(_save(fig, out_dir / "latency.png"))
    return written


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
