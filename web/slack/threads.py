"""A Slack thread is one answerdesk conversation: its turns are stored like the widget's (analytics, gap evidence,
follow-up history), under an id derived from the channel and the thread, so every worker finds the same one
without a lookup table, and creating it twice at once is a primary-key clash rather than two conversations.

The id is a one-way hash, so the conversation also keeps the thread's place (team, channel, thread ts): an agent's
reply to a hand-off is posted back there (web/slack/replies.py)."""

from __future__ import annotations

import hashlib

from sqlalchemy.exc import IntegrityError

from chatbot.types import Audience
from web.chat.conversations import find_conversation
from web.db.models import Conversation, db

ID_PREFIX = "slack"


def thread_conversation_id(channel: str, thread_ts: str) -> str:
    digest = hashlib.sha256(f"{channel}:{thread_ts}".encode()).hexdigest()
    return ID_PREFIX + digest[: 32 - len(ID_PREFIX)]  # Conversation.id is 32 characters


def slack_session_id(team: str, user: str) -> str:
    """The owner of a Slack conversation: the person who started the thread, in the widget's session-id alphabet,
    so that `answerdesk privacy export --session slack-T…-U…` finds one Slack user's conversations."""
    return f"slack-{team}-{user}".replace(":", "-")[:128]


def thread_conversation(team: str, channel: str, thread_ts: str, session_id: str, audience: Audience) -> Conversation:
    """The thread's conversation, created (and committed) on the thread's first question."""
    conversation_id = thread_conversation_id(channel, thread_ts)
    found = find_conversation(conversation_id)
    if found is not None:
        return found
    conversation = Conversation(id=conversation_id, audience=audience, session_id=session_id)
    remember_thread(conversation, team, channel, thread_ts)
    db.session.add(conversation)
    try:
        db.session.commit()
    except IntegrityError:
        # Two first questions of one thread at once: the other worker's row is the conversation.
        db.session.rollback()
        found = find_conversation(conversation_id)
        if found is None:
            raise
        return found
    return conversation


def remember_thread(conversation: Conversation, team: str, channel: str, thread_ts: str) -> None:
    """Keep where the thread is on its conversation (not committed): set when it is created, and for a thread
    started before conversations kept it, when it first needs it."""
    if conversation.in_slack:
        return
    conversation.slack_team_id = team or None
    conversation.slack_channel_id = channel
    conversation.slack_thread_ts = thread_ts
