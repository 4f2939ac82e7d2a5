"""A published help-centre website: crawled politely and read page by page with the HTML (and PDF) loader.

What is crawled: the start URL, the pages its sitemaps list (robots.txt ``Sitemap:`` lines, else ``/sitemap.xml``;
sitemap index files too) and the links of every page read, as long as they stay on the start URL's origin and
under its path, robots.txt allows them, and the page limit is not reached. Every page is untrusted input: only
http(s), never another origin (redirects included), a size limit per response, a timeout per request.

The crawl tells the sync what it may delete and what it must keep:
- a page that failed (it could not be fetched, or its text could not be loaded: a corrupt PDF, a title or id too
  long; or a page synced before that the site now serves as another type, application/octet-stream say) keeps its
  last good version, whatever else the crawl found (:attr:`CrawlResult.failed_ids`);
- a page known to be gone (404/410, a soft 404, noindex, a redirect off the site) is deleted, whatever else failed
  (:attr:`CrawlResult.gone`);
- a page the crawl did not meet is deleted only after a complete crawl: every page found had its links read and no
  limit cut it short. A page that could not be fetched or parsed hides the pages only it links to, so it makes the
  crawl incomplete; a page whose links were read but whose text failed to load does not: it protects only itself.
When the crawl cannot complete at all (robots.txt or the start page unreadable) it raises, and nothing is deleted.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
import zlib
from collections import deque
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpx
from bs4 import BeautifulSoup, Tag
from lxml import etree

from chatbot.errors import AnswerdeskError, BadRequestError, DocumentLoadError
from chatbot.types import Audience, SourceDocument
from ingest.sources.document import SourceFile
from ingest.sources.faq_page import faq_entries
from ingest.sources.html import drop_page_furniture, html_content, load_html, page_headings, parse_html
from ingest.sources.metadata import Defaults, base_defaults
from ingest.sources.pdf import load_pdf
from ingest.sources.results import FailedFile, one_line

log = logging.getLogger(__name__)

USER_AGENT = "answerdesk/0.1 (+help-centre ingest)"
DEFAULT_MAX_PAGES = 1000
DEFAULT_TIMEOUT = 15.0  # seconds per request: a help-centre page that takes longer is down, not slow

_MAX_REDIRECTS = 5
_MAX_SITEMAPS = 50  # sitemap files read per crawl (an index may name many; a loop of indexes must end)
_MAX_CRAWL_DELAY = 10.0  # seconds: a robots.txt asking for more would make a sync of 1000 pages take hours
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_PDF_TYPES = frozenset({"application/pdf"})
_GONE = frozenset({404, 410})
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
# A page whose words are at least this much link text lists articles (a home, category or section page): its links
# are followed, but it is no article to answer from (quoted, it would be a list of titles).
_LISTING_LINK_SHARE = 0.5
# Links to these are never pages: skipping them saves a request each (a response of another type is skipped too).
_NOT_PAGES = frozenset(
    {
        ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico", ".css", ".js", ".json", ".xml", ".zip", ".gz",
        ".mp4", ".webm", ".mp3", ".woff", ".woff2", ".ttf", ".exe", ".dmg",
    }
)  # fmt: skip


class SiteUnreachableError(AnswerdeskError):
    """The start page (or robots.txt) could not be read: nothing of the site is synced, and nothing deleted."""

    code = "site_unreachable"
    status = 502


class _PageFailed(Exception):
    """A page that could not be read this time (timeout, 5xx, connection error, too large): it keeps its last
    good version."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status  # the HTTP status when the server answered


class _PageGone(Exception):
    """A page that is no longer part of the site (404/410, a "Page not found" page answered with 200, or it redirects
    off the site): it is deleted."""


@dataclass(frozen=True)
class _Response:
    url: str  # after same-origin redirects
    content_type: str  # lower case, without parameters
    charset: str | None
    robots_tag: str  # the X-Robots-Tag header, lower case
    body: bytes


