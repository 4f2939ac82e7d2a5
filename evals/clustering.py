"""`answerdesk eval banking77-gaps`: gap clustering measured on the Banking77 test queries, in file order and in
three seeded shuffles, next to the simplest online clustering, in one run.

Every run feeds the questions once, in the given order, to :class:`chatbot.gaps.GapClusterer` (online join plus a
regrouping every 100 or more questions) and scores what editors would see after a last regrouping (``answerdesk``);
``answerdesk_online`` is the state just before that last regrouping, i.e. what editors see between two. The Banking77
files are sorted by intent, which flatters any order-dependent method; a real stream is mixed, hence the shuffles.
The targets (issue 5): V-measure >= 0.85, purity >= 0.85, at most two gaps per intent on average (gaps / intents).
``intent_spread`` is another figure: how many gaps one intent is scattered over, on average.

Baselines, same questions and order: ``centroid_threshold`` joins the nearest centroid at cosine >= 0.7 (the issue's
reference setting, ~530 gaps); ``centroid_threshold_matched`` is the same method with its threshold set so that it
makes at least as many gaps as answerdesk did in that run (the fair comparison: more gaps buy purity).

How :class:`chatbot.gaps.GapConfig` was chosen: on Banking77 *train* only (``python -m evals.clustering train``):
three seeded shuffled samples of test size (3,080 questions, intents unbalanced as in train) and samples with fewer
or more intents and questions per intent. Measured on shuffled thirds of train cut at two gaps per intent (154), in
V-measure / purity: Ward on the raw vectors 0.80 / 0.77; average linkage 0.78 / 0.58; complete linkage 0.78 / 0.67;
k-means 0.79 / 0.76; Louvain communities on a 5-nearest-neighbour graph 0.81 / 0.79; Ward on vectors smoothed with
their 5 nearest neighbours 0.815 / 0.80 (chosen; with the density-scaled cut it makes about 1.7 gaps per intent).
At 130 gaps on one sample: spectral clustering on a 10-nearest-neighbour graph 0.805 / 0.775 against 0.815 / 0.774;
HDBSCAN 0.79 / 0.82 but with 261 gaps (43% of the questions left as noise and attached afterwards). No gain from
TF-IDF keyword features mixed in (weights 0.3 to 1.0: -0.00 to -0.04 V), from whitening (-0.03 to -0.10), from the
multilingual-e5-small embedder (-0.05) or MiniLM and e5 concatenated (+0.003), from re-assigning members to their
nearest centroid or by k-nearest-neighbour vote afterwards (+-0.005). The smoothing weights only neighbours at
cosine >= 0.5 so that a small pool with few real paraphrases is not averaged with unrelated questions. The cut scale
(0.8) keeps every train sample at or below 1.85 gaps per intent (0.75 reached 2.0 on one). The online join
threshold (0.75) barely matters for the final figures (regrouping starts from the questions); 0.7 to 0.85 all give
about V 0.81 / purity 0.78 just before the last regrouping on the train samples.

Train figures of the chosen configuration (V / purity / gaps): 0.815 / 0.774 / 130, 0.806 / 0.749 / 131,
0.819 / 0.773 / 131; the baseline at no fewer gaps: 0.748 / 0.538, 0.747 / 0.545, 0.739 / 0.515.
Test (measured once, at the end): 0.822 / 0.772 / 132 gaps (1.71 per intent) in file order and in all three
shuffles alike; the baseline at no fewer gaps 0.743 / 0.509 (file order), at 0.7 0.799 / 0.834 with 530 gaps.

Known limit: the target (0.85 / 0.85 at two gaps per intent) is above what any method above reaches on MiniLM
vectors of *shuffled* Banking77 questions. The earlier design (strict join + Ward merges of whole gaps) reached
0.868 / 0.860 only in file order, where the sort by intent does part of the work, and fell to 0.58 / 0.24 shuffled.
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np
import numpy.typing as npt

from chatbot.config import Settings
from chatbot.embedders import Embedder
from chatbot.gaps import GapClusterer, GapConfig, GapEvidence
from chatbot.keyword import tokenize
from evals.datasets import EvalDataset

BASELINE_THRESHOLD = 0.7  # the reference setting of the issue: ~530 gaps on Banking77 test
SHUFFLE_SEEDS = (0, 1, 2)
TRAIN_SAMPLE_SEEDS = (100, 101, 102)
TARGET_V_MEASURE = 0.85
TARGET_PURITY = 0.85
TARGET_GAPS_PER_INTENT = 2.0


def centroid_threshold_baseline(vectors: npt.NDArray[np.float32], threshold: float = BASELINE_THRESHOLD) -> list[int]:
    """The simplest online clustering: join the gap with the nearest centroid if its cosine is >= ``threshold``,
    otherwise open a new gap. No merging, no keywords."""
    sums: list[npt.NDArray[np.float64]] = []
    labels: list[int] = []
    matrix = np.zeros((0, vectors.shape[1]), dtype=np.float64)
    for vector in vectors:
        best = -1
        if sums:
            scores = (matrix @ vector) / np.linalg.norm(matrix, axis=1)
            candidate = int(np.argmax(scores))
            best = candidate if scores[candidate] >= threshold else -1
        if best < 0:
            best = len(sums)
            sums.append(np.zeros(vectors.shape[1], dtype=np.float64))
            matrix = np.vstack([matrix, sums[-1]])
        sums[best] += vector
        matrix[best] = sums[best]
        labels.append(best)
    return labels


def matched_baseline(vectors: npt.NDArray[np.float32], gaps: int) -> tuple[float, list[int]]:
    """The baseline at the lowest threshold (on a 0.005 grid) that makes at least ``gaps`` gaps: (threshold,
    labels). The gap count grows with the threshold, so bisection finds it in eight runs."""
    low, high = 0.30, 0.99
    best: tuple[float, list[int]] | None = None
    for _ in range(8):
        middle = round((low + high) / 2 / 0.005) * 0.005
        labels = centroid_threshold_baseline(vectors, middle)
        if len(set(labels)) >= gaps:
            best, high = (middle, labels), middle
        else:
            low = middle
    if best is None:
        best = (high, centroid_threshold_baseline(vectors, high))
    return best


@dataclass(frozen=True)
class StreamRun:
    online: list[int]  # gap of each question after the single pass (periodic regroupings included)
    final: list[int]  # after the last regrouping: what editors see
    seconds: float


def run_stream(evidence: Sequence[GapEvidence], config: GapConfig | None = None) -> StreamRun:
    started = time.perf_counter()
    clusterer = GapClusterer(config)
    for item in evidence:
        clusterer.assign(item)
    ids = [_member_id(item, i) for i, item in enumerate(evidence)]
    online = [clusterer.gap_of(member_id) for member_id in ids]
    clusterer.consolidate()
    final = [clusterer.gap_of(member_id) for member_id in ids]
    return StreamRun(online, final, time.perf_counter() - started)


def run_clusterer(evidence: Sequence[GapEvidence], config: GapConfig | None = None) -> list[int]:
    """Final gap of every piece of evidence after a single pass and a last regrouping (what editors see)."""
    return run_stream(evidence, config).final


def _member_id(item: GapEvidence, position: int) -> str:
    return item.id if item.id is not None else f"#{position}"


def cluster_scores(
    labels_true: Sequence[str], labels_pred: Sequence[int], seconds: float | None = None
) -> dict[str, Any]:
    from sklearn.metrics import adjusted_rand_score, homogeneity_completeness_v_measure

    from evals.metrics import clustering_metrics

    true = [str(label) for label in labels_true]
    pred = [str(label) for label in labels_pred]
    homogeneity, completeness, v_measure = homogeneity_completeness_v_measure(true, pred)
    base = clustering_metrics(true, pred)
    intents, gaps = len(set(true)), len(set(pred))
    scores: dict[str, Any] = {
        "v_measure": round(float(v_measure), 4),
        "purity": round(base["purity"], 4),
        "homogeneity": round(float(homogeneity), 4),
        "completeness": round(float(completeness), 4),
        "adjusted_rand": round(float(adjusted_rand_score(true, pred)), 4),
        "gaps": gaps,
        "gaps_per_intent": round(gaps / intents, 3),
        "intent_spread": round(base["clusters_per_label"], 3),
    }
    if seconds is not None:
        scores["seconds"] = round(seconds, 2)
    return scores


def meets_target(scores: dict[str, Any]) -> bool:
    return bool(
        scores["v_measure"] >= TARGET_V_MEASURE
        and scores["purity"] >= TARGET_PURITY
        and scores["gaps_per_intent"] <= TARGET_GAPS_PER_INTENT
    )


def evaluate_order(
    evidence: Sequence[GapEvidence], vectors: npt.NDArray[np.float32], intents: Sequence[str], config: GapConfig
) -> dict[str, Any]:
    """answerdesk and both baselines on the questions in the order given."""
    run = run_stream(evidence, config)
    ours = cluster_scores(intents, run.final, run.seconds)
    started = time.perf_counter()
    reference = centroid_threshold_baseline(vectors)
    reference_seconds = time.perf_counter() - started
    threshold, matched = matched_baseline(vectors, ours["gaps"])
    return {
        "answerdesk": ours,
        "answerdesk_online": cluster_scores(intents, run.online),
        "centroid_threshold": cluster_scores(intents, reference, reference_seconds),
        "centroid_threshold_matched": {**cluster_scores(intents, matched), "threshold": threshold},
        "target_met": meets_target(ours),
    }


def evidence_for(texts: Sequence[str], vectors: npt.NDArray[np.float32], ids: Sequence[str]) -> list[GapEvidence]:
    return [
        GapEvidence(text=text, vector=vectors[i], tokens=tuple(tokenize(text)), id=ids[i])
        for i, text in enumerate(texts)
    ]


def evaluate_clustering(
    dataset: EvalDataset,
    embedder: Embedder,
    config: GapConfig | None = None,
    seeds: Sequence[int] = SHUFFLE_SEEDS,
) -> dict[str, Any]:
    """Cluster the questions of ``dataset`` (each with ``meta["intent"]``) in file order and in each shuffle."""
    config = config or GapConfig()
    questions = dataset.questions
    if not questions:
        raise ValueError(f"{dataset.name} has no questions")
    intents = [q.meta["intent"] for q in questions]
    started = time.perf_counter()
    vectors = np.asarray(embedder.encode_queries([q.question for q in questions]), dtype=np.float32)
    embed_seconds = time.perf_counter() - started
    evidence = evidence_for([q.question for q in questions], vectors, [q.id for q in questions])
    orders: dict[str, dict[str, Any]] = {"file": evaluate_order(evidence, vectors, intents, config)}
    for seed in seeds:
        order = list(range(len(questions)))
        random.Random(seed).shuffle(order)
        orders[f"shuffled-{seed}"] = evaluate_order(
            [evidence[i] for i in order], vectors[order], [intents[i] for i in order], config
        )
    return {
        "dataset": dataset.name,
        "n": len(questions),
        "intents": len(set(intents)),
        # The file-order figures under the keys every eval result has (evals.report, evals.bench.report).
        "answerdesk": orders["file"]["answerdesk"],
        "baselines": {"centroid_threshold": orders["file"]["centroid_threshold"]},
        "orders": orders,
        "target_met": all(o["target_met"] for o in orders.values()),
        "config": {
            "embedder": embedder.name,
            "embed_seconds": round(embed_seconds, 2),
            "gap_config": dict(config.__dict__),
            "baseline_threshold": BASELINE_THRESHOLD,
            "shuffle_seeds": list(seeds),
            "targets": {
                "v_measure": TARGET_V_MEASURE,
                "purity": TARGET_PURITY,
                "gaps_per_intent": TARGET_GAPS_PER_INTENT,
            },
        },
    }


# -- Banking77 train: what the defaults were chosen on ------------------------------------------------------------
def load_banking77_train(data_dir: Path) -> tuple[list[str], list[str]]:
    """(texts, intents) of ``banking77/train.csv``."""
    with (data_dir / "banking77" / "train.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [row["text"].strip() for row in rows], [row["category"].strip() for row in rows]


def train_samples(intents: Sequence[str], size: int, seeds: Sequence[int] = TRAIN_SAMPLE_SEEDS) -> list[list[int]]:
    """Shuffled test-sized samples of train (indices), one per seed."""
    samples = []
    for seed in seeds:
        order = list(range(len(intents)))
        random.Random(seed).shuffle(order)
        samples.append(order[:size])
    return samples


def evaluate_train(
    texts: Sequence[str],
    intents: Sequence[str],
    vectors: npt.NDArray[np.float32],
    config: GapConfig | None = None,
    size: int = 3080,
) -> dict[str, Any]:
    """The tuning figures: answerdesk and the matched baseline on shuffled test-sized samples of train."""
    config = config or GapConfig()
    ids = [f"banking77-train-{i}" for i in range(len(texts))]
    samples: dict[str, Any] = {}
    for seed, sample in zip(TRAIN_SAMPLE_SEEDS, train_samples(intents, size), strict=True):
        evidence = evidence_for([texts[i] for i in sample], vectors[sample], [ids[i] for i in sample])
        sample_intents = [intents[i] for i in sample]
        run = run_stream(evidence, config)
        ours = cluster_scores(sample_intents, run.final, run.seconds)
        _, matched = matched_baseline(vectors[sample], ours["gaps"])
        samples[f"sample-{seed}"] = {
            "answerdesk": ours,
            "answerdesk_online": cluster_scores(sample_intents, run.online),
            "centroid_threshold_matched": cluster_scores(sample_intents, matched),
            "intent_sizes": sorted(Counter(sample_intents).values())[:: max(1, len(set(sample_intents)) // 8)],
        }
    return {"dataset": "banking77-train", "n": size, "samples": samples, "gap_config": dict(config.__dict__)}


# -- rendering ------------------------------------------------------------------------------------------------------
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


def render_train_table(result: dict[str, Any]) -> str:
    lines = [f"{result['dataset']}: shuffled samples of {result['n']} questions"]
    for name, figures in result["samples"].items():
        for label in ("answerdesk", "answerdesk_online", "centroid_threshold_matched"):
            scores = figures[label]
            lines.append(
                f"{name:<11} {label:<27} V {scores['v_measure']:.3f}  purity {scores['purity']:.3f}  "
                f"h {scores['homogeneity']:.3f}  c {scores['completeness']:.3f}  gaps {scores['gaps']} "
                f"({scores['gaps_per_intent']:.2f}/intent)"
            )
    return "\n".join(lines)


def run_clustering_eval(dataset: EvalDataset, settings: Settings, as_json: bool, out_dir: Path | None) -> None:
    """The CLI step: evaluate, print a table (or one JSON object) and write JSON and Markdown under ``out_dir``."""
    from chatbot.embedders import get_embedder

    result = evaluate_clustering(dataset, get_embedder(settings.embedder))
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{dataset.name}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        (out_dir / f"{dataset.name}.md").write_text(render_clustering_markdown(result), encoding="utf-8")
    click.echo(json.dumps(result) if as_json else render_clustering_table(result))


@click.group()
def main() -> None:
    """Gap clustering measurements that are not part of `answerdesk eval`."""


@main.command("train")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), help="Evaluation data folder.")
@click.option(
    "--vectors",
    "vectors_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Cache of the train embeddings (.npy): written on the first run, read on later ones.",
)
@click.option("--json", "as_json", is_flag=True)
def train_command(data_dir: Path | None, vectors_path: Path | None, as_json: bool) -> None:
    """The figures GapConfig was tuned on: Banking77 *train*, shuffled test-sized samples."""
    from chatbot.config import load_settings
    from chatbot.embedders import get_embedder

    settings = load_settings()
    texts, intents = load_banking77_train(data_dir or settings.eval_data)
    if vectors_path and vectors_path.exists():
        vectors = np.load(vectors_path).astype(np.float32)
    else:
        vectors = np.asarray(get_embedder(settings.embedder).encode_queries(texts), dtype=np.float32)
        if vectors_path:
            np.save(vectors_path, vectors)
    if len(vectors) != len(texts):
        raise click.ClickException(f"{vectors_path} holds {len(vectors)} vectors for {len(texts)} questions")
    result = evaluate_train(texts, intents, vectors)
    click.echo(json.dumps(result) if as_json else render_train_table(result))


if __name__ == "__main__":
    main()
