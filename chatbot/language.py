"""Question language and the few fixed sentences answerdesk says itself, in English and Chinese."""

from __future__ import annotations

import re

_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER_RE = re.compile(r"[^\W\d_]", re.UNICODE)

SUPPORTED_LANGUAGES = ("en", "zh")

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "abstain": "I don't know: the knowledge base has no answer to this question. "
        "You can ask a person from our team with \u201cTalk to a human\u201d.",
        "abstain_related": "These articles may be related:",
        "empty_index": "I don't know: the knowledge base is empty, so I cannot answer yet.",
        "cross_language": "This answer comes from an English article:",
    },
    "zh": {
        "abstain": "抱歉，知识库中没有这个问题的答案。您可以点击\u201c联系人工客服\u201d，由我们的同事为您解答。",
        "abstain_related": "以下文章可能相关：",
        "empty_index": "抱歉，知识库还是空的，暂时无法回答。",
        "cross_language": "以下答案来自英文文章：",
    },
}


def detect_language(text: str) -> str:
    """ "zh" when Chinese characters make up a fifth of the letters or more, else "en"."""
    letters = _LETTER_RE.findall(text)
    if not letters:
        return "en"
    cjk = sum(1 for ch in letters if _CJK_RE.match(ch))
    return "zh" if cjk / len(letters) >= 0.2 else "en"


def message(key: str, language: str) -> str:
    return MESSAGES.get(language, MESSAGES["en"])[key]
