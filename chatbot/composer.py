"""Extractive answers: the passage of the best article that answers the question, with ``[n]`` citations.

No LLM: we pick an anchor sentence (the one sharing the most rare words with the question) in the best chunks of
the top article and return a contiguous window around it, because help-centre answers are contiguous: a menu
path followed by its explanation, or a numbered procedure that must stay whole and in order. The window stays in
the anchor's section: the next section of an article answers another question.

Tables are quoted as Markdown tables or not at all: a table is the answer when it holds the best match for the
question (then it is quoted with its header, and only the rows about what the question names when it names one of
them: "on Android" gets the Android row), and is left out otherwise, never flattened into a sentence.

A second passage (another article, or another part of the same one) is added only when it covers a rare word of
the question that the first passage misses and is itself about the question (compound questions); a passage never
repeats a sentence already quoted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from chatbot.keyword import tokenize, with_bigrams
from chatbot.language import CJK_RE
from chatbot.types import Citation, ScoredChunk, ScoredDocument

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|(?<=[。！？；])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|[a-z][.)])\s+")
_TABLE_ROW = re.compile(r"^\s*\|")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")
_HEADING = re.compile(r"^#{1,6}\s+\S")
_NUMBERED_STEP = re.compile(r"^\s*\d+[.)、]\s*")
_HOW_TO = re.compile(r"^\s*(how (do|can|should|would) (i|we|you)|how to)\b|如何|怎么|怎样", re.IGNORECASE)
# A code in the question ("KI-231", "error 4411", "SD-7F3K2Q") names one thing: the passage holding it answers.
_CODE = re.compile(r"\b(?=[\w-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+\b|\b\d{3,}\b")
# "Can I use Lumo offline?": a yes/no question about what an article's title names is answered by its opening.
_YES_NO = re.compile(r"^\s*(can|could|may|is|are|does|do|will|should)\b|吗[？?]?\s*$|能否|是否|可以", re.IGNORECASE)
# A sentence pointing at a table ("see the table below"): left out with the table it points at.
_TABLE_REFERENCE = re.compile(
    r"\btables? (below|above)\b|\b(following|this|the above) tables?\b|下表|上表|如下表", re.IGNORECASE
)
_TERMINAL = re.compile(r"[.!?:;。！？；：]$")
# Table cells that a PDF extractor wrote one per line ("Plan", "Monthly", "EUR 12", ...): three or more short
# lines in a row, none of them a finished sentence. Quoted, they would read as one run-on "sentence".
_CELL_LINE_WORDS = 6
_CELL_RUN = 3


@dataclass(frozen=True)
class ComposerSettings:
    # Chosen on the TV-manual dev questions (ROUGE-L against the expert answers; docs/benchmarks.md): the expert
    # answers are a page's opening lines, about 50-70 words; 90 keeps a little more context.
    max_words: int = 90
    max_procedure_words: int = 260  # a procedure (or a table) is never cut in the middle
    lead_in_sentences: int = 0  # sentences kept before the anchor (beyond the from-the-top rule below)
    second_article_gain: float = 0.25  # share of the question's weight a second passage must add
    anchor_chunks: int = 4  # best chunks of the top article searched for the anchor sentence
    # ... and, for a how-to question, any other retrieved chunk of it whose headings say at least this share of
    # the question: steps sit under a heading that names them ("## Connect a bank account"), often in a chunk that
    # retrieval ranks below the article's introduction and overview sections.
    how_to_heading_share: float = 0.5
    heading_weight: float = 0.5  # how much a chunk's heading path counts next to a sentence's own words
    step_bonus: float = 0.3  # share of the question's weight a list item gets for a how-to question
    # When the best sentence is this close to the top of the article (or of its section's chunk), start from the
    # top: help-centre articles and sections open with the menu path and the summary a reader needs first.
    from_top_within_words: int = 60
    # A second passage must cover a question word at least this rare (BM25 idf: about one chunk in five or fewer
    # holds it) and at least half as rare as the question's rarest word: "another" in "add another user" is rare
    # enough, but the passage must also pass the on-topic test below.
    rare_idf: float = 1.5
    # ... and be about the question: its best chunk at least this close to the question (dense cosine, or fused
    # score when the chunk was found by keywords only) relative to the first passage's best chunk. On the sample
    # help centre's everyday questions, a passage less close than the first was an unrelated page sharing a word
    # ("website" in "invoice notes pasted from a website" for "my phone's invoice isn't on the website").
    second_on_topic: float = 1.0
    words_after_table: int = 45  # sentences kept after a quoted table (what its numbers mean, its footnote)


@dataclass(frozen=True)
class Unit:
    """A sentence, a list item or a whole table of a chunk, in reading order."""

    text: str
    is_list_item: bool  # a list item: kept whole, never merged into a sentence run
    chunk: ScoredChunk
    is_step: bool = False  # a numbered step ("1.", "2)"): what a how-to question asks for
    is_table: bool = False  # a Markdown table (header, rule, rows): quoted whole or not at all

    @property
    def words(self) -> int:
        return word_count(self.text)


@dataclass(frozen=True)
class _Question:
    """What the composer reads from a question: its weighted terms and what kind of answer it asks for."""

    terms: dict[str, float]
    is_how_to: bool = False  # "How do I ...?": the steps
    is_yes_no: bool = False  # "Can I ...?": the opening of the article its title names
    stressed: frozenset[str] = frozenset()  # words said twice (a follow-up's new variant)
    codes: tuple[str, ...] = ()  # "KI-231": the passage holding the code

    @classmethod
    def read(cls, question: str, idf: Callable[[str], float]) -> _Question:
        terms = _weighted_terms(question, idf)
        is_how_to = bool(_HOW_TO.search(question))
        # Words the question repeats are what it stresses: a follow-up is searched as the previous question plus
        # the follow-up twice, or with its new variant repeated ("How do I install the app on Android? Android").
        counts = Counter(tokenize(question))
        return cls(
            terms,
            is_how_to=is_how_to,
            is_yes_no=not is_how_to and bool(_YES_NO.search(question)),
            stressed=frozenset(t for t, n in counts.items() if n > 1 and terms.get(t, 0.0) > 0),
            codes=tuple(dict.fromkeys(code.lower() for code in _CODE.findall(question))),
        )

    def asking_for(self, terms: dict[str, float]) -> _Question:
        """The same question, asking only for ``terms`` (what a second passage must add)."""
        return _Question(terms, self.is_how_to, False, self.stressed)


@dataclass
class Composition:
    text: str
    citations: list[Citation]


IdfLookup = Callable[[str], float]


def word_count(text: str) -> int:
    # A Chinese character carries about as much as an English word in a sentence of either.
    return len(CJK_RE.findall(text)) + len(re.findall(r"[A-Za-z0-9]+", text))


def split_units(chunk: ScoredChunk) -> list[Unit]:
    units: list[Unit] = []
    text = chunk.chunk.text
    if chunk.chunk.kind == "faq" and text.startswith(chunk.chunk.title):
        text = text[len(chunk.chunk.title) :]  # an FAQ chunk is "question\n\nanswer": quote the answer only
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        cells = _cell_lines(lines)
        i = 0
        while i < len(lines):
            line = lines[i]
            if _TABLE_ROW.match(line):
                end = i
                while end < len(lines) and _TABLE_ROW.match(lines[end]):
                    end += 1
                units.append(Unit(_as_table(lines[i:end]), False, chunk, is_table=True))
                i = end
                continue
            i += 1
            if i - 1 in cells or _HEADING.match(line):
                continue  # not quotable: cells of a flattened table, or a heading (it would run into the text)
            if _LIST_ITEM.match(line):
                units.append(Unit(line, True, chunk, is_step=bool(_NUMBERED_STEP.match(line))))
                continue
            for sentence in _SENTENCE_END.split(line):
                if sentence.strip():
                    units.append(Unit(sentence.strip(), False, chunk))
    return units


def _cell_lines(lines: Sequence[str]) -> set[int]:
    """Indices of lines in runs of table cells extracted one per line (see _CELL_RUN)."""
    short = [
        not _LIST_ITEM.match(line)
        and not _TABLE_ROW.match(line)
        and word_count(line) <= _CELL_LINE_WORDS
        and not _TERMINAL.search(line)
        for line in lines
    ]
    found: set[int] = set()
    start = 0
    for i in range(len(lines) + 1):
        if i < len(lines) and short[i]:
            continue
        if i - start >= _CELL_RUN:
            found.update(range(start, i))
        start = i + 1
    return found


def _as_table(rows: Sequence[str]) -> str:
    """Rows of a Markdown table, with the |---| rule after the header (added when the source had none)."""
    if len(rows) == 1 or _TABLE_RULE.match(rows[1]):
        return "\n".join(rows)
    columns = max(len(_cells(row)) for row in rows)
    return "\n".join([rows[0], "|" + "---|" * columns, *rows[1:]])


def _cells(row: str) -> list[str]:
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", inner)]


def _table_parts(table: str) -> tuple[list[str], list[str]]:
    """(header and rule lines, body rows) of a table unit's text."""
    lines = table.splitlines()
    if len(lines) > 1 and _TABLE_RULE.match(lines[1]):
        return lines[:2], lines[2:]
    return lines[:1], lines[1:]


