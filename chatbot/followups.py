"""Resolve short follow-up questions ("and on Android?", "how long does it take?") against earlier turns.

Without an LLM we cannot rewrite a question freely, but retrieval only needs the topic: a question that is short
or leans on the previous turn (starts with "and", "what about", uses "it"/"that") is searched together with the
previous question. Whether it was a follow-up is decided by words, not by guessing from scores.

A follow-up that asks the same thing for another variant ("How do I install the app on iPhone?" -> "and on
Android?") is rewritten: its phrase takes the place of the previous question's phrase after the same preposition
and is stressed once more ("How do I install the app on Android? Android"), so that the old variant no longer
pulls the search back to the answer already given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from chatbot.keyword import has_cjk, tokenize

_EN_CONNECTOR = re.compile(r"^\s*(and|also|what about|how about|but|so|then|or)\b", re.IGNORECASE)
_EN_PRONOUN = re.compile(r"\b(it|that|this|those|these|them|there|she|he|her|him|his)\b", re.IGNORECASE)
# "Is there an office in Berlin?": an existential "there" refers to nothing earlier.
_EN_EXISTENTIAL = re.compile(r"\b(is|are|was|were|isn't|aren't|any)\s+there\b", re.IGNORECASE)
# "my card was charged twice this month": a demonstrative before a time is a date, not the last turn's topic. Read
# as a follow-up of "How do I invite a colleague?", it got the invite steps, confidently (a browser check, round 38).
_EN_THIS_TIME = re.compile(
    r"\b(?:this|that|these|those)\s+(?:morning|afternoon|evening|night|week|weekend|month|year|quarter|time|"
    r"day|days|weeks|months|years)\b",
    re.IGNORECASE,
)
# "can my husband go instead?", "does it work on android too?": what the turn before said, for someone or something
# else (round 33: "can my husband go instead?" after what to bring to a Pickup Point was "I don't know").
_EN_ELSE = re.compile(r"\b(?:instead|too|as well|either)\W*$", re.IGNORECASE)
_ZH_FOLLOW_UP = re.compile(r"^\s*(那|那么|还有|另外|而且|如果是)|(呢|它|这个|那个)[？?]?\s*$")
# Content words of a bare follow-up ("and on Android?"). Two are not enough to tell: "Do you ship to Canada?" stands
# alone, and "how long does it take?" is caught by its pronoun.
_SHORT_QUESTION_TERMS = 1
_PRONOUN_QUESTION_TERMS = 4  # "can I undo it on the phone?" leans on the last turn; a long question stands alone
_PREPOSITION_WORDS = r"on|in|for|with|from|to|via|by|at|using|through|under|inside"
_PREPOSITIONS = rf"(?:{_PREPOSITION_WORDS})"
_DETERMINERS = r"(?:(?:the|a|an|my|our|your|their|this|that)\s+)?"
# "and on Android?", "what about for the Plus plan?": a connector, a preposition and the new variant.
_VARIANT_FOLLOW_UP = re.compile(
    rf"^\s*(?:and|also|but|so|then|or|what about|how about)?\s*({_PREPOSITIONS})\s+"
    rf"(?P<variant>{_DETERMINERS}[^?.!,;]+?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str = ""


# "we're on Plus btw", "i'm the owner": what the customer adds about themselves after a question, asking it again
# for their case (round 31: "I don't know", as a message of its own).
# Up to three words name the case ("Plus", "Fibre 900", "the 12 month contract"), and one more thing may come with
# it ("I'm on fibre 900 with tv", an unseen help centre's follow-up, round 32).
_EN_CONTEXT = re.compile(
    r"^\s*(?:(?:we|i)\s*(?:'re|'m| are| am|re|m)|(?:we|i)\s+(?:have|use|got))\s+(?:on\s+)?(?:the\s+|a\s+|an\s+)?"
    r"[\w-]+(?:\s+[\w-]+){0,2}?(?:\s+(?:plan|role|account|user|contract|package|tariff))?"
    r"(?:\s+(?:with|and|plus)\s+[\w-]+)?(?:\s+(?:btw|though|now|here))?\s*[.!]*\s*$",
    re.IGNORECASE,
)


def states_the_case(text: str) -> bool:
    """Whether ``text`` only tells the customer's case ("we're on Plus btw", "I'm the owner"; see _EN_CONTEXT)."""
    return bool(_EN_CONTEXT.match(text))


# No word people type is longer than this (a German compound barely reaches it); a message of such runs only is no
# follow-up of anything.
MAX_WORD_CHARS = 40


