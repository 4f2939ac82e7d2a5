"""BM25 keyword index (bm25s) with a tokenizer that handles English (stemmed) and Chinese (jieba words).

The index is kept per audience scope: the ``public`` index is built from public chunks only, so an internal chunk
cannot score, rank or leak on the public path at all; the ``internal`` index holds every chunk. The corpus
(chunk id, document id, audience, tokens) is persisted as one JSON file written atomically; any process that
queries notices a newer file (by its modification time) and reloads, so an ingest shows up without a restart.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.codes import code_like_words
from chatbot.language import CJK_CHARS, CJK_RE
from chatbot.names import named_siblings, proper_names, table_siblings, titled_names
from chatbot.spelling import Speller, hyphenated_words, vocabulary
from chatbot.synonyms import Synonyms
from chatbot.types import Audience, Chunk, chunk_from_dict, chunk_to_dict

log = logging.getLogger(__name__)

# A run of Chinese characters, or a run of other letters/digits. Chinese characters are word characters too, so the
# second class must exclude them: otherwise "1990年出生于北京" (a digit first) was one token that jieba never cut.
_TOKEN_RE = re.compile(rf"[{CJK_CHARS}]+|[^\W_{CJK_CHARS}]+", re.UNICODE)
_ENGLISH_STOPWORDS = frozenset(
    (
        "a about above after again against all am an and any are as at be because been before being below between "
        "both but by can could did do does doing down during each few for from further had has have having he her here "
        "hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of "
        "off on once only or other our ours ourselves out over own same she should so some such than that the their "
        "theirs them themselves then there these they this those through to too under until up very was we were what "
        "when where which while who whom why will with would you your yours yourself yourselves "
        # Chat shorthand, filler and contractions typed without their apostrophe: "how long do u guys take", "look
        # at stuff while the account is read only", "my bank isnt listed". Rare in any knowledge base, they read as
        # the question's rarest words, missing from every right answer, and as names the knowledge base never uses.
        # Dev splits: 4 more everyday questions answered, all right; one more StackFAQ-oos answered, wrong;
        # E-Manual, CMRC2018, StackFAQ and CLINC150 unchanged.
        "u ur pls plz thx ty btw lol tho till til gonna wanna gotta kinda sorta hey hi hello please thanks "
        "stuff guys really actually basically isnt arent wasnt werent doesnt dont didnt hasnt havent hadnt "
        "shouldnt couldnt wouldnt cant wont im ive weve youve theyve youre theyre thats whats "
        # And (tokenizer 11) "cant", "wont", "got", "rn", "asap": "how do i force stripe to sync rn, payment from 5
        # min ago isnt there" was "not sure" at 0.75, as mostly words no article uses; "my api key got leaked on
        # github" 0.36. Dev splits: everyday one right answer more and one wrong ("we forgot to pay and now i cant
        # create invoices": the invoice steps); the others unchanged. Sample help centre: 10 of 563 changed, 3
        # right answers more, 1 poor one ("i invited a user but they never got the email": the invite steps).
        "got rn asap "
        # And (tokenizer 12) "r" and "n" ("which browsers r ok on a windows pc", "trial balance n ledger"): as rare
        # as a word can be, they matched "Ctrl+Shift+R" in the blank-page steps, quoted at 0.94 over the browser list.
        "r n "
        # Vague words the same way: "how *many* times do you retry", "can an admin shut down the *whole* account",
        # "the link doesnt work *anymore*". Dev splits, beyond the above: 5 more everyday questions answered right
        # and 2 wrong, one wrong answer fewer (coverage 0.696 -> 0.715, precision 0.877 -> 0.876); one more right
        # on StackFAQ and StackFAQ-oos; E-Manual, CMRC2018 and CLINC150 unchanged. Not "thing(s)": with them, one
        # more E-Manual question was answered, wrongly ("What are the different types of things we can do in
        # Ambient Mode?").
        "many much something someone somebody anything anyone anybody everything everyone everybody else "
        "whole anymore "
    ).split()
)
_CHINESE_STOPWORDS = frozenset(
    (
        "的 了 是 在 和 与 及 或 我 你 他 她 它 们 吗 呢 吧 啊 "
        "怎么 如何 什么 哪 有 一个 这 那 请 把 被 就 也 都 要 会 能 可以"
    ).split()
)
_FILE_NAME = "corpus.json"
# Bump when tokenize()/chunk_terms() change: a corpus written by another version is re-tokenized on load.
# 3: Chinese runs include plane-2 characters (chatbot.language.CJK_CHARS), which jieba now cuts.
# 4: a Chinese run right after a digit or a Latin letter is cut by jieba too (it was glued to them).
# 5: Chinese word pairs come from jieba's plain cut, not its search mode (see text_terms()).
# 6: American and British spellings are one word ("categorize"/"categorise"), and "customer" is not "custom".
# 7: chat shorthand and filler are stop words ("u", "pls", "stuff", "isnt").
# 8: so are vague words ("many", "something", "whole", "anymore").
# 9: "settings" (the menu) and "setting" are not "set".
# 10: "accountant" and "accounting" are not "account".
# 11: "cant", "wont", "got", "rn", "asap" are filler.
# 12: so are "r" and "n" ("which browsers r ok").
# 13: "有" (have) is a Chinese stop word.
# 14: a number glued to its unit is the number and the unit ("5ghz" is "5 GHz", "10mm" is "10 mm").
TOKENIZER_VERSION = 14
# A number and a unit right after it: a quantity as customers type it ("5ghz", "10mm", "20mb"), which the manual
# prints apart ("5 GHz"). "does it work with 5ghz wifi?" was "I don't know" while "5 ghz" was answered. Only units:
# "2fa" stays one word (as "2", a number every page has, plus "fa", it lost right answers), as do model names
# ("55nu8000") and codes ("E4").
_GLUED_UNIT = re.compile(r"^(\d+)([a-z]+)$")
_UNITS = frozenset(
    "mm cm m km in ft kg g lb lbs mb gb tb kb mbps gbps kbps ghz mhz khz hz w kw kwh wh v mah ah ml l min mins h "
    "hr hrs s sec secs ms pa db dba x p k am pm px dpi".split()
)
# American "-ize" / "-yze" words read as their British "-ise" / "-yse" spelling before stemming: the stemmer cuts
# "categorize" to "categor" and "categorise" to "categoris", so a customer writing American English missed a help
# centre written in British English ("how do I categorize a transaction": "I'm not sure", 0.11; "categorise":
# answered). Not "size", "prize" or "seize" (and "resize", "downsize"), which British English spells the same.
_AMERICAN_SPELLING = re.compile(r"^(\w{2,}?)(?<!s)(?<!pr)(?<!se)([iy])z(e|es|ed|er|ers|ing|ation|ations)$")
# Words the stemmer folds into another word's stem: "customer" into "custom", so "a custom VAT rate" matched "Add
# the customer's VAT number" (the words and the pair "add custom") over "add your own rates".
# "Settings" (the menu every help centre's steps start from) into "set": "how do I set up an invoice?" matched
# "1. Go to **Settings > Invoicing > Numbering**" (the word and the pair "set invoice") over the steps under
# "## Create an invoice". The singular too: "see the article 'Setting up VAT and sales tax'" in the getting-started
# guide outranked the VAT article's steps for "how do I set up VAT?" (keeping "setting" as "set": 0.57 against 0.92).
# "Accountant" (a role) and "accounting" (the trade, its software) into "account": "accountant vs admin role whats
# the difference" was searched as "account admin role", and every article says "account".
_STEM_EXCEPTIONS = {
    "accountant": "accountant",
    "accountants": "accountant",
    "accounting": "accounting",
    "customer": "customer",
    "customers": "customer",
    "setting": "setting",
    "settings": "setting",
}


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _jieba() -> Any:
    """jieba, imported and quietened once (it is asked for every Chinese run of every text)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop words removed; English words stemmed, Chinese runs cut into words by jieba (search mode:
    a long word's sub-words too, so "少数民族" also matches "民族")."""
    return _words(text, search=True)


def _words(text: str, search: bool) -> list[str]:
    tokens: list[str] = []
    for match in _TOKEN_RE.finditer(text.lower()):
        piece = match.group()
        if CJK_RE.match(piece):
            cut = _jieba().lcut_for_search(piece) if search else _jieba().lcut(piece)
            tokens.extend(w for w in cut if w.strip() and w not in _CHINESE_STOPWORDS)
        elif (glued := _GLUED_UNIT.match(piece)) and glued.group(2) in _UNITS:
            tokens.extend(glued.groups())
        elif piece not in _ENGLISH_STOPWORDS:
            tokens.append(piece)
    english = [i for i, t in enumerate(tokens) if not CJK_RE.match(t)]
    if english:
        words = [_AMERICAN_SPELLING.sub(r"\1\2s\3", tokens[i]) for i in english]
        stems = _stemmer().stemWords(words)
        for i, word, stem in zip(english, words, stems, strict=True):
            tokens[i] = _STEM_EXCEPTIONS.get(word, stem)
    return tokens


# Knowledge-base texts whose tokens are remembered. Every answer tokenizes its top passages again (the confidence
# features, the composer's sentences), and jieba plus the stemmer cost about 0.1 ms per passage; 4,096 entries hold
# the passages and sentences of a help centre's frequent answers (a few MB). Questions are never kept here.
PASSAGE_TOKENS_CACHE_SIZE = 4096


def tokenize_passage(text: str) -> list[str]:
    """:func:`tokenize` for knowledge-base text (passages, sentences, titles, table rows), remembered per text."""
    return list(_passage_tokens(text))  # a fresh list: callers may change theirs


@lru_cache(maxsize=PASSAGE_TOKENS_CACHE_SIZE)
def _passage_tokens(text: str) -> tuple[str, ...]:
    return tuple(tokenize(text))  # the same text always gives the same tokens


def passage_terms(text: str) -> list[str]:
    """:func:`text_terms` for knowledge-base text, remembered per text like :func:`tokenize_passage`."""
    return list(_passage_terms(text))


@lru_cache(maxsize=PASSAGE_TOKENS_CACHE_SIZE)
def _passage_terms(text: str) -> tuple[str, ...]:
    return tuple(text_terms(text))


def with_bigrams(tokens: Sequence[str]) -> list[str]:
    """Unigrams plus adjacent pairs: a phrase ("mode not supported", "turn off") then scores above the same words
    scattered over a page. Measured on the TV-manual dev questions: +0.04 MRR@10 over unigrams alone."""
    return [*tokens, *_pairs(tokens)]


def text_terms(text: str) -> list[str]:
    """What a text is searched by: its words (``tokenize``) and its adjacent word pairs. The pairs come from
    jieba's plain cut: search mode lists a word's sub-words after it ("少数 民族 少数民族"), so its neighbours are
    not neighbours in the sentence ("民族_少数民族"). CMRC 2018 dev (first 600): MRR@10 0.978 -> 0.981. English is
    cut the same way both times."""
    words = tokenize(text)
    if not CJK_RE.search(text):
        return with_bigrams(words)
    return [*words, *_pairs(_words(text, search=False))]


def _pairs(tokens: Sequence[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in itertools.pairwise(tokens)]


# "how much is the business plan" ("I'm not sure", 0.32, the free-trial entry first): "how" and "much" are stop
# words, so nothing searched said that a price is asked. "How much is / are / for ..." with no price word after it
# is searched with "cost" too. Not "how much does an extra user cost" (it says so) nor "how much storage is on
# plus" (a quantity of something else). Keyword search only: the model reads "how much" as a price already.
_HOW_MUCH_IS = re.compile(
    r"\bhow\s+much\s+(?:is|are|'s|for)\b(?![^?.!]*\b(?:cost|costs|price|prices|pricing|fee|fees)\b)", re.IGNORECASE
)


def query_terms(text: str) -> list[str]:
    terms = text_terms(text)
    return terms + text_terms("cost") if _HOW_MUCH_IS.search(text) else terms


def chunk_terms(chunk: Chunk) -> list[str]:
    # The title counts twice (once in the heading line, once here): in a help centre it says what the page is for.
    # An FAQ entry's other phrasings of its question are searched too (each on its own: no bigram across two).
    found = text_terms(chunk.embedding_text) + text_terms(chunk.title)
    for phrasing in chunk.alternatives:
        found += text_terms(phrasing)
    return found


def has_cjk(text: str) -> bool:
    return bool(CJK_RE.search(text))


@dataclass(frozen=True)
class KeywordEntry:
    chunk: Chunk
    tokens: tuple[str, ...]

    @property
    def chunk_id(self) -> str:
        return self.chunk.id

    @property
    def doc_id(self) -> str:
        return self.chunk.doc_id


@dataclass(frozen=True)
class KeywordHit:
    chunk: Chunk
    score: float

    @property
    def doc_id(self) -> str:
        return self.chunk.doc_id


class _ScopeIndex:
    """One bm25s model over a fixed list of entries."""

    def __init__(self, entries: list[KeywordEntry]) -> None:
        import bm25s

        # bm25s sets its own logger to DEBUG when imported and logs every index build: keep that out of our logs.
        logging.getLogger("bm25s").setLevel(logging.WARNING)

        self.entries = entries
        documents = {e.doc_id: e.chunk.kind for e in entries}
        # The knowledge base's shape (FAQ list or articles) decides how much keyword matching is worth.
        self.faq_share = sum(kind == "faq" for kind in documents.values()) / len(documents) if documents else 0.0
        self._model: Any = None
        self._idf: dict[str, float] = {}  # known token -> idf, filled as questions ask (a dict write is atomic)
        self._speller: Speller | None = None  # built at the first question: most scopes never spell-check one
        self._synonyms: Synonyms | None = None  # built at the first question too
        self._codes: frozenset[str] | None = None  # likewise
        self._titled_names: dict[str, frozenset[str]] | None = None  # likewise
        self._table_siblings: dict[str, frozenset[str]] | None = None  # likewise
        self._named_siblings: dict[str, frozenset[str]] | None = None  # likewise
        if entries:
            self._model = bm25s.BM25(k1=1.2, b=0.75)
            # Empty token lists would shift bm25s's document numbering; a placeholder keeps ids aligned.
            self._model.index([list(e.tokens) or ["\x00"] for e in entries], show_progress=False)

    def search(self, query_tokens: Sequence[str], k: int) -> list[KeywordHit]:
        if self._model is None or not query_tokens:
            return []
        known = [t for t in query_tokens if t in self._model.vocab_dict]
        if not known:
            return []
        scores = np.asarray(self._model.get_scores(known))
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return []
        top = positive[np.argsort(-scores[positive], kind="stable")[:k]]
        return [KeywordHit(self.entries[i].chunk, float(scores[i])) for i in top]

    def speller(self) -> Speller:
        """Typo correction to this scope's own words (chatbot/spelling.py)."""
        if self._speller is None:
            self._speller = Speller(
                vocabulary(self._texts()), is_known=self._knows_stem, hyphenated=hyphenated_words(self._texts())
            )
        return self._speller

    def synonyms(self) -> Synonyms:
        """Everyday words read as this scope's own ("enable" as "turn on": chatbot/synonyms.py)."""
        if self._synonyms is None:
            speller = self.speller()
            self._synonyms = Synonyms(self._texts(), speller.knows, speller.uses)
        return self._synonyms

    def codes(self) -> frozenset[str]:
        """The code-like words of this scope's texts ("sync-07", "bf-101": chatbot/codes.py)."""
        if self._codes is None:
            self._codes = code_like_words(self._texts())
        return self._codes

    def titled_names(self) -> dict[str, frozenset[str]]:
        """The names this scope's article titles say, with those articles (chatbot/names.py)."""
        if self._titled_names is None:
            self._titled_names = titled_names((e.chunk for e in self.entries), tokenize)
        return self._titled_names

    def table_siblings(self) -> dict[str, frozenset[str]]:
        """The words this scope's tables compare, each with the others (chatbot/names.py)."""
        if self._table_siblings is None:
            self._table_siblings = table_siblings((e.chunk for e in self.entries), tokenize)
        return self._table_siblings

    def named_siblings(self) -> dict[str, frozenset[str]]:
        """The names this scope's tables compare, each with the other names (chatbot/names.py)."""
        if self._named_siblings is None:
            names = proper_names((e.chunk for e in self.entries), tokenize)
            self._named_siblings = named_siblings(self.table_siblings(), names)
        return self._named_siblings

    def _texts(self) -> Iterator[str]:
        """Every text of this scope a customer's words are read against: each chunk's, and an FAQ entry's other
        phrasings of its question."""
        return (text for e in self.entries for text in (e.chunk.embedding_text, *e.chunk.alternatives))

    def _knows_stem(self, word: str) -> bool:
        """Whether the word's stem is searched here ("stores" when the texts say "store"); stop words count as
        known (they are not searched at all)."""
        stems = tokenize(word)
        return not stems or (self._model is not None and stems[0] in self._model.vocab_dict)

    def idf(self, token: str) -> float:
        """Inverse document frequency of ``token`` in this scope (0 for an unknown token). Remembered per token:
        the scope never changes (a new corpus builds new scopes), and every question asks for its words again."""
        weight = self._idf.get(token)
        if weight is None:
            if self._model is None or token not in self._model.vocab_dict:
                return 0.0  # not remembered: the memo stays within the vocabulary, whatever users type
            weight = self._idf[token] = self._compute_idf(token)
        return weight

    def _compute_idf(self, token: str) -> float:
        """BM25 (Lucene) idf of a token of the vocabulary."""
        n_docs = len(self.entries)
        df = self._document_frequency(token)
        return float(np.log(1 + (n_docs - df + 0.5) / (df + 0.5)))

    def _document_frequency(self, token: str) -> int:
        column = self._model.vocab_dict[token]
        indptr = self._model.scores["indptr"]
        return int(indptr[column + 1] - indptr[column])


class KeywordIndex:
    """The persisted keyword corpus and its per-audience BM25 models, rebuilt lazily after a change."""

    def __init__(self, directory: Path) -> None:
        self._path = directory / _FILE_NAME
        self._entries: dict[str, KeywordEntry] = {}
        self._scopes: dict[str, _ScopeIndex] | None = None
        self._live_versions: dict[str, int] | None = None
        self._chunk_ids: dict[str, list[str]] | None = None  # per document, in the corpus's order
        self._loaded_mtime: float | None = None
        self._lock = threading.RLock()
        self._reload_if_changed()

    # -- writing (ingest) ---------------------------------------------------------------------------------------
    def replace_chunks(self, remove_ids: Iterable[str], add: Sequence[Chunk]) -> None:
        """Remove ``remove_ids`` and add ``add`` in memory; call :meth:`save` to persist."""
        with self._lock:
            self._reload_if_changed()
            for chunk_id in remove_ids:
                self._entries.pop(chunk_id, None)
            for chunk in add:
                self._entries[chunk.id] = KeywordEntry(chunk, tuple(chunk_terms(chunk)))
            self._scopes = None
            self._live_versions = None
            self._chunk_ids = None

    def remove_documents(self, doc_ids: Iterable[str]) -> None:
        with self._lock:
            self._reload_if_changed()
            gone = set(doc_ids)
            self._entries = {k: e for k, e in self._entries.items() if e.doc_id not in gone}
            self._scopes = None
            self._live_versions = None
            self._chunk_ids = None

    def chunk_ids_of(self, doc_id: str) -> list[str]:
        with self._lock:
            self._reload_if_changed()
            if self._chunk_ids is None:  # asked at answer time (an FAQ entry's other chunks): not a corpus scan
                self._chunk_ids = {}
                for chunk_id, entry in self._entries.items():
                    self._chunk_ids.setdefault(entry.doc_id, []).append(chunk_id)
            return list(self._chunk_ids.get(doc_id, ()))

    def live_version(self, doc_id: str) -> int | None:
        """The version of ``doc_id`` that is live. This file is the commit point of an ingest: a vector whose
        version differs is either not yet committed or already replaced, and retrieval must ignore it."""
        with self._lock:
            self._reload_if_changed()
            if self._live_versions is None:
                self._live_versions = {e.doc_id: e.chunk.version for e in self._entries.values()}
            return self._live_versions.get(doc_id)

    def save(self) -> None:
        with self._lock:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            # The corpus keeps whole chunks: keyword hits need their text and metadata without a vector-store trip.
            rows = [[chunk_to_dict(e.chunk), list(e.tokens)] for e in self._entries.values()]
            partial = self._path.with_suffix(".partial")
            payload = {"tokenizer": TOKENIZER_VERSION, "entries": rows}
            partial.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
            os.replace(partial, self._path)  # readers see the old file or the new one, never half of one
            self._loaded_mtime = self._path.stat().st_mtime

    # -- reading (retrieval) ------------------------------------------------------------------------------------
    def search(self, query: str, k: int, audience: Audience) -> list[KeywordHit]:
        return self.search_tokens(query_terms(query), k, audience)

    def search_tokens(self, query_tokens: Sequence[str], k: int, audience: Audience) -> list[KeywordHit]:
        with self._lock:
            self._reload_if_changed()
            return self._build_scopes()[audience].search(query_tokens, k)

    def idf(self, token: str, audience: Audience) -> float:
        with self._lock:
            self._reload_if_changed()
            return self._build_scopes()[audience].idf(token)

    def idf_lookup(self, audience: Audience) -> Callable[[str], float]:
        """The audience's idf as a function, for the many look-ups of one answer: the corpus file is checked once,
        here, not once per word (a stat() under the lock each time), and the words are weighed against one corpus
        even if an ingest commits a new one meanwhile."""
        with self._lock:
            self._reload_if_changed()
            return self._build_scopes()[audience].idf

    def speller(self, audience: Audience) -> Speller:
        """Corrects typos to the words of the audience's documents (never to a word only internal ones use)."""
        with self._lock:
            self._reload_if_changed()
            return self._build_scopes()[audience].speller()

    def codes(self, audience: Audience) -> frozenset[str]:
        """The codes the audience's documents mention (never one only internal ones do)."""
        with self._lock:
            self._reload_if_changed()
            return self._build_scopes()[audience].codes()

    def titled_names(self, audience: Audience) -> dict[str, frozenset[str]]:
        """The names the audience's article titles say ("PayPal"), with those articles (chatbot/names.py)."""
        with self._lock:
            self._reload_if_changed()
            return self._build_scopes()[audience].titled_names()

    def table_siblings(self, audience: Audience) -> dict[str, frozenset[str]]:
        """The words the audience's tables compare ("Plus" and "Business"), each with the others."""
        with self._lock:
            self._reload_if_changed()
            return self._build_scopes()[audience].table_siblings()

    def named_siblings(self, audience: Audience) -> dict[str, frozenset[str]]:
        """The names the audience's tables compare ("Lisbon" and "Porto"), each with the other names."""
        with self._lock:
            self._reload_if_changed()
            return self._build_scopes()[audience].named_siblings()

    def document_terms(self, doc_id: str) -> frozenset[str]:
        """The terms a document is searched by (its title's, headings' and text's), over all its chunks."""
        with self._lock:
            self._reload_if_changed()
            entries = (self._entries.get(chunk_id) for chunk_id in self.chunk_ids_of(doc_id))
            return frozenset(t for e in entries if e is not None for t in e.tokens)

    def synonyms(self, audience: Audience) -> Synonyms:
        """Replaces everyday words the audience's documents never use by ones they do (never by a word only
        internal ones use)."""
        with self._lock:
            self._reload_if_changed()
            return self._build_scopes()[audience].synonyms()

    def faq_share(self, audience: Audience) -> float:
        """Share of the audience's documents that are FAQ entries (0.0 for an empty index)."""
        with self._lock:
            self._reload_if_changed()
            return self._build_scopes()[audience].faq_share

    def chunk(self, chunk_id: str) -> Chunk | None:
        """The live chunk with this id (the keyword corpus keeps every live chunk whole)."""
        with self._lock:
            self._reload_if_changed()
            entry = self._entries.get(chunk_id)
            return entry.chunk if entry else None

    def chunks(self, chunk_ids: Iterable[str]) -> list[Chunk | None]:
        """:meth:`chunk` for each id, in order, with one check of the corpus file for all of them (a dense search
        looks up 40 ids per question)."""
        with self._lock:
            self._reload_if_changed()
            entries = [self._entries.get(chunk_id) for chunk_id in chunk_ids]
        return [entry.chunk if entry else None for entry in entries]

    def __len__(self) -> int:
        return len(self._entries)

    def is_empty(self) -> bool:
        with self._lock:
            self._reload_if_changed()
            return not self._entries

    def _build_scopes(self) -> dict[str, _ScopeIndex]:
        if self._scopes is None:
            everything = sorted(self._entries.values(), key=lambda e: e.chunk_id)
            # The public scope never contains an internal chunk, so it cannot score, rank or leak one.
            self._scopes = {
                "public": _ScopeIndex([e for e in everything if e.chunk.audience == "public"]),
                "internal": _ScopeIndex(everything),
            }
        return self._scopes

    def _reload_if_changed(self) -> None:
        try:
            mtime = self._path.stat().st_mtime
        except FileNotFoundError:
            return
        if mtime == self._loaded_mtime:
            return
        data = json.loads(self._path.read_text(encoding="utf-8"))
        is_current = data.get("tokenizer") == TOKENIZER_VERSION
        entries = [
            KeywordEntry(chunk, tuple(row[1]) if is_current else tuple(chunk_terms(chunk)))
            for row in data.get("entries", [])
            for chunk in [chunk_from_dict(row[0])]
        ]
        self._entries = {e.chunk_id: e for e in entries}
        self._scopes = None
        self._live_versions = None
        self._chunk_ids = None
        self._loaded_mtime = mtime
        if not is_current:
            log.info("re-tokenized the keyword index for tokenizer version %s", TOKENIZER_VERSION)
            self.save()
