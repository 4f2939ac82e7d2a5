"""Per-account sign-in back-off: password guessing against one account, from however many addresses, slows down
exponentially (the per-address limit is in web/http/limits.py).

- The first FREE_FAILURES - 1 wrong passwords for an email cost nothing. The FREE_FAILURES-th locks the email for
  FIRST_LOCK_S, and every wrong password after a lock has passed doubles it, up to MAX_LOCK_S: after 5 failures 1 s,
  then 2, 4, 8 s, ... 15 min from the 15th on. The owner who mistyped a few times waits seconds; a guesser's 20th
  guess comes after an hour and a half, the 100th after 21 hours, and then 96 a day.
- While the email is locked, a sign-in is refused without checking the password, the right one included: 429 with
  Retry-After and "try again in N seconds" (a right password during the lock must not be the oracle that says
  "this one was right"). A successful sign-in forgets the email's failures; so does a day without an attempt.
- Counted per email, known or not, before the password is checked, in one UPDATE that also checks the lock: two
  workers taking attempts for one account at the same moment can neither both slip past a lock nor lose a count,
  and unknown emails get the same answers after the same work (authenticate() checks a dummy hash for them).
- Stored in the database (table login_throttles), so every worker sees the same lock and a restart keeps it; only
  the SHA-256 of the lower-cased email is kept, never an address someone typed.
- A lock on the account alone would let anyone keep an employee out (one wrong password every 15 minutes). So a
  browser that has signed in to an account gets a signed cookie for it (OWASP's "device cookie", path /login, a
  year), and its attempts for that account are counted on their own: the owner's browser signs in during a lock
  that a guesser keeps up, and is slowed down on its own if it guesses. One account per browser: the last one.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Response, after_this_request, current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, CursorResult, DateTime, case, delete, literal, null, or_, update
from sqlalchemy.exc import IntegrityError

from web.access.auth import authenticate
from web.db.models import LoginThrottle, User, db, utcnow

log = logging.getLogger(__name__)

FREE_FAILURES = 5
FIRST_LOCK_S = 1
MAX_LOCK_S = 15 * 60
FORGET_AFTER = timedelta(days=1)
DEVICE_COOKIE = "answerdesk_login_device"
DEVICE_COOKIE_DAYS = 365


class LoginThrottled(Exception):
    """Sign-in refused: the email is locked for ``retry_after_s`` more seconds."""

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = max(1, retry_after_s)
        wait = (
            f"{self.retry_after_s} second{'s' if self.retry_after_s != 1 else ''}"
            if self.retry_after_s < 120
            else f"{math.ceil(self.retry_after_s / 60)} minutes"
        )
        super().__init__(f"Too many sign-in attempts for this account. Try again in {wait}.")

    def respond(self, page: str) -> tuple[str, int, dict[str, str]]:
        """The login page showing this message, as a 429 with Retry-After."""
        return page, 429, {"Retry-After": str(self.retry_after_s)}


def lock_seconds(failures: int) -> int:
    """How long an email is locked after ``failures`` wrong passwords in a row (0: not locked)."""
    if failures < FREE_FAILURES:
        return 0
    doublings = min(failures - FREE_FAILURES, 30)  # capped long before: no need for a 1000-bit number
    return min(MAX_LOCK_S, FIRST_LOCK_S << doublings)


def authenticate_with_backoff(email: str, password: str) -> User | None:
    """The user for this email and password, or None; raises :class:`LoginThrottled` while the email is locked
    (for this browser: see the device cookie above)."""
    account = email_hash(email)
    device = _signed_in_device(account)
    key = account if device is None else hashlib.sha256(f"{account}:{device}".encode()).hexdigest()
    failures = _count_attempt(key)
    user = authenticate(email, password)
    if user is not None:
        db.session.execute(delete(LoginThrottle).where(LoginThrottle.email_hash == key))
        db.session.commit()
        _remember_device(account)
    elif failures >= FREE_FAILURES:
        log.warning(
            "sign-in back-off: %d wrong passwords in a row for email key %s…, locked for %d s",
            *(failures, key[:12], lock_seconds(failures)),
        )
    return user


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _device_cookies() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="answerdesk-login-device")


def _signed_in_device(account: str) -> str | None:
    """This browser's device id if it has signed in to ``account`` before (a valid device cookie), else None."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _device_cookies().loads(raw, max_age=DEVICE_COOKIE_DAYS * 86400)
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("account") != account:
        return None
    return str(data.get("device"))


def _remember_device(account: str) -> None:
    value = _device_cookies().dumps({"account": account, "device": secrets.token_urlsafe(16)})

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_COOKIE_DAYS * 86400,
            path="/login",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure,
            httponly=True,
            samesite="Lax",
        )
        return response


def _count_attempt(key: str, retry: bool = True) -> int:
    """Count an attempt for ``key`` and (re)start its lock as if it fails; return the count. Raises
    :class:`LoginThrottled` instead, without counting, while the key is locked."""
    now = utcnow()
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.last_attempt_at < now - FORGET_AFTER))
    after = LoginThrottle.failures + 1
    counted: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(LoginThrottle)
        .where(
            LoginThrottle.email_hash == key,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
        )
        .values(failures=after, locked_until=_lock_end(after, now), last_attempt_at=now)
        .returning(LoginThrottle.failures)
        .execution_options(synchronize_session=False)
    )
    failures: int | None = counted.scalar()
    if failures is not None:
        db.session.commit()
        return failures
    row = db.session.get(LoginThrottle, key, populate_existing=True)
    if row is None:
        try:
            first = LoginThrottle(email_hash=key, failures=1, locked_until=_lock_end_at(1, now), last_attempt_at=now)
            db.session.add(first)
            db.session.commit()
        except IntegrityError:  # another worker counted this key's first attempt at the same moment
            db.session.rollback()
            if retry:
                return _count_attempt(key, retry=False)
            raise
        return 1
    db.session.commit()
    assert row.locked_until is not None  # the update skipped the row: it is locked
    raise LoginThrottled(math.ceil((row.locked_until - now).total_seconds()))


def _lock_end(failures: ColumnElement[int], now: datetime) -> ColumnElement[Any]:
    """SQL for the lock's end after ``failures`` (a column expression): each possible count is spelled out, as
    portable SQL has no power function; from the count that reaches MAX_LOCK_S on it is the same."""
    capped_from = next(n for n in range(FREE_FAILURES, FREE_FAILURES + 64) if lock_seconds(n) >= MAX_LOCK_S)
    whens: list[tuple[ColumnElement[bool], ColumnElement[Any]]] = [(failures < FREE_FAILURES, null())]
    whens += [(failures == n, literal(_lock_end_at(n, now), DateTime)) for n in range(FREE_FAILURES, capped_from)]
    return case(*whens, else_=literal(_lock_end_at(capped_from, now), DateTime))


def _lock_end_at(failures: int, now: datetime) -> datetime | None:
    seconds = lock_seconds(failures)
    return now + timedelta(seconds=seconds) if seconds else None
