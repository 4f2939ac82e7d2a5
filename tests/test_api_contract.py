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


# -- every operation ---------------------------------------------------------------------------------------------
EXAMPLE_PATH_PARAMETERS = {
    "conversation_id": "0" * 32,
    "gap_id": "1",
    "doc_id": "billing/refunds.md",
    "handoff_id": "1",
}
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
        "HandoffRequested": handoff.get_json(),
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
