"""The analytics page on a phone and on a desktop, in Debian's Chromium (Playwright) against a real `answerdesk serve`:
the page never scrolls sideways and the charts' axis labels are drawn at a readable size. Screenshots go to
test-artifacts/analytics-<width>.png. Never runs `playwright install`: it drives /usr/bin/chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import ARTIFACTS, BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, playwright_sync_api
from tests.served import Served, serve
from tests.test_api import make_app
from web.access.accounts import create_user

EMAIL, PASSWORD = "sponsor@example.com", "correct horse"
READABLE_PX = 10.5  # the smallest axis label's font size on screen; it was ~7 px in a phone's card
# A day-by-day range of 90 days: the most date labels and the thinnest bars.
RANGE = "from=2024-03-01&to=2024-05-29"

pytestmark = BROWSER_MARKS
sync_api = playwright_sync_api()

# Per chart: which drawing shows, its smallest label's font size on screen (the size in the drawing's units times
# the drawing's scale) and whether two labels of the date axis overlap.
MEASURE = """
() => [...document.querySelectorAll('.charts section')].map((section) => {
  const shown = [...section.querySelectorAll('svg.chart')].filter((svg) => getComputedStyle(svg).display !== 'none');
  const texts = shown.flatMap((svg) => [...svg.querySelectorAll('text')]);
  const sizes = texts.map((t) => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a);
  const dates = texts.filter((t) => t.getAttribute('text-anchor') === 'middle').map((t) => t.getBoundingClientRect());
  return {
    shown: shown.map((svg) => svg.classList[1]),
    smallest: Math.min(...sizes),
    overlapping: dates.some((r, i) => i > 0 && r.left < dates[i - 1].right),
  };
})
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("analytics") / "var"
    app = make_app(data_dir)  # the same data dir (database, secret key) as the server below
    with app.app_context():
        create_user(EMAIL, PASSWORD, "viewer")
    yield from serve(data_dir)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.parametrize(("width", "drawing"), [(390, "compact"), (1280, "wide")])
def test_the_charts_fit_the_screen_with_readable_labels(browser: Any, served: Served, width: int, drawing: str) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{served.url}/login?next=/editor/analytics?{RANGE.replace('&', '%26')}")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/editor/analytics?*")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"analytics-{width}.png"), full_page=True)

    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    charts = page.evaluate(MEASURE)
    assert len(charts) == 4
    for chart in charts:
        assert chart["shown"] == [drawing], chart
        assert chart["smallest"] >= READABLE_PX, chart
        assert not chart["overlapping"], chart
    context.close()
