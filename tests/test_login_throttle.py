"""Per-account sign-in back-off: wrong passwords for one account from rotating addresses lock it (5 free, then 1 s,
doubling); the right password is refused during the lock with "try again in N seconds" (429, Retry-After), works
after it and forgets the count. Unknown emails get exactly the same answers. Stored in the database: every
worker (here: a second app on the same database) sees the same lock. The per-address limit stays.

The long sequences run on a clock the test moves (a busy machine must not make 15 quick attempts outlast a 1 s
lock); one test waits out a real lock.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.test_api import csrf_token_of, make_app
from web.access import login_throttle
from web.access.accounts import create_user
from web.access.login_throttle import FREE_FAILURES, email_hash, lock_seconds
from web.db.models import LoginThrottle, db, utcnow

EMAIL = "ann@example.com"
PASSWORD = "correct horse battery"
UNKNOWN = "nobody@example.com"
_addresses = count(1)


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def wait_out(self, response: Any) -> None:
        self.now += timedelta(seconds=int(response.headers["Retry-After"]))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(login_throttle, "utcnow", moved)
    return moved


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    application = make_app(tmp_path / "var", rate_limit="30/minute")
    with application.app_context():
        create_user(EMAIL, PASSWORD, "employee")
    return application


def sign_in(client: FlaskClient, email: str, password: str, address: str | None = None) -> Any:
    """One sign-in from a new address each time (unless given): the per-address limit never bites."""
    environ = {"REMOTE_ADDR": address or f"10.1.{next(_addresses) // 250}.{next(_addresses) % 250 + 1}"}
    token = csrf_token_of(client.get("/login", environ_base=environ).get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    return client.post("/login", data=data, environ_base=environ)


def outcome(response: Any) -> tuple[int, str]:
    """What an attacker sees: the status and the message (the wait rounded to whole seconds is in both)."""
    match = re.search(r'<p class="error" role="alert">([^<]*)</p>', response.get_data(as_text=True))
    return response.status_code, match.group(1) if match else ""


def test_the_schedule() -> None:
    assert [lock_seconds(n) for n in range(1, 12)] == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64]
    assert lock_seconds(15) == lock_seconds(1000) == 15 * 60


def test_wrong_passwords_from_rotating_addresses_lock_the_account_with_back_off(app: Flask, clock: Clock) -> None:
    client = app.test_client()
    wrong = [outcome(sign_in(client, EMAIL, f"guess {n}")) for n in range(20)]
    assert wrong[:FREE_FAILURES] == [(401, "Wrong email or password.")] * FREE_FAILURES
    # The 15 others came within the first lock: refused without a password check.
    assert wrong[FREE_FAILURES:] == [(429, "Too many sign-in attempts for this account. Try again in 1 second.")] * 15

    # The right password during the lock is refused too, with a clear message and Retry-After.
    refused = sign_in(client, EMAIL, PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert "Try again in 1 second." in refused.get_data(as_text=True)

    # Each wrong password after a lock has passed doubles it.
    for expected_lock in (2, 4):
        clock.wait_out(refused)
        assert outcome(sign_in(client, EMAIL, "another guess")) == (401, "Wrong email or password.")
        refused = sign_in(client, EMAIL, PASSWORD)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == str(expected_lock)
        assert f"Try again in {expected_lock} seconds." in refused.get_data(as_text=True)

    # Once the lock has passed, the right password works and the count starts again.
    clock.wait_out(refused)
    signed_in = sign_in(client, EMAIL, PASSWORD)
    assert signed_in.status_code == 302, outcome(signed_in)
    with app.app_context():
        assert db.session.get(LoginThrottle, email_hash(EMAIL)) is None
    fresh = app.test_client()
    assert [sign_in(fresh, EMAIL, "typo").status_code for _ in range(FREE_FAILURES)] == [401] * FREE_FAILURES


def test_unknown_emails_get_the_same_answers(app: Flask, clock: Clock) -> None:
    def story(email: str) -> list[tuple[int, str]]:
        client = app.test_client()
        seen = [outcome(sign_in(client, email.upper(), f"guess {n}")) for n in range(FREE_FAILURES + 2)]
        first_lock = sign_in(client, email, PASSWORD)
        seen.append(outcome(first_lock))
        clock.wait_out(first_lock)
        seen.append(outcome(sign_in(client, email, "one more guess")))
        seen.append(outcome(sign_in(client, email, PASSWORD)))
        return seen

    known, unknown = story(EMAIL), story(UNKNOWN)
    assert known == unknown
    assert (429, "Too many sign-in attempts for this account. Try again in 2 seconds.") in unknown
    with app.app_context():  # no address anyone typed is kept
        assert all("@" not in row.email_hash for row in db.session.scalars(select(LoginThrottle)))


def test_attempts_at_the_same_moment_do_not_slip_past_the_lock(
    app: Flask, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counted before the password is checked, in one statement: 20 guesses sent at once get 5 checks, not 20."""
    checked: list[str] = []
    check_password = login_throttle.authenticate

    def counting(email: str, password: str) -> Any:
        checked.append(password)  # list.append is atomic under the GIL
        return check_password(email, password)

    monkeypatch.setattr(login_throttle, "authenticate", counting)
    browsers = []
    for n in range(20):
        client, environ = app.test_client(), {"REMOTE_ADDR": f"10.2.0.{n + 1}"}
        token = csrf_token_of(client.get("/login", environ_base=environ).get_data(as_text=True))
        browsers.append((client, environ, {"email": EMAIL, "password": f"guess {n}", "csrf_token": token}))
    start = threading.Barrier(len(browsers))

    def guess(browser: tuple[FlaskClient, dict[str, str], dict[str, str]]) -> int:
        client, environ, data = browser
        start.wait()
        return client.post("/login", data=data, environ_base=environ).status_code

    with ThreadPoolExecutor(len(browsers)) as pool:
        statuses = sorted(pool.map(guess, browsers))
    assert statuses == [401] * FREE_FAILURES + [429] * (20 - FREE_FAILURES)
    assert len(checked) == FREE_FAILURES


