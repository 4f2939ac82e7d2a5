"""The agents' inbox (web/inbox/, web/editor/inbox.py, web/api/inbox.py): who may use it, replying and closing
through the pages (with their CSRF token) and the API, one reply per request, the reply in the widget's
conversation, "Save as FAQ" and escaping. Real model, Chroma and SQLite: the module-scoped service of
tests/test_gaps_api.py, built again for this module, plus an agent. No mail server here (tests/test_inbox_mail.py
has one)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

import tests.test_gaps_api as gaps_api
from tests.chat_kb import PUBLIC_QUESTION
from tests.contract import conforms
from tests.test_api import assert_error, bearer, make_app
from tests.test_editor_gaps import logged_in
from tests.test_gaps_api import GapService, ask
from web.access.accounts import create_api_token, create_user, find_user_by_email
from web.chat.handoffs import request_handoff
from web.chat.retention import expired_conversations
from web.cli import cli
from web.db.models import AuditEntry, Conversation, Document, Gap, Handoff, Message, db, utcnow
from web.gaps.queries import open_gap_of_message
from web.inbox.queries import last_question

service = gaps_api.service  # the module-scoped app of tests/test_gaps_api.py, registered here as a fixture
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
AGENT = "agent@example.com"


@pytest.fixture(scope="module")
def agent_token(service: GapService) -> str:
    with service.app.app_context():
        return create_api_token(create_user(AGENT, "correct horse", "agent"))


def visitor(service: GapService, name: str) -> dict[str, str]:
    """A widget visitor of its own (a session id per test: conversations do not mix)."""
    return {"X-Site-Key": service.site_key, "X-Session-Id": "inbox-" + hashlib.sha256(name.encode()).hexdigest()[:20]}


def hand_off(
    service: GapService, headers: dict[str, str], question: str | None = PUBLIC_QUESTION, **fields: Any
) -> tuple[int, str]:
    """A visitor asks ``question`` (unless None), then asks for a human; returns the hand-off and conversation ids."""
    client = service.client()
    body = dict(fields)
    if question is not None:
        body["conversation_id"] = ask(client, headers, question)["conversation_id"]
    response = client.post("/api/v1/handoff", json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    return created["id"], created["conversation_id"]


def handoff_row(service: GapService, handoff_id: int) -> Handoff:
    with service.app.app_context():
        row = db.session.get(Handoff, handoff_id)
        assert row is not None
        db.session.expunge(row)
        return row


def page_csrf(client: FlaskClient, path: str = "/editor/inbox/") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    match = CSRF_META.search(page.get_data(as_text=True))
    assert match
    return match.group(1)


def widget_conversation(service: GapService, headers: dict[str, str], conversation_id: str) -> dict[str, Any]:
    response = service.client().get(f"/api/v1/conversations/{conversation_id}", headers=headers)
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def audit_actions(service: GapService, target: str) -> list[str]:
    with service.app.app_context():
        query = select(AuditEntry.action).where(AuditEntry.target == target).order_by(AuditEntry.id)
        return list(db.session.scalars(query).all())


# -- the reply flow ------------------------------------------------------------------------------------------------
def test_an_agent_answers_on_the_page_and_the_widget_shows_the_reply(service: GapService, agent_token: str) -> None:
    headers = visitor(service, "page-reply")
    handoff_id, conversation_id = hand_off(service, headers, email="ann@example.com", message="Please call me back")
    agent = logged_in(service, AGENT)

    listed = agent.get("/editor/inbox/").get_data(as_text=True)
    # The row says what the person wrote to the team, and the question they asked under it (it showed the question
    # only, and agents opened every request to triage them, round 38).
    row = listed.split(f'href="/editor/inbox/{handoff_id}">', 1)[1].split("</td>", 1)[0]
    assert row.startswith("Please call me back</a>") and f"Asked: {PUBLIC_QUESTION}" in row
    page = agent.get(f"/editor/inbox/{handoff_id}").get_data(as_text=True)
    # The whole conversation: the question, the bot's answer with its citation and confidence, the request.
    assert PUBLIC_QUESTION in page and "Forgot password" in page and "Reset your password" in page
    assert re.search(r"Answered with confidence [01]\.\d\d", page)
    assert "Please call me back" in page and "ann@example.com" in page
    assert f'action="/editor/inbox/{handoff_id}/reply"' in page and f'action="/editor/inbox/{handoff_id}/close"' in page

    response = agent.post(
        f"/editor/inbox/{handoff_id}/reply",
        data={"reply": "Click Forgot password on the sign-in page.", "csrf_token": page_csrf(agent)},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "No e-mail was sent: no mail server is configured" in html
    row = handoff_row(service, handoff_id)
    assert (row.status, row.reply) == ("answered", "Click Forgot password on the sign-in page.")
    assert row.handled_at is not None and row.email_status is None
    with service.app.app_context():
        agent_user = find_user_by_email(AGENT)
        assert agent_user is not None and row.handled_by_id == agent_user.id

    conversation = widget_conversation(service, headers, conversation_id)
    assert conversation["handoffs"] == [
        {
            "id": handoff_id,
            "status": "answered",
            "reply": "Click Forgot password on the sign-in page.",
            "answered_at": conversation["handoffs"][0]["answered_at"],
            "created_at": conversation["handoffs"][0]["created_at"],
        }
    ]
    assert conversation["handoffs"][0]["answered_at"].endswith("Z")
    assert audit_actions(service, f"handoff:{handoff_id}") == ["handoff.reply"]
    # Answered: no form any more, the reply shown; the open list no longer has it, the answered one does.
    answered = agent.get(f"/editor/inbox/{handoff_id}").get_data(as_text=True)
    assert "/reply" not in answered and "Click Forgot password on the sign-in page." in answered
    assert f'/editor/inbox/{handoff_id}"' not in agent.get("/editor/inbox/").get_data(as_text=True)
    assert f'/editor/inbox/{handoff_id}"' in agent.get("/editor/inbox/?status=answered").get_data(as_text=True)


def test_a_reply_without_the_csrf_token_is_refused(service: GapService, agent_token: str) -> None:
    handoff_id, _ = hand_off(service, visitor(service, "no-csrf"), message="hello")
    response = logged_in(service, AGENT).post(f"/editor/inbox/{handoff_id}/reply", data={"reply": "Hi!"})
    assert response.status_code == 400
    assert handoff_row(service, handoff_id).status == "open"


def test_an_empty_reply_on_the_page_is_a_400_and_changes_nothing(service: GapService, agent_token: str) -> None:
    handoff_id, _ = hand_off(service, visitor(service, "empty-page-reply"), message="hello")
    agent = logged_in(service, AGENT)
    response = agent.post(f"/editor/inbox/{handoff_id}/reply", data={"reply": "   ", "csrf_token": page_csrf(agent)})
    assert response.status_code == 400 and "Fill in the reply." in response.get_data(as_text=True)
    assert handoff_row(service, handoff_id).status == "open"
    too_long = "Dear customer, " + "x" * 10_000
    response = agent.post(f"/editor/inbox/{handoff_id}/reply", data={"reply": too_long, "csrf_token": page_csrf(agent)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "The reply is too long" in html
    assert f'name="reply" required maxlength="10000">{too_long}</textarea>' in html  # kept in the form to shorten
    assert handoff_row(service, handoff_id).status == "open"


def test_the_second_agent_to_answer_keeps_their_text_and_sees_the_first_reply(
    service: GapService, agent_token: str
) -> None:
    """Two agents with one request open: the second one's Send redirected with "already answered" and their text
    was gone (a browser check). One reply per request still; theirs is kept, the reply sent first shown beside it."""
    handoff_id, _ = hand_off(service, visitor(service, "two-agents"), message="My invoice is wrong")
    agent, editor = logged_in(service, AGENT), logged_in(service, "editor@example.com")
    agent_token_, editor_token = page_csrf(agent, f"/editor/inbox/{handoff_id}"), page_csrf(editor)
    first = agent.post(
        f"/editor/inbox/{handoff_id}/reply", data={"reply": "We corrected it.", "csrf_token": agent_token_}
    )
    assert first.status_code == 302

    mine = "Sorry about that! I have sent you a corrected invoice\nand a credit note."
    second = editor.post(f"/editor/inbox/{handoff_id}/reply", data={"reply": mine, "csrf_token": editor_token})
    html = second.get_data(as_text=True)
    assert second.status_code == 409 and "Location" not in second.headers
    assert f"{AGENT} answered this request (their reply is below) while you had it open." in html
    assert "Your reply was not sent: it is kept below" in html
    assert "We corrected it." in html and "Your reply (not sent)" in html and f">{mine}</textarea>" in html
    assert handoff_row(service, handoff_id).reply == "We corrected it."

    closed = editor.post(f"/editor/inbox/{handoff_id}/close", data={"csrf_token": editor_token})
    assert closed.status_code == 409 and "answered this request" in closed.get_data(as_text=True)


def test_the_api_replies_once_and_answers_409_after(service: GapService, agent_token: str) -> None:
    headers = visitor(service, "api-reply")
    handoff_id, conversation_id = hand_off(service, headers)  # no e-mail: the widget is the only way back
    client, agent = service.client(), bearer(agent_token)

    assert_error(
        client.post(f"/api/v1/handoffs/{handoff_id}/reply", json={"reply": " "}, headers=agent), 400, "bad_request"
    )
    assert_error(
        client.post("/api/v1/handoffs/999999/reply", json={"reply": "Hi"}, headers=agent), 404, "handoff_not_found"
    )
    response = client.post(f"/api/v1/handoffs/{handoff_id}/reply", json={"reply": "  We fixed it.  "}, headers=agent)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["reply"], body["handled_by"]) == ("answered", "We fixed it.", AGENT)
    assert body["email_status"] == "no_address" and body["question"] == PUBLIC_QUESTION
    assert conforms("InboxHandoff", body)  # as the OpenAPI document says
    assert conforms("Conversation", widget_conversation(service, headers, conversation_id))

    again = client.post(f"/api/v1/handoffs/{handoff_id}/reply", json={"reply": "Second try"}, headers=agent)
    assert AGENT in assert_error(again, 409, "handoff_handled")["error"]["message"]
    assert_error(client.post(f"/api/v1/handoffs/{handoff_id}/close", headers=agent), 409, "handoff_handled")
    assert handoff_row(service, handoff_id).reply == "We fixed it."  # the first reply stands
    assert widget_conversation(service, headers, conversation_id)["handoffs"][0]["reply"] == "We fixed it."

    editor = bearer(service.tokens["editor"])
    answered = client.get("/api/v1/handoffs?status=answered", headers=editor).get_json()["handoffs"]
    assert handoff_id in [h["id"] for h in answered]
    open_ids = [h["id"] for h in client.get("/api/v1/handoffs", headers=editor).get_json()["handoffs"]]
    assert handoff_id not in open_ids
    assert_error(client.get("/api/v1/handoffs?status=pending", headers=editor), 400, "bad_request")


def test_closing_without_a_reply(service: GapService, agent_token: str) -> None:
    headers = visitor(service, "close")
    by_api, conversation_id = hand_off(service, headers, message="spam spam")
    by_page, _ = hand_off(service, visitor(service, "close-page"), message="never mind")
    client = service.client()
    assert_error(
        client.post(f"/api/v1/handoffs/{by_api}/close", json={"why": "spam"}, headers=bearer(agent_token)),
        400,
        "bad_request",
    )
    response = client.post(f"/api/v1/handoffs/{by_api}/close", json={}, headers=bearer(agent_token))
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    assert widget_conversation(service, headers, conversation_id)["handoffs"][0]["status"] == "closed"
    assert widget_conversation(service, headers, conversation_id)["handoffs"][0]["reply"] is None

    editor = logged_in(service, "editor@example.com")  # editors work the inbox too
    # One click closed it (a browser check, round 38): the button asks first, as the editors' other irreversible ones.
    request_page = editor.get(f"/editor/inbox/{by_page}").get_data(as_text=True)
    assert re.search(
        r'<button type="submit" data-confirm="Close this request without a reply\?[^"]*">Close', request_page
    )
    done = editor.post(f"/editor/inbox/{by_page}/close", data={"csrf_token": page_csrf(editor)}, follow_redirects=True)
    assert "closed without a reply" in done.get_data(as_text=True)
    row = handoff_row(service, by_page)
    assert row.status == "closed" and row.reply is None and row.handled_at is not None
    assert audit_actions(service, f"handoff:{by_api}") == ["handoff.close"]


# -- who may use it ------------------------------------------------------------------------------------------------
def test_agents_answer_but_neither_write_articles_nor_triage_gaps(service: GapService, agent_token: str) -> None:
    agent = logged_in(service, AGENT)
    inbox = agent.get("/editor/inbox/").get_data(as_text=True)
    assert 'href="/editor/inbox/"' in inbox and 'href="/editor/"' not in inbox  # the nav: the inbox only
    for path in ("/editor/", "/editor/articles/", "/editor/articles/new"):
        assert agent.get(path).status_code == 403, path
    client = service.client()
    assert_error(
        client.post("/api/v1/gaps/1/dismiss", json={"reason": "x"}, headers=bearer(agent_token)), 403, "forbidden"
    )
    assert client.get("/api/v1/handoffs", headers=bearer(agent_token)).status_code == 200


def test_employees_and_visitors_cannot_see_the_inbox(service: GapService, agent_token: str) -> None:
    handoff_id, _ = hand_off(service, visitor(service, "outsiders"), message="hello")
    employee = logged_in(service, "employee@example.com")
    for path in ("/editor/inbox/", f"/editor/inbox/{handoff_id}"):
        assert employee.get(path).status_code == 403
        anonymous = service.client().get(path)
        assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    client = service.client()
    assert_error(client.get("/api/v1/handoffs", headers=bearer(service.tokens["employee"])), 403, "forbidden")
    assert_error(client.get("/api/v1/handoffs", headers=visitor(service, "outsiders")), 403, "forbidden")
    reply = {"reply": "I am not an agent"}
    assert_error(
        client.post(f"/api/v1/handoffs/{handoff_id}/reply", json=reply, headers=bearer(service.tokens["viewer"])),
        403,
        "forbidden",
    )
    assert handoff_row(service, handoff_id).status == "open"


def test_viewers_read_the_inbox_without_the_forms(service: GapService) -> None:
    handoff_id, _ = hand_off(service, visitor(service, "viewer"), message="hello")
    page = logged_in(service, "viewer@example.com").get(f"/editor/inbox/{handoff_id}").get_data(as_text=True)
    assert "Read only" in page and "/reply" not in page and "/close" not in page


def test_the_gap_queue_links_its_hand_offs_to_the_inbox(service: GapService) -> None:
    handoff_id, _ = hand_off(service, visitor(service, "queue-link"), message="hello")
    queue = logged_in(service, "editor@example.com").get("/editor/").get_data(as_text=True)
    assert f'href="/editor/inbox/{handoff_id}"' in queue and 'href="/editor/inbox/"' in queue


# -- save as FAQ -------------------------------------------------------------------------------------------------
def test_save_as_faq_opens_the_faq_form_filled_in_for_editors(service: GapService, agent_token: str) -> None:
    question = "Do you offer gift wrapping for orders?"
    handoff_id, _ = hand_off(service, visitor(service, "faq"), question=question)
    reply = {"reply": "Yes: tick Gift wrapping at checkout, it costs 3 EUR."}
    assert (
        service.client()
        .post(f"/api/v1/handoffs/{handoff_id}/reply", json=reply, headers=bearer(agent_token))
        .status_code
        == 200
    )

    # The question was not answered: it is evidence of an open gap, which saving the FAQ resolves.
    with service.app.app_context():
        asked = last_question(db.session.get(Handoff, handoff_id))
        gap = open_gap_of_message(asked.id) if asked is not None else None
        assert gap is not None
        gap_id, community = gap.id, gap.community or ""
    new_faq = f'href="/editor/articles/new?handoff={handoff_id}&amp;gap={gap_id}"'
    assert new_faq not in logged_in(service, AGENT).get(f"/editor/inbox/{handoff_id}").get_data(as_text=True)
    editor = logged_in(service, "editor@example.com")
    page = editor.get(f"/editor/inbox/{handoff_id}").get_data(as_text=True)
    assert new_faq in page and f'saving it resolves <a href="/editor/gaps/{gap_id}">gap #{gap_id}</a>' in page
    assert logged_in(service, AGENT).get(f"/editor/articles/new?handoff={handoff_id}").status_code == 403

    form = editor.get(f"/editor/articles/new?handoff={handoff_id}").get_data(as_text=True)
    assert "New FAQ entry" in form and f'name="handoff" value="{handoff_id}"' in form
    assert (
        f'name="title" value="{question}"' in form
        and ">Yes: tick Gift wrapping at checkout, it costs 3 EUR.</textarea>" in form
    )
    assert 'name="kind" value="faq"' in form
    saved = editor.post(
        "/editor/articles/new",
        data={
            "kind": "faq",
            "handoff": str(handoff_id),
            "gap": str(gap_id),
            "title": question,
            "body": reply["reply"],
            "audience": "public",
            "community": community,
            "csrf_token": page_csrf(editor, "/editor/articles/new"),
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert saved.headers["Location"].endswith(f"/editor/gaps/{gap_id}")  # to the gap, resolved with the entry
    with service.app.app_context():
        document = db.session.scalar(select(Document).where(Document.title == question))
        assert document is not None and document.kind == "faq" and document.audience == "public"
        resolved = db.session.get(Gap, gap_id)
        assert resolved is not None and resolved.status == "verified", resolved.status


def test_save_as_faq_from_a_long_message_fills_in_its_question(service: GapService) -> None:
    """A message longer than an FAQ question may be used to fill the form with text the form then refused: now
    the form gets the message's question, and says it was shortened."""
    story = "We moved to a new office last month and the old address is still printed on everything we send. " * 6
    question = "How do I change the address printed on my invoices?"
    handoff_id, _ = hand_off(service, visitor(service, "long-faq"), question=story + question)
    form = logged_in(service, "editor@example.com").get(f"/editor/articles/new?handoff={handoff_id}")
    page = form.get_data(as_text=True)
    assert form.status_code == 200
    assert f'name="title" value="{question}"' in page
    assert "longer than an FAQ question may be" in page and "its last question" in page


