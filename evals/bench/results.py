"""The benchmark results in var/bench as the report reads them, and how a figure is written down.

Each file is optional (a missing one reads as None and is reported as "not measured"); a figure is read with
:func:`get`, which gives None for any missing key instead of raising, so a partial or older result still renders.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The order of the evaluations on the page (an unknown data set goes last, by name).
EVAL_ORDER = (
    "emanual",
    "near-oos",
    "clinc-oos",
    "stackfaq",
    "stackfaq-oos",
    "cmrc2018",
    "everyday",
    "kestrel",
    "parcelpoint",
    "vela",
    "orla",
    "other-product",
    "banking77-gaps",
    "gap-verification",
)

Json = dict[str, Any]


# -- reading ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Result:
    data: Json
    path: Path
    modified: str  # file modification time, UTC, to the minute

    @property
    def skipped(self) -> str | None:
        reason = self.data.get("skipped")
        return str(reason) if reason else None

    @property
    def when(self) -> str:
        measured = self.data.get("measured_at")
        return str(measured).replace("T", " ").replace("+00:00", " UTC") if measured else self.modified


def read_result(path: Path) -> Result | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Result(data, path, modified)


def read_evals(directory: Path) -> list[Result]:
    # The gap-verification eval has no "answerdesk" column (it measures the product path, not one system vs peers).
    found = [
        r
        for p in sorted(directory.glob("*.json"))
        if (r := read_result(p)) and ("answerdesk" in r.data or r.data.get("dataset") == "gap-verification")
    ]
    rank = {name: i for i, name in enumerate(EVAL_ORDER)}
    return sorted(found, key=lambda r: (rank.get(str(r.data.get("dataset")), len(rank)), str(r.data.get("dataset"))))


# -- figures ------------------------------------------------------------------------------------------------------
def fmt(value: Any, digits: int = 3) -> str:
    """A figure as the page shows it: "-" when missing, yes/no, floats to ``digits`` places without trailing zeros."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return str(value)


def get(data: Json | None, *keys: str) -> Any:
    """``data[key][key]...``, or None as soon as a key is missing or a level is not a dict."""
    value: Any = data
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