def test_the_owners_browser_signs_in_during_a_lock_a_guesser_keeps_up(app: Flask, clock: Clock) -> None:
    """Without it anyone could keep an employee out with a wrong password every 15 minutes."""
    owners_browser = app.test_client()
    assert sign_in(owners_browser, EMAIL, PASSWORD).status_code == 302  # signed in here before: a device cookie
    owners_browser.post("/logout", data={"csrf_token": csrf_token_of(owners_browser.get("/login").get_data(True))})

    guesser = app.test_client()
    for _ in range(20):
        sign_in(guesser, EMAIL, "guess")
        sign_in(guesser, UNKNOWN, "guess")
    assert sign_in(app.test_client(), EMAIL, PASSWORD).status_code == 429  # any other browser: locked
    assert sign_in(owners_browser, EMAIL, PASSWORD).status_code == 302

    # The cookie is for that account only, and its own guesses get their own back-off.
    assert sign_in(owners_browser, UNKNOWN, PASSWORD).status_code == 429  # not signed in to it here: locked
    wrong = [sign_in(owners_browser, EMAIL, "typo").status_code for _ in range(FREE_FAILURES + 1)]
    assert wrong == [401] * FREE_FAILURES + [429]
    forged = app.test_client()
    forged.set_cookie(login_throttle.DEVICE_COOKIE, "made-up", path="/login")
    assert sign_in(forged, EMAIL, PASSWORD).status_code == 429


def test_a_real_lock_passes(app: Flask) -> None:
    client = app.test_client()
    assert [sign_in(client, EMAIL, "typo").status_code for _ in range(FREE_FAILURES)] == [401] * FREE_FAILURES
    refused = sign_in(client, EMAIL, PASSWORD)
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "1")
    time.sleep(1.1)
    assert sign_in(client, EMAIL, PASSWORD).status_code == 302


def test_every_worker_sees_the_lock_and_a_restart_keeps_it(app: Flask, tmp_path: Path) -> None:
    for n in range(FREE_FAILURES):
        sign_in(app.test_client(), EMAIL, f"guess {n}")
    other_worker = make_app(tmp_path / "var", rate_limit="30/minute")  # same database, its own process state
    assert sign_in(other_worker.test_client(), EMAIL, PASSWORD).status_code == 429


def test_the_per_address_limit_stays(tmp_path: Path) -> None:
    application = make_app(tmp_path / "var", rate_limit="3/minute")
    client = application.test_client()
    # Different emails, one address: no account is locked, the address is.
    statuses = [sign_in(client, f"user{n}@example.com", "guess", address="10.9.9.9").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
