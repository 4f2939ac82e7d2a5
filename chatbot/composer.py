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
_NUMBERED_STEP = re.compile(r"^\s*\d+[.)、]\s*")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_HOW_TO = re.compile(r"^\s*(how (do|can|should|would) (i|we|you)|how to)\b|如何|怎么|怎样", re.IGNORECASE)


@dataclass(frozen=True)
class ComposerSettings:
    # Chosen on the TV-manual dev questions (ROUGE-L against the expert answers; docs/benchmarks.md): the expert
    # answers are a page's opening lines, about 50-70 words; 90 keeps a little more context.
    max_words: int = 90
    max_procedure_words: int = 260  # a procedure is never cut in the middle of its steps
    lead_in_sentences: int = 0  # sentences kept before the anchor (beyond the from-the-top rule below)
    second_article_gain: float = 0.34  # share of the question's weight a second article must add
    anchor_chunks: int = 4  # best chunks of the top article searched for the anchor sentence
    heading_weight: float = 0.5  # how much a chunk's heading path counts next to a sentence's own words
    step_bonus: float = 0.3  # share of the question's weight a list item gets for a how-to question
    # When the best sentence is this close to the top of the article, start from the top: help-centre articles
    # open with the menu path and the one-line summary a reader needs first.
    from_top_within_words: int = 60


@dataclass(frozen=True)
class Unit:
    """A sentence or a list item / table row of a chunk, in reading order."""

    text: str
    is_list_item: bool  # a list item or a table row: kept whole, never merged into a sentence run
    chunk: ScoredChunk
    is_step: bool = False  # a numbered step ("1.", "2)"): what a how-to question asks for

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
    text = chunk.chunk.text
    if chunk.chunk.kind == "faq" and text.startswith(chunk.chunk.title):
        text = text[len(chunk.chunk.title) :]  # an FAQ chunk is "question\n\nanswer": quote the answer only
    for block in re.split(r"\n\s*\n", text):
        for line in block.splitlines():
            line = line.strip()
            if not line or re.fullmatch(r"\|?[\s:|-]+\|?", line):  # Markdown table rule lines carry nothing
                continue
            if _LIST_ITEM.match(line) or _TABLE_ROW.match(line):
                units.append(Unit(line, True, chunk, is_step=bool(_NUMBERED_STEP.match(line))))
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
        is_how_to = bool(_HOW_TO.search(question))
        # The first article with something quotable (an FAQ chunk holding only its question has nothing).
        position, first = -1, documents[0]
        passage: list[Unit] = []
        covered: set[str] = set()
        for i, document in enumerate(documents[:3]):
            passage, covered = self._passage(document, terms, is_how_to)
            if passage:
                position, first = i, document
                break
        if position < 0:
            return Composition("", [])
        parts = [(first, passage)]
        second = self._complementing_article(documents[position + 1 : position + 3], terms, covered)
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

    def _passage(
        self, document: ScoredDocument, terms: dict[str, float], is_how_to: bool = False
    ) -> tuple[list[Unit], set[str]]:
        # The anchor is looked for in the article's best few chunks (the best by fused score may be its
        # title-heavy introduction); a chunk's headings count too, since "## Connect a bank account" says what the
        # steps below it are for. The window then stays in the anchor's chunk and the chunk that follows it:
        # stitching two distant parts of an article would join an introduction to another procedure's steps.
        by_score = sorted(document.chunks, key=lambda c: c.score, reverse=True)[: self.settings.anchor_chunks]
        # "How do I ...?" asks for steps: a numbered step is a better anchor than prose or bullets about the topic.
        step_bonus = self.settings.step_bonus * sum(terms.values()) if is_how_to else 0.0
        best_unit: tuple[float, int, int] | None = None  # (score, -chunk rank, -unit index) of the best anchor
        anchor_chunk: ScoredChunk | None = None
        for rank, chunk in enumerate(by_score):
            # Headings name procedures ("## Connect a bank account"): they count for how-to questions; for a
            # "why" or "what" question the article's opening usually is the answer.
            heading_words = " ".join(chunk.chunk.heading_path)
            heading_bonus = self.settings.heading_weight * _overlap(heading_words, terms) if is_how_to else 0.0
            for i, unit in enumerate(split_units(chunk)):
                bonus = heading_bonus + (step_bonus if unit.is_step else 0.0)
                key = (_overlap(unit.text, terms) + bonus, -rank, -i)
                if best_unit is None or key > best_unit:
                    best_unit, anchor_chunk = key, chunk
        if anchor_chunk is None or best_unit is None:
            return [], set()
        following = [c for c in document.chunks if c.chunk.index == anchor_chunk.chunk.index + 1]
        units = [u for chunk in (anchor_chunk, *following) for u in split_units(chunk)]
        anchor = -best_unit[2]
        window = self._window(units, anchor)
        covered = {t for u in window for t in with_bigrams(tokenize(u.text)) if t in terms}
        return window, covered

    def _window(self, units: list[Unit], anchor: int) -> list[Unit]:
        settings = self.settings
        start = anchor
        words_before = sum(u.words for u in units[:anchor])
        if units[anchor].chunk.chunk.index == 0 and words_before <= settings.from_top_within_words:
            start = 0
        # A procedure is answered from its first step, wherever in it the best-matching step is.
        while start > 0 and units[start].is_list_item and units[start - 1].is_list_item:
            start -= 1
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
