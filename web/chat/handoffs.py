"""Asking for a person, wherever it is asked (the widget and the chat API, web/api/chat.py; Slack,
web/slack/handoffs.py): the request is stored for the agents' inbox, and the question the person gave up on becomes
gap evidence ``handoff`` for the editors, so both surfaces feed the knowledge loop alike.

One open request per conversation, on every surface: asking again before the team has answered adds to the open
request (:func:`add_to_handoff`) rather than queueing a second one that another agent would answer again."""

from __future__ import annotations

from sqlalchemy import select

from web.chat.conversations import add_handoff
from web.chat.privacy import stored_question
from web.chat.turns import capture_quietly
from web.db.models import Conversation, Handoff, db
from web.inbox.alerts import alert_new_handoff
from web.services import get_settings, running_app


def request_handoff(conversation: Conversation, email: str | None, message: str | None) -> Handoff:
    """Store a request for ``conversation`` (committed), tell the agents (a webhook, when one is set), then record
    its last answered question as evidence."""
    row = add_handoff(conversation, email, message)
    app = running_app()
    alert_new_handoff(app, get_settings(app), row)
    _record_given_up_question(conversation)
    return row


def _record_given_up_question(conversation: Conversation) -> None:
    """Gap evidence ``handoff`` for the question the person gave up on: the last one ("I want a person" and "thanks"
    are not questions); a hand-off before any question has none to group. Recorded once per question."""
    answered = [m for m in conversation.messages if m.status == "ok" and m.intent is None]
    if answered:
        capture_quietly(answered[-1], "handoff")


def open_handoff(conversation: Conversation) -> Handoff | None:
    """The conversation's request still waiting for a person, if there is one."""
    query = (
        select(Handoff)
        .where(Handoff.conversation_id == conversation.id, Handoff.status == "open")
        .order_by(Handoff.id)
        .limit(1)
    )
    return db.session.scalar(query)


def add_to_handoff(handoff: Handoff, email: str | None, message: str | None) -> Handoff:
    """A second request while ``handoff`` is still open (committed): its message is added below the first, masked as
    questions are, and an address given now replaces the earlier one (the person may be correcting it). No new alert:
    the team already has the request. A question asked since the first request and given up on is gap evidence."""
    if message:
        stored = stored_question(message)
        handoff.message = f"{handoff.message}\n\n{stored}" if handoff.message else stored
    if email:
        handoff.email = email
    db.session.commit()
    _record_given_up_question(handoff.conversation)
    return handoff
