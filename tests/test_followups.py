"""What a follow-up is searched as (chatbot/followups.py): a new variant takes the old one's place. No model needed."""

from __future__ import annotations

import pytest

from chatbot.followups import (
    Turn,
    asks_for_variant,
    asks_how_long_of_it,
    is_follow_up,
    replace_variant,
    retrieval_query,
    said_before,
    says_a_word_asked,
    sentences_saying,
    standalone_question,
    swap_name,
    swapped_question,
)


@pytest.mark.parametrize(
    ("previous", "follow_up", "gone", "searched"),
    [
        (
            "How do I install the app on iPhone?",
            "and on Android?",
            "iPhone",
            "How do I install the app on Android? Android",
        ),
        ("How do I install the app on my iPhone?", "what about on an Android tablet?", "iPhone", None),
        ("How many users are included in the Business plan?", "and in the Plus plan?", "Business", None),
        ("How do I export data to Excel?", "And to CSV?", "Excel", "How do I export data to CSV? CSV"),
        ("How do I turn on 2FA on iPhone with Face ID?", "and on Android?", "iPhone", None),
    ],
)
def test_a_variant_follow_up_replaces_the_previous_variant(
    previous: str, follow_up: str, gone: str, searched: str | None
) -> None:
    query = retrieval_query(follow_up, [Turn(previous, "an answer")])
    rewritten = replace_variant(previous, follow_up)
    assert rewritten is not None and query.startswith(rewritten)
    assert gone not in query  # the old variant no longer pulls the search back to the answer already given
    if searched is not None:
        assert query == searched


def test_the_replaced_phrase_is_the_last_after_that_preposition() -> None:
    assert replace_variant("How do I turn on 2FA on iPhone with Face ID?", "and on Android?") == (
        "How do I turn on 2FA on Android with Face ID?"
    )
    assert replace_variant("How many users are included in the Business plan?", "and in the Plus plan?") == (
        "How many users are included in the Plus plan?"
    )


def test_a_chain_of_variants_starts_from_the_question_as_searched() -> None:
    history = [Turn("How do I install the app on iPhone?"), Turn("and on Android?")]
    assert retrieval_query("and on iPad?", history) == "How do I install the app on iPad? iPad"


@pytest.mark.parametrize(
    ("previous", "follow_up"),
    [
        ("How do I enable two-factor authentication?", "and on Android?"),  # no "on ..." to replace
        ("How do I cancel my subscription?", "what about refunds?"),  # no preposition: a new topic
        ("如何开启两步验证？", "那安卓呢？"),
        # Round 32: a person named before ("my daughter") is "she": the follow-up was searched alone and got the
        # price-rise article's "Can I leave because of the price rise?".
        ("can my daughter be added to the account as an authorised person?", "can she cancel the contract?"),
    ],
)
def test_other_follow_ups_are_searched_with_the_previous_question(previous: str, follow_up: str) -> None:
    assert replace_variant(previous, follow_up) is None
    assert retrieval_query(follow_up, [Turn(previous)]) == f"{previous} {follow_up} {follow_up}"


def test_a_standalone_question_is_searched_as_asked() -> None:
    history = [Turn("How do I install the app on iPhone?")]
    assert retrieval_query("How do I connect Stripe to get paid online?", history) == (
        "How do I connect Stripe to get paid online?"
    )


@pytest.mark.parametrize(
    ("history", "question", "standalone"),
    [
        (["How do I install the app on iPhone?"], "and on Android?", "How do I install the app on Android?"),
        (
            ["How do I install the app on iPhone?", "and on Android?"],
            "and on iPad?",
            "How do I install the app on iPad?",
        ),
        (["How do I request a refund?"], "how long does it take?", "How do I request a refund? how long does it take?"),
        (["How do I request a refund?"], "Which payment methods can I use?", "Which payment methods can I use?"),
        ([], "and on Android?", "and on Android?"),
    ],
)
def test_a_follow_up_reads_on_its_own_joined_to_what_it_follows(
    history: list[str], question: str, standalone: str
) -> None:
    assert standalone_question(question, [Turn(q, "an answer") for q in history]) == standalone


