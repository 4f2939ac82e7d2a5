"""Who may do what in the knowledge loop: one place for the role and community rules.

Roles (the knowledge community's roles): ``admin`` (community manager: users, communities, site keys; passes every
check), ``editor`` (knowledge manager: triages and writes for their communities), ``viewer`` (sponsor: reads the
editor area and analytics), ``employee`` (member: asks internal questions, may suggest an edit).

An editor's ``communities`` list scopes their writes; an empty list means every community, which is what a small
team with one editor wants. Gaps and documents without a community belong to every editor.
"""

from __future__ import annotations

from web.db.models import User

# Roles that read the editor area (queue, gap pages, articles, analytics, contributors).
READ_ROLES = ("editor", "viewer")
# Roles that change it (triage, resolve, write articles); admin passes every role check anyway.
WRITE_ROLES = ("editor",)


def can_write(user: User | None) -> bool:
    return user is not None and user.role in ("editor", "admin")


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
