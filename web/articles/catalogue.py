"""The editors' view of the knowledge base: the document list and its filters, content performance, the stale
rule, versions and their diff, and the gaps a document closed.

Stale is a flag for editors (retrieval ignores it). A document is stale when
- its review date (``review_by``) has passed, or
- answers that cite its *current version* are often rated 👎: at least :data:`STALE_MIN_RATED` rated answers, and
  :data:`STALE_DOWNVOTE_SHARE` or more of them 👎.
Only the current version's answers count: a 👎 judged a text, and once an editor publishes a new version that text
is gone, so the flag clears and returns only if the new text is rated down too. Each answer counts once, with its
latest 👍/👎 (a user may change their mind), as everywhere else in answerdesk.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select

from web.chat.citations import cited_documents, latest_feedback
from web.chat.privacy import mask_pii
from web.db.models import Document, DocumentVersion, EditSuggestion, Gap, Message, db
from web.db.sql import LIKE_ESCAPE, escape_like
from web.http.errors import ApiError

# Fewer rated answers than this are noise: one unhappy visitor must not flag an article for review.
STALE_MIN_RATED = 3
# At half or more 👎, the article is a likelier cause than the questions: a good article is rated 👍 mostly.
STALE_DOWNVOTE_SHARE = 0.5
# The list shows at most this many documents; filters narrow it (a help centre of thousands is searched, not paged).
LIST_LIMIT = 500
# Lines of context around each change in a diff.
DIFF_CONTEXT_LINES = 3
KINDS = ("article", "faq")
AUDIENCES = ("public", "internal")
# The metadata of a version (DocumentVersion.metadata_json) an editor cares about in a diff, in display order.
DIFF_METADATA_FIELDS = (
    "title",
    "audience",
    "community",
    "owner",
    "tags",
    "review_by",
    "url",
    "language",
    "kind",
    "faq_alternatives",  # the other phrasings of an FAQ question: a gap's questions attached by its resolve
)


# -- content performance -----------------------------------------------------------------------------------------
@dataclass
class Performance:
    """How answers citing one document did. ``cited`` counts answers (any version); 👍/👎 are latest ratings."""

    cited: int = 0
    helpful: int = 0
    unhelpful: int = 0
    # Rated answers that cited the current version, and the 👎 among them: what the stale rule looks at.
    current_rated: int = 0
    current_unhelpful: int = 0

    @property
    def rated(self) -> int:
        return self.helpful + self.unhelpful

    @property
    def current_downvote_share(self) -> float | None:
        return self.current_unhelpful / self.current_rated if self.current_rated else None


def content_performance(
    current_versions: Mapping[str, int],
    *,
    rated_only: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Performance]:
    """Performance of the documents in ``current_versions`` (document id -> its current version number).

    ``rated_only`` skips answers nobody rated (enough for the stale rule, and much less to read); ``since`` and
    ``until`` bound the answers' time. Citations are a JSON list per message, so they are counted here rather
    than in SQL (portable across SQLite and PostgreSQL)."""
    latest = latest_feedback()
    query = select(Message.citations, latest.c.helpful).select_from(Message).where(Message.status == "ok")
    if rated_only:
        query = query.join(latest, latest.c.message_id == Message.id)
    else:
        query = query.outerjoin(latest, latest.c.message_id == Message.id)
    if since is not None:
        query = query.where(Message.created_at >= since)
    if until is not None:
        query = query.where(Message.created_at < until)

    result: dict[str, Performance] = {}
    for citations, helpful in db.session.execute(query.execution_options(yield_per=1000)):
        for doc_id, cited in cited_documents(citations).items():
            if doc_id not in current_versions:
                continue
            perf = result.setdefault(doc_id, Performance())
            perf.cited += 1
            if helpful is None:
                continue
            if helpful:
                perf.helpful += 1
            else:
                perf.unhelpful += 1
            if current_versions[doc_id] in cited.versions:
                perf.current_rated += 1
                perf.current_unhelpful += 0 if helpful else 1
    return result


# -- the stale rule ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Staleness:
    reasons: tuple[str, ...] = ()

    @property
    def is_stale(self) -> bool:
        return bool(self.reasons)


def parse_review_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def staleness(document: Document, performance: Performance | None, today: date) -> Staleness:
    reasons: list[str] = []
    review = parse_review_date(document.review_by)
    if review is not None and review < today:
        reasons.append(f"review date {review.isoformat()} has passed")
    if performance is not None and performance.current_rated >= STALE_MIN_RATED:
        share = performance.current_downvote_share or 0.0
        if share >= STALE_DOWNVOTE_SHARE:
            reasons.append(
                f"{performance.current_unhelpful} of {performance.current_rated} rated answers citing "
                f"version {document.current_version} were 👎 ({share:.0%})"
            )
    return Staleness(tuple(reasons))


# -- the list ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArticleFilters:
    community: str | None = None
    audience: str | None = None
    kind: str | None = None
    stale_only: bool = False
    search: str | None = None  # in the title or the id (a file path, for folder documents)


@dataclass(frozen=True)
class ArticleRow:
    document: Document
    staleness: Staleness
    open_suggestions: int


@dataclass
class ArticleList:
    rows: list[ArticleRow] = field(default_factory=list)
    total: int = 0  # matching documents, before LIST_LIMIT
    stale: int = 0  # stale documents among them


def live_documents_query(filters: ArticleFilters) -> Any:
    query = select(Document).where(Document.deleted_at.is_(None))
    if filters.community:
        query = query.where(Document.community == filters.community)
    if filters.audience:
        query = query.where(Document.audience == filters.audience)
    if filters.kind:
        query = query.where(Document.kind == filters.kind)
    if filters.search:
        pattern = "%" + escape_like(filters.search) + "%"
        query = query.where(
            or_(Document.title.ilike(pattern, escape=LIKE_ESCAPE), Document.id.ilike(pattern, escape=LIKE_ESCAPE))
        )
    return query.order_by(Document.updated_at.desc(), Document.id)


def list_articles(filters: ArticleFilters, today: date) -> ArticleList:
    documents = db.session.scalars(live_documents_query(filters)).all()
    performance = content_performance({d.id: d.current_version for d in documents}, rated_only=True)
    suggestions = open_suggestion_counts(d.id for d in documents)
    result = ArticleList()
    for document in documents:
        flag = staleness(document, performance.get(document.id), today)
        if flag.is_stale:
            result.stale += 1
        if filters.stale_only and not flag.is_stale:
            continue
        result.total += 1
        if len(result.rows) < LIST_LIMIT:
            result.rows.append(ArticleRow(document, flag, suggestions.get(document.id, 0)))
    return result


def communities() -> list[str]:
    """Every community a live document belongs to, for the filter and the editor's community field."""
    rows = db.session.scalars(
        select(Document.community)
        .where(Document.deleted_at.is_(None), Document.community.is_not(None))
        .distinct()
        .order_by(Document.community)
    ).all()
    return [c for c in rows if c]


