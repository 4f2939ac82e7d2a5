"""The date range and audience every analytics figure is asked for: parsed from ``from``, ``to`` and ``audience``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from web.db.models import utcnow

DEFAULT_RANGE_DAYS = 30
# A daily series longer than two years is not a chart anyone reads, and an unbounded range is an easy way to
# make the server scan the whole history on every page view.
MAX_RANGE_DAYS = 731
AUDIENCES = ("all", "public", "internal")
BAD_RANGE = "bad_range"

AudienceFilter = Literal["all", "public", "internal"]


class RangeError(ValueError):
    """A date range or audience that cannot be used; the message is shown to the user as is. ``code`` is the API's:
    bad_request for a value that is not a date or an audience, bad_range for dates that break a rule of ranges
    (from after to, longer than MAX_RANGE_DAYS, past the calendar's ends), which the OpenAPI schema cannot state."""

    def __init__(self, message: str, code: str = "bad_request") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class DateRange:
    start: date  # first day, included
    end: date  # first day after the range, excluded (the parameters and the JSON show last_day instead)

    @property
    def last_day(self) -> date:
        """The last day of the range, included: what ``to`` means in the parameters, the JSON and the page."""
        return self.end - timedelta(days=1)

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time())

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time())

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]


def today_utc() -> date:
    return utcnow().date()


def parse_range(start_text: str | None, end_text: str | None, today: date | None = None) -> DateRange:
    """The range of the ``from`` and ``to`` parameters (YYYY-MM-DD, UTC): its first and last day, both included.
    A missing ``to`` means today; a missing ``from`` means the DEFAULT_RANGE_DAYS days that end with ``to``.
    ``from`` may equal ``to`` (one day), not come after it."""
    last_day = parse_date(end_text, "to") if end_text else (today or today_utc())
    first_day = parse_date(start_text, "from") if start_text else None
    try:
        end = last_day + timedelta(days=1)
    except OverflowError:  # to=9999-12-31: there is no day after it
        raise RangeError("'to' is too late.", BAD_RANGE) from None
    if first_day is None:
        try:
            first_day = end - timedelta(days=DEFAULT_RANGE_DAYS)
        except OverflowError:  # to=0001-01-05
            raise RangeError("'to' is too early.", BAD_RANGE) from None
    if first_day > last_day:
        raise RangeError("'from' must not be after 'to'.", BAD_RANGE)
    if (end - first_day).days > MAX_RANGE_DAYS:
        raise RangeError(f"The range may span at most {MAX_RANGE_DAYS} days.", BAD_RANGE)
    return DateRange(first_day, end)


def parse_audience(text: str | None) -> AudienceFilter:
    value = text or "all"
    if value == "public":
        return "public"
    if value == "internal":
        return "internal"
    if value == "all":
        return "all"
    raise RangeError(f"'audience' must be one of: {', '.join(AUDIENCES)}.")


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_date(text: str, name: str) -> date:
    """A date parameter: only YYYY-MM-DD, JSON Schema's "date" format (the document's), no padding. date.fromisoformat
    alone also takes week dates and compact forms (2024W011, 20240101) nobody means here."""
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:  # 2024-02-30
            pass
    raise RangeError(f"'{name}' must be a date written YYYY-MM-DD.")


def filters_from_args(args: Mapping[str, str]) -> tuple[DateRange, AudienceFilter]:
    """The range and audience of a request's query string; RangeError when they cannot be used."""
    period = parse_range(args.get("from") or None, args.get("to") or None)
    return period, parse_audience(args.get("audience") or None)
