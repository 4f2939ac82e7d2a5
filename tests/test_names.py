"""The names articles are about, and answers from an article about another name (chatbot/names.py)."""

from __future__ import annotations

from chatbot.keyword import tokenize
from chatbot.names import (
    asked_names,
    named_siblings,
    names_another_articles_subject,
    proper_names,
    table_siblings,
    titled_names,
)
from chatbot.types import Chunk


def _chunk(doc_id: str, title: str, text: str, kind: str = "article") -> Chunk:
    return Chunk(id=f"{doc_id}::0", doc_id=doc_id, index=0, text=text, title=title, kind=kind)  # type: ignore[arg-type]


CHUNKS = [
    _chunk(
        "stripe.md",
        "Getting paid online with Stripe",
        "Connect Stripe to get paid. Refunds in Stripe create a credit note.",
    ),
    _chunk("paypal.html", "Getting paid with PayPal", "Connect PayPal in the settings. Fees from PayPal are recorded."),
    _chunk("menus.md", "Settings and menus", "Open the settings from the menu. The settings page lists your plan."),
    _chunk("faq.csv#1", "Can I use PayPal and Stripe?", "Yes, you can use both.", kind="faq"),
]
IDF = {"paypal": 3.0, "stripe": 3.0, "setting": 2.0}


def _idf(term: str) -> float:
    return IDF.get(term, 1.5)


def test_a_name_is_what_an_article_title_says_and_the_texts_capitalise() -> None:
    titled = titled_names(CHUNKS, tokenize)
    assert titled == {"stripe": frozenset({"stripe.md"}), "paypal": frozenset({"paypal.html"})}
    # "settings" is lower-case mid-sentence: a word, not a name; an FAQ entry's title is a question, no subject.


def _terms(doc_id: str) -> list[str]:
    return [t for c in CHUNKS if c.doc_id == doc_id for t in tokenize(f"{c.title} {c.text}")]


def test_a_question_naming_another_article_s_subject_is_not_answered_from_this_one() -> None:
    titled = titled_names(CHUNKS, tokenize)

    def names(question: str, cited: list[str]) -> list[str]:
        return names_another_articles_subject(question, cited, _terms, titled, _idf, tokenize)

    assert names("if i refund in paypal does it make a credit note", ["stripe.md"]) == ["paypal"]
    assert names("if i refund in stripe does it make a credit note", ["stripe.md"]) == []
    assert names("stripe or paypal, which is cheaper", ["stripe.md", "paypal.html"]) == []
    assert names("can i use paypal and stripe", ["faq.csv#1"]) == []  # the entry says both
    assert names("how do i open the settings", ["stripe.md"]) == []  # no name asked


def test_the_names_a_question_asks_are_article_subjects_it_says() -> None:
    titled = titled_names(CHUNKS, tokenize)
    assert asked_names("does the paypal fee get booked", titled, _idf, tokenize) == {"paypal"}
    assert asked_names("stripe or paypal, which is cheaper", titled, _idf, tokenize) == {"stripe", "paypal"}
    assert asked_names("how do i open the settings", titled, _idf, tokenize) == set()


def test_a_name_in_nearly_every_passage_is_no_article_s_subject() -> None:
    titled = titled_names(CHUNKS, tokenize)
    common = names_another_articles_subject(
        "paypal fees", ["stripe.md"], _terms, titled, lambda t: 0.5 if t == "paypal" else 1.5, tokenize
    )
    assert common == []


def test_a_name_many_titles_say_is_a_theme_not_one_article_s_subject() -> None:
    # A TV manual capitalises "Internet" in the titles of many sections: none of them is about it alone.
    chunks = [
        _chunk(f"s{n}.md", f"Connecting to the Internet, part {n}", "Connect the TV to the Internet first.")
        for n in range(3)
    ]
    assert titled_names([*chunks, *CHUNKS], tokenize) == {
        "stripe": frozenset({"stripe.md"}),
        "paypal": frozenset({"paypal.html"}),
    }


def test_the_words_a_table_compares_are_siblings() -> None:
    prices = (
        "Plans:\n\n| Feature | Free | Plus | Business |\n|---|---|---|---|\n| Monthly price | €0 | €12 | €29 |\n"
        "| Users included | 1 | 3 | 10 |\n\nApps:\n"
        "| Platform | Version |\n|---|---|\n| **Android** | 10 |\n| iPhone | 16 |"
    )
    siblings = table_siblings([_chunk("prices.md", "Plans and prices", prices)], tokenize)
    assert siblings["plus"] == {"free", "busi"} and siblings["busi"] == {"free", "plus"}
    assert siblings["android"] == {"iphon"}
    # A header's first cell names its column, and a cell of two words is no name.
    assert "featur" not in siblings and "platform" not in siblings and "user" not in siblings


def test_of_the_words_tables_compare_the_names_are_compared_with_the_other_names() -> None:
    # Round 41: "can i pay with paypal in rotterdam" is about one of the cities a prices table compares; a grid's
    # one-word rows ("Invoices", "Users") are no cities.
    prices = (
        "| City | Unlock fee |\n|---|---|\n| Lisbon | €1.00 |\n| Porto | €1.00 |\n| Rotterdam | €1.25 |\n\n"
        "| Item | Owner | Staff |\n|---|---|---|\n| Invoices | Yes | Yes |\n| Users | Yes | No |"
    )
    prose = (
        "Rides in Lisbon and Porto cost less than in Rotterdam. In Rotterdam you pay by iDEAL. "
        "PayPal works in Lisbon and Porto. Staff can send invoices. Your users can see invoices."
    )
    chunks = [_chunk("prices.md", "Prices", prices), _chunk("pay.md", "Paying", prose)]
    names = proper_names(chunks, tokenize)
    assert {"lisbon", "porto", "rotterdam"} <= names and not {"invoic", "user"} & names
    named = named_siblings(table_siblings(chunks, tokenize), names)
    assert named["rotterdam"] == {"lisbon", "porto"} and "invoic" not in named and "user" not in named
