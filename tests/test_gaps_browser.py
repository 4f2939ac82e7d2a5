"""The editors' list pages on a phone and on a desktop, in Debian's Chromium (Playwright) against a real `answerdesk
serve`: the gap queue, a gap's page, the articles list and analytics, seeded with long gap titles (words, and one
run of letters with no space), long questions, a long assignee address and a long owner. At 390 px the queue's
eight columns squeezed each title to a 12rem column and the table scrolled sideways in its card (1,377 px wide);
the articles list and analytics' tables did the same, and an assignee's address widened a gap's page past the
screen. Nothing may scroll sideways, neither the page nor a card, and a gap's row stays a few lines tall.
Screenshots go to test-artifacts/gaps-<page>-<width>.png. Never runs `playwright install`: it drives
/usr/bin/chromium."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ingest.factory import build_pipeline
from tests.browser import ARTIFACTS, BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, playwright_sync_api
from tests.chat_kb import write_article
from tests.served import Served, serve
from tests.test_api import make_app
from tests.test_inbox_browser import post_handoff
from web.access.accounts import create_site, create_user
from web.db.models import Conversation, Gap, GapEvidence, Message, db, utcnow
from web.gaps.titles import gap_title
from web.services import get_runtime

EMAIL, PASSWORD = "editor@example.com", "correct horse"
ADMIN = "admin@example.com"
# An address as long as they come (62 characters) with no hyphen: one word, wider than a phone.
LONG_ADDRESS = "konstantina.papadopoulou.vasileiou@customersupport.example.com"
LONG_QUESTION = (
    "Why does the invoice for my annual subscription show a different amount than the price on the plans page "
    "when I upgraded from the monthly plan halfway through the billing period and then added two more seats?"
)
LONG_RUN = "x" * 300  # a pasted token: one "word" wider than any screen, it must wrap
QUESTIONS = [LONG_QUESTION, LONG_RUN, "Refund?", f"{LONG_QUESTION} {LONG_QUESTION}"]

pytestmark = BROWSER_MARKS
sync_api = playwright_sync_api()

# Everything that scrolls sideways: the page itself, or any box that scrolls (a card with overflow-x: auto holding
# a table wider than itself is a sideways scroll on a phone just the same).
SIDEWAYS = """() => {
  const page = document.documentElement;
  const boxes = [...document.querySelectorAll('body *')].filter((el) => {
    const overflow = getComputedStyle(el).overflowX;
    return (overflow === 'auto' || overflow === 'scroll') && el.scrollWidth > el.clientWidth + 1;
  });
  return {
    page: page.scrollWidth > window.innerWidth + 1 ? `${page.scrollWidth} > ${window.innerWidth}` : null,
    boxes: boxes.map((el) => `${el.tagName}#${el.id}.${el.className}: ${el.scrollWidth} > ${el.clientWidth}`),
  };
}"""

ROWS = """() => [...document.querySelectorAll('table.queue tbody tr')].map((row) => {
  const box = row.getBoundingClientRect();
  const title = row.querySelector('td.title').getBoundingClientRect();
  return {height: box.height, right: box.right, titleWidth: title.width};
})"""


@dataclass
class Seeded:
    served: Served
    gap_ids: list[int]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    base = tmp_path_factory.mktemp("gaps-browser")
    data_dir = base / "var"
    app = make_app(data_dir)  # the same data dir (database, secret key) as the server below
    kb = base / "kb"
    write_article(kb, "billing/plans.md", "Plans and prices", "Lumo has three plans: Free, Team and Business.")
    # An article whose front matter names a long community and a long owner's address.
    (kb / "billing/invoices.md").write_text(
        "---\ntitle: Understanding the invoice you get after changing plans in the middle of a billing period\n"
        f"audience: public\ncommunity: enterprise-customers-emea\nowner: {LONG_ADDRESS}\n---\n"
        "# Invoices\n\nAn upgrade is charged pro rata for the rest of the period.\n",
        encoding="utf-8",
    )
    with app.app_context():
        report = build_pipeline(get_runtime(app), db.session()).sync_path(kb)
        assert report.added == 2 and not report.failed
        create_user(EMAIL, PASSWORD, "editor")
        create_user(ADMIN, PASSWORD, "admin")
        site_key = create_site("shop", ["https://shop.example.com"]).key
        colleague = create_user(LONG_ADDRESS, PASSWORD, "editor")
        now = utcnow()
        gap_ids = []
        # Gaps as capture leaves them (no model needed): the title clipped, the question whole in the evidence.
        for number, question in enumerate(QUESTIONS, start=1):
            conversation = Conversation(audience="public", created_at=now, updated_at=now)
            db.session.add(conversation)
            db.session.flush()
            message = Message(
                conversation_id=conversation.id,
                question=question,
                answer="Sorry, I don't know.",
                audience="public",
                is_gap=True,
                reason="no_match",
            )
            gap = Gap(
                title=gap_title(question),
                audience="public",
                count=number,
                centroid=[0.1],
                token_counts={},
                community="enterprise-customers-emea" if number % 2 else None,
                status="assigned" if number % 2 else "open",
                assignee_id=colleague.id if number % 2 else None,
            )
            db.session.add_all([message, gap])
            db.session.flush()
            evidence = GapEvidence(gap_id=gap.id, message_id=message.id, kind="abstained", question_masked=question)
            db.session.add(evidence)
            gap_ids.append(gap.id)
        db.session.commit()
    for served in serve(data_dir):
        # The queue page lists the open hand-off requests too: one from a long address, with a long message.
        post_handoff(served.url, site_key, {"email": LONG_ADDRESS, "message": f"{LONG_RUN} {LONG_QUESTION}"})
        yield Seeded(served, gap_ids)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def signed_in(browser: Any, served: Served, width: int, email: str = EMAIL) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{served.url}/login?next=/editor/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/editor/")
    return page


def screenshot(page: Any, name: str, width: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"gaps-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_gap_queue_fits_the_screen(browser: Any, seeded: Seeded, width: int) -> None:
    page = signed_in(browser, seeded.served, width)
    screenshot(page, "queue", width)

    assert page.evaluate(SIDEWAYS) == {"page": None, "boxes": []}
    rows = page.evaluate(ROWS)
    assert len(rows) == len(QUESTIONS)
    for row in rows:
        assert row["right"] <= width, row
        # A title of up to 140 characters and a line or two of facts: a few lines, never one word a line. On a
        # phone the title has the card's whole width.
        assert row["height"] <= (240 if width == 390 else 160), row
        assert row["titleWidth"] >= (300 if width == 390 else 190), row
    page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("name", ["gap", "articles", "analytics"])
def test_the_other_list_pages_fit_the_screen(browser: Any, seeded: Seeded, name: str, width: int) -> None:
    page = signed_in(browser, seeded.served, width)
    path = {
        "gap": f"/editor/gaps/{seeded.gap_ids[0]}",  # assigned to the long address, with the long question
        "articles": "/editor/articles/",
        "analytics": "/editor/analytics",  # the seeded questions are today's top questions and open gaps
    }[name]
    page.goto(seeded.served.url + path)
    screenshot(page, name, width)

    assert page.evaluate(SIDEWAYS) == {"page": None, "boxes": []}
    page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_audit_log_fits_the_screen(browser: Any, seeded: Seeded, width: int) -> None:
    # Its six columns made a phone's page 1,054 px wide: the table was not even in a card.
    page = signed_in(browser, seeded.served, width, ADMIN)
    page.goto(seeded.served.url + "/editor/admin/audit")
    screenshot(page, "audit", width)

    assert page.locator("table tbody tr").count() >= 2  # the sign-ins of this test at least
    assert page.evaluate(SIDEWAYS) == {"page": None, "boxes": []}
    page.context.close()
