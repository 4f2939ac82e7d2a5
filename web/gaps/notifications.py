"""Gap alerts: a JSON message to ``ANSWERDESK_GAP_WEBHOOK_URL`` when an open gap reaches ``gap_alert_count`` questions.

The message is a Slack incoming-webhook message (``text`` + ``blocks``): a Slack URL works as is, Slack-compatible
receivers (Mattermost) show the ``text``, and other receivers read the machine fields under the ``answerdesk`` key.

Rules:

- **Once per gap.** :func:`notify_if_due` claims the gap with a conditional ``UPDATE gaps SET alerted_at = now
  WHERE id = ? AND alerted_at IS NULL AND ...`` and sends only when that changed a row: several threads or gunicorn
  workers seeing the same gap reach the threshold send one message between them.
- **Never in the way of a chat.** Delivery runs in a daemon thread; :func:`notify_if_due` only does the claim (one
  small write) and returns. Every error is logged and swallowed.
- **Retries.** One try, then up to three retries after 1, 2 and 4 s (exponential backoff) on a connection error, a
  timeout (5 s per try), HTTP 429 (waiting at least its ``Retry-After``, capped) or 5xx. Other answers (4xx, 3xx)
  are permanent: retrying the same message cannot fix a revoked URL or a rejected payload.
- **Failures.** Each failed try is logged (warning) with the gap id; the last one at error level. After a
  *temporary* failure (the receiver was down) the claim is released, so the next question that joins the gap tries
  again; after a permanent one it is kept, or every new question would repeat a request known to fail.
- **Secrets.** A webhook URL is a credential (Slack's carries its token in the path): it is never logged, and
  neither are exception messages, which quote it.
- **Links.** The gap's link is built on ``ANSWERDESK_PUBLIC_URL``, never on the request's Host header (which the
  visitor whose question triggers the alert chooses); without the setting it is a path and Slack gets no button.
- **Untrusted text.** The gap title is a visitor's question (PII-masked). Slack reads ``<...>`` as links and
  mentions (``<!channel>``), so ``&``, ``<`` and ``>`` are escaped in the Slack fields.

A worker that exits while a delivery is in flight loses that message (the thread is a daemon); the gap is still in
the editors' queue, which is the source of truth.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from flask import Flask
from sqlalchemy import CursorResult, update
from werkzeug.routing import BuildError

from chatbot.config import Settings
from web.chat.privacy import mask_pii
from web.db.models import GAP_OPEN_STATUSES, Gap, db, utcnow
from web.http.links import absolute_link
from web.http.serialize import timestamp
from web.wording import clipped

log = logging.getLogger(__name__)

EVENT_GAP_THRESHOLD = "gap.threshold"
# Waits before the retries: one try, then up to len(RETRY_DELAYS_S) retries.
RETRY_DELAYS_S: tuple[float, ...] = (1.0, 2.0, 4.0)
# Tests (or an operator) may set app.config[RETRY_DELAYS_CONFIG] to other waits, e.g. (0.01, 0.02, 0.04).
RETRY_DELAYS_CONFIG = "ANSWERDESK_WEBHOOK_RETRY_DELAYS"
TIMEOUT_S = 5.0
# A receiver asking for a long pause (Retry-After) gets at most this: a gap alert a minute late is still useful.
MAX_RETRY_AFTER_S = 30.0
# Where the editors open a gap; the path is the fallback when the endpoint is not (yet) registered.
GAP_PAGE_ENDPOINT = "editor.gap"
GAP_PAGE_PATH = "/editor/gaps/{gap_id}"
MAX_TITLE_CHARS = 300  # a Slack section holds 3000 characters; a question is short, a pasted log is not
USER_AGENT = "answerdesk-webhook/1"

_deliveries: set[threading.Thread] = set()
_deliveries_lock = threading.Lock()


@dataclass(frozen=True)
class GapAlerts:
    """Where and when alerts go. Handed in by whoever may grow a gap (a route, a command, a background regrouping),
    so that :func:`notify_if_due` needs no application context of its own."""

    app: Flask  # the delivery thread opens an app context on it, to release a claim after a temporary failure
    url: str | None  # None or empty: alerts are off
    threshold: int
    retry_delays: tuple[float, ...] = RETRY_DELAYS_S


def gap_alerts(app: Flask, settings: Settings) -> GapAlerts:
    """The alerts of ``app``: the webhook settings, and the retry waits (``app.config[RETRY_DELAYS_CONFIG]`` may
    shorten them, e.g. in tests)."""
    delays = tuple(app.config.get(RETRY_DELAYS_CONFIG, RETRY_DELAYS_S))
    return GapAlerts(app, settings.gap_webhook_url, settings.gap_alert_count, delays)


@dataclass(frozen=True)
class DeliveryResult:
    delivered: bool
    attempts: int
    permanent_failure: bool = False


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
    start_delivery(alerts.app, url, payload, gap.id, alerts.retry_delays)


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
def slack_escape(text: str) -> str:
    """Slack's three control characters: without this a question could ping @channel or forge a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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


