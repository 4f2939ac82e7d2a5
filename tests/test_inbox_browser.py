"""The inbox and a gap page with a customer's very long text, on a phone and on a desktop, in Debian's Chromium
(Playwright) against a real `answerdesk serve`: a pasted 1,800-character hand-off message made one inbox row
~700 px tall at 1280 px, and at 390 px squeezed the Question column to ~60 px (a 7,388 px tall page, one word per
line); a 2,000-character question made a gap's heading as long. Screenshots go to test-artifacts/: inbox-<width>.png,
handoff-<width>.png and gap-<width>.png. Never runs `playwright install`: it drives /usr/bin/chromium."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser import ARTIFACTS, BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, playwright_sync_api
from tests.served import Served, serve
from tests.test_api import make_app
from web.access.accounts import create_site, create_user
from web.db.models import Conversation, Gap, GapEvidence, Message, db, utcnow
from web.gaps.titles import gap_title

EMAIL, PASSWORD = "admin@example.com", "correct horse"  # admins read both the inbox and the gaps
LONG_MESSAGE = " ".join(f"word{i:04d}" for i in range(200))  # 1,799 characters
SPAM = " ".join(["refund"] * 285)  # 1,994 characters
LONG_RUN = "x" * 300  # one "word" wider than a phone: it must wrap, not widen the page

pytestmark = BROWSER_MARKS
sync_api = playwright_sync_api()

ROW_OF = """(id) => {
  const link = document.querySelector(`a[href$="/editor/inbox/${id}"]`);
  const row = link.closest('tr').getBoundingClientRect();
  return {height: row.height, questionWidth: link.closest('td').getBoundingClientRect().width};
}"""


@dataclass
class Seeded:
    served: Served
    handoff_id: int
    gap_id: int


def post_handoff(url: str, site_key: str, body: dict[str, Any]) -> int:
    """The widget's "Talk to a human", as QA sent it."""
    request = urllib.request.Request(
        f"{url}/api/v1/handoff",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Site-Key": site_key, "X-Session-Id": "browser-" + "a" * 24},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return int(json.load(response)["id"])


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    data_dir = tmp_path_factory.mktemp("inbox") / "var"
    app = make_app(data_dir)  # the same data dir (database, secret key) as the server below
    with app.app_context():
        create_user(EMAIL, PASSWORD, "admin")
        site_key = create_site("shop", ["https://shop.example.com"]).key
        # A gap as capture leaves it (no model needed): its title clipped, its question whole in the evidence.
        now = utcnow()
        conversation = Conversation(audience="public", created_at=now, updated_at=now)
        db.session.add(conversation)
        db.session.flush()
        message = Message(
            conversation_id=conversation.id,
            question=f"{SPAM} {LONG_RUN}",
            answer="Sorry, I don't know.",
            audience="public",
            is_gap=True,
            reason="no_match",
        )
        gap = Gap(title=gap_title(f"{LONG_RUN} {SPAM}"), audience="public", count=1, centroid=[0.1], token_counts={})
        db.session.add_all([message, gap])
        db.session.flush()
        db.session.add(GapEvidence(gap_id=gap.id, message_id=message.id, kind="abstained", question_masked=SPAM))
        db.session.commit()
        gap_id = gap.id
    for served in serve(data_dir):
        post_handoff(served.url, site_key, {"email": "ann@example.com", "message": "Please call me back"})
        handoff_id = post_handoff(served.url, site_key, {"message": LONG_MESSAGE})
        post_handoff(served.url, site_key, {"email": f"{'x' * 64}@{'y' * 60}.example.com", "message": LONG_RUN})
        yield Seeded(served, handoff_id, gap_id)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def signed_in(browser: Any, served: Served, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{served.url}/login?next=/editor/inbox/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/editor/inbox/")
    return page


@pytest.mark.parametrize("width", [390, 1280])
def test_a_long_message_keeps_the_inbox_readable(browser: Any, seeded: Seeded, width: int) -> None:
    page = signed_in(browser, seeded.served, width)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"inbox-{width}.png"), full_page=True)

    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    row = page.evaluate(ROW_OF, seeded.handoff_id)
    # A line or two of the message (three or four lines on a phone), the question as wide as the card allows.
    assert row["height"] <= (200 if width == 390 else 90), row
    assert row["questionWidth"] >= (300 if width == 390 else 400), row
    assert page.evaluate("document.documentElement.scrollHeight") < 2000

    page.goto(f"{seeded.served.url}/editor/inbox/{seeded.handoff_id}")
    page.screenshot(path=str(ARTIFACTS / f"handoff-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("h1").bounding_box()["height"] <= (260 if width == 390 else 120)
    assert LONG_MESSAGE in page.locator(".text").first.inner_text()  # the whole message on its own page
    page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_long_question_keeps_its_gap_page_readable(browser: Any, seeded: Seeded, width: int) -> None:
    page = signed_in(browser, seeded.served, width)
    page.goto(f"{seeded.served.url}/editor/gaps/{seeded.gap_id}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"gap-{width}.png"), full_page=True)

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("h1").bounding_box()["height"] <= (360 if width == 390 else 120)
    page.context.close()
