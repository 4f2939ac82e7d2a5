"""Reading JSON request bodies: each field checked for its type, with a 400 that names the field.

Every JSON body goes through :func:`json_object`, which also rejects, whatever the route, what would otherwise fail
deep inside (the tokenizer, SQLite, the JSON parser's recursion) as a 500:

- text that is not valid Unicode: a lone surrogate (``"\\ud800"`` is valid JSON, but cannot be encoded as UTF-8,
  stored or embedded) in any string or key, at any depth: 400 ``bad_text``;
- the NUL character (``"\\u0000"``), also valid JSON, anywhere in the same places: 400 ``bad_text``. PostgreSQL's
  text columns cannot hold it (psycopg refuses it before sending: a 500), SQLite would keep it (so the two
  databases would disagree), and the C strings of libpq, mail headers and logs end at it. Rejected rather than
  stripped: a client that sends NUL has a bug (a C buffer sent whole, a binary field) and should hear of it, not
  have its text changed quietly. Other control characters (tab, form feed, escape) are kept: every store holds them,
  JSON and HTML escape them, and they come in pasted text;
- integers outside signed 64 bits (what SQLite stores) anywhere in the body: 400 ``bad_request``;
- nesting deeper than :data:`MAX_JSON_DEPTH`: 400 ``bad_json``, checked on the raw text before parsing.

:func:`register_input_checks` does the same for the rest of a request: integer path parts (``<int:...>``) beyond
64 bits do not match the route (404), and a query string value with a lone surrogate is 400 ``bad_text``
(werkzeug already keeps invalid UTF-8 percent-encoded, so this is a second line of defence). NUL is 400 ``bad_text``
in every other text a request brings: query strings, path parts, header values (gunicorn refuses those already) and
form fields (the editor's and sign-in pages; checked by :class:`CheckedRequest` when the form is parsed, so that a
blueprint can still raise the body limit first).
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

from flask import Flask, Request, current_app, request
from werkzeug.routing import IntegerConverter, Map

from chatbot.language import has_visible_text
from web.http.errors import ApiError

# The characters str.strip() removes (str.isspace), spelled out: the OpenAPI document uses these patterns too, and
# JSON Schema patterns are ECMA-262 regular expressions, whose \s is a different set (tests/test_api_contract.py).
WHITESPACE = "\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
# Text that is not blank: what a required text field must contain besides whitespace.
NOT_BLANK_PATTERN = f"[^{WHITESPACE}]"
# Deliberately loose: one @, no spaces, a dot in the domain. Only a mail that arrives proves an address.
# Written with WHITESPACE rather than \s so that the document can use the very same pattern.
EMAIL_PATTERN = f"^[^@{WHITESPACE}]+@[^@{WHITESPACE}]+\\.[^@{WHITESPACE}.]+$"
_EMAIL = re.compile(EMAIL_PATTERN)
MAX_EMAIL_LENGTH = 254
# Real bodies nest 2 or 3 levels; the parser itself recurses and gives up (RecursionError) near 1,000.
MAX_JSON_DEPTH = 32
MIN_INT64 = -(2**63)
MAX_INT64 = 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")
_NUL = "\x00"
_NOT_SHOWN = re.compile("[\ud800-\udfff\x00]")  # what an error message must not quote back
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_FIELD_SHOWN_CHARS = 64


def json_object(*fields: str) -> dict[str, Any]:
    """The request's JSON object, checked as the module docstring says; with ``fields``, a field that is not one of
    them is a 400 (:func:`check_fields`)."""
    if not request.is_json:
        raise ApiError(400, "bad_json", "Send a JSON object with Content-Type: application/json.")
    raw = request.get_data(cache=True)  # a body over the size limit raises 413
    _require_whole(raw)
    try:
        text = raw.decode(json.detect_encoding(raw))
    except (UnicodeDecodeError, LookupError):
        raise ApiError(400, "bad_json", "The request body is not UTF-8 JSON.") from None
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ApiError(400, "bad_json", f"The request body nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        data = current_app.json.loads(text)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", "The request body is not a JSON object.")
    check_json_values(data)
    if fields:
        check_fields(data, fields)
    return data


def _require_whole(raw: bytes) -> None:
    """A body shorter than its Content-Length (the client gave up sending it) is refused, not read as what arrived:
    behind gunicorn the stream ends where the client stopped. A chunked body (no Content-Length) is read up to the
    size limit and no further, so one that reaches the limit is over it."""
    declared = request.content_length
    if declared is not None and len(raw) != declared:
        raise ApiError(400, "bad_request", f"The request body ended after {len(raw)} of its {declared} bytes.")
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if declared is None and limit is not None and len(raw) >= limit:
        raise ApiError(413, "body_too_large", f"The request body is larger than the {limit // 1024} KiB limit.")


def json_depth(text: str) -> int:
    """How deep the arrays and objects of the JSON ``text`` nest (brackets inside strings do not count)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(1 if char in "[{" else -1 for char in brackets), default=0)


