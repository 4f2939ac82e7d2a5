"""The banking77-gaps tables (terminal and Markdown) and the `answerdesk eval banking77-gaps` step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from chatbot.config import Settings
from evals.clustering.scoring import (
    BASELINE_THRESHOLD,
    TARGET_GAPS_PER_INTENT,
    TARGET_PURITY,
    TARGET_V_MEASURE,
    evaluate_clustering,
    meets_target,
)
from evals.datasets import EvalDataset

TABLE_ROWS = (
    "v_measure",
    "purity",
    "homogeneity",
    "completeness",
    "adjusted_rand",
    "gaps",
    "gaps_per_intent",
    "intent_spread",
    "seconds",
)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) >= 10 else f"{value:.3f}"
    return str(value)


def clustering_rows(result: dict[str, Any]) -> list[list[str]]:
    orders: dict[str, dict[str, Any]] = result["orders"]
    columns = [(f"answerdesk {name}", figures["answerdesk"]) for name, figures in orders.items()]
    file_order = orders["file"]
    columns += [
        ("online (file)", file_order["answerdesk_online"]),
        (f"baseline {BASELINE_THRESHOLD} (file)", file_order["centroid_threshold"]),
        ("baseline matched (file)", file_order["centroid_threshold_matched"]),
    ]
    shuffled = [name for name in orders if name != "file"]
    if shuffled:
        first = orders[shuffled[0]]
        columns += [
            (f"online ({shuffled[0]})", first["answerdesk_online"]),
            (f"baseline matched ({shuffled[0]})", first["centroid_threshold_matched"]),
        ]
    rows = [["metric", *(name for name, _ in columns)]]
    for metric in TABLE_ROWS:
        rows.append([metric, *(_cell(figures.get(metric)) for _, figures in columns)])
    rows.append(["target met", *("yes" if meets_target(f) else "no" for _, f in columns)])
    return rows


def render_clustering_table(result: dict[str, Any]) -> str:
    rows = clustering_rows(result)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    title = (
        f"{result['dataset']}: {result['n']} questions, {result['intents']} intents "
        f"(embedding: {result['config']['embed_seconds']} s); target V >= {TARGET_V_MEASURE}, purity >= "
        f"{TARGET_PURITY}, gaps/intent <= {TARGET_GAPS_PER_INTENT}"
    )
    return "\n".join([title, *lines])


def render_clustering_markdown(result: dict[str, Any]) -> str:
    rows = clustering_rows(result)
    lines = [
        f"# answerdesk eval: {result['dataset']}",
        "",
        f"{result['n']} questions, {result['intents']} intents, clustered online in file order and in shuffles "
        f"(seeds {result['config']['shuffle_seeds']}). Config: `{json.dumps(result['config'])}`",
        "",
        "| " + " | ".join(rows[0]) + " |",
        "|" + "---|" * len(rows[0]),
        *("| " + " | ".join(row) + " |" for row in rows[1:]),
    ]
    return "\n".join(lines) + "\n"


def run_clustering_eval(dataset: EvalDataset, settings: Settings, as_json: bool, out_dir: Path | None) -> None:
    """The CLI step: evaluate, print a table (or one JSON object) and write JSON and Markdown under ``out_dir``."""
    from chatbot.embedders import get_embedder

    result = evaluate_clustering(dataset, get_embedder(settings.embedder))
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{dataset.name}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        (out_dir / f"{dataset.name}.md").write_text(render_clustering_markdown(result), encoding="utf-8")
    click.echo(json.dumps(result) if as_json else render_clustering_table(result))
