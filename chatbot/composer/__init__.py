"""Extractive answers: the passage of the best article that answers the question, with ``[n]`` citations.

No LLM: we pick an anchor sentence (the one sharing the most rare words with the question; for a Chinese question,
the most words beyond the article's subject, its title) in the best chunks of the top article and return a contiguous
window around it, because help-centre answers are contiguous: a menu path followed by its explanation, or a numbered
procedure that must stay whole and in order. The window stays in the anchor's section: the next section of an article
answers another question.

Tables are quoted as Markdown tables or not at all: a table is the answer when it holds the best match for the
question (then it is quoted with its header, and only the rows about what the question names when it names one of
them: "on Android" gets the Android row; a row's first cell says what the row is about, so "on Plus" gets the Plus
row even when another row shares a word of the question), and is left out otherwise, never flattened into a
sentence. A passage never ends on a sentence introducing what it does not quote ("Lumo uses this schedule:"): the
table it introduces comes along when it fits the answer's length, else the sentence goes.

A second passage (another article, or another part of the same one) is added only when it covers a rare word of
the question that the first passage misses and is itself about the question (compound questions); a passage never
repeats a sentence already quoted.

units.py cuts chunks into what can be quoted and writes quoted units as answer text; question.py reads the question
and scores matches against it; headings.py reads what a section's headings say of it; anchor.py finds the unit that
answers best; extractive.py quotes the window around it and picks the passages; settings.py holds the lengths and
weights; contact.py reads whether a question asks for a number to call and whether a text states one.
"""

from __future__ import annotations

from chatbot.composer.extractive import Composition, ExtractiveComposer
from chatbot.composer.question import (
    IdfLookup,
    asks_how_to,
    asks_open_question,
    asks_price,
    leaves_amount_unsaid,
    leaves_notice_unsaid,
    leaves_record_unsaid,
    prices_something_else,
    quantity_asked,
    states_money,
    states_price_asked,
)
from chatbot.composer.settings import ComposerSettings
from chatbot.composer.units import Unit, render, split_units, word_count

# What answering, the tests and the modules outside the composer use.
__all__ = [
    "ComposerSettings",
    "Composition",
    "ExtractiveComposer",
    "IdfLookup",
    "Unit",
    "asks_how_to",
    "asks_open_question",
    "asks_price",
    "leaves_amount_unsaid",
    "leaves_notice_unsaid",
    "leaves_record_unsaid",
    "prices_something_else",
    "quantity_asked",
    "render",
    "split_units",
    "states_money",
    "states_price_asked",
    "word_count",
]
