"""What an agent does with a hand-off request: reply (stored, then delivered) or close it without a reply. The API
and the inbox pages both call these.

A reply goes back the way the request came: a request asked in a Slack thread is answered in that thread
(web/slack/replies.py); any other is shown in the widget's conversation and e-mailed when the person left an address
and a mail server is configured.

Store first, then send: the reply is committed (with its audit entry) before the mail server or Slack is asked, so
one that is down, slow or refuses never loses the reply. The outcome is stored on the request (``email_status`` and
``email_error``, or ``slack_status`` and ``slack_error``) and shown to the agent.

One reply per request: the request is claimed with a conditional UPDATE (still open?), so of two agents answering
at the same moment exactly one wins, and the other gets 409 ``handoff_handled`` naming who did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm.exc import ObjectDeletedError

from chatbot.config import Settings
from chatbot.language import detect_language
from web.audit.log import record
from web.db.models import Handoff, User, db, utcnow
from web.http.errors import ApiError
from web.inbox.mail import Mail, MailError, MailServer, send_mail
from web.inbox.queries import customer_question
from web.slack.replies import SlackPostError, post_team_reply, slack_configured

log = logging.getLogger(__name__)

MAX_REPLY_CHARS = 10_000
QUOTED_QUESTION_CHARS = 1_000

DeliveryStatus = Literal["sent", "failed", "no_address", "not_configured"]
Route = Literal["email", "slack"]

_SUBJECTS = {"en": "Our answer to your question", "zh": "关于您的问题的回复"}
_YOU_ASKED = {"en": "You asked:", "zh": "您的问题："}


@dataclass(frozen=True)
class Delivery:
    """What became of a reply on its ``route`` (e-mail, or the Slack thread): sent, failed (``error`` says why), or
    not tried (no address; no mail server, or Slack no longer configured)."""

    status: DeliveryStatus
    error: str | None = None
    route: Route = "email"


def reply_to_handoff(handoff: Handoff, agent: User, text: str, settings: Settings) -> Delivery:
    """Answer an open request with ``text`` (stripped, non-empty): stored, then delivered if possible."""
    reply = text.strip()
    if not reply:
        raise ApiError(400, "bad_request", "Write a reply first.")
    if len(reply) > MAX_REPLY_CHARS:
        raise ApiError(400, "bad_request", f"The reply is too long (at most {MAX_REPLY_CHARS:,} characters).")
    _claim(handoff, agent, "answered", reply)
    in_slack = handoff.conversation.in_slack
    detail = {"has_email": handoff.email is not None, "in_slack": in_slack}
    record("handoff.reply", f"handoff:{handoff.id}", detail, commit=False)
    db.session.commit()
    return _to_slack(handoff, reply, settings) if in_slack else _email(handoff, reply, settings)


def close_handoff(handoff: Handoff, agent: User) -> None:
    """Close an open request without a reply (spam, a duplicate, solved on the phone)."""
    _claim(handoff, agent, "closed", None)
    record("handoff.close", f"handoff:{handoff.id}", commit=False)
    db.session.commit()


def _claim(handoff: Handoff, agent: User, status: str, reply: str | None) -> None:
    statement = (
        update(Handoff)
        .where(Handoff.id == handoff.id, Handoff.status == "open")
        .values(status=status, reply=reply, handled_by_id=agent.id, handled_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], db.session.execute(statement))
    if result.rowcount != 1:
        db.session.rollback()
        try:
            db.session.refresh(handoff)
        except ObjectDeletedError:  # erased meanwhile (a privacy request, retention)
            raise ApiError(404, "handoff_not_found", f"There is no hand-off {handoff.id}.") from None
        by = f" by {handoff.handled_by.email}" if handoff.handled_by is not None else ""
        raise ApiError(409, "handoff_handled", f"Hand-off {handoff.id} was already {handoff.status}{by}.")
    # The row changed behind the ORM's back (the UPDATE above): read it again after the commit.
    db.session.expire(handoff)


def _email(handoff: Handoff, reply: str, settings: Settings) -> Delivery:
    if not handoff.email:
        return Delivery("no_address")
    if not settings.smtp_url or not settings.mail_from:
        return Delivery("not_configured")
    delivery = _send(handoff, reply, settings.smtp_url, settings.mail_from)
    handoff.email_status = delivery.status
    handoff.email_error = delivery.error
    record("handoff.email", f"handoff:{handoff.id}", {"sent": delivery.status == "sent"}, commit=False)
    db.session.commit()
    return delivery


def _to_slack(handoff: Handoff, reply: str, settings: Settings) -> Delivery:
    if not slack_configured(settings):
        return Delivery("not_configured", route="slack")
    try:
        post_team_reply(handoff.conversation, reply, settings)
        delivery = Delivery("sent", route="slack")
    except SlackPostError as exc:
        log.warning("the reply to hand-off %s was stored but not posted to Slack: %s", handoff.id, exc)
        delivery = Delivery("failed", str(exc), route="slack")
    handoff.slack_status = delivery.status
    handoff.slack_error = delivery.error
    record("handoff.slack", f"handoff:{handoff.id}", {"sent": delivery.status == "sent"}, commit=False)
    db.session.commit()
    return delivery


def _send(handoff: Handoff, reply: str, smtp_url: str, sender: str) -> Delivery:
    question = customer_question(handoff)
    language = detect_language(reply)
    language = language if language in _SUBJECTS else "en"
    body = reply
    if question:
        quoted = "\n".join(f"> {line}" for line in question[:QUOTED_QUESTION_CHARS].splitlines())
        body = f"{reply}\n\n{_YOU_ASKED[language]}\n{quoted}\n"
    mail = Mail(sender=sender, to=str(handoff.email), subject=_SUBJECTS[language], body=body)
    try:
        send_mail(MailServer.from_url(smtp_url), mail)
    except MailError as exc:
        log.warning("the reply to hand-off %s was stored but not e-mailed: %s", handoff.id, exc)
        return Delivery("failed", str(exc))
    return Delivery("sent")
