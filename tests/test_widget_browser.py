"""The customer experience end to end: the real service (`answerdesk serve`) and Debian's Chromium via Playwright.

Ingests the sample knowledge base into a fresh data dir, serves it on a free port, opens the demo page, asks
questions through the widget, sends 👎 feedback and checks the database, and checks that a document containing
``<img src=x onerror=alert(1)>`` is shown as text. Screenshots go to test-artifacts/ (1280 px and 360 px wide).
Never runs `playwright install`: it drives /usr/bin/chromium (``apt-get install chromium``).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ARTIFACTS, BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, playwright_sync_api
from tests.conftest import REPO_ROOT, SAMPLE_KB

ANSWER_TIMEOUT_MS = 60_000
XSS_TEXT = "<img src=x onerror=alert(1)>"

pytestmark = BROWSER_MARKS
sync_api = playwright_sync_api()


@dataclass
class Service:
    url: str
    data_dir: Path

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.data_dir / "answerdesk.db") as connection:
            return connection.execute(sql, params).fetchall()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answerdesk(*args: str) -> list[str]:
    return [sys.executable, "-c", "from web.cli import main; main()", *args]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    data_dir = tmp_path_factory.mktemp("browser") / "var"
    env = {
        **os.environ,
        "ANSWERDESK_DATA_DIR": str(data_dir),
        "ANSWERDESK_RATE_LIMIT": "off",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
    }
    subprocess.run(_answerdesk("ingest", str(SAMPLE_KB)), env=env, cwd=REPO_ROOT, check=True, capture_output=True)
    port = _free_port()
    log_path = data_dir / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _answerdesk("serve", "--port", str(port)), env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                pytest.fail(f"answerdesk serve exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"answerdesk serve did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield Service(url, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class PageEvents:
    dialogs: list[str]  # alert(), confirm(), prompt(): what an injected onerror=alert(1) would open
    errors: list[str]  # uncaught JavaScript exceptions


@pytest.fixture(scope="module")
def events() -> PageEvents:
    return PageEvents([], [])


@pytest.fixture(scope="module")
def page(browser: Any, service: Service, events: PageEvents) -> Iterator[Any]:
    """One visitor for the whole module: the tests below continue the same conversation, as a person would."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()

    def on_dialog(dialog: Any) -> None:
        events.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: events.errors.append(str(error)))
    page.goto(service.url + "/")
    yield page
    context.close()


