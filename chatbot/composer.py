"""Extractive answers: the passage of the best article that answers the question, with ``[n]`` citations.

No LLM: we pick an anchor sentence (the one sharing the most rare words with the question) in the best chunks of
the top article and return a contiguous window around it, because help-centre answers are contiguous: a menu
path followed by its explanation, or a numbered procedure that must stay whole and in order. A second article is
added only when it covers part of the question that the first does not (compound questions).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chatbot.keyword import tokenize, with_bigrams
from chatbot.types import Citation, ScoredChunk, ScoredDocument

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|(?<=[。！？；])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|[a-z][.)])\s+")
_TABLE_ROW = re.compile(r"^\s*\|")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True)
class ComposerSettings:
    # Chosen on the TV-manual dev questions (ROUGE-L against the expert answers; docs/benchmarks.md): the expert
    # answers are a page's opening lines, about 50-70 words; 90 keeps a little more context.
    max_words: int = 90
    max_procedure_words: int = 260  # a procedure is never cut in the middle of its steps
    lead_in_sentences: int = 0  # sentences kept before the anchor (beyond the from-the-top rule below)
    second_article_gain: float = 0.34  # share of the question's weight a second article must add
    # When the best sentence is this close to the top of the article, start from the top: help-centre articles
    # open with the menu path and the one-line summary a reader needs first.
    from_top_within_words: int = 60


@dataclass(frozen=True)
class Unit:
    """A sentence or a list item / table row of a chunk, in reading order."""

    text: str
    is_list_item: bool
    chunk: ScoredChunk

    @property
    def words(self) -> int:
        return word_count(self.text)


@dataclass
class Composition:
    text: str
    citations: list[Citation]


IdfLookup = Callable[[str], float]


def word_count(text: str) -> int:
    # A Chinese character carries about as much as an English word in a sentence of either.
    return len(_CJK.findall(text)) + len(re.findall(r"[A-Za-z0-9]+", text))


def split_units(chunk: ScoredChunk) -> list[Unit]:
    units: list[Unit] = []
    for block in re.split(r"\n\s*\n", chunk.chunk.text):
        for line in block.splitlines():
            line = line.strip()
            if not line or re.fullmatch(r"\|?[\s:|-]+\|?", line):  # Markdown table rule lines carry nothing
                continue
            if _LIST_ITEM.match(line) or _TABLE_ROW.match(line):
                units.append(Unit(line, True, chunk))
                continue
            for sentence in _SENTENCE_END.split(line):
                if sentence.strip():
                    units.append(Unit(sentence.strip(), False, chunk))
    return units


class ExtractiveComposer:
    def __init__(self, settings: ComposerSettings | None = None) -> None:
        self.settings = settings or ComposerSettings()

    def compose(self, question: str, documents: Sequence[ScoredDocument], idf: IdfLookup) -> Composition:
        if not documents:
            return Composition("", [])
        terms = _weighted_terms(question, idf)
        first = documents[0]
        passage, covered = self._passage(first, terms)
        parts = [(first, passage)]
        second = self._complementing_article(documents[1:3], terms, covered)
        if second is not None:
            extra, _ = self._passage(second, {t: w for t, w in terms.items() if t not in covered})
            if extra:
                parts.append((second, extra))

        citations: list[Citation] = []
        paragraphs: list[str] = []
        for n, (document, units) in enumerate(parts, start=1):
            best = max(units, key=lambda u: u.chunk.score).chunk
            citations.append(
                Citation(
                    n, document.doc_id, document.title, document.url, document.version, best.chunk.id, document.score
                )
            )
            paragraphs.append(_render(units, n))
        return Composition("\n\n".join(paragraphs), citations)

    def _passage(self, document: ScoredDocument, terms: dict[str, float]) -> tuple[list[Unit], set[str]]:
        # Look in the article's two best chunks: the best by fused score may be its title-heavy first chunk.
        candidates = sorted(document.chunks, key=lambda c: c.score, reverse=True)[:2]
        candidates.sort(key=lambda c: c.chunk.index)
        units = [u for chunk in candidates for u in split_units(chunk)]
        if not units:
            return [], set()
        scores = [_overlap(u.text, terms) for u in units]
        anchor = max(range(len(units)), key=lambda i: (scores[i], -i))
        window = self._window(units, anchor, scores)
        covered = {t for u in window for t in with_bigrams(tokenize(u.text)) if t in terms}
        return window, covered

    def _window(self, units: list[Unit], anchor: int, scores: list[float]) -> list[Unit]:
        settings = self.settings
        start = anchor
        words_before = sum(u.words for u in units[:anchor])
        if units[anchor].chunk.chunk.index == 0 and words_before <= settings.from_top_within_words:
            start = 0
        # A heading-like lead-in ("To reset your password:") or the article's first sentence frames the answer.
        for _ in range(settings.lead_in_sentences):
            if start > 0 and not units[start - 1].is_list_item and units[start - 1].chunk is units[anchor].chunk:
                start -= 1
        is_procedure = any(u.is_list_item for u in units[anchor : anchor + 3])
        budget = settings.max_procedure_words if is_procedure else settings.max_words
        window: list[Unit] = []
        words = 0
        for i in range(start, len(units)):
            unit = units[i]
            if window and words + unit.words > budget:
                break
            if is_procedure and window and window[-1].is_list_item and not unit.is_list_item:
                break  # the procedure ended: what follows is another topic
            window.append(unit)
            words += unit.words
        return window

    def _complementing_article(
        self, others: Sequence[ScoredDocument], terms: dict[str, float], covered: set[str]
    ) -> ScoredDocument | None:
        total = sum(terms.values()) or 1.0
        missing = {t: w for t, w in terms.items() if t not in covered}
        for document in others:
            text = " ".join(c.chunk.text for c in document.chunks)
            gain = _overlap(text, missing) / total
            if gain >= self.settings.second_article_gain:
                return document
        return None


def _weighted_terms(question: str, idf: IdfLookup) -> dict[str, float]:
    return {t: max(idf(t), 0.0) for t in with_bigrams(tokenize(question))}


def _overlap(text: str, terms: dict[str, float]) -> float:
    present = set(with_bigrams(tokenize(text)))
    return sum(w for t, w in terms.items() if t in present)


def _render(units: Sequence[Unit], n: int) -> str:
    lines: list[str] = []
    sentence_run: list[str] = []
    for unit in units:
        if unit.is_list_item:
            if sentence_run:
                lines.append(_join_sentences(sentence_run))
                sentence_run = []
            lines.append(unit.text)
        else:
            sentence_run.append(unit.text)
    if sentence_run:
        lines.append(_join_sentences(sentence_run))
    lines[-1] = f"{lines[-1]} [{n}]"
    return "\n".join(lines)


def _join_sentences(sentences: Sequence[str]) -> str:
    # Chinese sentences follow each other without a space; English ones with one.
    return "".join(sentences) if _CJK.search(sentences[0]) else " ".join(sentences)
