"""Where the service and its OpenAPI document (web/api/openapi/) disagreed, one explicit case each.

The property-based fuzzer (tests/test_api_fuzz.py) found these; each test here pins the side that was fixed, so
that a regression shows up as a named failure rather than as a fuzzer's shrunk example.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.test_api import Service, assert_error, service, site_headers

pytestmark = pytest.mark.slow

__all__ = ["service"]  # the module-scoped app of tests/test_api.py, used here as a fixture


@pytest.fixture
def client(service: Service) -> FlaskClient:
    return service.client()


def post(client: FlaskClient, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.post(f"/api/v1/{path}", json=body, headers=headers)


# -- chat --------------------------------------------------------------------------------------------------------
def test_stream_null_is_not_a_boolean(service: Service, client: FlaskClient) -> None:
    # The document says boolean (default false); null used to be read as "not given".
    body = {"question": "How do I reset my password?", "stream": None}
    response = assert_error(post(client, "chat", body, site_headers(service)), 400, "bad_request")
    assert "'stream'" in response["error"]["message"]


# -- feedback ----------------------------------------------------------------------------------------------------
def answered_message(service: Service, client: FlaskClient) -> int:
    body = post(client, "chat", {"question": "How do I reset my password?"}, site_headers(service)).get_json()
    message_id: int = body["message_id"]
    return message_id


def test_feedback_reasons_null_is_not_a_list(service: Service, client: FlaskClient) -> None:
    # The document says an array of reasons; null used to be read as "no reasons".
    body = {"message_id": answered_message(service, client), "helpful": False, "reasons": None}
    response = assert_error(post(client, "feedback", body, site_headers(service)), 400, "bad_request")
    assert "'reasons'" in response["error"]["message"]
