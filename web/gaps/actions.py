"""Editors' triage actions on a gap (assign, comment, dismiss, merge, move one question), each checked against the
actor's communities and written to the audit trail (GapEvent). The API and the dashboard both call these, so the
rules hold whichever way an editor works. A merge or a move never crosses audiences or communities
(chatbot.gaps.scope, the one scope rule: 400 ``scope_mismatch``), even for an editor of both communities.

Moving a question updates the clustering state of both gaps by adjusting the stored means: the question is
embedded once (a few ms) and its vector taken out of the source's mean and added to the target's, its tokens
likewise. Re-embedding every question of both gaps would give the same means (up to float rounding) at a cost that
grows with the gaps, for no better decisions.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sqlalchemy import func, select, update

from chatbot.embedders import Embedder
from chatbot.gaps.join import mean_with, mean_without, merged_mean
from chatbot.gaps.scope import Scope, ScopeMismatch, scope_conflict
from chatbot.keyword import tokenize
from web.access.accounts import find_user_by_email
from web.access.permissions import can_edit_community
from web.audit.log import record, record_gap_event
from web.db.models import GAP_OPEN_STATUSES, Gap, GapComment, GapEvent, GapEvidence, User, db
from web.gaps.notifications import GapAlerts, notify_if_due
from web.gaps.titles import gap_title, is_title_of
from web.http.errors import ApiError

# Roles that may own a gap: the people who write the content.
ASSIGNABLE_ROLES = ("editor", "admin")
MAX_COMMENT_CHARS = 5000


def record_event(gap: Gap, user: User | None, action: str, **detail: Any) -> None:
    """Add (not commit) an audit entry: it is committed with the change it describes."""
    db.session.add(GapEvent(gap_id=gap.id, user_id=user.id if user else None, action=action, detail=detail))
    record_gap_event(gap.id, user, action, detail)


def require_editor_of(actor: User, gap: Gap) -> None:
    """403 unless ``actor`` triages and writes for the gap's community."""
    if not can_edit_community(actor, gap.community):
        raise ApiError(
            403, "forbidden", f"Gap {gap.id} belongs to the community '{gap.community}', which you do not edit."
        )


def require_open(gap: Gap) -> None:
    if gap.status not in GAP_OPEN_STATUSES:
        raise ApiError(409, "gap_closed", f"Gap {gap.id} is {gap.status}; only open or assigned gaps change.")


def assignable_editors(community: str | None) -> list[User]:
    """Who a gap of ``community`` may be assigned to: editors of that community and admins."""
    users = db.session.scalars(select(User).where(User.role.in_(ASSIGNABLE_ROLES)).order_by(User.email)).all()
    return [user for user in users if can_edit_community(user, community)]


def assign_gap(gap: Gap, actor: User, email: str | None) -> Gap:
    """Assign to the editor with ``email``; None unassigns (the gap is open again)."""
    require_editor_of(actor, gap)
    require_open(gap)
    if email is None:
        gap.assignee_id = None
        gap.status = "open"
        record_event(gap, actor, "assign", assignee=None)
        db.session.commit()
        return gap
    assignee = find_user_by_email(email)
    if assignee is None or assignee.role not in ASSIGNABLE_ROLES:
        raise ApiError(400, "bad_assignee", "Assign a gap to the e-mail of an editor or admin.")
    if not can_edit_community(assignee, gap.community):
        raise ApiError(400, "bad_assignee", f"{assignee.email} does not edit the community '{gap.community}'.")
    gap.assignee_id = assignee.id
    gap.status = "assigned"
    record_event(gap, actor, "assign", assignee=assignee.email)
    db.session.commit()
    return gap


def add_comment(gap: Gap, actor: User, text: str) -> GapComment:
    """A note in the gap's thread; closed gaps take comments too (why it was dismissed, what to check later)."""
    require_editor_of(actor, gap)
    comment = GapComment(gap_id=gap.id, user_id=actor.id, text=text)
    db.session.add(comment)
    db.session.flush()  # the comment's id, for the audit entry committed with it
    record("gap.comment", f"gap:{gap.id}", {"comment_id": comment.id}, actor=actor, commit=False)
    db.session.commit()
    return comment


def dismiss_gap(gap: Gap, actor: User, reason: str) -> Gap:
    require_editor_of(actor, gap)
    require_open(gap)
    gap.status = "dismissed"
    gap.dismissed_reason = reason
    record_event(gap, actor, "dismiss", reason=reason)
    db.session.commit()
    return gap


def refile_gap(gap: Gap, actor: User, community: str | None) -> Gap:
    """File the gap under another community (None: no community), as an editor who edits both. The same question
    asked twice landed in a gap of no community and one of "billing", which could never be merged (one scope per
    gap, chatbot.gaps.scope): filed under "billing", they can be. An assignee who does not edit the new community is
    unassigned."""
    require_editor_of(actor, gap)
    require_open(gap)
    if not can_edit_community(actor, community):
        raise ApiError(403, "forbidden", f"You do not edit the community '{community}'.")
    if community == gap.community:
        raise ApiError(400, "bad_request", f"Gap {gap.id} is already filed under that community.")
    before = gap.community
    gap.community = community
    if gap.assignee is not None and not can_edit_community(gap.assignee, community):
        gap.assignee_id = None
        gap.status = "open"
    record_event(gap, actor, "refile", community=community, before=before)
    db.session.commit()
    return gap