def test_save_as_faq_for_an_unknown_hand_off_is_404(service: GapService) -> None:
    assert logged_in(service, "editor@example.com").get("/editor/articles/new?handoff=999999").status_code == 404


# -- untrusted text ------------------------------------------------------------------------------------------------
def test_customer_text_is_escaped_everywhere(service: GapService, agent_token: str) -> None:
    script = "<script>alert('x')</script>"
    handoff_id, _ = hand_off(
        service, visitor(service, "xss"), question=f"How do I reset my password? {script}", message=f"<b>hi</b>{script}"
    )
    agent = logged_in(service, AGENT)
    for path in ("/editor/inbox/", f"/editor/inbox/{handoff_id}"):
        html = agent.get(path).get_data(as_text=True)
        assert script not in html and "<b>hi</b>" not in html, path
        assert "&lt;script&gt;" in html, path


def test_the_bots_answers_read_as_the_person_saw_them(service: GapService) -> None:
    """The agent reads the conversation's answers rendered (lists, **bold**), not as Markdown source; the
    person's own text stays plain."""
    handoff_id, _ = hand_off(service, visitor(service, "rendered"), message="**not bold**")
    conversation_id = handoff_row(service, handoff_id).conversation_id
    with service.app.app_context():  # an answer as the composer writes them: a list, bold, a table
        message = db.session.scalar(select(Message).where(Message.conversation_id == conversation_id))
        assert message is not None
        message.answer = "- Go to **Billing** <script>x</script>\n\n| Plan | Price |\n|---|---|\n| Plus | 12 EUR [1] |"
        db.session.commit()
    page = logged_in(service, AGENT).get(f"/editor/inbox/{handoff_id}").get_data(as_text=True)
    shown = page.split('<div class="text answer">', 1)[1].split("</div>", 1)[0]
    assert "<li>Go to <strong>Billing</strong>" in shown and "<table>" in shown and "**" not in shown
    assert "<script>" not in shown and "&lt;script&gt;" in shown  # raw HTML in an answer stays text
    assert '<div class="text">**not bold**</div>' in page


