"""Asking for a person in Slack, by saying so in a thread ("I want to talk to a person": the ``handoff`` intent) or
with the "Talk to a person" button: the thread's conversation gets a hand-off request for the agents' inbox, through
the widget's own function (web/chat/handoffs.py: the same request, the same gap evidence). The thread's place is
kept on the conversation, so the agent's reply can be posted back into it (web/slack/replies.py).

One open request per thread: asking again while the team has not answered yet is told so, not queued twice (the
agents would answer the same thread twice). Once a request is answered or closed, asking again is a new one.
"""

from __future__ import annotations

from web.chat.handoffs import open_handoff, request_handoff
from web.db.models import Conversation, db
from web.slack.threads import remember_thread


def hand_off_thread(conversation: Conversation, *, team: str, channel: str, thread_ts: str) -> bool:
    """Ask the team for a person in this thread: True when a request was made, False when one was open already."""
    remember_thread(conversation, team, channel, thread_ts)
    if open_handoff(conversation) is not None:
        db.session.commit()  # the thread's place, for a thread from before it was kept
        return False
    request_handoff(conversation, email=None, message=None)  # Slack gives no address: the reply comes in the thread
    return True
