"""answerdesk in Slack, end to end on real parts: the real app with the real answerer over a small knowledge base
(real SQLite and Chroma), events signed with the signing secret and POSTed to /slack/events, and a Slack Web API
stand-in on 127.0.0.1 (a stdlib HTTP server that records each call) that the Slack SDK reaches through
ANSWERDESK_SLACK_API_URL. No internet."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from chatbot.config import load_settings
from chatbot.errors import ConfigError
from chatbot.language import message as chatbot_message
from ingest.factory import build_pipeline
from tests.chat_kb import (
    INTERNAL_DOC,
    INTERNAL_QUESTION,
    PUBLIC_QUESTION,
    SECRET_PHRASE,
    write_article,
    write_knowledge_base,
)
from tests.test_api import make_app
from web.db.models import Conversation, Feedback, GapEvidence, Message, db
from web.services import get_answerer, get_runtime
from web.slack.blocks import FEEDBACK_BLOCK, HELPFUL_ACTION, NOT_HELPFUL_ACTION, text
from web.slack.bot import slack_bot
from web.slack.mrkdwn import question_text, to_mrkdwn
from web.slack.threads import thread_conversation_id

pytestmark = pytest.mark.slow

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0ANSWERS"
BOT_USER = "U0BOT"
EMPLOYEE = "U0EMPLOYEE"
GUEST = "U0GUEST"
DM = "D0EMPLOYEE"
INTERNAL_CHANNEL = "C0INTERNAL"
SHARED_CHANNEL = "C0SHARED"
PASSWORD_URL = "https://help.example.com/account/password"
REFUNDS_URL = "https://help.example.com/billing/refunds"
APPROVALS_URL = "https://wiki.example.com/refund-approvals"
INSTALL_URL = "https://help.example.com/mobile/install"
INSTALL_QUESTION = "How do I install the app on iPhone?"
UNANSWERABLE = "What's the weather in Paris tomorrow?"


# -- the Slack Web API stand-in ----------------------------------------------------------------------------------
@dataclass
class FakeSlack:
    """Answers like slack.com/api would for the calls answerdesk makes, and records each one."""

    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def record(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.calls.append((method, args))
            if method == "auth.test":
                return {"ok": True, "user_id": BOT_USER, "bot_id": "B0BOT", "team_id": TEAM, "team": "Acme"}
            if method == "chat.postMessage":
                return {"ok": True, "channel": args["channel"], "ts": f"1800000000.{next(self._ts):06d}"}
            if method == "chat.update":
                return {"ok": True, "channel": args["channel"], "ts": args["ts"]}
            if method == "conversations.info":
                return {"ok": True, "channel": self.channels.get(args["channel"], {"id": args["channel"]})}
            if method == "users.info":
                return {"ok": True, "user": self.users.get(args["user"], {"id": args["user"]})}
        return {"ok": False, "error": "unknown_method"}

    def named(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [args for name, args in self.calls if name == method]

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()


def serve(fake: FakeSlack) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer(dict(parse_qsl(urlsplit(self.path).query)))

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            is_json = self.headers.get("Content-Type", "").startswith("application/json")
            self._answer(json.loads(raw) if is_json else dict(parse_qsl(raw)))

        def _answer(self, args: dict[str, Any]) -> None:
            method = urlsplit(self.path).path.rsplit("/", 1)[-1]
            for key in ("blocks",):  # form-encoded calls send JSON-encoded lists
                if isinstance(args.get(key), str):
                    args[key] = json.loads(args[key])
            body = json.dumps(fake.record(method, args)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    return server


# -- the service ---------------------------------------------------------------------------------------------------
def write_kb(root: Path) -> Path:
    """tests/chat_kb.py's articles with the URLs that answers in Slack link to, and an article with a section per
    phone (for a follow-up in a thread)."""
    urls = {
        "billing/refunds.md": REFUNDS_URL,
        "billing/plans.md": "https://help.example.com/billing/plans",
        "account/password.md": PASSWORD_URL,
        "mobile/offline.md": "https://help.example.com/mobile/offline",
        "security/two-factor.md": "https://help.example.com/security/two-factor",
        INTERNAL_DOC: APPROVALS_URL,
    }
    write_knowledge_base(root, urls)
    write_article(
        root,
        "mobile/install.md",
        "Install the mobile app",
        "## Install on iPhone\n\nOpen the App Store, search for Lumo Books and tap Get. The app needs iOS 16 or "
        "later.\n\n## Install on Android\n\nOpen Google Play, search for Lumo Books and tap Install. The app "
        "needs Android 12 or later.",
        url=INSTALL_URL,
    )
    return root


@dataclass
class Slack:
    app: Flask
    fake: FakeSlack
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def ts(self) -> str:
        return f"1700000000.{next(self._ids):06d}"

    def post(self, body: str, content_type: str, *, secret: str = SIGNING_SECRET, retry: int | None = None) -> Any:
        timestamp = str(int(time.time()))
        digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
        headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        response = self.app.test_client().post(
            "/slack/events", data=body.encode(), content_type=content_type, headers=headers
        )
        assert slack_bot(self.app).work.wait_idle(120), "the Slack work did not finish"
        return response

    def send_event(self, event: dict[str, Any], *, event_id: str | None = None, **options: Any) -> Any:
        body = {
            "token": "unused",
            "team_id": TEAM,
            "api_app_id": "A0ANSWERDESK",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "event": event,
        }
        return self.post(json.dumps(body), "application/json", **options)

    def dm(self, question: str, *, thread_ts: str | None = None, **fields: Any) -> dict[str, Any]:
        event = {"type": "message", "channel_type": "im", "channel": DM, "user": EMPLOYEE, "text": question}
        event |= {"ts": self.ts(), "team": TEAM, **fields}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return event

    def mention(self, channel: str, question: str, user: str = EMPLOYEE) -> dict[str, Any]:
        text = f"<@{BOT_USER}> {question}"
        return {"type": "app_mention", "channel": channel, "user": user, "text": text, "ts": self.ts(), "team": TEAM}

    def click(self, posted: dict[str, Any], action_id: str, *, message_ts: str) -> Any:
        button = next(b for b in posted["blocks"] if b.get("block_id") == FEEDBACK_BLOCK)["elements"]
        value = next(element["value"] for element in button if element["action_id"] == action_id)
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": EMPLOYEE},
            "channel": {"id": posted["channel"]},
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": posted["channel"],
                "thread_ts": posted["thread_ts"],
            },
            "message": {
                "ts": message_ts,
                "thread_ts": posted["thread_ts"],
                "text": posted["text"],
                "blocks": posted["blocks"],
            },
            "actions": [{"type": "button", "action_id": action_id, "block_id": FEEDBACK_BLOCK, "value": value}],
            "trigger_id": "1.2.3",
            "response_url": f"{self.fake.url}response",
        }
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def replies(self) -> list[dict[str, Any]]:
        return self.fake.named("chat.postMessage")

    def only_reply(self) -> dict[str, Any]:
        replies = self.replies()
        assert len(replies) == 1, replies
        return replies[0]


@pytest.fixture(scope="module")
def slack_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slack]:
    base = tmp_path_factory.mktemp("slack")
    fake = FakeSlack()
    server = serve(fake)
    fake.channels[SHARED_CHANNEL] = {"id": SHARED_CHANNEL, "is_shared": True, "is_ext_shared": True}
    fake.channels[INTERNAL_CHANNEL] = {"id": INTERNAL_CHANNEL, "is_shared": False, "is_ext_shared": False}
    fake.users[GUEST] = {"id": GUEST, "is_restricted": True}
    app = make_app(
        base / "var", slack_bot_token="xoxb-test", slack_signing_secret=SIGNING_SECRET, slack_api_url=fake.url
    )
    with app.app_context():
        report = build_pipeline(get_runtime(app), db.session()).sync_path(write_kb(base / "kb"))
        assert report.added == 7 and not report.failed
    yield Slack(app, fake)
    server.shutdown()


@pytest.fixture
def slack(slack_service: Slack) -> Slack:
    slack_service.fake.clear()
    return slack_service


def stored(app: Flask, channel: str, thread_ts: str) -> list[Message]:
    with app.app_context():
        conversation_id = thread_conversation_id(channel, thread_ts)
        rows = db.session.scalars(select(Message).where(Message.conversation_id == conversation_id)).all()
        db.session.expunge_all()
        return list(rows)


def all_text(reply: dict[str, Any]) -> str:
    return json.dumps(reply["blocks"], ensure_ascii=False) + reply["text"]


# -- answering -----------------------------------------------------------------------------------------------------
def test_a_dm_gets_a_threaded_answer_citing_its_article(slack: Slack) -> None:
    event = slack.dm(PUBLIC_QUESTION)
    response = slack.send_event(event)
    assert response.status_code == 200
    reply = slack.only_reply()
    assert reply["channel"] == DM and reply["thread_ts"] == event["ts"]
    assert f"<{PASSWORD_URL}|Reset your password>" in all_text(reply)  # the numbered source
    assert "Forgot password" in reply["text"]
    assert any(block.get("block_id") == FEEDBACK_BLOCK for block in reply["blocks"])
    [message] = stored(slack.app, DM, event["ts"])
    assert message.audience == "internal" and message.citations[0]["id"] == "account/password.md"
    with slack.app.app_context():
        conversation = db.session.get(Conversation, message.conversation_id)
        assert conversation is not None and conversation.session_id == f"slack-{TEAM}-{EMPLOYEE}"


def test_internal_articles_reach_dms_but_not_externally_shared_channels(slack: Slack) -> None:
    slack.send_event(slack.dm(INTERNAL_QUESTION))
    in_dm = all_text(slack.only_reply())
    assert APPROVALS_URL in in_dm and SECRET_PHRASE in in_dm

    slack.fake.clear()
    event = slack.mention(SHARED_CHANNEL, INTERNAL_QUESTION)
    slack.send_event(event)
    reply = slack.only_reply()
    assert reply["thread_ts"] == event["ts"]
    assert APPROVALS_URL not in all_text(reply) and SECRET_PHRASE not in all_text(reply)
    assert [args["channel"] for args in slack.fake.named("conversations.info")] == [SHARED_CHANNEL]
    [message] = stored(slack.app, SHARED_CHANNEL, event["ts"])
    assert message.audience == "public"

    slack.fake.clear()
    slack.send_event(slack.mention(INTERNAL_CHANNEL, INTERNAL_QUESTION))
    assert APPROVALS_URL in all_text(slack.only_reply())


def test_a_guest_gets_public_answers_even_in_an_internal_channel(slack: Slack) -> None:
    event = slack.mention(INTERNAL_CHANNEL, INTERNAL_QUESTION, user=GUEST)
    slack.send_event(event)
    assert APPROVALS_URL not in all_text(slack.only_reply())
    assert stored(slack.app, INTERNAL_CHANNEL, event["ts"])[0].audience == "public"


def test_a_follow_up_in_the_thread_is_answered_with_its_history(slack: Slack, monkeypatch: pytest.MonkeyPatch) -> None:
    answerer = get_answerer(slack.app)
    histories: list[list[str]] = []
    answer = answerer.answer

    def recording(question: str, history: Any = (), audience: Any = "internal") -> Any:
        histories.append([turn.question for turn in history])
        return answer(question, history, audience)

    monkeypatch.setattr(answerer, "answer", recording)
    first = slack.dm(INSTALL_QUESTION)
    slack.send_event(first)
    slack.fake.clear()
    follow_up = slack.dm("and on Android?", thread_ts=first["ts"])
    slack.send_event(follow_up)
    reply = slack.only_reply()
    assert reply["thread_ts"] == first["ts"]
    assert INSTALL_URL in all_text(reply) and "Google Play" in reply["text"]
    assert histories == [[], [INSTALL_QUESTION]]
    messages = stored(slack.app, DM, first["ts"])
    assert [m.question for m in messages] == [INSTALL_QUESTION, "and on Android?"]

    # The same words as a new message start a new thread: no history.
    slack.send_event(slack.dm("and on Android?"))
    assert histories[-1] == []


def test_an_unanswerable_question_says_so_and_becomes_a_gap(slack: Slack) -> None:
    event = slack.dm(UNANSWERABLE)
    slack.send_event(event)
    reply = slack.only_reply()
    assert text("to_editors", "en") in all_text(reply)
    assert not any(block.get("block_id") == FEEDBACK_BLOCK for block in reply["blocks"])
    [message] = stored(slack.app, DM, event["ts"])
    assert message.is_gap
    with slack.app.app_context():
        kinds = db.session.scalars(select(GapEvidence.kind).where(GapEvidence.message_id == message.id)).all()
    assert kinds == ["abstained"]


def test_small_talk_gets_the_intent_reply_without_buttons(slack: Slack) -> None:
    event = slack.dm("hi")
    slack.send_event(event)
    reply = slack.only_reply()
    assert reply["text"] == chatbot_message("intent_greeting", "en")
    assert not any(block.get("block_id") == FEEDBACK_BLOCK for block in reply["blocks"])
    assert stored(slack.app, DM, event["ts"])[0].intent == "greeting"


# -- feedback ------------------------------------------------------------------------------------------------------
def test_a_thumbs_down_records_feedback_and_gap_evidence(slack: Slack) -> None:
    event = slack.dm("How do I request a refund?")
    slack.send_event(event)
    posted = slack.only_reply()
    [message] = stored(slack.app, DM, event["ts"])
    assert not message.is_gap
    response = slack.click(posted, NOT_HELPFUL_ACTION, message_ts="1800000000.999999")
    assert response.status_code == 200
    with slack.app.app_context():
        feedback = db.session.scalars(select(Feedback).where(Feedback.message_id == message.id)).all()
        kinds = db.session.scalars(select(GapEvidence.kind).where(GapEvidence.message_id == message.id)).all()
        assert [f.helpful for f in feedback] == [False]
    assert "downvoted" in kinds
    [update] = slack.fake.named("chat.update")
    assert update["ts"] == "1800000000.999999" and update["channel"] == DM
    assert not any(block.get("block_id") == FEEDBACK_BLOCK for block in update["blocks"])
    assert text("thanks_not_helpful", "en") in json.dumps(update["blocks"], ensure_ascii=False)


def test_a_thumbs_up_records_helpful_without_evidence(slack: Slack) -> None:
    event = slack.dm(PUBLIC_QUESTION)
    slack.send_event(event)
    slack.click(slack.only_reply(), HELPFUL_ACTION, message_ts="1800000000.888888")
    [message] = stored(slack.app, DM, event["ts"])
    with slack.app.app_context():
        assert [f.helpful for f in db.session.scalars(select(Feedback).where(Feedback.message_id == message.id))] == [
            True
        ]
        assert db.session.scalars(select(GapEvidence).where(GapEvidence.message_id == message.id)).all() == []


def test_a_button_of_another_thread_rates_nothing(slack: Slack) -> None:
    event = slack.dm(PUBLIC_QUESTION)
    slack.send_event(event)
    posted = dict(slack.only_reply(), thread_ts="1699999999.000001")  # the value, shown in another thread
    slack.click(posted, NOT_HELPFUL_ACTION, message_ts="1800000000.777777")
    [message] = stored(slack.app, DM, event["ts"])
    with slack.app.app_context():
        assert db.session.scalars(select(Feedback).where(Feedback.message_id == message.id)).all() == []
    assert slack.fake.named("chat.update") == []


# -- what is not answered ------------------------------------------------------------------------------------------
def test_a_retried_event_is_answered_once(slack: Slack) -> None:
    event = slack.dm("How much does the Plus plan cost?")
    slack.send_event(event, event_id="EvRETRIED01")
    slack.send_event(event, event_id="EvRETRIED01", retry=1)
    slack.send_event(event, event_id="EvRETRIED01", retry=2)
    assert len(slack.replies()) == 1
    assert len(stored(slack.app, DM, event["ts"])) == 1


def test_bot_messages_edits_and_our_own_messages_are_ignored(slack: Slack) -> None:
    ignored = [
        slack.dm("How do I request a refund?", bot_id="B0OTHER", subtype="bot_message"),
        slack.dm("How do I request a refund?", bot_id="B0OTHER"),
        slack.dm("How do I request a refund?", user=BOT_USER),
        slack.dm("How do I request a refund?", subtype="message_changed"),
        slack.dm("How do I request a refund?", subtype="message_deleted"),
        # A message in a channel the bot can read, without a mention: not addressed to it.
        {**slack.dm("How do I request a refund?"), "channel_type": "channel", "channel": INTERNAL_CHANNEL},
    ]
    for event in ignored:
        assert slack.send_event(event).status_code == 200
    assert slack.replies() == []
    for event in ignored:
        assert stored(slack.app, event["channel"], event["ts"]) == []


def test_a_bad_signature_is_refused_and_nothing_is_answered(slack: Slack) -> None:
    event = slack.dm(PUBLIC_QUESTION)
    response = slack.send_event(event, secret="not-the-signing-secret")
    assert response.status_code == 401
    assert slack.fake.calls == []
    assert stored(slack.app, DM, event["ts"]) == []


def test_a_failing_answerer_gets_an_apology_in_the_thread(slack: Slack, monkeypatch: pytest.MonkeyPatch) -> None:
    answerer = get_answerer(slack.app)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the model fell over")

    monkeypatch.setattr(answerer, "answer", broken)
    event = slack.dm(PUBLIC_QUESTION)
    assert slack.send_event(event).status_code == 200
    reply = slack.only_reply()
    assert reply["thread_ts"] == event["ts"] and reply["text"] == text("apology", "en")
    [message] = stored(slack.app, DM, event["ts"])
    assert message.status == "failed"


# -- formatting ----------------------------------------------------------------------------------------------------
def test_answers_become_slack_mrkdwn() -> None:
    answer = (
        "Open **Billing** and see [the guide](https://help.example.com/guide?a=1&b=2) [1].\n"
        "- first <!channel>\n"
        "| Plan | Price |\n|---|---|\n| Plus | 12 EUR |\n"
        "Done [2]."
    )
    converted = to_mrkdwn(answer, {1: "https://help.example.com/one", 2: "javascript:alert(1)"})
    assert "Open *Billing*" in converted
    assert "<https://help.example.com/guide?a=1&amp;b=2|the guide>" in converted
    assert "<https://help.example.com/one|[1]>" in converted
    assert "• first &lt;!channel&gt;" in converted  # cannot ping a channel
    assert "```\nPlan  Price\n----  ------\nPlus  12 EUR\n```" in converted
    assert converted.endswith("Done [2].")  # no link to a javascript: URL


def test_slack_markup_becomes_the_question() -> None:
    typed = f"<@{BOT_USER}> how do I share &lt;invoices&gt; in <#C1|billing> with <@U2>? see <https://x.example|this>"
    assert question_text(typed, BOT_USER) == "how do I share <invoices> in #billing with @U2? see this"


# -- set-up ----------------------------------------------------------------------------------------------------------
def test_slack_checks_the_url_with_a_signed_challenge(slack: Slack) -> None:
    body = json.dumps(
        {
            "token": "unused",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    response = slack.post(body, "application/json")
    assert response.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.get_data(as_text=True)


def test_slack_settings_go_together_and_without_them_there_is_no_endpoint(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ANSWERDESK_SLACK_SIGNING_SECRET"):
        load_settings({"ANSWERDESK_SLACK_BOT_TOKEN": "xoxb-1"})
    with_proxy = {
        "ANSWERDESK_SLACK_BOT_TOKEN": "xoxb-1",
        "ANSWERDESK_SLACK_SIGNING_SECRET": "s",
        "ANSWERDESK_SLACK_API_URL": "https://proxy.example/slack/api",
    }
    assert load_settings(with_proxy).slack_api_url == "https://proxy.example/slack/api/"  # urljoin keeps /api
    app = make_app(tmp_path / "var")
    assert app.test_client().post("/slack/events", data="{}").status_code == 404