def check_json_values(value: object, field: str = "") -> None:
    """Raise a 400 naming the field for a lone surrogate or a NUL in a string or key, or an integer beyond 64 bits."""
    if isinstance(value, str):
        check_text(value, field or "body")
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        return
    elif isinstance(value, int):
        if not MIN_INT64 <= value <= MAX_INT64:
            raise ApiError(400, "bad_request", f"'{field or 'body'}' is out of range: integers must fit in 64 bits.")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{field}.{_shown(key)}" if field else _shown(key)
            check_text(key, name)
            check_json_values(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_json_values(item, f"{field}[{index}]")


def check_text(value: str, field: str) -> None:
    """400 ``bad_text`` for text no store can keep as sent (the module docstring says why)."""
    if _SURROGATE.search(value):
        raise ApiError(
            400, "bad_text", f"'{field}' is not valid Unicode text: it contains a lone surrogate (such as \\ud800)."
        )
    if _NUL in value:
        raise ApiError(
            400, "bad_text", f"'{field}' contains a NUL character (\\u0000), which text cannot hold; remove it."
        )


def _shown(key: str) -> str:
    """A key as an error message may quote it: surrogates and NUL replaced (the message must encode, and be
    readable), long keys cut."""
    return _NOT_SHOWN.sub("\ufffd", key[:_FIELD_SHOWN_CHARS])


class Int64Converter(IntegerConverter):
    """``<int:...>`` path parts that fit in SQLite's signed 64 bits; a larger id matches no route (404). ASCII digits
    only: werkzeug's ``\\d`` also matched "١٣" and "１３", which int() reads as 13, so /gaps/١٣ was gap 13."""

    regex = r"[0-9]+"
    signed_regex = r"-?[0-9]+"

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = None, signed: bool = False
    ) -> None:
        # The keyword names are werkzeug's (``<int(max=9):n>``), hence builtins.min/max here.
        lowest = MIN_INT64 if min is None else builtins.max(min, MIN_INT64)
        highest = MAX_INT64 if max is None else builtins.min(max, MAX_INT64)
        super().__init__(map, fixed_digits, lowest, highest, signed)


def int64(value: str) -> int:
    """``int`` for ``request.args.get(name, type=int64)``: out of 64 bits, or other than ASCII digits ("١٣"), is a
    ValueError, so the default is used."""
    if not re.fullmatch(r"\s*[-+]?[0-9]+\s*", value):
        raise ValueError(f"{value!r} is not a whole number in ASCII digits")
    number = int(value)
    if not MIN_INT64 <= number <= MAX_INT64:
        raise ValueError(f"{value!r} does not fit in 64 bits")
    return number


class CheckedRequest(Request):
    """Form fields get the checks of JSON strings when the form is parsed, whoever reads it first (Flask-WTF's CSRF
    check, a view). Not in a before_request hook: reading the form there would apply the default body limit before
    the article editor's blueprint raises it (web/editor/articles.py)."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        for name, values in self.form.lists():
            check_text(name, _shown(name))
            for value in values:
                check_text(value, _shown(name))


def register_input_checks(app: Flask) -> None:
    """Call before the blueprints are registered: their rules take the ``int`` converter when they are added."""
    app.url_map.converters["int"] = Int64Converter
    app.request_class = CheckedRequest
    app.before_request(_check_query_string)
    app.before_request(_check_path_and_headers)


def _check_query_string() -> None:
    for name, values in request.args.lists():
        check_text(name, _shown(name))
        for value in values:
            check_text(value, _shown(name))


def _check_path_and_headers() -> None:
    """Path parts (``/conversations/<conversation_id>``) are looked up as sent; header values too (X-Site-Key)."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            check_text(value, name)
    for name, value in request.headers.items():
        if _NUL in value:
            raise ApiError(400, "bad_text", f"The {name} header contains a NUL character (\\u0000); remove it.")


