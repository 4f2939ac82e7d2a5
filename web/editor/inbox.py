"""The agents' inbox pages under /editor/inbox: the hand-off requests (open first; answered, closed, all), one
request with its whole conversation, and the reply and close forms (POST, CSRF-checked by Flask-WTF, each
redirecting back to the request's page with a flash that says what happened to the e-mail, or to the message in
the Slack thread the request was asked in). A refused reply or close is the request's page itself with the error's
status (400, or 409 when another agent answered or closed it first), and the reply typed is kept on it.

Who: agents, editors and admins read and act; viewers read. The actions check the role themselves (a hand-made
POST by a viewer is a 403). Customer text (questions, messages, e-mail addresses) is untrusted: the templates escape
all of it and mark nothing safe.

"Save as FAQ" (answered requests, editors and admins only: agents do not publish) opens the dashboard's new-FAQ
form (web/editor/articles.py, ``?handoff=<id>``) filled in with the customer's question and the agent's reply; the
editor reviews and saves it like any other entry.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from web.access.auth import acting_employee, require_role
from web.access.permissions import INBOX_READ_ROLES, INBOX_ROLES, can_answer_handoffs, can_edit_community, can_write
from web.db.models import HANDOFF_STATUSES, Gap, Handoff, User, db
from web.editor.fields import form_text
from web.editor.markdown import render_markdown
from web.gaps.queries import open_gap_of_message
from web.http.errors import ApiError
from web.inbox.actions import MAX_REPLY_CHARS, Delivery, close_handoff, reply_to_handoff
from web.inbox.queries import (
    INBOX_PAGE_SIZE,
    count_handoffs,
    counts_by_status,
    customer_question,
    find_handoff,
    last_question,
    list_handoffs,
)
from web.services import get_settings
from web.slack.replies import slack_configured
from web.wording import HEADING_CHARS, clipped

bp = Blueprint("inbox", __name__, url_prefix="/editor/inbox")

STATUS_TABS = (*HANDOFF_STATUSES, "all")


@bp.get("/")
@require_role(*INBOX_READ_ROLES)
def index() -> str:
    status = request.args.get("status") or "open"
    if status not in STATUS_TABS:
        status = "open"
    chosen = None if status == "all" else status
    total = count_handoffs(chosen)
    pages = max(1, -(-total // INBOX_PAGE_SIZE))
    page = min(_page_number(), pages)
    rows = list_handoffs(chosen, limit=INBOX_PAGE_SIZE, offset=(page - 1) * INBOX_PAGE_SIZE)
    return render_template(
        "editor/inbox.html",
        section="inbox",
        status=status,
        tabs=STATUS_TABS,
        counts=counts_by_status(),
        handoffs=[(handoff, customer_question(handoff)) for handoff in rows],
        total=total,
        page=page,
        pages=pages,
    )


def _page_number() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isascii() and value.isdigit() and 0 < len(value) < 7 else 1


@bp.get("/<int:handoff_id>")
@require_role(*INBOX_READ_ROLES)
def handoff(handoff_id: int) -> str:
    return _handoff_page(_handoff(handoff_id))


def _handoff_page(row: Handoff, draft: str | None = None) -> str:
    """The request's page; ``draft``: a reply that was not sent, shown again (in the form while the request is open,
    else beside the reply that was sent first) so that the agent's text is never lost."""
    user = acting_employee()
    settings = get_settings(current_app)
    conversation = row.conversation
    can_save_faq = can_write(user) and row.status == "answered" and bool(row.reply)
    return render_template(
        "editor/handoff.html",
        section="inbox",
        handoff=row,
        conversation=conversation,
        messages=conversation.messages,
        # The bot's answers as the person saw them (a table as a table, **bold** as bold), not as Markdown source;
        # raw HTML in them is escaped (web/editor/markdown.py).
        answers={m.id: render_markdown(m.answer) for m in conversation.messages if m.answer},
        question=clipped(customer_question(row), HEADING_CHARS),  # the heading; the page shows the whole text
        can_answer=can_answer_handoffs(user) and row.status == "open",
        can_save_faq=can_save_faq,
        gap=_open_gap(row, user) if can_save_faq else None,
        mail_configured=bool(settings.smtp_url and settings.mail_from),
        slack_configured=slack_configured(settings),
        max_reply_chars=MAX_REPLY_CHARS,
        draft=draft,
    )


