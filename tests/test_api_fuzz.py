"""The OpenAPI document and the service agree: a property-based fuzzer (schemathesis) sends requests generated from
the document (web/api/openapi/) to the real app, over real SQLite and Chroma with the real embedding model and the
small knowledge base of tests/chat_kb.py, and checks every response.

What is checked, on every case:

- no server error (5xx): ``not_a_server_error``;
- the response conforms: its status code is documented, its content type is, and its body (each event of an event
  stream, too) and headers match the schema: ``status_code_conformance``, ``content_type_conformance``,
  ``response_schema_conformance``, ``response_headers_conformance``;
- the service agrees with the request schema both ways: a request the document says is invalid gets a 4xx
  (``negative_data_rejection``), and one it says is valid is not refused, except with a 400 whose code is a rule
  the operation's 400 response documents because JSON Schema cannot state it, such as ``bad_range`` for a range
  of more than 731 days (``positive_data_acceptance`` and :func:`rule_rejections_are_documented`).

Two callers, as in production: the widget (a site key and a session id) on the public endpoints, an editor's API
token on the editors' ones. Rate limits are off in this app, so that a 429 cannot hide an error.

Bounded: a fixed seed with derandomized generation, so every run sends the same cases; a budget of examples per
operation (:data:`FUZZ_EXAMPLES`) on top of schemathesis's deterministic coverage cases (boundary values and
type mutations of every field). About 3,500 cases in all, in 1 to 2 minutes on a loaded 2-core machine.
:func:`test_the_fuzzer_sent_enough_cases` checks the count after the two fuzz tests have run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from chatbot.config import Settings
from ingest.factory import build_pipeline
from tests.chat_kb import PUBLIC_QUESTION, write_knowledge_base
from web import create_app
from web.access.accounts import create_api_token, create_site, create_user
from web.api.openapi.document import openapi_document
from web.db.engine import upgrade_database
from web.db.models import GapEvidence, db
from web.services import get_runtime

pytestmark = pytest.mark.slow

schemathesis = pytest.importorskip(
    "schemathesis", reason="needs the schemathesis Python package (pip install -e '.[dev]')"
)
openapi_checks = pytest.importorskip("schemathesis.specs.openapi.checks")

SESSION_ID = "fuzz-session-aaaaaaaaaaaa"
DOCUMENT_IDS = ("billing/refunds.md", "account/password.md", "internal/refund-approvals.md")
PUBLIC_PATHS = r"^/api/v1/(chat|feedback|handoff|conversations)(/|$)"
EDITOR_PATHS = r"^/api/v1/(gaps|documents|analytics|contributors|handoffs)(/|$)"
# Generated cases per operation, besides the coverage cases. Operations with few parameters run out of distinct
# cases sooner (GET /conversations has none: a handful of cases); chat is the costliest (each answer ~10-30 ms).
FUZZ_EXAMPLES = {
    "POST /api/v1/chat": 400,
    "POST /api/v1/feedback": 250,
    "POST /api/v1/handoff": 250,
    "GET /api/v1/conversations/{conversation_id}": 150,
    "GET /api/v1/gaps": 250,
    "GET /api/v1/gaps/{gap_id}": 100,
    "POST /api/v1/gaps/{gap_id}/resolve": 120,
    "GET /api/v1/analytics": 200,
    "GET /api/v1/contributors": 200,
}
DEFAULT_FUZZ_EXAMPLES = 120
MIN_CASES = 2000
# A schema-valid request may still break a rule JSON Schema cannot state; the operation's 400 documents each one.
RULE_CODES = {
    "GET /api/v1/analytics": {"bad_range"},
    "GET /api/v1/contributors": {"bad_range"},
    "POST /api/v1/gaps/{gap_id}/assign": {"bad_assignee"},
    "POST /api/v1/gaps/{gap_id}/merge": {"bad_merge"},
    "POST /api/v1/gaps/{gap_id}/move": {"bad_move"},
    "POST /api/v1/gaps/{gap_id}/resolve": {"audience_mismatch"},
}
# What a valid request may get: the credentials are fixed and valid, so no 401 (nor 403, kept for a route whose
# role check a future change gets wrong the safe way); 409 is a closed gap or an answered or closed hand-off.
ACCEPTED = ["2xx", "403", "404", "409"]


def fuzz_config() -> schemathesis.Config:
    operations: list[dict[str, Any]] = [
        {"include-name": label, "generation": {"max-examples": examples}} for label, examples in FUZZ_EXAMPLES.items()
    ]
    operations += [
        {"include-name": label, "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}}}
        for label in RULE_CODES
    ]
    return schemathesis.Config.from_dict(
        {
            "seed": 20261203,
            "suppress-health-check": ["all"],  # slow cases (the real model) and filtered strategies are expected
            "generation": {
                "mode": "all",  # valid and invalid requests
                "deterministic": True,  # Hypothesis derandomize: the same cases on every run
                "database": "none",  # no example database: nothing carried over between runs
                "max-examples": DEFAULT_FUZZ_EXAMPLES,
                # JSON text is UTF-8 (RFC 8259): a lone surrogate is not text, and tests/test_bad_input.py covers it.
                "codec": "utf-8",
                # NUL is refused in every string (400 bad_text: PostgreSQL cannot store it), a rule the document
                # states in words, not in each string's schema; tests/test_bad_input.py covers it too.
                "allow-x00": False,
                # The callers' credentials are fixed (below); generating them would only test the 401s.
                "with-security-parameters": False,
            },
            "phases": {"stateful": {"enabled": False}},
            "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
            "operations": operations,
        }
    )


# The document is code (web/api/openapi/), so it is loaded here, at collection, without an app; each case is then
# sent to the fixture's app. (schemathesis.pytest.from_fixture, the lazy loader, fails on this pytest version.)
SCHEMA = schemathesis.openapi.from_dict(openapi_document(), config=fuzz_config())


def operations_under(paths: str) -> Any:
    """The operations whose path matches ``paths``. (Selected by excluding the others: the per-operation entries
    of the config add an include filter that matches everything, and include filters are OR-ed.)"""
    return SCHEMA.exclude(path_regex=f"^(?!{paths.removeprefix('^')})")


CASES: Counter[tuple[str, str, int]] = Counter()  # (operation, positive | negative, status) -> cases
STREAMED: Counter[str] = Counter()  # operation -> text/event-stream responses


def rule_rejections_are_documented(ctx: Any, response: Any, case: Any) -> None:
    """A schema-valid request refused with 400 must name a rule its operation documents (RULE_CODES)."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 400:
        return
    code = response.json()["error"]["code"]
    allowed = RULE_CODES.get(case.operation.label, set())
    assert code in allowed, f"A request valid by the document got 400 {code}: {response.json()['error']['message']}"


CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
    openapi_checks.positive_data_acceptance,
    rule_rejections_are_documented,
]


@pytest.fixture(scope="module", autouse=True)
def _cases_from_the_seed_and_the_document_only() -> Iterator[None]:
    """Hypothesis draws about 5% of its values from constants it finds in the project's modules that are loaded
    (hypothesis.internal.conjecture.providers), so this module run with the rest of the suite imported sent other
    cases than run alone. With that pool empty, the cases depend on the seed and the document only: a failure of
    the full suite is the same failure here. (An internal of Hypothesis, hence the pinned version.)"""
    from hypothesis.internal.conjecture import providers
    from hypothesis.internal.constants_ast import Constants

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(providers, "_get_local_constants", Constants)
        providers.CONSTANTS_CACHE.cache.clear()  # values chosen from the pool before, by other tests
        yield
    providers.CONSTANTS_CACHE.cache.clear()


@dataclass(frozen=True)
class FuzzService:
    app: Flask
    site_key: str
    editor_token: str
    conversation_ids: list[str]  # the widget's, made by the seeding


@pytest.fixture(scope="module")
def fuzz_service(tmp_path_factory: pytest.TempPathFactory) -> FuzzService:
    base: Path = tmp_path_factory.mktemp("fuzz")
    app = create_app(Settings(data_dir=base / "var", rate_limit="off"), TESTING=True)
    upgrade_database(app)
    with app.app_context():
        report = build_pipeline(get_runtime(app), db.session()).sync_path(write_knowledge_base(base / "kb"))
        assert report.added == 6 and not report.failed
        site_key = create_site("shop", ["https://shop.example"]).key
        editor_token = create_api_token(create_user("editor@example.com", "correct horse", "editor"))
    service = FuzzService(app, site_key, editor_token, [])
    _seed_gaps(service)
    return service


SEED_QUESTIONS = (
    PUBLIC_QUESTION,
    "Do you offer a student discount?",
    "How do I export invoices to Excel?",
    "Can I pay with PayPal?",
    "Is there a dark mode?",
    "How do I delete my account?",
    "Do you have an office in Berlin?",
    "Can I change the currency of an invoice?",
    "Is my data stored in the EU?",
    "How do I invite my accountant?",
    "Does Lumo work on Linux?",
    "Can I print receipts?",
    "What is your phone number?",
    "How do I merge two customers?",
    "Can I import from QuickBooks?",
    "Why was my card declined?",
)


def _seed_gaps(service: FuzzService) -> None:
    """Conversations and gaps (each question gets a 👎), and a hand-off request in each conversation, so that small
    generated ids find rows to act on."""
    client = service.app.test_client()
    for question in SEED_QUESTIONS:
        answer = client.post("/api/v1/chat", json={"question": question}, headers=widget(service)).get_json()
        service.conversation_ids.append(answer["conversation_id"])
        rating = {"message_id": answer["message_id"], "helpful": False, "reasons": ["wrong"]}
        assert client.post("/api/v1/feedback", json=rating, headers=widget(service)).status_code == 201
        handoff = {"conversation_id": answer["conversation_id"], "email": "visitor@example.com"}
        assert client.post("/api/v1/handoff", json=handoff, headers=widget(service)).status_code == 201
    with service.app.app_context():
        assert len(db.session.scalars(select(GapEvidence.gap_id).distinct()).all()) >= CLOSABLE_GAPS + 4


