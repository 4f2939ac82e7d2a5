"""Replies to hand-off requests by e-mail (web/inbox/mail.py, web/inbox/actions.py): received by a real SMTP server
(aiosmtpd) on 127.0.0.1, and a mail server that is down or refuses the address never loses the reply, which the
agent is told about. No knowledge base needed: a hand-off made before any question opens its own conversation."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from chatbot.config import load_settings
from chatbot.errors import ConfigError
from tests.sessions import log_in
from tests.test_api import bearer, make_app
from web.access.accounts import create_api_token, create_site, create_user
from web.db.models import AuditEntry, Handoff, db
from web.inbox.mail import MailServer

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller", reason="needs aiosmtpd (pip install -e '.[dev]')")

SENDER = "Lumo Support <support@example.com>"
CUSTOMER = "ann@example.com"
SESSION = {"X-Session-Id": "mail-visitor-aaaaaaaaaaaa"}


@dataclass
class Received:
    """What the SMTP server was given: each envelope's sender, recipients and message."""

    envelopes: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    refuse: str | None = None  # e.g. "550 5.1.1 No such user": refuse every recipient

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Received, int]]:
    received = Received()
    port = free_port()
    controller = aiosmtpd_controller.Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield received, port
    finally:
        controller.stop()


@dataclass
class MailService:
    app: Flask
    site_key: str
    agent_token: str
    agent_id: int

    def widget(self) -> dict[str, str]:
        return {"X-Site-Key": self.site_key, **SESSION}


def mail_service(tmp_path: Path, smtp_url: str) -> MailService:
    app = make_app(tmp_path / "var", smtp_url=smtp_url, mail_from=SENDER)
    with app.app_context():
        site = create_site("shop", ["https://shop.example"])
        agent = create_user("agent@example.com", "correct horse", "agent")
        return MailService(app, site.key, create_api_token(agent), agent.id)


def request_help(service: MailService, message: str, email: str | None = CUSTOMER) -> tuple[int, str]:
    body = {"message": message, **({"email": email} if email else {})}
    response = service.app.test_client().post("/api/v1/handoff", json=body, headers=service.widget())
    assert response.status_code == 201
    # With a mail server, the reply is e-mailed when there is an address to send it to: the widget says so.
    assert response.get_json()["reply_by_email"] is bool(email)
    return response.get_json()["id"], response.get_json()["conversation_id"]


def reply(service: MailService, handoff_id: int, text: str) -> dict[str, Any]:
    client = service.app.test_client()
    response = client.post(
        f"/api/v1/handoffs/{handoff_id}/reply", json={"reply": text}, headers=bearer(service.agent_token)
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def stored(service: MailService, handoff_id: int) -> Handoff:
    with service.app.app_context():
        row = db.session.get(Handoff, handoff_id)
        assert row is not None
        db.session.expunge(row)
        return row


def agent_browser(service: MailService) -> tuple[FlaskClient, str]:
    client = service.app.test_client()
    log_in(client, service.agent_id)
    page = client.get("/editor/inbox/").get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert match
    return client, match.group(1)


# -- delivered -------------------------------------------------------------------------------------------------------
def test_the_reply_is_emailed_to_the_customer(tmp_path: Path, smtp: tuple[Received, int]) -> None:
    received, port = smtp
    service = mail_service(tmp_path, f"smtp://127.0.0.1:{port}")
    handoff_id, _ = request_help(service, "My invoice shows the wrong VAT number.")
    body = reply(service, handoff_id, "We corrected the VAT number; the new invoice is in Billing.")
    assert body["email_status"] == "sent" and body["email_error"] is None

    [(sender, recipients, message)] = received.envelopes
    assert sender == "support@example.com" and recipients == [CUSTOMER]
    assert message["To"] == CUSTOMER and message["From"] == SENDER
    assert message["Subject"] == "Our answer to your question" and message["Message-ID"]
    text = message.get_content()
    assert text.startswith("We corrected the VAT number; the new invoice is in Billing.")
    assert "> My invoice shows the wrong VAT number." in text  # what they asked, quoted
    row = stored(service, handoff_id)
    assert (row.status, row.email_status) == ("answered", "sent")
    with service.app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.target == f"handoff:{handoff_id}").order_by(AuditEntry.id)
        ).all()
    assert list(actions) == ["handoff.reply", "handoff.email"]