@contextmanager
def new_visitor(browser: Any, service: Service, events: PageEvents) -> Iterator[Any]:
    """A new visitor (a browser context of its own) on the demo page, with the help chat open."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda error: events.errors.append(str(error)))
    try:
        page.goto(service.url + "/")
        page.get_by_role("button", name="Open help chat").click()
        yield page
    finally:
        context.close()


def ask(page: Any, question: str) -> Any:
    """Type a question, press Enter, and return the finished answer bubble (it has 👍/👎 once complete)."""
    answers = page.locator("answerdesk-widget .msg.bot:not(.welcome)")
    before = answers.count()
    page.get_by_role("textbox", name="Your question").fill(question)
    page.keyboard.press("Enter")
    answer = answers.nth(before)
    answer.locator(".feedback").wait_for(timeout=ANSWER_TIMEOUT_MS)
    return answer


def test_ask_see_citation_and_send_negative_feedback(page: Any, service: Service) -> None:
    page.get_by_role("button", name="Open help chat").click()
    assert page.locator("answerdesk-widget .launcher").get_attribute("aria-expanded") == "true"
    assert page.get_by_role("dialog", name="Lumo help").is_visible()

    answer = ask(page, "How do I request a refund?")
    assert "Request refund" in answer.inner_text()
    citation = answer.locator("a.cite").first
    assert citation.inner_text() == "[1]"
    assert citation.get_attribute("href").startswith("https://help.lumo.example/")
    assert answer.locator(".sources li a").count() >= 1

    answer.get_by_role("button", name="Not helpful").click()
    answer.get_by_role("button", name="Outdated").click()
    answer.get_by_role("textbox", name="Comment (optional)").fill("The window changed last month.")
    answer.get_by_role("button", name="Send feedback").click()
    answer.get_by_text("Thanks for your feedback!").wait_for()
    # The "Send feedback" button is gone: focus goes to the question box, not to the page (where Escape no longer
    # reached the widget and a keyboard user had to find their way back).
    focused = "document.querySelector('answerdesk-widget').shadowRoot.activeElement?.getAttribute('aria-label')"
    assert page.evaluate(focused) == "Your question"

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-1280.png"))
    rows = service.query(
        "SELECT f.helpful, f.reasons, f.comment, m.question FROM feedback f JOIN messages m ON m.id = f.message_id"
    )
    assert len(rows) == 1
    helpful, reasons, comment, question = rows[0]
    assert (helpful, json.loads(reasons), comment) == (0, ["outdated"], "The window changed last month.")
    assert question == "How do I request a refund?"


def test_html_in_a_document_is_shown_as_text(page: Any, events: PageEvents) -> None:
    answer = ask(page, "Why does my invoice note show strange code?")
    assert XSS_TEXT in answer.inner_text()
    images = page.evaluate("document.querySelector('answerdesk-widget').shadowRoot.querySelectorAll('img').length")
    assert images == 0
    assert page.locator("img").count() == 0
    page.wait_for_timeout(300)  # an onerror handler would have fired by now
    assert events.dialogs == [] and events.errors == []

    page.set_viewport_size({"width": 360, "height": 740})
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-360.png"))
    assert page.get_by_role("textbox", name="Your question").is_visible()


def test_conversation_survives_a_reload_and_escape_closes(page: Any, service: Service) -> None:
    page.reload()
    page.get_by_role("button", name="Open help chat").click()
    questions = [text.strip() for text in page.locator("answerdesk-widget .msg.user").all_text_contents()]
    assert questions == [
        "You said: How do I request a refund?",
        "You said: Why does my invoice note show strange code?",
    ]
    page.keyboard.press("Escape")
    assert not page.get_by_role("dialog").is_visible()
    focused = page.evaluate("document.querySelector('answerdesk-widget').shadowRoot.activeElement.className")
    assert focused == "launcher"
    assert service.query("SELECT COUNT(*) FROM conversations") == [(1,)]  # both questions: one conversation


def test_im_not_sure_shows_each_suggestion_with_its_closest_line(
    browser: Any, service: Service, events: PageEvents
) -> None:
    """A new visitor; the line survives a reload (it is stored with the message)."""
    line = "The app needs iOS or iPadOS 16 or later, or Android 10 or later."
    with new_visitor(browser, service, events) as page:
        answer = ask(page, "my ipad is stuck on ios 15, will the lumo app run on it")
        first = answer.locator(".related li").first
        assert first.locator("a").count() == 1
        assert first.locator(".excerpt").inner_text() == line
        ARTIFACTS.mkdir(exist_ok=True)
        answer.screenshot(path=str(ARTIFACTS / "widget-suggestions.png"))
        page.reload()
        page.get_by_role("button", name="Open help chat").click()
        excerpts = page.locator("answerdesk-widget .related .excerpt").all_inner_texts()
        assert line in excerpts, excerpts
    assert events.errors == []


def test_tables_and_code_in_an_answer_are_rendered_not_shown_as_markup(
    browser: Any, service: Service, events: PageEvents
) -> None:
    """A new visitor: the API-access table cut to the Plus row, and the article's `code` as code, not backticks."""
    with new_visitor(browser, service, events) as page:
        answer = ask(page, "can i write data through the api on plus")
        cells = answer.locator("table tr").all_inner_texts()
        assert [" ".join(row.split()) for row in cells] == ["Plan API access", "Plus Read-only keys [1]"], cells
        assert "|" not in answer.inner_text()
        # The base URL, which followed the table until a table's footnotes had to say something asked (round 32).
        code = ask(page, "what is the base url of the api")
        assert code.locator(".body code").first.inner_text() == "https://api.lumo.example/v2"
        assert "`" not in code.inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "widget-table.png"))
    assert events.errors == []


def test_a_step_quoted_after_its_procedure_s_first_keeps_its_number(
    browser: Any, service: Service, events: PageEvents
) -> None:
    """ "1. Go to Invoices > New invoice" then "3. Add line items ...": the list must not show step 3 as 2."""
    with new_visitor(browser, service, events) as page:
        answer = ask(page, "how many line items can an invoice have")
        # An item's number is its value attribute, else one more than the item before it (the list starts at 1).
        values = answer.locator(".body ol li").evaluate_all("items => items.map((li) => li.getAttribute('value'))")
        assert values == [None, "3"], (values, answer.inner_text())
        assert "200 line items" in answer.inner_text()
    assert events.errors == []


