"""`answerdesk eval DATASET --limit N` evaluates N questions of the chosen split (a seeded sample), not the part of
an N-question sample of the whole set that falls in the split. Fast: the everyday set ships with the project, and
the evaluation itself (the model) is replaced by a stub that records what it was given."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from evals import commands
from evals.datasets import EvalDataset, load_dataset, sample_split


def run_eval(monkeypatch: pytest.MonkeyPatch, *args: str) -> EvalDataset:
    """Run `answerdesk eval` with ``args`` and return the data set it would have evaluated."""
    seen: list[EvalDataset] = []

    def fake_evaluate(
        dataset: EvalDataset, _settings: Any, split: str, _baselines: bool, show_progress: bool
    ) -> tuple[dict[str, Any], list[Any]]:
        questions = dataset.questions if split == "all" else dataset.in_split(split)
        seen.append(dataset)
        return {"dataset": dataset.name, "n": len(questions), "config": {}}, []

    monkeypatch.setattr(commands, "evaluate", fake_evaluate)
    monkeypatch.setattr(commands, "render_table", lambda result: f"n={result['n']}")
    result = CliRunner().invoke(commands.eval_command, list(args))
    assert result.exit_code == 0, result.output
    (dataset,) = seen
    return dataset


@pytest.mark.parametrize("split", ["test", "dev"])
def test_limit_counts_the_questions_of_the_split(monkeypatch: pytest.MonkeyPatch, split: str) -> None:
    dataset = run_eval(monkeypatch, "everyday", "--limit", "40", "--split", split)
    assert len(dataset.in_split(split)) == len(dataset.questions) == 40
    assert {question.split for question in dataset.questions} == {split}
    assert len(dataset.documents) == len(load_dataset("everyday").documents)  # the knowledge base is never cut


def test_limit_over_all_splits_and_above_the_split_size(monkeypatch: pytest.MonkeyPatch) -> None:
    everyday = load_dataset("everyday")
    assert len(run_eval(monkeypatch, "everyday", "--limit", "40", "--split", "all").questions) == 40
    # A limit larger than the split keeps the whole split.
    everything = run_eval(monkeypatch, "everyday", "--limit", "10000", "--split", "dev").questions
    assert everything == everyday.in_split("dev")


def test_the_sample_is_seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    first = [q.id for q in run_eval(monkeypatch, "everyday", "--limit", "40").questions]
    again = [q.id for q in run_eval(monkeypatch, "everyday", "--limit", "40").questions]
    other = [q.id for q in run_eval(monkeypatch, "everyday", "--limit", "40", "--seed", "14").questions]
    assert first == again != other
    # The command's sample is the library's: the same draw for the same seed, whoever asks.
    assert first == [q.id for q in sample_split(load_dataset("everyday"), "test", 40).questions]


def test_the_sample_keeps_unanswerable_questions_in_proportion() -> None:
    everyday = load_dataset("everyday")
    test = everyday.in_split("test")
    sample = sample_split(everyday, "test", 40).questions
    share = sum(q.unanswerable for q in test) / len(test)
    assert sum(q.unanswerable for q in sample) == round(40 * share)
    assert sample == [q for q in test if q in sample]  # in the set's order
