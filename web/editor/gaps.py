"""The editor dashboard's gap pages: the ranked queue at /editor/ and one gap at /editor/gaps/<id>, with its triage
and resolve actions as HTML forms (POST /editor/gaps/<id>/<action>, CSRF-checked). An action that did what was
asked redirects back to a page with a flash message.

Who sees what: viewers, editors and admins read every gap (employees get 403). The action forms appear only to
those who may act on the gap (an editor of its community, or an admin), and the actions check the same rule
themselves (web.gaps.actions), so a hand-made POST gets the same 403. A refused action is never a redirect to a
page answered 200 (a browser and a script would both take that for success): mistakes an editor can fix (a wrong
gap number, an assignee of another community, an internal answer for a public gap: 400; a question that is not in
the gap: 404; a gap closed meanwhile: 409) are the gap page itself, with the API's status, the error as a flash
and what the editor posted kept in its form (web/editor/gap_forms.py: its text, choices and ticks; the page's
other forms show the gap as stored; a form the page no longer has, such as "dismiss" on a gap someone else
resolved meanwhile, is shown as "Your … (not saved)"); a missing permission is a 403 page. A resolve whose
verification fails is not refused: the FAQ or link is saved and the gap stays open, as the API answers it (200).

The queue shows open and assigned gaps by default (it is a work queue), ranked by count x recency, 50 a page, with
the open hand-off requests in a card beside it (people waiting for a human are the most urgent gaps of all).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from web.access.auth import acting_employee, require_role
from web.access.permissions import READ_ROLES, WRITE_ROLES, can_edit_community
from web.articles.catalogue import communities
from web.chat.privacy import mask_pii
from web.db.models import GAP_OPEN_STATUSES, GAP_STATUSES, Gap, Message, User, db
from web.editor.fields import form_flag, form_id, form_text, optional_form_text
from web.editor.gap_forms import TypedForm, shown_forms
from web.editor.gap_replays import replay_views
from web.editor.gap_sources import LANGUAGE_NAMES, document_languages, left_out_note, listed_sources
from web.gaps.actions import (
    MAX_COMMENT_CHARS,
    add_comment,
    assign_gap,
    assignable_editors,
    dismiss_gap,
    merge_gap,
    move_question,
    refile_gap,
)
from web.gaps.notifications import GapAlerts, gap_alerts
from web.gaps.queries import (
    ACTIVE_STATUSES,
    GapFilter,
    find_gap,
    gap_comments,
    gap_communities,
    gap_events,
    gap_filter_from_args,
    gap_messages,
    gap_page,
    question_json,
)
from web.gaps.resolve import (
    RESOLVABLE_STATUSES,
    FaqDraft,
    Verification,
    article_choices,
    current_faq,
    resolve_with_article,
    resolve_with_faq,
    retrieved_document_ids,
)
from web.gaps.titles import gap_title
from web.http.errors import ApiError
from web.inbox.queries import count_handoffs, list_handoffs
from web.services import get_answerer, get_runtime, get_settings, running_app

bp = Blueprint("editor", __name__, url_prefix="/editor")

PER_PAGE = 50
HANDOFFS_SHOWN = 10
MAX_REASON_CHARS = 2000
MAX_FAQ_QUESTION_CHARS = 500
MAX_FAQ_ANSWER_CHARS = 10000
# The status filter's choices: the default work queue first, then each status, then everything.
STATUS_CHOICES = [(",".join(ACTIVE_STATUSES), "Open & assigned"), *((s, s.capitalize()) for s in GAP_STATUSES)]
STATUS_CHOICES.append(("all", "All"))


# -- pages -------------------------------------------------------------------------------------------------------
@bp.get("/")
@require_role(*READ_ROLES)
def index() -> str:
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    try:
        gap_filter = gap_filter_from_args(args, acting_employee(), default_statuses=ACTIVE_STATUSES)
    except ApiError as error:
        flash(error.message, "error")
        gap_filter, args = GapFilter(statuses=ACTIVE_STATUSES), {}
    result = gap_page(gap_filter, _page_number(), PER_PAGE)
    return render_template(
        "editor/queue.html",
        section="gaps",
        result=result,
        args=args,
        status=args.get("status") or STATUS_CHOICES[0][0],
        status_choices=STATUS_CHOICES,
        communities=gap_communities(),
        handoffs=list_handoffs("open", limit=HANDOFFS_SHOWN),
        open_handoff_count=count_handoffs("open"),
        mask=mask_pii,
    )


def _page_number() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isascii() and value.isdigit() and 0 < len(value) < 7 else 1


@bp.get("/gaps/<int:gap_id>")
@require_role(*READ_ROLES)
def gap(gap_id: int) -> str:
    return _gap_page(_gap(gap_id))


def _gap_page(gap: Gap, typed: TypedForm | None = None) -> str:
    """The gap's page; ``typed``: what a refused form posted, shown again in that form (nothing typed is lost)."""
    typed = typed or TypedForm()
    user = acting_employee()
    messages = gap_messages(gap)
    verification: dict[str, Any] = (gap.resolution or {}).get("verification") or {}
    can_act = can_edit_community(user, gap.community)
    is_open = gap.status in GAP_OPEN_STATUSES
    can_resolve = can_act and gap.status in RESOLVABLE_STATUSES
    # Masked again in case raw questions are kept; clipped for a title stored whole before titles were capped.
    title = gap_title(mask_pii(gap.title))
    questions = _question_views(messages, verification)
    # The articles the page lists as retrieved are the ones offered first to close the gap, for the same reason.
    suggested, others = (
        article_choices(gap, retrieved_document_ids([q["sources"] for q in questions])) if can_resolve else ([], [])
    )
    editors = assignable_editors(gap.community) if can_act else []
    # Where the gap may be filed instead: the communities this editor writes for (all, for most).
    filing = [c for c in communities() if can_edit_community(user, c)] if can_act else []
    forms = shown_forms(can_act, is_open, can_resolve, bool(filing))
    return render_template(
        "editor/gap.html",
        section="gaps",
        gap=gap,
        title=title,
        questions=questions,
        verification=verification,
        replays=replay_views(gap.resolution),
        listed_ids={q["message_id"] for q in questions},
        comments=gap_comments(gap),
        events=gap_events(gap),
        can_act=can_act,
        forms=forms,
        is_open=is_open,
        can_resolve=can_resolve,
        editors=editors,
        assignee_choice=_assignee_choice(gap, user, editors, typed),
        communities=filing,
        community_choice=_community_choice(gap, filing, typed),
        suggested_articles=suggested,
        other_articles=others,
        faq=typed.faq() or current_faq(gap) or FaqDraft(question=title, answer=""),
        typed=typed,
        unsent=typed.unsent(forms, [m.id for m, _ in messages]),
        language_names=LANGUAGE_NAMES,
        faq_audiences=["internal", "public"] if gap.audience == "internal" else ["public"],
        max_comment_chars=MAX_COMMENT_CHARS,
        new_article_url=url_for("editor_articles.index") + f"new?gap={gap.id}",
    )