def _require_one_scope(gap: Gap, target: Gap, action: str) -> None:
    """400 ``scope_mismatch`` when the questions of ``gap`` may not go into ``target`` (chatbot.gaps.scope)."""
    conflict = scope_conflict(Scope(gap.audience, gap.community), Scope(target.audience, target.community))
    if conflict is not None:
        raise ApiError(
            400,
            ScopeMismatch.code,
            f"Cannot {action} gap {gap.id} into gap {target.id}: {conflict}. Questions only move between gaps of one "
            "audience and one community; one article can close gaps of both.",
        )


def merge_gap(gap: Gap, actor: User, target: Gap, alerts: GapAlerts) -> Gap:
    """Move every question of ``gap`` into ``target`` (same scope); ``gap`` is then dismissed as merged. Returns
    ``target``."""
    require_editor_of(actor, gap)
    require_editor_of(actor, target)
    if target.id == gap.id:
        raise ApiError(400, "bad_merge", "A gap cannot be merged into itself.")
    _require_one_scope(gap, target, "merge")
    require_open(gap)
    require_open(target)
    target.centroid, target.token_counts = merged_mean(
        [(target.centroid, target.token_counts, target.count), (gap.centroid, gap.token_counts, gap.count)]
    )
    target.first_seen = min(target.first_seen, gap.first_seen)
    target.last_seen = max(target.last_seen, gap.last_seen)
    db.session.execute(update(GapEvidence).where(GapEvidence.gap_id == gap.id).values(gap_id=target.id))
    db.session.flush()
    target.count = _distinct_messages(target.id)
    gap.count = 0
    gap.status = "dismissed"
    gap.dismissed_reason = f"merged into gap {target.id}"
    record_event(gap, actor, "merge", into=target.id)
    record_event(target, actor, "merged_from", source=gap.id)
    db.session.commit()
    notify_if_due(target, alerts)  # a merge can take a gap past the alert count
    return target


def move_question(gap: Gap, actor: User, message_id: int, target: Gap, embedder: Embedder, alerts: GapAlerts) -> Gap:
    """Move one question (all its evidence) of ``gap`` into ``target``, an open gap of the same scope (the question
    is embedded with ``embedder`` to update both means). A gap left without questions is dismissed, as a merged one
    is. Returns ``gap``."""
    require_editor_of(actor, gap)
    require_editor_of(actor, target)
    if target.id == gap.id:
        raise ApiError(400, "bad_move", "The question is already in this gap.")
    _require_one_scope(gap, target, "move a question of")
    require_open(gap)
    require_open(target)
    rows = db.session.scalars(
        select(GapEvidence).where(GapEvidence.gap_id == gap.id, GapEvidence.message_id == message_id)
    ).all()
    if not rows:
        raise ApiError(404, "question_not_found", f"Message {message_id} is not a question of gap {gap.id}.")
    masked = rows[0].question_masked
    already_there = _has_message(target.id, message_id)
    vector = np.asarray(embedder.encode_queries([masked])[0], dtype=np.float64)
    tokens = Counter(tokenize(masked))
    gap.centroid = mean_without(gap.centroid, gap.count, vector)
    gap.token_counts = dict(Counter(gap.token_counts) - tokens)  # Counter subtraction drops counts <= 0
    if not already_there:
        target.centroid = mean_with(target.centroid, target.count, vector)
        target.token_counts = dict(Counter(target.token_counts) + tokens)
    for row in rows:
        row.gap_id = target.id
    db.session.flush()
    db.session.expire(gap, ["evidence"])
    db.session.expire(target, ["evidence"])
    for changed in (gap, target):
        changed.count = _distinct_messages(changed.id)
        _refresh_seen(changed)
    if gap.count == 0:
        gap.status = "dismissed"
        gap.dismissed_reason = f"all questions moved to gap {target.id}"
        gap.centroid, gap.token_counts = [], {}
    elif is_title_of(gap.title, masked):
        first = _first_question(gap.id)  # the representative question left with the move
        gap.title = gap_title(first) if first else gap.title
    record_event(gap, actor, "move_out", message_id=message_id, to=target.id)
    record_event(target, actor, "move_in", message_id=message_id, source=gap.id)
    db.session.commit()
    notify_if_due(target, alerts)
    return gap


def _distinct_messages(gap_id: int) -> int:
    query = select(func.count(func.distinct(GapEvidence.message_id))).where(GapEvidence.gap_id == gap_id)
    return int(db.session.scalar(query) or 0)


def _has_message(gap_id: int, message_id: int) -> bool:
    query = select(GapEvidence.id).where(GapEvidence.gap_id == gap_id, GapEvidence.message_id == message_id)
    return db.session.scalar(query.limit(1)) is not None


def _refresh_seen(gap: Gap) -> None:
    """first/last seen from the evidence the gap now holds."""
    first, last = db.session.execute(
        select(func.min(GapEvidence.created_at), func.max(GapEvidence.created_at)).where(GapEvidence.gap_id == gap.id)
    ).one()
    if first is not None and last is not None:
        gap.first_seen, gap.last_seen = first, last


def _first_question(gap_id: int) -> str | None:
    query = select(GapEvidence.question_masked).where(GapEvidence.gap_id == gap_id).order_by(GapEvidence.id).limit(1)
    return db.session.scalar(query)
