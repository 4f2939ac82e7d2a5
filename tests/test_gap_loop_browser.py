"""The knowledge loop end to end (issue 5, "Done when"): the real service (`answerdesk serve`), Debian's Chromium.

An editor signs in and watches the gap queue, which starts empty. A visitor asks the demo page's widget three
paraphrases of a question the sample knowledge base cannot answer (an office in Berlin: the fictional Lumo help
centre says nothing about offices) and gets "I don't know" each time. Without a reload, the editor's queue shows
them as one gap of three questions; the editor opens it, writes an FAQ (the live preview renders its Markdown),
saves it, and the page shows the gap verified. The visitor asks again and is now answered, citing the FAQ. Nothing
is restarted in between. Screenshots go to test-artifacts/gap-loop-*.png.

The questions were chosen by asking the running service: each abstains on the sample knowledge base. The service
(sample knowledge base ingested, rate limit off, a fresh instance for this module), the browser and the widget's
``ask`` come from tests/test_widget_browser.py; the editor account is added with `answerdesk users create` while the
service runs. Never runs `playwright install`: it drives /usr/bin/chromium.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests import test_widget_browser
from tests.browser import ARTIFACTS, BROWSER_MARKS, playwright_sync_api
from tests.conftest import REPO_ROOT
from tests.test_widget_browser import Service, _answerdesk, ask

pytestmark = BROWSER_MARKS
sync_api = playwright_sync_api()

# That module's fixtures, used here by name: a fresh service for this module (sample knowledge base, rate limit off)
# and one Chromium.
service = test_widget_browser.service
browser = test_widget_browser.browser

EDITOR_EMAIL = "editor@example.com"
EDITOR_PASSWORD = "correct horse battery staple"
# Paraphrases of one out-of-scope question; each abstains on the sample knowledge base. Each has three or more
# content words: shorter ones ("Is there an office in Berlin?") count as follow-ups in a conversation
# (chatbot.followups) and are searched together with the previous question.
QUESTIONS = [
    "Do you have an office in Berlin I could visit?",
    "Can I visit your office in Berlin?",
    "Where can I find your Berlin office?",
]
# Asked only after the resolve: a paraphrase the FAQ was never verified against.
NEW_PARAPHRASE = "Do you have any physical office in Berlin?"
FAQ_QUESTION = "Does Lumo have an office in Berlin?"
FAQ_ANSWER = (
    "No. Lumo has **no office in Berlin**: the team works remotely across Europe and does not receive visitors.\n\n"
    "To talk to us, use the chat or email support."
)
# The queue section refreshes every 10 s (data-live-refresh): a new gap must show within two ticks.
LIVE_REFRESH_TIMEOUT_MS = 25_000
RESOLVE_TIMEOUT_MS = 60_000  # indexing the FAQ and asking the gap's questions again


@pytest.fixture(scope="module")
def editor_account(service: Service) -> tuple[str, str]:
    """An editor (all communities), added with the CLI while the service runs, as an operator would."""
    subprocess.run(
        _answerdesk("users", "create", EDITOR_EMAIL, "--role", "editor"),
        input=EDITOR_PASSWORD + "\n",  # the CLI reads the password from stdin when it is not a terminal
        text=True,
        env={**os.environ, "ANSWERDESK_DATA_DIR": str(service.data_dir)},
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    return EDITOR_EMAIL, EDITOR_PASSWORD


@pytest.fixture
def editor_errors() -> list[str]:
    return []


@pytest.fixture
def editor(browser: Any, service: Service, editor_account: tuple[str, str], editor_errors: list[str]) -> Iterator[Any]:
    """The editor's tab, signed in through the login form; uncaught JavaScript errors land in ``editor_errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda error: editor_errors.append(str(error)))
    page.goto(service.url + "/login?next=/editor/")
    email, password = editor_account
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(service.url + "/editor/")
    yield page
    context.close()


@pytest.fixture
def visitor(browser: Any, service: Service) -> Iterator[Any]:
    """A visitor on the demo page with the widget open (a separate browser context: no editor session)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(service.url + "/")
    page.get_by_role("button", name="Open help chat").click()
    yield page
    context.close()


def _screenshot(page: Any, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"gap-loop-{name}.png"), full_page=full_page)


def _source_titles(answer: Any) -> list[str]:
    return [title.strip() for title in answer.locator(".sources li").all_inner_texts()]


def test_editor_turns_unanswered_widget_questions_into_a_verified_faq(
    editor: Any, visitor: Any, editor_errors: list[str]
) -> None:
    expect = sync_api.expect

    # 1. The queue starts empty. A marker on the window proves later that this page was never reloaded.
    queue = editor.locator("#gap-queue")
    expect(queue.get_by_role("heading", level=2)).to_have_text("0 gaps")
    expect(queue.locator("tbody tr")).to_have_count(0)
    editor.evaluate("window.notReloaded = true")

    # 2. The visitor's three paraphrases each get the honest "I don't know".
    for question in QUESTIONS:
        answer = ask(visitor, question)
        assert answer.locator(".body").inner_text().startswith("I don't know"), question
        assert answer.locator(".sources").count() == 0

    # 3. The open queue picks them up by itself, grouped into one gap of three questions.
    expect(queue.get_by_role("heading", level=2)).to_have_text("1 gap", timeout=LIVE_REFRESH_TIMEOUT_MS)
    row = queue.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td.count")).to_have_text("3")
    expect(row.locator(".badge").first).to_have_text("open")
    assert editor.evaluate("window.notReloaded === true")
    _screenshot(editor, "queue")

    # 4. The gap page lists the three questions; the editor writes an FAQ and watches the preview render it.
    row.get_by_role("link").click()
    editor.wait_for_url("**/editor/gaps/*")
    listed = [text.strip() for text in editor.locator("article.question h3").all_inner_texts()]
    assert sorted(listed) == sorted(QUESTIONS)
    resolve = editor.locator("section.resolve form").filter(has=editor.get_by_label("Answer (Markdown)"))
    resolve.get_by_label("Question", exact=True).fill(FAQ_QUESTION)
    resolve.get_by_label("Answer (Markdown)").fill(FAQ_ANSWER)
    expect(editor.locator("#faq-preview strong")).to_have_text("no office in Berlin")
    assert "**" not in editor.locator("#faq-preview").inner_text()
    _screenshot(editor, "gap-before")

    resolve.get_by_role("button", name="Save FAQ and verify").click()
    editor.wait_for_load_state(timeout=RESOLVE_TIMEOUT_MS)
    expect(editor.locator(".flash.success")).to_contain_text("Verified", timeout=RESOLVE_TIMEOUT_MS)
    expect(editor.locator(".meta .badge").first).to_have_text("verified")
    expect(editor.locator("#verification-heading")).to_be_visible()
    expect(editor.locator(".failing")).to_have_count(0)
    _screenshot(editor, "gap-after")

    # 5. The same visitor, same page, asks again: answered now, citing the new FAQ by its question.
    for question in (QUESTIONS[0], NEW_PARAPHRASE):
        answer = ask(visitor, question)
        assert not answer.locator(".body").inner_text().startswith("I don't know"), question
        assert "no office in Berlin" in answer.locator(".body").inner_text()
        assert FAQ_QUESTION in _source_titles(answer), question
    _screenshot(visitor, "widget-answer", full_page=False)  # the widget floats over the viewport

    assert editor_errors == []
