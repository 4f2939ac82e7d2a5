"""The targets table never shows a figure that misses its bound as the bound itself."""

from __future__ import annotations

import pytest

from evals.bench.targets import at_least, shown


@pytest.mark.parametrize(
    ("value", "shows"),
    [
        (0.7499563318777293, "0.74996"),  # would read "0.75" against ">= 0.75", and is not met
        (0.7500436, "0.75004"),  # met by a hair: the digits say so too
        (0.7328, "0.733"),  # far from the bound: three places as everywhere else
        (0.75, "0.75"),
        (None, "-"),
    ],
)
def test_a_figure_beside_its_bound_shows_enough_digits(value: float | None, shows: str) -> None:
    assert shown(value, 0.75) == shows


def test_the_verdict_and_the_figure_agree() -> None:
    value = 0.7499563318777293
    assert at_least(value, 0.75) is False and float(shown(value, 0.75)) < 0.75