class ExtractiveComposer:
    def __init__(self, settings: ComposerSettings | None = None) -> None:
        self.settings = settings or ComposerSettings()

    def compose(
        self, question: str, documents: Sequence[ScoredDocument], idf: IdfLookup, avoid: str = ""
    ) -> Composition:
        """The answer to ``question`` from ``documents``. ``avoid`` is an answer already given (the previous turn
        of a follow-up): its sentences, list items and table rows are not quoted again ("and on Android?" gets the
        Android row, not the iPhone row once more), unless nothing else in the top articles answers."""
        if not documents:
            return Composition("", [])
        asked = _Question.read(question, idf)
        given = _quoted(avoid)
        # The first article with something quotable (an FAQ chunk holding only its question has nothing) and, for
        # a follow-up, about what it stresses and not quoted already; failing that, the first quotable one.
        stressed = asked.stressed if given else frozenset()  # a follow-up (it has a previous answer) stresses
        attempts = dict.fromkeys([(given, stressed), (given, frozenset()), (frozenset(), frozenset())])
        found: tuple[int, ScoredDocument, list[Unit], set[str]] | None = None
        for skip, needed in attempts:
            candidates: list[tuple[int, ScoredDocument, list[Unit], set[str]]] = []
            for i, document in enumerate(documents[:3]):
                passage, covered = self._passage(document, asked, skip)
                if passage and (not needed or covered & needed):
                    candidates.append((i, document, passage, covered))
                    if not needed:
                        break
            if candidates:
                # A follow-up's new variant ("Android") may be mentioned in passing by a top article (a sync
                # troubleshooting step): of the passages that mention it, the one closest in meaning answers.
                found = max(candidates, key=lambda c: (_dense(_best_chunk(c[2])), -c[0]))
                break
        if found is None:
            return Composition("", [])
        position, first, passage, covered = found
        parts = [(first, passage)]
        second = self._second_passage(first, passage, documents[position + 1 : position + 3], asked, covered, given)
        if second is not None:
            parts.append(second)

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
        self,
        document: ScoredDocument,
        asked: _Question,
        skip: frozenset[str] = frozenset(),
    ) -> tuple[list[Unit], set[str]]:
        """The window of ``document`` around its best-matching unit, and the question terms it covers. Units whose
        normalised text is in ``skip`` (already quoted) are neither anchors nor quoted again; stressed words pick a
        table's rows even when they are in the article's title (a follow-up's "Android")."""
        terms, is_how_to = asked.terms, asked.is_how_to
        # The anchor is looked for in the article's best few chunks (the best by fused score may be its
        # title-heavy introduction); a chunk's headings count too, since "## Connect a bank account" says what the
        # steps below it are for. The window then stays in the anchor's chunk and the chunk that follows it in the
        # same section: stitching two parts of an article would join an introduction to another procedure's steps.
        ranked = sorted(document.chunks, key=lambda c: c.score, reverse=True)
        by_score = ranked[: self.settings.anchor_chunks]
        if is_how_to:
            named = self.settings.how_to_heading_share * sum(terms.values())
            by_score += [
                c
                for c in ranked[self.settings.anchor_chunks :]
                if c.chunk.heading_path and _overlap(" ".join(c.chunk.heading_path), terms) >= named
            ]
        # "How do I ...?" asks for steps: a numbered step is a better anchor than prose or bullets about the topic.
        step_bonus = self.settings.step_bonus * sum(terms.values()) if is_how_to else 0.0
        # A yes/no question about what the title names ("Can I use Lumo offline?" and "Using Lumo offline"): the
        # article's opening says whether and how, before any detail further down.
        opening_bonus = self.settings.heading_weight * _overlap(document.title, terms) if asked.is_yes_no else 0.0
        # A code ("KI-231") is worth the whole question: the passage holding it is about exactly that.
        code_bonus = sum(terms.values())
        # (score, closeness, -chunk rank, -unit index) of the best anchor. On a tie (the same "1. Go to Settings >
        # Users" opening two procedures) the chunk closer in meaning wins: "add a user" is about inviting one.
        best_unit: tuple[float, float, int, int] | None = None
        anchor_chunk: ScoredChunk | None = None
        for rank, chunk in enumerate(by_score):
            # Headings name procedures ("## Connect a bank account"): they count for how-to questions; for a
            # "why" or "what" question the article's opening usually is the answer.
            heading_words = " ".join(chunk.chunk.heading_path)
            heading_bonus = self.settings.heading_weight * _overlap(heading_words, terms) if is_how_to else 0.0
            for i, whole in enumerate(split_units(chunk)):
                unit = _fresh(whole, skip)
                if unit is None or _TABLE_REFERENCE.search(unit.text):
                    continue
                bonus = heading_bonus + (step_bonus if unit.is_step else 0.0)
                bonus += opening_bonus if chunk.chunk.index == 0 else 0.0
                bonus += code_bonus if _holds_code(unit.text, asked.codes) else 0.0
                key = (round(_unit_overlap(unit, terms) + bonus, 9), _dense(chunk), -rank, -i)
                if best_unit is None or key > best_unit:
                    best_unit, anchor_chunk = key, chunk
        if anchor_chunk is None or best_unit is None:
            return [], set()
        # The article's introduction (its first chunk, under no heading) reads on into its first section.
        is_intro = anchor_chunk.chunk.index == 0 and not anchor_chunk.chunk.heading_path
        following = [
            c
            for c in document.chunks
            if c.chunk.index == anchor_chunk.chunk.index + 1
            and (is_intro or c.chunk.heading_path == anchor_chunk.chunk.heading_path)
        ]
        units = _unique([u for chunk in (anchor_chunk, *following) for u in split_units(chunk)], skip)
        anchor_unit = _fresh(split_units(anchor_chunk)[-best_unit[3]], skip)
        anchor = next(i for i, u in enumerate(units) if anchor_unit and u.text == anchor_unit.text)
        if units[anchor].is_table:
            title_terms = set(tokenize(" ".join((document.title, *anchor_chunk.chunk.heading_path)))) - asked.stressed
            window = self._table_window(units, anchor, terms, title_terms)
        else:
            window = self._window(units, anchor)
        covered = {t for u in window for t in with_bigrams(tokenize(u.text)) if t in terms}
        return window, covered

    def _window(self, units: list[Unit], anchor: int) -> list[Unit]:
        settings = self.settings
        start = anchor
        words_before = sum(u.words for u in units[:anchor] if not u.is_table)
        if words_before <= settings.from_top_within_words:
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
            if unit.is_table:
                if i < anchor:
                    continue  # a table between the top of the article and the anchor is not what was asked
                break  # nor one after it: the passage ends where the table starts
            if _TABLE_REFERENCE.search(unit.text):
                continue  # "see the table below", and the table is not quoted
            if window and words + unit.words > budget:
                break
            if is_procedure and window and window[-1].is_list_item and not unit.is_list_item:
                break  # the procedure ended: what follows is another topic
            window.append(unit)
            words += unit.words
        return window

    def _table_window(
        self, units: list[Unit], anchor: int, terms: dict[str, float], title_terms: set[str]
    ) -> list[Unit]:
        """The table the question is about: its lead-in ("Some settings are only available ...:"), the table (the
        rows the question names, when it names some), and the sentences right after it (its footnotes)."""
        table = units[anchor]
        window: list[Unit] = []
        before = units[anchor - 1] if anchor > 0 else None
        if before is not None and not before.is_list_item and not before.is_table and before.text.endswith(":"):
            window.append(before)
        window.append(replace(table, text=_select_rows(table.text, terms, title_terms)))
        words = 0
        for unit in units[anchor + 1 :]:
            if unit.is_table or unit.is_list_item or words + unit.words > self.settings.words_after_table:
                break
            if not _TABLE_REFERENCE.search(unit.text):
                window.append(unit)
                words += unit.words
        return window

    def _second_passage(
        self,
        first: ScoredDocument,
        passage: Sequence[Unit],
        others: Sequence[ScoredDocument],
        asked: _Question,
        covered: set[str],
        given: frozenset[str] = frozenset(),
    ) -> tuple[ScoredDocument, list[Unit]] | None:
        """Another article, or another part of the first, that answers a part of the question the first passage
        does not: it must cover a rare question word the first misses, add enough of the question's weight, and
        be about the question itself (not an unrelated page sharing one word)."""
        settings, terms = self.settings, asked.terms
        # What the first article is about (its title, the passage's headings) needs no second passage: "bank feed"
        # in "What start date should I choose for a bank feed?" is answered by the bank-feed article's passage.
        topic = set(with_bigrams(tokenize(" ".join((first.title, *passage[0].chunk.chunk.heading_path)))))
        missing = {t: w for t, w in terms.items() if t not in covered and t not in topic and w > 0}
        top_idf = max((w for t, w in terms.items() if "_" not in t), default=0.0)
        rare = {t for t, w in missing.items() if "_" not in t and w >= max(settings.rare_idf, top_idf / 2)}
        if not rare:
            return None
        total = sum(terms.values()) or 1.0
        quoted = given | frozenset(_normalised(u.text) for u in passage)
        used = {u.chunk.chunk.id for u in passage}
        reference = _closeness(max(passage, key=lambda u: u.chunk.score).chunk)
        rest_of_first = replace(first, chunks=[c for c in first.chunks if c.chunk.id not in used])
        for document in (*others, rest_of_first):
            if not document.chunks:
                continue
            extra, gained = self._passage(document, asked.asking_for(missing), skip=quoted)
            if not extra or not gained & rare:
                continue
            if sum(missing[t] for t in gained) / total < settings.second_article_gain:
                continue
            best = max(extra, key=lambda u: u.chunk.score).chunk
            if _closeness(best, like=reference)[1] < settings.second_on_topic * reference[1]:
                continue
            return document, extra
        return None