def _bad(field: str, expected: str) -> ApiError:
    return ApiError(400, "bad_request", f"'{field}' must be {expected}.")


def check_fields(data: dict[str, Any], allowed: Sequence[str], where: str = "") -> None:
    """Bodies are closed (additionalProperties: false in the document): a field the route does not take is a 400,
    so that a misspelt "conversationId" is an error instead of being ignored (and the turn starting a new
    conversation). ``where`` names the enclosing object in the message, e.g. "faq"."""
    for key in data:
        if key not in allowed:
            name = f"{where}.{_shown(key)}" if where else _shown(key)
            raise ApiError(400, "bad_request", f"Unknown field '{name}'; the fields are: {', '.join(allowed)}.")


def optional_str(
    data: dict[str, Any], field: str, max_length: int, *, nullable: bool = True, visible: bool = False
) -> str | None:
    """The stripped string, or None when absent, blank or (``nullable``) null; with ``visible``, text that shows
    nothing (zero-width spaces, control characters: chatbot.language.has_visible_text) counts as blank too. The
    limit counts the text as sent, as JSON Schema's maxLength in the document does: padding cannot smuggle a longer
    text through."""
    value = data.get(field)
    if value is None and (nullable or field not in data):
        return None
    if not isinstance(value, str):
        raise _bad(field, "a string")
    if len(value) > max_length:
        raise _bad(field, f"at most {max_length} characters")
    return value.strip() if not visible or has_visible_text(value) else None


def required_str(data: dict[str, Any], field: str, max_length: int) -> str:
    """A text that must show something: zero-width spaces or terminal escapes only are as blank as spaces (an agent's
    reply or an edit suggestion of them was stored, and the reader got nothing to read). The document's pattern for
    these fields is chatbot.language.VISIBLE_PATTERN, the same rule."""
    value = optional_str(data, field, max_length, visible=True)
    if value is None:
        raise _bad(field, "a non-empty string")
    return value


def optional_ref(data: dict[str, Any], field: str, max_length: int, *, nullable: bool) -> str | None:
    """An id that refers to something (a conversation, a document): None when absent (or null, when ``nullable``);
    otherwise a non-blank string, stripped. Blank is a 400, not "not given": ``{"conversation_id": ""}`` must not
    quietly start a new conversation."""
    if field not in data or (nullable and data[field] is None):
        return None
    return required_str(data, field, max_length)


def optional_bool(data: dict[str, Any], field: str, default: bool) -> bool:
    """``default`` when absent; null is not a boolean (the document does not make these fields nullable)."""
    if field not in data:
        return default
    value = data[field]
    if not isinstance(value, bool):
        raise _bad(field, "true or false")
    return value


def required_bool(data: dict[str, Any], field: str) -> bool:
    if field not in data:
        raise _bad(field, "true or false")
    return optional_bool(data, field, False)


def required_id(data: dict[str, Any], field: str) -> int:
    value = data.get(field)
    if isinstance(value, float) and value.is_integer():
        # 1.0 is an integer to JSON Schema (the document's "integer"), and JSON itself has only numbers.
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_INT64:  # bool is an int
        raise _bad(field, "a positive integer of at most 2**63 - 1")
    return value


def optional_choices(data: dict[str, Any], field: str, allowed: Sequence[str]) -> list[str]:
    """A list of distinct values from ``allowed``, in the order given; [] when absent (null is not a list)."""
    if field not in data:
        return []
    value = data[field]
    if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
        raise _bad(field, f"a list of: {', '.join(allowed)}")
    return list(dict.fromkeys(value))


def is_email(value: str) -> bool:
    return len(value) <= MAX_EMAIL_LENGTH and _EMAIL.fullmatch(value) is not None


def optional_email(data: dict[str, Any], field: str) -> str | None:
    """None when absent or null; otherwise an address as EMAIL_PATTERN says, taken as sent: not stripped, and blank
    is not "no address" but a 400 (the document's pattern, shared with this check, has no room for either)."""
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not is_email(value):
        raise _bad(field, f"an email address of at most {MAX_EMAIL_LENGTH} characters")
    return value
