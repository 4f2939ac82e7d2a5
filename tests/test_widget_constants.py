"""The widget (web/static/widget.js) repeats a few of the server's limits so it can refuse or label things before a
round trip; this ties each copy to the server's value, so changing one side alone fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path

from web.api.chat import MAX_QUESTION_CHARS, MAX_TEXT_CHARS
from web.db.models import FEEDBACK_REASONS
from web.http.payloads import MAX_EMAIL_LENGTH

WIDGET = Path(__file__).resolve().parent.parent / "web" / "static" / "widget.js"


def widget_source() -> str:
    return WIDGET.read_text(encoding="utf-8")


def js_constant(name: str) -> str:
    match = re.search(rf"\bconst {name} = ([^;]+);", widget_source())
    assert match, f"widget.js no longer declares {name}"
    return match.group(1).strip()


def test_the_widget_refuses_questions_at_the_servers_length() -> None:
    assert int(js_constant("MAX_QUESTION")) == MAX_QUESTION_CHARS
    # The hand-off message and the feedback comment are checked against the same limit on send (the server's is
    # MAX_TEXT_CHARS); no box has a maxlength at it, which cut a longer paste without a word.
    assert widget_source().count("> MAX_QUESTION") == 3
    assert "maxlength: String(MAX_QUESTION)" not in widget_source()
    assert MAX_TEXT_CHARS == MAX_QUESTION_CHARS


def test_the_widget_offers_exactly_the_feedback_reasons_the_server_accepts() -> None:
    reasons = json.loads(js_constant("REASONS"))
    assert tuple(reasons) == FEEDBACK_REASONS
    # Every reason has a label in every language the widget speaks.
    labels = re.findall(r"reasons: \{([^}]*)\}", widget_source())
    assert labels, "widget.js has no reason labels"
    for block in labels:
        assert set(re.findall(r"(\w+):", block)) == set(FEEDBACK_REASONS)


def test_the_widget_caps_the_email_at_the_servers_length() -> None:
    assert re.search(rf'maxlength: "{MAX_EMAIL_LENGTH}"', widget_source())
