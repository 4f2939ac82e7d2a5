"""An answerdesk answer as a Slack message (Block Kit): the answer in mrkdwn, its citations as numbered links, for
"I'm not sure"/"I don't know" the related articles, a line saying the editors got the question and a "Talk to a
person" button, and 👍/👎 buttons whose value is the stored message's id (web/slack/bot.py handles the clicks).
Also the replies about a hand-off, and an agent's reply as it is posted into the thread.

The answerer's own sentences point at the widget's "Talk to a human" link, which Slack does not have: those few are
said here in Slack's words (``SLACK_WORDING``), next to a real button."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from chatbot.language import message as chatbot_message
from chatbot.types import Answer
from web.slack.mrkdwn import escape, link, to_mrkdwn

HELPFUL_ACTION = "answerdesk_helpful"
NOT_HELPFUL_ACTION = "answerdesk_not_helpful"
FEEDBACK_BLOCK = "answerdesk_feedback"
HANDOFF_ACTION = "answerdesk_handoff"
HANDOFF_BLOCK = "answerdesk_handoff"
# Slack's limits: 3,000 characters in a section's text, 50 blocks in a message.
SECTION_CHARS = 3000
MAX_ANSWER_SECTIONS = 20

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "sources": "Sources",
        "to_editors": "I have passed this question on to the editors of the knowledge base.",
        "helpful": "👍 Helpful",
        "not_helpful": "👎 Not helpful",
        "thanks_helpful": "👍 Thanks for the feedback!",
        "thanks_not_helpful": "👎 Thanks for the feedback: the editors will look at this answer.",
        "apology": "Sorry, I cannot answer right now. Please try again in a few minutes.",
        "too_long": "Please ask in at most {limit} characters.",
        "abstain": "I don't know: I couldn't find an answer to this question. A person from our team can help.",
        "unsure": "I'm not sure I have the right answer to this. These articles may help, or a person from our "
        "team can.",
        "rejection": "Sorry, that did not answer your question. Could you ask it in other words? Or ask a person "
        "from our team.",
        "rejection_unprompted": "I haven't answered anything yet. What would you like to know? Or ask a person "
        "from our team.",
        "handoff_offer": "I'm an automated assistant, and I have no answer to this in the knowledge base: a person "
        "from our team can help.",
        "talk_to_person": "Talk to a person",
        "handoff_requested": "I have asked our team for a person to help you. They will reply in this thread.",
        "handoff_pending": "Our team already has your request. A person will reply in this thread.",
        "from_team": "Answer from our team",
    },
    "zh": {
        "sources": "来源",
        "to_editors": "我已把这个问题转给知识库的编辑。",
        "helpful": "👍 有帮助",
        "not_helpful": "👎 没帮助",
        "thanks_helpful": "👍 感谢您的反馈！",
        "thanks_not_helpful": "👎 感谢您的反馈，编辑会查看这个回答。",
        "apology": "抱歉，我现在无法回答。请过几分钟再试。",
        "too_long": "请把问题控制在 {limit} 个字符以内。",
        "abstain": "抱歉，我没有找到这个问题的答案。我们团队的同事可以为您解答。",
        "unsure": "我不确定能准确回答这个问题。以下文章也许有帮助，我们团队的同事也可以为您解答。",
        "rejection": "抱歉，刚才的回答没有解决您的问题。请换个说法再问一次，或联系我们团队的同事。",
        "rejection_unprompted": "我还没有回答任何问题。请问您想了解什么？或联系我们团队的同事。",
        "handoff_offer": "我是自动助手，我没有找到这个问题的答案，我们团队的同事可以为您解答。",
        "talk_to_person": "联系人工客服",
        "handoff_requested": "我已请我们团队的同事来帮您，他们会在这个对话串里回复您。",
        "handoff_pending": "我们团队已经收到您的请求，同事会在这个对话串里回复您。",
        "from_team": "我们团队的回复",
    },
}


# The answerer's sentences (chatbot/language.py) that send people to the widget's link, and what Slack says instead.
SLACK_WORDING = {
    "abstain": "abstain",
    "unsure": "unsure",
    "intent_rejection": "rejection",
    "intent_rejection_unprompted": "rejection_unprompted",
    # Said only to a question asking for a person that got no answer: a bare request is made, not said (bot.py).
    "intent_handoff": "handoff_offer",
}


def text(key: str, language: str) -> str:
    return TEXTS.get(language, TEXTS["en"])[key]


def answer_language(language: str) -> str:
    """A language the Slack texts are written in (a button's value is read back through this)."""
    return language if language in TEXTS else "en"


@dataclass(frozen=True)
class SlackMessage:
    text: str  # the fallback: notifications, screen readers, clients without blocks
    blocks: list[dict[str, Any]]

    def post(self, client: WebClient, channel: str, thread_ts: str) -> None:
        """Post into the thread ``thread_ts`` of ``channel`` (Slack's errors are raised, as slack_sdk raises them)."""
        client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=self.text,
            blocks=self.blocks,
            unfurl_links=False,  # the sources are listed; a preview of each would bury the answer
            unfurl_media=False,
        )


