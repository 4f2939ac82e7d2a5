"""Ingesting a published help-centre website: a real HTTP server (stdlib http.server on 127.0.0.1) serves a small
help centre from a temporary folder; the real embedding model, a real Chroma and real SQLite sync it."""

from __future__ import annotations

import io
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from reportlab.pdfgen import canvas
from sqlalchemy import select

from chatbot.errors import BadRequestError
from ingest.factory import build_pipeline
from ingest.pipeline import IngestPipeline
from ingest.sources.web import SiteUnreachableError, crawl_site, normalise_url, page_id
from web.cli.ingest import ingest_command
from web.db.models import Document, db
from web.services import get_answerer, get_runtime

# -- a help centre on a real HTTP server ---------------------------------------------------------------------------


@dataclass
class Server:
    """A ThreadingHTTPServer on 127.0.0.1 that serves ``root``; ``/x`` serves ``x.html`` as a help centre would,
    ``status`` forces an answer for a path, ``types`` the Content-Type of one, and every requested path is logged."""

    root: Path
    status: dict[str, int] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    httpd: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def host(self) -> str:
        return self.origin.removeprefix("http://")

    def start(self) -> Server:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, self, directory=str(self.root)))
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()


class _Handler(SimpleHTTPRequestHandler):
    def __init__(self, server_state: Server, *args: Any, **kwargs: Any) -> None:
        self.state = server_state
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self.state.requests.append(self.path)
        forced = self.state.status.get(self.path.split("?")[0])
        if forced is not None:
            self.send_error(forced)
            return
        location = self.state.redirects.get(self.path)
        if location is not None:
            self.send_response(301)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return self.state.types.get(self.path.split("?")[0]) or super().guess_type(path)

    def translate_path(self, path: str) -> str:
        local = super().translate_path(path)
        return local + ".html" if Path(local + ".html").is_file() else local

    def list_directory(self, path: Any) -> None:  # a help centre has no folder listings to crawl
        self.send_error(404)
        return None

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _page(title: str, body: str, links: str = "", head: str = "") -> str:
    """An article page of a typical help-centre theme: header with a menu, the article, a footer."""
    return (
        f'<!doctype html><html lang="en"><head><title>{title}</title>{head}</head><body>'
        '<header class="site-header"><a href="/help/">Lumo Help</a> Sitewide banner about the spring sale</header>'
        f"<nav>{links}</nav>"
        f"<main><h1>{title}</h1>{body}</main>"
        "<footer>Copyright Lumo Ltd, cookie settings and imprint</footer></body></html>"
    )


MENU = (
    '<a href="/help/billing/refunds">Refunds</a> '
    '<a href="/help/billing/refunds?ref=menu#top">Refunds again</a> '  # the same page: query and fragment
    '<a href="/help/billing/refund-policy">Refund policy</a> '  # the same page again: its canonical link says so
    '<a href="/help/billing/plans">Plans</a> '
    '<a href="/help/internal-notes">Notes</a> '  # robots.txt disallows it
    '<a href="/blog/launch">Blog</a> '  # outside /help/
    '<a href="/help/logo.png">Logo</a> '
)


def _write_site(root: Path, origin: str, offsite: str) -> None:
    files = {
        "robots.txt": f"User-agent: *\nDisallow: /help/internal-notes\n\nSitemap: {origin}/sitemap-index.xml\n",
        "sitemap-index.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{origin}/sitemap-help.xml</loc></sitemap></sitemapindex>"
        ),
        "sitemap-help.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{origin}/help/account/password</loc></url>"  # linked from no page: only the sitemap has it
            f"<url><loc>{origin}/help/billing/plans</loc></url></urlset>"
        ),
        "help/index.html": _page(
            "Lumo Help Centre",
            "<p>Answers about billing, accounts and the Lumo bookkeeping app.</p>"
            f'<p>See also <a href="{offsite}/partner">our partner</a>.</p>',
            MENU,
        ),
        "help/billing/refunds.html": _page(
            "Refunds",
            "<p>Refunds are possible within 30 days of payment. Open Billing, choose the invoice and click "
            "Request refund. The money is back on your card within five business days.</p>",
            MENU,
            head=f'<link rel="canonical" href="{origin}/help/billing/refunds">',
        ),
        "help/billing/refund-policy.html": _page(
            "Refunds",
            "<p>Refunds are possible within 30 days of payment. Open Billing, choose the invoice and click "
            "Request refund. The money is back on your card within five business days.</p>",
            MENU,
            head=f'<link rel="canonical" href="{origin}/help/billing/refunds">',
        ),
        "help/billing/plans.html": _page(
            "Plans and prices",
            "<p>The Plus plan costs 12 EUR a month and includes five users and unlimited invoices.</p>",
            MENU,
        ),
        "help/account/password.html": _page(
            "Reset your password",
            "<ol><li>Open the login page.</li><li>Click Forgot password.</li><li>Follow the e-mail link.</li></ol>",
        ),
        "help/internal-notes.html": _page("Internal notes", "<p>Disallowed by robots.txt: never read.</p>"),
        "blog/launch.html": _page("Launch", "<p>A blog post outside the help centre.</p>"),
        "help/logo.png": "not really a png",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def offsite(tmp_path: Path) -> Iterator[Server]:
    (tmp_path / "offsite").mkdir()
    (tmp_path / "offsite" / "partner.html").write_text(_page("Partner", "<p>Another site.</p>"))
    server = Server(tmp_path / "offsite").start()
    yield server
    server.stop()


