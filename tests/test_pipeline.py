"""Sync semantics of the ingest pipeline with the real model, a real Chroma and real SQLite."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from web.cli.ingest import ingest_command
from web.db.models import Document, DocumentVersion, db
from web.services import get_runtime

pytestmark = pytest.mark.slow


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _article(title: str, body: str, audience: str = "public") -> str:
    return f"---\ntitle: {title}\naudience: {audience}\n---\n# {title}\n\n{body}\n"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    _write(root / "billing" / "refunds.md", _article("Refunds", "Refunds are possible within 30 days of payment."))
    _write(
        root / "billing" / "plans.md",
        _article("Plans", "## Free\n\nOne user.\n\n## Plus\n\nFive users for 12 EUR a month.\n"),
    )
    _write(
        root / "account" / "password.md", _article("Reset your password", "1. Open the login page.\n2. Click Forgot.")
    )
    _write(root / "internal" / "limits.md", _article("Approval limits", "Tier 2 may approve 500 EUR.", "internal"))
    _write(
        root / "faq.csv",
        "question,answer,id\nHow long do refunds take?,Five business days.,refund-time\nCan I pay by card?,Yes.,\n",
    )
    return root


def _ingest(runner, *args: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    result = runner.invoke(ingest_command, [*args, "--json"])
    lines = [line for line in result.output.splitlines() if line.startswith("{")]
    assert len(lines) == 1, result.output
    return result.exit_code, json.loads(lines[0])


def _live_chunk_ids(app) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    runtime = get_runtime(app)
    by_doc: dict[str, set[str]] = {}
    for chunk in runtime.store.all_chunks():
        by_doc.setdefault(chunk.doc_id, set()).add(f"{chunk.id}@{chunk.version}")
    return by_doc


def test_first_sync_adds_everything_and_second_embeds_nothing(app, runner, kb: Path) -> None:
    code, report = _ingest(runner, str(kb))
    assert code == 0
    assert report["added"] == 6 and report["failed"] == [] and report["chunks_embedded"] >= 6
    assert isinstance(report["seconds"], float)

    code, again = _ingest(runner, str(kb))
    assert code == 0
    assert again == {**again, "added": 0, "updated": 0, "unchanged": 6, "deleted": 0, "chunks_embedded": 0}

    ids = {d.id for d in db.session.scalars(select(Document))}
    assert ids == {
        "billing/refunds.md",
        "billing/plans.md",
        "account/password.md",
        "internal/limits.md",
        "faq.csv#refund-time",
        "faq.csv#2",
    }


def test_edit_and_delete_touch_only_those_documents(app, runner, kb: Path) -> None:
    _ingest(runner, str(kb))
    before = _live_chunk_ids(app)
    plans_text = (kb / "billing" / "plans.md").read_text()
    (kb / "billing" / "plans.md").write_text(plans_text.replace("12 EUR", "14 EUR"))
    (kb / "account" / "password.md").unlink()

    code, report = _ingest(runner, str(kb))
    assert code == 0
    assert (report["updated"], report["deleted"], report["unchanged"], report["added"]) == (1, 1, 4, 0)
    after = _live_chunk_ids(app)
    assert report["chunks_embedded"] == len(after["billing/plans.md"])
    assert "account/password.md" not in after
    assert all(rid.endswith("@2") for rid in after["billing/plans.md"])  # old version's vectors are gone
    assert after["billing/refunds.md"] == before["billing/refunds.md"]

    plans = db.session.get(Document, "billing/plans.md")
    assert plans is not None and plans.current_version == 2
    assert [v.version for v in plans.versions] == [1, 2]
    assert "12 EUR" in plans.versions[0].text and "14 EUR" in plans.versions[1].text
    password = db.session.get(Document, "account/password.md")
    assert password is not None and password.deleted_at is not None
    keyword = get_runtime(app).keyword_index
    assert keyword.chunk_ids_of("account/password.md") == []
    assert keyword.search("forgot login page", 5, "internal") == [] or all(
        hit.doc_id != "account/password.md" for hit in keyword.search("forgot login page", 5, "internal")
    )


def test_one_file_named_alone_updates_it_in_its_folder_and_deletes_nothing(app, runner, kb: Path) -> None:
    """Was: naming one file took its own folder as the knowledge base, so the rest of that folder was deleted and
    the file came back as a second document under a new id ("refunds.md" beside "billing/refunds.md")."""
    _ingest(runner, str(kb))
    refunds = kb / "billing" / "refunds.md"
    refunds.write_text(refunds.read_text().replace("30 days", "45 days"))
    code, report = _ingest(runner, str(refunds))
    assert code == 0
    assert (report["updated"], report["added"], report["deleted"]) == (1, 0, 0)
    live = {row.id for row in db.session.scalars(select(Document).where(Document.deleted_at.is_(None)))}
    assert {"billing/refunds.md", "billing/plans.md", "account/password.md"} <= live and "refunds.md" not in live
    row = db.session.get(Document, "billing/refunds.md")
    assert row is not None and row.current_version == 2 and row.source_root == kb.resolve().as_posix()


def test_one_file_named_alone_keeps_the_audience_of_the_folders_above_it(app, runner, tmp_path: Path) -> None:
    """Was: a file under a folder whose _defaults.yaml says internal, ingested on its own before any folder sync,
    was public, and the public widget quoted it."""
    root = tmp_path / "handbook"
    _write(root / "_defaults.yaml", "audience: internal\n")
    vault = _write(root / "team" / "vault.md", "# Vault\n\nThe staff vault combination is 31-41-59.\n")
    code, report = _ingest(runner, str(vault))
    assert code == 0 and report["added"] == 1
    row = db.session.get(Document, "team/vault.md")  # the id a sync of the whole folder gives it
    assert row is not None and row.audience == "internal"
    runtime = get_runtime(app)
    assert runtime.keyword_index.search("vault combination", 5, "public") == []


def test_a_folder_that_moved_deletes_what_is_gone_from_it(app, runner, kb: Path, tmp_path: Path) -> None:
    """Was: the unchanged documents kept the old folder as their root, so files deleted in the new one stayed."""
    _ingest(runner, str(kb))
    moved = kb.rename(tmp_path / "moved")
    (moved / "billing" / "plans.md").unlink()
    code, report = _ingest(runner, str(moved))
    assert code == 0 and report["deleted"] == 1 and report["unchanged"] == 5
    plans = db.session.get(Document, "billing/plans.md")
    assert plans is not None and plans.deleted_at is not None


def test_a_subfolder_is_synced_as_part_of_the_folder_it_is_in(app, runner, kb: Path) -> None:
    """Was: ingesting kb/billing after kb gave its files their ids again relative to kb/billing ("refunds.md"
    beside "billing/refunds.md"): every answer listed the article twice (a browser check, round 37)."""
    _ingest(runner, str(kb))
    (kb / "billing" / "plans.md").unlink()
    refunds = kb / "billing" / "refunds.md"
    refunds.write_text(refunds.read_text().replace("30 days", "45 days"))
    code, report = _ingest(runner, str(kb / "billing"))
    assert code == 0
    assert (report["added"], report["updated"], report["deleted"]) == (0, 1, 1)  # nothing outside billing/ deleted
    live = {row.id for row in db.session.scalars(select(Document).where(Document.deleted_at.is_(None)))}
    assert live == {
        "billing/refunds.md",
        "account/password.md",
        "internal/limits.md",
        "faq.csv#refund-time",
        "faq.csv#2",
    }


def test_another_folder_with_the_same_path_does_not_replace_a_document(app, runner, kb: Path, tmp_path: Path) -> None:
    """Was: a second help centre with its own billing/refunds.md (internal) silently became the first one's article,
    and the public widget lost "Refunds" (a browser check, round 37). A moved folder still takes its documents."""
    _ingest(runner, str(kb))
    other = tmp_path / "team-notes"
    _write(other / "billing" / "refunds.md", _article("Team notes on refunds", "Approve up to 50 EUR.", "internal"))
    _write(other / "billing" / "escalation.md", _article("Escalation", "Page the on-call lead.", "internal"))
    code, report = _ingest(runner, str(other))
    assert code == 1 and report["added"] == 1
    [failure] = report["failed"]
    assert failure["path"] == "billing/refunds.md" and "duplicate document id billing/refunds.md" in failure["error"]
    row = db.session.get(Document, "billing/refunds.md")
    assert row is not None and (row.title, row.audience, row.current_version) == ("Refunds", "public", 1)
    # A copy of the whole help centre, its first place still there, is that help centre again: it takes it over.
    copy = tmp_path / "checkout"
    shutil.copytree(kb, copy)
    code, report = _ingest(runner, str(copy))
    assert code == 0 and report["unchanged"] == 6 and report["failed"] == []
    row = db.session.get(Document, "billing/refunds.md")
    assert row is not None and row.source_root == copy.resolve().as_posix()


def test_metadata_change_alone_is_a_new_version(app, runner, kb: Path) -> None:
    _ingest(runner, str(kb))
    path = kb / "billing" / "refunds.md"
    path.write_text(path.read_text().replace("audience: public", "audience: internal"))
    _, report = _ingest(runner, str(kb))
    assert report["updated"] == 1
    row = db.session.get(Document, "billing/refunds.md")
    assert row is not None and row.audience == "internal"
    runtime = get_runtime(app)
    chunks = [c for c in runtime.store.all_chunks() if c.doc_id == "billing/refunds.md"]
    assert chunks and all(c.audience == "internal" for c in chunks)
    # The public search no longer sees it, not even as an old version.
    vector = runtime.embedder.encode_queries(["Refunds are possible within 30 days of payment."])[0]
    public = [chunk_id for chunk_id, _, _ in runtime.store.query_ids(vector, 20, "public")]
    assert public and not any(chunk_id.startswith("billing/refunds.md") for chunk_id in public)
    internal = [chunk_id for chunk_id, _, _ in runtime.store.query_ids(vector, 20, "internal")]
    assert internal[0].startswith("billing/refunds.md")


def test_bad_files_are_reported_and_the_rest_ingested(app, runner, kb: Path) -> None:
    (kb / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")  # truncated
    (kb / "empty.md").write_text("")
    (kb / "binary.md").write_bytes(bytes(range(256)) * 8)
    code, report = _ingest(runner, str(kb))
    assert code == 1
    assert report["added"] == 6
    failed = {f["path"]: f["error"] for f in report["failed"]}
    assert set(failed) == {"broken.pdf", "empty.md", "binary.md"}
    assert all(failed.values())


def test_a_file_that_turns_corrupt_keeps_its_last_good_version(app, runner, kb: Path) -> None:
    _ingest(runner, str(kb))
    (kb / "billing" / "refunds.md").write_bytes(b"\x00\x01\x02 binary now")
    code, report = _ingest(runner, str(kb))
    assert code == 1 and report["deleted"] == 0
    row = db.session.get(Document, "billing/refunds.md")
    assert row is not None and row.deleted_at is None and row.current_version == 1
    assert get_runtime(app).keyword_index.chunk_ids_of("billing/refunds.md")


def test_a_file_that_fails_keeps_its_id_from_a_copy_claiming_it(app, runner, kb: Path) -> None:
    """Was: once the real file failed to load, a draft that gave itself the same id stopped being a duplicate and
    replaced the article ("updated 1"), which was not the file's last good version."""
    draft = "---\nid: billing/refunds.md\ntitle: Draft copy\n---\nDRAFT - do not publish: refunds within 90 days.\n"
    _write(kb / "drafts" / "refunds-copy.md", draft)
    code, report = _ingest(runner, str(kb))
    assert code == 1 and [f["path"] for f in report["failed"]] == ["drafts/refunds-copy.md"]
    (kb / "billing" / "refunds.md").write_text("")
    code, report = _ingest(runner, str(kb))
    assert code == 1 and report["updated"] == 0 and report["deleted"] == 0
    assert {f["path"] for f in report["failed"]} == {"billing/refunds.md", "drafts/refunds-copy.md"}
    row = db.session.get(Document, "billing/refunds.md")
    assert row is not None and row.current_version == 1 and row.source_path == "billing/refunds.md"
    assert row.title == "Refunds"


