"""Answer each Slack question once. Slack delivers an event again (``X-Slack-Retry-Num``) when our 200 was late
or lost, and a retry may reach another gunicorn worker; the same message may also arrive as two events (an
``app_mention`` and a ``message``). Whoever inserts the row for the event id (and for the message) first answers.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from web.db.models import SlackDelivery, db, utcnow

# Slack retries within minutes (after about 1 minute and 5 minutes); a day is plenty, and keeps the table small.
KEEP_FOR = timedelta(days=1)


def claim(*keys: str) -> bool:
    """True for the first caller that claims all of ``keys`` (in one transaction), False when one was claimed
    before (a retry, or the same message as another event)."""
    now = utcnow()
    db.session.execute(delete(SlackDelivery).where(SlackDelivery.received_at < now - KEEP_FOR))
    for key in keys:
        db.session.add(SlackDelivery(key=key[:160], received_at=now))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def event_key(event_id: str) -> str:
    return f"event:{event_id}"


def message_key(channel: str, ts: str) -> str:
    return f"message:{channel}:{ts}"
