"""Typo tolerance: misspelt words become the knowledge base's own words; names it does not know stay unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.keyword import KeywordIndex
from chatbot.spelling import Speller, hyphenated_words, vocabulary
from chatbot.types import Chunk

HELP_CENTRE = [
    "Close your account: go to Settings > Account > Close account.",
    "Upgrade to the Business plan from Settings > Billing. Business includes multi-currency.",
    "Connect your Shopify store. Connect Stripe to take card payments.",
    "Start your free trial. The trial lasts 30 days. Working offline is supported.",
]


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(vocabulary(HELP_CENTRE))


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("delete my acount pls", "delete my account pls"),  # a letter missing
        ("how do i upgrade to buisness", "how do i upgrade to business"),  # two letters swapped
        ("how do i hook up stirpe", "how do i hook up stripe"),
        ("How many Shopfiy?", "How many Shopify?"),  # the capital stays
        ("2fa not wrking", "2fa not working"),
    ],
)
def test_a_misspelt_word_becomes_the_knowledge_base_word(speller: Speller, typed: str, meant: str) -> None:
    assert speller.correct(typed) == meant


@pytest.mark.parametrize(
    "question",
    [
        "Do you integrate with Xero?",  # a short name: too many words are one edit away
        "Can I pay with bitcoin?",  # no knowledge-base word is that close: it stays unknown
        "Do you have an office in Tokyo?",
        "Is there a plan for 50 users?",
        "怎么升级到商业版？",  # Chinese is cut into words by jieba, not spelled
        # A real English word is not a typo, even one edit from a knowledge-base word ("trial", "changed").
        "free trail, do i need a card?",
        "my plan is unchanged",
        # Letters added at either end make another form of a word, not a typo.
        "the sync is unstarted",
    ],
)
def test_words_the_knowledge_base_does_not_know_stay_as_typed(speller: Speller, question: str) -> None:
    assert speller.correct(question) == question


def test_a_knowledge_base_word_is_never_changed_even_when_a_more_frequent_one_is_close() -> None:
    # "zorbex" is one edit from the more frequent "zorbax", and the knowledge base has both.
    assert Speller(vocabulary(["zorbax zorbax zorbax", "zorbex"])).correct("why zorbex") == "why zorbex"


def test_a_word_the_caller_knows_is_left_alone() -> None:
    # The keyword index knows a word by its stem when the texts have another form of it (is_known).
    assert Speller(vocabulary(["zorbax zorbax"])).correct("the zorbex") == "the zorbax"
    knows_it = Speller(vocabulary(["zorbax zorbax"]), is_known=lambda word: word == "zorbex")
    assert knows_it.correct("the zorbex") == "the zorbex"


def test_a_slip_in_a_short_function_word_is_read_as_the_word() -> None:
    # Round 32, an unseen help centre: "whats teh differnce between 2.4 and 5ghz" was "I don't know" (0.21), "teh"
    # read as a name no article says. Too short for the speller, but never an English word.
    speller = Speller(vocabulary(["The difference between the bands and how to pay."]))
    assert speller.correct("whats teh differnce") == "whats the difference"
    assert speller.correct("hwo do yuo pay adn when") == "how do you pay and when"
    # A knowledge base that says the word keeps it.
    assert Speller(vocabulary(["TEH is our product."])).correct("what is teh") == "what is teh"


def test_a_public_question_is_not_corrected_into_an_internal_only_word(tmp_path: Path) -> None:
    index = KeywordIndex(tmp_path)
    index.replace_chunks(
        [],
        [
            Chunk(id="pub::0", doc_id="pub", index=0, text="Refunds take five days.", title="Refunds"),
            Chunk(
                id="int::0",
                doc_id="int",
                index=0,
                text="The escalation ladder for chargebacks.",
                title="Escalation",
                audience="internal",
            ),
        ],
    )
    assert index.speller("internal").correct("escalaton") == "escalation"
    assert index.speller("public").correct("escalaton") == "escalaton"


def test_a_word_the_knowledge_base_writes_with_a_hyphen_reads_as_written_there(tmp_path: Path) -> None:
    # An unseen robot vacuum's manual says "Wi-Fi" (the words "wi" and "fi"): "does it work with 5ghz wifi?" was
    # "I don't know" (round 38). A knowledge base that also writes "wifi" keeps the customer's word.
    texts = ["Connect the robot to your 2.4 GHz Wi-Fi network.", "Send us an e-mail.", "A well-known multi-step setup"]
    speller = Speller(vocabulary(texts), hyphenated=hyphenated_words(texts))
    assert speller.correct("does it work with 5ghz wifi? email me") == "does it work with 5ghz wi-fi? e-mail me"
    assert speller.correct("a multistep wellknown thing") == "a multi-step well-known thing"
    both = [*texts, "Your wifi needs attention."]
    assert Speller(vocabulary(both), hyphenated=hyphenated_words(both)).correct("slow wifi") == "slow wifi"
    index = KeywordIndex(tmp_path)
    index.replace_chunks([], [Chunk(id="m::0", doc_id="m", index=0, text=texts[0], title="Setting up")])
    assert index.speller("public").correct("5ghz wifi") == "5ghz wi-fi"
