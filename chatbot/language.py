"""Which characters are Chinese, what language a text is in, and the few fixed sentences answerdesk says itself."""

from __future__ import annotations

import re

# Chinese characters, defined once for every module that tells Chinese from other text: the unified ideographs
# and Extension A, the compatibility ideographs, and plane 2 (Extensions B-F: rare characters in names, and the
# everyday characters of written Cantonese, such as 𨋢 "lift"). CJK_CHARS goes inside other character classes.
CJK_CHARS = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
CJK_RE = re.compile(f"[{CJK_CHARS}]")
_LETTER_RE = re.compile(r"[^\W\d_]", re.UNICODE)

SUPPORTED_LANGUAGES = ("en", "zh")


# Characters that show nothing: what str.strip() removes (str.isspace), the control characters, and the format
# characters that are invisible by design (soft hyphen, zero-width space and joiners, bidi marks, word joiner, byte-
# order mark). Spelled out, not \p{C}: the OpenAPI document states the same rule as a JSON Schema pattern (an
# ECMA-262 regular expression), which must mean exactly what the service checks.
INVISIBLE_CHARS = (
    "\\u0000-\\u0020\\u007f-\\u00a0\\u00ad\\u061c\\u1680\\u180e\\u2000-\\u200f\\u2028-\\u202f\\u205f-\\u2064"
    "\\u2066-\\u206f\\u3000\\ufeff\\ufff9-\\ufffb"
)
VISIBLE_PATTERN = f"[^{INVISIBLE_CHARS}]"
_VISIBLE = re.compile(VISIBLE_PATTERN)


def has_visible_text(text: str) -> bool:
    """Whether ``text`` shows anything. A "question" of zero-width spaces, a byte-order mark or terminal escapes is
    not one, and must not become a knowledge gap an editor cannot even read."""
    return _VISIBLE.search(text) is not None


MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "abstain": "I don't know: I couldn't find an answer to this question. "
        "You can ask a person from our team with \u201cTalk to a human\u201d.",
        "abstain_related": "These articles may be related:",
        "unsure": "I'm not sure I have the right answer to this. These articles may help; "
        "or ask a person from our team with \u201cTalk to a human\u201d.",
        "empty_index": "I don't know: the knowledge base is empty, so I cannot answer yet.",
        "cross_language": "This answer comes from an English article:",
        # Replies to conversation that is not a question (chatbot/intents.py).
        "intent_greeting": "Hi! Ask me a question and I will answer from our help centre, with the articles "
        "the answer comes from.",
        "intent_thanks": "You're welcome! Is there anything else I can help you with?",
        "intent_goodbye": "Goodbye! Come back any time you have a question.",
        "intent_handoff": "I'm an automated assistant, but I can connect you with a person from our team: use "
        "\u201cTalk to a human\u201d and tell them what it is about.",
        "intent_rejection": "Sorry, that did not answer your question. Could you ask it in other words? Or ask a "
        "person from our team with \u201cTalk to a human\u201d.",
        "intent_rejection_unprompted": "I haven't answered anything yet. What would you like to know? You can "
        "also ask a person from our team with \u201cTalk to a human\u201d.",
        "intent_ack": "Is there anything else I can help you with?",
        "intent_clarify": "What is it about? Tell me which feature, page or product you mean, and I will look it up.",
    },
    "zh": {
        "abstain": "抱歉，我没有找到这个问题的答案。您可以点击\u201c联系人工客服\u201d，由我们的同事为您解答。",
        "abstain_related": "以下文章可能相关：",
        "unsure": "我不确定能准确回答这个问题。以下文章也许有帮助；您也可以点击\u201c联系人工客服\u201d。",
        "empty_index": "抱歉，知识库还是空的，暂时无法回答。",
        "cross_language": "以下答案来自英文文章：",
        "intent_greeting": "您好！请提出您的问题，我会根据帮助中心的文章为您解答，并注明出处。",
        "intent_thanks": "不客气！还有其他可以帮您的吗？",
        "intent_goodbye": "再见！有问题随时来问我。",
        "intent_handoff": "我是自动助手，可以为您转接我们团队的同事：请点击\u201c联系人工客服\u201d，"
        "说明您需要什么帮助。",
        "intent_rejection": "抱歉，刚才的回答没有解决您的问题。请换个说法再问一次，或点击\u201c联系人工客服\u201d。",
        "intent_rejection_unprompted": "我还没有回答任何问题。请问您想了解什么？您也可以点击\u201c联系人工客服\u201d。",
        "intent_ack": "还有其他可以帮您的吗？",
        "intent_clarify": "请问您指的是什么？告诉我具体是哪个功能、页面或产品，我再帮您查找。",
    },
}


def detect_language(text: str) -> str:
    """ "zh" when Chinese characters make up a fifth of the letters or more, else "en"."""
    letters = _LETTER_RE.findall(text)
    if not letters:
        return "en"
    cjk = sum(1 for ch in letters if CJK_RE.match(ch))
    return "zh" if cjk / len(letters) >= 0.2 else "en"


def message(key: str, language: str) -> str:
    return MESSAGES.get(language, MESSAGES["en"])[key]
