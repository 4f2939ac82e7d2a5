"""`answerdesk eval banking77-gaps`: gap clustering measured on the Banking77 test queries, in file order and in
three seeded shuffles, next to the simplest online clustering, in one run.

Every run feeds the questions once, in the given order, to :class:`evals.clustering.simulation.GapSimulation` (the
web service's rules from chatbot.gaps, in memory: online join plus a regrouping every 100 or more questions) and
scores what editors would see after a last regrouping (``answerdesk``); ``answerdesk_online`` is the state just
before that last regrouping, i.e. what editors see between two. The Banking77 files are sorted by intent, which
flatters any order-dependent method; a real stream is mixed, hence the shuffles.
The targets (issue 5): V-measure >= 0.85, purity >= 0.85, at most two gaps per intent on average (gaps / intents).
``intent_spread`` is another figure: how many gaps one intent is scattered over, on average.

Baselines, same questions and order: ``centroid_threshold`` joins the nearest centroid at cosine >= 0.7 (the issue's
reference setting, ~530 gaps); ``centroid_threshold_matched`` is the same method with its threshold set so that it
makes at least as many gaps as answerdesk did in that run (the fair comparison: more gaps buy purity).

How the defaults of :class:`chatbot.gaps.config.GapConfig` were chosen, on Banking77 *train*:
evals/clustering/tuning.py. Modules: simulation (the question stream grouped in memory), scoring (the simulation
and the baselines, scored per order), tables (what `answerdesk eval` prints and writes), tuning (the train figures
and ``python -m evals.clustering train``).
"""

from evals.clustering.scoring import (
    BASELINE_THRESHOLD,
    cluster_scores,
    evaluate_clustering,
    matched_baseline,
    run_clusterer,
)
from evals.clustering.tables import (
    clustering_rows,
    render_clustering_markdown,
    render_clustering_table,
    run_clustering_eval,
)

__all__ = [
    "BASELINE_THRESHOLD",
    "cluster_scores",
    "clustering_rows",
    "evaluate_clustering",
    "matched_baseline",
    "render_clustering_markdown",
    "render_clustering_table",
    "run_clusterer",
    "run_clustering_eval",
]