def is_follow_up(question: str) -> bool:
    words = re.findall(r"\w+", question)
    if not has_cjk(question) and words and min(len(w) for w in words) > MAX_WORD_CHARS:
        # 1,999 x's after a question were read as a follow-up, searched with it, and titled its gap in the editors'
        # queue with that earlier question (a browser check, round 37).
        return False
    if _ZH_FOLLOW_UP.search(question) or _EN_CONNECTOR.search(question) or states_the_case(question):
        return True
    terms = len(tokenize(question))
    if _EN_ELSE.search(question) and terms <= _PRONOUN_QUESTION_TERMS:
        return True
    if has_cjk(question):
        return terms <= 1  # jieba cuts a full Chinese question into few words: only a bare term is a follow-up
    leans_on_pronoun = bool(_EN_PRONOUN.search(_EN_THIS_TIME.sub(" ", _EN_EXISTENTIAL.sub(" ", question))))
    return terms <= _SHORT_QUESTION_TERMS or (terms <= _PRONOUN_QUESTION_TERMS and leans_on_pronoun)


def asks_for_variant(question: str) -> bool:
    """Whether a follow-up asks the previous question again for another variant ("and on Android?")."""
    return not has_cjk(question) and _VARIANT_FOLLOW_UP.match(question) is not None


# "and paypal?", "what about shopify?": a connector and a name alone, asking the last question of another name.
# "and on Plus?", "what about the Business plan?" too: a name after a preposition, or naming its plan.
_NAME_FOLLOW_UP = re.compile(
    r"^\s*(?:and|also|but|or|what about|how about)\s+(?:(?:on|for|with|in)\s+)?(?:the\s+)?"
    r"(?P<name>[A-Za-z][\w-]*)(?:\s+(?:plan|tier|one|version))?\s*[?.!]*\s*$",
    re.IGNORECASE,
)


def swap_name(
    previous: str,
    follow_up: str,
    names: Collection[str],
    siblings: Mapping[str, Collection[str]] | None = None,
) -> str | None:
    """``previous`` with the name it asks about replaced by the one the follow-up says ("does stripe work on the
    free plan?" + "and paypal?" -> "does paypal work on the free plan?"), when both are among ``names`` (the stems
    of what the knowledge base's articles are about, chatbot/names.py) or are ``siblings`` (what one table compares:
    "How much does the Business plan cost?" + "and on Plus?"); None otherwise. Searched as the previous question and
    the follow-up, "stripe" outweighed "paypal" and the Stripe article was quoted (round 31)."""
    match = _NAME_FOLLOW_UP.match(follow_up)
    if match is None or not (names or siblings):
        return None
    name = match.group("name")
    stem = next(iter(tokenize(name)), None)
    if stem is None:
        return None
    alike = set(names) if stem in names else set()
    alike.update((siblings or {}).get(stem, ()))
    for word in re.finditer(r"[A-Za-z][\w-]*", previous):
        other = next(iter(tokenize(word.group())), None)
        if other is not None and other != stem and other in alike:
            return f"{previous[: word.start()]}{name}{previous[word.end() :]}"
    return None


# What tokenizing leaves of a contraction ("I'm" -> "m"): no word of what is asked.
_CONTRACTION_ENDINGS = frozenset({"m", "s", "t", "d", "re", "ve", "ll"})


# "how long will it take?": a duration asked of what the conversation is about, in no words of its own.
_HOW_LONG_OF_IT = re.compile(
    r"^\W*(?:and\s+|so\s+)?how\s+long\s+(?:will|does|would|did|is|do)\s+(?:it|that|this|they)\s+"
    r"(?:take|last|be|go\s+on)?\s*(?:for)?\s*[?.!]*\s*$",
    re.IGNORECASE,
)
# How long something takes, stated: "takes up to 10 minutes", "lasts 2 to 4 hours". Not any duration: "we review
# requests within 2 business days" does not say how long a refund takes to arrive.
_DURATION = re.compile(
    r"\b(?:takes?|took|lasts?)\s+(?:\w+\s+){0,2}?\d+(?:\s*(?:to|-|–)\s*\d+)?\s+(?:working\s+|business\s+)?"
    r"(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\b",
    re.IGNORECASE,
)


def asks_how_long_of_it(question: str, previous_answer: str) -> bool:
    """Whether ``question`` asks only how long what was just answered takes ("how long will it take?") and the
    previous answer states a duration: that answer answers it ("my hub light is flashing red and white" got "The
    update takes up to 10 minutes and the hub restarts by itself"; searched again, the row of another light was
    quoted, round 32)."""
    return bool(_HOW_LONG_OF_IT.match(question)) and bool(_DURATION.search(previous_answer))


