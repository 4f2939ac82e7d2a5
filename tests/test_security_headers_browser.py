"""Our pages under their Content-Security-Policy in a real browser: a real `answerdesk serve` and Debian's Chromium
(Playwright). Every page loads without a single policy violation, the styles the policy lets through are applied
(the templates' nonce'd <style> blocks, the widget's constructed stylesheet in its Shadow DOM), and sign-out
buttons work. Never runs `playwright install`: it drives /usr/bin/chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, playwright_sync_api
from tests.served import Served, serve
from tests.test_api import make_app
from web.access.accounts import create_user

EDITOR_PAGES = ("/editor/", "/editor/articles/", "/editor/analytics", "/editor/contributors/", "/editor/admin/")
# Reported by the browser for each blocked script, style or connection, also from inside a Shadow DOM.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`), true);
"""

pytestmark = BROWSER_MARKS
sync_api = playwright_sync_api()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("csp") / "var"
    app = make_app(data_dir)  # the same data dir (database, secret key) as the server below
    with app.app_context():
        create_user("boss@example.com", "correct horse", "admin")
    yield from serve(data_dir)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.console_messages: list[str] = []  # type: ignore[misc]
    page.on("console", lambda message: page.console_messages.append(message.text))
    yield page
    context.close()


def violations(page: Any) -> list[str]:
    recorded: list[str] = page.evaluate("window.__violations")
    return recorded + [m for m in page.console_messages if "Content Security Policy" in m]


def widget_style(page: Any, selector: str, prop: str) -> str:
    script = "([s, p]) => getComputedStyle(document.querySelector('answerdesk-widget').shadowRoot.querySelector(s))[p]"
    value: str = page.evaluate(script, [selector, prop])
    return value


def sign_in(page: Any, served: Served, next_path: str = "") -> None:
    page.goto(served.url + "/login" + (f"?next={next_path}" if next_path else ""))
    assert page.evaluate("getComputedStyle(document.querySelector('main')).borderRadius") == "12px"  # nonce'd <style>
    page.get_by_label("Email").fill("boss@example.com")
    page.get_by_label("Password").fill("correct horse")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_the_demo_page_and_its_widget_run_under_the_policy(page: Any, served: Served) -> None:
    page.goto(served.url + "/")
    page.get_by_role("button", name="Open help chat").click()
    assert page.get_by_role("dialog", name="Lumo help").is_visible()
    assert widget_style(page, ".panel", "position") == "fixed"  # the widget's own stylesheet applies
    assert widget_style(page, ".launcher", "borderRadius") == "50%"
    assert violations(page) == []


def test_the_help_and_editor_pages_run_under_the_policy(page: Any, served: Served) -> None:
    sign_in(page, served, "/help")  # an admin lands on the dashboard without it
    assert page.url == served.url + "/help"
    page.locator("answerdesk-widget").wait_for()
    assert widget_style(page, ".panel", "position") == "static"  # inline mode, styled
    assert violations(page) == []
    for path in EDITOR_PAGES:
        page.goto(served.url + path)
        assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).display") == "flex", path
        assert violations(page) == [], path


def test_sign_out_everywhere_from_the_help_page(browser: Any, page: Any, served: Served) -> None:
    sign_in(page, served, "/help")
    other = browser.new_context()
    other_page = other.new_page()
    sign_in(other_page, served, "/help")
    assert other_page.url == served.url + "/help"
    page.get_by_role("button", name="Sign out everywhere").click()
    page.wait_for_url("**/login")
    other_page.goto(served.url + "/editor/")
    assert "/login?next=/editor/" in other_page.url  # the other browser is signed out too
    other.close()
    assert violations(page) == []
