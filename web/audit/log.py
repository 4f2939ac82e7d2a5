"""Writing the audit log: :func:`record`, called with one line from each place where something worth auditing
happens, plus the sign-in signals.

What is recorded (action names): sign-ins ``auth.login``, ``auth.login_failed``, ``auth.logout``; accounts and sites
``user.create``, ``user.update`` (role, communities), ``token.create``, ``site.create``, ``site.update`` (from the
admin page and the command line alike: web/access/accounts.py calls it); dashboard writing ``article.save`` and
``article.reread`` (articles and FAQ entries); employees' edit suggestions decided ``suggestion.apply`` and
``suggestion.decline`` (web/articles/suggestions.py); gap triage ``gap.assign``, ``gap.comment``, ``gap.dismiss``,
``gap.merge``, ``gap.move``, ``gap.resolve``; the agents' inbox ``handoff.reply``, ``handoff.close``, ``handoff.email``
(web/inbox/actions.py); exports ``analytics.export``, ``privacy.export``, ``audit.export``;
privacy ``privacy.delete`` and ``privacy.purge``.

Decisions, written down for docs/privacy.md:

- **Same transaction**: an entry about a change is added to the session before the change commits
  (``commit=False``), so the change and its entry are stored together or not at all. Entries for events that
  change nothing else (sign-ins, exports) commit on their own; if that write fails, it is logged and the request
  goes on (a sign-in must not fail because the audit table is busy).
- **Who**: the signed-in employee or the API token's owner; ``cli:<os user>`` for a command (whoever has a shell
  on the server is the operator); ``answerdesk`` for scheduled jobs. The e-mail is copied into the entry, so it
  outlives the account.
- **From where**: ``request.remote_addr`` after ProxyFix, i.e. the client's address behind
  ``ANSWERDESK_PROXY_HOPS`` trusted proxies; ``via`` says web (pages), api, cli or system.
- **Failed sign-ins** name the account when the e-mail belongs to one; an unknown e-mail is not stored (people type
  their password into the e-mail field), the address and time are enough to see someone guessing.
- **No content**: entries hold ids, names and counts, never a question, a comment or an article's text. A privacy
  subject (a session id or an e-mail address) is stored as its SHA-256, so the log proves that a deletion happened,
  and can be checked against a given address, without keeping the address that was deleted.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any, cast

from flask import Flask, g, has_request_context, request
from flask_login import current_user, user_logged_in, user_logged_out
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ingest.pipeline import SyncReport
from web.db.models import AuditEntry, EditSuggestion, Site, User, db

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "answerdesk"
# Gap events that mirror another event of the same action on the other gap: one audit entry per action.
_MIRRORED_GAP_EVENTS = {"merged_from", "move_in"}
_GAP_ACTIONS = {"move_out": "move"}
# A suggestion's decision (its stored status) as an audit action: a verb, like the gap actions.
_SUGGESTION_ACTIONS = {"applied": "suggestion.apply", "declined": "suggestion.decline"}


def record(
    action: str,
    target: str | None = None,
    detail: Mapping[str, Any] | None = None,
    *,
    actor: User | None = None,
    commit: bool = True,
    system: bool = False,
) -> None:
    """Write one audit entry. ``actor`` defaults to the employee behind the request; ``commit=False`` only adds
    it, to be committed with the change it describes; ``system`` marks a scheduled job."""
    entry = AuditEntry(action=action, target=target, detail=dict(detail or {}), **_origin(actor, system))
    db.session.add(entry)
    if not commit:
        return
    try:
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("could not write the audit entry %s %s", action, target)


def subject_digest(value: str) -> str:
    """The SHA-256 of a privacy subject: an e-mail compared without case, a session id as it is (they are
    case-sensitive)."""
    subject = value.strip()
    return hashlib.sha256((subject.lower() if "@" in subject else subject).encode("utf-8")).hexdigest()


def _origin(actor: User | None, system: bool) -> dict[str, Any]:
    if system:
        return {"actor_id": None, "actor": SYSTEM_ACTOR, "ip": None, "via": "system"}
    if has_request_context():
        user = actor or _request_user()
        via = "api" if request.path.startswith("/api/") else "web"
        return {"actor_id": _id(user), "actor": _email(user), "ip": request.remote_addr, "via": via}
    label = actor.email if actor is not None else f"cli:{_os_user()}"
    return {"actor_id": _id(actor), "actor": label, "ip": None, "via": "cli"}


def _request_user() -> User | None:
    caller = g.get("caller")
    if caller is not None:
        return cast(User | None, caller.user)
    if current_user and current_user.is_authenticated:
        return cast(User, current_user._get_current_object())
    return None


def _id(user: User | None) -> int | None:
    return user.id if user is not None else None


def _email(user: User | None) -> str | None:
    return user.email if user is not None else None


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "unknown"


# -- sign-ins ----------------------------------------------------------------------------------------------------
def init_audit(app: Flask) -> None:
    """Flask-Login announces every sign-in and sign-out: recorded wherever ``login_user``/``logout_user`` run."""
    user_logged_in.connect(_signed_in, app, weak=False)
    user_logged_out.connect(_signed_out, app, weak=False)


def _signed_in(_app: Flask, user: User, **_extra: Any) -> None:
    record("auth.login", f"user:{user.email}", actor=user)


def _signed_out(_app: Flask, user: Any, **_extra: Any) -> None:
    if isinstance(user, User):  # signing out without a session is not an event
        record("auth.logout", f"user:{user.email}", actor=user)


def record_failed_login(email: str) -> None:
    known = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    target = f"user:{known.email}" if known is not None else None
    record("auth.login_failed", target, {"known_account": known is not None})


# -- accounts and sites ------------------------------------------------------------------------------------------
def record_user_created(user: User) -> None:
    record(
        "user.create", f"user:{user.email}", {"role": user.role, "communities": list(user.communities)}, commit=False
    )


def record_user_update(user: User, role: str | None, communities: Sequence[str] | None) -> None:
    """Call before the change is applied: the entry holds each changed field as [before, after]."""
    changes: dict[str, Any] = {}
    if role is not None and role != user.role:
        changes["role"] = [user.role, role]
    if communities is not None and list(communities) != list(user.communities):
        changes["communities"] = [list(user.communities), list(communities)]
    if changes:
        record("user.update", f"user:{user.email}", changes, commit=False)


def record_token_created(user: User) -> None:
    record("token.create", f"user:{user.email}", commit=False)


def record_site_change(site: Site, origins: Sequence[str] | None = None) -> None:
    """A new site (``origins`` None), or new origins for ``site`` (call before they are applied)."""
    if origins is None:
        record("site.create", f"site:{site.name}", {"origins": list(site.origins)}, commit=False)
    elif list(origins) != list(site.origins):
        record("site.update", f"site:{site.name}", {"origins": [list(site.origins), list(origins)]}, commit=False)


# -- gaps --------------------------------------------------------------------------------------------------------
def record_gap_event(gap_id: int, user: User | None, action: str, detail: Mapping[str, Any]) -> None:
    """Mirror an editor's gap event (web/gaps/actions.record_event) into the audit log, committed with it.
    A resolve keeps its outcome, not the verification's failing questions (visitors' text)."""
    if user is None or action in _MIRRORED_GAP_EVENTS:
        return
    if action == "resolve":
        verification = detail.get("verification") or {}
        detail = {
            **{key: detail[key] for key in ("faq_id", "article_id", "accepted_unverified") if key in detail},
            "verified": bool(verification.get("verified")),
        }
    record(f"gap.{_GAP_ACTIONS.get(action, action)}", f"gap:{gap_id}", detail, actor=user, commit=False)


# -- documents ---------------------------------------------------------------------------------------------------
def record_document_change(action: str, doc_id: str, report: SyncReport, actor: User | None = None) -> None:
    """After a dashboard save (``article.save``) or a re-read (``article.reread``) went through the pipeline."""
    counts = {"added": report.added, "updated": report.updated, "unchanged": report.unchanged}
    record(action, f"document:{doc_id}", {**counts, "failed": len(report.failed)}, actor=actor)


# -- edit suggestions --------------------------------------------------------------------------------------------
def record_suggestion_decision(suggestion: EditSuggestion, decision: str, editor: User) -> None:
    """An editor applied or declined an employee's edit suggestion, committed with the decision. The target is the
    document (filtering on it shows its edits and its decided suggestions together); the suggestion's text is
    content and stays out, its id leads to it."""
    record(
        _SUGGESTION_ACTIONS[decision],
        f"document:{suggestion.document_id}",
        {"suggestion_id": suggestion.id},
        actor=editor,
        commit=False,
    )