# -- delivery ----------------------------------------------------------------------------------------------------
def start_delivery(app: Flask, url: str, payload: dict[str, Any], gap_id: int, delays: Sequence[float]) -> None:
    thread = threading.Thread(
        target=_deliver_in_background,
        args=(app, url, payload, gap_id, tuple(delays)),
        name=f"gap-webhook-{gap_id}",
        daemon=True,  # a stuck receiver must not keep a worker from exiting
    )
    with _deliveries_lock:
        _deliveries.add(thread)
    thread.start()


def wait_for_deliveries(timeout: float = 30.0) -> bool:
    """Join the deliveries in flight (for tests and orderly shutdowns); True when none is left running."""
    deadline = time.monotonic() + timeout
    while True:
        with _deliveries_lock:
            running = [t for t in _deliveries if t.is_alive()]
            _deliveries.intersection_update(running)
        if not running:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        running[0].join(remaining)


def _deliver_in_background(
    app: Flask, url: str, payload: dict[str, Any], gap_id: int, delays: tuple[float, ...]
) -> None:
    try:
        result = deliver(url, payload, gap_id, delays)
        if not result.delivered and not result.permanent_failure:
            with app.app_context():
                release_alert(gap_id)
    except Exception:
        log.exception("gap %s: webhook delivery crashed", gap_id)
    finally:
        with _deliveries_lock:
            _deliveries.discard(threading.current_thread())


def deliver(
    url: str, payload: dict[str, Any], gap_id: int, delays: Sequence[float] = RETRY_DELAYS_S, timeout: float = TIMEOUT_S
) -> DeliveryResult:
    """POST ``payload`` with retries (see the module docstring). Blocking: call it from a background thread."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    attempts = 1 + len(delays)
    for attempt in range(1, attempts + 1):
        outcome = _post_once(url, body, timeout)
        if outcome.ok:
            if attempt > 1:
                log.info("gap %s: webhook delivered on attempt %d", gap_id, attempt)
            return DeliveryResult(delivered=True, attempts=attempt)
        if not outcome.retryable:
            log.error("gap %s: webhook refused the alert (%s); not retrying", gap_id, outcome.problem)
            return DeliveryResult(delivered=False, attempts=attempt, permanent_failure=True)
        if attempt == attempts:
            log.error("gap %s: webhook alert not delivered after %d attempts (%s)", gap_id, attempt, outcome.problem)
            break
        wait = delays[attempt - 1]
        if outcome.retry_after is not None:
            wait = max(wait, min(outcome.retry_after, MAX_RETRY_AFTER_S))
        log.warning(
            "gap %s: webhook attempt %d/%d failed (%s); retrying in %.2f s",
            gap_id,
            attempt,
            attempts,
            outcome.problem,
            wait,
        )
        time.sleep(wait)
    return DeliveryResult(delivered=False, attempts=attempts)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirected POST would be replayed as a GET without the message: treat a 3xx as the receiver's answer."""

    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects())


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    retryable: bool = False
    problem: str = ""
    retry_after: float | None = None


def _post_once(url: str, body: bytes, timeout: float) -> _Outcome:
    http_request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
    )
    try:
        with _OPENER.open(http_request, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
        retry_after = _retry_after(exc.headers.get("Retry-After")) if exc.headers else None
        exc.close()
        retryable = status == 429 or status >= 500
        return _Outcome(ok=False, retryable=retryable, problem=f"HTTP {status}", retry_after=retry_after)
    except (urllib.error.URLError, OSError) as exc:  # refused, DNS, TLS, timeout
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        # The class name only: the messages of these errors can quote the URL, which is a secret.
        return _Outcome(ok=False, retryable=True, problem=type(reason).__name__)
    if 200 <= status < 300:
        return _Outcome(ok=True)
    return _Outcome(ok=False, retryable=False, problem=f"HTTP {status}")


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare for webhooks and is ignored)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None
