"""Reading the data files: the eval data folder (naming what is missing), JSON, and one labelled question a line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.datasets.types import DatasetUnavailable, EvalQuestion


def required_file(data_dir: Path, dataset: str, relative: str) -> Path:
    """``data_dir / relative``, or DatasetUnavailable naming the folder the set needs when it is not there."""
    path = data_dir / relative
    if not path.exists():
        folder = data_dir / relative.split("/")[0]
        raise DatasetUnavailable(f"the {dataset!r} data set needs {folder} (set ANSWERDESK_EVAL_DATA)")
    return path


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def read_question_lines(path: Path, parse: Callable[[int, object], EvalQuestion]) -> list[EvalQuestion]:
    """One question per non-blank JSON line; a bad line or a repeated id raises ValueError naming its line."""
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            question = parse(line_no, json.loads(line))
            if question.id in seen:
                raise ValueError(f"duplicate id {question.id!r}")
        except (ValueError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
            raise ValueError(f"{path} line {line_no}: {exc}") from exc
        seen.add(question.id)
        questions.append(question)
    return questions