@pytest.fixture
def site(tmp_path: Path, offsite: Server) -> Iterator[Server]:
    server = Server(tmp_path / "site")
    server.root.mkdir()
    server.start()
    _write_site(server.root, server.origin, offsite.origin)
    yield server
    server.stop()


# -- URL rules (no model) -------------------------------------------------------------------------------------------


def test_urls_are_normalised_and_ids_are_host_and_path() -> None:
    assert (
        normalise_url("HTTP://Help.Lumo.Example:80/billing/refunds#window")
        == "http://help.lumo.example/billing/refunds"
    )
    assert normalise_url("../plans?utm_source=mail&page=2", "https://h.example/billing/x") == "https://h.example/plans"
    assert normalise_url("https://h.example") == "https://h.example/"
    for not_fetched in ("mailto:help@lumo.example", "javascript:alert(1)", "file:///etc/passwd", "ftp://h.example/"):
        assert normalise_url(not_fetched) is None
    # Dot segments resolved as the server will: "/help/../admin" is not under /help/, and no id has a ".." part.
    assert normalise_url("https://h.example/help/./a/../../admin") == "https://h.example/admin"
    assert normalise_url("https://h.example/help/a/b/..") == "https://h.example/help/a/"
    assert normalise_url("/help/a\x1bb", "https://h.example/") == "https://h.example/help/a%1Bb"
    assert page_id("https://help.lumo.example/billing/refunds/") == "help.lumo.example/billing/refunds"
    assert page_id("http://127.0.0.1:8080/") == "127.0.0.1:8080"
    with pytest.raises(BadRequestError):
        crawl_site("file:///etc/passwd")


def test_percent_encoded_dot_segments_are_dot_segments(site: Server) -> None:
    # "%2e%2e" is ".." to the server (RFC 3986, 6.2.2.2): "/help/%2e%2e/blog/launch" passed as a page under /help.
    assert normalise_url("https://h.example/help/%2e%2e/admin") == "https://h.example/admin"
    assert normalise_url("https://h.example/help/%2E%2e/%2E/admin") == "https://h.example/admin"
    assert normalise_url("https://h.example/help/.%2E/.%2e/x") == "https://h.example/x"
    assert normalise_url("%2e%2e/%2E%2E/admin", "https://h.example/help/a/b") == "https://h.example/admin"
    assert normalise_url("https://h.example/help/a/%2e") == "https://h.example/help/a/"
    # Not a dot segment: a name with an encoded dot in it keeps its spelling (and its id).
    assert normalise_url("https://h.example/help/v1%2e2/%2e%2e%2e") == "https://h.example/help/v1%2e2/%2e%2e%2e"

    _link_from_index(site, "/help/%2e%2e/blog/launch", "/help/%2E%2E/%2e%2E/blog/launch", "%2e%2e/blog/launch")
    result = crawl_site(f"{site.origin}/help/")
    assert not [path for path in site.requests if "2e" in path.lower() or path.startswith("/blog")]
    assert f"{site.host}/blog/launch" not in {d.id for d in result.documents}
    assert result.failed == [] and result.is_complete


def test_crawl_reads_links_and_sitemaps_within_the_site_and_robots_rules(site: Server, offsite: Server) -> None:
    result = crawl_site(f"{site.origin}/help/")
    host = site.host
    assert sorted(d.id for d in result.documents) == [
        f"{host}/help",
        f"{host}/help/account/password",  # found through robots.txt's sitemap index only
        f"{host}/help/billing/plans",
        f"{host}/help/billing/refunds",  # once, although two URLs lead to it
    ]
    assert result.failed == [] and result.is_complete
    requested = {path.split("?")[0] for path in site.requests}
    assert "/help/billing/refund-policy" in requested  # read, and found to be the refunds page
    assert "/help/internal-notes" not in requested  # Disallow in robots.txt
    assert "/blog/launch" not in requested  # outside the start URL's path
    assert "/help/logo.png" not in requested  # never a page
    assert offsite.requests == []  # another origin is never fetched
    refunds = next(d for d in result.documents if d.id.endswith("/refunds"))
    assert refunds.url == f"{site.origin}/help/billing/refunds" and refunds.title == "Refunds"
    assert refunds.language == "en" and refunds.audience == "public"


