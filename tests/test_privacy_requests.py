"""One person's data: `answerdesk privacy delete|export` and the admin page remove or export every row of one
visitor or employee, table by table over the whole database, and leave everyone else's (real SQLite, real app,
the real CLI through click's runner)."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import inspect, select

from tests.privacy_data import Person, add_conversation, answerdesk, new_gap, resolve_with_failures, traces
from tests.sessions import log_in
from web.access.accounts import create_site, create_user
from web.audit.log import subject_digest
from web.chat.erasure import CHAT_TABLES, DELETED_TEXT, KEPT_TABLES
from web.db.models import AuditEntry, Gap, GapEvent, User, db
from web.gaps.titles import gap_title

ALPHA_SESSION = "alpha-session-0123456789"
ALPHA_EMAIL = "Alpha.Visitor@Example.com"
BRAVO_SESSION = "bravo-session-0123456789"


@pytest.fixture
def people(app: Flask) -> dict[str, Person]:
    """Alpha: a visitor with two conversations in one session (a hand-off with an e-mail in the second), Bravo:
    another visitor, Carol: an employee; all three have questions in one gap whose title is Alpha's question."""
    site = create_site("shop", ["https://shop.example"])
    carol = create_user("carol@example.com", "correct horse", "employee")
    alpha, bravo, employee = Person("zqxalpha"), Person("zqxbravo"), Person("zqxcarol")
    gap = new_gap()
    add_conversation(alpha, session_id=ALPHA_SESSION, site_id=site.id, gap=gap)
    add_conversation(alpha, session_id=ALPHA_SESSION, site_id=site.id, handoff_email=ALPHA_EMAIL, gap=gap)
    add_conversation(bravo, session_id=BRAVO_SESSION, site_id=site.id, handoff_email="bravo@example.com", gap=gap)
    add_conversation(employee, user_id=carol.id, gap=gap)
    gap.title = alpha.question(0)
    resolve_with_failures(gap, [(alpha.message_ids[0], alpha.question(0)), (bravo.message_ids[0], bravo.question(0))])
    return {"alpha": alpha, "bravo": bravo, "carol": employee}


def footprint(person: Person, *extra: str) -> dict[str, int]:
    ids: dict[str, set[object]] = {"messages": set(person.message_ids), "conversations": set(person.conversation_ids)}
    return traces([person.marker, *person.conversation_ids, *extra], ids)


def the_gap() -> Gap:
    gap = db.session.scalars(select(Gap)).one()
    db.session.refresh(gap)
    return gap


def test_every_table_is_either_chat_data_or_kept_for_a_reason(app: Flask) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert tables == set(CHAT_TABLES) | set(KEPT_TABLES), "classify the new table in web/chat/erasure.py"


@pytest.mark.parametrize("option", [["--session", ALPHA_SESSION], ["--email", ALPHA_EMAIL.upper()]])
def test_delete_removes_every_row_of_one_visitor_and_nothing_else(
    app: Flask, runner: FlaskCliRunner, people: dict[str, Person], option: list[str]
) -> None:
    alpha, bravo, carol = people["alpha"], people["bravo"], people["carol"]
    assert set(footprint(alpha, ALPHA_SESSION, ALPHA_EMAIL)) >= {*CHAT_TABLES, "gaps", "gap_events"}
    others_before = (footprint(bravo, BRAVO_SESSION), footprint(carol))
    count_before = the_gap().count

    result = answerdesk(runner, "privacy", "delete", *option)

    assert result.exit_code == 0, result.output
    # Both conversations go, also for the e-mail: the first has no hand-off but is the same browser session.
    assert "conversations: 2" in result.output and "messages: 4" in result.output
    assert "feedback: 2" in result.output and "handoffs: 1" in result.output and "gap_evidence: 4" in result.output
    db.session.expire_all()
    assert footprint(alpha, ALPHA_SESSION, ALPHA_EMAIL) == {}, "a trace of the visitor is left"
    assert (footprint(bravo, BRAVO_SESSION), footprint(carol)) == others_before
    gap = the_gap()
    assert gap.count == count_before and gap.title == bravo.question(0)
    assert gap.resolution is not None and gap.resolution["verification"]["failing"] == [DELETED_TEXT, bravo.question(0)]
    event = db.session.scalars(select(GapEvent).where(GapEvent.action == "resolve")).one()
    assert event.detail["verification"]["failing"] == [DELETED_TEXT, bravo.question(0)]
    # What the bot answered each replayed question goes too for the deleted one (its question, and an answer that
    # may repeat it); the outcome stays.
    for replays in (gap.resolution["verification"]["replays"], event.detail["verification"]["replays"]):
        assert [(r["question"], r["answer"]) for r in replays] == [
            (DELETED_TEXT, DELETED_TEXT),
            (bravo.question(0), f"I'm not sure how to {bravo.question(0)}."),
        ]
        assert [r["outcome"] for r in replays] == ["not_sure", "not_sure"]

    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.delete")).one()
    kind = option[0].removeprefix("--")
    value = ALPHA_SESSION if kind == "session" else ALPHA_EMAIL.lower()
    assert entry.target == f"{kind}:sha256:{subject_digest(value)[:16]}" and entry.detail["sha256"] == subject_digest(
        value
    )
    assert entry.via == "cli" and entry.actor is not None and entry.actor.startswith("cli:")
    assert entry.detail["conversations"] == 2