@dataclass
class CrawlResult:
    root: str  # the normalised start URL: the sync's source root
    documents: list[SourceDocument] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)  # path: the page's (or sitemap's) URL
    failed_ids: set[str] = field(default_factory=set)  # ids of pages that failed: each keeps its last good version
    gone: set[str] = field(default_factory=set)  # ids of pages known to be no longer on the site
    is_complete: bool = True  # every page found had its links read: what was not found is gone from the site


# -- URLs ---------------------------------------------------------------------------------------------------------


def is_url(text: str) -> bool:
    """Whether a command-line argument names a website rather than a file (only http and https are fetched)."""
    return text.lower().startswith(("http://", "https://"))


def normalise_url(url: str, base: str | None = None) -> str | None:
    """``url`` (relative to ``base``) in the one spelling the crawl dedups on, or None when it is not http(s).

    Fragments and query strings are dropped: a help centre addresses an article by its path, and its queries are
    tracking tags, sort orders and search results, an endless supply of copies. Host and scheme are lower-cased,
    default ports removed; an empty path is "/"."""
    try:
        parts = urlsplit(urljoin(base, url.strip()) if base else url.strip())
        port = parts.port
    except ValueError:  # a malformed port or IPv6 literal in a link of some page
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    if port is not None and port != (443 if scheme == "https" else 80):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, _clean_path(parts.path), "", ""))


def _clean_path(path: str) -> str:
    """``path`` as it will be requested: its "." and ".." segments resolved (RFC 3986, 5.2.4), and control characters
    percent-encoded (as a browser encodes them). "/help/../admin" passed as a page under "/help" and httpx fetched
    "/admin"; a link with a control character stopped the whole crawl with httpx's InvalidURL (round 39)."""
    output: list[str] = []
    segments = [_dot_segment(segment) for segment in path.split("/")]
    for segment in segments:
        if segment == "..":
            if len(output) > 1:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if segments[-1] in (".", ".."):
        output.append("")  # "/a/b/.." is the folder "/a/"
    return _CONTROL_CHARS.sub(lambda char: f"%{ord(char[0]):02X}", "/".join(output)) or "/"


def _dot_segment(segment: str) -> str:
    """``segment`` with ``%2e`` decoded when that makes it "." or "..": an encoded unreserved character is the
    character (RFC 3986, 6.2.2.2), and servers decode before they resolve, so "/help/%2e%2e/admin" is "/admin"
    and must not pass as a page under "/help". Other segments keep their spelling (their ids do not change)."""
    decoded = re.sub("%2e", ".", segment, flags=re.IGNORECASE)
    return decoded if decoded in (".", "..") else segment


def page_id(url: str) -> str:
    """A page's document id: host and path without the trailing slash (``help.lumo.example/billing/refunds``).
    The scheme is left out so that a move to https keeps every id."""
    parts = urlsplit(url)
    return parts.netloc + parts.path.rstrip("/")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _path_prefix(url: str) -> str:
    """The path the crawl stays under: the start URL's path as a folder ("/hc/en-us" covers "/hc/en-us/..."),
    or the folder of a start URL that names a file ("/docs/index.html" covers "/docs/...")."""
    path = urlsplit(url).path
    if "." in PurePosixPath(path).name:
        path = path.rsplit("/", 1)[0]
    return path.rstrip("/")


@dataclass(frozen=True)
class _Scope:
    """Which URLs belong to the help centre being ingested."""

    origin: str
    prefix: str

    @classmethod
    def of(cls, start: str) -> _Scope:
        return cls(_origin(start), _path_prefix(start))

    def is_same_origin(self, url: str) -> bool:
        return _origin(url) == self.origin

    def contains(self, url: str) -> bool:
        path = urlsplit(url).path
        return self.is_same_origin(url) and (path == self.prefix or path.startswith(self.prefix + "/"))


def _is_page_link(url: str) -> bool:
    return PurePosixPath(urlsplit(url).path).suffix.lower() not in _NOT_PAGES