# -- one document ------------------------------------------------------------------------------------------------
def find_live_document(doc_id: str) -> Document | None:
    return db.session.scalar(select(Document).where(Document.id == doc_id, Document.deleted_at.is_(None)))


def live_document_or_404(doc_id: str) -> Document:
    document = find_live_document(doc_id)
    if document is None:
        raise ApiError(404, "document_not_found", "No such document in the knowledge base.")
    return document


def find_version(document: Document, version: int) -> DocumentVersion | None:
    return db.session.scalar(
        select(DocumentVersion).where(DocumentVersion.document_id == document.id, DocumentVersion.version == version)
    )


def current_version(document: Document) -> DocumentVersion | None:
    return find_version(document, document.current_version)


def document_performance(document: Document) -> Performance:
    return content_performance({document.id: document.current_version}).get(document.id, Performance())


@dataclass(frozen=True)
class LinkedGap:
    id: int
    title: str  # masked
    count: int
    status: str
    replayed: int | None  # the last verification's figures; None when it never ran
    answered: int | None
    verified: bool


def linked_gaps(doc_id: str) -> list[LinkedGap]:
    """Gaps resolved (or tried) with this document: ``Gap.resolution`` names it as ``faq_id`` or ``article_id``."""
    resolved = db.session.scalars(select(Gap).where(Gap.resolution.is_not(None)).order_by(Gap.id.desc())).all()
    linked = []
    for gap in resolved:
        resolution = gap.resolution or {}
        if doc_id not in (resolution.get("faq_id"), resolution.get("article_id")):
            continue
        check = resolution.get("verification")
        check = check if isinstance(check, dict) else {}
        linked.append(
            LinkedGap(
                id=gap.id,
                title=mask_pii(gap.title),
                count=gap.count,
                status=gap.status,
                replayed=check.get("replayed"),
                answered=check.get("answered"),
                verified=bool(check.get("verified")),
            )
        )
    return linked


# -- edit suggestions --------------------------------------------------------------------------------------------
def open_suggestion_counts(doc_ids: Iterable[str]) -> dict[str, int]:
    wanted = set(doc_ids)
    if not wanted:
        return {}
    rows = db.session.execute(
        select(EditSuggestion.document_id, func.count(EditSuggestion.id))
        .where(EditSuggestion.status == "open")
        .group_by(EditSuggestion.document_id)
    ).all()
    return {doc_id: count for doc_id, count in rows if doc_id in wanted}


def suggestions_of(doc_id: str, status: str | None = None) -> list[EditSuggestion]:
    query = select(EditSuggestion).where(EditSuggestion.document_id == doc_id)
    if status:
        query = query.where(EditSuggestion.status == status)
    return list(db.session.scalars(query.order_by(EditSuggestion.id.desc())).all())


def suggestion_status_counts(doc_id: str) -> Counter[str]:
    rows = db.session.execute(
        select(EditSuggestion.status, func.count(EditSuggestion.id))
        .where(EditSuggestion.document_id == doc_id)
        .group_by(EditSuggestion.status)
    ).all()
    return Counter({status: count for status, count in rows})


# -- diff --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "hunk", "context"
    text: str


@dataclass(frozen=True)
class MetadataChange:
    field: str
    before: str
    after: str


def text_diff(before: DocumentVersion, after: DocumentVersion) -> list[DiffLine]:
    """A unified diff of the two versions' texts (the template escapes every line)."""
    lines = list(
        difflib.unified_diff(before.text.splitlines(), after.text.splitlines(), lineterm="", n=DIFF_CONTEXT_LINES)
    )
    result: list[DiffLine] = []
    for line in lines[2:]:  # the first two are the "---"/"+++" file headers
        if line.startswith("@@"):
            result.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            result.append(DiffLine("add", line))
        elif line.startswith("-"):
            result.append(DiffLine("del", line))
        else:
            result.append(DiffLine("context", line))
    return result


def metadata_changes(before: DocumentVersion, after: DocumentVersion) -> list[MetadataChange]:
    """What changed besides the text: an audience going public is the change an editor must not miss."""
    changes = []
    for name in DIFF_METADATA_FIELDS:
        old, new = before.metadata_json.get(name), after.metadata_json.get(name)
        if old != new:
            changes.append(MetadataChange(name, _show(old), _show(new)))
    return changes


def _show(value: object) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
