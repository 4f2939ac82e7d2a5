"""The editor's articles pages under /editor/articles: the list (filters, stale flag), one document (text, versions,
diff, performance, suggestions, linked gaps), writing in the dashboard and re-reading a folder file (the Markdown
preview the forms use is web/editor/preview.py).

Who: editors, viewers and admins read; editors (for their communities) and admins write; employees get 403.
Documents from a folder sync are not editable here: the next ``answerdesk ingest`` would overwrite the edit with the
file, so the page says where the file is and offers "Re-read from source" once the file is corrected.

A document's page is /editor/articles/<its id>, a dashboard article's /editor/articles/<its slug>
(web/editor/article_paths.py).

``/new?kind=faq`` writes an FAQ entry instead of an article; ``/new?handoff=<id>`` (the inbox's "Save as FAQ") is
that form filled in with the hand-off's question and the agent's reply.

Saving with ``?gap=<id>`` (the gap page's "write an article") points the gap at the document and verifies it
(web.gaps.resolve.resolve_with_article), then returns to the gap page with the outcome.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from chatbot.errors import DocumentLoadError
from chatbot.types import DocumentKind
from ingest.factory import knowledge_write_lock
from ingest.pipeline import SyncReport
from web.access.auth import acting_employee, csrf, current_employee, require_role
from web.access.permissions import READ_ROLES, WRITE_ROLES, can_edit_community, can_write, editor_communities
from web.articles.catalogue import (
    AUDIENCES,
    KINDS,
    STALE_DOWNVOTE_SHARE,
    STALE_MIN_RATED,
    ArticleFilters,
    communities,
    current_version,
    document_performance,
    find_live_document,
    find_version,
    linked_gaps,
    list_articles,
    metadata_changes,
    staleness,
    suggestion_status_counts,
    suggestions_of,
    text_diff,
)
from web.articles.suggestions import Decision
from web.articles.suggestions import decide_suggestion as decide
from web.articles.writer import (
    MAX_BODY_CHARS,
    MAX_FAQ_QUESTION_CHARS,
    DraftForm,
    delete_article,
    is_dashboard_document,
    new_article_id,
    reread_source,
    save_draft,
    source_file,
)
from web.chat.privacy import mask_pii
from web.db.models import Document, EditSuggestion, Gap, Handoff, User, db, utcnow
from web.editor.article_paths import article_path, document_at, register_converter
from web.editor.markdown import render_markdown
from web.gaps.queries import find_gap
from web.gaps.resolve import Verification, resolve_with_article
from web.http.errors import ApiError
from web.http.payloads import int64
from web.inbox.queries import as_faq_question, customer_question, find_handoff
from web.services import get_answerer, get_runtime

bp = Blueprint("editor_articles", __name__, url_prefix="/editor/articles")
# Before the first route: a dashboard article's address is its slug, not its id (web/editor/article_paths.py).
register_converter(bp)

# Article forms and previews carry whole articles: more than the app-wide 64 KiB request limit (made for the chat
# API). 2 MiB holds MAX_BODY_CHARS of Chinese text, URL-encoded at 9 bytes a character.
EDITOR_MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_SEARCH_CHARS = 200
GAP_QUESTIONS_SHOWN = 10
FAILING_QUESTIONS_FLASHED = 5
SUGGESTION_ACTIONS: dict[str, Decision] = {"apply": "applied", "decline": "declined"}
# Gaps no save can change. Any other status is offered; resolve_with_article has the last word (its refusal, e.g.
# an internal article for a public gap, is shown to the editor after the save).
CLOSED_GAP_STATUSES = ("verified", "dismissed")

# The body limit must be raised before anything reads the form, and Flask-WTF's app-wide CSRF check reads it
# first; so this blueprint runs the same check itself, right after raising the limit (allow_article_bodies).
csrf.exempt(bp)


@bp.before_request
def allow_article_bodies() -> None:
    """Raise the body limit for whole articles, then run the CSRF check (also used by web/editor/preview.py)."""
    request.max_content_length = EDITOR_MAX_BODY_BYTES
    request.max_form_memory_size = EDITOR_MAX_BODY_BYTES
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # forms: the csrf_token field; the preview: the X-CSRFToken header


# -- reading -----------------------------------------------------------------------------------------------------
@bp.get("/")
@require_role(*READ_ROLES)
def index() -> str:
    filters = ArticleFilters(
        community=request.args.get("community") or None,
        audience=_choice(request.args.get("audience"), AUDIENCES),
        kind=_choice(request.args.get("kind"), KINDS),
        stale_only=request.args.get("stale") == "1",
        search=(request.args.get("q") or "").strip()[:MAX_SEARCH_CHARS] or None,
    )
    return render_template(
        "editor/articles.html",
        section="articles",
        listing=list_articles(filters, _today()),
        filters=filters,
        communities=communities(),
        audiences=AUDIENCES,
        kinds=KINDS,
        can_write=can_write(current_employee()),
        stale_min_rated=STALE_MIN_RATED,
        stale_share=STALE_DOWNVOTE_SHARE,
    )


@bp.get("/<article:doc_id>")
@require_role(*READ_ROLES)
def article(doc_id: str) -> str:
    return _article_page(_document(doc_id))


def _article_page(document: Document) -> str:
    version = current_version(document)
    content = DraftForm.from_document(document, version)
    performance = document_performance(document)
    user = acting_employee()
    return render_template(
        "editor/article.html",
        section="articles",
        document=document,
        address=article_path(document.id),
        content=content,
        html=render_markdown(content.body),
        performance=performance,
        stale=staleness(document, performance, _today()),
        versions=list(reversed(document.versions)),
        suggestions=suggestions_of(document.id, "open"),
        suggestion_counts=suggestion_status_counts(document.id),
        gaps=linked_gaps(document.id),
        gap=_usable_gap(user),
        editable=is_dashboard_document(document),
        source_path=source_file(document),
        can_edit=can_edit_community(user, document.community),
        stale_min_rated=STALE_MIN_RATED,
        stale_share=STALE_DOWNVOTE_SHARE,
    )


@bp.get("/<article:doc_id>/diff")
@require_role(*READ_ROLES)
def diff(doc_id: str) -> str:
    document = _document(doc_id)
    newest = document.current_version
    b = request.args.get("b", default=newest, type=int64)
    a = request.args.get("a", default=max(1, b - 1), type=int64)
    before, after = find_version(document, a), find_version(document, b)
    if before is None or after is None:
        raise ApiError(404, "version_not_found", f"This document has versions 1 to {newest}.")
    return render_template(
        "editor/article_diff.html",
        section="articles",
        document=document,
        versions=list(reversed(document.versions)),
        before=before,
        after=after,
        lines=text_diff(before, after),
        metadata=metadata_changes(before, after),
    )


# -- writing -----------------------------------------------------------------------------------------------------
@bp.route("/new", methods=["GET", "POST"])
@require_role(*WRITE_ROLES)
def new() -> Any:
    """A new article, or with ``kind=faq`` a new FAQ entry; ``?handoff=<id>`` (the inbox's "Save as FAQ") fills the
    FAQ in with that request's question and the agent's reply, for the editor to review."""
    user = acting_employee()
    gap = _usable_gap(user)
    handoff = _source_handoff()
    kind: DocumentKind = "faq" if handoff is not None or request.values.get("kind") == "faq" else "article"
    if request.method == "POST":
        form = DraftForm.from_request(request.form, kind)
        draft = form.validate()
        if draft is not None and _community_allowed(form, user):
            runtime = get_runtime(current_app)
            with knowledge_write_lock(runtime).held():  # two new articles of one title took the same id
                doc_id = new_article_id(draft.title)
                report = save_draft(draft, doc_id, user, runtime)
            return _after_save(doc_id, report, user, gap, None)
        return _edit_page(form, user, None, gap, None, handoff=handoff), 400
    form = _new_form(user, gap, kind)
    if handoff is not None:
        asked = mask_pii(customer_question(handoff))
        form = replace(
            form,
            title=as_faq_question(asked, MAX_FAQ_QUESTION_CHARS),
            body=handoff.reply or "",
            audience=handoff.conversation.audience,
        )
        shortened = form.title != " ".join(asked.split())
        return _edit_page(form, user, None, gap, None, handoff=handoff, shortened_question=shortened)
    return _edit_page(form, user, None, gap, None, handoff=handoff)


@bp.route("/<article:doc_id>/edit", methods=["GET", "POST"])
@require_role(*WRITE_ROLES)
def edit(doc_id: str) -> Any:
    document = _document(doc_id)
    user = acting_employee()
    if not is_dashboard_document(document):
        flash(
            "This document comes from a folder sync: correct its file, then use Re-read from source "
            "(an edit here would be overwritten by the next `answerdesk ingest`).",
            "error",
        )
        return redirect(url_for(".article", doc_id=document.id, gap=request.args.get("gap", type=int64)))
    _require_community(user, document.community)
    gap = _usable_gap(user)
    suggestion = _open_suggestion(document, request.values.get("suggestion", type=int64))
    if request.method == "POST":
        kind: DocumentKind = "faq" if document.kind == "faq" else "article"
        form = DraftForm.from_request(request.form, kind)
        draft = form.validate()
        base_version = request.form.get("base_version", type=int64)
        if draft is not None and _community_allowed(form, user):
            runtime = get_runtime(current_app)
            # The check and the save under one lock: two editors saving the same version at once both passed the
            # check, and the second save silently dropped the first.
            with knowledge_write_lock(runtime).held():
                db.session.refresh(document)
                if base_version != document.current_version:
                    # Someone saved in between: saving now would silently drop their version's changes.
                    form.errors["conflict"] = (
                        f"Version {document.current_version} was saved while you were editing version "
                        f"{base_version}. Your text is kept below: compare the versions, merge, and save again."
                    )
                    # The form now builds on the version saved meanwhile: once the editor has merged it into the
                    # text kept below, Save saves (it was 409 again forever, the hidden field still at the old one).
                    page = _edit_page(
                        form, user, document, gap, suggestion, document.current_version, conflict_base=base_version
                    )
                    return page, 409
                report = save_draft(draft, document.id, user, runtime)
            return _after_save(document.id, report, user, gap, suggestion)
        return _edit_page(form, user, document, gap, suggestion, base_version), 400
    form = DraftForm.from_document(document, current_version(document))
    return _edit_page(form, user, document, gap, suggestion)


@bp.post("/<article:doc_id>/delete")
@require_role(*WRITE_ROLES)
def delete(doc_id: str) -> Response:
    document = _document(doc_id)
    _require_community(acting_employee(), document.community)
    if not is_dashboard_document(document):
        # A folder's document comes back with the next ingest: it is deleted by removing its file.
        flash("This document comes from a folder sync: delete its file, then run `answerdesk ingest`.", "error")
        return redirect(url_for(".article", doc_id=document.id))
    title = document.title
    delete_article(document.id, acting_employee(), get_runtime(current_app))
    flash(f"Deleted “{title}”: it no longer answers questions (its versions are kept in the audit trail).", "success")
    return redirect(url_for(".index"))


@bp.post("/<article:doc_id>/reread")
@require_role(*WRITE_ROLES)
def reread(doc_id: str) -> Response:
    document = _document(doc_id)
    user = acting_employee()
    _require_community(user, document.community)
    gap = _usable_gap(user)
    back = redirect(url_for(".article", doc_id=document.id, gap=gap.id if gap else None))
    try:
        result = reread_source(document, get_runtime(current_app), lambda c: can_edit_community(user, c))
    except DocumentLoadError as exc:
        flash(exc.message, "error")
        return back
    report = result.report
    flash(
        f"Re-read {result.path}: {report.updated + report.added} updated, {report.unchanged} unchanged.",
        "success" if not result.failed else "error",
    )
    for failure in result.failed:
        flash(f"Not loaded: {failure}", "error")
    if not result.still_there:
        flash("The file no longer holds this document: the next `answerdesk ingest` of its folder deletes it.", "error")
        return back
    if gap is not None:
        return _resolve_gap(gap, user, document.id)
    return back


@bp.post("/<article:doc_id>/suggestions/<int:suggestion_id>")
@require_role(*WRITE_ROLES)
def decide_suggestion(doc_id: str, suggestion_id: int) -> ResponseReturnValue:
    """Mark a suggestion applied or declined. Decided meanwhile by another editor: the article's page with 409 and
    who decided how (it was a redirect to the page, answered 200, with "already declined")."""
    document = _document(doc_id)
    _require_community(acting_employee(), document.community)
    decision = SUGGESTION_ACTIONS.get(request.form.get("action", ""))
    if decision is None:
        raise ApiError(400, "bad_request", "The action must be apply or decline.")
    suggestion = db.session.get(EditSuggestion, suggestion_id)
    if suggestion is None or suggestion.document_id != document.id:
        raise ApiError(404, "suggestion_not_found", "No such suggestion for this document.")
    try:
        decide(suggestion, acting_employee(), decision)
    except ApiError as error:
        if error.status != 409:
            raise
        flash(error.message, "error")
        return _article_page(document), 409
    flash(f"Suggestion {decision}.", "success")
    return redirect(url_for(".article", doc_id=document.id))


# -- helpers -----------------------------------------------------------------------------------------------------
def _edit_page(
    form: DraftForm,
    user: User,
    document: Document | None,
    gap: Gap | None,
    suggestion: EditSuggestion | None,
    base_version: int | None = None,
    handoff: Handoff | None = None,
    shortened_question: bool = False,
    conflict_base: int | None = None,
) -> str:
    allowed = editor_communities(user)
    if allowed is not None and form.community and form.community not in allowed:
        allowed = [*allowed, form.community]  # keep showing the current value (its error says why)
    return render_template(
        "editor/article_edit.html",
        section="articles",
        form=form,
        document=document,
        base_version=base_version if base_version is not None else (document.current_version if document else None),
        conflict_base=conflict_base,
        gap=gap,
        gap_questions=_gap_questions(gap),
        suggestion=suggestion,
        handoff=handoff,
        shortened_question=shortened_question,
        max_faq_question_chars=MAX_FAQ_QUESTION_CHARS,
        allowed_communities=allowed,
        known_communities=communities(),
        audiences=AUDIENCES,
        max_body_chars=MAX_BODY_CHARS,
    )


def _document(path: str) -> Document:
    """The live document whose page ``path`` is: its id, or a dashboard article's slug (web/editor/article_paths.py).
    Views use ``document.id`` from here on, never the path."""
    document = document_at(path)
    if document is None:
        raise ApiError(404, "document_not_found", "No such document in the knowledge base.")
    return document


def _new_form(user: User, gap: Gap | None, kind: DocumentKind = "article") -> DraftForm:
    allowed = editor_communities(user)
    community = gap.community if gap is not None else (allowed[0] if allowed and len(allowed) == 1 else None)
    return DraftForm(
        kind=kind,
        title=mask_pii(gap.title) if gap is not None else "",
        audience="internal" if gap is not None and gap.audience == "internal" else "public",
        community=community or "",
        owner=user.email,
    )


def _after_save(
    doc_id: str, report: SyncReport, user: User, gap: Gap | None, suggestion: EditSuggestion | None
) -> Response:
    document = find_live_document(doc_id)
    version = document.current_version if document is not None else 0
    if report.added or report.updated:
        flash(f"Saved version {version}; it is answering questions now.", "success")
        if suggestion is not None:
            _apply_suggestion(suggestion, user)
    else:
        flash("Nothing changed: no new version was saved.")
    if gap is not None:
        return _resolve_gap(gap, user, doc_id)
    return redirect(url_for(".article", doc_id=doc_id))


def _apply_suggestion(suggestion: EditSuggestion, user: User) -> None:
    """The edit made with a suggestion is saved: mark it applied, unless another editor decided it meanwhile (the
    save stands all the same; the editor is told whose decision stays)."""
    try:
        decide(suggestion, user, "applied")
    except ApiError as error:
        flash(f"The suggestion was not marked applied: {error.message}", "error")


def _resolve_gap(gap: Gap, user: User, doc_id: str) -> Response:
    gap_page = f"{request.script_root}/editor/gaps/{gap.id}"
    try:
        runtime = get_runtime(current_app)
        verification = resolve_with_article(gap, user, doc_id, get_answerer(current_app), runtime.embedder)
    except ApiError as exc:  # closed meanwhile by someone else: the document is saved all the same
        flash(f"Gap #{gap.id} was not resolved: {exc.message}", "error")
        return redirect(gap_page)
    flash(_verification_message(gap, verification), "success" if verification.verified else "error")
    return redirect(gap_page)


def _verification_message(gap: Gap, verification: Verification) -> str:
    if verification.verified:
        return f"Gap #{gap.id} verified: all {verification.replayed} questions are now answered citing the document."
    if not verification.replayed:
        return f"Gap #{gap.id} stays {gap.status}: it has no questions to ask again."
    shown = "; ".join(verification.failing[:FAILING_QUESTIONS_FLASHED])
    more = len(verification.failing) - FAILING_QUESTIONS_FLASHED
    suffix = f" (and {more} more)" if more > 0 else ""
    return (
        f"Gap #{gap.id} stays {gap.status}: {len(verification.failing)} of {verification.replayed} questions are "
        f"not yet answered citing the document: {shown}{suffix}"
    )


def _usable_gap(user: User | None) -> Gap | None:
    """The gap named by ``?gap=`` (or the form's ``gap`` field) that this save should resolve, if it still can."""
    gap_id = request.values.get("gap", type=int64)
    if gap_id is None:
        return None
    gap = find_gap(gap_id)
    if gap is None:
        raise ApiError(404, "gap_not_found", "No such gap.")
    if gap.status in CLOSED_GAP_STATUSES:
        if request.method == "GET":
            flash(f"Gap #{gap.id} is {gap.status}: saving here will not change it.", "error")
        return None
    if not can_edit_community(user, gap.community):
        return None  # viewers, and editors of other communities: the page works, the gap is not theirs to close
    return gap


def _source_handoff() -> Handoff | None:
    """The answered hand-off named by ``?handoff=`` (or the form's ``handoff`` field) that this FAQ is made from."""
    handoff_id = request.values.get("handoff", type=int64)
    if handoff_id is None:
        return None
    handoff = find_handoff(handoff_id)
    if handoff is None:
        raise ApiError(404, "handoff_not_found", f"There is no hand-off #{handoff_id}.")
    return handoff


def _gap_questions(gap: Gap | None) -> list[str]:
    if gap is None:
        return []
    questions = dict.fromkeys(mask_pii(e.question_masked) for e in gap.evidence)
    return list(questions)[:GAP_QUESTIONS_SHOWN]


def _open_suggestion(document: Document, suggestion_id: int | None) -> EditSuggestion | None:
    if suggestion_id is None:
        return None
    suggestion = db.session.get(EditSuggestion, suggestion_id)
    if suggestion is None or suggestion.document_id != document.id or suggestion.status != "open":
        return None
    return suggestion


def _community_allowed(form: DraftForm, user: User) -> bool:
    if can_edit_community(user, form.community or None):
        return True
    form.errors["community"] = f"You write for {', '.join(user.communities)} only."
    return False


def _require_community(user: User, community: str | None) -> None:
    if not can_edit_community(user, community):
        raise ApiError(403, "forbidden", f"Only editors of the community {community} may change this document.")


def _choice(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


def _today() -> date:
    return utcnow().date()