# -- fetching -----------------------------------------------------------------------------------------------------


class _Fetcher:
    """GET with the crawl's rules: same-origin redirects only, a byte limit, robots.txt's crawl delay."""

    def __init__(self, client: httpx.Client, max_bytes: int, timeout: float) -> None:
        self._client = client
        self.max_bytes = max_bytes
        self._timeout = timeout
        self.delay = 0.0
        self._last_request = 0.0

    def get(self, url: str, may_follow: Callable[[str], bool]) -> _Response:
        """The response to ``url`` after redirects whose targets ``may_follow``; _PageGone for 404/410 or a
        redirect elsewhere, _PageFailed for anything that may work next time."""
        for _hop in range(_MAX_REDIRECTS + 1):
            self._wait_turn()
            # The timeout bounds each wait for a byte; a page that keeps sending a few bytes at a time never trips
            # it, and one held an ingest for 25 minutes (a robustness check, round 38). The whole body gets as long
            # again as its first byte may take.
            deadline = time.monotonic() + 2 * self._timeout
            try:
                with self._client.stream("GET", url) as response:
                    if response.is_redirect:
                        target = normalise_url(response.headers.get("location", ""), base=url)
                        if target is None or not may_follow(target):
                            raise _PageGone(f"redirects outside the help centre, to {target or '?'}")
                        url = target
                        continue
                    return self._read(url, response, deadline)
            except httpx.TimeoutException as exc:
                raise _PageFailed(f"no answer within {self._timeout:g} s") from exc
            except (httpx.HTTPError, httpx.InvalidURL) as exc:  # refused or reset, DNS, TLS, a broken response
                raise _PageFailed(f"cannot fetch: {one_line(str(exc)) or type(exc).__name__}") from exc
        raise _PageFailed(f"more than {_MAX_REDIRECTS} redirects")

    def _wait_turn(self) -> None:
        wait = self._last_request + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_request = time.monotonic()

    def _read(self, url: str, response: httpx.Response, deadline: float) -> _Response:
        if response.status_code in _GONE:
            raise _PageGone(f"HTTP {response.status_code}")
        if not response.is_success:
            # 5xx, 429, 403...: the page may well be back next time, so it keeps its last good version.
            reason = f"HTTP {response.status_code} {response.reason_phrase}".strip()
            raise _PageFailed(reason, status=response.status_code)
        content_type, _, _ = response.headers.get("content-type", "").partition(";")
        return _Response(
            url=url,
            content_type=content_type.strip().lower(),
            charset=response.charset_encoding,
            robots_tag=response.headers.get("x-robots-tag", "").lower(),
            body=self._body(response, deadline),
        )

    def _body(self, response: httpx.Response, deadline: float) -> bytes:
        # Counted after decompression, while streaming: neither a lying Content-Length nor a gzip bomb gets past.
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise _PageFailed(f"larger than {_size(self.max_bytes)}")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise _PageFailed(f"larger than {_size(self.max_bytes)}")
            if time.monotonic() > deadline:
                raise _PageFailed(f"still arriving after {2 * self._timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)


def _size(limit: int) -> str:
    mib = 1024 * 1024
    return f"{limit / mib:g} MiB" if limit >= mib else f"{limit} bytes"


def _client(timeout: float) -> httpx.Client:
    # trust_env: a company proxy set in HTTPS_PROXY applies, as it does to pip.
    return httpx.Client(headers={"User-Agent": USER_AGENT}, timeout=timeout, follow_redirects=False, trust_env=True)


# -- robots.txt and sitemaps --------------------------------------------------------------------------------------


def _read_robots(fetcher: _Fetcher, scope: _Scope) -> RobotFileParser:
    """robots.txt as RFC 9309 reads it: missing (4xx) allows everything; unreachable (5xx, no answer) forbids
    everything, so the crawl stops before it touches a page."""
    robots = RobotFileParser(f"{scope.origin}/robots.txt")
    try:
        response = fetcher.get(f"{scope.origin}/robots.txt", scope.is_same_origin)
    except _PageGone:
        robots.parse([])
        return robots
    except _PageFailed as exc:
        if exc.status is not None and 400 <= exc.status < 500:
            robots.parse([])  # 401/403/429... on robots.txt: there are no rules to follow
            return robots
        raise SiteUnreachableError(f"cannot read {scope.origin}/robots.txt: {exc}; nothing was synced") from exc
    robots.parse(response.body.decode("utf-8", errors="replace").splitlines())
    return robots


def _sitemap_urls(robots: RobotFileParser, scope: _Scope) -> list[str]:
    named = [normalise_url(url) for url in robots.site_maps() or []]
    same_origin = [url for url in named if url is not None and scope.is_same_origin(url)]
    return same_origin or [f"{scope.origin}/sitemap.xml"]


def _sitemap_entries(data: bytes, max_bytes: int) -> tuple[list[str], list[str]]:
    """The page URLs and the nested sitemap URLs (of a sitemap index) of one sitemap file, gzipped or not."""
    if data[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = inflater.decompress(data, max_bytes)
        if inflater.unconsumed_tail:
            raise _PageFailed(f"larger than {_size(max_bytes)} unpacked")
    # No DTDs, no entities, no network: a sitemap is untrusted XML.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, recover=True)
    root = etree.fromstring(data, parser)
    pages: list[str] = []
    sitemaps: list[str] = []
    if root is None:
        return pages, sitemaps
    for loc in root.iter("{*}loc"):
        parent = loc.getparent()
        kind = etree.QName(parent).localname if parent is not None else ""
        text = (loc.text or "").strip()
        if text:
            (sitemaps if kind == "sitemap" else pages).append(text)
    return pages, sitemaps


# -- pages --------------------------------------------------------------------------------------------------------


def _robots_directives(soup: BeautifulSoup, header: str) -> set[str]:
    """``noindex``/``nofollow`` from ``<meta name="robots">`` (or one for our user agent) and X-Robots-Tag."""
    words = set(header.replace(",", " ").split())
    for meta in soup.find_all("meta"):
        if isinstance(meta, Tag) and str(meta.get("name") or "").lower() in ("robots", "answerdesk"):
            words |= set(str(meta.get("content") or "").lower().replace(",", " ").split())
    return words


def _base_url(soup: BeautifulSoup, page_url: str) -> str:
    base = soup.find("base", href=True)
    href = base.get("href") if isinstance(base, Tag) else None
    resolved = normalise_url(href, page_url) if isinstance(href, str) else None
    return resolved or page_url


def _canonical(soup: BeautifulSoup, page_url: str, scope: _Scope) -> str:
    """The page's ``<link rel="canonical">`` when it stays on the site (one page reached by two URLs is one
    document, cited by the URL the site prefers); else the URL it was fetched from."""
    for link in soup.find_all("link", href=True):
        rel = link.get("rel") if isinstance(link, Tag) else None
        if isinstance(link, Tag) and rel and "canonical" in [str(r).lower() for r in rel]:
            canonical = normalise_url(str(link["href"]), page_url)
            if canonical is not None and scope.is_same_origin(canonical):
                return canonical
    return page_url


def _links(soup: BeautifulSoup, base: str) -> Iterator[str]:
    """Every link target of the page, navigation included (menus are how a crawler finds the articles)."""
    for anchor in soup.find_all(["a", "area"], href=True):
        if not isinstance(anchor, Tag):
            continue
        if "nofollow" in [str(r).lower() for r in anchor.get("rel") or []]:
            continue
        target = normalise_url(str(anchor["href"]), base)
        if target is not None:
            yield target


def _is_listing(content: Tag) -> bool:
    """Whether the page's content (menus, header and footer left out, as the HTML loader leaves them out) is
    mostly links."""
    words = len(content.get_text(" ").split())
    if words == 0:
        # Links and no words (image links, a landing page of tiles) lead to articles; an empty page with no link
        # either is no listing: its text failed to load (a page rendered by script, say) and it keeps its last version.
        return content.find(["a", "area"], href=True) is not None
    linked = sum(len(anchor.get_text(" ").split()) for anchor in content.find_all("a"))
    return linked / words >= _LISTING_LINK_SHARE


# Soft 404s: a help centre that answers 200 with its "Page not found" page for an article that is gone (single-page
# apps, some themes) had that page ingested as an article (a robustness check, round 39). Recognised as crawlers
# recognise them: a part of the page's title, or its main heading, says so whole, and there is little more on the
# page. An article about 404 errors has a title of its own ("Why do I see a 404 error?") and more to say.
_SOFT_404_MAX_WORDS = 100
_ERROR_CODE = r"(?:(?:error |http )?404(?: error)?)"
_THE_PAGE = r"(?:(?:the|this|that) )?(?:page|article|content|document|file|resource)"
_MISSING = "|".join(
    (
        rf"{_THE_PAGE} not found|not found",
        rf"{_THE_PAGE}(?: you(?: are| re| were)? (?:looking for|requested))? "
        r"(?:was not|wasn t|could not be|couldn t be|cannot be|can t be) found",
        rf"{_THE_PAGE} (?:does not|doesn t|no longer) exists?",
        rf"(?:we )?(?:can t|cannot|couldn t|could not) find {_THE_PAGE}",
        rf"{_THE_PAGE} (?:is )?(?:unavailable|missing|no longer available)",
    )
)
_NOT_FOUND_HEADING = re.compile(
    rf"(?:(?:oops|whoops|sorry|uh oh|hmm) )?(?:{_ERROR_CODE}|(?:{_ERROR_CODE} )?(?:{_MISSING})(?: {_ERROR_CODE})?)"
)
# A heading that only names the status ("404 Not Found", "Error 404", "Not found") is also the title of a page that
# documents the status (an API reference): short, answered with 200, and an article (a review after round 39). Such a
# heading makes a soft 404 only with what a "Page not found" page has and a reference page has not: next to no
# other text ("404 / Not found", nginx's "404 Not Found / nginx"), or a sentence telling the visitor that the page
# they asked for is missing. A reference page describes the status in the third person ("when the invoice does not
# exist"). Asking the site for a URL that cannot exist, to compare, would cost a request and still not tell a short
# reference page from a catch-all "404" page.
_STATUS_NAME = re.compile(rf"{_ERROR_CODE}|(?:{_ERROR_CODE} )?not found(?: {_ERROR_CODE})?")
_STATUS_PAGE_MAX_WORDS = 10  # besides the heading: "Not found. Go back to the home page."
_TELLS_VISITOR = re.compile(
    "|".join(
        (
            rf"\b{_THE_PAGE}s? you(?: are| re| were| ve)? (?:looking for|requested|asked for|tried to)",
            r"\b(?:we|i) (?:can t|cannot|couldn t|could not|did not|didn t) find\b",
            r"\b(?:this|that) (?:page|link|address|url) (?:does not|doesn t|no longer|may not|might not) exists?\b",
            r"\bthe requested url was not found on this server\b",  # Apache's own page
        )
    )
)


def _plain(heading: str) -> str:
    """``heading`` lower-cased, its punctuation and apostrophes spaces: "Oops! Page doesn’t exist." -> "oops page
    doesn t exist"."""
    return " ".join(re.sub(r"[\W_]+", " ", heading.casefold()).split())


def _soft_404_heading(headings: list[str], content: Tag) -> str | None:
    """The heading that says the page is not there, when the page is a "Page not found" page; else None."""
    text = content.get_text(" ")
    if len(text.split()) > _SOFT_404_MAX_WORDS:
        return None
    missing = [heading for heading in headings if _NOT_FOUND_HEADING.fullmatch(_plain(heading))]
    says_page_is_missing = next((heading for heading in missing if not _STATUS_NAME.fullmatch(_plain(heading))), None)
    if says_page_is_missing is not None or not missing:
        return says_page_is_missing
    return missing[0] if _is_status_page_text(_plain(text), missing) else None


def _is_status_page_text(text: str, headings: list[str]) -> bool:
    """Whether ``text`` (a short page's, plain) is what a "404" page says besides its heading rather than what a page
    documenting the status says: next to nothing, or that the visitor's page is missing (see _STATUS_NAME)."""
    rest = text
    # The <h1> is part of the text; the <title> is not, and usually repeats it: each heading is taken out once.
    for heading in dict.fromkeys(_plain(heading) for heading in headings):
        rest = re.sub(rf"\b{re.escape(heading)}\b", " ", rest, count=1)
    return len(rest.split()) <= _STATUS_PAGE_MAX_WORDS or _TELLS_VISITOR.search(text) is not None


def _parse_page(response: _Response) -> BeautifulSoup:
    try:
        return parse_html(_as_utf8(response).decode("utf-8", errors="replace"))
    except DocumentLoadError as exc:  # nested too deep to read in bounded time
        raise _PageFailed(exc.message) from exc


def _as_utf8(response: _Response) -> bytes:
    """The loaders read UTF-8 (or GB18030); a page the server declares as, say, Latin-1 is converted first."""
    charset = (response.charset or "").lower()
    if not charset or charset.replace("-", "").replace("_", "") in ("utf8", "usascii", "ascii"):
        return response.body
    try:
        return response.body.decode(charset, errors="replace").encode("utf-8")
    except LookupError:  # a charset Python does not know: let the loader's own detection try
        return response.body


def _page_documents(response: _Response, url: str, defaults: Defaults) -> list[SourceDocument]:
    """The page as a SourceDocument with id host/path and ``url`` the page's canonical URL (what answers cite); an
    FAQ page (every section a question) as its entries, as a folder's HTML file is read (faq_page.py)."""
    name = PurePosixPath(urlsplit(url).path).name or "index"
    source = SourceFile(path=Path(name), rel=page_id(url), defaults=defaults, data=_as_utf8(response))
    if response.content_type in _PDF_TYPES:
        [document] = load_pdf(source)
        return [dataclasses.replace(document, url=url)]
    [document] = load_html(source)
    return faq_entries(dataclasses.replace(document, url=url))


# -- the crawl ----------------------------------------------------------------------------------------------------


class _Crawl:
    """One crawl's state: the frontier, what was seen, and the result being built."""

    def __init__(
        self,
        start: str,
        fetcher: _Fetcher,
        robots: RobotFileParser,
        defaults: Defaults,
        max_pages: int,
        known_pages: Collection[str] = frozenset(),
    ) -> None:
        self.scope = _Scope.of(start)
        self.fetcher = fetcher
        self.robots = robots
        self.defaults = defaults
        self.max_pages = max_pages
        self.known_pages = frozenset(known_pages)  # ids of the pages synced from this start URL before
        self.result = CrawlResult(root=start)
        self.queue: deque[str] = deque()
        self.seen: set[str] = set()  # every URL queued, fetched or reached by a redirect or a canonical link
        self.documents: dict[str, str] = {}  # document id -> the URL it was read from
        self.is_truncated = False

    def is_allowed(self, url: str) -> bool:
        return self.scope.contains(url) and self.robots.can_fetch(USER_AGENT, url)

    def enqueue(self, url: str) -> None:
        if url in self.seen or not self.scope.contains(url) or not _is_page_link(url):
            return
        if not self.robots.can_fetch(USER_AGENT, url):
            self.result.gone.add(page_id(url))  # ingested before the site disallowed it: no longer ours to keep
            return
        if len(self.seen) >= self.max_pages:
            self.is_truncated = True
            return
        self.seen.add(url)
        self.queue.append(url)

    def read_sitemaps(self) -> None:
        todo = deque(_sitemap_urls(self.robots, self.scope))
        visited: set[str] = set()
        while todo and len(visited) < _MAX_SITEMAPS:
            url = todo.popleft()
            if url in visited:
                continue
            visited.add(url)
            try:
                response = self.fetcher.get(url, self.scope.is_same_origin)
                pages, nested = _sitemap_entries(response.body, self.fetcher.max_bytes)
            except _PageGone:
                continue  # no sitemap there: the links still lead to every page
            except _PageFailed as exc:
                self.fail_crawl(url, f"sitemap: {exc}")  # its pages may be missed: nothing is deleted for missing
                continue
            except etree.XMLSyntaxError as exc:
                log.warning("%s: not a sitemap (%s)", url, one_line(str(exc)))
                continue
            todo.extend(u for u in (normalise_url(n) for n in nested) if u and self.scope.is_same_origin(u))
            for page in pages:
                normalised = normalise_url(page)
                if normalised is not None:
                    self.enqueue(normalised)
        if todo:
            self.fail_crawl(todo[0], f"more than {_MAX_SITEMAPS} sitemap files: the rest were not read")

    def fail_crawl(self, url: str, reason: str) -> None:
        """Something other than a page failed (a sitemap, a limit): pages may have been missed."""
        self.result.failed.append(FailedFile(url, one_line(reason)))
        self.result.is_complete = False

    def fail_page(self, url: str, reason: str, *, links_read: bool) -> None:
        """The page at ``url`` failed: it keeps its last good version. Unless its links were read, the pages only
        it links to were not met, and the crawl cannot tell that a page it did not meet is gone."""
        self.result.failed.append(FailedFile(url, one_line(reason)))
        self.result.failed_ids.add(page_id(url))
        if not links_read:
            self.result.is_complete = False

    def visit(self, url: str) -> None:
        try:
            self.read_page(url, self.fetcher.get(url, self.is_allowed))
        except _PageGone as exc:
            log.info("%s: gone (%s)", url, exc)
            self.result.gone.add(page_id(url))
        except _PageFailed as exc:  # not fetched, or not parsed: its links are unknown
            self.fail_page(url, str(exc), links_read=False)

    def read_page(self, url: str, response: _Response) -> None:
        """One page read: its links join the frontier, its text becomes a document (unless it is a duplicate).
        _PageFailed when it cannot be read, _PageGone when it is a "Page not found" page answered with 200."""
        self.seen.add(response.url)
        if response.content_type in _PDF_TYPES:
            self.add_document(response, response.url)
            return
        if response.content_type not in _HTML_TYPES:
            self.read_other_type(url, response)
            return
        soup = _parse_page(response)
        directives = _robots_directives(soup, response.robots_tag)
        if "nofollow" not in directives and "none" not in directives:
            for link in _links(soup, _base_url(soup, response.url)):
                self.enqueue(link)
        if "noindex" in directives or "none" in directives:
            self.result.gone.add(page_id(response.url))
            return
        canonical = _canonical(soup, response.url, self.scope)
        self.seen.add(canonical)
        headings = page_headings(soup)  # before the page furniture goes: `<article><header><h1>` is common
        drop_page_furniture(soup)
        content = html_content(soup)
        missing = _soft_404_heading(headings, content)
        if missing is not None:
            raise _PageGone(f'a "{missing}" page answered with HTTP 200 (soft 404)')
        if _is_listing(content):
            log.info("%s: skipped (a list of links, not an article)", url)
            self.result.gone.add(page_id(canonical))
            return
        self.add_document(response, canonical)

    def read_other_type(self, url: str, response: _Response) -> None:
        """A response that is neither a web page nor a PDF. A link to an image or a download (one without a file
        suffix to tell) is no article: skipped quietly, as gone. But a page synced before that the site now serves
        as another type still exists (200): a misconfigured server, or a deploy that broke Content-Type, answered an
        article as application/octet-stream, and the page was deleted (a review after round 39). It fails instead,
        as a page that could not be fetched does: it keeps its last version, and its links were not read."""
        known = {page_id(url), page_id(response.url)} & self.known_pages
        if not known:
            self.result.gone.add(page_id(url))
            return
        served = f"served as {response.content_type}" if response.content_type else "served without a content type"
        self.fail_page(url, f"{served}, not as a web page: it keeps its last version", links_read=False)
        self.result.failed_ids |= known  # also when it was synced under the URL it now redirects to

    def add_document(self, response: _Response, url: str) -> None:
        doc_id = page_id(url)
        if doc_id in self.documents:
            return  # the same page under another URL
        # The page's links are in the frontier already (a PDF has none): a failure here loses this page's text only.
        # It is no sign that the page is gone (a corrupt PDF, a title or id too long), so it keeps its last version.
        try:
            documents = _page_documents(response, url, self.defaults)
        except DocumentLoadError as exc:
            self.fail_page(url, exc.message, links_read=True)
            return
        except Exception as exc:  # one page's surprise must not abort the crawl
            self.fail_page(url, f"{type(exc).__name__}: {exc}", links_read=True)
            return
        self.documents[doc_id] = url
        self.result.documents.extend(documents)

    def finish(self) -> CrawlResult:
        if self.is_truncated:
            self.fail_crawl(self.result.root, f"more than {self.max_pages} pages: the rest was not read (--max-pages)")
        self.result.gone -= set(self.documents)  # a URL that redirected to, or duplicated, a page that is here
        self.result.gone -= self.result.failed_ids  # one spelling of the page failed: it keeps its last version
        return self.result


def crawl_site(
    start_url: str,
    *,
    audience: Audience = "public",
    community: str | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_page_bytes: int = 20 * 1024 * 1024,
    timeout: float = DEFAULT_TIMEOUT,
    known_pages: Collection[str] = frozenset(),
) -> CrawlResult:
    """Crawl the help centre at ``start_url`` (see the module docstring). Raises BadRequestError for a URL that is
    not http(s) and SiteUnreachableError when robots.txt or the start page cannot be read; every other page's
    problem is in ``failed``. ``known_pages``: the ids of the pages synced from it before (a page among them that
    is now served as another type fails rather than be taken for gone)."""
    start = normalise_url(start_url)
    if start is None or not is_url(start_url):
        raise BadRequestError(f"not an http(s) URL: {start_url}")
    defaults = base_defaults(audience, community)
    # httpx logs every request at INFO: a thousand lines for a thousand pages. Failures are reported, not logged.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with _client(timeout) as client:
        fetcher = _Fetcher(client, max_page_bytes, timeout)
        scope = _Scope.of(start)
        robots = _read_robots(fetcher, scope)
        fetcher.delay = min(float(robots.crawl_delay(USER_AGENT) or 0), _MAX_CRAWL_DELAY)
        crawl = _Crawl(start, fetcher, robots, defaults, max_pages, known_pages)
        _read_start_page(crawl, start)
        crawl.read_sitemaps()
        while crawl.queue:
            crawl.visit(crawl.queue.popleft())
        return crawl.finish()


def _read_start_page(crawl: _Crawl, start: str) -> None:
    """The start page first: when it cannot be read the site is down (or the URL wrong), and a sync that went on
    would take every page for gone."""
    if not crawl.robots.can_fetch(USER_AGENT, start):
        raise SiteUnreachableError(f"robots.txt of {crawl.scope.origin} does not allow {USER_AGENT} to read {start}")
    crawl.seen.add(start)
    try:
        # It may redirect anywhere on its own site: a help centre's "/" often goes to "/hc/en-us".
        response = crawl.fetcher.get(
            start, lambda url: crawl.scope.is_same_origin(url) and crawl.robots.can_fetch(USER_AGENT, url)
        )
        # A "Page not found" answered with 200 too: a crawl from it would find none of the help centre's pages, and
        # a sync would take them all for gone.
        crawl.read_page(start, response)
    except (_PageGone, _PageFailed) as exc:
        raise SiteUnreachableError(f"cannot read {start}: {exc}; nothing was synced") from exc
