"""Imports point down: chatbot <- ingest <- web <- evals. Each package's modules are read with ``ast`` (imports
inside functions and under ``if TYPE_CHECKING:`` included), so a lazy import cannot hide a dependency upwards.

- chatbot (retrieval, answering) knows no web framework, no database and no other area;
- ingest (loading, chunking, the sync pipeline and its SQL catalogue) knows neither the web app nor the evals;
- web (the app and the CLI) does not import evals, which adds its commands through the ``answerdesk.commands``
  entry-point group (web/cli/__init__.py).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLASK = ("flask", "flask_*")  # "flask_*": every Flask extension (flask_sqlalchemy, flask_login, ...)

# Top-level names a package must not import; "name_*" is a prefix.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "chatbot": (*FLASK, "sqlalchemy", "web", "ingest", "evals"),
    "ingest": (*FLASK, "web", "evals"),
    "web": ("evals",),
}
IMPORT_FUNCTIONS = {"import_module", "__import__"}


def modules(package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package``."""
    found: dict[str, Path] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imported_names(source: str, module: str, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every import in ``source``: statements anywhere in the file, relative imports
    resolved against ``module``, and ``importlib.import_module("...")``/``__import__("...")`` with a literal."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            prefix = ".".join([*base, node.module] if node.module else base)
            if node.module:
                yield node.lineno, prefix
            # "from web import models" imports web.models; "from . import x" has no module of its own.
            for alias in node.names:
                yield node.lineno, f"{prefix}.{alias.name}" if prefix else alias.name
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            if name in IMPORT_FUNCTIONS and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def is_forbidden(name: str, forbidden: tuple[str, ...]) -> bool:
    top = name.split(".")[0]
    return any(top.startswith(rule[:-1]) if rule.endswith("*") else top == rule for rule in forbidden)


def violations(package: str) -> list[str]:
    found = []
    for module, path in modules(package).items():
        source = path.read_text(encoding="utf-8")
        for line, name in imported_names(source, module, is_package=path.name == "__init__.py"):
            if is_forbidden(name, FORBIDDEN[package]):
                found.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    return sorted(set(found))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_down(package: str) -> None:
    assert violations(package) == [], f"{package} must not import {', '.join(FORBIDDEN[package])}"


WEB_FOUNDATIONS = ("db", "access", "audit", "http")
WEB_DOMAINS = ("chat", "gaps", "articles", "analytics")
WEB_SURFACES = ("api", "editor", "pages", "cli")


def test_web_rooms_import_downwards() -> None:
    """Inside web/: surfaces use domain rooms, domain rooms use foundations, never the other way round."""
    below = {room: WEB_DOMAINS + WEB_SURFACES for room in WEB_FOUNDATIONS} | {
        room: WEB_SURFACES for room in WEB_DOMAINS
    }
    found = []
    for module, path in modules("web").items():
        parts = module.split(".")
        if len(parts) < 3 or parts[1] not in below:
            continue
        for line, name in imported_names(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"):
            target = name.split(".")
            if target[0] == "web" and len(target) > 1 and target[1] in below[parts[1]]:
                found.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert sorted(set(found)) == []


@pytest.mark.parametrize("package", ["chatbot", "ingest"])
def test_no_import_cycles(package: str) -> None:
    """No module of the package imports, even lazily, a module that imports it back (answering <-> llms was one)."""
    names = modules(package)
    graph: dict[str, set[str]] = {}
    for module, path in names.items():
        imported = imported_names(path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py")
        graph[module] = {name for _line, name in imported if name in names and name != module}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            current = todo.pop()
            if current == goal:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(graph[current])
        return False

    cycles = sorted(f"{a} <-> {b}" for a in graph for b in graph[a] if a < b and reaches(b, a))
    assert cycles == []


def test_the_walk_sees_lazy_relative_and_dynamic_imports() -> None:
    source = (
        "import os\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from flask import Flask\n"
        "def f():\n    from web.db.models import db\n    import evals.commands\n"
        "    importlib.import_module('sqlalchemy.orm')\n"
        "from .store import VectorStore\n"
        "from .. import web\n"
    )
    names = {name for _line, name in imported_names(source, "chatbot.answering")}
    assert {"flask", "web.db.models", "evals.commands", "sqlalchemy.orm", "chatbot.store", "web"} <= names
    assert is_forbidden("flask_sqlalchemy", FORBIDDEN["chatbot"])
    assert is_forbidden("web.db.models", FORBIDDEN["ingest"])
    assert not is_forbidden("webob", FORBIDDEN["ingest"])
    assert not is_forbidden("evaluate", FORBIDDEN["web"])
    assert not is_forbidden("chatbot.config", FORBIDDEN["web"])
