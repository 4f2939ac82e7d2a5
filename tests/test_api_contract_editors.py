"""Where the editors' API and the OpenAPI document disagreed, one explicit case each (the public API's cases, and
the helpers, are in tests/test_api_contract.py)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.contract import conforms_to
from tests.test_api import Service, assert_error, bearer, service
from tests.test_api_contract import a_gap, post
from web.api.openapi.document import openapi_document

pytestmark = pytest.mark.slow

__all__ = ["service"]  # the module-scoped app of tests/test_api.py, used here as a fixture


@pytest.fixture
def client(service: Service) -> FlaskClient:
    return service.client()


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


def test_a_gap_list_offset_beyond_64_bits_is_invalid_in_the_document_too(service: Service, client: FlaskClient) -> None:
    # The service refuses an offset SQLite cannot take; the document said integer, minimum 0, and no maximum.
    response = client.get(f"/api/v1/gaps?offset={2**63}", headers=bearer(service.editor_token))
    assert "'offset'" in assert_error(response, 400, "bad_request")["error"]["message"]
    parameters = openapi_document()["paths"]["/api/v1/gaps"]["get"]["parameters"]
    offset = next(p for p in parameters if p["name"] == "offset")
    assert not conforms_to(offset["schema"], 2**63)
    assert conforms_to(offset["schema"], 2**63 - 1)
