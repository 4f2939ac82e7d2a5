"""Who may do what in the knowledge loop: one place for the role and community rules.

Roles (the knowledge community's roles): ``admin`` (community manager: users, communities, site keys; passes every
check), ``editor`` (knowledge manager: triages and writes for their communities), ``viewer`` (sponsor: reads the
editor area and analytics), ``agent`` (answers the people who asked for a human, in the inbox at /editor/inbox/;
neither writes articles nor triages gaps), ``employee`` (member: asks internal questions, may suggest an edit).

An editor's ``communities`` list scopes their writes; an empty list means every community, which is what a small
team with one editor wants. Gaps and documents without a community belong to every editor.
"""

from __future__ import annotations

from web.db.models import User

# Roles that read the editor area (queue, gap pages, articles, analytics, contributors).
READ_ROLES = ("editor", "viewer")
# Roles that change it (triage, resolve, write articles); admin passes every role check anyway.
WRITE_ROLES = ("editor",)
# The hand-off inbox: agents answer and close requests, and so may editors (a small team has no agents) and admins.
# Viewers read it, as they read the rest of the editor area. Conversations have no community (a widget's visitor
# asks the whole public knowledge base), so the inbox is not scoped by community: every agent sees every request.
INBOX_ROLES = ("agent", "editor")
INBOX_READ_ROLES = ("agent", "editor", "viewer")


def has_role(user: User | None, roles: tuple[str, ...]) -> bool:
    """The rule of ``require_role`` for a user at hand: one of ``roles``, or admin, which passes every check."""
    return user is not None and (user.role == "admin" or user.role in roles)


def can_write(user: User | None) -> bool:
    return has_role(user, WRITE_ROLES)


def can_read_editor(user: User | None) -> bool:
    """Whether ``user`` may open the editor area (gap queue, articles, analytics): its dashboard is their work."""
    return has_role(user, READ_ROLES)


def can_read_inbox(user: User | None) -> bool:
    return has_role(user, INBOX_READ_ROLES)


def can_edit_community(user: User | None, community: str | None) -> bool:
    """Whether ``user`` may triage gaps and write documents of ``community``."""
    if user is None or not can_write(user):
        return False
    if user.role == "admin" or not user.communities or community is None:
        return True
    return community in user.communities


def editor_communities(user: User) -> list[str] | None:
    """The communities ``user`` writes for; None: all of them."""
    if user.role == "admin" or not user.communities:
        return None
    return list(user.communities)


def can_answer_handoffs(user: User | None) -> bool:
    return has_role(user, INBOX_ROLES)
