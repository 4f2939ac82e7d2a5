"""Surfaces in web/ are split by what they answer: a blueprint renders HTML pages or returns JSON, never both, so
no view has to guess from the path which one the caller wants (a page and its JSON twin are two blueprints over one
service function). Checked on the running app: every view function's module, and what that module calls."""

from __future__ import annotations

import ast
import inspect
import sys

from flask import Flask

HTML_CALLS = {"render_template", "render_template_string"}
JSON_CALLS = {"jsonify"}


def called_names(module_name: str) -> set[str]:
    tree = ast.parse(inspect.getsource(sys.modules[module_name]))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            function = node.func
            names.add(function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", ""))
    return names


def test_no_blueprint_serves_both_html_and_json(app: Flask) -> None:
    modules_by_blueprint: dict[str, set[str]] = {}
    for endpoint, view in app.view_functions.items():
        if "." in endpoint:  # blueprint views only (the app's own "static" route has no dot)
            modules_by_blueprint.setdefault(endpoint.split(".")[0], set()).add(view.__module__)
    assert len(modules_by_blueprint) >= 10
    for blueprint, modules in modules_by_blueprint.items():
        calls = set().union(*(called_names(module) for module in modules))
        assert not (calls & HTML_CALLS and calls & JSON_CALLS), f"blueprint {blueprint} ({modules}) mixes HTML and JSON"
        surface = {module.split(".")[1] for module in modules}
        if calls & JSON_CALLS and surface <= {"editor"}:
            assert blueprint == "editor_preview", f"{blueprint}: JSON under web/editor belongs in web/api"


def test_each_blueprint_lives_in_one_surface(app: Flask) -> None:
    for blueprint in app.blueprints.values():
        room = blueprint.import_name.split(".")[1]
        assert room in {"api", "editor", "pages"}, f"{blueprint.name} is defined in web.{room}, not a surface"