def _assignee_choice(gap: Gap, reader: User, editors: list[User], typed: TypedForm) -> str:
    """The e-mail the assign form preselects: the one a refused assign posted (if it is a choice at all), else the
    assignee, else the reader ("assign to me" is the common case); "" is "Nobody"."""
    emails = {editor.email for editor in editors}
    posted = typed.value("assign", "user")
    if typed.form == "assign" and (posted in emails or not posted):
        return posted
    if gap.assignee is not None:
        return gap.assignee.email
    return reader.email if reader.email in emails else ""


def _community_choice(gap: Gap, filing: list[str], typed: TypedForm) -> str:
    """The community the filing form preselects: a refused filing's choice when the list has it, else the gap's."""
    posted = typed.value("refile", "community")
    if typed.form == "refile" and (posted in filing or not posted):
        return posted
    return gap.community or ""


def _question_views(messages: list[tuple[Message, list[str]]], verification: dict[str, Any]) -> list[dict[str, Any]]:
    """The API's question shape (masked), plus what the page marks: cited sources, still failing verification; the
    sources listed are those a reader of the question's language could be given."""
    failing_ids = set(verification.get("failing_message_ids") or [])
    languages = document_languages(m for m, _ in messages)
    compares_languages = get_runtime(current_app).embedder.multilingual
    failing_texts = set(verification.get("failing") or [])  # resolutions stored before failing_message_ids existed
    unsupported_ids = set(verification.get("unsupported_message_ids") or [])
    views = []
    for message, kinds in messages:
        view = question_json(message, kinds)
        view["cited"] = {str(c.get("id")) for c in message.citations}
        # Sources in another language than the question's only where the bot could use them (web/editor/gap_sources.py).
        listed = listed_sources(message, languages, compares_languages)
        view["sources"] = listed.sources
        view["sources_left_out"] = left_out_note(listed.left_out) if listed.left_out else None
        view["is_gap"] = message.is_gap  # with reason and confidence: the outcome line (web.wording.answer_outcome)
        view["failing"] = bool(verification) and (
            message.id in failing_ids or (not failing_ids and view["question"] in failing_texts)
        )
        view["unsupported"] = message.id in unsupported_ids  # cited the fix, but the answer is about something else
        view["asked_at"] = message.created_at
        views.append(view)
    return views


