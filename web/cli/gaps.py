"""`answerdesk gaps ...`: knowledge-gap maintenance from the command line."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from web.db.engine import upgrade_database
from web.gaps.consolidation import ConsolidationReport, consolidate_open_gaps
from web.gaps.notifications import gap_alerts
from web.services import get_runtime, get_settings, running_app
from web.wording import counted


@click.group("gaps")
def gaps_group() -> None:
    """Knowledge gaps: the questions answerdesk could not answer well, grouped."""


@gaps_group.command("consolidate")
@click.option("--audience", type=click.Choice(["public", "internal"]), help="Only the gaps of this audience.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@with_appcontext
def consolidate_command(audience: str | None, dry_run: bool, as_json: bool) -> None:
    """Regroup the questions of the untouched open gaps (no assignee, comment or editor action), per audience and
    community, so that gaps no longer depend on the order questions arrived in. Gaps whose questions all moved are
    dismissed as "merged into gap N"; every change is in the gaps' audit trail."""
    app = running_app()
    upgrade_database(app)
    alerts = gap_alerts(app, get_settings(app))
    report = consolidate_open_gaps(get_runtime(app).embedder, alerts, audience=audience, dry_run=dry_run)
    click.echo(json.dumps(report.to_dict()) if as_json else render_report(report))


def render_report(report: ConsolidationReport) -> str:
    if not report.scopes:
        return "No untouched open gaps."
    verb = "would move" if report.dry_run else "moved"
    lines = []
    for scope in report.scopes:
        name = f"{scope.audience}/{scope.community or '-'}"
        if scope.skipped:
            lines.append(f"{name}: skipped ({scope.skipped})")
            continue
        lines.append(
            f"{name}: {counted(scope.questions, 'question')} in {counted(scope.gaps_before, 'gap')} -> "
            f"{counted(scope.gaps_after, 'gap')}; {verb} {counted(scope.moved, 'question')}"
        )
        for merge in scope.merged:
            into = f"gap {merge['into']}" if merge["into"] is not None else "a new gap"
            lines.append(f"  gap {merge['gap']} merged into {into}")
        if scope.created:
            lines.append(f"  new gaps: {', '.join(str(gap) for gap in scope.created)}")
    return "\n".join(lines)