# Words that ask about something without naming it (tokenize's stems): how long it takes, when it comes, what it
# means, where it is, whether it works. "how much does it cost?", "is it free?" and "can I cancel it?" are not
# here: as a first message "it" is the product or the subscription, and the help centre answers them.
_SAYS_NOTHING_OF_ITS_OWN = frozenset(
    """long take last arriv come get back start finish end ready done soon quick mean happen normal right true
    possibl ok okay find locat see show work do fix use undo chang stop go need wait doesn isn won didn don""".split()
)
_LEANS_ON = re.compile(r"\b(it|that|this|those|these|they|them)\b", re.IGNORECASE)
# A problem or a question announced, and nothing it is about: "issue", "something is wrong", "not working again",
# "I have a query". A blind probe of first messages (round 34) got the service-status page for "issue" (0.54), the
# bank-feeds article for "something is wrong" and a gap reading "question".
_A_PROBLEM_ONLY = frozenset("issu problem queri question wrong broken troubl error bug glitch work still".split())


def names_nothing(question: str) -> bool:
    """Whether ``question`` asks about "it" and names nothing else ("how long will it take?", "what does that
    mean?"), reports a problem and names nothing it is about ("something is wrong", "issue"), or says nothing but
    stop words ("why?"): as a conversation's first message there is nothing for "it" to be, and the closest article
    is a guess (the refund-time FAQ answered "how long will it take?" at 0.95, round 33). The reply asks what it is
    about."""
    if has_cjk(question):
        return False
    said = set(tokenize(question)) - _CONTRACTION_ENDINGS
    if not said:
        return bool(re.search(r"[^\W\d_]", question))  # "why?", "what do I do now": only stop words; not "???"
    if said <= _A_PROBLEM_ONLY:
        return True
    return bool(_LEANS_ON.search(_EN_EXISTENTIAL.sub(" ", question))) and said <= _SAYS_NOTHING_OF_ITS_OWN


def said_before(question: str, previous_answer: str) -> bool:
    """Whether the previous answer already says every word a follow-up asks about ("and on android?" after "The app
    needs iOS or iPadOS 16 or later, or Android 10 or later"; "what about a bank transfer?" after the payment
    methods, which say when a bank transfer is possible): that answer answers the follow-up too, and quoting it
    again is better than moving on to another article that mentions the word in passing (the offline-mode page's
    "The Lumo apps for iOS and Android keep working ...")."""
    asked = _asked_terms(question)
    return bool(asked) and bool(previous_answer) and asked <= set(tokenize(previous_answer))


def _asked_terms(question: str) -> set[str]:
    """The words a follow-up asks about, without its connector ("what about a bank transfer?": bank, transfer)."""
    return set(tokenize(_EN_CONNECTOR.sub(" ", question))) - _CONTRACTION_ENDINGS


# A sentence's end in an answer of plain sentences, and the citation mark closing it ("... 20 or more users. [1]").
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_CLOSING_MARK = re.compile(r"\s*(\[\d+\])\s*$")


def sentences_saying(answer: str, question: str) -> str | None:
    """The sentences of ``answer`` that say a word the follow-up asks about, with the answer's citation mark, when
    they are fewer than all: "what about a bank transfer?" after the payment methods gets "PayPal isn't accepted
    for Lumo subscriptions; bank transfer is only possible for annual Business subscriptions with 20 or more users.
    [1]", not the whole answer again. None for an answer of one sentence, or with a list, a table or several
    citations (its parts lean on each other), or when no sentence says the words."""
    mark = _CLOSING_MARK.search(answer)
    if mark is None or "\n" in answer.strip() or len(re.findall(r"\[\d+\]", answer)) != 1:
        return None
    sentences = _SENTENCE_END.split(answer[: mark.start()].strip())
    asked = _asked_terms(question)
    saying = [s for s in sentences if asked & set(tokenize(s))]
    if not saying or len(saying) == len(sentences):
        return None
    return f"{' '.join(saying)} {mark.group(1)}"


# A word in fewer than about a quarter of the passages (BM25 idf): one that says something of a passage ("link",
# "devices"), not a word nearly every one says (the product's name). Relative to the knowledge base's size, as
# idf is: a six-article knowledge base has no rarer words than that.
SAYING_WORD_IDF = 1.0


