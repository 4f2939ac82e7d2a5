"""A customer's message as an FAQ question ("Save as FAQ" from the inbox): its question, within the form's limit."""

from __future__ import annotations

from web.inbox.queries import as_faq_question

STORY = "We moved to a new office last month and our accountant says the old address is still on everything. " * 6


def test_a_message_within_the_limit_is_kept_as_it_is_with_its_spaces_tidied() -> None:
    assert as_faq_question("  How do I   change my address?\n", 500) == "How do I change my address?"


def test_a_long_message_becomes_its_last_question() -> None:
    message = STORY + "Is it possible to change it on invoices? And how do I change the address on my invoices?"
    assert len(message) > 500
    assert as_faq_question(message, 500) == "And how do I change the address on my invoices?"


def test_a_long_chinese_message_becomes_its_question() -> None:
    message = "我们上个月搬了办公室，会计说旧地址还在所有单据上。" * 30 + "怎么修改发票上的地址？"
    assert as_faq_question(message, 500) == "怎么修改发票上的地址？"


def test_a_long_message_without_a_question_is_cut_at_a_word_with_an_ellipsis() -> None:
    shortened = as_faq_question(STORY, 500)
    assert len(shortened) <= 500 and shortened.endswith("\u2026")
    assert STORY.startswith(shortened[:-1]) and STORY[len(shortened) - 1] == " "  # the cut falls between words


def test_a_question_longer_than_the_limit_is_cut_too() -> None:
    question = "Can I " + "really " * 100 + "do this?"
    shortened = as_faq_question(question, 500)
    assert len(shortened) <= 500 and shortened.startswith("Can I really") and shortened.endswith("\u2026")
