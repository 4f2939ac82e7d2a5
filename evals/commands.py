"""`answerdesk eval` and `answerdesk calibrate`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from chatbot.answering import build_answerer, load_calibration
from chatbot.config import Settings, load_settings
from evals.calibration import CALIBRATION_SETS, DEFAULT_TARGET_PRECISION, calibrate, write_calibration
from evals.datasets import (
    DATASET_NAMES,
    DEFAULT_SEED,
    DatasetUnavailable,
    EvalDataset,
    load_custom,
    load_dataset,
    sample_split,
)
from evals.report import render_markdown, render_table, write_charts
from evals.runner import QuestionRun, at_coverage, index_dataset, run_answerdesk, run_baseline, summarize

SPLITS = ("test", "dev", "all")
# Evaluations of the knowledge loop built on a data set rather than data sets of their own (evals/verification/).
LOOP_EVALS = ("gap-verification",)


@contextmanager
def _progress(label: str, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(desc=label, unit="q", leave=False, file=sys.stderr)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()


def _load(name: str, settings: Settings, seed: int, kb: Path | None, questions: Path | None) -> EvalDataset:
    """The whole set: ``--limit`` is applied to the chosen split afterwards (:func:`sample_split`)."""
    if name == "custom" or kb or questions:
        if not (kb and questions):
            raise click.UsageError("a custom evaluation needs both --kb PATH and --questions FILE.jsonl")
        try:
            return load_custom(kb, questions, seed=seed)
        except ValueError as exc:  # a line of the questions file that is not what the format says
            raise click.ClickException(str(exc)) from exc
    return load_dataset(name, settings.eval_data, seed=seed)


def evaluate(
    dataset: EvalDataset, settings: Settings, split: str, with_baselines: bool, show_progress: bool
) -> tuple[dict[str, Any], list[QuestionRun]]:
    questions = dataset.questions if split == "all" else dataset.in_split(split)
    if not questions:
        raise click.ClickException(f"no {split} questions in {dataset.name}")
    runtime = index_dataset(dataset, settings)
    answerer = build_answerer(runtime)
    # The eval index lives in its own data dir; the calibration is the one of the user's data dir.
    answerer.set_calibration(load_calibration(settings))
    with _progress(f"answerdesk on {dataset.name}", show_progress) as progress:
        runs = run_answerdesk(answerer, dataset.name, questions, progress)
    result: dict[str, Any] = {
        "dataset": dataset.name,
        "n": len(questions),
        "answerdesk": summarize(runs, has_answers=True),
        "baselines": {},
        "config": {
            "split": split,
            "embedder": settings.embedder,
            "threshold": answerer.threshold,
            "scope_threshold": answerer.scope_threshold,
            "writer": "llm" if answerer.writer else "extractive",
            "documents": len(dataset.documents),
        },
    }
    if with_baselines and dataset.documents:
        from evals.baselines import BM25Baseline, DenseBaseline, LangChainNaiveBaseline

        for name, builder in (
            ("bm25", BM25Baseline),
            ("dense", DenseBaseline),
            ("langchain_naive", LangChainNaiveBaseline),
        ):
            baseline = builder(dataset.documents)
            with _progress(f"{name} on {dataset.name}", show_progress) as progress:
                peer_runs = run_baseline(baseline, dataset.name, questions, progress)
            peer = summarize(peer_runs, has_answers=False)
            # Each peer answers as many questions as answerdesk did: its most confident ones (its own top score).
            peer["precision_at_coverage"] = at_coverage(peer_runs, result["answerdesk"]["coverage"])
            result["baselines"][name] = peer
            close = getattr(baseline, "close", None)
            if close:
                close()
    return result, runs


@click.command("eval")
@click.argument("dataset", type=click.Choice([*DATASET_NAMES, *LOOP_EVALS, "custom"]))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with every figure.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Write JSON, Markdown, PNGs.")
@click.option("--limit", type=click.IntRange(min=1), help="Use N questions (a seeded sample).")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True)
@click.option(
    "--split",
    type=click.Choice(SPLITS),
    default="test",
    show_default=True,
    help="test: held out from calibration and tuning; dev: what calibration uses; all: both.",
)
@click.option("--no-baselines", is_flag=True, help="Skip the peers (BM25, dense, naive LangChain RAG).")
@click.option("--kb", type=click.Path(exists=True, path_type=Path), help="Your own knowledge base (with --questions).")
@click.option(
    "--questions",
    "questions_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSONL: {question, relevant: [ids], answer?, unanswerable?}.",
)
@click.option(
    "--held-out",
    type=click.IntRange(min=2),
    help="gap-verification: StackFAQ threads held out of the knowledge base and asked as gaps (default 30).",
)
def eval_command(
    dataset: str,
    as_json: bool,
    out_dir: Path | None,
    limit: int | None,
    seed: int,
    split: str,
    no_baselines: bool,
    kb: Path | None,
    questions_file: Path | None,
    held_out: int | None,
) -> None:
    """Measure answerdesk on DATASET next to BM25, dense and naive LangChain RAG peers, in one run.

    gap-verification measures the knowledge loop instead: StackFAQ threads held out of the knowledge base are asked
    through the widget API, and the gaps they form are resolved with the right FAQ, a wrong one and a useless one."""
    settings = load_settings()
    if dataset == "gap-verification":
        from evals.verification import HELD_OUT_THREADS, run_verification_eval

        run_verification_eval(
            load_dataset("stackfaq", settings.eval_data, seed=seed),
            settings,
            as_json,
            out_dir,
            held_out=held_out or HELD_OUT_THREADS,
            seed=seed,
        )
        return
    if dataset == "banking77-gaps":
        from evals.clustering import run_clustering_eval

        run_clustering_eval(
            load_dataset(dataset, settings.eval_data, seed=seed, limit=limit), settings, as_json, out_dir
        )
        return
    # The limit counts the questions of the split evaluated, as its help says, not of the whole set.
    data = sample_split(_load(dataset, settings, seed, kb, questions_file), split, limit, seed)
    result, runs = evaluate(data, settings, split, not no_baselines, show_progress=sys.stderr.isatty())
    result["config"]["seed"] = seed
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{data.name}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        (out_dir / f"{data.name}.md").write_text(render_markdown(result), encoding="utf-8")
        write_charts(result, runs, out_dir / data.name)
    click.echo(json.dumps(result) if as_json else render_table(result))


@click.command("calibrate")
@click.argument("datasets", nargs=-1, type=click.Choice(DATASET_NAMES))
@click.option(
    "--target-precision",
    type=click.FloatRange(0.5, 0.99),
    default=DEFAULT_TARGET_PRECISION,
    show_default=True,
    help="Precision the written 'threshold' reaches on the dev questions (ANSWERDESK_TARGET_PRECISION moves it).",
)
@click.option(
    "--min-answer-rate",
    type=click.FloatRange(0.5, 1.0),
    default=0.97,
    show_default=True,
    help="In-scope clinc-oos dev questions kept above the 'I don't know' cut.",
)
@click.option("--limit", type=click.IntRange(min=1), default=600, show_default=True, help="Dev questions per set.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True)
@click.option(
    "--ship", is_flag=True, help="Also write the result as the shipped default (chatbot/confidence_model.json)."
)
@click.option(
    "--scope-only",
    is_flag=True,
    help="Keep the right-answer model in use (its threshold is read again on these questions); refit only the "
    "in-scope ('I don't know') model.",
)
def calibrate_command(
    datasets: tuple[str, ...],
    target_precision: float,
    min_answer_rate: float,
    limit: int,
    seed: int,
    ship: bool,
    scope_only: bool,
) -> None:
    """Fit the confidence model ("is this answer right?") and choose the thresholds on the dev split of DATASETS
    (default: every set of several shapes whose data is present), then write DATA_DIR/calibration.json, where the
    answerer reads them."""
    settings = load_settings()
    runs: list[QuestionRun] = []
    used: list[str] = []
    for name in datasets or CALIBRATION_SETS:
        try:
            data = load_dataset(name, settings.eval_data, seed=seed)
        except DatasetUnavailable as exc:
            if datasets:
                raise click.ClickException(str(exc)) from exc
            click.echo(f"skipping {name}: {exc}", err=True)
            continue
        answerer = build_answerer(index_dataset(data, settings))
        # Answer everything: each question's label is then the citation it gets, whatever the thresholds become.
        # The "I don't know" cut too: an answer may cite another document than the top source an abstention
        # points to, so with it the labels would depend on the calibration already in DATA_DIR.
        answerer.threshold = 0.0
        answerer.scope_threshold = 0.0
        answerer.split_messages = False  # at threshold 0 every part would pass: each message is labelled whole
        questions = sample_split(data, "dev", limit, seed).questions
        with _progress(f"answerdesk on {name} (dev)", sys.stderr.isatty()) as progress:
            runs += run_answerdesk(answerer, name, questions, progress)
        used.append(name)
    if not runs:
        raise click.ClickException("no calibration data found (set ANSWERDESK_EVAL_DATA)")
    answer_model = load_calibration(settings).model if scope_only else None
    calibration = calibrate(runs, used, target_precision, min_answer_rate, answer_model)
    write_calibration(calibration, settings.calibration_path)
    if ship:
        from chatbot.confidence import MODEL_PATH

        write_calibration(calibration, MODEL_PATH)
    summary = {k: v for k, v in calibration.to_json().items() if k != "precision_curve"}
    click.echo(json.dumps(summary, indent=2))
