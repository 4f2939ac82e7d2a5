"""The gap rules' tuned figures, shared by the web service and the evals."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GapConfig:
    """Chosen on Banking77 *train* (shuffled samples of test size); evals/clustering/tuning.py has the figures and
    re-measures them. How often the web service regroups is a setting (ANSWERDESK_GAP_CONSOLIDATE_EVERY); the evals'
    simulation has its own schedule (evals/clustering/simulation.py)."""

    # Online join: cosine to a gap's centroid needed to join it. Only decides what editors see between two
    # regroupings (regrouping starts from the questions, not from the gaps).
    join_threshold: float = 0.75
    keyword_weight: float = 0.0  # weight of IDF-weighted keyword overlap in the join score (0: measured no gain)
    # Regrouping.
    neighbours: int = 5  # nearest neighbours averaged into each question's vector before clustering
    neighbour_min_cosine: float = 0.5  # ... only neighbours at least this similar (a small pool has few real ones)
    # Ward cut distance = cut_scale x sqrt(1 + the median number of other questions at cosine >= density_cosine):
    # that median tracks how many questions a topic has in the pool, and Ward's cost of merging two topics grows
    # with the square root of it. With no close neighbours at all, two questions merge at smoothed cosine >= 0.68.
    density_cosine: float = 0.75
    cut_scale: float = 0.8
    max_regroup: int = 4000  # questions per scope one regrouping handles (memory grows with the square)
    profile_tokens: int = 40  # token counts kept per gap (the rest are rare words of single questions)