def test_a_long_message_is_clipped_in_the_list_and_whole_on_its_page(service: GapService) -> None:
    """A pasted 1,800-character message was the whole link text of its row (a row ~700 px tall on a desktop)."""
    message = " ".join(f"word{i:04d}" for i in range(200))  # 1,799 characters, every word different
    handoff_id, _ = hand_off(service, visitor(service, "long"), question=None, message=message)
    agent = logged_in(service, AGENT)

    listed = agent.get("/editor/inbox/").get_data(as_text=True)
    row = listed.split(f'href="/editor/inbox/{handoff_id}">', 1)[1].split("</a>", 1)[0]
    assert row.startswith("word0000 word0001") and row.endswith("…") and len(row) <= 140
    assert "word0199" not in listed
    page = agent.get(f"/editor/inbox/{handoff_id}").get_data(as_text=True)
    heading = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "word0199" not in heading and "…" in heading  # the heading says which request this is
    assert f'<div class="text">{message}</div>' in page  # "Their message": all of it


def test_card_numbers_and_ibans_in_the_message_are_stored_masked(service: GapService, agent_token: str) -> None:
    """As a question typed in the chat is; the e-mail field is where the reply goes, so it stays as given."""
    typed = "IBAN DE89370400440532013000 card 4111111111111111, or write to ann.other@example.com"
    handoff_id, _ = hand_off(service, visitor(service, "pii"), email="ann@example.com", message=typed)
    row = handoff_row(service, handoff_id)
    assert (row.message, row.email) == ("IBAN [iban] card [card], or write to [email]", "ann@example.com")

    page = logged_in(service, AGENT).get(f"/editor/inbox/{handoff_id}").get_data(as_text=True)
    listed = service.client().get("/api/v1/handoffs?status=all", headers=bearer(agent_token)).get_data(as_text=True)
    for shown in (page, listed):
        assert "4111111111111111" not in shown and "DE8937" not in shown and "ann.other" not in shown
    assert "IBAN [iban] card [card]" in page and "ann@example.com" in page


