"""THE scope rule: questions share a gap only within one audience and one community.

The online join (a new question only considers gaps of its scope: chatbot.gaps.join) and an editor's merge or move
(web.gaps.actions, refused with 400 ``scope_mismatch``; the evals' in-memory simulation raises
:class:`ScopeMismatch`) ask :func:`scope_conflict`; the regrouping takes one :class:`Scope` at a time, which is the
same rule.

Why the audience: public questions come from the widget and are answered from public documents only; internal
questions are employees' and may quote internal matters. An internal question must never surface in a gap that is
fixed with (and shown next to) public content, and one fix cannot close both.

Why the community, even for an editor or admin who edits both: a gap's community decides who owns it (who may
triage it, who it may be assigned to) and where its fix is filed (an FAQ written for the gap takes its community).
Merging another community's questions into a gap hands them to other editors and files their fix in the wrong
knowledge space. "No community" is a scope of its own (every editor's), for the same reason: merging a community's
gap into it would give every editor that community's questions, and the other way round takes questions away from
everyone else. Questions of two scopes about the same topic are closed separately; one article may close both.
"""

from __future__ import annotations

from typing import NamedTuple

from chatbot.errors import AnswerdeskError


class Scope(NamedTuple):
    audience: str
    community: str | None


class ScopeMismatch(AnswerdeskError):
    """Questions were to go into a gap of another audience or community."""

    code = "scope_mismatch"
    status = 400


def scope_conflict(source: Scope, target: Scope) -> str | None:
    """Why questions of ``source`` may not go into a gap of ``target`` (a sentence fragment for a message), or None
    when they may: the audiences and the communities must be the same (no community matches only no community)."""
    if source.audience != target.audience:
        return f"the audiences differ ({source.audience} and {target.audience})"
    if source.community != target.community:
        return f"the communities differ ({_community_name(source.community)} and {_community_name(target.community)})"
    return None


def require_same_scope(source: Scope, target: Scope) -> None:
    """Raise :class:`ScopeMismatch` when :func:`scope_conflict` finds one."""
    conflict = scope_conflict(source, target)
    if conflict is not None:
        raise ScopeMismatch(f"Questions only share a gap within one audience and one community: {conflict}.")


def _community_name(community: str | None) -> str:
    return f"'{community}'" if community is not None else "no community"