# -- actions -----------------------------------------------------------------------------------------------------
@bp.post("/gaps/<int:gap_id>/assign")
@require_role(*WRITE_ROLES)
def assign(gap_id: int) -> ResponseReturnValue:
    gap = _gap(gap_id)
    try:
        email = optional_form_text("user", "the editor", 254)
        assign_gap(gap, acting_employee(), email)
    except ApiError as error:
        return _failed(gap, error)
    flash(f"Assigned to {email}." if email else "Unassigned: the gap is open again.", "success")
    return _back(gap)


@bp.post("/gaps/<int:gap_id>/comment")
@require_role(*WRITE_ROLES)
def comment(gap_id: int) -> ResponseReturnValue:
    gap = _gap(gap_id)
    try:
        add_comment(gap, acting_employee(), form_text("text", "the comment", MAX_COMMENT_CHARS))
    except ApiError as error:
        return _failed(gap, error)
    flash("Comment added.", "success")
    return _back(gap)


@bp.post("/gaps/<int:gap_id>/dismiss")
@require_role(*WRITE_ROLES)
def dismiss(gap_id: int) -> ResponseReturnValue:
    gap = _gap(gap_id)
    try:
        dismiss_gap(gap, acting_employee(), form_text("reason", "the reason", MAX_REASON_CHARS))
    except ApiError as error:
        return _failed(gap, error)
    flash("Gap dismissed.", "success")
    return _back(gap)


@bp.post("/gaps/<int:gap_id>/community")
@require_role(*WRITE_ROLES)
def refile(gap_id: int) -> ResponseReturnValue:
    gap = _gap(gap_id)
    community = request.form.get("community", "").strip() or None
    try:
        if community is not None and community not in communities():
            # A typo would make a community of its own, which no editor is assigned to.
            raise ApiError(400, "bad_request", f"There is no community '{community}'.")
        refile_gap(gap, acting_employee(), community)
    except ApiError as error:
        return _failed(gap, error)
    flash(f"Filed under {community}." if community else "Filed under no community.", "success")
    return _back(gap)


@bp.post("/gaps/<int:gap_id>/merge")
@require_role(*WRITE_ROLES)
def merge(gap_id: int) -> ResponseReturnValue:
    gap = _gap(gap_id)
    try:
        target = _target_gap(form_id("into", "the gap to merge into"))
        merge_gap(gap, acting_employee(), target, _alerts())
    except ApiError as error:
        return _failed(gap, error)
    flash(f"Merged gap #{gap.id} into this gap.", "success")
    return _back(target)


@bp.post("/gaps/<int:gap_id>/move")
@require_role(*WRITE_ROLES)
def move(gap_id: int) -> ResponseReturnValue:
    gap = _gap(gap_id)
    try:
        message_id = form_id("message_id", "the question")
        target = _target_gap(form_id("to", "the gap to move the question to"))
        move_question(gap, acting_employee(), message_id, target, get_runtime(current_app).embedder, _alerts())
    except ApiError as error:
        return _failed(gap, error)
    flash(f"Question moved to gap #{target.id}.", "success")
    return _back(gap)


