"""Which two things a question compares (chatbot/composer/question.py): each side gets a passage of its own."""

from __future__ import annotations

import pytest

from chatbot.composer.question import Question, compared_sides


@pytest.mark.parametrize(
    ("question", "sides"),
    [
        ("accountant vs admin role whats the difference", ("accountant", "admin role")),
        ("Plus vs. Business", ("Plus", "Business")),
        ("disconnect feed versus delete account, which one", ("disconnect feed", "delete account")),
        (
            "whats the difference between cancelling my subscription and closing my account",
            ("cancelling my subscription", "closing my account"),
        ),
        ("is the authenticator app better than sms for 2fa", ("the authenticator app", "sms")),
        ("Is office a lot better than google docs?", ("office", "google docs")),
        ("compare the plus and business plans", ("the plus", "business plans")),
        ("which is better, authenticator app or sms?", ("authenticator app", "sms")),
        ("should i use stripe or paypal", ("stripe", "paypal")),
        ("stripe or paypal, which is cheaper", ("stripe", "paypal")),
        ("Accountant vs admin: what's the difference?", ("Accountant", "admin")),
        # "with" before "and": a name with "and" in it stays one side.
        ("compare my profit and loss with last year", ("my profit and loss", "last year")),
        ("the old way vs the new way", ("the old way", "the new way")),
    ],
)
def test_the_two_sides_of_a_comparison_are_read(question: str, sides: tuple[str, str]) -> None:
    assert compared_sides(question) == sides


@pytest.mark.parametrize(
    "question",
    [
        "how do i compare invoices",
        "is it better to use stripe",
        "what is the difference",
        "vs",
        "can i pay by card or bank transfer",
        "should i cancel or downgrade",
        # Two kinds of customer, two numbers: not two things to tell apart.
        "which plan is best for freelancers or small businesses",
        "which plan is best if i have 2 or 3 users",
    ],
)
def test_a_question_comparing_nothing_has_no_sides(question: str) -> None:
    assert compared_sides(question) is None
    assert Question.read(question, lambda term: 1.0).sides is None


def test_each_side_keeps_only_the_words_the_other_does_not_say() -> None:
    asked = Question.read("what's the difference between the free plan and the plus plan", lambda term: 1.0)
    assert asked.sides is not None
    assert [sorted(side) for side in asked.sides] == [["free"], ["plus"]]
    # A third side is read as part of the second, without its "vs".
    asked = Question.read("owner vs admin vs accountant", lambda term: 1.0)
    assert asked.sides is not None and "vs" not in asked.sides[1]
    # Sides saying the same words compare nothing the passages could tell apart.
    assert Question.read("plan vs plans", lambda term: 1.0).sides is None
