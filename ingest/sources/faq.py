"""FAQ files (CSV, JSON, YAML): one SourceDocument per entry; a bad entry is reported and the rest still loads."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import replace

import yaml

from chatbot.errors import DocumentLoadError
from chatbot.types import SourceDocument
from ingest.sources.document import SourceFile, make_document
from ingest.sources.metadata import FRONT_MATTER_KEYS, load_yaml, parse_fields, reject_misspelled_keys, text_value
from ingest.sources.results import FailedFile, Loaded, Outcome, one_line

_FAQ_KEYS = ("question", "answer", "alternatives", *FRONT_MATTER_KEYS)
_NOT_FAQ = "not an FAQ file: expected a list of {question, answer}"


def parse_alternatives(value: object, question: str) -> tuple[str, ...]:
    """An FAQ entry's ``alternatives``: other phrasings of its question, searched but never shown. A list (JSON,
    YAML) or one text with phrasings separated by ``;`` or line breaks (a CSV cell); blanks, repeats and the
    question itself are dropped."""
    if value is None:
        return ()
    if isinstance(value, str):
        raw: list[object] = list(re.split(r"[;\n]", value))
    elif isinstance(value, list | tuple):
        raw = list(value)
    else:
        raise DocumentLoadError(f"'alternatives' must be a list or a ';'-separated string, got {value!r}")
    seen = {_phrasing_key(question)}
    phrasings: list[str] = []
    for item in raw:
        text = text_value(item, "alternatives")
        if text and _phrasing_key(text) not in seen:
            seen.add(_phrasing_key(text))
            phrasings.append(" ".join(text.split()))
    return tuple(phrasings)


def _phrasing_key(text: str) -> str:
    return " ".join(text.casefold().split())


def _faq_entry(src: SourceFile, number: int, row: Mapping[str, object]) -> SourceDocument:
    if None in row:
        # csv puts surplus cells under the key None: an unquoted comma would otherwise cut the answer short.
        raise DocumentLoadError("more cells than header columns (unquoted comma?)")
    question = text_value(row.get("question"), "question")
    answer = text_value(row.get("answer"), "answer")
    if not question or not answer:
        raise DocumentLoadError(f"empty {'question' if not question else 'answer'}")
    fields = replace(parse_fields(row), title=None)
    fields = replace(fields, id=f"{src.rel}#{fields.id or number}")
    return make_document(
        src,
        fields,
        title=question,
        text=f"{question}\n\n{answer}",
        kind="faq",
        faq_question=question,
        faq_answer=answer,
        faq_alternatives=parse_alternatives(row.get("alternatives"), question),
    )


def _faq_outcome(src: SourceFile, rows: list[Mapping[str, object]]) -> Outcome:
    if not rows:
        raise DocumentLoadError("no FAQ entries")
    # A column named `audiance` would publish internal rows; fail the file rather than each row.
    reject_misspelled_keys({str(key): None for row in rows for key in row if key is not None}, _FAQ_KEYS)
    outcome: Outcome = []
    for number, row in enumerate(rows, start=1):
        label = f"{src.rel}#row {number}"
        try:
            outcome.append(Loaded(_faq_entry(src, number, row), label))
        except DocumentLoadError as exc:
            outcome.append(FailedFile(label, exc.message))
    return outcome


def load_faq_csv(src: SourceFile) -> Outcome:
    reader = csv.DictReader(io.StringIO(src.text()))
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in ("question", "answer") if column not in header]
    if missing:
        raise DocumentLoadError(
            f"not an FAQ file: CSV header lacks {' and '.join(repr(c) for c in missing)} (found {header})"
        )
    reader.fieldnames = header
    rows: list[Mapping[str, object]] = list(reader)
    return _faq_outcome(src, rows)


def _faq_rows(data: object) -> list[Mapping[str, object]]:
    """Validate the parsed JSON/YAML shape: a list (or {"faqs": list}) of objects with question and answer keys."""
    if isinstance(data, dict) and isinstance(data.get("faqs"), list):
        data = data["faqs"]
    if not isinstance(data, list) or not data or not all(isinstance(item, dict) for item in data):
        raise DocumentLoadError(_NOT_FAQ)
    rows: list[Mapping[str, object]] = [
        {str(key).strip().lower(): value for key, value in item.items()} for item in data
    ]
    keys = {key for row in rows for key in row}
    if not {"question", "answer"} <= keys:
        raise DocumentLoadError(_NOT_FAQ)
    return rows


def load_faq_json(src: SourceFile) -> Outcome:
    try:
        data = json.loads(src.text())
    except json.JSONDecodeError as exc:
        raise DocumentLoadError(f"invalid JSON: {exc}") from exc
    return _faq_outcome(src, _faq_rows(data))


def load_faq_yaml(src: SourceFile) -> Outcome:
    try:
        data = load_yaml(src.text())
    except yaml.YAMLError as exc:
        raise DocumentLoadError(f"invalid YAML: {one_line(str(exc))}") from exc
    return _faq_outcome(src, _faq_rows(data))
