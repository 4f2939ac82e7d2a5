"""The Bolt app: a DM to the bot or an @mention in a channel is an employee's question, answered in the message's
thread through the same turn code as the widget (web/chat/turns.py: stored, gap evidence, follow-up history);
👍/👎 under an answer are the widget's feedback (web/chat/conversations.add_feedback, web/gaps/capture). "I want to
talk to a person" (the ``handoff`` intent) and the "Talk to a person" button ask the agents' inbox for a person, who
answers in the thread (web/slack/handoffs.py, web/slack/replies.py).

Bolt verifies every request's signature (401 otherwise) and acknowledges events at once; the listeners run on
:class:`~web.slack.work.BackgroundWork` threads, each in its own app context. Nothing a listener meets may reach
Slack as an error: a failed answer is a short apology in the thread and a traceback in the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Flask
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from chatbot.config import Settings
from chatbot.language import detect_language, has_visible_text
from web.chat.conversations import add_feedback, conversation_history, find_conversation
from web.chat.turns import answer_turn, capture_quietly
from web.db.models import Message, committed_id, db
from web.http.errors import ApiError
from web.slack.audience import Audiences
from web.slack.blocks import (
    HANDOFF_ACTION,
    HELPFUL_ACTION,
    NOT_HELPFUL_ACTION,
    SlackMessage,
    after_feedback,
    answer_language,
    answer_message,
    handoff_message,
    intro_message,
    plain_message,
)
from web.slack.deliveries import claim, event_key, message_key
from web.slack.handoffs import hand_off_thread
from web.slack.mrkdwn import question_text
from web.slack.threads import slack_session_id, thread_conversation, thread_conversation_id
from web.slack.work import BackgroundWork

log = logging.getLogger(__name__)

_EXTENSION_KEY = "answerdesk_slack"
# As the chat API (web/api/chat.py): a longer "question" is a paste, not a question.
MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class SlackBot:
    bolt: App
    work: BackgroundWork


def init_slack_bot(app: Flask, settings: Settings) -> SlackBot:
    """Build the Bolt app for ``app`` (no call to Slack yet: auth.test runs on the first request)."""
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    work = BackgroundWork()
    bolt = App(
        signing_secret=settings.slack_signing_secret,
        client=client,  # carries the token, and the base URL Bolt's own calls (auth.test) must use too
        # Off: it would call Slack from create_app, and a Slack outage would stop the whole service from starting.
        token_verification_enabled=False,
        listener_executor=work,
        logger=logging.getLogger("web.slack.bolt"),
    )
    listeners = _Listeners(app, Audiences(client))
    bolt.event("app_mention")(listeners.on_mention)
    bolt.event("message")(listeners.on_message)
    bolt.action(HELPFUL_ACTION)(listeners.on_feedback)
    bolt.action(NOT_HELPFUL_ACTION)(listeners.on_feedback)
    bolt.action(HANDOFF_ACTION)(listeners.on_handoff_button)
    bot = SlackBot(bolt, work)
    app.extensions[_EXTENSION_KEY] = bot
    return bot


def slack_bot(app: Flask) -> SlackBot:
    bot: SlackBot = app.extensions[_EXTENSION_KEY]
    return bot


def _from_a_person(event: dict[str, Any], context: BoltContext) -> bool:
    """A new message written by a person: not a bot (ours or another: no loops), not an edit, a deletion, a join
    or any other subtype."""
    user = event.get("user")
    return bool(user) and not event.get("subtype") and not event.get("bot_id") and user != context.bot_user_id


class _Listeners:
    def __init__(self, app: Flask, audiences: Audiences) -> None:
        self._app = app
        self._audiences = audiences

    # -- questions -----------------------------------------------------------------------------------------------
    def on_mention(self, event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        self._question(event, body, context, client, is_dm=False)

    def on_message(self, event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        # Only DMs: in a channel the bot answers when it is mentioned (app_mention), not every message it can read.
        if event.get("channel_type") == "im":
            self._question(event, body, context, client, is_dm=True)

    def _question(
        self, event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient, *, is_dm: bool
    ) -> None:
        if not _from_a_person(event, context):
            return
        channel, ts = event["channel"], event["ts"]
        thread_ts = event.get("thread_ts") or ts  # the reply goes in the message's thread (or starts one)
        with self._app.app_context():
            try:
                keys = [message_key(channel, ts)]
                if body.get("event_id"):
                    keys.insert(0, event_key(body["event_id"]))
                if not claim(*keys):
                    log.info("Slack event %s for %s/%s was handled already", body.get("event_id"), channel, ts)
                    return
                reply = self._answer(event, body, context, is_dm=is_dm, thread_ts=thread_ts)
            except Exception:
                log.exception("could not answer Slack message %s in %s", ts, channel)
                db.session.rollback()
                reply = plain_message("apology", detect_language(event.get("text") or ""))
            self._post(client, channel, thread_ts, reply)

    def _answer(
        self, event: dict[str, Any], body: dict[str, Any], context: BoltContext, *, is_dm: bool, thread_ts: str
    ) -> SlackMessage:
        question = question_text(event.get("text") or "", context.bot_user_id)
        language = detect_language(question)
        if not has_visible_text(question):
            return intro_message(language)  # "@answerdesk" alone: say what it is for (not a turn: nothing asked)
        if len(question) > MAX_QUESTION_CHARS:
            return plain_message("too_long", language, limit=MAX_QUESTION_CHARS)
        team = body.get("team_id") or context.team_id or ""
        user = event["user"]
        audience = self._audiences.audience(
            channel=event["channel"], is_dm=is_dm, user=user, user_team=event.get("user_team"), team=team
        )
        session_id = slack_session_id(team, user)
        conversation = thread_conversation(team, event["channel"], thread_ts, session_id, audience)
        if conversation.audience == "public":
            audience = "public"  # a thread that was ever answered for outsiders stays so
        elif audience == "public":
            # An outsider asks in an employee's thread and follows it from now on, so every later answer in it is
            # public too (the change is committed with this turn). What was posted before was in their view already.
            conversation.audience = "public"
        history = conversation_history(conversation)
        try:
            answer, message = answer_turn(conversation, question, history, audience)
        except ApiError as error:
            # The answerer or the database failed; answer_turn stored what it could and logged the traceback.
            log.warning("Slack question in %s not answered: %s", event["channel"], error.code)
            return plain_message("apology", language)
        if answer.intent == "handoff":
            # The turn is stored like any intent; what Slack needs besides is the request itself.
            created = hand_off_thread(conversation, team=team, channel=event["channel"], thread_ts=thread_ts)
            return handoff_message(created, answer.language)
        return answer_message(answer, int(committed_id(message)))

    def _post(self, client: WebClient, channel: str, thread_ts: str, reply: SlackMessage) -> None:
        try:
            reply.post(client, channel, thread_ts)
        except Exception:
            log.exception("could not post the answer to Slack channel %s", channel)

    # -- 👍 / 👎 ---------------------------------------------------------------------------------------------------
    def on_feedback(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()  # first: Slack shows an error on the button after 3 seconds without it
        with self._app.app_context():
            try:
                self._feedback(body, action, client)
            except Exception:
                db.session.rollback()
                log.exception("could not record Slack feedback %s", action.get("value"))

    def _feedback(self, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        helpful = action["action_id"] == HELPFUL_ACTION
        channel = body["channel"]["id"]
        shown: dict[str, Any] = body.get("message") or {}
        message_ts = body.get("container", {}).get("message_ts") or shown["ts"]
        thread_ts = body.get("container", {}).get("thread_ts") or shown.get("thread_ts") or message_ts
        message = db.session.get(Message, int(action["value"]))
        # The button's value is ours (Slack signs the payload), but only a message of this very thread may be rated
        # from it: a rating must land on the answer the person saw.
        if message is None or message.conversation_id != thread_conversation_id(channel, thread_ts):
            log.warning(
                "Slack feedback for message %s does not match thread %s/%s", action["value"], channel, thread_ts
            )
            return
        add_feedback(message, helpful, [], None)
        if not helpful:
            capture_quietly(message, "downvoted")
        blocks = shown.get("blocks")
        if blocks:
            client.chat_update(
                channel=channel, ts=message_ts, text=shown.get("text", ""), blocks=after_feedback(blocks, helpful)
            )

    # -- "Talk to a person" -----------------------------------------------------------------------------------------
    def on_handoff_button(self, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        with self._app.app_context():
            try:
                self._handoff_button(body, action, client)
            except Exception:
                db.session.rollback()
                log.exception("could not ask for a person from Slack channel %s", body.get("channel", {}).get("id"))

    def _handoff_button(self, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        channel = body["channel"]["id"]
        shown: dict[str, Any] = body.get("message") or {}
        container: dict[str, Any] = body.get("container") or {}
        thread_ts = container.get("thread_ts") or shown.get("thread_ts") or container.get("message_ts") or shown["ts"]
        # The button only appears under the bot's replies, so its thread has a conversation; one that does not (a
        # message from before a privacy deletion) asks for nothing.
        conversation = find_conversation(thread_conversation_id(channel, thread_ts))
        if conversation is None:
            log.warning("Slack hand-off button in %s/%s: the thread has no conversation", channel, thread_ts)
            return
        team = (body.get("team") or {}).get("id") or ""
        created = hand_off_thread(conversation, team=team, channel=channel, thread_ts=thread_ts)
        self._post(client, channel, thread_ts, handoff_message(created, answer_language(str(action.get("value")))))