@pytest.mark.parametrize(
    ("question", "is_variant"),
    [("and on Android?", True), ("what about for the Plus plan?", True), ("how long does it take?", False)],
)
def test_a_variant_follow_up_is_told_from_other_follow_ups(question: str, is_variant: bool) -> None:
    assert asks_for_variant(question) is is_variant


@pytest.mark.parametrize(
    ("follow_up", "previous_answer", "said"),
    [
        # Round 31: each moved off the answer that said it to an article mentioning the word in passing.
        ("and on android?", "The app needs iOS or iPadOS 16 or later, or Android 10 or later.", True),
        (
            "what about a bank transfer?",
            "PayPal isn't accepted; bank transfer is only possible for annual Business subscriptions.",
            True,
        ),
        ("and if I'm on Free?", "Plus includes 2 bank connections. On the Free plan you import statements.", True),
        # What the previous answer does not say is asked anew.
        ("and on android?", "Download Lumo from the App Store and sign in.", False),
        ("and if the customer has already paid it?", "A sent invoice can't be deleted; void it instead.", False),
        ("and on android?", "", False),
    ],
)
def test_a_follow_up_the_previous_answer_already_answers(follow_up: str, previous_answer: str, said: bool) -> None:
    assert said_before(follow_up, previous_answer) is said


def test_a_follow_up_said_before_gets_the_sentences_that_say_it() -> None:
    methods = (
        "We accept Visa, Mastercard and American Express cards and SEPA Direct Debit. PayPal isn't accepted for Lumo "
        "subscriptions; bank transfer is only possible for annual Business subscriptions with 20 or more users. [1]"
    )
    assert sentences_saying(methods, "what about a bank transfer?") == (
        "PayPal isn't accepted for Lumo subscriptions; bank transfer is only possible for annual Business "
        "subscriptions with 20 or more users. [1]"
    )
    # Every sentence says it, or none does, or a list or a second citation holds the answer together: as it is.
    assert sentences_saying("Bank transfer is possible. Bank transfer takes 3 days. [1]", "and bank transfer?") is None
    assert sentences_saying(methods, "and on android?") is None
    assert sentences_saying("Accepted:\n- Visa\n- bank transfer [1]", "what about bank transfer") is None
    assert sentences_saying("Cards work. [1]\n\nBank transfer too. [2]", "what about bank transfer") is None


def test_a_follow_up_naming_another_article_s_subject_asks_the_last_question_of_it() -> None:
    names = frozenset({"stripe", "paypal", "shopifi"})
    # Round 31: searched as the previous question and "paypal", "stripe" outweighed it.
    assert swap_name("does stripe work on the free plan?", "and paypal?", names) == "does paypal work on the free plan?"
    assert swap_name("how do i connect Stripe", "what about PayPal?", names) == "how do i connect PayPal"
    query = retrieval_query("and paypal?", [Turn("does stripe work on the free plan?", "Yes.")], names)
    assert query == "does paypal work on the free plan? paypal"
    # Not a name of the knowledge base's, or no other name to replace: searched as before.
    assert swap_name("does stripe work on the free plan?", "and xero?", names) is None
    assert swap_name("how do i add a user", "and paypal?", names) is None
    assert swap_name("does stripe work on the free plan?", "and on the plus plan?", names) is None
    assert retrieval_query("and paypal?", [Turn("does stripe work on the free plan?", "Yes.")]) == (
        "does stripe work on the free plan? and paypal? and paypal?"
    )


