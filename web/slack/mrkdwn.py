"""Text between answerdesk and Slack: an answer's plain-text Markdown as Slack ``mrkdwn``, and a Slack message's
markup back to the question the person typed.

An answer is the same text the widget formats (web/static/widget.js, ``formatAnswer``): blank-line paragraphs,
``- `` and ``1. `` lists, ``| a | b |`` tables, ``**bold**``, `` `code` ``, ``[text](url)`` links and ``[n]``
citation markers. Slack has no tables, so a table becomes an aligned code block. Everything else is escaped
(``&``, ``<``, ``>``): an article or a question must not ping ``<!channel>`` or forge a link; nor may a link's
label name another site than the one it opens (:func:`names_another_host`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

_INLINE = re.compile(
    r"\[(?P<n>\d{1,3})\]"  # a citation marker
    r"|\[(?P<label>[^\]\n]+)\]\((?P<href>https?://[^)\s]+)\)"  # a Markdown link
    r"|\*\*(?P<bold>[^*\n]+)\*\*"
    r"|`(?P<code>[^`\n]+)`"
)
_BULLET = re.compile(r"^[-*•]\s+(.+)$")
_TABLE_ROW = re.compile(r"^\|(.*)\|\s*((?:\[\d+\]\s*)*)$")
_SEPARATOR_CELL = re.compile(r"^:?-{2,}:?$")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$")

# A host name written in a link's label ("lumo.example", "https://app.lumo.example/login", "help@lumo.example").
_HOST_IN_TEXT = re.compile(r"(?i)(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?![\w-])")

# Slack's markup in what a person typed: <@U123> mentions, <#C123|general> channels, <https://x|label> links,
# <!here> specials; everything else arrives with &, < and > escaped.
_SLACK_TOKEN = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def escape(text: str) -> str:
    """What Slack requires of text it should show as typed (its own markup uses these three characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def is_http_url(url: str | None) -> bool:
    return bool(url) and str(url).lower().startswith(("http://", "https://"))


def link(url: str | None, label: str) -> str:
    """``<url|label>`` for an http(s) URL (never javascript: or a relative path from a document), else the label."""
    if not url or not is_http_url(url):
        return escape(label)
    if names_another_host(label, url):
        label = url  # Slack shows the label, not the address: show the address the link really opens
    # "|" and ">" end a Slack link early; percent-encoded they are still the same URL.
    safe_url = escape(url.replace("|", "%7C").replace(">", "%3E"))
    return f"<{safe_url}|{escape(label).replace('|', '¦')}>"


def names_another_host(label: str, url: str) -> bool:
    """Whether ``label`` names a site that ``url`` is not on: a document's "[https://app.lumo.example/login](https://
    evil.example)" would read as one address and open another. The link's own host, or a domain it is under
    ("lumo.example" for help.lumo.example), is fine."""
    host = (urlsplit(url).hostname or "").lower()
    return any(
        not (host == named or host.endswith(f".{named}")) for named in map(str.lower, _HOST_IN_TEXT.findall(label))
    )


def to_mrkdwn(text: str, citation_urls: Mapping[int, str | None] | None = None) -> str:
    """An answer's text as Slack mrkdwn; ``[n]`` markers link to citation ``n``'s URL when it has one."""
    urls = citation_urls or {}
    lines_out: list[str] = []
    table: list[list[str]] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        cells = _table_cells(line) if line.startswith("|") else None
        if cells is not None:
            if not all(_SEPARATOR_CELL.match(cell) for cell in cells):
                table.append(cells)
            continue
        if table:
            lines_out.append(_code_table(table))
            table = []
        if (match := _BULLET.match(line)) is not None:
            lines_out.append("• " + _inline(match.group(1), urls))
        elif (match := _HEADING.match(line)) is not None:
            lines_out.append(f"*{escape(match.group(1).strip('*'))}*")
        else:
            lines_out.append(_inline(line, urls))
    if table:
        lines_out.append(_code_table(table))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines_out)).strip()


def _inline(text: str, urls: Mapping[int, str | None]) -> str:
    out: list[str] = []
    last = 0
    for match in _INLINE.finditer(text):
        out.append(escape(text[last : match.start()]))
        if match.group("n") is not None:
            n = int(match.group("n"))
            out.append(link(urls.get(n), f"[{n}]"))
        elif match.group("href") is not None:
            out.append(link(match.group("href"), match.group("label")))
        elif match.group("bold") is not None:
            out.append(f"*{escape(match.group('bold').strip())}*")
        else:
            out.append(f"`{escape(match.group('code'))}`")
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def _table_cells(line: str) -> list[str] | None:
    match = _TABLE_ROW.match(line)
    if match is None:
        return None
    # "\|" is a pipe inside a cell (ingest escapes them).
    cells = [cell.strip().replace("\0", "|") for cell in match.group(1).replace("\\|", "\0").split("|")]
    if match.group(2):
        cells[-1] = f"{cells[-1]} {match.group(2).strip()}"
    return [cell.replace("**", "").replace("`", "") for cell in cells]


def _code_table(rows: list[list[str]]) -> str:
    """A table as aligned columns in a code block: Slack draws no tables, and columns only line up in monospace."""
    columns = max(len(row) for row in rows)
    padded = [row + [""] * (columns - len(row)) for row in rows]
    widths = [max(len(row[i]) for row in padded) for i in range(columns)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in padded]
    if len(lines) > 1:
        lines.insert(1, "  ".join("-" * width for width in widths))
    return "```\n" + escape("\n".join(lines)) + "\n```"


def question_text(text: str, bot_user_id: str | None = None) -> str:
    """The question in a Slack message as the person meant it: the bot's own mention dropped, other mentions and
    channels by name, links by their label, Slack's escapes undone."""

    def plain(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if bot_user_id and target == f"@{bot_user_id}":
            return ""
        if label:
            return ("#" if target.startswith("#") else "") + label
        if target.startswith("!"):
            return ""  # <!here>, <!channel>: not part of the question
        return target

    cleaned = _SLACK_TOKEN.sub(plain, text)
    cleaned = cleaned.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]+", " ", cleaned).strip()
