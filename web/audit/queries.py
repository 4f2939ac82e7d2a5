"""Reading the audit log: filters, pages for the admin page, CSV and JSON-lines exports for the download and
`answerdesk audit export`.

Filters: ``action`` (exact, or a prefix ending in ``.``: ``gap.`` is every gap action), ``actor`` and ``target``
(case-insensitive substrings), ``from`` and ``to`` (YYYY-MM-DD, UTC, both days included). Pages are newest first;
exports are oldest first (the order things happened), streamed. CSV cells go through web/http/spreadsheet.py's
formula-injection guard (a target or an e-mail is typed by someone); ``detail`` is a JSON cell.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from web.db.models import AuditEntry, db
from web.db.sql import LIKE_ESCAPE, escape_like
from web.http.serialize import timestamp
from web.http.spreadsheet import csv_stream

PAGE_SIZE = 50
MAX_PAGE = 1_000_000
MAX_FILTER_CHARS = 254
COLUMNS = ("id", "time", "actor", "actor_id", "action", "target", "ip", "via", "detail")
FORMATS = ("csv", "jsonl")
_YIELD_PER = 1000


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor: str | None = None
    target: str | None = None
    start: date | None = None
    last_day: date | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.action:
            prefix = self.action.endswith(".")
            found.append(
                AuditEntry.action.like(escape_like(self.action) + "%", escape=LIKE_ESCAPE)
                if prefix
                else AuditEntry.action == self.action
            )
        if self.actor:
            found.append(func.lower(AuditEntry.actor).like(_contains(self.actor), escape=LIKE_ESCAPE))
        if self.target:
            found.append(func.lower(AuditEntry.target).like(_contains(self.target), escape=LIKE_ESCAPE))
        if self.start:
            found.append(AuditEntry.created_at >= datetime.combine(self.start, time()))
        if self.last_day and self.last_day < date.max:  # to=9999-12-31 has no next day: it bounds nothing
            found.append(AuditEntry.created_at < datetime.combine(self.last_day + timedelta(days=1), time()))
        return found

    def to_args(self) -> dict[str, str]:
        """The filter as query parameters (for links to other pages and to the downloads)."""
        values = {"action": self.action, "actor": self.actor, "target": self.target}
        args = {name: value for name, value in values.items() if value}
        if self.start:
            args["from"] = self.start.isoformat()
        if self.last_day:
            args["to"] = self.last_day.isoformat()
        return args


def parse_filter(args: Mapping[str, str | None]) -> AuditFilter:
    """The filter of a query string or of the command's options; ValueError names the bad one."""

    def text(name: str) -> str | None:
        value = (args.get(name) or "").strip()
        if len(value) > MAX_FILTER_CHARS:
            raise ValueError(f"'{name}' has more than {MAX_FILTER_CHARS} characters.")
        return value or None

    start, last_day = _day(args.get("from"), "from"), _day(args.get("to"), "to")
    if start and last_day and start > last_day:
        raise ValueError("'from' comes after 'to'.")
    return AuditFilter(text("action"), text("actor"), text("target"), start, last_day)


def parse_page(raw: str | None) -> int:
    try:
        page = int(raw or "1")
    except ValueError:
        raise ValueError("'page' is a whole number from 1.") from None
    if not 1 <= page <= MAX_PAGE:
        raise ValueError("'page' is a whole number from 1.")
    return page


def entries_page(audit_filter: AuditFilter, page: int) -> tuple[list[AuditEntry], bool]:
    """Page ``page`` (from 1) of the matching entries, newest first, and whether an older page exists."""
    query = (
        _select(audit_filter)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    rows = list(db.session.scalars(query).all())
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def known_actions() -> list[str]:
    return sorted(db.session.scalars(select(AuditEntry.action).distinct()).all())


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "time": timestamp(entry.created_at),
        "actor": entry.actor,
        "actor_id": entry.actor_id,
        "action": entry.action,
        "target": entry.target,
        "ip": entry.ip,
        "via": entry.via,
        "detail": entry.detail or {},
    }


def export_lines(audit_filter: AuditFilter, fmt: str) -> Iterator[str]:
    """The matching entries, oldest first, as CSV or JSON lines (``fmt``: csv or jsonl)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    entries = _stream(audit_filter)
    if fmt == "jsonl":
        return (json.dumps(entry_json(entry), ensure_ascii=False) + "\n" for entry in entries)
    return csv_stream(COLUMNS, (_csv_row(entry) for entry in entries))


def _csv_row(entry: AuditEntry) -> list[object]:
    data = entry_json(entry)
    data["detail"] = json.dumps(data["detail"], ensure_ascii=False, sort_keys=True)
    return [data[column] if data[column] is not None else "" for column in COLUMNS]


def _stream(audit_filter: AuditFilter) -> Iterator[AuditEntry]:
    query = _select(audit_filter).order_by(AuditEntry.id).execution_options(yield_per=_YIELD_PER)
    yield from db.session.scalars(query)


def _select(audit_filter: AuditFilter) -> Select[AuditEntry]:
    return select(AuditEntry).where(*audit_filter.conditions())


def _contains(text: str) -> str:
    return f"%{escape_like(text.lower())}%"


def _day(raw: str | None, name: str) -> date | None:
    if not raw or not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"'{name}' is a date: YYYY-MM-DD.") from None
