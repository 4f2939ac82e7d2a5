"""Resolve short follow-up questions ("and on Android?", "how long does it take?") against earlier turns.

Without an LLM we cannot rewrite a question, but retrieval only needs the topic: a question that is short or
leans on the previous turn (starts with "and", "what about", uses "it"/"that") is searched together with the
previous question. Whether it was a follow-up is decided by words, not by guessing from scores.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from chatbot.keyword import has_cjk, tokenize

_EN_CONNECTOR = re.compile(r"^\s*(and|also|what about|how about|but|so|then|or)\b", re.IGNORECASE)
_EN_PRONOUN = re.compile(r"\b(it|that|this|those|these|them|there)\b", re.IGNORECASE)
# "Is there an office in Berlin?": an existential "there" refers to nothing earlier.
_EN_EXISTENTIAL = re.compile(r"\b(is|are|was|were|isn't|aren't|any)\s+there\b", re.IGNORECASE)
_ZH_FOLLOW_UP = re.compile(r"^\s*(那|那么|还有|另外|而且|如果是)|(呢|它|这个|那个)[？?]?\s*$")
# Content words of a bare follow-up ("and on Android?"). Two are not enough to tell: "Do you ship to Canada?" stands
# alone, and "how long does it take?" is caught by its pronoun.
_SHORT_QUESTION_TERMS = 1
_PRONOUN_QUESTION_TERMS = 4  # "can I undo it on the phone?" leans on the last turn; a long question stands alone


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str = ""


def is_follow_up(question: str) -> bool:
    if _ZH_FOLLOW_UP.search(question) or _EN_CONNECTOR.search(question):
        return True
    terms = len(tokenize(question))
    if has_cjk(question):
        return terms <= 1  # jieba cuts a full Chinese question into few words: only a bare term is a follow-up
    leans_on_pronoun = bool(_EN_PRONOUN.search(_EN_EXISTENTIAL.sub(" ", question)))
    return terms <= _SHORT_QUESTION_TERMS or (terms <= _PRONOUN_QUESTION_TERMS and leans_on_pronoun)


def retrieval_query(question: str, history: Sequence[Turn]) -> str:
    """The text to search for: the question itself, or, for a follow-up, the previous question plus this one."""
    if not history or not is_follow_up(question):
        return question
    previous = history[-1].question
    # The new question's own words say what is asked now; the previous question only says what it is about.
    # Repeating the new question weighs its words double in both searches (BM25 sums repeated query terms).
    return f"{previous} {question} {question}"
