"""The gap-verification tables (terminal and Markdown) and the `answerdesk eval gap-verification` step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from chatbot.config import Settings
from evals.datasets import DEFAULT_SEED, EvalDataset
from evals.verification.measure import HELD_OUT_THREADS, NAME, evaluate_verification
from evals.verification.scoring import CONDITIONS, QUORUM

_LABELS = {
    "true_fix": "true FAQ (should verify)",
    "wrong_fix": "closest other thread's FAQ (false if verified)",
    "title_echo": "gap title + unrelated answer (false if verified)",
}


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _bar(threshold: float | None) -> str:
    return "off (cite rule)" if threshold is None else f"{threshold:.2f}"


def _rows(result: dict[str, Any]) -> list[list[str]]:
    rows = [
        [
            "fix",
            "gaps",
            "verified",
            "gap rate",
            "pure-gap rate",
            "question rate",
            f"{QUORUM:.0%}-quorum rate",
            "cite-only gap rate",
            "cite-only question rate",
            "fails: abstained / other source / unsupported",
            "answer off topic (gaps)",
        ]
    ]
    for condition, scores in result["conditions"].items():
        cite = scores.get("cite_rule") or {}
        failures = scores.get("failures") or {}
        rows.append(
            [
                _LABELS.get(condition, condition),
                _cell(scores["gaps"]),
                _cell(scores["verified"]),
                _cell(scores["gap_rate"]),
                _cell(scores["pure_gap_rate"]),
                _cell(scores["question_rate"]),
                _cell(scores["quorum_rate"]),
                _cell(cite.get("gap_rate")),
                _cell(cite.get("question_rate")),
                " / ".join(_cell(failures.get(k)) for k in ("abstained", "cited_other", "unsupported")),
                _cell(scores.get("answer_off_topic")),
            ]
        )
    return rows


def _summary(result: dict[str, Any]) -> list[str]:
    capture, grouping, config = result["capture"], result["grouping"], result["config"]
    return [
        f"{NAME}: {result['held_out_threads']} StackFAQ threads held out of a knowledge base of {config['kb_threads']} "
        f"threads ({config['documents']} answers); {result['n']} paraphrases asked through the widget API.",
        f"capture: {capture['gap_evidence']} became gap evidence, {capture['answered_confidently']} were answered "
        f"with confidence from other threads (no evidence: invisible unless 👎).",
        f"grouping: {grouping['gaps']} gaps ({grouping['single_question_gaps']} of one question) for "
        f"{grouping['threads']} threads, purity {_cell(grouping['purity'])}, {_cell(grouping['gaps_per_thread'])} "
        f"gaps per thread (before the regrouping: {result['grouping_online']['gaps']} gaps, purity "
        f"{_cell(result['grouping_online']['purity'])}).",
        f"support check: {'off' if config['support_min'] is None else config['support_min']}; "
        f"seconds: {config['seconds']}",
    ]


def render_verification_table(result: dict[str, Any]) -> str:
    rows = _rows(result)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join([*_summary(result), "", *lines])


def render_verification_markdown(result: dict[str, Any]) -> str:
    rows = _rows(result)
    sweep = result["support_sweep"]
    lines = [
        f"# answerdesk eval: {NAME}",
        "",
        *(f"- {line}" for line in _summary(result)),
        "",
        "| " + " | ".join(rows[0]) + " |",
        "|" + "---|" * len(rows[0]),
        *("| " + " | ".join(row) + " |" for row in rows[1:]),
    ]
    if sweep and len(sweep[0]) > 1:
        conditions = [c for c in CONDITIONS if c in sweep[0]]
        lines += [
            "",
            "Verified gap rate by support bar (a gap's mean question-to-answer cosine):",
            "",
            "| threshold | " + " | ".join(conditions) + " |",
            "|" + "---|" * (len(conditions) + 1),
            *(
                "| " + " | ".join([_bar(row["threshold"]), *(_cell(row.get(k)) for k in conditions)]) + " |"
                for row in sweep
            ),
        ]
    return "\n".join(lines) + "\n"


def run_verification_eval(
    dataset: EvalDataset,
    settings: Settings,
    as_json: bool,
    out_dir: Path | None,
    held_out: int = HELD_OUT_THREADS,
    seed: int = DEFAULT_SEED,
) -> None:
    """The CLI step: evaluate, print a table (or one JSON object) and write JSON and Markdown under ``out_dir``."""
    result = evaluate_verification(dataset, settings, held_out=held_out, seed=seed)
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{NAME}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
        (out_dir / f"{NAME}.md").write_text(render_verification_markdown(result), encoding="utf-8")
    click.echo(json.dumps(result, ensure_ascii=False) if as_json else render_verification_table(result))
