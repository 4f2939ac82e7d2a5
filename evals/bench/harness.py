"""What the ingest and latency benchmarks share: a throw-away data dir and app, the E-Manual, the machine, the result.

Both run in fresh temporary data dirs so that nothing under var/ is touched except the result file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from flask import Flask

from chatbot.config import Settings, load_settings

SOURCE_ROOT = "bench:emanual"  # the source root the E-Manual is synced under (documents are not files)


def machine_info() -> dict[str, Any]:
    """What the figures were measured on. Keys as in evals.bench.load's result, plus library versions."""
    import torch

    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }
    for package in ("sentence-transformers", "chromadb"):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            info[package] = None
    return info


def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def bench_settings(data_dir: Path, base: Settings | None = None) -> Settings:
    """Settings for a throw-away data dir: embedded Chroma, SQLite, MiniLM, no LLM."""
    base = base or load_settings()
    return base.replace(
        data_dir=data_dir,
        database_url=None,
        chroma_url=None,
        collection="bench",
        embedder="minilm",
        llm="none",
        log_level="warning",
    )


def open_app(settings: Settings) -> Flask:
    from web import create_app
    from web.db.engine import upgrade_database

    app = create_app(settings)
    upgrade_database(app)
    return app


def load_emanual(settings: Settings, limit: int | None = None) -> Any:
    """The E-Manual data set, or None (with a message on stderr) when its data is absent."""
    from evals.datasets import DatasetUnavailable, load_dataset

    try:
        return load_dataset("emanual", settings.eval_data, limit=limit)
    except DatasetUnavailable as exc:
        print(f"skipped: {exc}", file=sys.stderr)
        return None


def write_result(result: dict[str, Any], path: Path | None) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


def command_line(module: str, argv: Sequence[str] | None) -> str:
    args = list(sys.argv[1:] if argv is None else argv)
    return " ".join(["python", "-m", module, *args])


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