def test_crash_mid_sync_leaves_old_version_and_next_run_finishes(app, runner, kb: Path, monkeypatch) -> None:
    _ingest(runner, str(kb))
    runtime = get_runtime(app)
    for name in ("refunds.md", "plans.md"):
        path = kb / "billing" / name
        path.write_text(path.read_text() + "\nNew paragraph about VAT invoices.\n")

    def crash(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt  # Ctrl-C after the new vectors are stored, before the commit point

    monkeypatch.setattr(runtime.keyword_index, "save", crash)
    interrupted = runner.invoke(ingest_command, [str(kb), "--json"])
    assert interrupted.exit_code != 0 and "Aborted" in interrupted.output
    monkeypatch.undo()
    db.session.rollback()

    # Nothing half-written: the catalogue, the keyword index (the commit point) and what retrieval sees are old.
    keyword = type(runtime.keyword_index)(runtime.settings.keyword_index_path)
    for doc_id in ("billing/refunds.md", "billing/plans.md"):
        row = db.session.get(Document, doc_id)
        assert row is not None and row.current_version == 1
        assert keyword.live_version(doc_id) == 1
    assert not any("VAT" in t for t in _texts(runtime, "billing/refunds.md", version=1))

    code, report = _ingest(runner, str(kb))
    assert code == 0 and report["updated"] == 2
    assert _live_chunk_ids(app)["billing/refunds.md"] == {
        f"billing/refunds.md::{i}@2" for i in range(len(_live_chunk_ids(app)["billing/refunds.md"]))
    }
    versions = db.session.scalars(
        select(DocumentVersion.version).where(DocumentVersion.document_id == "billing/refunds.md")
    ).all()
    assert sorted(versions) == [1, 2]


def _texts(runtime, doc_id: str, version: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.text for c in runtime.store.all_chunks() if c.doc_id == doc_id and c.version == version]


def test_chunks_keep_heading_path_and_fit_the_model(app, runner, tmp_path: Path) -> None:
    from chatbot.embedders import get_embedder

    long_steps = "\n".join(
        f"{i}. Step number {i}: open the menu and choose option {i} carefully." for i in range(1, 80)
    )
    root = tmp_path / "kb2"
    _write(
        root / "guide.md",
        _article("Setup guide", f"## Install\n\n### Windows\n\n{long_steps}\n\n## Uninstall\n\nRun it."),
    )
    _ingest(runner, str(root))
    chunks = sorted((c for c in get_runtime(app).store.all_chunks() if c.doc_id == "guide.md"), key=lambda c: c.index)
    embedder = get_embedder("minilm")
    assert len(chunks) > 3
    assert [c.id for c in chunks] == [f"guide.md::{i}" for i in range(len(chunks))]
    assert chunks[0].heading_path == ("Install", "Windows")
    assert chunks[-1].heading_path == ("Uninstall",)
    for chunk in chunks:
        assert embedder.count_tokens(chunk.embedding_text) <= embedder.max_tokens
        assert chunk.token_count > 0
        # A numbered step is never cut in the middle: each line of a chunk is a whole step.
        for line in chunk.text.splitlines():
            if chunk.heading_path == ("Install", "Windows"):
                assert line.rstrip().endswith("carefully.")


def test_a_site_exports_error_page_is_skipped_said_and_no_longer_an_article(app, runner, kb: Path) -> None:
    # 404.html of an exported help centre was ingested as an article (a review after round 39): a folder sync skips
    # it without failing, says so, and deletes the article an earlier sync made of it.
    _write(kb / "404.html", "<html><head><title>Page not found</title></head><body><h1>Page not found</h1></body>")
    code, first = _ingest(runner, str(kb))
    assert (code, first["added"], first["failed"]) == (0, 6, [])
    reason = "a site's error page (404.html), not an article: rename it to have it read"
    assert first["skipped"] == [{"path": "404.html", "reason": reason}]
    code, named = _ingest(runner, str(kb / "404.html"))  # named on its own it is read: as an earlier version did
    assert (code, named["added"]) == (0, 1) and db.session.get(Document, "404.html") is not None

    result = runner.invoke(ingest_command, [str(kb)])
    assert result.exit_code == 0, result.output
    assert "deleted 1, failed 0" in result.output and f"  skipped: 404.html: {reason}" in result.output
    row = db.session.get(Document, "404.html")
    assert row is not None and row.deleted_at is not None