def test_redirects_stay_on_the_site_noindex_is_obeyed_and_pdfs_are_read(site: Server, offsite: Server) -> None:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setTitle("Exporting your books")
    pdf.drawString(72, 750, "Choose Reports, then Export, to download your books as a CSV file.")
    pdf.save()
    (site.root / "help" / "guides").mkdir()
    (site.root / "help" / "guides" / "export.pdf").write_bytes(buffer.getvalue())
    site.redirects |= {"/help/partner-offer": f"{offsite.origin}/partner", "/help/old-plans": "/help/billing/plans"}
    index = site.root / "help" / "index.html"
    links = (
        '<a href="/help/partner-offer">Offer</a> <a href="/help/old-plans">Old</a> '
        '<a href="guides/export.pdf">PDF</a> <a href="draft">Draft</a>'  # relative to /help/
    )
    draft = _page("Draft", "<p>Not ready yet.</p>", head='<meta name="robots" content="noindex">')
    (site.root / "help" / "draft.html").write_text(draft)
    index.write_text(index.read_text().replace("</main>", f"{links}</main>"))

    result = crawl_site(f"{site.origin}/help/")
    by_id = {d.id: d for d in result.documents}
    assert offsite.requests == []  # the redirect to another origin was not followed
    assert {"/help/partner-offer", "/help/old-plans"} <= set(site.requests)
    assert f"{site.host}/help/partner-offer" not in by_id and f"{site.host}/help/old-plans" not in by_id
    assert f"{site.host}/help/billing/plans" in by_id and len(by_id) == 5
    assert "/help/draft" in site.requests and f"{site.host}/help/draft" not in by_id  # noindex
    export = by_id[f"{site.host}/help/guides/export.pdf"]
    assert export.title == "Exporting your books" and "download your books" in export.text
    assert export.url == f"{site.origin}/help/guides/export.pdf"
    assert result.failed == [] and result.is_complete


def test_a_page_that_lists_articles_is_followed_but_not_ingested(site: Server) -> None:
    """A category page (a heading and links to its articles) leads to articles; quoted, it would be a list of
    titles, so it is not a document itself. An article with a link or two in its text still is one."""
    category = _page(
        "Invoicing",
        '<ul><li><a href="/help/invoicing/send">Sending an invoice</a></li>'
        '<li><a href="/help/invoicing/reminders">Payment reminders for late clients</a></li>'
        '<li><a href="/help/billing/refunds">Refunds</a></li></ul>',
        MENU,
    )
    (site.root / "help" / "invoicing").mkdir()
    (site.root / "help" / "invoicing" / "index.html").write_text(category)
    (site.root / "help" / "invoicing" / "send.html").write_text(
        _page("Sending an invoice", '<p>Open the invoice and click Send. See <a href="reminders">reminders</a>.</p>')
    )
    (site.root / "help" / "invoicing" / "reminders.html").write_text(
        _page("Payment reminders", "<p>Turn on automatic reminders in Settings, Invoicing, Reminders.</p>")
    )
    index = site.root / "help" / "index.html"
    index.write_text(index.read_text().replace("</main>", '<a href="/help/invoicing/">Invoicing</a></main>'))

    result = crawl_site(f"{site.origin}/help/")
    ids = {d.id for d in result.documents}
    assert "/help/invoicing/" in site.requests
    assert f"{site.host}/help/invoicing" not in ids and f"{site.host}/help/invoicing" in result.gone
    assert {f"{site.host}/help/invoicing/send", f"{site.host}/help/invoicing/reminders"} <= ids
    assert result.is_complete


def test_an_faq_page_of_a_site_is_read_as_its_entries(site: Server) -> None:
    """A site's FAQ page (every section a question) becomes one FAQ entry per question, cited at the page, as the
    same HTML file in a folder is (round 37: an unseen help centre ingested by URL)."""
    questions = "".join(
        f"<h2>{question}</h2><p>{answer}</p>"
        for question, answer in (
            ("Can I pay by invoice?", "Yes, on the Business plan."),
            ("Do you offer a discount for charities?", "Yes: 30% off every plan."),
            ("Can I change my billing email?", "Yes, in Settings, Billing."),
        )
    )
    faq = _page("Frequently asked questions", questions, MENU).replace(
        "<title>Frequently asked questions</title>", "<title>Frequently asked questions | Lumo Help</title>"
    )
    (site.root / "help" / "faq.html").write_text(faq)
    index = site.root / "help" / "index.html"
    index.write_text(index.read_text().replace("</main>", '<a href="/help/faq">FAQ</a></main>'))

    documents = {d.id: d for d in crawl_site(f"{site.origin}/help/").documents}
    entries = {doc_id: d for doc_id, d in documents.items() if doc_id.startswith(f"{site.host}/help/faq#")}
    assert sorted(entries) == [
        f"{site.host}/help/faq#can-i-change-my-billing-email",
        f"{site.host}/help/faq#can-i-pay-by-invoice",
        f"{site.host}/help/faq#do-you-offer-a-discount-for-charities",
    ]
    charities = entries[f"{site.host}/help/faq#do-you-offer-a-discount-for-charities"]
    assert (charities.kind, charities.faq_answer, charities.url) == (
        "faq",
        "Yes: 30% off every plan.",
        f"{site.origin}/help/faq",
    )
    assert f"{site.host}/help/faq" not in documents