def answer_message(answer: Answer, message_id: int) -> SlackMessage:
    language = answer.language
    urls = {citation.n: citation.url for citation in answer.citations}
    in_slack_words = _slack_wording(answer)
    body = escape(in_slack_words) if in_slack_words else to_mrkdwn(answer.answer, urls) or escape(answer.answer)
    blocks: list[dict[str, Any]] = [_section(part) for part in _split(body)]
    if answer.citations:
        sources = "\n".join(f"{c.n}. {link(c.url, c.title or c.id)}" for c in answer.citations)
        blocks.append(_context(f"*{text('sources', language)}*\n{sources}"))
    if answer.is_gap:
        if answer.related:
            related = "\n".join(
                f"• {link(r.url, r.title or r.id)}" + (f"\n   {escape(r.excerpt)}" if r.excerpt else "")
                for r in answer.related
            )
            blocks.append(_section(f"{escape(chatbot_message('abstain_related', language))}\n{related}"))
        blocks.append(_context(text("to_editors", language)))
        blocks.append(handoff_button(language))
    elif answer.intent == "rejection":
        blocks.append(handoff_button(language))  # "that did not answer my question": a person is the way on
    elif answer.intent is None:
        # Small talk gets no 👍/👎: a rating of "You're welcome!" says nothing about the knowledge base.
        blocks.append(feedback_buttons(message_id, language))
    return SlackMessage(text=_fallback(body), blocks=blocks)


def _slack_wording(answer: Answer) -> str | None:
    """Slack's words for an answer that is one of the answerer's widget-worded sentences, else None."""
    for key, slack_key in SLACK_WORDING.items():
        if answer.answer == chatbot_message(key, answer.language):
            return text(slack_key, answer.language)
    return None


def _button(action_id: str, label: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": value,
    }


def feedback_buttons(message_id: int, language: str) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": FEEDBACK_BLOCK,
        "elements": [
            _button(HELPFUL_ACTION, text("helpful", language), str(message_id)),
            _button(NOT_HELPFUL_ACTION, text("not_helpful", language), str(message_id)),
        ],
    }


def handoff_button(language: str) -> dict[str, Any]:
    """The "Talk to a person" button: asks for one in the button's thread. Its value is the language to reply in
    (the thread, not the value, says which conversation)."""
    button = _button(HANDOFF_ACTION, text("talk_to_person", language), answer_language(language))
    return {"type": "actions", "block_id": HANDOFF_BLOCK, "elements": [button]}


def language_of_buttons(blocks: list[dict[str, Any]]) -> str:
    """The language the answer was given in, read back from its buttons' labels (a click carries the message)."""
    for block in blocks:
        if block.get("block_id") == FEEDBACK_BLOCK:
            labels = [element.get("text", {}).get("text") for element in block.get("elements", [])]
            for language, texts in TEXTS.items():
                if texts["helpful"] in labels:
                    return language
    return "en"


def after_feedback(blocks: list[dict[str, Any]], helpful: bool) -> list[dict[str, Any]]:
    """The answer's blocks with the buttons replaced by a thank-you: one rating per click, and the person sees it
    was taken."""
    language = language_of_buttons(blocks)
    thanks = _context(text("thanks_helpful" if helpful else "thanks_not_helpful", language))
    # After a 👎 the answer did not help: a person is offered right there (a helpful answer needs no one).
    after = [thanks] if helpful else [thanks, handoff_button(language)]
    out: list[dict[str, Any]] = []
    for block in blocks:
        out.extend(after if block.get("block_id") == FEEDBACK_BLOCK else [block])
    return out


def handoff_message(created: bool, language: str) -> SlackMessage:
    """The reply to a request for a person: asked now, or asked already (one open request per thread)."""
    return plain_message("handoff_requested" if created else "handoff_pending", language)


def team_reply_message(reply: str, language: str) -> SlackMessage:
    """An agent's reply to a hand-off, posted into the thread: headed so that nobody takes it for the bot's, and
    escaped so that it shows as typed (no <!channel> pings, no forged links). Not who wrote it: the widget does not
    say either, and the inbox's agents are addressed as a team."""
    heading = text("from_team", language)
    body = escape(reply)
    blocks = [_context(f"*{escape(heading)}*"), *(_section(part) for part in _split(body))]
    return SlackMessage(text=_fallback(f"{heading}: {body}"), blocks=blocks)


def plain_message(key: str, language: str = "en", **values: Any) -> SlackMessage:
    body = escape(text(key, language).format(**values))
    return SlackMessage(text=body, blocks=[_section(body)])


def intro_message(language: str = "en") -> SlackMessage:
    """A mention with no question in it: what the bot is for (the greeting reply, not stored as a turn)."""
    body = escape(chatbot_message("intent_greeting", language))
    return SlackMessage(text=body, blocks=[_section(body)])


def _section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _context(mrkdwn: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn[:SECTION_CHARS]}]}


def _split(body: str) -> list[str]:
    """Sections of at most SECTION_CHARS, cut between paragraphs (else lines, else anywhere)."""
    parts: list[str] = []
    rest = body
    while len(rest) > SECTION_CHARS and len(parts) < MAX_ANSWER_SECTIONS - 1:
        window = rest[:SECTION_CHARS]
        cut = window.rfind("\n\n")
        if cut < SECTION_CHARS // 2:
            cut = window.rfind("\n")
        if cut < SECTION_CHARS // 2:
            cut = SECTION_CHARS
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    parts.append(rest[:SECTION_CHARS])
    return [part for part in parts if part] or [" "]


def _fallback(body: str) -> str:
    return body if len(body) <= SECTION_CHARS else body[: SECTION_CHARS - 1] + "…"
