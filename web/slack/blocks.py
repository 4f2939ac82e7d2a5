"""An answerdesk answer as a Slack message (Block Kit): the answer in mrkdwn, its citations as numbered links, for
"I'm not sure"/"I don't know" the related articles and a line saying the editors got the question, and 👍/👎
buttons whose value is the stored message's id (web/slack/bot.py handles the clicks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatbot.language import message as chatbot_message
from chatbot.types import Answer
from web.slack.mrkdwn import escape, link, to_mrkdwn

HELPFUL_ACTION = "answerdesk_helpful"
NOT_HELPFUL_ACTION = "answerdesk_not_helpful"
FEEDBACK_BLOCK = "answerdesk_feedback"
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
    },
}


def text(key: str, language: str) -> str:
    return TEXTS.get(language, TEXTS["en"])[key]


@dataclass(frozen=True)
class SlackMessage:
    text: str  # the fallback: notifications, screen readers, clients without blocks
    blocks: list[dict[str, Any]]


def answer_message(answer: Answer, message_id: int) -> SlackMessage:
    language = answer.language
    urls = {citation.n: citation.url for citation in answer.citations}
    body = to_mrkdwn(answer.answer, urls) or escape(answer.answer)
    blocks: list[dict[str, Any]] = [_section(part) for part in _split(body)]
    if answer.citations:
        sources = "\n".join(f"{c.n}. {link(c.url, c.title or c.id)}" for c in answer.citations)
        blocks.append(_context(f"*{text('sources', language)}*\n{sources}"))
    if answer.is_gap:
        if answer.related:
            related = "\n".join(f"• {link(r.url, r.title or r.id)}" for r in answer.related)
            blocks.append(_section(f"{escape(chatbot_message('abstain_related', language))}\n{related}"))
        blocks.append(_context(text("to_editors", language)))
    elif answer.intent is None:
        # Small talk gets no 👍/👎: a rating of "You're welcome!" says nothing about the knowledge base.
        blocks.append(feedback_buttons(message_id, language))
    return SlackMessage(text=_fallback(body), blocks=blocks)


def feedback_buttons(message_id: int, language: str) -> dict[str, Any]:
    def button(action_id: str, label: str) -> dict[str, Any]:
        return {
            "type": "button",
            "action_id": action_id,
            "text": {"type": "plain_text", "text": label, "emoji": True},
            "value": str(message_id),
        }

    return {
        "type": "actions",
        "block_id": FEEDBACK_BLOCK,
        "elements": [
            button(HELPFUL_ACTION, text("helpful", language)),
            button(NOT_HELPFUL_ACTION, text("not_helpful", language)),
        ],
    }


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
    return [thanks if block.get("block_id") == FEEDBACK_BLOCK else block for block in blocks]


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