def test_a_title_clipped_from_the_visitors_long_question_goes_too(app: Flask, runner: FlaskCliRunner) -> None:
    """Gap titles are clipped (web/gaps/titles.py): the title is then no longer equal to the question it came from,
    and must still be recognised as the visitor's."""
    long_one, other = Person("zqxlong" + "o" * 150), Person("zqxother")
    gap = new_gap()
    add_conversation(long_one, session_id=ALPHA_SESSION, gap=gap, turns=1)
    add_conversation(other, session_id=BRAVO_SESSION, gap=gap, turns=1)
    gap.title = gap_title(long_one.question(0))
    db.session.commit()
    assert gap.title != long_one.question(0) and gap.title.endswith("…")

    result = answerdesk(runner, "privacy", "delete", "--session", ALPHA_SESSION)

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert the_gap().title == other.question(0)


def test_delete_by_an_employees_email_keeps_their_account(
    app: Flask, runner: FlaskCliRunner, people: dict[str, Person]
) -> None:
    carol, bravo = people["carol"], people["bravo"]
    bravo_before = footprint(bravo, BRAVO_SESSION)
    result = answerdesk(runner, "privacy", "delete", "--email", "carol@example.com", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "dry_run": False,
        "conversations": 1,
        "messages": 2,
        "feedback": 1,
        "handoffs": 0,
        "gap_evidence": 2,
    }
    db.session.expire_all()
    assert footprint(carol) == {}
    assert footprint(bravo, BRAVO_SESSION) == bravo_before
    assert db.session.scalar(select(User).where(User.email == "carol@example.com")) is not None


def test_a_dry_run_counts_and_deletes_nothing(app: Flask, runner: FlaskCliRunner, people: dict[str, Person]) -> None:
    before = footprint(people["alpha"], ALPHA_SESSION)
    result = answerdesk(runner, "privacy", "delete", "--session", ALPHA_SESSION, "--dry-run")
    assert result.exit_code == 0 and "would delete" in result.output and "conversations: 2" in result.output
    assert footprint(people["alpha"], ALPHA_SESSION) == before
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.delete")) is None


@pytest.mark.parametrize(
    "args",
    [[], ["--session", ALPHA_SESSION, "--email", ALPHA_EMAIL], ["--session", "short"], ["--email", "not-an-address"]],
)
def test_the_person_must_be_named_once_and_well(app: Flask, runner: FlaskCliRunner, args: list[str]) -> None:
    result = answerdesk(runner, "privacy", "delete", *args)
    assert result.exit_code == 2 and "Error" in result.output


