"""Deciding an employee's edit suggestion: an editor applies it (marks it applied, or saves an edit made with it)
or declines it, once.

Two editors can have the same article page open: both see the suggestion as open, and the second click used to
redirect with a vague "already declined" (answered 200) or, racing the first, overwrite its decision. The
decision is one conditional UPDATE (only an open suggestion changes), so exactly one editor decides; the other is
refused with 409 ``suggestion_decided``, naming who decided and how. The decision's audit entry
(``suggestion.apply`` / ``suggestion.decline``) is committed with it, as every editor action's is: a refused
second click leaves none.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm.exc import ObjectDeletedError

from web.audit.log import record_suggestion_decision
from web.db.models import EditSuggestion, User, db, utcnow
from web.http.errors import ApiError

Decision = Literal["applied", "declined"]


def decide_suggestion(suggestion: EditSuggestion, editor: User, decision: Decision) -> None:
    """Record ``editor``'s decision on the open ``suggestion`` and commit; ApiError 409 when it was decided already
    (404 when it is gone: its document deleted meanwhile)."""
    statement = (
        update(EditSuggestion)
        .where(EditSuggestion.id == suggestion.id, EditSuggestion.status == "open")
        .values(status=decision, decided_by_id=editor.id, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], db.session.execute(statement))
    if result.rowcount != 1:
        db.session.rollback()
        try:
            db.session.refresh(suggestion)
        except ObjectDeletedError:
            raise ApiError(404, "suggestion_not_found", "No such suggestion for this document.") from None
        raise ApiError(409, "suggestion_decided", decided_message(suggestion))
    record_suggestion_decision(suggestion, decision, editor)
    db.session.commit()
    db.session.expire(suggestion)  # changed behind the ORM's back (the UPDATE above): read it again when used


def decided_message(suggestion: EditSuggestion) -> str:
    """Who decided the suggestion and how, in a sentence for the editor who came second."""
    if suggestion.decided_by is not None:
        who = suggestion.decided_by.email
    elif suggestion.decided_by_id is None and suggestion.decided_at is None:
        who = "Someone"  # decided before decisions were recorded
    else:
        who = "A former editor"  # their account was deleted since
    when = f" at {suggestion.decided_at.strftime('%Y-%m-%d %H:%M')} UTC" if suggestion.decided_at else ""
    return f"{who} already {suggestion.status} this suggestion{when}: nothing was changed."
