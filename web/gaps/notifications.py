"""Gap alerts: a JSON message to ``ANSWERDESK_GAP_WEBHOOK_URL`` when an open gap reaches ``gap_alert_count`` questions.

The message is a Slack incoming-webhook message (``text`` + ``blocks``): a Slack URL works as is, Slack-compatible
receivers (Mattermost) show the ``text``, and other receivers read the machine fields under the ``answerdesk`` key.

Rules:

- **Once per gap.** :func:`notify_if_due` claims the gap with a conditional ``UPDATE gaps SET alerted_at = now
  WHERE id = ? AND alerted_at IS NULL AND ...`` and sends only when that changed a row: several threads or gunicorn
  workers seeing the same gap reach the threshold send one message between them.
- **Never in the way of a chat.** Delivery runs in a daemon thread, with retries (web/http/webhooks.py);
  :func:`notify_if_due` only does the claim (one small write) and returns. Every error is logged and swallowed.
- **Failures.** After a *temporary* failure (the receiver was down) the claim is released, so the next question
  that joins the gap tries again; after a permanent one it is kept, or every new question would repeat a request
  known to fail.
- **Links.** The gap's link is built on ``ANSWERDESK_PUBLIC_URL``, never on the request's Host header (which the
  visitor whose question triggers the alert chooses); without the setting it is a path and Slack gets no button.
- **Untrusted text.** The gap title is a visitor's question (PII-masked). Slack reads ``<...>`` as links and
  mentions (``<!channel>``), so ``&``, ``<`` and ``>`` are escaped in the Slack fields.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from flask import Flask
from sqlalchemy import CursorResult, update
from werkzeug.routing import BuildError

from chatbot.config import Settings
from web.chat.privacy import mask_pii
from web.db.models import GAP_OPEN_STATUSES, Gap, db, utcnow
from web.http.links import absolute_link
from web.http.serialize import timestamp
from web.http.webhooks import RETRY_DELAYS_S, DeliveryResult, retry_delays, slack_escape, start_delivery
from web.wording import clipped

log = logging.getLogger(__name__)

EVENT_GAP_THRESHOLD = "gap.threshold"
# Where the editors open a gap; the path is the fallback when the endpoint is not (yet) registered.
GAP_PAGE_ENDPOINT = "editor.gap"
GAP_PAGE_PATH = "/editor/gaps/{gap_id}"
MAX_TITLE_CHARS = 300  # a Slack section holds 3000 characters; a question is short, a pasted log is not


@dataclass(frozen=True)
class GapAlerts:
    """Where and when alerts go. Handed in by whoever may grow a gap (a route, a command, a background regrouping),
    so that :func:`notify_if_due` needs no application context of its own."""

    app: Flask  # the delivery thread opens an app context on it, to release a claim after a temporary failure
    url: str | None  # None or empty: alerts are off
    threshold: int
    retry_delays: tuple[float, ...] = RETRY_DELAYS_S


def gap_alerts(app: Flask, settings: Settings) -> GapAlerts:
    """The alerts of ``app``: the webhook settings, and the retry waits (web/http/webhooks.py)."""
    return GapAlerts(app, settings.gap_webhook_url, settings.gap_alert_count, retry_delays(app))


# -- the trigger -------------------------------------------------------------------------------------------------
def notify_if_due(gap: Gap, alerts: GapAlerts) -> None:
    """Call after new evidence for ``gap`` is committed: queues the alert when the gap has just reached the alert
    count. Returns at once; never raises."""
    try:
        _notify_if_due(gap, alerts)
    except Exception:
        db.session.rollback()
        log.exception("could not queue the webhook alert for gap %s", getattr(gap, "id", None))


def _notify_if_due(gap: Gap, alerts: GapAlerts) -> None:
    url, threshold = alerts.url, alerts.threshold
    # Cheap checks on the loaded row first: nearly every turn stops here without a write.
    if not url or gap.alerted_at is not None or gap.count < threshold or gap.status not in GAP_OPEN_STATUSES:
        return
    if not claim_alert(gap.id, threshold):
        return  # another worker or thread sends it
    payload = gap_alert_payload(gap, threshold, gap_link(alerts.app, gap.id))
    after = partial(_release_after_temporary_failure, alerts.app, gap.id)
    start_delivery(url, payload, f"gap {gap.id}", alerts.retry_delays, after)


def claim_alert(gap_id: int, threshold: int) -> bool:
    """Atomically mark the gap alerted if it is open, at the threshold and not alerted yet; True if this call won.

    The database decides, not the row loaded earlier: concurrent callers run the same UPDATE and exactly one of
    them changes a row."""
    statement = (
        update(Gap)
        .where(
            Gap.id == gap_id,
            Gap.alerted_at.is_(None),
            Gap.count >= threshold,
            Gap.status.in_(GAP_OPEN_STATUSES),
        )
        .values(alerted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], db.session.execute(statement))
    db.session.commit()
    return result.rowcount == 1


def _release_after_temporary_failure(app: Flask, gap_id: int, result: DeliveryResult) -> None:
    if not result.delivered and not result.permanent_failure:
        with app.app_context():
            release_alert(gap_id)


def release_alert(gap_id: int) -> None:
    """Undo a claim after a temporary delivery failure, so that the next question of the gap tries again."""
    db.session.execute(
        update(Gap).where(Gap.id == gap_id).values(alerted_at=None).execution_options(synchronize_session=False)
    )
    db.session.commit()


def gap_link(app: Flask, gap_id: int) -> str:
    """The gap's page on ANSWERDESK_PUBLIC_URL, else its path (web/http/links.py). Never on the request's host:
    the question that makes a gap reach the alert count comes from a visitor, who chooses the Host header."""
    # A map adapter of its own rather than url_for: the same path in a request or outside one, without the
    # request's host or script root.
    try:
        path = app.url_map.bind("answerdesk.invalid").build(GAP_PAGE_ENDPOINT, {"gap_id": gap_id})
    except BuildError:  # the editor pages are not registered
        path = GAP_PAGE_PATH.format(gap_id=gap_id)
    return absolute_link(app, path)


# -- the message -------------------------------------------------------------------------------------------------
def gap_alert_payload(gap: Gap, threshold: int, link: str) -> dict[str, Any]:
    # Masked when stored; masked again in case raw questions are kept. Clipped for titles stored whole before
    # web/gaps/titles.py capped them, and on one line: a line break would end the message's quote.
    title = clipped(mask_pii(gap.title), MAX_TITLE_CHARS)
    community = gap.community or "no community"
    where = f"{gap.audience} · {community}"
    is_absolute = link.startswith(("http://", "https://"))
    quoted = slack_escape(title)
    text = f'Knowledge gap reached {gap.count} questions: "{quoted}" ({slack_escape(where)})'
    text += f" <{link}|Open gap {gap.id}>" if is_absolute else f" Open {link} in answerdesk."
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*Knowledge gap reached {gap.count} questions*\n>{quoted}"},
        },
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": f"Audience: *{slack_escape(gap.audience)}*"},
                {"type": "mrkdwn", "text": f"Community: *{slack_escape(community)}*"},
                {"type": "mrkdwn", "text": f"Gap {gap.id} · alert at {threshold} questions"},
            ],
        },
    ]
    if is_absolute:  # Slack rejects a whole message whose button has a relative URL
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open the gap"},
                        "url": link,
                        "style": "primary",
                    }
                ],
            }
        )
    return {
        "text": text,
        "blocks": blocks,
        "answerdesk": {
            "event": EVENT_GAP_THRESHOLD,
            "gap_id": gap.id,
            "title": title,
            "count": gap.count,
            "threshold": threshold,
            "status": gap.status,
            "audience": gap.audience,
            "community": gap.community,
            "url": link,
            "first_seen": timestamp(gap.first_seen),
            "last_seen": timestamp(gap.last_seen),
        },
    }