@bp.post("/<int:handoff_id>/reply")
@require_role(*INBOX_ROLES)
def reply(handoff_id: int) -> ResponseReturnValue:
    row = _handoff(handoff_id)
    try:
        text = form_text("reply", "the reply", MAX_REPLY_CHARS)
        delivery = reply_to_handoff(row, acting_employee(), text, get_settings(current_app))
    except ApiError as error:
        return _failed(row, error, draft=request.form.get("reply"))
    message, category = _delivery_message(row, delivery)
    flash(message, category)
    return _back(row)


@bp.post("/<int:handoff_id>/close")
@require_role(*INBOX_ROLES)
def close(handoff_id: int) -> ResponseReturnValue:
    row = _handoff(handoff_id)
    try:
        close_handoff(row, acting_employee())
    except ApiError as error:
        return _failed(row, error)
    flash(f"Hand-off #{row.id} closed without a reply.", "success")
    return redirect(url_for(".index"))


def _open_gap(row: Handoff, user: User) -> Gap | None:
    """The open gap the request's question is evidence of, when ``user`` may resolve it: "Save as FAQ" then resolves
    it with the new entry, as writing an FAQ from the gap's page does. Without it the gap stayed open beside the FAQ
    that answers it, and the editor had to find it and point it at the entry."""
    question = last_question(row)
    gap = open_gap_of_message(question.id) if question is not None else None
    return gap if gap is not None and can_edit_community(user, gap.community) else None


def _delivery_message(row: Handoff, delivery: Delivery) -> tuple[str, str]:
    if delivery.route == "slack":
        return _slack_message(delivery)
    # A customer on the widget or an employee on /help: the chat asks for the reply while its page is open, and
    # shows it when they come back to it (even after they started a new conversation).
    shown = "Reply saved: it shows in their chat when they have it open or come back to it"
    if delivery.status == "sent":
        return f"{shown}, and it was e-mailed to {row.email}.", "success"
    if delivery.status == "failed":
        return f"{shown}, but the e-mail to {row.email} failed: {delivery.error}", "error"
    if delivery.status == "no_address":
        return f"{shown} (they left no e-mail address).", "success"
    return f"{shown}. No e-mail was sent: no mail server is configured (ANSWERDESK_SMTP_URL).", "info"


def _slack_message(delivery: Delivery) -> tuple[str, str]:
    if delivery.status == "sent":
        return "Reply saved and posted in their Slack thread.", "success"
    if delivery.status == "failed":
        return f"Reply saved, but posting it in their Slack thread failed: {delivery.error}", "error"
    return "Reply saved, but not posted: Slack is not configured (ANSWERDESK_SLACK_BOT_TOKEN).", "error"


def _failed(row: Handoff, error: ApiError, draft: str | None = None) -> tuple[str, int]:
    """Someone else was faster (409) or the reply was empty or too long (400): the request's page with the error's
    status (not a redirect to a 200) and the error flashed. The reply typed (``draft``) is kept on the page: two
    agents with one request open, the second one's text was lost with the redirect."""
    db.session.rollback()
    if error.status in (401, 403, 404):
        raise error
    flash(_handled_message(row, draft) if error.code == "handoff_handled" else error.message, "error")
    return _handoff_page(row, draft), error.status


def _handled_message(row: Handoff, draft: str | None) -> str:
    """Someone else answered or closed the request first. One reply per request (web/inbox/actions.py): the
    second is not sent, but the agent sees what was sent and keeps their text."""
    who = row.handled_by.email if row.handled_by is not None else "Another agent"
    done = "answered this request (their reply is below)" if row.status == "answered" else "closed this request"
    kept = " Your reply was not sent: it is kept below for you to copy." if draft and draft.strip() else ""
    return f"{who} {done} while you had it open.{kept}"


def _back(row: Handoff) -> Response:
    return redirect(url_for(".handoff", handoff_id=row.id))


def _handoff(handoff_id: int) -> Handoff:
    row = find_handoff(handoff_id)
    if row is None:
        raise ApiError(404, "handoff_not_found", f"There is no hand-off #{handoff_id}.")
    return row
