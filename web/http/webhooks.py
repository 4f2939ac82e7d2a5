"""A JSON message POSTed to a webhook (a Slack incoming webhook, or any receiver), in a background thread, with
retries: what the gap alerts (web/gaps/notifications.py) and the hand-off alerts (web/inbox/alerts.py) share.

- **Never in the way of a request.** :func:`start_delivery` starts a daemon thread and returns.
- **Retries.** One try, then up to three retries after 1, 2 and 4 s (exponential backoff) on a connection error, a
  timeout (5 s per try), HTTP 429 (waiting at least its ``Retry-After``, capped) or 5xx. Other answers (4xx, 3xx)
  are permanent: retrying the same message cannot fix a revoked URL or a rejected payload.
- **Failures.** Each failed try is logged (warning) with what the message is about; the last one at error level.
  The caller may act on the result (``after``): the gap alerts release their claim after a temporary failure.
- **Secrets.** A webhook URL is a credential (Slack's carries its token in the path): it is never logged, and
  neither are exception messages, which quote it.

A worker that exits while a delivery is in flight loses that message (the thread is a daemon); what it announced
(a gap, a hand-off request) is still in the editors' queue or the agents' inbox, which are the source of truth.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

# Waits before the retries: one try, then up to len(RETRY_DELAYS_S) retries.
RETRY_DELAYS_S: tuple[float, ...] = (1.0, 2.0, 4.0)
# Tests (or an operator) may set app.config[RETRY_DELAYS_CONFIG] to other waits, e.g. (0.01, 0.02, 0.04).
RETRY_DELAYS_CONFIG = "ANSWERDESK_WEBHOOK_RETRY_DELAYS"
TIMEOUT_S = 5.0
# A receiver asking for a long pause (Retry-After) gets at most this: an alert a minute late is still useful.
MAX_RETRY_AFTER_S = 30.0
USER_AGENT = "answerdesk-webhook/1"

_deliveries: set[threading.Thread] = set()
_deliveries_lock = threading.Lock()


@dataclass(frozen=True)
class DeliveryResult:
    delivered: bool
    attempts: int
    permanent_failure: bool = False


def retry_delays(app: Flask) -> tuple[float, ...]:
    """The waits between tries for ``app`` (``app.config[RETRY_DELAYS_CONFIG]`` may shorten them, e.g. in tests)."""
    return tuple(app.config.get(RETRY_DELAYS_CONFIG, RETRY_DELAYS_S))


def slack_escape(text: str) -> str:
    """Slack's three control characters: without this a question could ping @channel or forge a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def start_delivery(
    url: str,
    payload: dict[str, Any],
    subject: str,
    delays: Sequence[float] = RETRY_DELAYS_S,
    after: Callable[[DeliveryResult], None] | None = None,
) -> None:
    """POST ``payload`` to ``url`` in a daemon thread; ``subject`` ("gap 12") names it in the log, ``after`` gets
    the result in that thread."""
    thread = threading.Thread(
        target=_deliver_in_background,
        args=(url, payload, subject, tuple(delays), after),
        name=f"webhook {subject}",
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
    url: str,
    payload: dict[str, Any],
    subject: str,
    delays: tuple[float, ...],
    after: Callable[[DeliveryResult], None] | None,
) -> None:
    try:
        result = deliver(url, payload, subject, delays)
        if after is not None:
            after(result)
    except Exception:
        log.exception("%s: webhook delivery crashed", subject)
    finally:
        with _deliveries_lock:
            _deliveries.discard(threading.current_thread())


def deliver(
    url: str,
    payload: dict[str, Any],
    subject: str,
    delays: Sequence[float] = RETRY_DELAYS_S,
    timeout: float = TIMEOUT_S,
) -> DeliveryResult:
    """POST ``payload`` with retries (see the module docstring). Blocking: call it from a background thread."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    attempts = 1 + len(delays)
    for attempt in range(1, attempts + 1):
        outcome = _post_once(url, body, timeout)
        if outcome.ok:
            if attempt > 1:
                log.info("%s: webhook delivered on attempt %d", subject, attempt)
            return DeliveryResult(delivered=True, attempts=attempt)
        if not outcome.retryable:
            log.error("%s: webhook refused the message (%s); not retrying", subject, outcome.problem)
            return DeliveryResult(delivered=False, attempts=attempt, permanent_failure=True)
        if attempt == attempts:
            log.error("%s: webhook message not delivered after %d attempts (%s)", subject, attempt, outcome.problem)
            break
        wait = delays[attempt - 1]
        if outcome.retry_after is not None:
            wait = max(wait, min(outcome.retry_after, MAX_RETRY_AFTER_S))
        log.warning(
            "%s: webhook attempt %d/%d failed (%s); retrying in %.2f s",
            subject,
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
