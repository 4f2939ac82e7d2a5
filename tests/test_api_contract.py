"""Where the service and its OpenAPI document (web/api/openapi/) disagreed, one explicit case each.

The property-based fuzzer (tests/test_api_fuzz.py) found these; each test here pins the side that was fixed, so
that a regression shows up as a named failure rather than as a fuzzer's shrunk example.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.contract import conforms, conforms_to
from tests.test_api import Service, assert_error, bearer, parse_sse, service, site_headers
from web.api.openapi.document import openapi_document
from web.db.models import GapEvidence, db
from web.http.payloads import NOT_BLANK_PATTERN

pytestmark = pytest.mark.slow

__all__ = ["service"]  # the module-scoped app of tests/test_api.py, used here as a fixture


@pytest.fixture
def client(service: Service) -> FlaskClient:
    return service.client()


def post(client: FlaskClient, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.post(f"/api/v1/{path}", json=body, headers=headers)


def answered_message(service: Service, client: FlaskClient) -> int:
    body = post(client, "chat", {"question": "How do I reset my password?"}, site_headers(service)).get_json()
    message_id: int = body["message_id"]
    return message_id


def a_gap(service: Service, client: FlaskClient) -> int:
    """A gap of the public audience, made the way a visitor makes one: a 👎 on an answer."""
    message_id = answered_message(service, client)
    body = {"message_id": message_id, "helpful": False}
    assert post(client, "feedback", body, site_headers(service)).status_code == 201
    with service.app.app_context():
        gap_id = db.session.scalar(select(GapEvidence.gap_id).where(GapEvidence.message_id == message_id))
    assert gap_id is not None
    return gap_id


# Blank to str.strip(), not to ECMA-262's \s: the characters the two disagree about, and a few both call blank.
BLANKS = ["", " ", "\t\n", "\u001e", "\u0085", "\u3000", "\u2028"]


def test_not_blank_pattern_is_what_str_strip_keeps() -> None:
    not_blank = re.compile(NOT_BLANK_PATTERN)
    everything = (chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert all((not_blank.search(char) is None) == char.isspace() for char in everything)


# -- chat --------------------------------------------------------------------------------------------------------
def test_stream_null_is_not_a_boolean(service: Service, client: FlaskClient) -> None:
    # The document says boolean (default false); null used to be read as "not given".
    body = {"question": "How do I reset my password?", "stream": None}
    response = assert_error(post(client, "chat", body, site_headers(service)), 400, "bad_request")
    assert "'stream'" in response["error"]["message"]


def test_the_document_describes_each_streamed_event(service: Service, client: FlaskClient) -> None:
    # It said {"type": "string"} for text/event-stream: nothing about the events' names, order or data.
    body = {"question": "How do I reset my password?", "stream": True}
    response = post(client, "chat", body, site_headers(service))
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    content = openapi_document()["paths"]["/api/v1/chat"]["post"]["responses"]["200"]["content"]
    event_schema = content["text/event-stream"]["schema"]
    events = parse_sse(response.get_data(as_text=True))
    assert [name for name, _ in events][-2:] == ["citations", "done"]
    branches = {
        b["properties"]["event"]["const"]: b
        for b in openapi_document()["components"]["schemas"]["ChatStreamEvent"]["oneOf"]
    }
    for name, data in events:
        raw = {"event": name, "data": json.dumps(data)}
        assert conforms_to(event_schema, raw), raw
        assert conforms_to(branches[name]["properties"]["data"]["contentSchema"], data), (name, data)


@pytest.mark.parametrize(
    ("path", "body", "schema"),
    [
        ("chat", {"question": "How do I reset my password?", "conversationId": "x"}, "ChatRequest"),
        ("feedback", {"message_id": 1, "helpful": True, "rating": 5}, "FeedbackRequest"),
        ("handoff", {"message": "Call me", "phone": "+49 30 1234567"}, "HandoffRequest"),
    ],
)
def test_a_field_the_route_does_not_take_is_400(
    service: Service, client: FlaskClient, path: str, body: dict[str, Any], schema: str
) -> None:
    # Bodies are closed: the document says additionalProperties: false and the service names the stray field.
    # A misspelt conversationId used to be ignored, so the turn went to a new conversation.
    stray = next(key for key in body if key not in ("question", "message_id", "helpful", "message"))
    response = assert_error(post(client, path, body, site_headers(service)), 400, "bad_request")
    assert f"Unknown field '{stray}'" in response["error"]["message"]
    assert not conforms(schema, body)


@pytest.mark.parametrize("path", ["chat", "handoff"])
@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_conversation_id_is_400_not_a_new_conversation(
    service: Service, client: FlaskClient, path: str, blank: str
) -> None:
    # It used to be read as "not given": the turn or the hand-off silently went to a new conversation.
    body = {"question": "How do I reset my password?", "message": "Call me", "conversation_id": blank}
    body = {key: value for key, value in body.items() if key != ("message" if path == "chat" else "question")}
    response = assert_error(post(client, path, body, site_headers(service)), 400, "bad_request")
    assert "'conversation_id'" in response["error"]["message"]
    assert not conforms("ChatRequest" if path == "chat" else "HandoffRequest", body)


def test_a_null_conversation_id_opens_a_hand_off_conversation_as_documented(
    service: Service, client: FlaskClient
) -> None:
    # The service took null as "no conversation yet" (as chat does); the document said string only.
    body = {"conversation_id": None, "message": "Please call me back"}
    assert conforms("HandoffRequest", body)
    response = post(client, "handoff", body, site_headers(service))
    assert response.status_code == 201 and response.get_json()["conversation_id"]


@pytest.mark.parametrize("blank", BLANKS)
def test_a_blank_question_is_invalid_in_the_document_too(service: Service, client: FlaskClient, blank: str) -> None:
    # The service strips the question and refuses what is left blank; the document only said minLength 1.
    assert_error(post(client, "chat", {"question": blank}, site_headers(service)), 400, "bad_question")
    assert not conforms("ChatRequest", {"question": blank})


def test_the_question_limit_counts_the_text_as_sent(service: Service, client: FlaskClient) -> None:
    # The limit applied after stripping, so 1,999 spaces of padding got a 2,001-character body through.
    padded = "How do I reset my password?" + " " * 2000
    assert_error(post(client, "chat", {"question": padded}, site_headers(service)), 400, "bad_question")
    assert not conforms("ChatRequest", {"question": padded})


@pytest.mark.parametrize("body", [{}, {"message": "  "}, {"email": None, "message": None, "conversation_id": None}])
def test_a_hand_off_without_a_conversation_needs_an_email_or_a_message_in_the_document_too(
    service: Service, client: FlaskClient, body: dict[str, Any]
) -> None:
    # The service has always refused these; the document made every field optional, so {} was valid there.
    assert_error(post(client, "handoff", body, site_headers(service)), 400, "bad_request")
    assert not conforms("HandoffRequest", body)


@pytest.mark.parametrize("email", ["", " ", " visitor@example.com", "visitor@example"])
def test_a_hand_off_email_is_an_address_as_sent(service: Service, client: FlaskClient, email: str) -> None:
    # "" and padded addresses were taken (as "no address" and stripped) though the document said format: email.
    body = {"email": email, "message": "Please call me back"}
    response = assert_error(post(client, "handoff", body, site_headers(service)), 400, "bad_request")
    assert "'email'" in response["error"]["message"]
    assert not conforms("HandoffRequest", body)
    assert conforms("HandoffRequest", {**body, "email": "visitor@example.com"})


# -- feedback ----------------------------------------------------------------------------------------------------


def test_feedback_reasons_null_is_not_a_list(service: Service, client: FlaskClient) -> None:
    # The document says an array of reasons; null used to be read as "no reasons".
    body = {"message_id": answered_message(service, client), "helpful": False, "reasons": None}
    response = assert_error(post(client, "feedback", body, site_headers(service)), 400, "bad_request")
    assert "'reasons'" in response["error"]["message"]


def test_the_comment_limit_counts_the_text_as_sent(service: Service, client: FlaskClient) -> None:
    body = {"message_id": answered_message(service, client), "helpful": True, "comment": "Thanks" + " " * 2000}
    response = assert_error(post(client, "feedback", body, site_headers(service)), 400, "bad_request")
    assert "'comment'" in response["error"]["message"]
    assert not conforms("FeedbackRequest", body)


@pytest.mark.parametrize("message_id", [2**64, 0, -1])
def test_message_ids_beyond_64_bits_or_below_1_are_invalid_in_the_document_too(
    service: Service, client: FlaskClient, message_id: int
) -> None:
    # The document said integer, minimum 1; the service refuses what SQLite cannot store (signed 64 bits).
    body = {"message_id": message_id, "helpful": True}
    assert_error(post(client, "feedback", body, site_headers(service)), 400, "bad_request")
    assert not conforms("FeedbackRequest", body)


def test_an_id_written_as_an_integral_number_is_an_id(service: Service, client: FlaskClient) -> None:
    # JSON Schema's integer takes 1.0 (the document says integer); the service refused anything but 1.
    body = {"message_id": float(answered_message(service, client)), "helpful": True}
    assert conforms("FeedbackRequest", body)
    response = post(client, "feedback", body, site_headers(service))
    assert response.status_code == 201 and response.get_json()["message_id"] == int(body["message_id"])
    half = {"message_id": body["message_id"] + 0.5, "helpful": True}
    assert not conforms("FeedbackRequest", half)
    assert_error(post(client, "feedback", half, site_headers(service)), 400, "bad_request")


# -- editors -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("action", "field"), [("comment", "text"), ("dismiss", "reason")])
def test_blank_gap_texts_are_invalid_in_the_document_too(
    service: Service, client: FlaskClient, action: str, field: str
) -> None:
    # The service refuses a blank comment or dismissal reason; the document said any string, "" included.
    gap_id = a_gap(service, client)
    response = post(client, f"gaps/{gap_id}/{action}", {field: "  "}, bearer(service.editor_token))
    assert_error(response, 400, "bad_request")
    schema = openapi_document()["paths"][f"/api/v1/gaps/{{gap_id}}/{action}"]["post"]["requestBody"]["content"]
    assert not conforms_to(schema["application/json"]["schema"], {field: "  "})
    assert not conforms_to(schema["application/json"]["schema"], {field: "x" * 10_000})


def test_a_blank_edit_suggestion_is_invalid_in_the_document_too(service: Service, client: FlaskClient) -> None:
    response = post(client, "documents/billing/refunds.md/suggestions", {"text": " "}, bearer(service.employee_token))
    assert_error(response, 400, "bad_request")
    operation = openapi_document()["paths"]["/api/v1/documents/{doc_id}/suggestions"]["post"]
    assert not conforms_to(operation["requestBody"]["content"]["application/json"]["schema"], {"text": " "})


def test_a_field_the_faq_does_not_take_is_400(service: Service, client: FlaskClient) -> None:
    body = {"faq": {"question": "Student discount?", "answer": "No.", "tags": ["billing"]}}
    response = post(client, f"gaps/{a_gap(service, client)}/resolve", body, bearer(service.editor_token))
    assert "Unknown field 'faq.tags'" in assert_error(response, 400, "bad_request")["error"]["message"]
    operation = openapi_document()["paths"]["/api/v1/gaps/{gap_id}/resolve"]["post"]
    assert not conforms_to(operation["requestBody"]["content"]["application/json"]["schema"], body)


@pytest.mark.parametrize(("action", "body"), [("merge", {"into": 0}), ("move", {"message_id": 1, "to": 2**63})])
def test_gap_ids_in_bodies_are_positive_64_bit_integers_in_the_document_too(
    service: Service, client: FlaskClient, action: str, body: dict[str, Any]
) -> None:
    response = post(client, f"gaps/{a_gap(service, client)}/{action}", body, bearer(service.editor_token))
    assert_error(response, 400, "bad_request")
    operation = openapi_document()["paths"][f"/api/v1/gaps/{{gap_id}}/{action}"]["post"]
    assert not conforms_to(operation["requestBody"]["content"]["application/json"]["schema"], body)


def test_assigning_to_a_blank_user_is_400_not_an_unassignment(service: Service, client: FlaskClient) -> None:
    # {"user": ""} used to unassign, like {"user": null}; the document says an e-mail or null.
    gap_id = a_gap(service, client)
    editor = bearer(service.editor_token)
    assert post(client, f"gaps/{gap_id}/assign", {"user": "editor@example.com"}, editor).status_code == 200
    assert_error(post(client, f"gaps/{gap_id}/assign", {"user": ""}, editor), 400, "bad_request")
    gap = client.get(f"/api/v1/gaps/{gap_id}", headers=editor).get_json()
    assert (gap["status"], gap["assignee"]) == ("assigned", "editor@example.com")
    operation = openapi_document()["paths"]["/api/v1/gaps/{gap_id}/assign"]["post"]
    assert not conforms_to(operation["requestBody"]["content"]["application/json"]["schema"], {"user": ""})


RESOLVE_FAQ = {"question": "Do you offer a student discount?", "answer": "No, there is no student discount."}


@pytest.mark.parametrize(
    "body",
    [
        {"faq": None, "article_id": "billing/refunds.md"},  # was resolved with the article
        {"faq": RESOLVE_FAQ, "article_id": ""},  # was resolved with the FAQ
        {"faq": RESOLVE_FAQ, "article_id": None},
        {"faq": {**RESOLVE_FAQ, "audience": ""}},  # was the gap's audience
        {"faq": {**RESOLVE_FAQ, "audience": None}},
        {"faq": {**RESOLVE_FAQ, "community": None}},  # was the gap's community
    ],
)
def test_resolve_takes_what_the_document_says_and_nothing_null(
    service: Service, client: FlaskClient, body: dict[str, Any]
) -> None:
    # No member of the resolve body is nullable in the document, and article_id must not be blank; the service
    # read null and "" as "not given" and went on with the other member.
    response = post(client, f"gaps/{a_gap(service, client)}/resolve", body, bearer(service.editor_token))
    assert_error(response, 400, "bad_request")
    operation = openapi_document()["paths"]["/api/v1/gaps/{gap_id}/resolve"]["post"]
    assert not conforms_to(operation["requestBody"]["content"]["application/json"]["schema"], body)


@pytest.mark.parametrize(
    "query", ["to=9999-12-31", "from=0001-01-01T00:00:00%2B01:00", "to=9999-12-31T23:00:00-02:00", "from=9999-12-31"]
)
def test_gap_list_bounds_at_the_ends_of_the_calendar_are_not_a_500(
    service: Service, client: FlaskClient, query: str
) -> None:
    # The day after 9999-12-31, and UTC times before year 1 or after 9999, overflowed: 500 internal_error.
    response = client.get(f"/api/v1/gaps?{query}", headers=bearer(service.editor_token))
    assert response.status_code == 200, response.get_data(as_text=True)
    listed = {gap["id"] for gap in response.get_json()}
    everything = {gap["id"] for gap in client.get("/api/v1/gaps", headers=bearer(service.editor_token)).get_json()}
    assert listed == (set() if query.startswith("from=9999") else everything)


def test_the_contributors_board_up_to_the_last_day_of_the_calendar_is_not_a_500(
    service: Service, client: FlaskClient
) -> None:
    # The day after 9999-12-31 overflowed: 500 internal_error.
    response = client.get("/api/v1/contributors?from=2024-01-01&to=9999-12-31", headers=bearer(service.editor_token))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert (response.get_json()["from"], response.get_json()["to"]) == ("2024-01-01", "9999-12-31")


@pytest.mark.parametrize("query", ["from=20240101", "from=%202024-01-01", "to=2024-W01-1", "to=2024-01-01T00:00"])
def test_contributors_dates_are_as_strict_as_the_document(service: Service, client: FlaskClient, query: str) -> None:
    # date.fromisoformat took compact and week dates, and the board stripped padding; the document says format date
    # (and the analytics API, with the same parameters, already refused them).
    response = client.get(f"/api/v1/contributors?{query}", headers=bearer(service.editor_token))
    assert "YYYY-MM-DD" in assert_error(response, 400, "bad_request")["error"]["message"]


@pytest.mark.parametrize(
    ("path", "template", "names"),
    [
        ("analytics", "/api/v1/analytics", ["from", "to", "audience"]),
        ("contributors", "/api/v1/contributors", ["from", "to"]),
        ("gaps", "/api/v1/gaps", ["audience", "limit", "offset"]),
        ("documents/billing/refunds.md/suggestions", "/api/v1/documents/{doc_id}/suggestions", ["status"]),
    ],
)
def test_an_empty_query_parameter_means_not_given_in_the_document_too(
    service: Service, client: FlaskClient, path: str, template: str, names: list[str]
) -> None:
    # An HTML form sends a field left empty as "?to=", and the service has always read it as absent; the document
    # said a date, an enum or an integer, which "" is not.
    query = "&".join(f"{name}=" for name in names)
    assert client.get(f"/api/v1/{path}?{query}", headers=bearer(service.editor_token)).status_code == 200
    parameters = {p["name"]: p for p in openapi_document()["paths"][template]["get"]["parameters"]}
    for name in names:
        assert conforms_to(parameters[name]["schema"], ""), name


def gap_list_parameter(name: str) -> dict[str, Any]:
    parameters = openapi_document()["paths"]["/api/v1/gaps"]["get"]["parameters"]
    schema: dict[str, Any] = next(p for p in parameters if p["name"] == name)["schema"]
    return schema


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("status", "open, assigned"),  # the service stripped each status and dropped empty ones
        ("status", "open,,assigned"),
        ("from", "2024-01-01T10"),  # datetime.fromisoformat took these; RFC 3339 does not
        ("from", "20240101"),
        ("to", "2024-01-01T10:00:00"),  # no offset
        ("to", " 2024-01-01"),
        ("to", "2016-12-31T23:59:60+01:00"),  # a leap second is 23:59:60 UTC
        ("limit", " 5"),  # int() took these; an integer parameter does not
        ("limit", "1_0"),
        ("offset", "+1"),
        ("q", "refund" + " " * 200),  # the limit applied after stripping
    ],
)
def test_gap_list_parameters_are_read_as_the_document_says(
    service: Service, client: FlaskClient, name: str, value: str
) -> None:
    response = client.get("/api/v1/gaps", query_string={name: value}, headers=bearer(service.editor_token))
    assert f"'{name}'" in assert_error(response, 400, "bad_request")["error"]["message"]
    if name in ("status", "from", "to", "q"):  # the integers' schema cannot tell " 5" from 5 on the wire
        assert not conforms_to(gap_list_parameter(name), value)


@pytest.mark.parametrize(
    ("name", "value"),
    [("status", "open,assigned"), ("from", "2024-01-01t10:00:00.5z"), ("to", "2016-12-31T23:59:60Z")],
)
def test_gap_list_takes_what_the_document_says(service: Service, client: FlaskClient, name: str, value: str) -> None:
    response = client.get("/api/v1/gaps", query_string={name: value}, headers=bearer(service.editor_token))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert conforms_to(gap_list_parameter(name), value)


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("analytics?from=2020-01-01&to=2024-05-07", "/api/v1/analytics"),  # more than 731 days
        ("analytics?from=2024-05-08&to=2024-05-07", "/api/v1/analytics"),
        ("contributors?from=2024-05-08&to=2024-05-07", "/api/v1/contributors"),
    ],
)
def test_dates_that_are_not_a_usable_range_are_bad_range(
    service: Service, client: FlaskClient, path: str, template: str
) -> None:
    # Valid dates by the document's schema, refused by a rule it cannot state: the code (was bad_request, as for
    # a malformed date) now says which, and the operation's 400 documents it.
    assert_error(client.get(f"/api/v1/{path}", headers=bearer(service.editor_token)), 400, "bad_range")
    assert "bad_range" in openapi_document()["paths"][template]["get"]["responses"]["400"]["description"]


# -- every operation ---------------------------------------------------------------------------------------------
EXAMPLE_PATH_PARAMETERS = {"conversation_id": "0" * 32, "gap_id": "1", "doc_id": "billing/refunds.md"}
API_OPERATIONS = [
    (method.upper(), template)
    for template, item in openapi_document()["paths"].items()
    if template.startswith("/api/v1/") and template != "/api/v1/openapi.json"
    for method in item
]


@pytest.mark.parametrize(("method", "template"), API_OPERATIONS)
def test_the_errors_any_request_can_get_are_documented(
    service: Service, client: FlaskClient, method: str, template: str
) -> None:
    # Whatever the operation, a widget without a valid session id gets 400 bad_session_id, a wrong method 405, a
    # body over 64 KiB 413; many operations did not list these (and GET /contributors no 500).
    path = template.format(**EXAMPLE_PATH_PARAMETERS)
    documented = {int(status) for status in openapi_document()["paths"][template][method.lower()]["responses"]}
    got = {
        client.open(path, method=method, headers={"X-Site-Key": service.shop_key}).status_code,
        client.open(path, method="DELETE", headers=site_headers(service)).status_code,
    }
    if method == "POST":
        public = template.split("/")[3] in ("chat", "feedback", "handoff")
        caller = site_headers(service) if public else bearer(service.editor_token)
        got.add(client.post(path, data="x" * 70_000, content_type="application/json", headers=caller).status_code)
    assert got == ({400, 405, 413} if method == "POST" else {400, 405})
    assert got | {401, 500} <= documented, template


def test_response_objects_require_the_fields_the_service_always_sends(service: Service, client: FlaskClient) -> None:
    # Without "required", a response missing any field matched the schema: the fuzzer's body check saw nothing.
    message_id = answered_message(service, client)
    feedback = post(client, "feedback", {"message_id": message_id, "helpful": True}, site_headers(service))
    handoff = post(client, "handoff", {"message": "Please call me"}, site_headers(service))
    conversation_id = handoff.get_json()["conversation_id"]
    conversation = client.get(f"/api/v1/conversations/{conversation_id}", headers=site_headers(service))
    listed = client.get("/api/v1/conversations", headers=site_headers(service)).get_json()["conversations"][0]
    gap = client.get(f"/api/v1/gaps/{a_gap(service, client)}", headers=bearer(service.editor_token)).get_json()
    bodies = {
        "Feedback": feedback.get_json(),
        "Handoff": handoff.get_json(),
        "Conversation": conversation.get_json(),
        "ConversationSummary": listed,
        "Gap": gap,
        "GapQuestion": gap["questions"][0],
    }
    message = post(client, "chat", {"question": "Thanks!", "conversation_id": conversation_id}, site_headers(service))
    assert message.status_code == 200
    turn = client.get(f"/api/v1/conversations/{conversation_id}", headers=site_headers(service)).get_json()
    bodies["Message"] = turn["messages"][0]
    for name, body in bodies.items():
        assert conforms(name, body), name
        for field in body:
            assert not conforms(name, {k: v for k, v in body.items() if k != field}), (name, field)
