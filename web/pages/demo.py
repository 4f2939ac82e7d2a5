"""The demo site: the widget on the demo page at / needs a site key whose origins are the server's own."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask

from web.access.accounts import create_site, find_site_by_name, set_site_origins

DEMO_SITE_NAME = "demo"
# Addresses that listen everywhere: a browser never uses them as an origin.
_WILDCARD_HOSTS = {"0.0.0.0", "::", ""}


def demo_origins(host: str, port: int) -> list[str]:
    """The origins a browser shows for the demo page served on ``host:port``."""
    origins = [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    if host not in _WILDCARD_HOSTS and host not in {"127.0.0.1", "localhost"}:
        shown = f"[{host}]" if ":" in host else host
        origins.append(f"http://{shown}:{port}")
    return origins


def ensure_demo_site(app: Flask, origins: Sequence[str]) -> str:
    """Create the "demo" site (or point it at ``origins``), publish its key in
    ``app.config["ANSWERDESK_DEMO_SITE_KEY"]`` for the demo page, and return the key.

    The key stays the same across restarts, so a browser tab left open keeps working.
    """
    with app.app_context():
        site = find_site_by_name(DEMO_SITE_NAME)
        if site is None:
            site = create_site(DEMO_SITE_NAME, origins)
        elif list(site.origins) != list(origins):
            set_site_origins(site, origins)
        key = site.key
    app.config["ANSWERDESK_DEMO_SITE_KEY"] = key
    return key
