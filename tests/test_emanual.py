"""The TV manual (../shared/data/emanual) as a folder of 261 Markdown pages: sync semantics at real size, and the
CI smoke eval that fails when retrieval quality drops (issue "Evals and benchmarks", item 7).

Skipped with a reason when the public data is absent (a user's checkout); CI has it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from chatbot.answering import build_answerer
from evals import metrics
from evals.datasets import load_dataset, split_of
from web.cli.ingest import ingest_command
from web.services import get_runtime

pytestmark = [pytest.mark.slow, pytest.mark.data]

SMOKE_BASELINE = Path(__file__).resolve().parent.parent / "evals" / "smoke_baseline.json"


def _ingest(runner, folder: Path) -> dict:  # type: ignore[no-untyped-def]
    result = runner.invoke(ingest_command, [str(folder), "--json"])
    line = [x for x in result.output.splitlines() if x.startswith("{")]
    assert result.exit_code == 0 and len(line) == 1, result.output
    return json.loads(line[0])


@pytest.fixture(scope="module")
def manual(eval_data: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from chatbot.config import Settings
    from web import create_app
    from web.db.engine import upgrade_database

    dataset = load_dataset("emanual", eval_data)
    folder = tmp_path_factory.mktemp("emanual-kb")
    for document in dataset.documents:
        front_matter = yaml.safe_dump({"id": document.id, "title": document.title}, allow_unicode=True)
        (folder / f"{document.id}.md").write_text(f"---\n{front_matter}---\n{document.text}\n", "utf-8")
    settings = Settings(data_dir=tmp_path_factory.mktemp("emanual-var"))
    app = create_app(settings)
    upgrade_database(app)
    with app.app_context():
        runner = app.test_cli_runner()
        first = _ingest(runner, folder)
        yield {"app": app, "runner": runner, "folder": folder, "dataset": dataset, "first": first}


def test_261_pages_are_added_then_unchanged(manual) -> None:  # type: ignore[no-untyped-def]
    first = manual["first"]
    assert (first["added"], first["failed"], first["deleted"]) == (261, [], 0)
    again = _ingest(manual["runner"], manual["folder"])
    assert (again["unchanged"], again["added"], again["updated"], again["chunks_embedded"]) == (261, 0, 0, 0)


def test_smoke_eval_quality_has_not_dropped(manual, eval_data: Path) -> None:  # type: ignore[no-untyped-def]
    baseline = json.loads(SMOKE_BASELINE.read_text(encoding="utf-8"))
    answerer = build_answerer(get_runtime(manual["app"]))
    questions = [q for q in manual["dataset"].questions if q.split == "test"][: baseline["answerable_questions"]]
    answers = [answerer.answer(q.question, audience="internal") for q in questions]
    ranking = metrics.retrieval_metrics(
        [[s.id for s in a.sources] for a in answers], [set(q.relevant) for q in questions]
    )
    assert ranking["mrr@10"] >= baseline["mrr@10"] - baseline["tolerance"], ranking

    out_of_scope = [q for q in load_dataset("clinc-oos", eval_data).unanswerable if split_of(q.id) == "test"]
    refused = [answerer.answer(q.question, audience="public").is_gap for q in out_of_scope[: baseline["oos_questions"]]]
    assert metrics.refusal_rate(refused) >= baseline["oos_refusal_rate"] - baseline["tolerance"]


def test_edit_one_page_and_delete_another(manual) -> None:  # type: ignore[no-untyped-def]
    folder: Path = manual["folder"]
    edited = folder / "section_10.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nA new paragraph about the remote's battery.\n", "utf-8")
    (folder / "section_11.md").unlink()
    report = _ingest(manual["runner"], folder)
    assert (report["updated"], report["deleted"], report["added"], report["unchanged"]) == (1, 1, 0, 259)
    live = [c for c in get_runtime(manual["app"]).store.all_chunks() if c.doc_id == "section_10"]
    assert report["chunks_embedded"] == len(live) > 0
