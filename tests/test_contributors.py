"""The contributors' board: counts, ranking and communities computed from rows written straight into SQLite, the
date range, badges, the page, and role checks on the page and GET /api/v1/contributors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.sessions import log_in
from tests.test_api import assert_error, bearer, make_app
from web.access.accounts import create_api_token, create_site, create_user
from web.analytics.contributors import BADGES, WEIGHTS
from web.db.models import Conversation, Document, DocumentVersion, Feedback, Gap, GapEvent, Message, db

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"
VIEWER, EMPLOYEE = "vera@example.com", "emp@example.com"
ROLES = {ALICE: "editor", BOB: "editor", CAROL: "admin", VIEWER: "viewer", EMPLOYEE: "employee"}
ROLE_USERS = {"editor": ALICE, "admin": CAROL, "viewer": VIEWER, "employee": EMPLOYEE}

REFUNDS, PASSWORD, FAQ, NOTES, OPS = (
    "billing/refunds.md",
    "account/password.md",
    "editor/faq#gap-1",
    "misc/notes.md",
    "ops/runbook.md",
)
EVIL_COMMUNITY = "<b>ops</b>"
DOCS: dict[str, str | None] = {
    REFUNDS: "billing",
    PASSWORD: "account",
    FAQ: "billing",
    NOTES: None,
    OPS: EVIL_COMMUNITY,
}


def day(n: int) -> date:
    return date(2024, 3, 1) + timedelta(days=n - 1)


def at(n: int) -> datetime:
    # Noon: a range ending on day n must include it (the end date is inclusive).
    return datetime.combine(day(n), datetime.min.time()) + timedelta(hours=12)


# (document, version, author, day)
VERSIONS: list[tuple[str, int, str | None, int]] = [
    (REFUNDS, 1, None, 1),  # folder sync: nobody's
    (REFUNDS, 2, ALICE, 2),
    (REFUNDS, 3, BOB, 5),
    (PASSWORD, 1, BOB, 2),
    (PASSWORD, 2, BOB, 6),
    (FAQ, 1, ALICE, 3),
    (NOTES, 1, CAROL, 6),
    (OPS, 1, None, 1),
]
GAPS: dict[str, str | None] = {"g1": "billing", "g2": "account", "g3": "billing", "g4": None, "g5": "account"}
# (gap, user, action, verified, day)
EVENTS: list[tuple[str, str, str, bool | None, int]] = [
    ("g1", ALICE, "resolve", True, 3),
    ("g2", BOB, "resolve", False, 2),  # did not verify: no credit
    ("g2", BOB, "resolve", True, 6),
    ("g3", ALICE, "resolve", True, 20),
    ("g5", CAROL, "assign", None, 4),  # not a fix
    ("g4", CAROL, "resolve", True, 6),
]
# message -> (citations [(document, version)], feedback [(helpful, day)] oldest first)
MESSAGES: dict[str, tuple[list[tuple[str, int]], list[tuple[bool, int]]]] = {
    "m1": ([(REFUNDS, 3)], [(True, 7)]),  # alice (v2) and bob (v3)
    "m2": ([(REFUNDS, 2)], [(True, 4)]),  # alice only: bob's v3 came later
    "m3": ([(PASSWORD, 2)], [(True, 7), (False, 8)]),  # changed to 👎: nobody
    "m4": ([(PASSWORD, 1)], [(False, 7), (True, 8)]),  # changed to 👍: bob
    "m5": ([(REFUNDS, 3), (FAQ, 1)], [(True, 9)]),  # alice once, bob once
    "m6": ([(NOTES, 1)], []),  # not rated
    "m7": ([], [(True, 7)]),  # cites nothing
    "m8": ([(NOTES, 1)], [(True, 25)]),  # carol, no community
}


# -- the expected board, computed from the rows above -------------------------------------------------------------
def expected_board(first: int | None, last: int | None, community: str | None) -> list[tuple[str, dict[str, int]]]:
    def in_range(n: int) -> bool:
        return (first is None or n >= first) and (last is None or n <= last)

    def wanted(item_community: str | None) -> bool:
        return community is None or item_community == community

    gaps: dict[str, set[str]] = {}
    documents: dict[str, set[str]] = {}
    versions: dict[str, set[tuple[str, int]]] = {}
    thumbs: dict[str, set[str]] = {}
    for gap, user, action, verified, n in EVENTS:
        if action == "resolve" and verified and in_range(n) and wanted(GAPS[gap]):
            gaps.setdefault(user, set()).add(gap)
    for doc, version, author, n in VERSIONS:
        if author and in_range(n) and wanted(DOCS[doc]):
            documents.setdefault(author, set()).add(doc)
            versions.setdefault(author, set()).add((doc, version))
    for key, (citations, feedback) in MESSAGES.items():
        if not feedback or not feedback[-1][0] or not in_range(feedback[-1][1]):
            continue
        for doc, cited in citations:
            for other, version, author, _ in VERSIONS:
                if author and other == doc and version <= cited and wanted(DOCS[doc]):
                    thumbs.setdefault(author, set()).add(key)
    people = set(gaps) | set(documents) | set(thumbs)
    rows = []
    for email in people:
        counts = {
            "verified_gaps": len(gaps.get(email, ())),
            "documents": len(documents.get(email, ())),
            "versions": len(versions.get(email, ())),
            "thumbs_up": len(thumbs.get(email, ())),
        }
        counts["score"] = sum(WEIGHTS[k] * v for k, v in counts.items())
        rows.append((email, counts))
    rows.sort(key=lambda r: (-r[1]["score"], -r[1]["verified_gaps"], r[0]))
    return rows


# -- fixtures ----------------------------------------------------------------------------------------------------
@dataclass
class Board:
    app: Flask
    tokens: dict[str, str]  # role -> token
    user_ids: dict[str, int]  # email -> id
    site_key: str

    def client(self) -> FlaskClient:
        return self.app.test_client()


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Board:
    app = make_app(tmp_path_factory.mktemp("contributors") / "var")
    with app.app_context():
        users = {email: create_user(email, "correct horse", role) for email, role in ROLES.items()}
        tokens = {role: create_api_token(users[email]) for role, email in ROLE_USERS.items()}
        site_key = create_site("shop", ["https://shop.example"]).key
        user_ids = {email: user.id for email, user in users.items()}
        _write_rows(user_ids)
    # Not yielded inside the app context: requests would share its `g` (and so the previous caller).
    return Board(app, tokens, user_ids, site_key)


def _write_rows(user_ids: dict[str, int]) -> None:
    session = db.session
    for doc_id, community in DOCS.items():
        latest = max(v for d, v, _, _ in VERSIONS if d == doc_id)
        session.add(
            Document(
                id=doc_id,
                source_root="kb",
                title=doc_id,
                audience="public",
                community=community,
                owner="Support team",  # not an account: the board credits authors, not owners
                current_version=latest,
                content_hash="x",
            )
        )
    session.flush()
    for doc_id, version, author, n in VERSIONS:
        session.add(
            DocumentVersion(
                document_id=doc_id,
                version=version,
                content_hash=f"{doc_id}-{version}",
                title=doc_id,
                text="text",
                author=author,
                created_at=at(n),
            )
        )
    gap_ids = {}
    for key, community in GAPS.items():
        gap = Gap(title=f"question {key}", status="open", audience="public", community=community, count=1)
        session.add(gap)
        session.flush()
        gap_ids[key] = gap.id
    for key, user, action, verified, n in EVENTS:
        detail: dict[str, Any] = {"faq_id": "x", "verification": {"replayed": 1, "verified": verified}}
        session.add(
            GapEvent(
                gap_id=gap_ids[key],
                user_id=user_ids[user],
                action=action,
                detail=detail if verified is not None else {},
                created_at=at(n),
            )
        )
    conversation = Conversation(audience="public")
    session.add(conversation)
    for key, (citations, feedback) in MESSAGES.items():
        message = Message(
            conversation=conversation,
            question=f"question {key}",
            answer="answer",
            citations=[{"n": i + 1, "id": d, "title": d, "version": v} for i, (d, v) in enumerate(citations)],
            audience="public",
            created_at=at(1),
        )
        session.add(message)
        for helpful, n in feedback:
            session.add(Feedback(message=message, helpful=helpful, created_at=at(n)))
    session.commit()


def logged_in(board: Board, email: str) -> FlaskClient:
    client = board.client()
    log_in(client, board.user_ids[email])
    return client


def api_board(board: Board, query: str = "") -> dict[str, Any]:
    response = board.client().get(f"/api/v1/contributors{query}", headers=bearer(board.tokens["viewer"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def as_rows(body: dict[str, Any]) -> list[tuple[str, dict[str, int]]]:
    keys = ("score", "verified_gaps", "documents", "versions", "thumbs_up")
    return [(c["email"], {k: c[k] for k in keys}) for c in body["contributors"]]


# -- counts and ranking ------------------------------------------------------------------------------------------
def test_overall_board_ranks_people_by_score(board: Board) -> None:
    body = api_board(board)
    assert as_rows(body) == expected_board(None, None, None)
    assert [c["rank"] for c in body["contributors"]] == list(range(1, len(body["contributors"]) + 1))
    assert body["weights"] == WEIGHTS and body["from"] is None and body["community"] is None
    by_email = {c["email"]: c for c in body["contributors"]}
    # The rules that the reference above encodes, spelled out on the rows:
    assert by_email[BOB]["verified_gaps"] == 1  # g2 verified once; the failed attempt earns nothing
    assert by_email[ALICE]["thumbs_up"] == 3  # m1, m2, m5 (m5 cites two of her documents: counted once)
    assert by_email[BOB]["thumbs_up"] == 3  # m1, m4, m5; not m2 (cites v2, before his v3) nor m3 (latest 👎)
    assert VIEWER not in by_email and EMPLOYEE not in by_email  # nothing done, not listed


def test_per_community_counts(board: Board) -> None:
    overall = {c["email"]: c for c in api_board(board)["contributors"]}
    for community in ("billing", "account", EVIL_COMMUNITY):
        expected = expected_board(None, None, community)
        body = api_board(board, f"?community={community}")
        assert body["community"] == community
        assert as_rows(body) == expected
        # The breakdown of the overall board agrees with each community's board.
        for email, counts in expected:
            assert overall[email]["communities"][community] == counts
    assert api_board(board, f"?community={EVIL_COMMUNITY}")["contributors"] == []  # no authored versions
    # Carol's fix and article have no community: they count overall only.
    assert overall[CAROL]["communities"] == {}
    assert overall[CAROL]["verified_gaps"] == 1 and overall[CAROL]["documents"] == 1


@pytest.mark.parametrize(("first", "last"), [(2, 6), (3, 3), (7, None), (None, 5), (21, 30)])
def test_date_range_is_inclusive(board: Board, first: int | None, last: int | None) -> None:
    query = "&".join(f"{name}={day(n).isoformat()}" for name, n in (("from", first), ("to", last)) if n is not None)
    body = api_board(board, f"?{query}")
    assert as_rows(body) == expected_board(first, last, None)
    assert body["from"] == (day(first).isoformat() if first else None)
    assert as_rows(api_board(board, f"?{query}&community=billing")) == expected_board(first, last, "billing")


def test_badges_count_all_time(board: Board) -> None:
    # On day 2 Alice only saved a version, but her verified fixes (days 3 and 20) still earn the badge.
    body = api_board(board, f"?from={day(2).isoformat()}&to={day(2).isoformat()}")
    alice = next(c for c in body["contributors"] if c["email"] == ALICE)
    assert alice["verified_gaps"] == 0
    codes = {b["code"] for b in alice["badges"]}
    assert {"first_fix", "first_article"} <= codes and "ten_fixes" not in codes
    # Bob has no badge for 👍 below its threshold.
    bob = next(c for c in api_board(board)["contributors"] if c["email"] == BOB)
    thumbs_badges = [b for b in BADGES if b.metric == "thumbs_up"]
    assert all(
        b.code not in {x["code"] for x in bob["badges"]} for b in thumbs_badges if bob["thumbs_up"] < b.threshold
    )


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?from=2024-13-01", "bad_request"),
        ("?to=yesterday", "bad_request"),
        (f"?from={day(5).isoformat()}&to={day(4).isoformat()}", "bad_range"),
    ],
)
def test_bad_parameters_are_400(board: Board, query: str, code: str) -> None:
    response = board.client().get(f"/api/v1/contributors{query}", headers=bearer(board.tokens["editor"]))
    assert_error(response, 400, code)
    page = logged_in(board, ALICE).get(f"/editor/contributors/{query}")
    assert page.status_code == 400 and page.mimetype == "text/html"


# -- the page ----------------------------------------------------------------------------------------------------
def test_page_shows_the_ranked_board(board: Board) -> None:
    html = logged_in(board, ALICE).get("/editor/contributors/").get_data(as_text=True)
    shown = re.findall(r'data-email="([^"]+)"', html)
    assert shown == [email for email, _ in expected_board(None, None, None)]
    assert re.search(r'<tr class="me" data-email="alice@example.com">', html)  # the viewer's own row
    assert 'class="active">Contributors' in html
    # Community names come from documents: escaped, never rendered.
    assert "&lt;b&gt;ops&lt;/b&gt;" in html and EVIL_COMMUNITY not in html
    assert re.search(r'<option value="billing"\s*>billing</option>', html)  # listed, not selected


def test_page_filters_by_community_and_dates(board: Board) -> None:
    url = f"/editor/contributors/?community=account&from={day(6).isoformat()}&to={day(8).isoformat()}"
    html = logged_in(board, VIEWER).get(url).get_data(as_text=True)
    assert re.findall(r'data-email="([^"]+)"', html) == [e for e, _ in expected_board(6, 8, "account")]
    assert '<option value="account" selected>' in html
    assert f'value="{day(6).isoformat()}"' in html
    empty = logged_in(board, VIEWER).get("/editor/contributors/?community=nobody").get_data(as_text=True)
    assert "No contributions in nobody" in empty and "data-email" not in empty


# -- roles -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["anonymous", "employee", "viewer", "editor", "admin"])
def test_page_roles(board: Board, who: str) -> None:
    client = board.client() if who == "anonymous" else logged_in(board, ROLE_USERS[who])
    response = client.get("/editor/contributors/")
    if who == "anonymous":
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    elif who == "employee":
        assert response.status_code == 403
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "site_key", "employee", "viewer", "editor", "admin"])
def test_api_roles(board: Board, who: str) -> None:
    if who == "anonymous":
        headers: dict[str, str] = {}
    elif who == "site_key":
        headers = {"X-Site-Key": board.site_key, "X-Session-Id": "visitor-aaaaaaaaaaaaaaaa"}
    else:
        headers = bearer(board.tokens[who])
    response = board.client().get("/api/v1/contributors", headers=headers)
    if who in ("anonymous", "site_key"):
        assert_error(response, 401, "unauthorized")
    elif who == "employee":
        assert_error(response, 403, "forbidden")
    else:
        assert response.status_code == 200 and response.get_json()["contributors"]


def test_logged_in_api_reads_need_no_token(board: Board) -> None:
    response = logged_in(board, VIEWER).get("/api/v1/contributors?community=billing")
    assert response.status_code == 200
    assert as_rows(response.get_json()) == expected_board(None, None, "billing")