def test_saying_an_answer_was_wrong_offers_a_person_and_down_votes_it(
    browser: Any, service: Service, events: PageEvents
) -> None:
    """A new visitor types "that's not what I asked" after an answer: the reply (not rated itself) carries the
    "Talk to a human" button, and the answer before it is stored as a 👎 with the reason "wrong"."""
    with new_visitor(browser, service, events) as page:
        ask(page, "How long does a refund take?")
        answers = page.locator("answerdesk-widget .msg.bot:not(.welcome)")
        page.get_by_role("textbox", name="Your question").fill("that's not what I asked")
        page.keyboard.press("Enter")
        reply = answers.nth(1)
        reply.get_by_role("button", name="Talk to a human").wait_for(timeout=ANSWER_TIMEOUT_MS)
        assert "other words" in reply.inner_text()
        assert reply.locator(".feedback").count() == 0
    rows = service.query(
        "SELECT f.helpful, f.reasons, m.question FROM feedback f JOIN messages m ON m.id = f.message_id "
        "WHERE m.question = 'How long does a refund take?'"
    )
    assert [(helpful, json.loads(reasons), question) for helpful, reasons, question in rows] == [
        (0, ["wrong"], "How long does a refund take?")
    ]
    assert events.errors == []


def _cli(service: Service, *args: str, stdin: str = "") -> str:
    env = {**os.environ, "ANSWERDESK_DATA_DIR": str(service.data_dir), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        _answerdesk(*args), env=env, cwd=REPO_ROOT, input=stdin, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _api(service: Service, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(
        service.url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_an_agents_reply_to_a_hand_off_shows_in_the_widget(browser: Any, service: Service, events: PageEvents) -> None:
    """A visitor asks for a person with the widget's form; an agent answers in the inbox API; when the visitor
    comes back, the widget shows the reply as the team's answer. This service has no mail server: the widget says
    the reply shows in the chat, not that it comes by email (it promised one that was never sent). The visitor
    started a new conversation meanwhile: the reply still shows (it was lost, and the agent told "they see it")."""
    with new_visitor(browser, service, events) as page:
        answer = ask(page, "Can I pay by bank transfer every month?")
        answer.get_by_role("button", name="Talk to a human").click()
        assert page.get_by_role("textbox", name="Email (optional)").get_attribute("required") is None
        page.get_by_role("textbox", name="Email").fill("visitor@example.com")
        page.get_by_role("button", name="Send request").click()
        page.get_by_text("Their reply will show here in this chat").wait_for()
        assert page.get_by_text("get back to you at visitor@example.com").count() == 0
        page.get_by_role("button", name="New conversation").click()

        _cli(service, "users", "create", "agent@example.com", "--role", "agent", stdin="correct horse battery\n")
        token = _cli(service, "tokens", "create", "agent@example.com")
        [handoff] = [
            h
            for h in _api(service, "GET", "/api/v1/handoffs?status=open", token)["handoffs"]
            if h["email"] == "visitor@example.com"
        ]
        reply = "Bank transfer is only for annual Business plans with 20 or more users; monthly plans pay by card."
        _api(service, "POST", f"/api/v1/handoffs/{handoff['id']}/reply", token, {"reply": reply})

        page.reload()
        page.get_by_role("button", name="Open the chat: our team has answered").click()
        team = page.locator("answerdesk-widget .msg.team")
        team.wait_for(timeout=ANSWER_TIMEOUT_MS)
        assert "Answer from our team:" in team.inner_text() and reply in team.inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "widget-team-reply.png"))
    assert events.errors == []


def test_an_employees_request_for_a_person_survives_a_reload_of_the_help_page(
    browser: Any, service: Service, events: PageEvents
) -> None:
    """An employee asks for a person on the help page and reloads it (the address is /help?c=<id> by then): the
    request is still there, and when an agent has answered, the next visit to /help shows the reply. The reload
    rebuilt the conversation from its questions and replies only, so the waiting request was dropped and the reply
    never showed (round 29). The list of conversations beside it counts the questions as they are asked."""
    _cli(service, "users", "create", "emma@example.com", "--role", "employee", stdin="correct horse battery\n")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda error: events.errors.append(str(error)))
    try:
        page.goto(service.url + "/login?next=/help")
        page.get_by_label("Email").fill("emma@example.com")
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/help")
        answer = ask(page, "Is there a discount code for accountants who refer clients?")
        answer.get_by_role("button", name="Talk to a human").click()
        # A signed-in employee is not asked for the address the service already has.
        page.get_by_text("Leave a short message. Someone from our team will reply here.").wait_for()
        assert page.get_by_role("textbox", name="Email").count() == 0
        page.get_by_role("button", name="Send request").click()
        sent = page.locator("answerdesk-widget .msg.note", has_text="Your request was passed to our team.")
        sent.wait_for()
        page.wait_for_url("**/help?c=*")

        page.reload()
        sent.wait_for(timeout=ANSWER_TIMEOUT_MS)  # the request is still shown after the reload

        _cli(service, "users", "create", "agent2@example.com", "--role", "agent", stdin="correct horse battery\n")
        token = _cli(service, "tokens", "create", "agent2@example.com")
        [handoff] = [
            h
            for h in _api(service, "GET", "/api/v1/handoffs?status=open", token)["handoffs"]
            if h["question"].startswith("Is there a discount code for accountants")
        ]
        reply = "There is no referral discount code; partners get a reseller margin instead."
        _api(service, "POST", f"/api/v1/handoffs/{handoff['id']}/reply", token, {"reply": reply})

        page.goto(service.url + "/help")
        team = page.locator("answerdesk-widget .msg.team")
        team.wait_for(timeout=ANSWER_TIMEOUT_MS)
        assert reply in team.inner_text()

        # The conversations list counts the questions as they are asked (it said "1 question" until a reload).
        current = page.locator('#conversations a[aria-current="page"] .count')
        assert current.inner_text() == "1 question"
        ask(page, "Who do I escalate a SEV1 incident to?")
        assert current.inner_text() == "2 questions"
    finally:
        context.close()
    assert events.errors == []