def test_a_follow_up_naming_what_a_table_compares_asks_the_last_question_of_it() -> None:
    # Round 39: the plans are no article's subject, but the prices table compares them.
    siblings = {
        "plus": frozenset({"busi", "free"}),
        "busi": frozenset({"plus", "free"}),
        "free": frozenset({"plus", "busi"}),
    }
    first = "How much does the Business plan cost?"
    assert swap_name(first, "and on Plus?", (), siblings) == "How much does the Plus plan cost?"
    assert swap_name(first, "what about the Plus plan?", (), siblings) == "How much does the Plus plan cost?"
    # A chain of them: each is asked of the question as the last one made it.
    history = [Turn(first, "€29 per month."), Turn("and on Plus?", "€12 per month.")]
    assert swapped_question("what about free?", history, (), siblings) == "How much does the free plan cost?"
    # A word the table does not compare with one of the question's: as before.
    assert swap_name(first, "and on Android?", (), siblings) is None
    assert swapped_question("and on Plus?", [], (), siblings) is None


@pytest.mark.parametrize(
    ("message", "follows"),
    [
        # Round 31: "I don't know", as messages of their own, after a question they add the customer's case to.
        ("we're on Plus btw", True),
        ("we're on plus", True),
        ("I'm the owner", True),
        ("we have the business plan", True),
        # Round 32, another help centre: a case of two words, and one more thing with it.
        ("I'm on fibre 900 with tv", True),
        ("I'm on fibre 500", True),
        ("we have a problem with the invoice template", False),
        # A question of its own, or a statement saying more than the case, stands alone as before.
        ("we're on plus, can we add a 4th user?", False),
        ("I'm locked out of my account after changing phones", False),
        # Round 33, an FAQ help centre: the turn before, for someone else ("I don't know" alone).
        ("can my husband go instead?", True),
        ("does that work on android too?", True),
        ("can I pay by bank transfer instead of a card?", False),
        ("I want to send a parcel to my sister and one to my brother too, how much for two medium boxes?", False),
    ],
)
def test_the_customer_s_case_added_after_a_question_is_a_follow_up(message: str, follows: bool) -> None:
    assert is_follow_up(message) is follows


def test_how_long_it_takes_after_an_answer_stating_a_duration_was_said_before() -> None:
    # Round 32: "how long will it take?" after the hub-light row saying "The update takes up to 10 minutes" got the
    # row of another light.
    said = "| Flashing red and white | A software update is installing. | The update takes up to 10 minutes. [1] |"
    assert asks_how_long_of_it("how long will it take?", said)
    assert asks_how_long_of_it("and how long does that take", said)
    assert not asks_how_long_of_it("how long will it take?", "Switch the hub off and on again. [1]")
    assert not asks_how_long_of_it("how long does the refund take to reach my card?", said)  # its own subject


def test_a_word_a_follow_up_asks_said_in_a_text() -> None:
    idf = {"devic": 3.0, "peopl": 3.0, "use": 0.3}.get
    assert says_a_word_asked("how many people can use it?", "Up to 16 people at once.", lambda t: idf(t, 0.0))
    # "use" is in nearly every passage: it tells nothing.
    assert not says_a_word_asked("how many people can use it?", "Use the app to turn it on.", lambda t: idf(t, 0.0))


@pytest.mark.parametrize("noise", ["x" * 1999, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!!!"])
def test_a_message_of_no_words_is_no_follow_up(noise: str) -> None:
    # 1,999 x's were searched with the question before, and titled its gap with that question (round 37).
    history = [Turn("How do I connect my bank account?", "1. Go to Bookkeeping > Bank accounts.")]
    assert not is_follow_up(noise)
    assert retrieval_query(noise, history) == noise
    assert is_follow_up("and on Android?")


@pytest.mark.parametrize(
    "message",
    [
        "my card was charged twice this month",
        "we were billed twice last month and this month",
        "it crashed this morning",
    ],
)
def test_a_demonstrative_before_a_time_is_a_date_not_the_last_topic(message: str) -> None:
    # "this month" leaned on no earlier turn: after "How do I invite a colleague?" the complaint was searched with
    # it and got the invite steps, confidently (a browser check, round 38). "it" still leans on the last turn.
    assert is_follow_up(message) is (message == "it crashed this morning")
