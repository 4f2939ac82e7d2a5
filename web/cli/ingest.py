"""`answerdesk ingest` and `answerdesk docs ...`: the ingest pipeline and the document catalogue on the web app's
database and runtime (the pipeline itself, ingest/, knows nothing of Flask: it is handed a session and a runtime)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from chatbot.config import AUDIENCES
from chatbot.types import Audience
from ingest.catalog import Document
from ingest.factory import build_pipeline
from ingest.pipeline import IngestPipeline, SyncReport
from ingest.sources import FailedFile
from ingest.sources.web import DEFAULT_MAX_PAGES, DEFAULT_TIMEOUT, SiteUnreachableError, is_url, normalise_url
from web.db.engine import upgrade_database
from web.db.models import db
from web.services import get_runtime
from web.wording import counted


class _PathOrUrl(click.ParamType[Path | str, Any]):
    """A folder or file that exists, or an http(s) URL of a help-centre website."""

    name = "PATH|URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path | str:
        if isinstance(value, Path):
            return value
        text = str(value)
        if is_url(text):
            if normalise_url(text) is None:
                self.fail(f"{text!r} is not a valid URL", param, ctx)
            return text
        if "://" in text:
            self.fail(f"{text!r}: only http:// and https:// websites can be ingested", param, ctx)
        path: Path = click.Path(exists=True, path_type=Path).convert(text, param, ctx)
        return path


@click.command("ingest")
@click.argument("sources", metavar="PATH|URL...", nargs=-1, required=True, type=_PathOrUrl())
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default="public",
    show_default=True,
    help="Audience of documents that neither front matter nor a _defaults.yaml sets.",
)
@click.option("--community", default=None, help="Community of documents that set none themselves.")
@click.option(
    "--max-pages",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_PAGES,
    show_default=True,
    help="Websites: read at most this many pages (a crawl cut short deletes nothing it did not see).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Websites: seconds to wait for each request.",
)
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object with the counts.")
@with_appcontext
def ingest_command(
    sources: tuple[Path | str, ...],
    audience: str,
    community: str | None,
    max_pages: int,
    timeout: float,
    as_json: bool,
) -> None:
    """Sync each PATH (folder or file) or URL (a help-centre website, crawled) into the knowledge base: only
    changed documents are embedded, documents whose file or page is gone are deleted. Exit code 1 when some files
    or pages failed (the others are still ingested; a failed one keeps its last good version). Files skipped on
    purpose (a site export's 404.html) are listed, and are no failure."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    upgrade_database(app)
    pipeline = build_pipeline(get_runtime(app), db.session())
    total = SyncReport()
    for source in sources:
        # Only a person at a terminal gets a bar: scripts, CI logs and --json output stay clean.
        bar = _progress_bar(source) if not as_json and sys.stderr.isatty() else None
        progress = bar.update_to if bar is not None else None
        try:
            if isinstance(source, Path):
                report = pipeline.sync_path(
                    source, audience=cast(Audience, audience), community=community, progress=progress
                )
            else:
                report = _sync_site(pipeline, source, cast(Audience, audience), community, max_pages, timeout, progress)
        finally:
            # `is not None`, never `if bar:`: tqdm raises TypeError on bool() of a bar whose total is still unknown.
            if bar is not None:
                bar.close()
        total.added += report.added
        total.updated += report.updated
        total.unchanged += report.unchanged
        total.deleted += report.deleted
        total.failed.extend(report.failed)
        total.skipped.extend(report.skipped)
        total.chunks_embedded += report.chunks_embedded
        total.seconds += report.seconds
    if as_json:
        click.echo(json.dumps(total.to_dict(), ensure_ascii=False))
    else:
        click.echo(
            f"added {total.added}, updated {total.updated}, unchanged {total.unchanged}, deleted {total.deleted}, "
            f"failed {len(total.failed)}; {counted(total.chunks_embedded, 'chunk')} embedded in {total.seconds:.1f} s"
        )
        for skipped in total.skipped:  # no failure: said so that a file taken wrongly for an error page is seen
            click.echo(f"  skipped: {skipped.path}: {skipped.reason}")
        for failure in total.failed:
            click.echo(f"  failed: {failure.path}: {failure.error}", err=True)
    sys.exit(1 if total.failed else 0)


def _sync_site(
    pipeline: IngestPipeline,
    url: str,
    audience: Audience,
    community: str | None,
    max_pages: int,
    timeout: float,
    progress: Callable[[int, int], None] | None,
) -> SyncReport:
    """Crawl and sync one website; a site that cannot be read at all is one failure of this run, like a file that
    cannot be read: the other PATHs and URLs are still synced and --json still prints its one object."""
    try:
        return pipeline.sync_site(
            url, audience=audience, community=community, max_pages=max_pages, timeout=timeout, progress=progress
        )
    except SiteUnreachableError as exc:
        return SyncReport(failed=[FailedFile(url, exc.message)])


def _progress_bar(path: Path | str) -> Any:
    """A bar on stderr that reads "reading PATH ... [00:03]" while the files are loaded and chunked, then counts
    the chunks embedded against the total the pipeline reports before its first batch ("embedding PATH: 40%|...
    137/343 [00:07<00:10, ...]"). It is erased when done: the summary line that follows says what happened."""
    import threading

    from tqdm import tqdm

    class _Bar(tqdm):  # type: ignore[misc]
        total: float | None  # tqdm's own attribute, declared for mypy (tqdm has no type hints)

        def __init__(self, **kwargs: Any) -> None:
            self._closing = threading.Event()
            super().__init__(**kwargs)
            # tqdm redraws only when a count changes, and the pipeline reports once per batch (seconds, or minutes
            # on a big first ingest): a clock that moves tells the person the work goes on.
            self._clock = threading.Thread(target=self._tick, name="ingest-progress", daemon=True)
            self._clock.start()

        def _tick(self) -> None:
            while not self._closing.wait(1.0):
                self.refresh()

        def update_to(self, done: int, total: int) -> None:
            if self.total != total:
                # The first report: from here on the bar has a total, a percentage and a rate.
                self.total = total
                self.bar_format = None
                self.set_description(f"embedding {path}", refresh=False)
            if not self.update(done - self.n):
                self.refresh()  # tqdm skips a redraw within 0.1 s of the last; each batch's count is worth one

        def close(self) -> None:
            self._closing.set()
            clock = getattr(self, "_clock", None)  # absent when tqdm's own __init__ failed
            if clock is not None and clock is not threading.current_thread():
                clock.join()
            super().close()

    # No total yet: how many chunks need embedding is known only once the files are read.
    return _Bar(desc=f"reading {path}", unit="chunk", leave=False, bar_format="{desc} ... [{elapsed}]")


@click.group("docs")
def docs_group() -> None:
    """List and inspect the documents in the knowledge base."""


@docs_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--all", "include_deleted", is_flag=True, help="Include deleted documents.")
@with_appcontext
def docs_list(as_json: bool, include_deleted: bool) -> None:
    upgrade_database(current_app._get_current_object())  # type: ignore[attr-defined]
    query = select(Document).order_by(Document.id)
    if not include_deleted:
        query = query.where(Document.deleted_at.is_(None))
    rows = db.session.scalars(query).all()
    if as_json:
        click.echo(json.dumps([_summary(r) for r in rows], ensure_ascii=False))
        return
    for row in rows:
        deleted = " (deleted)" if row.deleted_at else ""
        click.echo(f"{row.id}\tv{row.current_version}\t{row.audience}\t{row.community or '-'}\t{row.title}{deleted}")
    click.echo(counted(len(rows), "document"), err=True)


@docs_group.command("show")
@click.argument("doc_id")
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--text", "with_text", is_flag=True, help="Also print the current version's text as it was read (Markdown)."
)
@with_appcontext
def docs_show(doc_id: str, as_json: bool, with_text: bool) -> None:
    upgrade_database(current_app._get_current_object())  # type: ignore[attr-defined]
    row = db.session.get(Document, doc_id)
    if row is None:
        raise click.ClickException(f"no document with id {doc_id!r} (see `answerdesk docs list`)")
    detail = _summary(row) | {
        "versions": [
            {
                "version": v.version,
                "content_hash": v.content_hash,
                "created_at": v.created_at.isoformat(),
                "characters": len(v.text),
            }
            for v in row.versions
        ]
    }
    # What the loaders made of the file (headings, tables, what was left out) is what answers quote: an editor
    # checks it here rather than in the database.
    current = next((v.text for v in row.versions if v.version == row.current_version), None)
    if with_text:
        detail["text"] = current
    if as_json:
        click.echo(json.dumps(detail, ensure_ascii=False, indent=2))
        return
    for key, value in detail.items():
        if key not in {"versions", "text"}:
            click.echo(f"{key}: {value}")
    click.echo("versions:")
    for version in detail["versions"]:
        click.echo(
            f"  v{version['version']}  {version['created_at']}  {version['characters']} chars  "
            f"{version['content_hash'][:12]}"
        )
    if with_text:
        click.echo(f"text (v{row.current_version}):")
        click.echo(current or "")


def _summary(row: Document) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "kind": row.kind,
        "audience": row.audience,
        "community": row.community,
        "url": row.url,
        "owner": row.owner,
        "language": row.language,
        "tags": row.tags,
        "review_by": row.review_by,
        "version": row.current_version,
        "source_root": row.source_root,
        "source_path": row.source_path,
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
        "deleted_at": row.deleted_at.isoformat() if row.deleted_at else None,
    }
