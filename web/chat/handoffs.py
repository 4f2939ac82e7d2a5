"""Asking for a person, wherever it is asked (the widget and the chat API, web/api/chat.py; Slack,
web/slack/handoffs.py): the request is stored for the agents' inbox, and the question the person gave up on becomes
gap evidence ``handoff`` for the editors, so both surfaces feed the knowledge loop alike."""

from __future__ import annotations

from sqlalchemy import select

from web.chat.conversations import add_handoff
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
    answered = [m for m in conversation.messages if m.status == "ok" and m.intent is None]
    if answered:
        # The question the person gave up on is the last one ("I want a person" and "thanks" are not questions);
        # a hand-off before any question has none to group.
        capture_quietly(answered[-1], "handoff")
    return row


def open_handoff(conversation: Conversation) -> Handoff | None:
    """The conversation's request still waiting for a person, if there is one."""
    query = (
        select(Handoff)
        .where(Handoff.conversation_id == conversation.id, Handoff.status == "open")
        .order_by(Handoff.id)
        .limit(1)
    )
    return db.session.scalar(query)