def _best_chunk(units: Sequence[Unit]) -> ScoredChunk:
    return max(units, key=lambda u: u.chunk.score).chunk


def _dense(chunk: ScoredChunk) -> float:
    return chunk.dense_score if chunk.dense_score is not None else -1.0


def _closeness(chunk: ScoredChunk, like: tuple[str, float] | None = None) -> tuple[str, float]:
    """How close a chunk is to the question: its dense cosine when it has one (and the reference used it too),
    else its fused score."""
    if chunk.dense_score is not None and (like is None or like[0] == "dense"):
        return "dense", chunk.dense_score
    if like is not None and like[0] == "dense":
        return "dense", 0.0  # found by keywords only, while the first passage was close in meaning
    return "fused", chunk.score


def _select_rows(table: str, terms: dict[str, float], title_terms: set[str]) -> str:
    """The whole table, or its header and the rows the question names: a question word found in some rows but
    not all ("fees"). Words of the article's own topic (its title and headings: "PayPal" in the PayPal article)
    name rows only when nothing else does and no question word is in the header: a question word in the header
    ("how often does it sync?" and a "Sync frequency" column) asks for a column, which every row answers."""
    header, rows = _table_parts(table)
    if len(rows) < 2:
        return table
    words = {t: w for t, w in terms.items() if w > 0 and "_" not in t}
    row_terms = [set(tokenize(row)) for row in rows]
    named = {t: w for t, w in words.items() if 0 < sum(t in r for r in row_terms) < len(rows)}
    chosen = {t: w for t, w in named.items() if t not in title_terms}
    if not chosen:
        if words.keys() & set(tokenize(" ".join(header))):
            return table
        chosen = named
    if not chosen:
        return table
    scores = [sum(w for t, w in chosen.items() if t in r) for r in row_terms]
    best = max(scores)
    return "\n".join([*header, *(row for row, score in zip(rows, scores, strict=True) if score == best)])