def test_a_kept_raw_message_when_raw_questions_are_kept(tmp_path: Path) -> None:
    """ANSWERDESK_KEEP_RAW_QUESTIONS keeps hand-off messages raw too: one setting for what people typed."""
    typed = "card 4111111111111111"
    for keep_raw, stored in ((True, typed), (False, "card [card]")):
        app = make_app(tmp_path / str(keep_raw), keep_raw_questions=keep_raw)
        with app.app_context():
            conversation = Conversation(id="c" * 32, audience="public")
            db.session.add(conversation)
            assert request_handoff(conversation, None, typed).message == stored


def test_the_command_line_creates_agents(app: Flask, runner: FlaskCliRunner) -> None:
    created = runner.invoke(cli, ["users", "create", "bob@example.com", "--role", "agent"], input="long-enough-pw\n")
    assert created.exit_code == 0, created.output
    user = find_user_by_email("bob@example.com")
    assert user is not None and user.role == "agent"


def test_a_recent_reply_keeps_an_old_conversation_from_the_retention_purge(app: Flask) -> None:
    long_ago, cutoff = datetime(2020, 1, 1), utcnow() - timedelta(days=30)
    for conversation_id, handled_at in (("a" * 32, utcnow()), ("b" * 32, None)):
        conversation = Conversation(id=conversation_id, audience="public", created_at=long_ago, updated_at=long_ago)
        handoff = Handoff(conversation=conversation, status="open", created_at=long_ago, handled_at=handled_at)
        db.session.add_all([conversation, handoff])
    db.session.commit()
    assert set(db.session.scalars(expired_conversations(cutoff)).all()) == {"b" * 32}