def widget(service: FuzzService) -> dict[str, str]:
    return {"X-Site-Key": service.site_key, "X-Session-Id": SESSION_ID}


def editor(service: FuzzService) -> dict[str, str]:
    return {"Authorization": f"Bearer {service.editor_token}"}


# Rows exist with ids from 1 up (messages, gaps), but a generated id is rarely that small: half of the valid cases
# get an id of a row that exists, so that the success paths are fuzzed as well as the 404s. The actions that close
# a gap (dismiss, merge, move) get the first few gaps only, so that later operations (resolve) find open ones.
EXISTING_IDS = len(SEED_QUESTIONS)
CLOSABLE_GAPS = 6
CLOSING_ACTIONS = ("/dismiss", "/merge", "/move")
ID_FIELDS = ("gap_id", "message_id", "into", "to", "handoff_id")


def aim_at_existing_rows(case: Any, conversation_ids: list[str]) -> None:
    """Valid cases only (an invalid id must stay invalid): odd ids, and ids of odd length, are moved onto rows that
    exist."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    rows = CLOSABLE_GAPS if case.operation.path.endswith(CLOSING_ACTIONS) else EXISTING_IDS
    containers = [case.path_parameters, case.body if isinstance(case.body, dict) else None]
    for container in filter(None, containers):
        for name in ID_FIELDS:
            value = container.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value % 2:
                container[name] = value % rows + 1
        conversation_id = container.get("conversation_id")
        if isinstance(conversation_id, str) and len(conversation_id) % 2:
            container["conversation_id"] = conversation_ids[len(conversation_id) % len(conversation_ids)]
    doc_id = (case.path_parameters or {}).get("doc_id")
    if isinstance(doc_id, str) and len(doc_id) % 2:
        case.path_parameters["doc_id"] = DOCUMENT_IDS[len(doc_id) % len(DOCUMENT_IDS)]


def call_and_check(case: Any, service: FuzzService, headers: dict[str, str]) -> None:
    aim_at_existing_rows(case, service.conversation_ids)
    app = service.app
    response = case.call(app=app, headers=headers)
    mode = "positive" if case.meta is None or case.meta.generation.mode.is_positive else "negative"
    CASES[(case.operation.label, mode, response.status_code)] += 1
    if response.headers.get("content-type", [""])[0].startswith("text/event-stream"):  # lower-case keys, lists
        STREAMED[case.operation.label] += 1
    case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs={"app": app})


@operations_under(PUBLIC_PATHS).parametrize()
def test_public_api_agrees_with_the_document(case: Any, fuzz_service: FuzzService) -> None:
    call_and_check(case, fuzz_service, widget(fuzz_service))


@operations_under(EDITOR_PATHS).parametrize()
def test_editor_api_agrees_with_the_document(case: Any, fuzz_service: FuzzService) -> None:
    call_and_check(case, fuzz_service, editor(fuzz_service))


def test_the_fuzzer_sent_enough_cases(request: pytest.FixtureRequest) -> None:
    fuzz_tests = ("test_public_api_agrees_with_the_document", "test_editor_api_agrees_with_the_document")
    selected = {item.originalname for item in request.session.items if isinstance(item, pytest.Function)}
    if not set(fuzz_tests) <= selected:
        pytest.skip("counts the cases of both fuzz tests; run the whole module")
    operations = {label for label, _mode, _status in CASES}
    expected = {
        result.ok().label
        for paths in (PUBLIC_PATHS, EDITOR_PATHS)
        for result in operations_under(paths).get_all_operations()
    }
    summary = summarize(CASES)
    assert operations == expected, summary
    assert sum(CASES.values()) >= MIN_CASES, summary
    for mode in ("positive", "negative"):
        assert all(CASES[key] for key in CASES if key[1] == mode), summary
    print(summary)


def summarize(cases: Counter[tuple[str, str, int]]) -> str:
    """One line per operation: valid and invalid cases sent, and the statuses they got."""
    lines = []
    for operation in sorted({label for label, _mode, _status in cases}):
        modes: Counter[str] = Counter()
        statuses: Counter[int] = Counter()
        for (label, mode, status), count in cases.items():
            if label == operation:
                modes[mode] += count
                statuses[status] += count
        shown = " ".join(f"{status}:{count}" for status, count in sorted(statuses.items()))
        streamed = f", {STREAMED[operation]} streamed" if STREAMED[operation] else ""
        lines.append(f"{operation}: {modes['positive']} valid + {modes['negative']} invalid ({shown}{streamed})")
    lines.append(f"total: {sum(cases.values())} cases")
    return "\n".join(lines)
