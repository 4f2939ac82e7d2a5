"""Editors' triage actions on a gap (assign, dismiss, merge), each written to the audit trail (GapEvent)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from web.errors import ApiError
from web.gap_assignment import merged_state
from web.models import GAP_OPEN_STATUSES, Gap, GapEvent, GapEvidence, User, db
from web.queries import find_user_by_email

# Roles that may own a gap: the people who write the content.
ASSIGNABLE_ROLES = ("editor", "admin")


def record_event(gap: Gap, user: User | None, action: str, **detail: Any) -> None:
    """Add (not commit) an audit entry: it is committed with the change it describes."""
    db.session.add(GapEvent(gap_id=gap.id, user_id=user.id if user else None, action=action, detail=detail))


def assign_gap(gap: Gap, actor: User, email: str) -> Gap:
    assignee = find_user_by_email(email)
    if assignee is None or assignee.role not in ASSIGNABLE_ROLES:
        raise ApiError(400, "bad_assignee", "Assign a gap to the e-mail of an editor or admin.")
    require_open(gap)
    gap.assignee_id = assignee.id
    gap.status = "assigned"
    record_event(gap, actor, "assign", assignee=assignee.email)
    db.session.commit()
    return gap


def dismiss_gap(gap: Gap, actor: User, reason: str) -> Gap:
    require_open(gap)
    gap.status = "dismissed"
    gap.dismissed_reason = reason
    record_event(gap, actor, "dismiss", reason=reason)
    db.session.commit()
    return gap


def merge_gap(gap: Gap, actor: User, target: Gap) -> Gap:
    """Move every question of ``gap`` into ``target``; ``gap`` is then dismissed as merged. Returns ``target``."""
    if target.id == gap.id:
        raise ApiError(400, "bad_merge", "A gap cannot be merged into itself.")
    if target.audience != gap.audience:
        # Public and internal questions are answered from different documents: one fix cannot close both.
        raise ApiError(400, "bad_merge", "Only gaps of the same audience can be merged.")
    require_open(gap)
    require_open(target)
    target.centroid, target.token_counts = merged_state(
        [(target.centroid, target.token_counts, target.count), (gap.centroid, gap.token_counts, gap.count)]
    )
    target.first_seen = min(target.first_seen, gap.first_seen)
    target.last_seen = max(target.last_seen, gap.last_seen)
    target.community = target.community or gap.community
    db.session.execute(update(GapEvidence).where(GapEvidence.gap_id == gap.id).values(gap_id=target.id))
    db.session.flush()
    target.count = _distinct_messages(target.id)
    gap.count = 0
    gap.status = "dismissed"
    gap.dismissed_reason = f"merged into gap {target.id}"
    record_event(gap, actor, "merge", into=target.id)
    record_event(target, actor, "merged_from", source=gap.id)
    db.session.commit()
    return target


def _distinct_messages(gap_id: int) -> int:
    query = select(func.count(func.distinct(GapEvidence.message_id))).where(GapEvidence.gap_id == gap_id)
    return int(db.session.scalar(query) or 0)


def require_open(gap: Gap) -> None:
    if gap.status not in GAP_OPEN_STATUSES:
        raise ApiError(409, "gap_closed", f"Gap {gap.id} is {gap.status}; only open or assigned gaps change.")