def _link_from_index(site: Server, *hrefs: str) -> None:
    index = site.root / "help" / "index.html"
    links = " ".join(f'<a href="{href}">{href}</a>' for href in hrefs)
    index.write_text(index.read_text().replace("</main>", f"{links}</main>"))


def test_a_page_not_found_served_with_200_is_gone_not_an_article(
    site: Server, caplog: pytest.LogCaptureFixture
) -> None:
    """A help centre that answers 200 with its "Page not found" page (a soft 404) for an article that is gone: it was
    ingested as an article (a robustness check, round 39). An article about 404 errors is still one."""
    soft_404s = {
        "old-article": _page("Page not found", "<p>Sorry, we couldn't find that page. Try the search.</p>", MENU),
        "app-route": _page("404", "<p>This page doesn't exist or has moved.</p>").replace(
            "<title>404</title>", "<title>Oops! This page doesn't exist | Lumo Help</title>"
        ),
        "moved": _page(
            "Sorry, we can\u2019t find that page", "<p>Go back to the <a href='/help/'>help centre</a>.</p>"
        ),
    }
    articles = {
        "errors": _page(
            "Why do I see a 404 error?",
            "<p>A 404 error or a Page not found message means the link is old. Open Billing from the menu.</p>",
        ),
        "not-found-404": _page(
            "Page not found errors",
            "<p>A page not found (404) error in the app means the invoice was deleted. Restore it from the bin.</p>",
        ),
    }
    for name, html in {**soft_404s, **articles}.items():
        (site.root / "help" / f"{name}.html").write_text(html)
    _link_from_index(site, *(f"/help/{name}" for name in [*soft_404s, *articles]))

    with caplog.at_level(logging.INFO, logger="ingest.sources.web"):
        result = crawl_site(f"{site.origin}/help/")
    ids = {d.id for d in result.documents}
    assert {f"{site.host}/help/{name}" for name in articles} <= ids
    for name in soft_404s:
        assert f"{site.host}/help/{name}" not in ids and f"{site.host}/help/{name}" in result.gone
        assert f"/help/{name}: gone" in caplog.text and "soft 404" in caplog.text
    assert result.failed == [] and result.is_complete


def test_a_page_documenting_the_404_status_is_an_article_not_a_soft_404(site: Server) -> None:
    """An API reference's page on the status code is titled as a "Page not found" page may be ("404 Not Found"),
    is short and is answered with 200: it was taken for a soft 404 and dropped (a review of round 39's soft 404s).
    A heading that only names the status is a soft 404 when the page tells the visitor their page is missing, or
    says next to nothing else."""
    reference = _page(
        "404 Not Found",
        "<p>The API answers 404 Not Found when the invoice in the path does not exist: an id that was never issued, "
        "or an invoice deleted more than 30 days ago. The body is an error object with the code "
        "<code>invoice_not_found</code>. Do not retry the request; look the id up with GET /invoices first.</p>",
    )
    (site.root / "help" / "api").mkdir()
    (site.root / "help" / "api" / "404.html").write_text(reference)
    soft_404s = {
        "spa-route": _page("404", "<p>Not found</p>"),  # next to nothing besides the status
        "old-link": _page("404 Not Found", "<p>The page you were looking for has moved. Try the search.</p>"),
        "error-404": _page("Error 404", "<p>Sorry, we couldn\u2019t find it. Go back to the help centre.</p>"),
    }
    for name, html in soft_404s.items():
        (site.root / "help" / f"{name}.html").write_text(html)
    _link_from_index(site, "/help/api/404", *(f"/help/{name}" for name in soft_404s))

    result = crawl_site(f"{site.origin}/help/")
    documents = {d.id: d for d in result.documents}
    reference_id = f"{site.host}/help/api/404"
    assert reference_id in documents and reference_id not in result.gone
    assert documents[reference_id].title == "404 Not Found" and "invoice_not_found" in documents[reference_id].text
    for name in soft_404s:
        assert f"{site.host}/help/{name}" in result.gone and f"{site.host}/help/{name}" not in documents
    assert result.failed == [] and result.is_complete


def test_a_start_page_that_is_a_page_not_found_syncs_nothing(site: Server) -> None:
    # A mistyped start URL on a site that answers 200 to everything: read as a page, the sync would find no
    # article of its help centre and delete them all.
    (site.root / "help" / "typo.html").write_text(_page("Page not found", "<p>Nothing here.</p>"))
    with pytest.raises(SiteUnreachableError, match="soft 404"):
        crawl_site(f"{site.origin}/help/typo")


