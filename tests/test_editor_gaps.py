"""The editor dashboard's gap pages (/editor/ and /editor/gaps/<id>): roles, filters and search, every form action
with its CSRF check, community scoping, escaping and PII masking. Real model, Chroma and SQLite (the module-scoped
service of tests/test_gaps_api.py, built again for this module)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

import tests.test_gaps_api as gaps_api
from tests.chat_kb import INTERNAL_DOC, SECRET_PHRASE
from tests.sessions import log_in
from tests.test_api import bearer, csrf_token_of
from tests.test_gaps_api import CommunityEditors, GapService, ask, gap_of, new_gap, set_community, widget
from web.access.accounts import find_user_by_email
from web.db.models import Document, Gap, GapComment, GapEvidence, Message, db
from web.gaps.titles import MAX_GAP_TITLE_CHARS
from web.services import get_runtime

# The module-scoped fixtures of the gap API tests, registered here (pytest builds them again for this module).
service = gaps_api.service
community_editors = gaps_api.community_editors
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def logged_in(service: GapService, email: str) -> FlaskClient:
    """A browser session of ``email`` (Flask-Login's session keys), without going through the login form."""
    client = service.client()
    with service.app.app_context():
        user = find_user_by_email(email)
        assert user is not None
        user_id = user.id
    log_in(client, user_id)
    return client


def csrf_token(client: FlaskClient) -> str:
    page = client.get("/editor/")
    assert page.status_code == 200
    match = CSRF_META.search(page.get_data(as_text=True))
    assert match
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    """Post a form as the page does (with its CSRF token) and follow the redirect to the page with the flash."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client)}, follow_redirects=True)


def gap_row(service: GapService, gap_id: int) -> Gap:
    with service.app.app_context():
        gap = db.session.get(Gap, gap_id)
        assert gap is not None
        db.session.expunge(gap)
        return gap


def linked_gaps(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'href="/editor/gaps/(\d+)"', html)}


def queue(client: FlaskClient, query: str = "") -> str:
    response = client.get(f"/editor/?{query}")
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


@pytest.fixture(scope="module")
def public_gap(service: GapService) -> int:
    return new_gap(service, service.client(), "Do you sell gift cards for birthdays?")


# -- roles -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["editor", "viewer", "admin"])
def test_pages_render_for_readers(service: GapService, public_gap: int, role: str) -> None:
    client = logged_in(service, f"{role}@example.com")
    listed = queue(client)
    assert public_gap in linked_gaps(listed) and "open hand-off request" in listed
    page = client.get(f"/editor/gaps/{public_gap}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Do you sell gift cards for birthdays?" in html
    forms = re.findall(rf'action="/editor/gaps/{public_gap}/([a-z-]+)"', html)
    if role == "viewer":
        assert forms == [] and "Read only" in html
    else:
        assert {"assign", "comment", "merge", "move", "dismiss", "resolve-faq", "resolve-article"} <= set(forms)
        assert 'data-markdown-preview="#faq-preview"' in html and 'id="faq-preview"' in html
        assert f'href="/editor/articles/new?gap={public_gap}"' in html


def test_employees_get_403_and_anonymous_visitors_the_login_page(service: GapService, public_gap: int) -> None:
    employee = logged_in(service, "employee@example.com")
    for path in ("/editor/", f"/editor/gaps/{public_gap}"):
        assert employee.get(path).status_code == 403
        anonymous = service.client().get(path)
        assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith(f"/login?next={path}")
    assert logged_in(service, "editor@example.com").get("/editor/gaps/999999").status_code == 404


ACTIONS = {
    "assign": {"user": "editor@example.com"},
    "comment": {"text": "hi"},
    "dismiss": {"reason": "no"},
    "merge": {"into": "1"},
    "move": {"message_id": "1", "to": "1"},
    "resolve-faq": {"question": "Q?", "answer": "A."},
    "resolve-article": {"article_id": "billing/plans.md"},
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", ["viewer", "employee", "anonymous"])
def test_readers_cannot_post_actions(service: GapService, public_gap: int, role: str, action: str) -> None:
    client = service.client() if role == "anonymous" else logged_in(service, f"{role}@example.com")
    token = csrf_token_of(client.get("/login").get_data(as_text=True))  # a valid token: only the role is wrong
    response = client.post(f"/editor/gaps/{public_gap}/{action}", data={**ACTIONS[action], "csrf_token": token})
    if role == "anonymous":
        # A form posted without a sign-in: the page that says so and keeps the text (web/http/expired.py).
        assert response.status_code == 401 and "sign in again" in response.get_data(as_text=True)
    else:
        assert response.status_code == 403
    with service.app.app_context():
        assert db.session.scalar(select(GapComment.id).where(GapComment.gap_id == public_gap)) is None
    row = gap_row(service, public_gap)
    assert row.status == "open" and row.assignee_id is None and row.resolution is None


# -- the queue ---------------------------------------------------------------------------------------------------
def test_filters_and_search_narrow_the_queue(service: GapService, public_gap: int) -> None:
    client = service.client()
    voucher = new_gap(service, client, "Can I return a wedding present bought with a voucher?")
    chinese = new_gap(service, client, "你们的仓库在哪个城市?")
    internal = new_gap(service, client, "How do I book the boardroom projector?", bearer(service.tokens["employee"]))
    beta = new_gap(service, client, "Do you recycle old printer cartridges?")
    set_community(service, beta, "beta")
    editor = logged_in(service, "editor@example.com")
    post_form(editor, f"/editor/gaps/{voucher}/assign", {"user": "editor@example.com"})
    mine = {voucher, chinese, internal, beta}

    assert mine <= linked_gaps(queue(editor))  # the default: open and assigned
    assert linked_gaps(queue(editor, "q=WEDDING")) & mine == {voucher}
    assert linked_gaps(queue(editor, "q=仓库")) & mine == {chinese}
    assert linked_gaps(queue(editor, "audience=internal")) & mine == {internal}
    assert linked_gaps(queue(editor, "community=beta")) == {beta}
    assert linked_gaps(queue(editor, "assignee=me")) & mine == {voucher}
    assert linked_gaps(queue(editor, "status=open")) & mine == {chinese, internal, beta}
    assert linked_gaps(queue(editor, "to=2000-01-31")) == set()
    today = gap_row(service, voucher).last_seen.date().isoformat()
    assert mine <= linked_gaps(queue(editor, f"from={today}&to={today}"))
    assert "beta" in re.findall(r'<option value="([^"]+)"', queue(editor))  # the community filter offers it

    post_form(editor, f"/editor/gaps/{chinese}/dismiss", {"reason": "out of scope"})
    assert chinese not in linked_gaps(queue(editor))
    assert chinese in linked_gaps(queue(editor, "status=dismissed"))
    assert chinese in linked_gaps(queue(editor, "status=all"))

    bad = queue(editor, "from=someday")  # a bad filter is explained, and the open queue shown
    assert "&#39;from&#39; must be a date" in bad and voucher in linked_gaps(bad)


def test_the_queue_is_paginated(service: GapService, public_gap: int, monkeypatch: pytest.MonkeyPatch) -> None:
    for question in ("Do you have a podcast?", "Can I visit your factory?"):
        new_gap(service, service.client(), question)
    monkeypatch.setattr("web.editor.gaps.PER_PAGE", 2)
    editor = logged_in(service, "editor@example.com")
    first = queue(editor, "status=all")
    heading = re.search(r"<h2 id=\"queue-heading\">(\d+) gap", first)
    assert heading is not None and "Page 1 of" in first
    total = int(heading.group(1))
    assert total >= 3
    pages = [linked_gaps(queue(editor, f"status=all&page={n}")) for n in range(1, (total + 1) // 2 + 1)]
    seen = [gap_id for page in pages for gap_id in page]
    assert len(seen) == len(set(seen)) == total  # every gap once, on one page
    assert re.search(r'href="/editor/\?[^"]*page=2[^"]*">Next', first)


# -- actions -----------------------------------------------------------------------------------------------------
def test_triage_forms_change_the_gap(service: GapService) -> None:
    client = service.client()
    editor = logged_in(service, "editor@example.com")
    tokyo = "Do you have an office in Tokyo?"
    cat = "Can I bring my cat to the vet with me?"
    office = new_gap(service, client, tokyo)
    pets = new_gap(service, client, cat)
    target = new_gap(service, client, "Do you sponsor local football teams?")
    assert len({office, pets, target}) == 3

    assigned = post_form(editor, f"/editor/gaps/{office}/assign", {"user": "admin@example.com"})
    assert "Assigned to admin@example.com." in assigned.get_data(as_text=True)
    assert gap_row(service, office).status == "assigned"

    commented = post_form(editor, f"/editor/gaps/{office}/comment", {"text": "Check with facilities\nbefore May"})
    assert "Comment added." in commented.get_data(as_text=True)
    assert "Check with facilities\nbefore May" in commented.get_data(as_text=True)

    merged = post_form(editor, f"/editor/gaps/{pets}/merge", {"into": f"#{office}"})
    assert merged.request.path == f"/editor/gaps/{office}"  # lands on the gap that now holds the questions
    assert gap_row(service, pets).status == "dismissed" and gap_row(service, office).count == 2

    # Move the representative question away: the title passes to the question that stays.
    with service.app.app_context():
        tokyo_message = db.session.scalar(
            select(GapEvidence.message_id).where(GapEvidence.gap_id == office, GapEvidence.question_masked == tokyo)
        )
    moved = post_form(editor, f"/editor/gaps/{office}/move", {"message_id": str(tokyo_message), "to": str(target)})
    assert f"Question moved to gap #{target}." in moved.get_data(as_text=True)
    after = gap_row(service, office)
    assert after.count == 1 and after.title == cat and gap_row(service, target).count == 2
    with service.app.app_context():
        (cat_vector,) = get_runtime(service.app).embedder.encode_queries([cat])
    assert np.allclose(after.centroid, cat_vector, atol=1e-5)

    wrong = post_form(editor, f"/editor/gaps/{office}/merge", {"into": "999999"})
    assert "There is no gap #999999." in wrong.get_data(as_text=True) and gap_row(service, office).count == 1
    dismissed = post_form(editor, f"/editor/gaps/{office}/dismiss", {"reason": "facilities question"})
    assert "Gap dismissed." in dismissed.get_data(as_text=True) and gap_row(service, office).status == "dismissed"
    again = post_form(editor, f"/editor/gaps/{office}/dismiss", {"reason": "again"})
    assert "only open or assigned gaps change" in again.get_data(as_text=True)
    trail = again.get_data(as_text=True)
    for words in ("assigned to admin@example.com", f"received the questions of gap #{pets}", "moved to gap #"):
        assert words in trail


def test_refused_actions_are_4xx_pages_that_keep_what_was_typed(service: GapService) -> None:
    """A refused action redirected to the gap page, answered 200: a script and the browser both took it for success
    (a browser check). Now it is the gap page itself with the API's status, the error flashed, the text kept."""
    client = service.client()
    gap_id = new_gap(service, client, "Do you deliver to Antarctic research stations?")
    other = new_gap(service, client, "Can I rent a canoe from you?")
    editor = logged_in(service, "editor@example.com")

    def refused(action: str, data: dict[str, str], status: int, error: str) -> str:
        token = csrf_token(editor)
        response = editor.post(f"/editor/gaps/{gap_id}/{action}", data={**data, "csrf_token": token})
        html = str(response.get_data(as_text=True))
        assert response.status_code == status, (action, response.status_code, html[:300])
        assert "Location" not in response.headers and re.search(rf'class="flash error"[^>]*>[^<]*{error}', html)
        assert "<h1>Do you deliver to Antarctic research stations?" in html  # the gap's own page
        return html

    assert 'value="999999"' in refused("merge", {"into": "999999"}, 400, "There is no gap #999999.")
    refused("comment", {"text": "   "}, 400, "Fill in the comment.")
    refused("assign", {"user": "employee@example.com"}, 400, "Assign a gap to the e-mail of an editor or admin.")
    refused("community", {"community": "no-such-team"}, 400, "There is no community")
    moved = refused("move", {"message_id": "999999", "to": str(other)}, 404, "is not a question of gap")
    assert "Your move (not saved)" in moved and f">{other}</textarea>" in moved  # no form left for that question
    internal_faq = {"question": "Who ships to Antarctica?", "answer": "Our *polar* partner.", "audience": "internal"}
    html = refused("resolve-faq", internal_faq, 400, "an internal FAQ or article cannot close it")
    assert 'value="Who ships to Antarctica?"' in html and "Our *polar* partner.</textarea>" in html

    assert post_form(editor, f"/editor/gaps/{gap_id}/dismiss", {"reason": "out of scope"}).status_code == 200
    refused("dismiss", {"reason": "Our own reason"}, 409, "only open or assigned")
    good_faq = {**internal_faq, "audience": "public"}
    closed = refused("resolve-faq", good_faq, 409, "it cannot be resolved again")
    assert "Your FAQ entry (not saved)" in closed and "Our *polar* partner.</textarea>" in closed
    assert gap_row(service, gap_id).status == "dismissed" and gap_row(service, other).count == 1


def form_html(html: str, action: str) -> str:
    """The HTML of the page's form that posts to ``action`` (the last part of its URL)."""
    match = re.search(rf'<form[^>]*action="/editor/gaps/\d+/{action}".*?</form>', html, re.S)
    assert match, action
    return match.group(0)


def test_a_refused_form_keeps_its_values_and_the_others_show_the_gap_as_stored(service: GapService) -> None:
    """A refused form kept its text fields only: its ticks were lost ("close as resolved even if verification fails"
    had to be ticked again), and the page read every form's values from whatever was posted, so a field of one form
    filled in another. Now the refused form shows all it posted, and every other form shows the gap as stored."""
    gap_id = new_gap(service, service.client(), "Do you repaint old wooden toboggans?")
    editor = logged_in(service, "editor@example.com")
    post_form(editor, f"/editor/gaps/{gap_id}/assign", {"user": "admin@example.com"})
    saved_faq = {"question": "Do you repaint toboggans?", "answer": "Our shop is open 9 to 5.", "audience": "public"}
    unverified = post_form(editor, f"/editor/gaps/{gap_id}/resolve-faq", saved_faq).get_data(as_text=True)
    assert "Not verified" in unverified and gap_row(service, gap_id).status == "assigned"

    def refused(action: str, data: dict[str, str], status: int) -> str:
        response = editor.post(f"/editor/gaps/{gap_id}/{action}", data={**data, "csrf_token": csrf_token(editor)})
        assert response.status_code == status, (action, response.get_data(as_text=True)[:300])
        return str(response.get_data(as_text=True))

    def stored_elsewhere(html: str, *forms: str) -> None:
        """The forms not posted show the gap as stored: its assignee, its saved FAQ, nothing typed, nothing ticked."""
        if "assign" in forms:
            assert '<option value="admin@example.com" selected>' in form_html(html, "assign")
        if "resolve-faq" in forms:
            faq = form_html(html, "resolve-faq")
            assert 'value="Do you repaint toboggans?"' in faq and "Our shop is open 9 to 5.</textarea>" in faq
            assert "checked" not in faq
        if "resolve-article" in forms:
            assert "checked" not in form_html(html, "resolve-article")
        for action in ("merge", "dismiss"):
            if action in forms:
                assert 'value=""' in form_html(html, action).split('name="csrf_token"', 1)[1]
        if "comment" in forms:
            assert 'class="comment-box"></textarea>' in form_html(html, "comment")

    # A hand-made merge that also posts the dismiss form's field: it fills in its own form only.
    merge = refused("merge", {"into": "999999", "reason": "sneaked in"}, 400)
    assert 'value="999999"' in form_html(merge, "merge") and "sneaked in" not in merge
    stored_elsewhere(merge, "assign", "resolve-faq", "resolve-article", "dismiss", "comment")

    internal = {"article_id": INTERNAL_DOC, "accept_unverified": "1"}
    article = refused("resolve-article", internal, 400)
    assert "checked" in form_html(article, "resolve-article")  # the tick is kept...
    stored_elsewhere(article, "assign", "resolve-faq", "merge", "dismiss", "comment")  # ...in its own form only

    typed_faq = {
        "question": "Who paints toboggans?",
        "answer": "Our *painter*.",
        "audience": "internal",
        "accept_unverified": "on",
    }
    faq_page = refused("resolve-faq", typed_faq, 400)
    faq = form_html(faq_page, "resolve-faq")
    assert 'value="Who paints toboggans?"' in faq and "Our *painter*.</textarea>" in faq and "checked" in faq
    stored_elsewhere(faq_page, "assign", "resolve-article", "merge", "dismiss", "comment")

    comment = refused("comment", {"text": "x" * 5001}, 400)
    assert "x" * 5001 + "</textarea>" in form_html(comment, "comment")
    stored_elsewhere(comment, "assign", "resolve-faq", "resolve-article", "merge", "dismiss")
    row = gap_row(service, gap_id)
    assert row.status == "assigned" and row.dismissed_reason is None


def test_a_dismiss_refused_because_the_gap_changed_keeps_the_reason(service: GapService) -> None:
    """Dismissing a gap another editor had resolved meanwhile answered 409 with the page, but the page had no dismiss
    form any more (the gap was not open), so the reason typed was gone. It is kept now, ready to be added as a
    comment (closed gaps take comments)."""
    gap_id = new_gap(service, service.client(), "Can I pay for toboggan wax with store credit?")
    editor, admin = logged_in(service, "editor@example.com"), logged_in(service, "admin@example.com")
    assert 'name="reason"' in editor.get(f"/editor/gaps/{gap_id}").get_data(as_text=True)  # the editor's open page
    closed = {"article_id": "billing/plans.md", "accept_unverified": "1"}
    assert "Closed as resolved" in post_form(admin, f"/editor/gaps/{gap_id}/resolve-article", closed).get_data(
        as_text=True
    )

    reason = "Store credit questions go to the <shop> team, not to us"
    response = editor.post(f"/editor/gaps/{gap_id}/dismiss", data={"reason": reason, "csrf_token": csrf_token(editor)})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and re.search(r'class="flash error"[^>]*>[^<]*only open or assigned', html)
    assert "Your dismiss reason (not saved)" in html and "The gap is resolved now" in html
    kept = form_html(html, "comment")  # the first comment form: the one holding the reason
    assert "Store credit questions go to the &lt;shop&gt; team, not to us</textarea>" in kept
    assert gap_row(service, gap_id).status == "resolved" and gap_row(service, gap_id).dismissed_reason is None

    commented = post_form(editor, f"/editor/gaps/{gap_id}/comment", {"text": reason}).get_data(as_text=True)
    assert "Comment added." in commented and "not saved" not in commented
    with service.app.app_context():
        assert db.session.scalar(select(GapComment.text).where(GapComment.gap_id == gap_id)) == reason


def test_actions_need_the_csrf_token(service: GapService, public_gap: int) -> None:
    assert service.app.config.get("WTF_CSRF_ENABLED", True) is True  # make_app keeps CSRF on
    editor = logged_in(service, "editor@example.com")
    for action, data in (("comment", {"text": "sneaky"}), ("dismiss", {"reason": "sneaky"})):
        refused = editor.post(f"/editor/gaps/{public_gap}/{action}", data=data)
        # Said in plain words (a form without its token is a page that outlived its sign-in), not "CSRF".
        assert refused.status_code == 400 and "nothing was saved" in refused.get_data(as_text=True)
        forged = editor.post(f"/editor/gaps/{public_gap}/{action}", data={**data, "csrf_token": "forged"})
        assert forged.status_code == 400
    with service.app.app_context():
        assert db.session.scalar(select(GapComment.id).where(GapComment.text == "sneaky")) is None
    assert gap_row(service, public_gap).status in ("open", "assigned")


def test_an_editor_of_another_community_can_neither_act_nor_be_assigned(
    service: GapService, community_editors: CommunityEditors
) -> None:
    gap_id = new_gap(service, service.client(), "Do you offer engraving on gift pens?")
    set_community(service, gap_id, "beta")
    alpha = logged_in(service, "alpha-editor@example.com")
    page = alpha.get(f"/editor/gaps/{gap_id}").get_data(as_text=True)
    assert f'action="/editor/gaps/{gap_id}/' not in page and "you do not edit the community" in page
    token = csrf_token(alpha)
    for action, data in (
        ("assign", {"user": "alpha-editor@example.com"}),
        ("comment", {"text": "mine"}),
        ("dismiss", {"reason": "mine"}),
        ("resolve-article", {"article_id": "billing/plans.md"}),
    ):
        assert alpha.post(f"/editor/gaps/{gap_id}/{action}", data={**data, "csrf_token": token}).status_code == 403

    admin = logged_in(service, "admin@example.com")
    assign_form = admin.get(f"/editor/gaps/{gap_id}").get_data(as_text=True)
    options = set(re.findall(r'<option value="([^"]*@[^"]*)"', assign_form))
    assert "beta-editor@example.com" in options and "admin@example.com" in options
    assert "alpha-editor@example.com" not in options and "employee@example.com" not in options
    refused = post_form(admin, f"/editor/gaps/{gap_id}/assign", {"user": "alpha-editor@example.com"})
    assert "does not edit the community" in refused.get_data(as_text=True)
    assert gap_row(service, gap_id).assignee_id is None


def test_the_merge_form_refuses_another_community(service: GapService) -> None:
    """The scope rule holds on the page as in the API: an admin's merge across communities is a flash, not a merge."""
    client = service.client()
    beta = new_gap(service, client, "Can I rent a projector for a weekend?")
    unrouted = new_gap(service, client, "Do you sell spare keyboard keys?")
    set_community(service, beta, "beta")
    admin = logged_in(service, "admin@example.com")
    page = post_form(admin, f"/editor/gaps/{beta}/merge", {"into": str(unrouted)}).get_data(as_text=True)
    assert "communities differ" in page and "one article can close gaps of both" in page
    assert gap_row(service, beta).status == "open" and gap_row(service, unrouted).count == 1


def test_a_gap_filed_under_another_community_can_then_be_merged(
    service: GapService, community_editors: CommunityEditors
) -> None:
    """The same question asked twice made a gap of no community and one of "beta", which could never be merged and
    no control could change (a browser check, round 38). An editor of both files one under the other's community."""
    client = service.client()
    beta = new_gap(service, client, "Do you lend spare chargers to customers?")
    set_community(service, beta, "beta")
    unrouted = new_gap(
        service, client, "Do you lend spare chargers to your customers?"
    )  # no community: a gap of its own
    assert unrouted != beta
    admin = logged_in(service, "admin@example.com")
    beta_doc = {"title": "Spare chargers", "body": "We lend chargers.", "community": "beta", "audience": "public"}
    saved = post_form(admin, "/editor/articles/new", {**beta_doc, "review_by": "", "tags": "", "owner": ""})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    page = admin.get(f"/editor/gaps/{unrouted}").get_data(as_text=True)
    assert f'action="/editor/gaps/{unrouted}/community"' in page and '<option value="beta"' in page

    unknown = post_form(admin, f"/editor/gaps/{unrouted}/community", {"community": "betta"}).get_data(as_text=True)
    assert "There is no community" in unknown and gap_row(service, unrouted).community is None
    alpha = logged_in(service, "alpha-editor@example.com")  # edits "alpha" only: may not hand it to "beta"
    assert "do not edit the community" in post_form(
        alpha, f"/editor/gaps/{unrouted}/community", {"community": "beta"}
    ).get_data(as_text=True)
    assert gap_row(service, unrouted).community is None

    filed = post_form(admin, f"/editor/gaps/{unrouted}/community", {"community": "beta"}).get_data(as_text=True)
    assert "Filed under beta." in filed and gap_row(service, unrouted).community == "beta"
    merged = post_form(admin, f"/editor/gaps/{unrouted}/merge", {"into": str(beta)}).get_data(as_text=True)
    assert "communities differ" not in merged
    assert gap_row(service, beta).count == 2 and gap_row(service, unrouted).status == "dismissed"


# -- resolve -----------------------------------------------------------------------------------------------------
def test_resolving_with_an_faq_from_the_page_verifies(service: GapService) -> None:
    question = "Do you offer a student discount?"
    gap_id = new_gap(service, service.client(), question)
    editor = logged_in(service, "editor@example.com")
    useless = {
        "question": "When is the office open?",
        "answer": "Our office is open from 9 to 5.",
        "audience": "public",
    }
    failed = post_form(editor, f"/editor/gaps/{gap_id}/resolve-faq", useless).get_data(as_text=True)
    assert "Not verified: 1 of 1 questions still fail" in failed and "still fails verification" in failed
    assert "Our office is open from 9 to 5." in failed  # the saved FAQ is offered again for improvement
    assert gap_row(service, gap_id).status == "open"
    # What the bot answered the replayed question, why that did not verify, and what to try next.
    (replay,) = replay_items(failed)
    assert question in replay and "replay fails" in replay
    assert "Did not know (out of scope: nothing in the knowledge base matched)" in replay, replay
    assert "I don&#39;t know" in replay  # the answer's excerpt
    assert "Nothing matched this question" in replay

    good = {**useless, "question": question, "answer": "Yes: students get **50%** off the Plus plan."}
    verified = post_form(editor, f"/editor/gaps/{gap_id}/resolve-faq", good).get_data(as_text=True)
    assert "Verified: the question is now answered" in verified
    row = gap_row(service, gap_id)
    assert row.status == "verified" and row.verified_at is not None
    (replay,) = replay_items(verified)  # a passed verification lists its answers too, with no hint
    answered = re.escape(f"Answered from “{question}”") + r" with confidence [01]\.\d\d<"
    assert "replay passes" in replay and re.search(answered, replay), replay
    assert "students get **50%** off the Plus plan" in replay and 'class="hint"' not in replay, replay
    assert f'action="/editor/gaps/{gap_id}/resolve-faq"' not in verified  # closed: no more actions
    with service.app.app_context():
        document = db.session.get(Document, f"editor/faq#gap-{gap_id}")
        assert document is not None and document.versions[-1].author == "editor@example.com"
    answer = ask(service.client(), widget(service, "visitor-after-student-faq"), question)
    assert f"editor/faq#gap-{gap_id}" in {c["id"] for c in answer["citations"]}


def test_public_gaps_refuse_internal_answers_and_accept_unverified_closes(service: GapService) -> None:
    gap_id = new_gap(service, service.client(), "Who approves a refund of 300 EUR?")
    editor = logged_in(service, "editor@example.com")
    page = editor.get(f"/editor/gaps/{gap_id}").get_data(as_text=True)
    assert f'value="{INTERNAL_DOC}"' not in page  # only public documents are offered for a public gap
    assert '<option value="internal"' not in page.split('name="audience"', 1)[1].split("</select>", 1)[0]

    refused = post_form(editor, f"/editor/gaps/{gap_id}/resolve-article", {"article_id": INTERNAL_DOC})
    assert "an internal FAQ or article cannot close it" in refused.get_data(as_text=True)
    internal_faq = {"question": "Who approves refunds?", "answer": "A tier 2 agent.", "audience": "internal"}
    refused = post_form(editor, f"/editor/gaps/{gap_id}/resolve-faq", internal_faq)
    assert "an internal FAQ or article cannot close it" in refused.get_data(as_text=True)
    assert gap_row(service, gap_id).status == "open"

    accepted = post_form(
        editor, f"/editor/gaps/{gap_id}/resolve-article", {"article_id": "billing/plans.md", "accept_unverified": "1"}
    ).get_data(as_text=True)
    assert "Closed as resolved without proof" in accepted
    assert gap_row(service, gap_id).status == "resolved"


def replay_items(html: str) -> list[str]:
    """The replayed questions the verification section lists, one HTML item each."""
    section = html.split('id="verification-heading"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<li class="replay .*?</li>', section, re.S)


def test_each_replay_outcome_reads_in_plain_words() -> None:
    """The outcome line and hint of every kind of replay (web/editor/gap_replays.py), without a service."""
    from web.editor.gap_replays import replay_views

    fix = {"id": "editor/faq#gap-1", "title": "Student discount"}
    other = {"id": "billing/plans.md", "title": "Plans and pricing"}

    def view(**replay: Any) -> tuple[str, str | None]:
        base = {"message_id": 7, "question": "q?", "answer": "a", "confidence": 0.5}
        (shown,) = replay_views({"faq_id": fix["id"], "verification": {"replays": [{**base, **replay}]}})
        return shown.outcome, shown.hint

    assert view(outcome="cited_fix", passed=True, answered=True, citation=fix, confidence=0.834) == (
        "Answered from “Student discount” with confidence 0.83",
        None,
    )
    outcome, hint = view(outcome="unsupported", answered=True, citation=fix)
    assert outcome.startswith("Answered from “Student discount”") and hint and "not about this question" in hint
    outcome, hint = view(outcome="cited_other", answered=True, citation=other)
    assert outcome.startswith("Answered from “Plans and pricing”") and hint and "instead of your fix" in hint
    assert view(outcome="cited_other", answered=True)[0] == "Answered without citing an article"
    outcome, hint = view(outcome="not_sure", reason="low_confidence", suggested=fix, confidence=0.97)
    assert outcome == "Not sure — suggested “Student discount”" and hint and "found but not trusted" in hint
    outcome, hint = view(outcome="not_sure", reason="low_confidence", suggested=other)
    assert outcome == "Not sure — suggested “Plans and pricing”" and hint and "“Plans and pricing”" in hint
    assert view(outcome="not_sure", reason="low_confidence")[0] == "Not sure — suggested no article"
    outcome, hint = view(outcome="did_not_know", reason="no_match")
    assert outcome == "Did not know (out of scope: nothing in the knowledge base matched)"
    assert hint and hint.startswith("Nothing matched this question")
    assert view(outcome="did_not_know", reason="llm_declined")[0].startswith("Did not know (the articles found")
    assert view(outcome="did_not_know", reason="empty_index")[0] == "Did not know (the knowledge base was empty)"
    assert view(outcome="something_new", reason="surprise")[0] == "Did not know"  # a later kind, read by this code
    assert replay_views({"verification": {"replayed": 1, "failing": ["q?"]}}) == []  # stored before replays


def test_a_failed_verification_says_the_bot_was_not_sure_and_what_it_suggested(service: GapService) -> None:
    """The fix the editor pointed at was found, but the bot would not answer from it ("I'm not sure"): the page
    says so, names what it suggested, and hints at what to change."""
    question = "Can I get a refund in cash?"
    gap_id = new_gap(service, service.client(), question)
    editor = logged_in(service, "editor@example.com")
    page = post_form(editor, f"/editor/gaps/{gap_id}/resolve-article", {"article_id": "billing/refunds.md"})
    html = page.get_data(as_text=True)
    assert "Not verified" in html and gap_row(service, gap_id).status == "open"
    (replay,) = [item for item in replay_items(html) if question in item]
    assert "Not sure — suggested “Refunds”" in replay, replay
    assert "I&#39;m not sure" in replay  # the answer's excerpt
    assert 'class="hint"' in replay and "found but not trusted as the answer" in replay
    assert 'href="#q' in replay  # to the question's own answer and sources below


def test_a_failed_verification_names_the_other_article_the_bot_cited(service: GapService) -> None:
    """Answered, but from another article than the fix: the page names it, so the editor knows which one wins."""
    client = service.client()
    headers = widget(service, "visitor-enterprise-plan-cost-0")
    question = "What does the Enterprise plan cost?"
    answer = ask(client, headers, question)
    assert not answer["is_gap"] and answer["citations"][0]["id"] == "billing/plans.md", answer
    feedback = {"message_id": answer["message_id"], "helpful": False, "reasons": ["wrong"]}
    assert client.post("/api/v1/feedback", json=feedback, headers=headers).status_code == 201
    gap_id = gap_of(service, answer["message_id"])
    assert gap_id is not None
    editor = logged_in(service, "editor@example.com")
    html = post_form(editor, f"/editor/gaps/{gap_id}/resolve-article", {"article_id": "billing/refunds.md"}).get_data(
        as_text=True
    )
    (replay,) = [item for item in replay_items(html) if question in item]
    assert "replay fails" in replay and "Answered from “Plans and pricing”" in replay, replay
    assert "Lumo has three plans." in replay
    assert "instead of your fix" in replay


def test_replays_are_escaped_and_old_verifications_still_read(service: GapService) -> None:
    """Questions, answers and titles are untrusted text (a visitor's, a document's): escaped like the rest of the
    page. A verification stored before replays were kept lists its failing questions as it did."""
    question = "Can I pay for a subscription with gold bars?"
    gap_id = new_gap(service, service.client(), question)
    with service.app.app_context():
        message_id = db.session.scalar(select(GapEvidence.message_id).where(GapEvidence.gap_id == gap_id))
        gap = db.session.get(Gap, gap_id)
        assert gap is not None
        old = {"replayed": 1, "answered": 0, "verified": False, "failing": [question]}
        gap.resolution = {"article_id": "billing/plans.md", "verification": old, "accepted_unverified": False}
        db.session.commit()
    viewer = logged_in(service, "viewer@example.com")
    page = viewer.get(f"/editor/gaps/{gap_id}").get_data(as_text=True)
    assert f'<li class="failing">{question}</li>' in page and replay_items(page) == []

    replay = {
        "message_id": message_id,
        "question": "<script>alert('q')</script> gold?",
        "answered": True,
        "reason": None,
        "confidence": 0.91,
        "citation": {"id": "evil.md", "title": "<img src=x onerror=alert(1)>"},
        "suggested": None,
        "answer": "<b>Pay</b> in gold",
        "outcome": "cited_other",
        "passed": False,
    }
    with service.app.app_context():
        gap = db.session.get(Gap, gap_id)
        assert gap is not None
        gap.resolution = {
            "article_id": "billing/plans.md",
            "verification": {**old, "failing_message_ids": [message_id], "replays": [replay]},
            "accepted_unverified": False,
        }
        db.session.commit()
    page = viewer.get(f"/editor/gaps/{gap_id}").get_data(as_text=True)
    (item,) = replay_items(page)
    assert "<script>alert(" not in page and "&lt;script&gt;alert(&#39;q&#39;)&lt;/script&gt; gold?" in item
    assert "<img src=x" not in page and "Answered from “&lt;img src=x onerror=alert(1)&gt;”" in item
    assert "<b>Pay</b>" not in page and "&lt;b&gt;Pay&lt;/b&gt; in gold" in item
    assert f'<li class="failing">{question}</li>' not in page  # the replays say it, one line each


def test_a_public_gaps_replays_show_nothing_internal(service: GapService) -> None:
    """The replay asks a public gap's questions as the widget does: the internal article that would answer them is
    neither cited, suggested nor named on the page, nor stored with the verification."""
    gap_id = new_gap(service, service.client(), "Who approves a refund of 450 EUR?")
    editor = logged_in(service, "editor@example.com")
    html = post_form(editor, f"/editor/gaps/{gap_id}/resolve-article", {"article_id": "billing/refunds.md"}).get_data(
        as_text=True
    )
    assert replay_items(html) and "Not verified" in html
    for text in (html, str(gap_row(service, gap_id).resolution)):
        assert INTERNAL_DOC not in text and SECRET_PHRASE not in text and "Refund approval limits" not in text


# -- what the bot did --------------------------------------------------------------------------------------------
def test_a_question_says_what_the_bot_did_without_contradicting_itself(service: GapService) -> None:
    """ "Confidence 0.96 · reason: low confidence" (a browser check): "I'm not sure" also follows a confident match
    that does not say what was asked. A non-answer now says what the person was told; a number only with an answer."""
    question = "Do you ship spare parts to Greenland?"
    gap_id = new_gap(service, service.client(), question)
    with service.app.app_context():
        message_id = db.session.scalar(select(GapEvidence.message_id).where(GapEvidence.gap_id == gap_id))
        message = db.session.get(Message, message_id)
        assert message is not None
        message.is_gap, message.reason, message.confidence = True, "low_confidence", 0.96
        db.session.commit()
    page = logged_in(service, "viewer@example.com").get(f"/editor/gaps/{gap_id}").get_data(as_text=True)
    assert "Not sure: suggested articles to read instead of answering" in page
    assert not re.search(r"[Cc]onfidence:? 0\.96", page) and "reason: low confidence" not in page


def test_sources_in_another_language_are_listed_only_where_the_bot_could_use_them(
    service: GapService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tester's finding: an English question's gap page listed a Chinese article among its retrieved sources (and
    offered it first to close the gap). With MiniLM, the nearest pages of an English question that matches nothing
    are often Chinese ones, and the bot never offers them to that reader. The page now lists a source in another
    language only when the bot cited or suggested it, or the embedder compares languages; it marks the language and
    says how many were left out."""
    gap_id = new_gap(service, service.client(), "Do you have an office in Reykjavik?")
    source = {"title": "办公地点", "score": 0.61, "url": None}
    with service.app.app_context():
        for doc_id, title in (("zh/offices.md", "办公地点"), ("zh/refund-window.md", "退款期限")):
            db.session.add(
                Document(id=doc_id, source_root="zh", title=title, audience="public", language="zh", content_hash="0")
            )
        message_id = db.session.scalar(select(GapEvidence.message_id).where(GapEvidence.gap_id == gap_id))
        message = db.session.get(Message, message_id)
        assert message is not None and message.language == "en"
        message.sources = [
            {**source, "id": "zh/offices.md"},
            {**source, "id": "billing/plans.md", "title": "Plans and pricing", "score": 0.42},
            {**source, "id": "zh/refund-window.md", "title": "退款期限", "score": 0.40},
        ]
        message.citations, message.related = [], [{"id": "billing/plans.md", "title": "Plans and pricing"}]
        db.session.commit()
    editor = logged_in(service, "editor@example.com")

    def listed() -> tuple[list[tuple[str, str]], str, str]:
        page = editor.get(f"/editor/gaps/{gap_id}").get_data(as_text=True)
        table = page.split('<table class="sources">', 1)[1].split("</table>", 1)[0]
        rows = re.findall(r"<tr>\s*<td>(\d+)</td>.*?<code>([^<]+)</code>(.*?)</td>", table, re.S)
        retrieved = page.split('<optgroup label="Retrieved for these questions">', 1)[1].split("</optgroup>", 1)[0]
        return (
            [(rank, doc_id + (" (Chinese)" if "Chinese" in rest else "")) for rank, doc_id, rest in rows],
            page,
            retrieved,
        )

    rows, page, retrieved = listed()
    assert rows == [("2", "billing/plans.md")]  # its rank in the search stays
    assert "2 Chinese documents found by the search are not listed" in page and "zh/" not in retrieved

    with service.app.app_context():  # the bot suggested one of them (a name both languages share, say)
        message = db.session.get(Message, message_id)
        assert message is not None
        message.related = [*message.related, {"id": "zh/refund-window.md", "title": "退款期限"}]
        db.session.commit()
    rows, page, _ = listed()
    assert rows == [("2", "billing/plans.md"), ("3", "zh/refund-window.md (Chinese)")]
    assert "1 Chinese document found by the search is not listed" in page

    monkeypatch.setattr(get_runtime(service.app).embedder, "multilingual", True)  # it compares languages
    rows, page, _ = listed()
    assert rows == [("1", "zh/offices.md (Chinese)"), ("2", "billing/plans.md"), ("3", "zh/refund-window.md (Chinese)")]
    assert "not listed" not in page


# -- escaping and privacy ----------------------------------------------------------------------------------------
def test_questions_are_escaped_and_masked_on_the_pages(service: GapService) -> None:
    client = service.client()
    script = "<script>alert('gap')</script> can I pay with bitcoin?"
    script_gap = new_gap(service, client, script)
    personal = "I am jane.doe@example.com, card 4111 1111 1111 1111: can I pay by wire from Iceland?"
    personal_gap = new_gap(service, client, personal)
    editor = logged_in(service, "editor@example.com")
    post_form(editor, f"/editor/gaps/{script_gap}/comment", {"text": "<img src=x onerror=alert(1)>"})
    feedback_message = ask(client, widget(service, "visitor-escape-feedback-0"), "How do I reset my password?")
    client.post(
        "/api/v1/feedback",
        json={
            "message_id": feedback_message["message_id"],
            "helpful": False,
            "comment": "<b>bold</b> call +44 20 7946 0958",
        },
        headers=widget(service, "visitor-escape-feedback-0"),
    )
    feedback_gap = gap_of(service, feedback_message["message_id"])
    assert feedback_gap is not None

    for path in ("/editor/?status=all", f"/editor/gaps/{script_gap}"):
        html = editor.get(path).get_data(as_text=True)
        assert "<script>alert(" not in html and "&lt;script&gt;alert(" in html
    page = editor.get(f"/editor/gaps/{script_gap}").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    for path in ("/editor/?status=all", f"/editor/gaps/{personal_gap}"):
        html = editor.get(path).get_data(as_text=True)
        assert "jane.doe@example.com" not in html and "4111" not in html and "[email]" in html
    feedback_page = editor.get(f"/editor/gaps/{feedback_gap}").get_data(as_text=True)
    assert "7946" not in feedback_page and "&lt;b&gt;bold&lt;/b&gt; call [phone]" in feedback_page


def test_a_long_question_gives_a_clipped_title_and_stays_whole_in_the_evidence(service: GapService) -> None:
    """A 2,000-character spam question ("refund refund …" in the QA report) was the whole title of its gap, in the
    queue's row and the page's heading."""
    spam = " ".join(["penguin"] * 250)  # 1,999 characters (a chat question has at most 2,000)
    gap_id = new_gap(service, service.client(), spam)
    title = gap_row(service, gap_id).title
    assert len(title) <= MAX_GAP_TITLE_CHARS and title.endswith("penguin…")

    editor = logged_in(service, "editor@example.com")
    listed = queue(editor, "status=all").split(f'href="/editor/gaps/{gap_id}">', 1)[1].split("</a>", 1)[0]
    assert listed.endswith("…") and len(listed) <= 140
    page = editor.get(f"/editor/gaps/{gap_id}").get_data(as_text=True)
    assert f"<h1>{title} " in page and spam not in page.split("</h1>", 1)[0]
    assert f"<h3>{spam}</h3>" in page  # the question itself, in the gap's evidence


def test_internal_gaps_may_be_closed_with_any_document(service: GapService) -> None:
    gap_id = new_gap(service, service.client(), "Where is the staff canteen menu?", bearer(service.tokens["employee"]))
    page = logged_in(service, "editor@example.com").get(f"/editor/gaps/{gap_id}").get_data(as_text=True)
    assert f'value="{INTERNAL_DOC}"' in page and 'value="billing/plans.md"' in page
    audiences = page.split('name="audience"', 1)[1].split("</select>", 1)[0]
    assert '<option value="internal"' in audiences and '<option value="public"' in audiences


def test_the_queue_is_ranked_by_count_and_recency(service: GapService) -> None:
    from datetime import timedelta

    from web.db.models import utcnow
    from web.gaps.queries import GapFilter, rank_value, search_gaps

    now = utcnow()
    assert rank_value(4, now - timedelta(days=7), now) == pytest.approx(2.0)
    client = service.client()
    old_big = new_gap(service, client, "Do you sponsor local football clubs?")
    fresh_small = new_gap(service, client, "Can I order a custom coloured mug?")
    with service.app.app_context():
        big = db.session.get(Gap, old_big)
        assert big is not None
        big.count, big.last_seen = 3, now - timedelta(days=30)  # 3 x 0.5^(30/7) = 0.15 < 1
        db.session.commit()
        ranked = [gap.id for gap in search_gaps(GapFilter(), limit=10000)[0]]
        assert ranked.index(fresh_small) < ranked.index(old_big)
        big.last_seen = now
        db.session.commit()
        ranked = [gap.id for gap in search_gaps(GapFilter(), limit=10000)[0]]
        assert ranked.index(old_big) < ranked.index(fresh_small)
