"""Analytics and CSV exports over a known history written straight into real SQLite.

Every expected figure below is worked out by hand from the rows built in ``history`` (the comments say which
rows count), never copied from the output. The range under test is 2024-05-01 to 2024-05-07, both days included
(``to=2024-05-07`` in the parameters; internally DateRange(2024-05-01, 2024-05-08), half-open).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.sessions import log_in
from tests.test_api import assert_error, bearer, make_app
from web.access.accounts import create_api_token, create_site, create_user
from web.analytics.exports import CONVERSATION_COLUMNS, FEEDBACK_COLUMNS, GAP_COLUMNS
from web.analytics.figures import analytics_report, normalise_question
from web.analytics.ranges import MAX_RANGE_DAYS, DateRange, RangeError, parse_audience, parse_range, today_utc
from web.api.openapi.analytics import ANALYTICS_PATHS, ANALYTICS_SCHEMAS
from web.db.models import Conversation, Document, Feedback, Gap, Handoff, Message, User, db
from web.editor.charts import nice_ceiling, rate_lines, stacked_bars
from web.gaps.queries import RANK_HALF_LIFE_DAYS
from web.http.spreadsheet import safe_cell

START, LAST = date(2024, 5, 1), date(2024, 5, 7)
END = LAST + timedelta(days=1)  # DateRange's excluded end
RANGE = DateRange(START, END)
QUERY = "from=2024-05-01&to=2024-05-07"
ROLES = ("employee", "viewer", "editor", "admin")
SCRIPT_QUESTION = "<script>alert(1)</script> How do I set up the VPN?"
EMAIL_QUESTION = "Contact me at jane.doe@example.com about refunds"
FORMULA_COMMENT = '=HYPERLINK("http://evil.example","click")'
RESET = "How do I reset my password?"


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: int = 5) -> datetime:
    return datetime(2024, month, day, hour, minute, second)


@dataclass
class History:
    app: Flask
    site_key: str
    tokens: dict[str, str]
    users: dict[str, int]
    gaps: dict[str, int]

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def session_client(self, role: str) -> FlaskClient:
        client = self.app.test_client()
        log_in(client, self.users[role])
        return client


def _conversation(conv_id: str, created: datetime, audience: str = "public", **owner: Any) -> Conversation:
    conversation = Conversation(id=conv_id, audience=audience, created_at=created, updated_at=created, **owner)
    db.session.add(conversation)
    return conversation


def _message(conversation: Conversation, question: str, created: datetime, **fields: Any) -> Message:
    values: dict[str, Any] = {"answer": "An answer.", "status": "ok", "is_gap": False, "citations": []}
    values.update(fields)
    message = Message(
        conversation_id=conversation.id,
        question=question,
        audience=conversation.audience,
        sources=[],
        related=[],
        created_at=created,
        **values,
    )
    db.session.add(message)
    db.session.flush()
    return message


def _cite(*docs: tuple[str, str]) -> list[dict[str, Any]]:
    return [
        {"n": n, "id": doc_id, "title": title, "url": None, "version": 1, "chunk_id": f"{doc_id}:{n}", "score": 0.9}
        for n, (doc_id, title) in enumerate(docs, start=1)
    ]


def _feedback(message: Message, helpful: bool, created: datetime, reasons: list[str] | None = None, comment=None):
    db.session.add(
        Feedback(message_id=message.id, helpful=helpful, reasons=reasons or [], comment=comment, created_at=created)
    )
    db.session.flush()


def _gap(title: str, status: str, first: datetime, last: datetime, count: int = 1, **fields: Any) -> int:
    values: dict[str, Any] = {"audience": "public", "community": None}
    values.update(fields)
    gap = Gap(title=title, status=status, first_seen=first, last_seen=last, count=count, **values)
    db.session.add(gap)
    db.session.flush()
    return gap.id


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    # Raw questions kept: the exports and the page must mask them anyway.
    app = make_app(tmp_path_factory.mktemp("analytics") / "var", keep_raw_questions=True)
    with app.app_context():
        site = create_site("shop", ["https://shop.example"])
        users: dict[str, User] = {role: create_user(f"{role}@example.com", "correct horse", role) for role in ROLES}
        tokens = {role: create_api_token(user) for role, user in users.items()}
        shop = {"site_id": site.id, "session_id": "visitor-aaaaaaaaaaaaaaaa"}
        for doc_id, title in (("doc-a", "Resetting your password"), ("doc-b", "Refunds and returns")):
            db.session.add(Document(id=doc_id, source_root="kb", title=title, audience="public", content_hash="x"))

        # c0 started before the range; its message m9 is inside it.
        c0 = _conversation("c0", at(30, 23, 50, month=4), **shop)
        _message(c0, "Where is my parcel?", at(1, 0, 5), citations=_cite(("doc-c", "Parcel tracking (old title)")))
        # c1: m1 cites two chunks of doc-a (one citation of the document); its user changed their mind 👎 -> 👍.
        c1 = _conversation("c1", at(1, 9), **shop)
        m1 = _message(c1, RESET, at(1, 9), citations=_cite(("doc-a", "Reset password (v1)"), ("doc-a", "Reset")))
        _feedback(m1, False, at(1, 9, 1))
        _feedback(m1, True, at(1, 9, 2))
        m2 = _message(c1, "how do I reset my password", at(1, 9, 5), is_gap=True, reason="no_match")
        _feedback(m2, False, at(1, 9, 6), ["unclear"], "Call me on +49 30 1234567")
        # c2: m3 has an e-mail address and a formula comment; m4 failed; a hand-off.
        c2 = _conversation("c2", at(2, 10), **shop)
        m3 = _message(c2, EMAIL_QUESTION, at(2, 10), citations=_cite(("doc-b", "Refunds")))
        _feedback(m3, False, at(2, 10, 1), ["wrong", "outdated"], FORMULA_COMMENT)
        _message(c2, "Are you there?", at(2, 10, 5), status="failed", answer=None, error_code="answerer_unavailable")
        db.session.add(Handoff(conversation_id="c2", email="jane.doe@example.com", created_at=at(2, 10, 6)))
        # c3 starts in the last second of the range (the last second of the `to` day).
        c3 = _conversation("c3", at(7, 23, 59, 59), **shop)
        m5 = _message(c3, RESET, at(7, 23, 59, 59), citations=_cite(("doc-a", "Reset"), ("doc-b", "Refunds")))
        _feedback(m5, True, at(7, 23, 59, 59))
        _message(c3, "What are your opening hours?", at(7, 23, 59, 59), citations=_cite(("doc-a", "Reset")))
        # c4: an employee's internal conversation, abstained, rated 👍, handed off.
        c4 = _conversation("c4", at(3, 8), audience="internal", user_id=users["employee"].id)
        m7 = _message(c4, SCRIPT_QUESTION, at(3, 8), is_gap=True, reason="no_match")
        _feedback(m7, True, at(3, 8, 1))
        db.session.add(Handoff(conversation_id="c4", created_at=at(3, 8, 2)))
        # c5 starts at midnight of the day after `to`: outside.
        c5 = _conversation("c5", at(8), **shop)
        m8 = _message(c5, RESET, at(8), citations=_cite(("doc-a", "Reset")))
        _feedback(m8, True, at(8, 0, 1))
        db.session.add(Handoff(conversation_id="c5", created_at=at(8, 0, 2)))

        editor_id = users["editor"].id
        gaps = {
            # verified in the range: 30 h, 10 h (public) and 86 h (internal)
            "g1": _gap(
                "Reset link expired",
                "verified",
                at(1),
                at(1, 12),
                verified_at=at(2, 6),
                resolution={"faq_id": "editor/faq#g1"},
            ),
            "g2": _gap(
                "Refund time", "verified", at(3), at(3), verified_at=at(3, 10), resolution={"article_id": "doc-b"}
            ),
            "g3": _gap("VPN setup", "verified", at(4), at(4), audience="internal", verified_at=at(7, 14)),
            # verified at midnight of the day after `to`: outside
            "g4": _gap("Gift cards", "verified", at(5), at(5), verified_at=at(8)),
            "g5": _gap("Export my data to bob@example.com", "open", at(2), at(7, 12), 10, community="billing"),
            "g6": _gap("Change plan", "assigned", at(1), at(6), 3, assignee_id=editor_id),
            "g7": _gap("@admin why was my account closed?", "dismissed", at(1), at(7), 50),
            "g8": _gap("Printer on floor 3", "open", at(3), at(5), 4, audience="internal"),
            # no questions in the range: before it, and from the day after `to` on
            "g9": _gap("Old question", "open", at(1, month=4), at(20, month=4), 100),
            "g10": _gap("Tomorrow's question", "open", at(8), at(8), 7),
        }
        db.session.commit()
        return History(app, site.key, tokens, {role: user.id for role, user in users.items()}, gaps)


def report(history: History, period: DateRange = RANGE, audience: Any = "all"):  # type: ignore[no-untyped-def]
    with history.app.app_context():
        return analytics_report(period, audience)


# -- the figures -------------------------------------------------------------------------------------------------
def test_totals_for_all_audiences(history: History) -> None:
    totals = report(history).totals
    assert totals.conversations == 4  # c1 c2 c3 c4 (c0 started before, c5 the day after `to`)
    assert totals.handoffs == 2  # c2 c4 (c5's is outside)
    assert totals.handoff_rate == 0.5 and totals.deflection_rate == 0.5
    assert totals.questions == 7  # m9 m1 m2 m3 m5 m6 m7 (m4 failed, m8 outside)
    assert (totals.answered, totals.abstained) == (5, 2)  # abstained: m2 m7
    assert totals.answer_rate == round(5 / 7, 4) and totals.abstain_rate == round(2 / 7, 4)
    # rated: m1 (latest 👍 after a 👎), m2 👎, m3 👎, m5 👍, m7 👍
    assert (totals.rated, totals.helpful, totals.not_helpful) == (5, 3, 2)
    assert totals.helpful_rate == 0.6


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        # conversations, handoffs, questions, abstained, helpful, not helpful
        ("public", (3, 1, 6, 1, 2, 2)),  # c1 c2 c3; c2; m9 m1 m2 m3 m5 m6; m2; m1 m5; m2 m3
        ("internal", (1, 1, 1, 1, 1, 0)),  # c4; c4; m7; m7; m7
    ],
)
def test_audience_filter(history: History, audience: str, expected: tuple[int, ...]) -> None:
    totals = report(history, audience=audience).totals
    got = (totals.conversations, totals.handoffs, totals.questions, totals.abstained, totals.helpful)
    assert (*got, totals.not_helpful) == expected
    conversations, handoffs, questions, abstained, helpful, not_helpful = expected
    assert totals.handoff_rate == round(handoffs / conversations, 4)
    assert totals.deflection_rate == round((conversations - handoffs) / conversations, 4)
    assert totals.answer_rate == round((questions - abstained) / questions, 4)
    assert totals.helpful_rate == round(helpful / (helpful + not_helpful), 4)


def test_the_to_day_counts_and_the_next_day_does_not(history: History) -> None:
    client, headers = history.client(), bearer(history.tokens["viewer"])
    last = client.get("/api/v1/analytics?from=2024-05-07&to=2024-05-07", headers=headers).get_json()
    # from = to is that one day: c3 with m5 (👍) and m6 at 23:59:59; not c5, which starts at 05-08 00:00
    assert (last["from"], last["to"], len(last["daily"])) == ("2024-05-07", "2024-05-07", 1)
    assert (last["conversations"], last["handoffs"], last["questions"], last["helpful"]) == (1, 0, 2, 1)
    page = history.session_client("viewer").get("/editor/analytics?from=2024-05-07&to=2024-05-07")
    assert "From 2024-05-07 to 2024-05-07 (UTC, 1 day, both included)" in page.get_data(as_text=True)
    after = client.get("/api/v1/analytics?from=2024-05-08&to=2024-05-08", headers=headers).get_json()
    # the next day alone: only c5 with m8 (👍) and its hand-off
    assert (after["conversations"], after["handoffs"], after["questions"], after["helpful"]) == (1, 1, 1, 1)
    # the week's range ends with 05-07: everything of that day is in it, nothing of 05-08
    week = client.get(f"/api/v1/analytics?{QUERY}", headers=headers).get_json()
    assert week["daily"][-1]["date"] == "2024-05-07" and week["daily"][-1]["questions"] == 2
    assert week["conversations"] == 4 and week["handoffs"] == 2  # c1 c2 c3 c4; c2 c4 (not c5)


def test_the_from_day_counts_and_the_day_before_does_not(history: History) -> None:
    before = report(history, parse_range("2024-04-30", "2024-04-30")).totals
    assert before.conversations == 1 and before.questions == 0  # c0; its m9 belongs to 05-01
    assert before.answer_rate is None and before.helpful_rate is None  # nothing to divide by: no rate, not 0
    first = report(history, parse_range("2024-05-01", "2024-05-01")).totals
    assert (first.conversations, first.questions) == (1, 3)  # c1 (not c0); m9 at 00:05, m1, m2


def test_empty_range_has_no_rates(history: History) -> None:
    empty = report(history, parse_range("2020-01-01", "2020-01-02"))
    totals = empty.totals
    rates = (totals.answer_rate, totals.abstain_rate, totals.helpful_rate, totals.handoff_rate, totals.deflection_rate)
    assert rates == (None,) * 5
    assert len(empty.daily) == 2 and empty.top_questions == [] and empty.content == [] and empty.top_gaps == []
    assert (empty.closure.verified, empty.closure.median_hours, empty.closure.mean_hours) == (0, None, None)


def test_daily_series_has_every_day(history: History) -> None:
    daily = {day.day: day for day in report(history).daily}
    assert list(daily) == [START + timedelta(days=i) for i in range(7)]  # 05-01 to 05-07, both included
    figures = {
        d: (x.conversations, x.handoffs, x.questions, x.answered, x.abstained, x.helpful, x.not_helpful)
        for d, x in daily.items()
    }
    assert figures[date(2024, 5, 1)] == (1, 0, 3, 2, 1, 1, 1)  # c1; m9 m1 m2; m2 abstained; m1 👍; m2 👎
    assert figures[date(2024, 5, 2)] == (1, 1, 1, 1, 0, 0, 1)  # c2 handed off; m3 👎 (m4 failed)
    assert figures[date(2024, 5, 3)] == (1, 1, 1, 0, 1, 1, 0)  # c4; m7 abstained, 👍
    for quiet in (4, 5, 6):
        assert figures[date(2024, 5, quiet)] == (0,) * 7
    assert figures[date(2024, 5, 7)] == (1, 0, 2, 2, 0, 1, 0)  # c3; m5 m6; m5 👍


def test_top_questions_group_masked_normalised_text(history: History) -> None:
    top = report(history).top_questions
    # m1 and m5 ("How do I reset my password?") and m2 (lower case, no question mark); m2 abstained
    assert (top[0].question, top[0].count, top[0].abstained) == (RESET, 3, 1)
    rest = {(row.question, row.count) for row in top[1:]}
    masked_email = "Contact me at [email] about refunds"
    assert rest == {
        (q, 1) for q in ("Where is my parcel?", masked_email, "What are your opening hours?", SCRIPT_QUESTION)
    }
    assert report(history, audience="internal").top_questions[0].question == SCRIPT_QUESTION


def test_normalise_question() -> None:
    assert normalise_question("  How do I  reset my PASSWORD?? ") == "how do i reset my password"
    assert normalise_question("如何重置密码？") == normalise_question("如何重置密码") == "如何重置密码"
    assert normalise_question("ＶＰＮ setup!") == "vpn setup"  # full-width letters (NFKC)
    assert normalise_question("Write to [email]?") == "write to [email]"  # the mask keeps its brackets
    assert normalise_question("...and then?!") == "and then"


def test_top_open_gaps_ranked_as_of_the_end_of_the_range(history: History) -> None:
    top = report(history).top_gaps
    ids = history.gaps
    # open/assigned with questions in the range: g5 (10, last 05-07 12:00), g8 (4, 05-05), g6 (3, 05-06);
    # g7 is dismissed, g9 last seen before the range, g10 first seen the day after `to`.
    expected = {
        ids["g5"]: 10 * 0.5 ** (0.5 / RANK_HALF_LIFE_DAYS),
        ids["g8"]: 4 * 0.5 ** (3 / RANK_HALF_LIFE_DAYS),
        ids["g6"]: 3 * 0.5 ** (2 / RANK_HALF_LIFE_DAYS),
    }
    assert [row.gap.id for row in top] == [ids["g5"], ids["g8"], ids["g6"]]
    for row in top:
        assert math.isclose(row.rank, expected[row.gap.id], rel_tol=1e-9)
    assert top[0].title == "Export my data to [email]"
    assert [row.gap.id for row in report(history, audience="public").top_gaps] == [ids["g5"], ids["g6"]]


@pytest.mark.parametrize(
    ("audience", "hours"),
    [("all", [30, 10, 86]), ("public", [30, 10]), ("internal", [86])],  # g1 g2 g3 (g4 verified the day after)
)
def test_time_to_verified_closure(history: History, audience: str, hours: list[float]) -> None:
    closure = report(history, audience=audience).closure
    ordered = sorted(hours)
    median = ordered[len(ordered) // 2] if len(ordered) % 2 else (ordered[0] + ordered[1]) / 2
    assert closure.verified == len(hours)
    assert closure.median_hours == median and closure.mean_hours == round(sum(hours) / len(hours), 2)


def test_content_performance(history: History) -> None:
    rows = {row.document_id: row for row in report(history).content}
    assert [row.document_id for row in report(history).content] == ["doc-a", "doc-b", "doc-c"]
    # doc-a: m1 (twice in one answer: once), m5, m6; 👍 m1 (latest click), m5
    assert (rows["doc-a"].cited, rows["doc-a"].helpful, rows["doc-a"].not_helpful) == (3, 2, 0)
    assert rows["doc-a"].title == "Resetting your password"  # the document's current title, not the citation's
    # doc-b: m3 👎, m5 👍
    assert (rows["doc-b"].cited, rows["doc-b"].helpful, rows["doc-b"].not_helpful) == (2, 1, 1)
    assert rows["doc-b"].helpful_rate == 0.5
    # doc-c: m9, unrated, no longer in the documents table: the title its citation had
    assert (rows["doc-c"].cited, rows["doc-c"].helpful, rows["doc-c"].title) == (1, 0, "Parcel tracking (old title)")
    assert rows["doc-c"].helpful_rate is None


# -- parameters --------------------------------------------------------------------------------------------------
def test_parse_range() -> None:
    today = date(2024, 5, 31)
    default = parse_range(None, None, today)
    assert default == DateRange(date(2024, 5, 2), date(2024, 6, 1))  # 30 days, today included
    assert (default.last_day, len(default.days)) == (today, 30)
    assert parse_range("2024-05-01", None, today) == DateRange(date(2024, 5, 1), date(2024, 6, 1))
    # a missing `from`: the 30 days that end with `to`, `to` included
    up_to = parse_range(None, "2024-05-08", today)
    assert (up_to.start, up_to.last_day, len(up_to.days)) == (date(2024, 4, 9), date(2024, 5, 8), 30)
    assert parse_range("2024-05-01", "2024-05-01", today).days == [date(2024, 5, 1)]  # from = to: one day
    november = parse_range("2026-11-01", "2026-11-30", today)
    assert (november.days[0], november.days[-1], len(november.days)) == (date(2026, 11, 1), date(2026, 11, 30), 30)
    # the limit counts days, both ends included
    longest = date(2022, 1, 1) + timedelta(days=MAX_RANGE_DAYS - 1)
    assert len(parse_range("2022-01-01", longest.isoformat(), today).days) == MAX_RANGE_DAYS
    for start, end in [
        ("2022-01-01", (longest + timedelta(days=1)).isoformat()),
        ("2024-05-09", "2024-05-08"),
        ("2024-05-02", "2024-05-01"),
        (None, "9999-12-31"),
        ("2024-02-30", None),
        ("2024-W01-1", None),
        ("20240501", None),
        ("05/01/2024", None),
        ("2020-01-01", "2024-01-01"),
        (None, "0001-01-05"),
    ]:
        with pytest.raises(RangeError):
            parse_range(start, end, today)
    assert parse_audience(None) == "all" and parse_audience("internal") == "internal"
    with pytest.raises(RangeError):
        parse_audience("everyone")


# -- the API -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_api_figures(history: History, role: str) -> None:
    response = history.client().get(f"/api/v1/analytics?{QUERY}", headers=bearer(history.tokens[role]))
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ANALYTICS_SCHEMAS["Analytics"]["required"]  # documented fields, documented order
    assert all(set(day) == set(ANALYTICS_SCHEMAS["AnalyticsDay"]["required"]) for day in body["daily"])
    assert (body["from"], body["to"], body["audience"]) == ("2024-05-01", "2024-05-07", "all")  # as asked
    assert (body["conversations"], body["handoffs"], body["questions"], body["abstained"]) == (4, 2, 7, 2)
    assert (body["rated"], body["helpful"], body["not_helpful"]) == (5, 3, 2)
    assert body["answer_rate"] == round(5 / 7, 4) and body["helpful_rate"] == 0.6
    assert body["closure"] == {"verified": 3, "median_hours": 30, "mean_hours": 42}
    assert body["top_questions"][0] == {"question": RESET, "count": 3, "abstained": 1}
    assert body["top_open_gaps"][0]["id"] == history.gaps["g5"]
    assert body["top_open_gaps"][0]["title"] == "Export my data to [email]"
    assert body["content"][0] == {
        "id": "doc-a",
        "title": "Resetting your password",
        "cited": 3,
        "helpful": 2,
        "not_helpful": 0,
        "helpful_rate": 1.0,
        "deleted": False,
    }
    assert len(body["daily"]) == 7
    rates = [body[k] for k in ("answer_rate", "abstain_rate", "helpful_rate", "handoff_rate", "deflection_rate")]
    rates += [day[k] for day in body["daily"] for k in ("answer_rate", "abstain_rate", "helpful_rate")]
    assert all(rate is None or 0 <= rate <= 1 for rate in rates) and None in rates  # quiet days have no rate


def test_api_audience_and_default_range(history: History) -> None:
    client, headers = history.client(), bearer(history.tokens["viewer"])
    internal = client.get(f"/api/v1/analytics?{QUERY}&audience=internal", headers=headers).get_json()
    assert (internal["conversations"], internal["handoff_rate"], internal["answer_rate"]) == (1, 1.0, 0.0)
    default = client.get("/api/v1/analytics", headers=headers).get_json()
    today = today_utc()
    assert default["from"] == (today - timedelta(days=29)).isoformat()
    assert default["to"] == today.isoformat()
    assert len(default["daily"]) == 30 and default["conversations"] == 0  # the history is in 2024


def test_api_roles_and_errors(history: History) -> None:
    client = history.client()
    assert_error(client.get(f"/api/v1/analytics?{QUERY}", headers=bearer(history.tokens["employee"])), 403, "forbidden")
    widget = {"X-Site-Key": history.site_key, "X-Session-Id": "visitor-aaaaaaaaaaaaaaaa"}
    assert_error(client.get(f"/api/v1/analytics?{QUERY}", headers=widget), 401, "unauthorized")
    # No credentials at all: told to send a token or log in, not asked for a site key.
    assert_error(client.get(f"/api/v1/analytics?{QUERY}"), 401, "unauthorized")
    assert_error(client.get(f"/api/v1/analytics?{QUERY}", headers=bearer("not-a-token")), 401, "invalid_token")
    viewer = bearer(history.tokens["viewer"])
    bad_queries = {
        "from=2024-13-01": "bad_request",
        "from=May": "bad_request",
        "to=2024-05-01T00:00": "bad_request",
        "from=2024-05-08&to=2024-05-07": "bad_range",  # dates, but not a range
        "audience=x": "bad_request",
    }
    for query, code in bad_queries.items():
        body = assert_error(client.get(f"/api/v1/analytics?{query}", headers=viewer), 400, code)
        assert (
            "from" in body["error"]["message"]
            or "to" in body["error"]["message"]
            or "audience" in body["error"]["message"]
        )


def test_openapi_describes_the_analytics_route(history: History) -> None:
    rules = {rule.rule for rule in history.app.url_map.iter_rules() if rule.endpoint == "analytics_api.report"}
    assert rules == set(ANALYTICS_PATHS)
    assert set(ANALYTICS_PATHS["/api/v1/analytics"]) == {"get"}


# -- the page ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
def test_page_renders_figures_charts_and_links(history: History, role: str) -> None:
    response = history.session_client(role).get(f"/editor/analytics?{QUERY}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # each of the 4 charts twice: the wide drawing and the compact one for a narrow card (a phone)
    assert html.count("<svg") == 8 and html.count("Questions per day</title>") == 2
    assert '<svg class="chart wide"' in html and '<svg class="chart compact"' in html
    assert '<title id="chart-questions-wide-title">' in html and '<title id="chart-questions-compact-title">' in html
    assert "<rect" in html and "<polyline" in html and "Daily figures" in html  # bars, lines, table fallback
    assert "2024-05-01: 2 answered" in html  # a bar's tooltip: m9 and m1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "Contact me at [email] about refunds" in html and "jane.doe@example.com" not in html
    assert "bob@example.com" not in html
    assert f'href="/editor/gaps/{history.gaps["g5"]}"' in html
    assert 'href="/editor/articles/doc-a"' in html and "Resetting your password" in html
    for kind in ("feedback", "gaps", "conversations"):
        assert f'href="/editor/exports/{kind}.csv?from=2024-05-01&amp;to=2024-05-07&amp;audience=all"' in html
    # the range as asked: `to` is the last day shown, in the text and in the form
    assert "From 2024-05-01 to 2024-05-07 (UTC, 7 days, both included)" in html
    assert 'name="to" value="2024-05-07"' in html and "not included" not in html
    assert "60.0 %" in html  # helpful rate
    assert "30.0 h" in html  # median time to a verified fix


def test_page_access_and_bad_range(history: History) -> None:
    assert history.session_client("employee").get("/editor/analytics").status_code == 403
    anonymous = history.client().get("/editor/analytics")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    bad = history.session_client("viewer").get("/editor/analytics?from=2024-05-09&to=2024-05-08")
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "must not be after" in html and 'value="2024-05-09"' in html and "<svg" not in html


# -- charts ------------------------------------------------------------------------------------------------------
def test_chart_geometry() -> None:
    assert [nice_ceiling(v) for v in (0, 1, 3, 7, 10, 11, 150)] == [1, 1, 5, 10, 10, 20, 200]
    from web.editor.charts import WIDE, Series

    chart = stacked_bars(
        "c", "t", "d", ["2024-05-01", "2024-05-02"], [Series("a", "a", [2, 0]), Series("b", "b", [3, 1])]
    )
    # scale 0..5: the first day is full height, split 2:3; the second day's only bar is a fifth
    first = [r for r in chart.rects if r.tooltip.startswith("2024-05-01")]
    assert [r.height for r in first] == [round(WIDE.plot_height * 2 / 5, 1), round(WIDE.plot_height * 3 / 5, 1)]
    assert [r.tooltip for r in chart.rects] == ["2024-05-01: 2 a", "2024-05-01: 3 b", "2024-05-02: 1 b"]
    assert [t.label for t in chart.y_ticks] == ["0", "2.5", "5"]
    lines = rate_lines("r", "t", "d", ["2024-05-01", "2024-05-02", "2024-05-03"], [Series("x", "x", [0.5, None, 1.0])])
    assert len(lines.lines[0].segments) == 2 and len(lines.lines[0].dots) == 2  # no data breaks the line


def test_each_chart_has_a_compact_drawing_for_a_narrow_card() -> None:
    """A phone's card is ~340 px: the wide drawing shrunk into it has ~7 px labels, so there is a compact one."""
    from web.analytics.report import Day
    from web.editor.charts import COMPACT, WIDE, daily_charts

    days = [Day(START + timedelta(days=i), questions=i, answered=i) for i in range(30)]
    charts = daily_charts(days)
    assert [[chart.frame for chart in drawings] for drawings in charts] == [[WIDE, COMPACT]] * 4
    wide, compact = charts[0]
    assert compact.frame.width <= 400 < wide.frame.width and compact.frame.height > wide.frame.height
    assert len(wide.x_ticks) == 8 and len(compact.x_ticks) == 4  # fewer dates, so that they do not overlap
    for drawing in (wide, compact):
        frame = drawing.frame
        assert all(frame.left <= tick.position <= frame.width - frame.right for tick in drawing.x_ticks)
        assert all(frame.left <= rect.x and rect.x + rect.width <= frame.width - frame.right for rect in drawing.rects)
        assert [tick.label for tick in drawing.y_ticks] == ["0", "25", "50"]  # up to 29 a day