def test_a_paste_over_the_limit_is_refused_whole_not_cut(browser: Any, service: Service, events: PageEvents) -> None:
    """A pasted question longer than the service takes is neither cut at the limit and sent ending mid-sentence
    (a maxlength on the box did that, silently) nor lost: the widget says it is too long and leaves it to shorten."""
    pasted = "My invoices keep failing to sync with the bank feed. " * 45  # 2,385 characters
    with new_visitor(browser, service, events) as page:
        asked = service.query("SELECT COUNT(*) FROM messages")[0][0]
        box = page.get_by_role("textbox", name="Your question")
        box.focus()
        page.keyboard.insert_text(pasted)  # as a paste arrives: a user edit, which a maxlength cuts
        page.keyboard.press("Enter")
        note = page.locator("answerdesk-widget .msg.note.error").last
        note.wait_for()
        assert "That's too long. Please keep your message under 2000 characters." in note.inner_text()
        assert box.input_value() == pasted
        assert service.query("SELECT COUNT(*) FROM messages")[0][0] == asked
    assert events.errors == []


def test_a_reply_in_another_language_names_the_button_on_screen(
    browser: Any, service: Service, events: PageEvents
) -> None:
    """A Chinese question under the English widget is answered in Chinese, and the reply names the hand-off button
    as the widget shows it: it said 点击“联系人工客服” above a button reading "Talk to a human"."""
    with new_visitor(browser, service, events) as page:
        answer = ask(page, "是否支持支付宝")
        text = answer.inner_text()
        assert "抱歉" in text or "不确定" in text  # answered in the question's language
        assert "\u201cTalk to a human\u201d" in text and "联系人工客服" not in text
        assert answer.get_by_role("button", name="Talk to a human").is_visible()
    assert events.errors == []


def test_a_reply_shows_while_the_visitor_is_still_on_the_page(
    browser: Any, service: Service, events: PageEvents
) -> None:
    """The widget asks for the team's reply while a request waits (every 20 s when the page is in view): it showed
    only after a reload. With the panel closed, the launcher says an answer is there."""
    with new_visitor(browser, service, events) as page:
        ask(page, "Do you have a student discount?").get_by_role("button", name="Talk to a human").click()
        page.get_by_role("textbox", name="Message").fill("I study at Leiden, is there a discount?")
        page.get_by_role("button", name="Send request").click()
        page.get_by_text("Their reply will show here in this chat").wait_for()
        page.locator("answerdesk-widget .launcher").click()

        _cli(service, "users", "create", "agent3@example.com", "--role", "agent", stdin="correct horse battery\n")
        token = _cli(service, "tokens", "create", "agent3@example.com")
        [handoff] = [
            h
            for h in _api(service, "GET", "/api/v1/handoffs?status=open", token)["handoffs"]
            if "Leiden" in (h.get("message") or "")
        ]
        reply = "Students get 50% off Plus for a year: write to us from your university address."
        _api(service, "POST", f"/api/v1/handoffs/{handoff['id']}/reply", token, {"reply": reply})

        launcher = page.get_by_role("button", name="Open the chat: our team has answered")
        launcher.wait_for(timeout=45_000)
        launcher.click()
        assert reply in page.locator("answerdesk-widget .msg.team").inner_text()
    assert events.errors == []