def _weighted_terms(question: str, idf: IdfLookup) -> dict[str, float]:
    """Each question term weighed by its rarity, times the number of times the question says it."""
    counts = Counter(with_bigrams(tokenize(question)))
    return {t: max(idf(t), 0.0) * n for t, n in counts.items()}


def _overlap(text: str, terms: dict[str, float]) -> float:
    present = set(with_bigrams(tokenize(text)))
    return sum(w for t, w in terms.items() if t in present)


def _unit_overlap(unit: Unit, terms: dict[str, float]) -> float:
    """A sentence's or list item's own match; a table's is its best row read with its header ("PayPal fees" under
    "How it appears in Lumo"), so that a big table does not win on the sum of all its rows."""
    if not unit.is_table:
        return _overlap(unit.text, terms)
    header, rows = _table_parts(unit.text)
    head = " ".join(_cells(header[0]))
    return max((_overlap(f"{head} {' '.join(_cells(row))}", terms) for row in rows), default=_overlap(head, terms))


def _holds_code(text: str, codes: Sequence[str]) -> bool:
    lowered = text.lower()
    return any(re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", lowered) for code in codes)


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def _unique(units: Sequence[Unit], skip: frozenset[str]) -> list[Unit]:
    """Units in order without repeats: neighbouring chunks overlap, and nothing already quoted is quoted again."""
    seen = set(skip)
    out: list[Unit] = []
    for whole in units:
        unit = _fresh(whole, skip)
        key = _normalised(whole.text)
        if unit is None or key in seen:
            continue
        seen.add(key)
        out.append(unit)
    return out


def _fresh(unit: Unit, skip: frozenset[str]) -> Unit | None:
    """``unit`` unless it was quoted already (``skip`` holds normalised quoted lines and sentences); a table loses
    the body rows already quoted, and is dropped when none is left."""
    if not skip:
        return unit
    if not unit.is_table:
        return None if _normalised(unit.text) in skip else unit
    header, rows = _table_parts(unit.text)
    left = [row for row in rows if _normalised(row) not in skip]
    if not left:
        return None
    return unit if len(left) == len(rows) else replace(unit, text="\n".join([*header, *left]))


def _quoted(answer: str) -> frozenset[str]:
    """The normalised sentences, list items and table rows of an answer (its [n] markers removed)."""
    found: set[str] = set()
    for raw in re.sub(r"\s*\[\d+\]", "", answer).splitlines():
        line = raw.strip()
        if not line:
            continue
        if _TABLE_ROW.match(line) or _LIST_ITEM.match(line):
            found.add(_normalised(line))
        else:
            found.update(_normalised(s) for s in _SENTENCE_END.split(line) if s.strip())
    return frozenset(found)


def _render(units: Sequence[Unit], n: int) -> str:
    lines: list[str] = []
    sentence_run: list[str] = []
    for unit in units:
        if unit.is_list_item or unit.is_table:
            if sentence_run:
                lines.append(_join_sentences(sentence_run))
                sentence_run = []
            lines.append(unit.text)
        else:
            sentence_run.append(unit.text)
    if sentence_run:
        lines.append(_join_sentences(sentence_run))
    # After a table the marker follows its last row ("| a | b | [1]"): the widget keeps it on the last cell.
    lines[-1] = f"{lines[-1]} [{n}]"
    return "\n".join(lines)


def _join_sentences(sentences: Sequence[str]) -> str:
    # Chinese sentences follow each other without a space; English ones with one.
    return "".join(sentences) if CJK_RE.search(sentences[0]) else " ".join(sentences)