# -- CSV exports -------------------------------------------------------------------------------------------------
def export(history: History, kind: str, query: str = QUERY, role: str = "viewer") -> list[dict[str, str]]:
    response = history.session_client(role).get(f"/editor/exports/{kind}.csv?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{kind}_2024-05-01_2024-05-07.csv"'
    reader = csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    rows = list(reader)
    assert tuple(reader.fieldnames or ()) == {"feedback": FEEDBACK_COLUMNS, "gaps": GAP_COLUMNS}.get(
        kind, CONVERSATION_COLUMNS
    )
    return rows


def test_feedback_export(history: History) -> None:
    rows = export(history, "feedback")
    # every click in the range: m1 twice, m2, m3, m7, m5 at 05-07 23:59:59 (not m8's, on the day after `to`)
    assert len(rows) == 6
    m1_clicks = [row for row in rows if row["question"] == RESET and row["conversation_id"] == "c1"]
    assert [(r["helpful"], r["latest"]) for r in m1_clicks] == [("no", "no"), ("yes", "yes")]
    refund = next(row for row in rows if row["conversation_id"] == "c2")
    assert refund["question"] == "Contact me at [email] about refunds"
    assert refund["comment"] == "'" + FORMULA_COMMENT  # shown as text by spreadsheets, never run
    assert (refund["reasons"], refund["cited_document_ids"], refund["helpful"]) == ("wrong; outdated", "doc-b", "no")
    assert refund["time"] == "2024-05-02T10:01:00Z" and refund["answer"] == "An answer."
    unclear = next(row for row in rows if row["reasons"] == "unclear")
    assert unclear["comment"] == "Call me on [phone]"
    both = next(row for row in rows if row["conversation_id"] == "c3")
    assert both["cited_document_ids"] == "doc-a; doc-b"
    assert [row["audience"] for row in export(history, "feedback", QUERY + "&audience=internal")] == ["internal"]


def test_gaps_export(history: History) -> None:
    rows = {int(row["id"]): row for row in export(history, "gaps")}
    ids = history.gaps
    # questions in the range: all but g9 (before) and g10 (from the day after `to` on)
    assert set(rows) == {ids[name] for name in ("g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8")}
    assert rows[ids["g5"]]["title"] == "Export my data to [email]"
    assert (rows[ids["g5"]]["community"], rows[ids["g5"]]["count"], rows[ids["g5"]]["status"]) == (
        "billing",
        "10",
        "open",
    )
    assert rows[ids["g6"]]["assignee"] == "editor@example.com"
    assert rows[ids["g7"]]["title"] == "'@admin why was my account closed?"
    g1 = rows[ids["g1"]]
    assert (g1["verified_at"], g1["first_seen"], g1["resolution_document_id"]) == (
        "2024-05-02T06:00:00Z",
        "2024-05-01T00:00:00Z",
        "editor/faq#g1",
    )
    assert rows[ids["g2"]]["resolution_document_id"] == "doc-b" and rows[ids["g5"]]["verified_at"] == ""


def test_conversations_export(history: History) -> None:
    rows = {row["id"]: row for row in export(history, "conversations")}
    assert list(rows) == ["c1", "c2", "c4", "c3"]  # started in the range, oldest first
    c1, c2, c3, c4 = rows["c1"], rows["c2"], rows["c3"], rows["c4"]
    assert (c1["site"], c1["started"], c1["turns"], c1["answered"], c1["abstained"], c1["handoff"]) == (
        "shop",
        "2024-05-01T09:00:00Z",
        "2",
        "1",
        "1",
        "no",
    )
    assert c1["first_question"] == RESET
    assert (c2["turns"], c2["answered"], c2["abstained"], c2["handoff"]) == ("2", "1", "0", "yes")  # m4 failed
    assert c2["first_question"] == "Contact me at [email] about refunds"
    assert (c3["turns"], c3["answered"]) == ("2", "2")
    assert (c4["audience"], c4["site"], c4["handoff"], c4["first_question"]) == (
        "internal",
        "employee",
        "yes",
        SCRIPT_QUESTION,
    )


def test_exports_access_and_bad_range(history: History) -> None:
    assert history.session_client("employee").get(f"/editor/exports/gaps.csv?{QUERY}").status_code == 403
    assert history.client().get(f"/editor/exports/gaps.csv?{QUERY}").status_code == 302  # to the login page
    assert history.session_client("viewer").get("/editor/exports/gaps.csv?from=nope").status_code == 400
    assert history.session_client("viewer").get("/editor/exports/users.csv").status_code == 404


@pytest.mark.parametrize(
    "cell",
    [
        *("=1+1", "+49 123", "-2", "@SUM(A1)", "\tx", "\rx", "|calc", "\n=1"),
        # look-alikes: full-width, small forms, superscripts, the minus sign
        *("＝1", "＋1", "－1", "＠SUM(A1)", "｜calc", "\ufe66cmd|' /C calc'!A0", "﹢1", "﹣1", "﹫x", "⁼1", "−1"),
        # after leading zero-width, BOM, direction marks, whitespace or controls
        *("\u200b=1", "\ufeff+1", "\u200d\u200c@x", "\u202e=1", " =1", "\xa0\u3000-1", "\x00=1", "\x1b|x"),
    ],
)
def test_formula_cells_are_quoted(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["a=b", "refund?", "", 5, None, "a|b", "\u200b", " refund", "\u200bok", "[email]"])
def test_other_cells_are_kept(cell: object) -> None:
    assert safe_cell(cell) == cell