def says_a_word_asked(question: str, text: str, idf: Callable[[str], float]) -> bool:
    """Whether ``text`` says a word (SAYING_WORD_IDF) the follow-up ``question`` asks about: "and how long is the
    link valid?" of the password steps ending "The link is valid for 24 hours", not "how many people can use it?"
    of the steps to turn on the guest wifi."""
    told = set(tokenize(text))
    return any(idf(term) >= SAYING_WORD_IDF and term in told for term in _asked_terms(question))


def retrieval_query(
    question: str,
    history: Sequence[Turn],
    names: Collection[str] = (),
    siblings: Mapping[str, Collection[str]] | None = None,
) -> str:
    """The text to search for: the question itself, or, for a follow-up, the previous question plus this one.
    ``names``: the names the knowledge base's articles are about, and ``siblings`` the words its tables compare,
    which a follow-up may swap (swap_name)."""
    if not history or not is_follow_up(question):
        return question
    previous = _as_searched(history, names, siblings)
    swapped = swap_name(previous, question, names, siblings)
    if swapped is not None:
        match = _NAME_FOLLOW_UP.match(question)
        return f"{swapped} {match.group('name') if match else ''}".strip()
    rewritten = replace_variant(previous, question)
    match = _VARIANT_FOLLOW_UP.match(question)
    if rewritten is not None and match is not None:
        # The new variant once more: it is what this turn asks about, and what the answer must be about.
        return f"{rewritten} {match.group('variant').strip()}"
    # The new question's own words say what is asked now; the previous question only says what it is about.
    # Repeating the new question weighs its words double in both searches (BM25 sums repeated query terms).
    return f"{previous} {question} {question}"


def swapped_question(
    question: str,
    history: Sequence[Turn],
    names: Collection[str] = (),
    siblings: Mapping[str, Collection[str]] | None = None,
) -> str | None:
    """The last question asked again of the name or table sibling a follow-up says ("and on Plus?" after "How much
    does the Business plan cost?" is "How much does the Plus plan cost?"), or None for any other message."""
    if not history or not is_follow_up(question):
        return None
    return swap_name(_as_searched(history, names, siblings), question, names, siblings)


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """The question as it reads without the conversation: a follow-up joined to the question it follows ("and on
    Android?" after "How do I install the app on iPhone?" is "How do I install the app on Android?"; "how long does
    it take?" after "How do I request a refund?" is "How do I request a refund? how long does it take?"). What an
    editor reads in the gap queue, and what the replay that verifies a fix asks: neither has the conversation."""
    if not history or not is_follow_up(question):
        return question
    previous = _as_searched(history)
    return replace_variant(previous, question) or f"{previous} {question}"


def _as_searched(
    history: Sequence[Turn], names: Collection[str] = (), siblings: Mapping[str, Collection[str]] | None = None
) -> str:
    """The last question as it was asked of its own when it was itself a follow-up of a variant or a name ("and on
    iPad?" after "and on Android?" after "How do I install the app on iPhone?"; "what about Free?" after "and on
    Plus?" after "How much does the Business plan cost?"), else as it was asked."""
    question = history[-1].question
    if len(history) > 1 and is_follow_up(question):
        previous = _as_searched(history[:-1], names, siblings)
        return swap_name(previous, question, names, siblings) or replace_variant(previous, question) or question
    return question


def replace_variant(previous: str, follow_up: str) -> str | None:
    """``previous`` with the phrase after the follow-up's preposition replaced by the follow-up's phrase ("... the
    app on iPhone?" + "and on Android?" -> "... the app on Android?"), or None when the follow-up is not of that
    form or ``previous`` has no phrase after that preposition. The phrase replaced runs to the next preposition,
    conjunction or punctuation mark; with the preposition more than once, the last one is taken ("turn on 2FA on
    iPhone")."""
    match = _VARIANT_FOLLOW_UP.match(follow_up)
    if match is None or has_cjk(follow_up):
        return None
    preposition, variant = match.group(1).lower(), match.group("variant").strip()
    slot = re.compile(
        rf"\b{preposition}\s+{_DETERMINERS}(?:(?!\b(?:{_PREPOSITION_WORDS}|and|or)\b)[^?.!,;])+",
        re.IGNORECASE,
    )
    slots = list(slot.finditer(previous))
    if not slots:
        return None
    last = slots[-1]
    ending = previous[last.end() :]
    return f"{previous[: last.start()]}{preposition} {variant}{' ' if ending[:1].isalnum() else ''}{ending}"