@bp.post("/gaps/<int:gap_id>/resolve-faq")
@require_role(*WRITE_ROLES)
def resolve_faq(gap_id: int) -> ResponseReturnValue:
    gap = _gap(gap_id)
    try:
        draft = FaqDraft(
            question=form_text("question", "the FAQ question", MAX_FAQ_QUESTION_CHARS),
            answer=form_text("answer", "the FAQ answer", MAX_FAQ_ANSWER_CHARS),
            audience="internal" if request.form.get("audience") == "internal" else "public",
        )
        verification = resolve_with_faq(
            gap,
            acting_employee(),
            draft,
            get_runtime(current_app),
            get_answerer(current_app),
            accept_unverified=form_flag("accept_unverified"),
        )
    except ApiError as error:
        return _failed(gap, error)
    _flash_verification(gap, verification)
    return _back(gap)


@bp.post("/gaps/<int:gap_id>/resolve-article")
@require_role(*WRITE_ROLES)
def resolve_article(gap_id: int) -> ResponseReturnValue:
    gap = _gap(gap_id)
    try:
        article_id = form_text("article_id", "the article", 512)
        verification = resolve_with_article(
            gap,
            acting_employee(),
            article_id,
            get_answerer(current_app),
            get_runtime(current_app).embedder,
            accept_unverified=form_flag("accept_unverified"),
        )
    except ApiError as error:
        return _failed(gap, error)
    _flash_verification(gap, verification)
    return _back(gap)


# -- helpers -----------------------------------------------------------------------------------------------------
def _alerts() -> GapAlerts:
    app = running_app()
    return gap_alerts(app, get_settings(app))


def _flash_verification(gap: Gap, verification: Verification) -> None:
    total, failing = verification.replayed, len(verification.failing)
    if verification.verified:
        answered = "the question is" if total == 1 else f"all {total} questions are"
        flash(f"Verified: {answered} now answered citing the new content. The gap is closed.", "success")
    elif gap.status == "resolved":
        flash(f"Closed as resolved without proof: {failing} of {total} questions still fail verification.", "info")
    elif verification.answer_off_topic:
        flash(
            "Not verified: the FAQ's question matches the gap's questions, but its answer is about something else. "
            "The entry is saved and answers questions as it is written: correct its answer (or delete it) and "
            f"resolve again. The gap stays {gap.status}.",
            "error",
        )
    else:
        flash(
            f"Not verified: {failing} of {total} questions still fail (marked below). The gap stays {gap.status}; "
            "improve the text and resolve again.",
            "error",
        )


def _failed(gap: Gap, error: ApiError) -> tuple[str, int]:
    """A permission problem is a 403 page; anything else the editor can fix is the gap page, answered with the
    error's status (not a redirect to a 200), the error flashed and the posted text kept in its form."""
    db.session.rollback()  # nothing half-done is committed by a later request
    if error.status in (401, 403):
        raise error
    flash(error.message, "error")
    # The view's name tells which form this was (web/editor/gap_forms.py keeps only that form's fields).
    form = (request.endpoint or "").rpartition(".")[2]
    return _gap_page(gap, TypedForm.posted(form, request.form.to_dict())), error.status


def _back(gap: Gap) -> Response:
    return redirect(url_for("editor.gap", gap_id=gap.id))


def _gap(gap_id: int) -> Gap:
    gap = find_gap(gap_id)
    if gap is None:
        raise ApiError(404, "gap_not_found", f"There is no gap #{gap_id}.")
    return gap


def _target_gap(gap_id: int) -> Gap:
    """The other gap of a merge or move: a wrong number is the editor's typo (400 on this gap's page), not a 404
    page (this gap exists)."""
    gap = find_gap(gap_id)
    if gap is None:
        raise ApiError(400, "gap_not_found", f"There is no gap #{gap_id}.")
    return gap
