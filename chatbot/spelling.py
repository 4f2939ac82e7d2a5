"""Typo tolerance: a question's misspelt words ("acount", "buisness", "Shopfiy") read as the knowledge base's own.

Customers type fast. A word the knowledge base has never seen is missed by keyword search, pulls the question's
vector away from the article, and reads to the confidence features as a name the knowledge base does not know
("Xero", "bitcoin"), which sinks an answer that was there. So before retrieval, a word that is not in the
knowledge base's vocabulary becomes the most frequent vocabulary word within one edit (two for long words):
SymSpell (symspellpy) over the words of the audience's own chunks, so a public question is never corrected into a
word only internal documents use. Conservative on purpose: short words, words with digits and Chinese are left
as typed, and so is a word with no vocabulary word that close, so a real unknown name still reads as unknown.
A real English word is never a typo, whatever the knowledge base says (symspellpy's English word list): on the dev
questions, without that check "unchanged" became "changed", "constrain" "contain" and "score" "store". Nor is a
word that only adds letters at either end of a vocabulary word ("unpaused", "doesnt"): that is another form of it.
A word the knowledge base only writes with a hyphen ("Wi-Fi", "e-mail") reads as it is written there: customers
type "wifi", which matched nothing ("does it work with 5ghz wifi?" was "I don't know").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources

from chatbot.language import CJK_RE

# Shorter words have too many neighbours one edit away ("cash" -> "case", "Xero" -> "zero").
MIN_WORD_LENGTH = 5
# From this length two edits are allowed ("buisness" -> "business" is one transposition, "aplication" one more).
TWO_EDITS_FROM_LENGTH = 8
_WORD = re.compile(r"[^\W\d_]+")
# A word of two parts joined by a hyphen (any of the hyphens a page may print), each part letters only.
_HYPHENATED = re.compile(r"(?<![\w\-\u2010\u2011])([^\W\d_]{1,8})[\-\u2010\u2011]([^\W\d_]{1,8})(?![\w\-\u2010\u2011])")
# The commonest slips of the keys in short function words, too short for the speller (MIN_WORD_LENGTH): "whats teh
# differnce between 2.4 and 5ghz" was "I don't know" (0.21) on an unseen help centre, "teh" read as a name no article
# says (round 32). None of them is an English word; a knowledge base that uses one keeps it.
_FUNCTION_WORD_TYPOS = {
    "teh": "the",
    "hte": "the",
    "adn": "and",
    "nad": "and",
    "hwo": "how",
    "yuo": "you",
    "cna": "can",
    "waht": "what",
    "whta": "what",
    "taht": "that",
    "tehy": "they",
    "wiht": "with",
    "jsut": "just",
}


@lru_cache(maxsize=1)
def english_word_counts() -> dict[str, int]:
    """The 82,765 words of symspellpy's English frequency list (Google Books n-grams within the SCOWL word list), with
    how often each occurs there."""
    listing = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    counts: dict[str, int] = {}
    for line in listing.read_text(encoding="utf-8").splitlines():
        word, _, count = line.partition(" ")
        if word:
            counts[word] = int(count or 0)
    return counts


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The words of the English frequency list (english_word_counts)."""
    return frozenset(english_word_counts())


def vocabulary(texts: Iterable[str]) -> Counter[str]:
    """How often each word (lower-cased letters) occurs in ``texts``."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(word for word in _WORD.findall(text.lower()) if not CJK_RE.search(word))
    return counts


def hyphenated_words(texts: Iterable[str]) -> dict[str, str]:
    """The words ``texts`` write with a hyphen, by the word written without it: {"wifi": "wi-fi"}."""
    found: dict[str, str] = {}
    for text in texts:
        if "-" in text or "\u2010" in text or "\u2011" in text:
            for first, second in _HYPHENATED.findall(text.lower()):
                if not CJK_RE.search(first + second):
                    found.setdefault(first + second, f"{first}-{second}")
    return found


class Speller:
    """Corrects the words of a text that are not in a vocabulary to the closest, most frequent word that is.
    ``is_known`` may accept more words as they are: the keyword index knows "stores" by its stem when the texts only
    say "store", and a word it knows is spelt right."""

    def __init__(
        self,
        counts: Counter[str],
        is_known: Callable[[str], bool] | None = None,
        hyphenated: dict[str, str] | None = None,
    ) -> None:
        from symspellpy import SymSpell

        self._known = frozenset(counts)
        self._is_known = is_known
        self._hyphenated = hyphenated or {}
        self._symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word, count in counts.items():
            if len(word) >= MIN_WORD_LENGTH - 2:  # a 5-letter typo is at most two edits from a 3-letter word
                self._symspell.create_dictionary_entry(word, count)

    def correct(self, text: str) -> str:
        """``text`` with each unknown word of MIN_WORD_LENGTH letters or more replaced by its correction."""
        return _WORD.sub(lambda match: self.correct_word(match.group()), text)

    def knows(self, word: str) -> bool:
        """Whether ``word`` is one of the vocabulary's (or its stem is known, or it is a stop word)."""
        lower = word.lower()
        return lower in self._known or (self._is_known is not None and self._is_known(lower))

    def uses(self, word: str) -> bool:
        """Whether the texts use ``word`` itself or an inflection of it ("enabled" for "enable"); unlike knows(), not
        merely another word of its stem ("year" for "yearly")."""
        lower = word.lower()
        base = lower[:-1] if lower.endswith("e") else lower
        forms = {lower, f"{lower}s", f"{lower}es", f"{lower}d", f"{base}ed", f"{base}ing"}
        return not forms.isdisjoint(self._known)

    def correct_word(self, word: str) -> str:
        lower = word.lower()
        if lower in self._hyphenated and lower not in self._known:
            return self._hyphenated[lower]
        if lower in _FUNCTION_WORD_TYPOS and lower not in self._known:
            return _FUNCTION_WORD_TYPOS[lower]
        if len(lower) < MIN_WORD_LENGTH or lower in self._known or CJK_RE.search(word):
            return word
        if lower in english_words() or (self._is_known is not None and self._is_known(lower)):
            return word
        from symspellpy import Verbosity

        distance = 2 if len(lower) >= TWO_EDITS_FROM_LENGTH else 1
        suggestions = self._symspell.lookup(lower, Verbosity.TOP, max_edit_distance=distance)
        if not suggestions:
            return word
        corrected: str = suggestions[0].term
        if lower.startswith(corrected) or lower.endswith(corrected):
            return word
        return corrected.capitalize() if word[:1].isupper() else corrected
