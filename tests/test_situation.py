"""The situation a customer tells before asking: its words no article uses are dropped, the question is kept."""

from __future__ import annotations

from chatbot.situation import situation_focus, tells_a_story

KNOWN = frozenset(
    "hi this is from we our a the it for to my and i on just any is too late renewed annual business plan forgot "
    "cancel monthly plus refund discount started".split()
)


def keeps(word: str) -> bool:
    return word.lower() in KNOWN


def test_the_story_s_unknown_words_go_and_the_question_stays_whole() -> None:
    message = "Hi, this is Aoife from Harbour Lane. We renewed our annual Business plan. Is it too late for Aoife?"
    assert (
        situation_focus(message, keeps)
        == "Hi, this is from . We renewed our annual Business plan. Is it too late for Aoife?"
    )


def test_a_sentence_that_asks_keeps_its_words_wherever_it_is() -> None:
    # The question first, then the story: "student" is what is asked about, never dropped.
    message = "any student discount? just started uni in Leeds. thanks"
    assert situation_focus(message, keeps) == "any student discount? just started . thanks"


def test_one_sentence_chinese_or_nothing_unknown_is_left_alone() -> None:
    assert situation_focus("forgot to cancel my monthly plus plan, refund for Aoife?", keeps) is None
    assert situation_focus("我忘了取消 Aoife。可以退款吗？", keeps) is None
    assert situation_focus("forgot to cancel my monthly plus plan. refund?", keeps) is None


def test_a_story_is_more_than_one_sentence_and_not_chinese() -> None:
    assert tells_a_story("I moved house. How do I change my address?")
    assert tells_a_story("bought a smart plug\nit won't connect to the wifi")
    assert not tells_a_story("How do I change my address?")
    assert not tells_a_story("我搬家了。怎么改地址？")