def test_a_chinese_reply_arrives_as_written(tmp_path: Path, smtp: tuple[Received, int]) -> None:
    received, port = smtp
    service = mail_service(tmp_path, f"smtp://127.0.0.1:{port}")
    handoff_id, _ = request_help(service, "发票上的税号不对")
    assert reply(service, handoff_id, "您好，我们已经更正了税号，新的发票在账单页面。")["email_status"] == "sent"
    [(_, _, message)] = received.envelopes
    assert message["Subject"] == "关于您的问题的回复"
    assert message.get_content().startswith("您好，我们已经更正了税号，新的发票在账单页面。")
    assert "> 发票上的税号不对" in message.get_content()


def test_no_address_no_mail(tmp_path: Path, smtp: tuple[Received, int]) -> None:
    received, port = smtp
    service = mail_service(tmp_path, f"smtp://127.0.0.1:{port}")
    handoff_id, _ = request_help(service, "Call me maybe", email=None)
    assert reply(service, handoff_id, "We will.")["email_status"] == "no_address"
    assert received.envelopes == [] and stored(service, handoff_id).email_status is None


# -- not delivered: the reply stays --------------------------------------------------------------------------------
def test_a_mail_server_that_is_down_keeps_the_reply_and_says_so(tmp_path: Path) -> None:
    service = mail_service(tmp_path, f"smtp://127.0.0.1:{free_port()}")  # nobody listens there
    handoff_id, conversation_id = request_help(service, "Where is my refund?")
    body = reply(service, handoff_id, "It was sent yesterday.")
    assert body["status"] == "answered" and body["email_status"] == "failed"
    assert "refused the connection" in body["email_error"]

    row = stored(service, handoff_id)
    assert (row.status, row.reply, row.email_status) == ("answered", "It was sent yesterday.", "failed")
    conversation = service.app.test_client().get(f"/api/v1/conversations/{conversation_id}", headers=service.widget())
    assert conversation.get_json()["handoffs"][0]["reply"] == "It was sent yesterday."
    client, _ = agent_browser(service)
    page = client.get(f"/editor/inbox/{handoff_id}").get_data(as_text=True)
    assert f"The e-mail to {CUSTOMER} failed:" in page and "refused the connection" in page


def test_the_agent_sees_the_failure_right_after_replying_on_the_page(
    tmp_path: Path, smtp: tuple[Received, int]
) -> None:
    received, port = smtp
    received.refuse = "550 5.1.1 No such user here"
    service = mail_service(tmp_path, f"smtp://127.0.0.1:{port}")
    handoff_id, _ = request_help(service, "Is there a student discount?")
    client, token = agent_browser(service)
    response = client.post(
        f"/editor/inbox/{handoff_id}/reply",
        data={"reply": "Not yet, sorry.", "csrf_token": token},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"but the e-mail to {CUSTOMER} failed: the mail server 127.0.0.1:{port} refused the address." in html
    assert received.envelopes == []
    row = stored(service, handoff_id)
    assert (row.status, row.reply, row.email_status) == ("answered", "Not yet, sorry.", "failed")


# -- the settings --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url", ["http://mail.example.com", "smtp://", "smtp://mail.example.com:notaport", "smtp://h/x"]
)
def test_a_bad_smtp_url_names_the_variable(url: str) -> None:
    with pytest.raises(ConfigError, match="ANSWERDESK_SMTP_URL"):
        load_settings({"ANSWERDESK_SMTP_URL": url, "ANSWERDESK_MAIL_FROM": SENDER})


def test_a_mail_server_needs_a_sender() -> None:
    with pytest.raises(ConfigError, match="ANSWERDESK_MAIL_FROM"):
        load_settings({"ANSWERDESK_SMTP_URL": "smtp://127.0.0.1:25"})


def test_the_url_gives_the_server_its_security_and_sign_in() -> None:
    assert MailServer.from_url("smtp://relay.local") == MailServer("relay.local", 25, "plain")
    assert MailServer.from_url("smtps://mail.example.com") == MailServer("mail.example.com", 465, "tls")
    assert MailServer.from_url("smtp+starttls://bot%40example.com:p%40ss@mail.example.com:2587") == MailServer(
        "mail.example.com", 2587, "starttls", "bot@example.com", "p@ss"
    )