def test_export_prints_the_visitors_data_as_json(app: Flask, runner: FlaskCliRunner, people: dict[str, Person]) -> None:
    result = answerdesk(runner, "privacy", "export", "--email", ALPHA_EMAIL)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["subject"] == {"kind": "email", "value": ALPHA_EMAIL.lower()} and data["account"] is None
    assert [c["id"] for c in data["conversations"]] == people["alpha"].conversation_ids
    questions = [m["question"] for c in data["conversations"] for m in c["messages"]]
    assert questions == [people["alpha"].question(n) for n in range(4)]
    assert data["conversations"][1]["handoffs"][0]["email"] == ALPHA_EMAIL
    assert data["conversations"][0]["messages"][0]["feedback"][0]["comment"] == "zqxalpha was no help"
    assert "zqxbravo" not in result.output and "zqxcarol" not in result.output
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.export")).one()
    assert ALPHA_EMAIL.lower() not in json.dumps([entry.target, entry.detail])

    account = json.loads(answerdesk(runner, "privacy", "export", "--email", "carol@example.com").output)
    assert account["account"]["email"] == "carol@example.com" and account["account"]["role"] == "employee"
    assert len(account["conversations"]) == 1


# -- the admin page ----------------------------------------------------------------------------------------------
def admin_client(app: Flask) -> FlaskClient:
    admin = create_user("boss@example.com", "correct horse", "admin")
    client = app.test_client()
    log_in(client, admin)
    return client


def csrf(client: FlaskClient) -> str:
    match = re.search(
        r'name="csrf-token" content="([^"]+)"', client.get("/editor/admin/privacy").get_data(as_text=True)
    )
    assert match
    return match.group(1)


def test_an_admin_exports_and_deletes_a_visitor_from_the_page(app: Flask, people: dict[str, Person]) -> None:
    client = admin_client(app)
    token = csrf(client)
    exported = client.post("/editor/admin/privacy/export", data={"csrf_token": token, "session_id": ALPHA_SESSION})
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    assert "attachment" in exported.headers["Content-Disposition"] and exported.headers["Cache-Control"] == "no-store"
    assert len(exported.get_json()["conversations"]) == 2

    unconfirmed = client.post("/editor/admin/privacy/delete", data={"csrf_token": token, "session_id": ALPHA_SESSION})
    # The page itself with 400 (it was a redirect to a 200), the session id still in the delete form.
    html = unconfirmed.get_data(as_text=True)
    assert unconfirmed.status_code == 400 and "Tick the box" in html
    assert re.search(rf'aria-label="Session id to delete" value="{ALPHA_SESSION}"', html)
    assert f'aria-label="Session id to export" value="{ALPHA_SESSION}"' not in html
    assert footprint(people["alpha"], ALPHA_SESSION) != {}

    deleted = client.post(
        "/editor/admin/privacy/delete",
        data={"csrf_token": token, "session_id": ALPHA_SESSION, "confirm": "yes"},
        follow_redirects=True,
    )
    assert "Deleted: 2 conversations, 4 messages" in deleted.get_data(as_text=True)
    db.session.expire_all()
    assert footprint(people["alpha"], ALPHA_SESSION, ALPHA_EMAIL) == {}
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.delete")).one()
    assert (entry.actor, entry.ip, entry.via) == ("boss@example.com", "127.0.0.1", "web")


def test_a_bad_subject_on_the_page_is_explained_not_a_500(app: Flask) -> None:
    """Explained on the page with 400 and the address kept to correct, not a redirect to a 200."""
    client = admin_client(app)
    for action in ("export", "delete"):
        page = client.post(
            f"/editor/admin/privacy/{action}", data={"csrf_token": csrf(client), "email": "nope", "confirm": "yes"}
        )
        html = page.get_data(as_text=True)
        assert page.status_code == 400 and "is not an e-mail address" in html
        assert f'aria-label="E-mail to {action}" value="nope"' in html
    nobody = client.post("/editor/admin/privacy/export", data={"csrf_token": csrf(client)})
    assert nobody.status_code == 400 and "Give either a session id or an e-mail address." in nobody.get_data(
        as_text=True
    )


@pytest.mark.parametrize("role", ["employee", "viewer", "editor"])
def test_only_admins_reach_the_privacy_page(app: Flask, role: str) -> None:
    user = create_user(f"{role}@example.com", "correct horse", role)
    client = app.test_client()
    log_in(client, user)
    assert client.get("/editor/admin/privacy").status_code == 403
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/editor/admin/privacy/delete", data={"session_id": ALPHA_SESSION}).status_code == 403
