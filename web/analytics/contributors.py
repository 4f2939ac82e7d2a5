"""The contributors' board (shown at /editor/contributors/ and GET /api/v1/contributors, viewer and up).

Recognition for the people who keep the knowledge base good, overall and per community, over a date range:

- **verified fixes**: gaps they resolved and answerdesk verified (a ``resolve`` GapEvent whose
  ``detail.verification.verified`` is true, credited to the event's user; community: the gap's). A resolve that
  did not verify earns nothing: the loop rewards proven fixes, not attempts.
- **articles**: document versions they wrote in the dashboard (``DocumentVersion.author``); counted as distinct
  documents and as versions (community: the document's). Folder-synced versions have no author and earn nothing.
- **👍**: answers rated helpful (the latest 👍/👎 of a message counts, dated by that feedback) that cite a document
  they wrote. Credit goes to every editor who wrote a version of the cited document *up to the cited version*,
  not to ``Document.owner``: the owner is a review responsibility from front matter (often a team name, not an
  account), while the 👍 is for text people wrote, and an author who changed the article only after the answer
  did not write what helped. One 👍 counts once per person (and once per community), however many of their
  documents the answer cites.

Score = weighted sum (the weights below, shown on the page). Ranked by score, then verified fixes, then e-mail.
A community's board uses that community's counts only; items without a community count only overall. Badges are
milestones over all time, whatever range is shown. Only employees' e-mail addresses are shown (colleagues).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select

from web.analytics.ranges import BAD_RANGE, RangeError, parse_date
from web.chat.citations import cited_documents, latest_feedback
from web.db.models import Document, DocumentVersion, Gap, GapEvent, Message, User, db
from web.http.errors import ApiError

# A verified fix is the knowledge loop's goal and is proven by a replay: worth the most.
SCORE_VERIFIED_GAP = 10
# Each document written or updated; each further version adds a little, so re-saving cannot dominate the board.
SCORE_DOCUMENT = 3
SCORE_VERSION = 1
# Users' judgement of answers built on one's writing: plentiful on popular articles, so worth one point each.
SCORE_THUMBS_UP = 1
WEIGHTS = {
    "verified_gaps": SCORE_VERIFIED_GAP,
    "documents": SCORE_DOCUMENT,
    "versions": SCORE_VERSION,
    "thumbs_up": SCORE_THUMBS_UP,
}


@dataclass(frozen=True)
class Badge:
    code: str
    label: str
    metric: str  # a key of Counts.to_dict()
    threshold: int


BADGES = (
    Badge("first_fix", "First verified fix", "verified_gaps", 1),
    Badge("ten_fixes", "10 verified fixes", "verified_gaps", 10),
    Badge("first_article", "First article", "documents", 1),
    Badge("ten_articles", "10 articles", "documents", 10),
    Badge("fifty_thumbs_up", "50 👍", "thumbs_up", 50),
)


@dataclass(frozen=True)
class Period:
    """[start, end) in naive UTC, either side open; built from inclusive dates."""

    start: datetime | None = None
    end: datetime | None = None
    first_day: date | None = None
    last_day: date | None = None

    @classmethod
    def from_dates(cls, first_day: date | None, last_day: date | None) -> Period:
        start = datetime.combine(first_day, datetime.min.time()) if first_day else None
        # Up to 9999-12-31 included is no upper bound at all: there is no day after it to stop before.
        end = None
        if last_day is not None and last_day < date.max:
            end = datetime.combine(last_day + timedelta(days=1), datetime.min.time())
        return cls(start, end, first_day, last_day)

    def covers(self, column: Any) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.start is not None:
            conditions.append(column >= self.start)
        if self.end is not None:
            conditions.append(column < self.end)
        return conditions


@dataclass
class Tally:
    """What one person did (in one community, or overall): sets, so the same item is never counted twice."""

    gaps: set[int] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)
    versions: set[int] = field(default_factory=set)
    thumbs_up: set[int] = field(default_factory=set)  # message ids

    def counts(self) -> Counts:
        return Counts(len(self.gaps), len(self.documents), len(self.versions), len(self.thumbs_up))


@dataclass(frozen=True)
class Counts:
    verified_gaps: int = 0
    documents: int = 0
    versions: int = 0
    thumbs_up: int = 0

    @property
    def score(self) -> int:
        return (
            self.verified_gaps * SCORE_VERIFIED_GAP
            + self.documents * SCORE_DOCUMENT
            + self.versions * SCORE_VERSION
            + self.thumbs_up * SCORE_THUMBS_UP
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "score": self.score,
            "verified_gaps": self.verified_gaps,
            "documents": self.documents,
            "versions": self.versions,
            "thumbs_up": self.thumbs_up,
        }


@dataclass(frozen=True)
class Contributor:
    rank: int
    email: str
    counts: Counts  # the board's scope: overall, or the selected community
    communities: dict[str, Counts]
    badges: list[Badge]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "email": self.email,
            **self.counts.to_dict(),
            "communities": {name: c.to_dict() for name, c in self.communities.items()},
            "badges": [{"code": b.code, "label": b.label} for b in self.badges],
        }


@dataclass
class _Person:
    overall: Tally = field(default_factory=Tally)
    communities: dict[str, Tally] = field(default_factory=dict)

    def tally(self, community: str | None) -> Iterator[Tally]:
        """The tallies a contribution of ``community`` counts in: overall, and its community if it has one."""
        yield self.overall
        if community:
            yield self.communities.setdefault(community, Tally())


# -- the board ---------------------------------------------------------------------------------------------------
def contributor_board(period: Period, community: str | None = None) -> list[Contributor]:
    people = _collect(period)
    lifetime = people if period.start is None and period.end is None else _collect(Period())
    rows = []
    for email, person in people.items():
        scoped = person.overall if community is None else person.communities.get(community)
        if scoped is None:
            continue
        counts = scoped.counts()
        if counts == Counts():
            continue
        rows.append((email, counts, person))
    rows.sort(key=lambda r: (-r[1].score, -r[1].verified_gaps, r[0]))
    return [
        Contributor(
            rank=position,
            email=email,
            counts=counts,
            communities={name: t.counts() for name, t in sorted(person.communities.items())},
            badges=earned_badges(lifetime.get(email, person).overall.counts()),
        )
        for position, (email, counts, person) in enumerate(rows, start=1)
    ]


def earned_badges(counts: Counts) -> list[Badge]:
    values = counts.to_dict()
    return [badge for badge in BADGES if values[badge.metric] >= badge.threshold]


def board_communities() -> list[str]:
    """Every community a document or gap belongs to: the choices of the community selector."""
    documents = select(Document.community).where(Document.community.is_not(None)).distinct()
    gaps = select(Gap.community).where(Gap.community.is_not(None)).distinct()
    names = set(db.session.scalars(documents).all()) | set(db.session.scalars(gaps).all())
    return sorted(n for n in names if n)


def _collect(period: Period) -> dict[str, _Person]:
    people: dict[str, _Person] = {}

    def person(email: str) -> _Person:
        return people.setdefault(email, _Person())

    for email, community, gap_id in _verified_fixes(period):
        for tally in person(email).tally(community):
            tally.gaps.add(gap_id)
    for email, community, document_id, version_id in _authored_versions(period):
        for tally in person(email).tally(community):
            tally.documents.add(document_id)
            tally.versions.add(version_id)
    for email, community, message_id in _thumbs_up(period):
        for tally in person(email).tally(community):
            tally.thumbs_up.add(message_id)
    return people


def _verified_fixes(period: Period) -> Iterator[tuple[str, str | None, int]]:
    query = (
        select(GapEvent.gap_id, GapEvent.detail, User.email, Gap.community)
        .join(User, User.id == GapEvent.user_id)
        .join(Gap, Gap.id == GapEvent.gap_id)
        .where(GapEvent.action == "resolve", *period.covers(GapEvent.created_at))
    )
    # The JSON detail is read in Python: JSON path queries differ between SQLite and PostgreSQL.
    for gap_id, detail, email, community in db.session.execute(query):
        verification = detail.get("verification") if isinstance(detail, dict) else None
        if isinstance(verification, dict) and verification.get("verified") is True:
            yield email, community, gap_id


def _authored_versions(period: Period) -> Iterator[tuple[str, str | None, str, int]]:
    query = (
        select(DocumentVersion.author, Document.community, DocumentVersion.document_id, DocumentVersion.id)
        .join(Document, Document.id == DocumentVersion.document_id)
        .where(DocumentVersion.author.is_not(None), *period.covers(DocumentVersion.created_at))
    )
    for author, community, document_id, version_id in db.session.execute(query):
        if author:  # not None: filtered in SQL; not blank either
            yield author, community, document_id, version_id


def _thumbs_up(period: Period) -> Iterator[tuple[str, str | None, int]]:
    latest = latest_feedback()
    query = (
        select(Message.id, Message.citations)
        .join(latest, latest.c.message_id == Message.id)
        .where(latest.c.helpful.is_(True), *period.covers(latest.c.created_at))
    )
    rated = [(message_id, cited_documents(citations)) for message_id, citations in db.session.execute(query)]
    rated = [(message_id, cited) for message_id, cited in rated if cited]
    if not rated:
        return
    cited_ids = {doc_id for _, cited in rated for doc_id in cited}
    authors = _authors_by_version(cited_ids)
    community_query = select(Document.id, Document.community).where(Document.id.in_(cited_ids))
    communities: dict[str, str | None] = {doc_id: name for doc_id, name in db.session.execute(community_query)}
    for message_id, cited in rated:
        credited: set[tuple[str, str | None]] = set()
        for document_id, document in cited.items():
            for author_version, author in authors.get(document_id, []):
                # Up to the version the answer cited: who edited only afterwards did not write what helped.
                if any(version is None or author_version <= version for version in document.versions):
                    credited.add((author, communities.get(document_id)))
        for author, community in credited:
            yield author, community, message_id


def _authors_by_version(document_ids: set[str]) -> dict[str, list[tuple[int, str]]]:
    query = select(DocumentVersion.document_id, DocumentVersion.version, DocumentVersion.author).where(
        DocumentVersion.document_id.in_(document_ids), DocumentVersion.author.is_not(None)
    )
    found: dict[str, list[tuple[int, str]]] = {}
    for document_id, version, author in db.session.execute(query):
        if author:
            found.setdefault(document_id, []).append((version, author))
    return found


# -- request parameters ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BoardQuery:
    period: Period
    community: str | None


def board_query(args: Mapping[str, str]) -> BoardQuery:
    """The board's range and community from a query string (``from``, ``to``: YYYY-MM-DD; ``community``)."""
    first_day = _date_arg(args, "from")
    last_day = _date_arg(args, "to")
    if first_day and last_day and first_day > last_day:
        raise ApiError(400, BAD_RANGE, "'from' must not be after 'to'.")
    community = (args.get("community") or "").strip()[:128] or None
    return BoardQuery(Period.from_dates(first_day, last_day), community)


def _date_arg(args: Mapping[str, str], name: str) -> date | None:
    """Absent or empty (an HTML form's empty field): no bound. Otherwise as strict as the analytics dates."""
    value = args.get(name)
    if not value:
        return None
    try:
        return parse_date(value, name)
    except RangeError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None
