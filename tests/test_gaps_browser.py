"""The editors' list pages on a phone and on a desktop, in Debian's Chromium (Playwright) against a real `answerdesk
serve`: the gap queue, a gap's page, the articles list and analytics, seeded with long gap titles (words, and one
run of letters with no space), long questions, a long assignee address and a long owner. At 390 px the queue's
eight columns squeezed each title to a 12rem column and the table scrolled sideways in its card (1,377 px wide);
the articles list and analytics' tables did the same, and an assignee's address widened a gap's page past the
screen. Nothing may scroll sideways, neither the page nor a card, and a gap's row stays a few lines tall. The
analytics page's "Daily figures" (eight columns, a week of seeded days) and the admin's accounts and sites (a long
address, long communities, a site key, several origins, each row with its form) scrolled inside their cards the same
way. Screenshots go to test-artifacts/gaps-<page>-<width>.png. Never runs `playwright install`: it drives
/usr/bin/chromium."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from ingest.factory import build_pipeline
from tests.browser import ARTIFACTS, BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, playwright_sync_api
from tests.chat_kb import write_article
from tests.served import Served, serve
from tests.test_api import make_app
from tests.test_inbox_browser import post_handoff
from web.access.accounts import create_site, create_user
from web.db.models import Conversation, Feedback, Gap, GapEvidence, Message, db, utcnow
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
PAST_DAYS = 6  # days before today with answered questions and ratings: rows of analytics' "Daily figures"
# People with long communities and sites with several origins: the admin page's two tables.
PEOPLE = [
    ("agent@example.com", "agent", ()),
    ("viewer@example.com", "viewer", ("enterprise-customers-emea", "small-business-north-america", "partners")),
    ("employee.with.a.rather.long.name@example.com", "employee", ()),
]
SITES = {
    "help-center-for-enterprise-customers": [
        "https://help.enterprise-customers.example.com",
        "https://support.enterprise-customers.example.com",
        "https://www.enterprise-customers.example.com:8443",
    ],
    "docs": ["https://docs.example.com", "https://docs-staging.example.com"],
}

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
        colleague = create_user(LONG_ADDRESS, PASSWORD, "editor", ["enterprise-customers-emea", "partners"])
        for email, role, communities in PEOPLE:
            create_user(email, PASSWORD, role, communities)
        for name, origins in SITES.items():
            create_site(name, origins)
        now = utcnow()
        # A week of answered questions, some rated, before today: analytics' daily figures with real numbers.
        for days_ago in range(1, PAST_DAYS + 1):
            when = now - timedelta(days=days_ago)
            conversation = Conversation(audience="public", created_at=when, updated_at=when)
            db.session.add(conversation)
            db.session.flush()
            for number in range(days_ago * 3):
                answered = Message(
                    conversation_id=conversation.id,
                    question=f"How do I change my plan? ({number})",
                    answer="Open Settings, then Billing.",
                    audience="public",
                    created_at=when,
                )
                db.session.add(answered)
                db.session.flush()
                if number % 2:
                    db.session.add(Feedback(message_id=answered.id, helpful=number % 3 != 0, created_at=when))
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


# Per table of the page: whether its head shows (a table) or not (cards), and the rows that stick out of their card.
TABLES = """(selector) => [...document.querySelectorAll(selector)].map((table) => {
  const card = table.closest('section').getBoundingClientRect();
  const head = table.querySelector('thead');
  const rows = [...table.querySelectorAll('tbody tr')];
  return {
    headShown: getComputedStyle(head).display !== 'none' && head.getBoundingClientRect().height > 0,
    rows: rows.length,
    outside: rows.filter((row) => row.getBoundingClientRect().right > card.right + 1).length,
  };
})"""

# Each cell's text as it reads on screen: the label its ::before draws on a phone (table.cards), then the text.
LABELLED = """(selector) => [...document.querySelectorAll(selector)].map((cell) => {
  const label = getComputedStyle(cell, '::before').content;
  return (label === 'none' ? '' : cell.dataset.label + ': ') + cell.textContent.trim();
})"""

# Every field and button of the page's forms: those wider than the screen or pushed past its edge, and the narrowest.
CONTROLS = """() => {
  const controls = [...document.querySelectorAll('main input:not([type=hidden]), main select, main button')];
  const boxes = controls.map((el) => ({label: el.getAttribute('aria-label') || el.textContent.trim(),
                                       box: el.getBoundingClientRect()}));
  return {
    count: boxes.length,
    outside: boxes.filter(({box}) => box.left < 0 || box.right > window.innerWidth).map(({label}) => label),
    narrowest: Math.min(...boxes.map(({box}) => box.width)),
  };
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_the_daily_figures_fit_the_screen(browser: Any, seeded: Seeded, width: int) -> None:
    # Eight columns of a day's figures: 735 px in a phone's 366 px card, with the details opened.
    page = signed_in(browser, seeded.served, width)
    page.goto(seeded.served.url + "/editor/analytics")
    page.get_by_role("heading", name="Daily figures").click()  # the table is in a collapsed <details>
    daily = page.locator("section", has=page.locator("details"))
    assert daily.locator("table tbody tr").first.is_visible()
    screenshot(page, "analytics-daily", width)

    assert page.evaluate(SIDEWAYS) == {"page": None, "boxes": []}
    [table] = page.evaluate(TABLES, "details table")
    assert table["rows"] > PAST_DAYS and table["outside"] == 0, table
    assert table["headShown"] == (width == 1280), table  # a table on a desktop, a card a day on a phone
    # Every figure keeps its name on a phone: yesterday's 3 questions read "Questions: 3", not a bare "3".
    yesterday = page.evaluate(LABELLED, "details table tbody tr:nth-last-child(2) td")
    if width == 390:
        assert yesterday[:4] == ["Conversations: 1", "Handed off: 0", "Questions: 3", "Answered: 3"], yesterday
    else:
        assert yesterday[:4] == ["1", "0", "3", "3"], yesterday
    page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_admin_page_fits_the_screen(browser: Any, seeded: Seeded, width: int) -> None:
    # Accounts (a form a row) and sites (a key, a field of origins): 901 and 761 px in a phone's 366 px cards.
    page = signed_in(browser, seeded.served, width, ADMIN)
    page.goto(seeded.served.url + "/editor/admin/")
    screenshot(page, "admin", width)

    assert page.evaluate(SIDEWAYS) == {"page": None, "boxes": []}
    tables = page.evaluate(TABLES, "main table")
    # shop, SITES and the demo page's site (`answerdesk serve` makes it)
    assert [table["rows"] for table in tables] == [3 + len(PEOPLE), 2 + len(SITES)]
    for table in tables:
        assert table["outside"] == 0, table
        assert table["headShown"] == (width == 1280), table
    controls = page.evaluate(CONTROLS)
    assert controls["count"] > 20 and controls["outside"] == [], controls
    assert controls["narrowest"] >= 40, controls  # no field squeezed to nothing

    # The forms still work on a phone: a site's origins changed in its row.
    origins = page.get_by_label("Origins of docs")
    origins.fill("https://docs.example.com")
    page.locator("tr", has=origins).get_by_role("button", name="Save").click()
    assert page.get_by_text("Updated the origins of docs.").is_visible()
    assert page.get_by_label("Origins of docs").input_value() == "https://docs.example.com"
    page.context.close()
