"""An agent's reply to a hand-off asked in Slack, posted into the thread it was asked in (chat.postMessage), with
the bot's token and API URL as the bot itself uses them (web/slack/bot.py).

Errors come back as :class:`SlackPostError` with a sentence an agent can act on (Slack's error code, the HTTP
status, an unreachable API); the token never appears in one. The caller has stored the reply before: a failure
here is recorded, never a lost reply (web/inbox/actions.py).
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from chatbot.config import Settings
from chatbot.language import detect_language
from web.db.models import Conversation
from web.slack.blocks import answer_language, team_reply_message

log = logging.getLogger(__name__)

# As an e-mail's (web/inbox/mail.py): the agent's page waits for this, so a dead API must not hang it.
POST_TIMEOUT_S = 10


class SlackPostError(Exception):
    """Slack did not take the message; the text says why."""


def slack_configured(settings: Settings) -> bool:
    return bool(settings.slack_bot_token)


def post_team_reply(conversation: Conversation, reply: str, settings: Settings) -> None:
    """Post ``reply`` into ``conversation``'s Slack thread; raises :class:`SlackPostError` unless Slack took it."""
    channel, thread_ts = conversation.slack_channel_id, conversation.slack_thread_ts
    if channel is None or thread_ts is None:
        raise SlackPostError("This conversation is not a Slack thread.")
    message = team_reply_message(reply, answer_language(detect_language(reply)))
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=POST_TIMEOUT_S)
    try:
        message.post(client, channel, thread_ts)
    except SlackApiError as exc:
        raise SlackPostError(_describe(exc)) from None
    except Exception as exc:  # the network (URLError, a timeout), or an odd reply: the agent needs to know it failed
        log.warning("posting a reply to Slack channel %s failed", channel, exc_info=True)
        raise SlackPostError(f"Slack could not be reached: {_reason(exc)}.") from None


def _describe(exc: SlackApiError) -> str:
    status = exc.response.status_code
    if status != 200:
        return f"Slack answered HTTP {status}."
    error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
    hint = _HINTS.get(str(error), "")
    return f"Slack refused the message: {error or 'no reason given'}.{hint}"


# The refusals an agent or an admin can do something about.
_HINTS = {
    "not_in_channel": " Invite the answerdesk app to the channel.",
    "channel_not_found": " The channel is gone, or the app was removed from it.",
    "is_archived": " The channel is archived.",
    "invalid_auth": " Check ANSWERDESK_SLACK_BOT_TOKEN.",
    "not_authed": " Check ANSWERDESK_SLACK_BOT_TOKEN.",
    "token_revoked": " The app's token was revoked: reinstall the app and update ANSWERDESK_SLACK_BOT_TOKEN.",
    "account_inactive": " The app's token was revoked: reinstall the app and update ANSWERDESK_SLACK_BOT_TOKEN.",
}


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None)  # urllib's URLError wraps the socket's error
    return str(reason or exc or type(exc).__name__)
