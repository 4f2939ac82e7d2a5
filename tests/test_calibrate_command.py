"""`answerdesk calibrate` on the everyday set (it ships with the repository): real model, real index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from chatbot.confidence import MODEL_PATH
from evals.commands import calibrate_command


def _calibrate(data_dir: Path, monkeypatch: pytest.MonkeyPatch, *options: str) -> dict[str, Any]:
    monkeypatch.setenv("ANSWERDESK_DATA_DIR", str(data_dir))
    result = CliRunner().invoke(calibrate_command, ["everyday", *options], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    written: dict[str, Any] = json.loads((data_dir / "calibration.json").read_text(encoding="utf-8"))
    return written


def _shipped_with_thresholds(path: Path, threshold: float) -> Path:
    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    changed = {**shipped, "threshold": threshold, "scope": {**shipped["scope"], "threshold": threshold}}
    changed.pop("precision_curve", None)  # the answer threshold is then the one written here
    path.write_text(json.dumps(changed), encoding="utf-8")
    return path


def test_the_calibration_in_use_does_not_change_the_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Calibration answers every question, whatever the calibration in use says: each label is the citation the
    question gets when answered, which is not always the top source an abstention would point to. Run once under a
    calibration that answers everything and once under one that refuses everything ("I don't know" from 0.999):
    the fit must be the same, or every refit would drift from the calibration it replaces (``--ship`` writes the
    file the next run starts from)."""
    data_dir = tmp_path / "data"
    monkeypatch.setattr("chatbot.answering.SHIPPED_MODEL_PATH", _shipped_with_thresholds(tmp_path / "all.json", 0.0))
    first = _calibrate(data_dir, monkeypatch)
    assert first["dev"]["datasets"] == ["everyday"]
    (data_dir / "calibration.json").unlink()
    monkeypatch.setattr("chatbot.answering.SHIPPED_MODEL_PATH", _shipped_with_thresholds(tmp_path / "none.json", 0.999))
    second = _calibrate(data_dir, monkeypatch)
    assert (second["weights"], second["threshold"], second["precision_curve"]) == (
        first["weights"],
        first["threshold"],
        first["precision_curve"],
    )


def test_scope_only_keeps_the_answer_model_and_refits_the_scope_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    written = _calibrate(tmp_path, monkeypatch, "--scope-only")
    assert (written["weights"], written["bias"]) == (shipped["weights"], shipped["bias"])
    # Fitted on the everyday set alone, the in-scope model is not the shipped one (fitted on six sets).
    assert written["scope"]["weights"] != shipped["scope"]["weights"]
    assert written["dev"]["datasets"] == ["everyday"]
