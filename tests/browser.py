"""What every browser test shares: Debian's chromium (never a downloaded browser) and its flags, where screenshots
go, and the marks that skip a module with a clear reason when chromium or playwright is missing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]


def playwright_sync_api() -> Any:
    """playwright's sync API, or the module skipped: it drives the chromium above, it never downloads one."""
    return pytest.importorskip(
        "playwright.sync_api", reason="needs the playwright Python package (pip install -e '.[dev]')"
    )