def test_a_page_nested_thousands_deep_fails_alone(site: Server) -> None:
    # 20,000 nested <div>s took the crawler's page reading quadratic time (a robustness check, round 39).
    depth = 50_000
    (site.root / "help" / "deep.html").write_text(_page("Deep", "<div>" * depth + "text" + "</div>" * depth))
    _link_from_index(site, "/help/deep")
    result = crawl_site(f"{site.origin}/help/")
    assert [(f.path, "nested more than" in f.error) for f in result.failed] == [(f"{site.origin}/help/deep", True)]
    assert f"{site.host}/help/billing/plans" in {d.id for d in result.documents}


def _pdf(title: str, text: str) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setTitle(title)
    pdf.drawString(72, 750, text)
    pdf.save()
    return buffer.getvalue()


_LONG_PATH = "/".join(["a-very-long-folder-name-" * 8] * 3)  # an id of more than 512 characters


def test_a_page_whose_text_fails_to_load_fails_alone_and_is_not_gone(site: Server) -> None:
    """A loader error on one page (a corrupt PDF, a title or an id too long, no text at all) was logged as
    "skipped" and the page taken for gone: the sync deleted its last good version. It fails, with its URL and the
    reason, and as its links were read the crawl is still complete."""
    (site.root / "help" / "guides").mkdir()
    (site.root / "help" / "guides" / "export.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    (site.root / "help" / "long-title.html").write_text(_page("Refunds " * 150, "<p>Refunds take five days.</p>"))
    (site.root / "help" / _LONG_PATH).parent.mkdir(parents=True)
    (site.root / "help" / f"{_LONG_PATH}.html").write_text(_page("Deep link", "<p>Far down the tree.</p>"))
    (site.root / "help" / "app.html").write_text(_page("App", "").replace("<h1>App</h1>", '<div id="app"></div>'))
    _link_from_index(site, "guides/export.pdf", "long-title", _LONG_PATH, "app")

    result = crawl_site(f"{site.origin}/help/")
    failures = {f.path.removeprefix(f"{site.origin}/help/"): f.error for f in result.failed}
    assert sorted(failures) == sorted(["guides/export.pdf", "long-title", _LONG_PATH, "app"])
    assert failures["guides/export.pdf"].startswith("not a valid PDF")
    assert failures["long-title"] == "title longer than 1024 characters (1199)"
    assert failures[_LONG_PATH].startswith("id longer than 512 characters")
    assert failures["app"] == "no text content"
    failed_ids = {f"{site.host}/help/{name}" for name in failures}
    assert result.failed_ids == failed_ids and not failed_ids & result.gone
    assert f"{site.host}/help/billing/plans" in {d.id for d in result.documents}
    assert result.is_complete  # every page's links were read: a page not met is still surely gone


def test_a_link_with_a_control_character_does_not_stop_the_crawl(site: Server) -> None:
    # httpx refuses such a URL with InvalidURL, which no one caught: one odd link aborted the whole sync (round 39).
    _link_from_index(site, "/help/escape&#x1b;[2J", "/help/del&#127;")
    result = crawl_site(f"{site.origin}/help/")
    assert {"/help/escape%1B[2J", "/help/del%7F"} <= set(site.requests)
    assert f"{site.host}/help/billing/plans" in {d.id for d in result.documents}
    assert result.failed == [] and result.is_complete


def test_a_page_synced_before_and_now_served_as_another_type_fails_and_is_not_gone(site: Server) -> None:
    """A page the site still has (200) but serves as another type (a misconfigured server: an article as
    application/octet-stream) was taken for gone, as an image is, and deleted (a review after round 39). Synced
    before, it fails instead, with the reason, and keeps its last version; a link that was never a page is still
    skipped quietly."""
    (site.root / "help" / "changes.txt").write_text("Release notes, as a plain text file.")
    _link_from_index(site, "/help/changes.txt")
    site.types |= {"/help/billing/plans": "application/octet-stream", "/help/account/password": "text/plain"}
    plans, password = f"{site.host}/help/billing/plans", f"{site.host}/help/account/password"

    result = crawl_site(f"{site.origin}/help/", known_pages={plans, password, f"{site.host}/help/billing/refunds"})
    assert {d.id for d in result.documents} == {f"{site.host}/help", f"{site.host}/help/billing/refunds"}
    assert [(f.path, f.error) for f in result.failed] == [
        (
            f"{site.origin}/help/billing/plans",
            "served as application/octet-stream, not as a web page: it keeps its last version",
        ),
        (f"{site.origin}/help/account/password", "served as text/plain, not as a web page: it keeps its last version"),
    ]
    assert result.failed_ids == {plans, password} and not result.failed_ids & result.gone
    assert f"{site.host}/help/changes.txt" in result.gone  # never a page of the site: no failure
    assert not result.is_complete  # their links, if they have any, were not read

    first_crawl = crawl_site(f"{site.origin}/help/")  # nothing synced before: nothing to keep, nothing failed
    assert first_crawl.failed == [] and {plans, password} <= first_crawl.gone


# -- syncing a site ------------------------------------------------------------------------------------------------


def _pipeline(app) -> IngestPipeline:  # type: ignore[no-untyped-def]
    return build_pipeline(get_runtime(app), db.session())


def _chunks(app, doc_id: str) -> list[Any]:  # type: ignore[no-untyped-def]
    return [c for c in get_runtime(app).store.all_chunks() if c.doc_id == doc_id]


def _live(doc_id: str) -> Document | None:
    row = db.session.get(Document, doc_id)
    return row if row is not None and row.deleted_at is None else None


def _ingest(runner, *args: str) -> tuple[int, dict[str, Any]]:  # type: ignore[no-untyped-def]
    result = runner.invoke(ingest_command, [*args, "--json"])
    lines = [line for line in result.output.splitlines() if line.startswith("{")]
    assert len(lines) == 1, result.output
    return result.exit_code, json.loads(lines[0])


@pytest.mark.slow
def test_pages_become_documents_without_the_page_furniture(app, site: Server) -> None:
    report = _pipeline(app).sync_site(f"{site.origin}/help/", community="billing-team")
    assert (report.added, report.failed, report.deleted) == (4, [], 0)
    refunds_id = f"{site.host}/help/billing/refunds"
    row = _live(refunds_id)
    assert row is not None and row.url == f"{site.origin}/help/billing/refunds"
    assert row.source_root == f"{site.origin}/help/" and row.community == "billing-team"
    text = " ".join(c.text for c in _chunks(app, refunds_id))
    assert "within 30 days" in text
    for furniture in ("spring sale", "cookie settings", "Plans"):  # header, footer, menu
        assert furniture not in text


@pytest.mark.slow
def test_only_the_changed_page_is_embedded_again(app, site: Server) -> None:
    pipeline = _pipeline(app)
    first = pipeline.sync_site(f"{site.origin}/help/")
    assert first.added == 4 and first.chunks_embedded >= 4
    again = pipeline.sync_site(f"{site.origin}/help/")
    assert (again.added, again.updated, again.unchanged, again.chunks_embedded) == (0, 0, 4, 0)

    plans = site.root / "help" / "billing" / "plans.html"
    plans.write_text(plans.read_text().replace("12 EUR", "14 EUR"))
    changed = pipeline.sync_site(f"{site.origin}/help/")
    plans_id = f"{site.host}/help/billing/plans"
    assert (changed.added, changed.updated, changed.unchanged, changed.deleted) == (0, 1, 3, 0)
    assert changed.changed_ids == [plans_id]
    assert changed.chunks_embedded == len(_chunks(app, plans_id))
    row = _live(plans_id)
    assert row is not None and row.current_version == 2


@pytest.mark.slow
def test_pages_gone_from_the_site_are_deleted(app, site: Server) -> None:
    pipeline = _pipeline(app)
    pipeline.sync_site(f"{site.origin}/help/")
    (site.root / "help" / "billing" / "plans.html").unlink()  # still linked and in the sitemap: 404
    sitemap = site.root / "sitemap-help.xml"
    sitemap.write_text(sitemap.read_text().replace(f"<url><loc>{site.origin}/help/account/password</loc></url>", ""))
    report = pipeline.sync_site(f"{site.origin}/help/")
    assert (report.deleted, report.unchanged, report.failed) == (2, 2, [])  # a broken link is not our failure
    for gone in ("billing/plans", "account/password"):
        assert _live(f"{site.host}/help/{gone}") is None
        assert get_runtime(app).keyword_index.chunk_ids_of(f"{site.host}/help/{gone}") == []


@pytest.mark.slow
def test_a_page_that_fails_keeps_its_last_version_and_the_crawl_deletes_only_what_is_gone(app, site: Server) -> None:
    pipeline = _pipeline(app)
    pipeline.sync_site(f"{site.origin}/help/")
    site.status["/help/billing/refunds"] = 500
    refunds = site.root / "help" / "billing" / "refunds.html"
    refunds.write_text(refunds.read_text().replace("30 days", "45 days"))  # not seen: the server fails
    sitemap = site.root / "sitemap-help.xml"
    sitemap.write_text(sitemap.read_text().replace(f"<url><loc>{site.origin}/help/account/password</loc></url>", ""))
    (site.root / "help" / "billing" / "plans.html").unlink()

    report = pipeline.sync_site(f"{site.origin}/help/")
    assert [(f.path, f.error) for f in report.failed] == [
        (f"{site.origin}/help/billing/refunds", "HTTP 500 Internal Server Error")
    ]
    assert report.deleted == 1 and _live(f"{site.host}/help/billing/plans") is None  # 404: surely gone
    # Not linked any more, but the failed page might be what links to it: kept until a crawl that sees everything.
    assert _live(f"{site.host}/help/account/password") is not None
    row = _live(f"{site.host}/help/billing/refunds")
    assert row is not None and row.current_version == 1
    assert all("30 days" in c.text for c in _chunks(app, row.id) if "days" in c.text)
    assert get_runtime(app).keyword_index.chunk_ids_of(row.id)

    site.status.clear()
    healed = pipeline.sync_site(f"{site.origin}/help/")
    assert (healed.updated, healed.deleted, healed.failed) == (1, 1, [])
    assert _live(f"{site.host}/help/account/password") is None


@pytest.mark.slow
def test_a_page_that_fails_to_load_keeps_its_last_version_and_gone_pages_are_still_deleted(
    app, runner, site: Server
) -> None:
    """A corrupt PDF or a title too long fails that page alone: it keeps its last good version (it was deleted),
    while in the same crawl a 404, a soft 404 and a page no longer linked are deleted: failures protect only
    themselves when the crawl still read every page's links."""
    (site.root / "help" / "guides").mkdir()
    export = site.root / "help" / "guides" / "export.pdf"
    export.write_bytes(_pdf("Exporting your books", "Choose Reports, then Export, to download your books as CSV."))
    (site.root / "help" / "invoicing.html").write_text(_page("Invoicing", "<p>Open the invoice and click Send.</p>"))
    _link_from_index(site, "guides/export.pdf", "invoicing")
    code, first = _ingest(runner, f"{site.origin}/help/")
    assert (code, first["added"], first["failed"]) == (0, 6, [])

    export.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    plans = site.root / "help" / "billing" / "plans.html"
    plans.write_text(plans.read_text().replace("<title>Plans and prices</title>", f"<title>{'Plans ' * 200}</title>"))
    index = site.root / "help" / "index.html"
    index.write_text(index.read_text().replace('<a href="invoicing">invoicing</a>', ""))  # no longer linked
    (site.root / "help" / "account" / "password.html").write_text(
        _page("Page not found", "<p>Sorry, we couldn't find that page.</p>")  # a soft 404
    )
    site.status |= {"/help/billing/refunds": 404, "/help/billing/refund-policy": 410}
    code, report = _ingest(runner, f"{site.origin}/help/")

    assert code == 1
    assert sorted(f["path"] for f in report["failed"]) == [
        f"{site.origin}/help/billing/plans",
        f"{site.origin}/help/guides/export.pdf",
    ]
    errors = {f["path"].rsplit("/", 1)[1]: f["error"] for f in report["failed"]}
    assert errors["plans"].startswith("title longer than 1024") and errors["export.pdf"].startswith("not a valid PDF")
    assert report["deleted"] == 3
    assert _live(f"{site.host}/help/billing/refunds") is None  # 404
    assert _live(f"{site.host}/help/account/password") is None  # soft 404
    assert _live(f"{site.host}/help/invoicing") is None  # not met by a crawl that read every page's links
    for kept in ("guides/export.pdf", "billing/plans"):
        row = _live(f"{site.host}/help/{kept}")
        assert row is not None and row.current_version == 1
        assert get_runtime(app).keyword_index.chunk_ids_of(row.id)
    assert any("download your books" in c.text for c in _chunks(app, f"{site.host}/help/guides/export.pdf"))
    answer = get_answerer(app).answer("How much does the Plus plan cost?", audience="public")
    assert answer.citations and answer.citations[0].id == f"{site.host}/help/billing/plans"


@pytest.mark.slow
def test_a_page_served_as_another_type_keeps_its_last_version_and_a_404_is_still_deleted(
    app, runner, site: Server
) -> None:
    code, first = _ingest(runner, f"{site.origin}/help/")
    assert (code, first["added"]) == (0, 4)
    site.types["/help/billing/plans"] = "application/octet-stream"
    site.status |= {"/help/billing/refunds": 404, "/help/billing/refund-policy": 404}

    code, report = _ingest(runner, f"{site.origin}/help/")
    assert code == 1
    assert report["failed"] == [
        {
            "path": f"{site.origin}/help/billing/plans",
            "error": "served as application/octet-stream, not as a web page: it keeps its last version",
        }
    ]
    assert report["deleted"] == 1 and _live(f"{site.host}/help/billing/refunds") is None  # 404: surely gone
    row = _live(f"{site.host}/help/billing/plans")
    assert row is not None and row.current_version == 1
    assert any("12 EUR" in c.text for c in _chunks(app, row.id))

    site.types.clear()
    code, healed = _ingest(runner, f"{site.origin}/help/")
    assert (code, healed["failed"], healed["unchanged"], healed["deleted"]) == (0, [], 3, 0)


@pytest.mark.slow
def test_an_unreachable_start_url_is_an_error_and_deletes_nothing(app, site: Server) -> None:
    pipeline = _pipeline(app)
    pipeline.sync_site(f"{site.origin}/help/")
    site.status["/help/"] = 503
    with pytest.raises(SiteUnreachableError, match=r"cannot read .*/help/: HTTP 503"):
        pipeline.sync_site(f"{site.origin}/help/")
    origin = site.origin
    site.stop()
    with pytest.raises(SiteUnreachableError, match="nothing was synced"):
        pipeline.sync_site(f"{origin}/help/", timeout=2)
    live = db.session.scalars(select(Document).where(Document.deleted_at.is_(None))).all()
    assert len(live) == 4


@pytest.mark.slow
def test_a_crawl_cut_short_by_the_page_limit_deletes_nothing(app, site: Server) -> None:
    pipeline = _pipeline(app)
    pipeline.sync_site(f"{site.origin}/help/")
    report = pipeline.sync_site(f"{site.origin}/help/", max_pages=2)
    assert report.deleted == 0 and report.unchanged == 2
    assert [f.path for f in report.failed] == [f"{site.origin}/help/"] and "--max-pages" in report.failed[0].error
    assert len(db.session.scalars(select(Document).where(Document.deleted_at.is_(None))).all()) == 4


@pytest.mark.slow
def test_a_section_synced_after_the_whole_site_deletes_nothing_outside_it(app, site: Server) -> None:
    """A start URL under another one is another source: its pages are not a "moved folder" of the first."""
    pipeline = _pipeline(app)
    pipeline.sync_site(f"{site.origin}/help/")
    report = pipeline.sync_site(f"{site.origin}/help/billing/refunds")
    assert (report.unchanged, report.deleted) == (1, 0)
    assert len(db.session.scalars(select(Document).where(Document.deleted_at.is_(None))).all()) == 4


@pytest.mark.slow
def test_cli_ingests_a_url_next_to_a_folder(app, runner, site: Server, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "vat.md").write_text("# VAT\n\nInvoices show VAT at the rate of the customer's country.\n")
    code, report = _ingest(runner, f"{site.origin}/help/", str(folder))
    assert code == 0 and report["added"] == 5 and report["failed"] == []

    result = runner.invoke(ingest_command, [f"{site.origin}/help/"])
    assert result.exit_code == 0, result.output
    assert "added 0, updated 0, unchanged 4, deleted 0, failed 0; 0 chunks embedded" in result.output

    site.status["/help/billing/plans"] = 502
    code, report = _ingest(runner, f"{site.origin}/help/")
    assert code == 1 and report["deleted"] == 0
    assert report["failed"] == [{"path": f"{site.origin}/help/billing/plans", "error": "HTTP 502 Bad Gateway"}]

    site.status["/help/"] = 500
    code, report = _ingest(runner, f"{site.origin}/help/", str(folder))
    assert code == 1 and report["unchanged"] == 1 and report["deleted"] == 0  # the folder is still synced
    assert report["failed"][0]["path"] == f"{site.origin}/help/"
    assert "HTTP 500" in report["failed"][0]["error"] and "nothing was synced" in report["failed"][0]["error"]


def test_cli_rejects_other_schemes_and_missing_paths(runner, tmp_path: Path) -> None:
    result = runner.invoke(ingest_command, ["ftp://help.lumo.example/"])
    assert result.exit_code == 2 and "only http:// and https://" in result.output
    result = runner.invoke(ingest_command, [str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(ingest_command, ["https://"])
    assert result.exit_code == 2 and "not a valid URL" in result.output


@pytest.mark.slow
def test_answers_cite_the_live_page(app, site: Server) -> None:
    _pipeline(app).sync_site(f"{site.origin}/help/")
    answer = get_answerer(app).answer("How do I request a refund?", audience="public")
    assert answer.citations, answer
    assert answer.citations[0].id == f"{site.host}/help/billing/refunds"
    assert answer.citations[0].url == f"{site.origin}/help/billing/refunds"


class _TricklingHelpCentre(SimpleHTTPRequestHandler):
    """A start page linking to a page that never ends: a byte every 0.1 s, each within any read timeout."""

    def do_GET(self) -> None:
        if self.path == "/help/":
            body = b"<html><head><title>Help</title></head><body><main><h1>Help</h1><p>Start here.</p>"
            body += b'<a href="/help/slow">Slow</a></main></body></html>'
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path != "/help/slow":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        try:
            for _ in range(3000):
                self.wfile.write(b"<p>x</p>")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass  # the crawler hung up, as it should

    def log_message(self, *args: Any) -> None:
        pass


def test_a_page_that_never_ends_fails_after_twice_the_timeout() -> None:
    # A page sending a few bytes at a time never tripped the read timeout and held an ingest for 25 minutes (a
    # robustness check, round 38).
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _TricklingHelpCentre)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        started = time.monotonic()
        result = crawl_site(f"http://127.0.0.1:{httpd.server_address[1]}/help/", timeout=1)
        assert time.monotonic() - started < 15
    finally:
        httpd.shutdown()
    assert [f.error for f in result.failed] == ["still arriving after 2 s"]
    assert len(result.documents) == 1
