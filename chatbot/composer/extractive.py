"""ExtractiveComposer: which passages of which articles answer the question, quoted with ``[n]`` citations."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from chatbot.actions import LIGHT_VERBS
from chatbot.codes import codes_in
from chatbot.composer.anchor import closeness_in_meaning, find_anchor
from chatbot.composer.headings import gives_reasons, names_a_fix, performs
from chatbot.composer.question import (
    IdfLookup,
    Question,
    holds_code,
    money_rows,
    overlap,
    select_column,
    select_rows,
    unit_overlap,
)
from chatbot.composer.settings import ComposerSettings
from chatbot.composer.units import (
    Unit,
    about_the_guide,
    fresh,
    is_lead_in,
    plain_text,
    points_at_another_article,
    points_at_table,
    promises_more,
    quoted_lines,
    render,
    row_cells,
    shortened,
    split_units,
    step_number,
    table_parts,
    unique,
    word_count,
)
from chatbot.keyword import passage_terms, tokenize_passage
from chatbot.language import CJK_RE
from chatbot.types import Citation, ScoredChunk, ScoredDocument

# A place in the product: a menu path ("Reports > Profit and loss") or "go to" / "open" a named screen.
_PLACE = re.compile(r"\S\s*>\s*\S|\b(?:go to|open)\b", re.IGNORECASE)


# ... and a step that goes there first ("1. Go to **Profile > App lock**."), not one that only mentions one on its way
# to doing something else: "1. **Check your connection.** Open a web page ..." before "4. **Check the date and
# time.**", "1. Remove the dustbin (see 7.2) and open its lid." before "4. Let the filter dry ..." read as a list with
# its middle torn out (round 40).
# Its first sentence goes somewhere ("go to", "navigate to", "前往", "open the ... app") or names a menu path, and
# it does not open with a bold label of its own ("**Check your connection.**").
_GOES_TO = re.compile(
    r"^\s*(?:\d+[.)、]\s*)?(?!\*\*[^*]+[.!]\*\*)[^.!?。]*?"
    r"(?:\b(?:go|navigate|head) to\b|\bopen\b[^.!?。]*?\bapp\b|\S\s*>\s*\S|前往|进入|打开)",
    re.IGNORECASE,
)


# A sentence saying something can't be done or isn't so.
_SAYS_NO = re.compile(
    r"\b(?:can['’]?t|cannot|won['’]?t|isn['’]?t|aren['’]?t|doesn['’]?t|don['’]?t|not|never|no)\b", re.IGNORECASE
)
# A sentence that goes on from the one before it: "It ...", "They ...", "These ...", "Your invoices then ...", "You
# can now ..." (after the steps that make it so).
_POINTS_BACK = re.compile(
    r"^(?:(?:it|its|they|them|this|these|that|those|then|also)\b|(?:\S+\s+){1,2}(?:then|now)\b)", re.IGNORECASE
)


# ... or that goes on from it with a connective: "After that, your data is permanently deleted".
_GOES_ON = re.compile(
    r"^(?:after that|before that|otherwise|however|but|and|so|still|instead|in that case|if so|if not|even so|"
    r"then|also|too|as well)\b",
    re.IGNORECASE,
)
# A word anywhere in a sentence that may stand for something said before it ("can do this").
_MENTIONS_BEFORE = re.compile(r"\b(?:this|that|these|those|them|they)\b", re.IGNORECASE)


# The share of what a "what / which" question says beyond its article's subject that one list item must say alone
# to be quoted without the others (_said_by_one_item).
ITEM_OWN_SHARE = 0.5
_LIGHT_STEMS = frozenset(stem for verb in LIGHT_VERBS for stem in tokenize_passage(verb))
# "What does E13 mean?" asks what the error row says; "mean" is how it asks, no part of it. As a part it found the
# table of the manual's symbols, headed "Meaning", glued under the E13 row (round 39).
_MEANING_STEMS = frozenset(tokenize_passage("mean means meaning"))
# "it shows E4 what do i do", "the app says SYNC-12": how a code is reported, no part of what is asked about it. As a
# part it found "Blinking red: Error. ... the app shows its code", glued under the E4 row (round 42, a grading).
_REPORTING_STEMS = frozenset(tokenize_passage("show shows showing display displays says saying read reads"))
# A code as a question's word: letters then digits ("e4", "e13"), which codes_in leaves to longer codes ("SYNC-12").
_CODE_WORD = re.compile(r"[^\W\d_]{1,6}\d{1,4}")


@dataclass
class Composition:
    text: str
    citations: list[Citation]
    is_procedure: bool = False  # the first passage is numbered steps


# A first passage found: the document's position among those retrieved, the document, the passage's units and the
# question terms they say.
Found = tuple[int, ScoredDocument, list[Unit], set[str]]


class ExtractiveComposer:
    def __init__(self, settings: ComposerSettings | None = None) -> None:
        self.settings = settings or ComposerSettings()

    def compose(
        self,
        question: str,
        documents: Sequence[ScoredDocument],
        idf: IdfLookup,
        avoid: str = "",
        variant_only: bool = False,
        siblings: Mapping[str, frozenset[str]] | None = None,
    ) -> Composition:
        """The answer to ``question`` from ``documents``. ``avoid`` is an answer already given (the previous turn
        of a follow-up): its sentences, list items and table rows are not quoted again ("and on Android?" gets the
        Android row, not the iPhone row once more), unless nothing else in the top articles answers.
        ``variant_only``: the follow-up asks for another variant of the same thing ("and on Android?"), so only a
        passage that names the variant answers it; with none, the composition is empty. Another part of the same
        article is not an answer: after "How do I enable two-factor authentication?", the steps to require 2FA for a
        whole team were quoted because they were the best passage not given already. ``siblings``: the names the
        knowledge base's tables compare, each with the others (see Question.with_cases)."""
        if not documents:
            return Composition("", [])
        asked = Question.read(question, idf).with_cases(siblings or {}, question)
        given = quoted_lines(avoid)
        # The first article with something quotable (an FAQ chunk holding only its question has nothing) and, for
        # a follow-up, about what it stresses and not quoted already; failing that, the first quotable one.
        stressed = asked.stressed if given else frozenset()  # a follow-up (it has a previous answer) stresses
        if variant_only and stressed:
            attempts = dict.fromkeys([(given, stressed), (frozenset(), stressed)])
        else:
            attempts = dict.fromkeys([(given, stressed), (given, frozenset()), (frozenset(), frozenset())])
        found: Found | None = None
        for skip, needed in attempts:
            candidates: list[Found] = []
            for i, document in enumerate(documents[:3]):
                passage, covered = self._passage(document, asked, skip)
                if passage and (not needed or covered & needed):
                    candidates.append((i, document, passage, covered))
                    if not needed:
                        break
            if candidates:
                # A follow-up's new variant ("Android") may be mentioned in passing by a top article (a sync
                # troubleshooting step): of the passages that mention it, the one closest in meaning answers.
                found = max(candidates, key=lambda c: (closeness_in_meaning(_best_chunk(c[2])), -c[0]))
                break
        if found is None:
            return Composition("", [])
        if asked.is_how_to:
            found = self._prefer_steps(found, documents, asked, given)
        elif asked.quantity is not None:
            found = self._prefer_amount(found, documents, asked, given)
        position, first, passage, covered = found
        parts = [(first, passage)]
        section_steps = self._steps_of_its_section(first, passage, asked, given) if asked.is_how_to else None
        second: tuple[ScoredDocument, list[Unit]] | None = None
        if section_steps is not None:
            # The steps first, then what the passage adds to them (see _steps_of_its_section).
            parts = [(first, section_steps), (first, passage)]
        elif asked.sides is not None:
            # A comparison's parts are its two sides: a second passage only for the side the first leaves out.
            second = self._other_side(first, passage, documents[:3], asked, given)
        elif asked.cases and any(asked.cases & set(passage_terms(u.text)) for u in passage):
            # Which cases it holds for answers a yes/no question about one (Question.cases): the steps to apply
            # after "| University students | Lisbon and Porto |" told a student in Valencia to apply.
            pass
        else:
            second = self._second_passage(first, passage, documents[position + 1 : position + 3], asked, covered, given)
        if second is not None and asked.asks_consequence and any(gives_reasons(u.chunk) for u in second[1]):
            # "my card got declined, what happens to my account now": the reasons cards are declined say "declined"
            # (which the first passage may not), and answer why, not what follows.
            second = None
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
            paragraphs.append(render(units, n))
        return Composition("\n\n".join(paragraphs), citations, any(u.is_step for u in passage))

    def _passage(
        self,
        document: ScoredDocument,
        asked: Question,
        skip: frozenset[str] = frozenset(),
        steps_only: bool = False,
        reads_on: bool = True,
    ) -> tuple[list[Unit], set[str]]:
        """The window of ``document`` around its best-matching unit, and the question terms it covers. Units whose
        normalised text is in ``skip`` (already quoted) are neither anchors nor quoted again; stressed words pick a
        table's rows even when they are in the article's title (a follow-up's "Android"). ``steps_only``: only a
        numbered step may be the anchor (no window when the article has none among its retrieved chunks).
        ``reads_on``: an article's introduction reads on into its first section (not for one side of a comparison,
        whose passage stands beside another)."""
        terms, is_how_to = asked.terms, asked.is_how_to
        found = find_anchor(self.settings, document, asked, skip, steps_only)
        if found is None:
            return [], set()
        anchor_chunk = found.chunk
        entire = None if steps_only else self.whole_answer(document, skip)
        if entire is not None:
            entire = _amount_stated(entire, asked, anchor_chunk, found.index)
            return entire, {t for u in entire for t in passage_terms(u.text) if t in terms}
        # The article's introduction (its first chunk, under no heading) reads on into its first section when that
        # section says more of the question (see _adds_to_intro), or holds the steps a how-to question asks for.
        is_intro = reads_on and anchor_chunk.chunk.index == 0 and not anchor_chunk.chunk.heading_path
        following = [
            c
            for c in document.chunks
            if c.chunk.index == anchor_chunk.chunk.index + 1
            and (
                c.chunk.heading_path == anchor_chunk.chunk.heading_path
                or (
                    is_intro
                    and (
                        (is_how_to and any(u.is_step for u in split_units(c)))
                        or _adds_to_intro(c, anchor_chunk, document.title, terms)
                        or _named_by_intro(c, anchor_chunk, document.title)
                    )
                )
            )
        ]
        anchor_units = split_units(anchor_chunk)
        if is_intro and is_how_to and not following:
            following = _named_procedure(document, anchor_units[found.index])
        fix: list[ScoredChunk] = []
        if is_intro and asked.reports_problem:
            # What to do over why it happens: the fix section, when there is one, instead of the first section.
            fix = _fix_section(document)
            following = fix or following
        units = unique(
            [
                u
                for chunk in (*self._procedure_start(document, anchor_chunk), anchor_chunk, *following)
                for u in (anchor_units if chunk is anchor_chunk else split_units(chunk))
            ],
            skip,
        )
        anchor_unit = fresh(anchor_units[found.index], skip)
        anchor = next((i for i, u in enumerate(units) if anchor_unit and u.text == anchor_unit.text), None)
        if anchor is None:  # the anchor was quoted already, in another chunk's copy of it
            return [], set()
        if units[anchor].is_table:
            title_terms = (
                set(tokenize_passage(" ".join((document.title, *anchor_chunk.chunk.heading_path)))) - asked.stressed
            )
            units[anchor] = _whole_table(units[anchor], document, terms, title_terms)
            window = self._table_window(
                units,
                anchor,
                terms,
                title_terms,
                whole=asked.contrasts,
                prices=asked.asks_price,
                compares=asked.sides is not None,
            )
            window += _row_sections(window, document, anchor_chunk, skip)
        else:
            # The top of the article, or of a section, frames the answer; a later chunk of an article without
            # headings starts wherever the splitter cut it, and its top is only the end of another topic before the
            # anchor: ") (Volume Up) Select RETURN button." before "Enabling/Disabling the front indicators",
            # "Deleting a Samsung account" before "Signing out". CMRC2018 dev: gold span 0.941 instead of 0.938.
            # E-Manual dev: 26 of 201 answers changed, 17 read better, 4 lost the sentence saying where the
            # settings are, 5 neither; ROUGE-L 0.415 -> 0.414.
            framed = anchor_chunk.chunk.index == 0 or bool(anchor_chunk.chunk.heading_path)
            window = self._window(
                units,
                anchor,
                from_top=framed,
                one_step=asked.is_where,
                own_task=asked.is_how_to and _own_task(units[anchor], document.title, terms),
                asked=None if asked.is_how_to else asked,
                title=document.title,
                read_into=[c for c in following if is_intro and _named_by_intro(c, anchor_chunk, document.title)],
            )
            if not (units[anchor].is_step and performs(units[anchor].chunk, asked.done)):
                # The steps of what the customer has already done are not quoted before what follows from it.
                window = [u for u in window if not (u.is_step and performs(u.chunk, asked.done))]
            window = [u for u in window if not (about_the_guide(u) or promises_more(u.text))]
            window = _with_heading(window, units, document.title)
            if fix:
                window = _with_fix_heading(window, fix[0])
            # Not in pages without headings (the TV manual's, an encyclopedia's): one topic runs through a long
            # paragraph whose sentences lean on each other, and moved first, "Review the illustration below, and
            # then connect Component IN ..." lost what it connects (E-Manual dev ROUGE-L 0.4675 -> 0.465).
            if asked.is_yes_no and any(c.chunk.heading_path for c in document.chunks):
                window = _verdict_first(window, units[anchor], terms)
        covered = {t for u in window for t in passage_terms(u.text) if t in terms}
        return window, covered

    @staticmethod
    def _procedure_start(document: ScoredDocument, anchor_chunk: ScoredChunk) -> list[ScoredChunk]:
        """The retrieved chunk before ``anchor_chunk`` in the same section when a chunk boundary cut a procedure and
        ``anchor_chunk`` opens at a later step ("7. Run Reports > Profit and loss ..."): a procedure is answered
        from its first step, and steps 1-6 are in that chunk."""
        first = next(iter(split_units(anchor_chunk)), None)
        number = step_number(first) if first is not None else None
        if number is None or number <= 1:
            return []
        return [
            c
            for c in document.chunks
            if c.chunk.index == anchor_chunk.chunk.index - 1 and c.chunk.heading_path == anchor_chunk.chunk.heading_path
        ]

    def excerpt(self, question: str, document: ScoredDocument, idf: IdfLookup) -> str | None:
        """The sentence or list item of ``document`` closest to ``question``, after the heading of its section, as
        plain text of at most ``excerpt_words`` words, to show under its title when the article is suggested ("I'm
        not sure"): the reader sees which suggestion is about what they asked. A table gives the one row the
        question names, cell by cell ("Platform: iPhone and iPad; Minimum version: iOS / iPadOS 16 or later"), and
        no line when it names none (a whole table flattened into a line is what a reader cannot use). None when the
        article has nothing quotable."""
        asked = Question.read(question, idf)
        found = find_anchor(self.settings, document, asked)
        if found is None:
            return None
        units = split_units(found.chunk)
        unit = units[found.index]
        if unit.is_table:
            title_terms = set(tokenize_passage(" ".join((document.title, *found.chunk.chunk.heading_path))))
            text = _row_as_line(select_rows(unit.text, asked.terms, title_terms))
        else:
            text = plain_text(unit.text)
        following = units[found.index + 1 : found.index + 2]
        if is_lead_in(unit) and following and not following[0].is_table:
            # "... to move from Business to Plus you need to:" says nothing without what it introduces.
            text = f"{text} {plain_text(following[0].text)}"
        path = found.chunk.chunk.heading_path
        section = plain_text(path[-1]) if path else ""
        if not text:
            # A table naming no row asked about: the section it heads says where to look ("2. Choose the right
            # frequency band: 2.4 GHz or 5 GHz" for "whats the difference between 2.4 and 5ghz", whose suggestion
            # showed no line, round 32).
            return shortened(section, self.settings.excerpt_words, self.settings.cjk_chars_per_word) or None
        # The section it is in, when the line does not say it: "Reset a forgotten password: ... The link is valid for
        # 1 hour." Alone, that line read as the answer to how long a sign-up link lasts (24 hours, another article).
        if section and not set(tokenize_passage(section)) <= set(tokenize_passage(text)):
            text = f"{section}{'：' if CJK_RE.search(section) else ':'} {text}"
        return shortened(text, self.settings.excerpt_words, self.settings.cjk_chars_per_word)

    def whole_answer(self, document: ScoredDocument, skip: frozenset[str] = frozenset()) -> list[Unit] | None:
        """An FAQ entry's answer from its first word to its last, over all the entry's chunks given (a long answer
        spans several), when it fits ``max_procedure_words``; None for an article or a longer answer (then the
        window around the best-matching sentence is quoted)."""
        if document.kind != "faq":
            return None
        chunks = sorted(document.chunks, key=lambda c: c.chunk.index)
        units = [u for u in unique([u for c in chunks for u in split_units(c)], skip) if not points_at_table(u.text)]
        if not units or sum(self._words(u) for u in units) > self.settings.max_procedure_words:
            return None
        return units

    def _window(
        self,
        units: list[Unit],
        anchor: int,
        from_top: bool = True,
        one_step: bool = False,
        asked: Question | None = None,
        title: str = "",
        read_into: Sequence[ScoredChunk] = (),
        own_task: bool = False,
    ) -> list[Unit]:
        """The units quoted around ``anchor``. ``one_step``: a question asking where something is ("where do i find
        the profit and loss report") is answered by the step that names the place (a menu path, "Go to ...") and
        the steps from it to the anchor, when the procedure around them is longer than an answer (max_words): the
        whole nine-step year-end checklist was quoted for step 7's "Run Reports > Profit and loss". ``asked``: a
        question that does not ask how to do something, which the step or the sentence saying it answers, not the
        procedure around it (see below and _items_asked); None for a how-to question. ``read_into``: sections the
        anchor's introduction leans on (see _named_by_intro), whose tables are quoted when they fit. ``own_task``:
        the anchor is a step that is a task of its own (see _own_task), answered like a question asking where, and
        alone when no step before it goes to a place."""
        settings = self.settings
        if asked is not None and asked.quantity is not None and not one_step:
            anchor = _step_stating_it(units, anchor, asked)
        if asked is not None and not one_step and units[anchor].is_list_item:
            items = self._items_asked(units, anchor, asked, title)
            if items is not None:
                return items
        if (one_step or own_task) and units[anchor].is_step:
            first, last = _procedure_around(units, anchor)
            # From the nearest step at or before the anchor that names a place ("Go to **Settings > Security**"),
            # to the anchor: "2. Under Password, click Change password" alone does not say where.
            place = next((i for i in range(anchor, first - 1, -1) if _PLACE.search(units[i].text)), None)
            if own_task and place is None:
                return [units[anchor]]
            if place is not None and sum(self._words(u) for u in units[first : last + 1]) > settings.max_words:
                return units[place : anchor + 1]
        start = anchor
        words_before = sum(self._words(u) for u in units[:anchor] if not u.is_table)
        if from_top and words_before <= settings.from_top_within_words:
            start = 0
            # ... but not over a list that ends before it, for a question asking yes or no or what follows: "if
            # they hit send while offline, what happens to it?" got the five bullets of "What needs a connection"
            # before "If you tap Send on an invoice while offline, the app saves it ...", and "does lumo work in
            # internet explorer" the four supported browsers before "Internet Explorer isn't supported". The list is
            # a whole of its own; the sentence after it starts another thought (unless it points back at the list:
            # "These ..."). Not for a question asking which or how, which the list may answer ("which browsers work
            # on a mac"; "how do I stop it just for them": "- For a customer: ... turn on **Do not remind**"). Nor
            # for numbered steps, whose rule is below.
            listed = [i for i in range(anchor) if units[i].is_list_item]
            verdict = asked is not None and (asked.asks_verdict or asked.asks_consequence)
            if verdict and listed and not units[listed[-1]].is_step and not units[anchor].is_list_item:
                after_list = listed[-1] + 1
                if not _POINTS_BACK.match(units[after_list].text):
                    start = after_list
        # A question that does not ask how is answered by the sentence after a procedure without the procedure:
        # "does my customer actually see the late fee on the invoice" got the three steps to set a late fee before
        # "Late fees are added as a new line on the invoice and the customer sees them in the next reminder." Not
        # for a question asking who, what or when, which the sentence introducing the procedure often names: "When
        # a charge fails, we email the account Owner and the billing contact, then retry automatically:" answers
        # "who gets the email when our card payment fails", and the sentence after the retries only says that
        # each one "sends another email"; nor when that sentence says as much of the question as the anchor.
        # A sentence naming who answers "who" (see who_bonus) is the answer without them ("The signed PDF is emailed to
        # the account Owner." after the steps to sign the DPA).
        names_who = asked is not None and asked.names_person(units[anchor].text)
        skips_steps = asked is not None and (not asked.asks_what or names_who) and not asked.asks_capability
        steps = [i for i in range(start, anchor) if units[i].is_step] if skips_steps else []
        if steps and not units[anchor].is_list_item and not _POINTS_BACK.match(units[anchor].text):
            first_step = _procedure_around(units, steps[0])[0]
            lead_in = units[first_step - 1] if first_step > start and is_lead_in(units[first_step - 1]) else None
            said = unit_overlap(units[anchor], asked.terms) if asked else 0.0
            lead_in_answers = lead_in is not None and (
                unit_overlap(lead_in, asked.terms if asked else {}) >= said
                and not (names_who and asked is not None and not asked.names_person(lead_in.text))
            )
            if not lead_in_answers:
                start = steps[-1] + 1
        if asked is not None and asked.asks_capability and start > 0 and not units[anchor].is_list_item:
            start = min(start, self._steps_saying_yes(units, anchor, asked))
        # A procedure is answered from its first step, wherever in it the best-matching step is.
        while start > 0 and units[start].is_list_item and units[start - 1].is_list_item:
            start -= 1
        # Nor a sentence that points back at the one before it ("Your invoices then show a Pay now button", after
        # "To get paid faster, connect Stripe ... in Settings > Integrations."; "It ...", "They ..."), which a PDF
        # or a crawled page may give a line of its own, so that the paragraph rule below does not see it.
        for _ in range(2):
            before = units[start - 1] if start > 0 else None
            if before is None or before.is_list_item or before.is_table or before.chunk is not units[start].chunk:
                break
            if not _POINTS_BACK.match(units[start].text):
                break
            start -= 1
        # A list is quoted with the sentence that introduces it: "- **Match** it to an invoice" alone does not say
        # what "it" is; "For each one, you can:" before it does (and, by the rule below, the opening of its
        # paragraph: "New transactions land in **Banking > Review**.").
        if start > 0 and units[start].is_list_item and is_lead_in(units[start - 1]):
            start -= 1
        # Nor is a sentence quoted without the sentences of its paragraph before it, when they fit: "Plus and
        # Business have no invoice limit." alone does not answer "is there a limit on invoices on free"; the
        # paragraph's opening, "On the Free plan you can send 5 invoices per calendar month.", does. Only in a
        # framed chunk (see _passage): a later chunk of a page without headings may open mid-paragraph.
        opening = start
        while opening > 0 and units[opening].continues_paragraph and units[opening - 1].chunk is units[opening].chunk:
            opening -= 1
        if from_top and sum(self._words(u) for u in units[opening:start]) <= settings.paragraph_within_words:
            start = opening
        # A heading-like lead-in ("To reset your password:") or the article's first sentence frames the answer.
        for _ in range(settings.lead_in_sentences):
            if start > 0 and not units[start - 1].is_list_item and units[start - 1].chunk is units[anchor].chunk:
                start -= 1
        is_procedure = any(u.is_list_item for u in units[anchor : anchor + 3])
        # An FAQ answer too long to quote whole (see whole_answer) still gets a procedure's length around the anchor.
        is_faq_answer = units[anchor].chunk.chunk.kind == "faq"
        budget = settings.max_procedure_words if is_procedure or is_faq_answer else settings.max_words
        window: list[Unit] = []
        words = 0.0
        for i in range(start, len(units)):
            unit = units[i]
            if unit.is_table:
                if i < anchor:
                    # A table between the top of the article and the anchor is not what was asked, nor is the
                    # sentence introducing it: "Lumo uses this schedule: You can add more reminders ..." read as
                    # one sentence.
                    while window and is_lead_in(window[-1]):
                        words -= self._words(window.pop())
                    continue
                # Nor one after it: the passage ends where the table starts, unless the passage's last sentence
                # introduces it ("Lumo uses this schedule:") and it fits: then it is what that sentence promises.
                # So is a table of the section an introduction names (see _named_by_intro), and the passage reads on.
                fits = words + self._words(unit) <= budget
                if fits and unit.chunk is not units[anchor].chunk and any(unit.chunk is c for c in read_into):
                    window.append(unit)
                    words += self._words(unit)
                    continue
                if window and is_lead_in(window[-1]) and fits:
                    window.append(unit)
                break
            if points_at_table(unit.text):
                continue  # "see the table below", and the table is not quoted
            # The budget never cuts before the anchor: it is the unit that answers. (Starting from the top within
            # from_top_within_words, a long anchor, e.g. a 50-character Chinese sentence, used to fall off the end.)
            if window and i > anchor and words + self._words(unit) > budget:
                window += self._rest_of_list(units, i, anchor, window, words)
                break
            # The procedure ended: what follows is another topic. Unless a problem was reported and what follows is
            # how to fix it: "my bank feed stopped, says access expired" got what happens when access expires, and
            # not the "To renew:" steps after it in the same section.
            fix_follows = asked is not None and asked.reports_problem and self._fix_follows(units, i)
            if is_procedure and window and window[-1].is_list_item and not unit.is_list_item and not fix_follows:
                break
            window.append(unit)
            words += self._words(unit)
        # Nor does it end on a lead-in whose table or list did not fit: "... uses this schedule:" and nothing after.
        while len(window) > 1 and is_lead_in(window[-1]) and window[-1] is not units[anchor]:
            window.pop()
        return window

    def _rest_of_list(self, units: list[Unit], at: int, anchor: int, window: list[Unit], words: float) -> list[Unit]:
        """When the budget runs out at ``units[at]`` inside a list begun after the anchor: the rest of the list, if
        it fits a procedure's length; else the list's items quoted so far (and its lead-in) are taken out of
        ``window``. A list cut short reads as complete: "to move from Business to Plus you need to: - remove users so
        that no more than 3 remain" left out the bank connections and the Shopify store."""
        if not (units[at].is_list_item and window[-1].is_list_item and units[at].chunk is window[-1].chunk):
            return []
        first = at
        while first > 0 and units[first - 1].is_list_item and units[first - 1].chunk is units[at].chunk:
            first -= 1
        if first <= anchor:
            return []  # (a list holding the anchor is cut as _items_asked chooses)
        end = at
        while end < len(units) and units[end].is_list_item and units[end].chunk is units[at].chunk:
            end += 1
        rest = units[at:end]
        if words + sum(self._words(u) for u in rest) <= self.settings.max_procedure_words:
            return rest
        while window and (window[-1].is_list_item or is_lead_in(window[-1])) and window[-1] is not units[anchor]:
            window.pop()
        return []

    @staticmethod
    def _steps_saying_yes(units: list[Unit], anchor: int, asked: Question) -> int:
        """For "can I ...?" answered by a sentence after numbered steps in its chunk: where the steps' lead-in is,
        when it says what was asked ("You can add a late fee to overdue invoices:" before the steps, for "can i
        charge late fees", whose anchor was "Check local rules before charging late fees"): the steps say "yes" and
        how. ``anchor`` otherwise, and when the anchor says no ("A sent invoice can't be deleted"), since the steps
        before it are then another action's."""
        steps = [i for i in range(anchor) if units[i].is_step and units[i].chunk is units[anchor].chunk]
        if not steps or _SAYS_NO.search(units[anchor].text):
            return anchor
        first = _procedure_around(units, steps[-1])[0]
        lead_in = units[first - 1] if first > 0 else None
        if lead_in is None or lead_in.chunk is not units[anchor].chunk or not is_lead_in(lead_in):
            return anchor
        return first - 1 if unit_overlap(lead_in, asked.terms) > 0 else anchor

    @staticmethod
    def _fix_follows(units: list[Unit], at: int) -> bool:
        """Whether ``units[at]`` leads in numbered steps right after it, in the same chunk ("To renew:")."""
        following = units[at + 1] if at + 1 < len(units) else None
        return (
            at > 0
            and is_lead_in(units[at])
            and following is not None
            and following.is_step
            and following.chunk is units[at].chunk
            and units[at].chunk is units[at - 1].chunk
        )

    def _items_asked(self, units: list[Unit], anchor: int, asked: Question, title: str) -> list[Unit] | None:
        """For a question that does not ask how, the item of the list holding ``anchor`` that answers it, without
        the other items; None to quote the list as usual.
        A bullet, with the others saying as much of the question, when the question asks yes or no or for an
        amount: "how many shopify shops can i link to one lumo" got all three "Before you start" bullets for the
        third, "You can connect up to **3 Shopify stores**". It keeps what introduces the list: the sentence before
        it (a lead-in, or one saying some of the question beyond the article's title: "A sent invoice can't be
        deleted, because your books must show every number you issued." for "i voided an invoice, can i reuse the
        number"; not "Finlink supports more than 3,200 banks ..." for "does lumo get to see my online banking
        password"), else the section's heading (see _with_heading). Any other question may ask about the list as a
        whole ("why would my card get declined": every reason).
        Not for the part of a question a second passage adds: what it must add is not the whole question.
        A numbered step alone, when the procedure is longer than an answer ("year end checklist, what am i meant to
        do about unpaid bills" is step 5 of nine), or the step states the amount asked for ("new owner didnt accept
        the transfer, how long did they have": step 3, "must accept within **48 hours**"); not for a yes/no question,
        whose step alone lost where it is done ("Tap **Save**. You can scan several receipts in a row.") or the
        rules around it (the ownership transfer's). Not the first step: it says where the procedure starts.
        For an amount, the item stating one: "how often does stripe sync" is answered by "New Stripe payments, fees
        and payouts sync every **15 minutes**", and "You can force a sync from **Settings > Integrations > Stripe >
        Sync now**" says more of its words (the pair "stripe sync" of the menu path). For "how many", the items
        counting what is asked (Question.states_count): "Up to **5 active keys** per account" alone answers "how
        many api keys can i have"."""
        first, last = _procedure_around(units, anchor)
        if units[anchor].is_step:
            long = sum(self._words(u) for u in units[first : last + 1]) > self.settings.max_words
            states = asked.states_quantity(units[anchor].text)
            stating = [i for i in range(first, last + 1) if asked.states_quantity(units[i].text)]
            if not states and len(stating) == 1 and stating[0] > first and not asked.is_yes_no:
                # The one step stating the amount asked answers, though another says more of the question's words:
                # "whats the longest the app will wait before face id locks it" is step 3, "Choose when to lock:
                # immediately, after 1 minute or after 5 minutes", not step 2, "Turn on **Require Face ID**". When
                # it says a word of the question beyond the procedure's subject: "New invoices are due in 14 days"
                # (the word "invoice", of "## Send your first invoice") is no answer to how long setting up takes.
                topic = " ".join((title, *units[stating[0]].chunk.chunk.heading_path))
                if unit_overlap(units[stating[0]], asked.beyond(topic, 0.0)) > 0:
                    return _from_its_place(units, first, stating[0])
            return _from_its_place(units, first, anchor) if anchor > first and (long or states) else None
        if asked.part:
            return None  # (a second passage's list: what it must add is not the whole question)
        if not (asked.is_yes_no or asked.quantity is not None or _said_by_one_item(units, anchor, asked, title)):
            return None
        stating = [i for i in range(first, last + 1) if asked.states_quantity(units[i].text)]
        if stating and anchor not in stating:
            anchor = max(stating, key=lambda i: (unit_overlap(units[i], asked.terms), -i))
        said = unit_overlap(units[anchor], asked.terms)
        # The items counting the thing asked about answer "how many", whatever the others share with it.
        counting = [units[i] for i in range(first, last + 1) if asked.states_count(units[i].text)]
        chosen = counting or [
            units[i] for i in range(first, last + 1) if i == anchor or unit_overlap(units[i], asked.terms) >= said
        ]
        if asked.is_yes_no and not counting:
            chosen = _with_items_naming_the_rest(chosen, units[first : last + 1], asked, title)
        if len(chosen) == last - first + 1:
            return None
        before = units[first - 1] if first > 0 else None
        introduces = before is not None and (
            is_lead_in(before)
            or (
                not before.is_list_item
                and not before.is_table
                and before.chunk is units[first].chunk
                and unit_overlap(before, asked.beyond(title, 0.0)) > 0
            )
        )
        if before is not None and introduces:
            return [before, *chosen]
        if _items_say_it_all(chosen) and not _heading_turns_items(units[first]):
            return _one_item_as_sentence(chosen)  # (see _with_heading)
        framed = _with_heading(chosen, units, title, list_first=units[first])
        # With neither, a bullet starts mid-thought ("- For anything else, email **privacy@lumo.example**"): the
        # list is quoted whole, as before.
        return framed if framed[0] is not chosen[0] else None

    def _words(self, unit: Unit) -> float:
        return word_count(unit.text, self.settings.cjk_chars_per_word)

    def _table_window(
        self,
        units: list[Unit],
        anchor: int,
        terms: dict[str, float],
        title_terms: set[str],
        whole: bool = False,
        prices: bool = False,
        compares: bool = False,
    ) -> list[Unit]:
        """The table the question is about: its lead-in ("Some settings are only available ...:"), the table (the
        rows the question names, when it names some; every row when ``whole``; for a price question, ``prices``,
        the rows stating an amount of money among those), and the sentences right after it (its footnotes)."""
        table = units[anchor]
        window: list[Unit] = []
        before = units[anchor - 1] if anchor > 0 else None
        if before is not None and is_lead_in(before):
            window.append(before)
        # For a price, the rows stating one are chosen from first: "we want bank feeds and paypal, which plan is that
        # and what does it cost a year" named the bank-connections row, which states no price.
        # The column the question names first ("Business" of the plans table), so that the rows stating a price
        # are those stating one in that column.
        text = table.text if whole else select_column(table.text, terms, compares)
        text = money_rows(text) if prices else text
        quoted = text if whole else select_rows(text, terms, title_terms)
        window.append(replace(table, text=quoted))
        # Of a table cut to the rows asked about, a footnote must say something asked beyond what the header and
        # those rows' names say: "How much is the Sports pack?" got the Sports row and "**Fibre 900 customers** get
        # Entertainment+ free for the first 6 months", and a hub light's row "To **restart** the hub, switch it
        # off ..." after "Don't switch off or unplug the hub" (an unseen help centre, round 32).
        named = _header_and_row_names(quoted) if quoted != table.text else None
        words = 0.0
        for unit in units[anchor + 1 :]:
            if (
                unit.is_table
                or unit.is_list_item
                # A sentence introducing a list of its own ("**No early termination fee** is charged if:") is no
                # footnote, and without its list it dangles (an unseen help centre's fees table, round 32).
                or is_lead_in(unit)
                or words + self._words(unit) > self.settings.words_after_table
            ):
                break
            if named is not None and not any(
                w > 0 and t not in named and t not in title_terms for t, w in terms.items() if t in _terms_of(unit)
            ):
                continue
            if not (points_at_table(unit.text) or points_at_another_article(unit.text)):
                window.append(unit)
                words += self._words(unit)
        return window

    def _steps_of_its_section(
        self, document: ScoredDocument, passage: list[Unit], asked: Question, given: frozenset[str]
    ) -> list[Unit] | None:
        """For a how-to question whose passage has no steps, the numbered steps of the same section, when it has
        some the passage does not quote: "How do I downgrade from Business to Plus?" got "For example, to move from
        Business to Plus you need to:" and its list (it names both plans), not the three steps above it under
        "## Downgrade to a lower plan" (round 31). None otherwise."""
        if not passage or any(u.is_step for u in passage):
            return None
        section = passage[0].chunk.chunk.heading_path
        # Only the steps of the action asked, which the section's heading names ("## Downgrade to a lower plan"): the
        # steps to set up 2FA are not how to stop being asked for a code, though the sentence saying how follows them.
        if not section or not asked.action & set(passage_terms(section[-1])):
            return None
        steps, _ = self._passage(document, asked, given, steps_only=True)
        if not steps or steps[0].chunk.chunk.heading_path != section:
            return None
        quoted = {u.text for u in passage}
        return None if any(u.text in quoted for u in steps) else steps

    def _prefer_steps(
        self,
        found: Found,
        documents: Sequence[ScoredDocument],
        asked: Question,
        given: frozenset[str],
    ) -> Found:
        """For a how-to question whose first passage has no numbered steps: the passage of the next close-scoring
        article that has them and covers at least as much of the question; else the first passage."""
        position, _, passage, covered = found
        if any(u.is_step for u in passage):
            return found

        def words_covered(terms: set[str]) -> float:  # single words: an FAQ answer's phrase is no more an answer
            # In a fixed order: float sums over a set's (hash-seeded) order differ in the last digit, and the two
            # sides are often the same words.
            return sum(asked.terms.get(t, 0.0) for t in sorted(terms) if "_" not in t)

        for i, document in self._close_after(documents, position):
            steps, steps_cover = self._passage(document, asked, given, steps_only=True)
            if not steps:
                continue
            # The heading over the steps names what they do ("## Connect your store").
            named = set(passage_terms(" ".join(steps[0].chunk.chunk.heading_path))) & set(asked.terms)
            if words_covered(steps_cover | named) >= words_covered(covered) - 1e-9:
                return i, document, steps, steps_cover
        return found

    def _close_after(self, documents: Sequence[ScoredDocument], position: int) -> Iterator[tuple[int, ScoredDocument]]:
        """The top three articles after the one at ``position`` that score close to it (steps_score_share)."""
        for i in range(position + 1, min(3, len(documents))):
            if documents[i].score < self.settings.steps_score_share * documents[position].score:
                return  # ranked by score: the ones after it are further below
            yield i, documents[i]

    def _prefer_amount(
        self,
        found: Found,
        documents: Sequence[ScoredDocument],
        asked: Question,
        given: frozenset[str],
    ) -> Found:
        """For "how many / how long / how much ...?" whose first passage states no such amount (for "how many", no
        count of what is asked): the passage of the next close-scoring article that does; else the first passage.
        "how many lines can an invoice have" quoted "Line breaks you type with Enter are kept" from the article on
        invoice notes, ranked just above the one saying "An invoice can have up to **200 line items**"."""
        states = asked.states_count if asked.counted is not None else asked.states_quantity
        position, _, passage, _ = found
        if any(states(u.text) for u in passage):
            return found
        for i, document in self._close_after(documents, position):
            stating, stating_covers = self._passage(document, asked, given)
            if any(states(u.text) for u in stating):
                return i, document, stating, stating_covers
        return found

    def _second_passage(
        self,
        first: ScoredDocument,
        passage: Sequence[Unit],
        others: Sequence[ScoredDocument],
        asked: Question,
        covered: set[str],
        given: frozenset[str] = frozenset(),
    ) -> tuple[ScoredDocument, list[Unit]] | None:
        """Another article, or another part of the first, that answers a part of the question the first passage
        does not: it must cover a rare question word the first misses, add enough of the question's weight, and
        be about the question itself (not an unrelated page sharing one word)."""
        settings, terms = self.settings, asked.terms
        if asked.quantity == "measure" and any(asked.states_quantity(u.text) for u in passage):
            # A measurement asked and stated: "how big is the dustbin" (searched "size or capacity or dimensions")
            # got "Dustbin capacity 450 mL" and then the station's dimensions, for the word it had left unsaid.
            return None
        # What the first article is about (its title, the passage's headings) needs no second passage: "bank feed"
        # in "What start date should I choose for a bank feed?" is answered by the bank-feed article's passage.
        topic = set(passage_terms(" ".join((first.title, *passage[0].chunk.chunk.heading_path))))
        missing = {t: w for t, w in terms.items() if t not in covered and t not in topic and w > 0}
        if any(asked.names_person(u.text) for u in passage):
            # Who may do it is said: "只有账户所有者或管理员可以申请退款" answers "普通员工能申请退款吗" (can staff
            # request a refund), and the export article's "员工不能导出" is no part of it.
            missing = {t: w for t, w in missing.items() if t not in asked.persons(missing)}
        top_idf = max((w for t, w in terms.items() if "_" not in t), default=0.0)
        reports_code = bool(asked.codes) or any(_CODE_WORD.fullmatch(t) for t in terms)
        # A light verb ("get", "have", "use") is no part of the question of its own: "do i get automatic reminders
        # on the free plan" got the free-trial entry ("Every new account gets a 30-day free trial") after the
        # answer, because the reminders article never says "get".
        rare = {
            t
            for t, w in missing.items()
            if "_" not in t
            and t not in _LIGHT_STEMS
            and t not in _MEANING_STEMS
            and not (t in _REPORTING_STEMS and reports_code)
            and w >= max(settings.rare_idf, top_idf / 2)
        }
        if asked.asking:
            # What the clause that asks says, not the situation told before it: "card declined on renewal, when do
            # we retry the charge" got the retry schedule, then the reasons cards are declined.
            rare &= asked.asking
        if not rare:
            return None
        total = sum(terms.values()) or 1.0
        quoted = given | _lines(passage)
        used = {u.chunk.chunk.id for u in passage}
        reference = _closeness(max(passage, key=lambda u: u.chunk.score).chunk)
        rest_of_first = replace(first, chunks=[c for c in first.chunks if c.chunk.id not in used])
        language = _language(first)
        for document in (*others, rest_of_first):
            # Never a passage in another language than the first: "how do I turn on 2FA with SMS" got the Chinese
            # 2FA article's table row "短信（SMS）" under the English steps.
            if not document.chunks or _language(document) != language:
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

    def _other_side(
        self,
        first: ScoredDocument,
        passage: Sequence[Unit],
        documents: Sequence[ScoredDocument],
        asked: Question,
        given: frozenset[str],
    ) -> tuple[ScoredDocument, list[Unit]] | None:
        """For a comparison ("accountant vs admin role, what's the difference?"), the passage on the side the first
        passage leaves out, from the top articles (the first one's other sections first): quoting the Admin
        paragraph alone answered half the question. None when the first passage says both sides (a table or a
        sentence comparing them) or neither. Like any second passage it is in the first one's language and close to
        the question (other_side_on_topic of the first's cosine): another article's sentence that merely names a
        side ("The Owner, Admins and Accountants can export data.") is not that side's answer."""
        assert asked.sides is not None
        # What the quoted text says, not the headings over it: "Drafts can be deleted at any time" under "## Change or
        # cancel a sent invoice" says nothing of sent invoices, which "the difference between a draft and a sent
        # invoice" asks about too.
        said = {t for u in passage for t in passage_terms(u.text)}
        unsaid = [side - said for side in asked.sides]
        if sum(1 for words in unsaid if words) != 1:
            return None
        side, missing = next((s, words) for s, words in zip(asked.sides, unsaid, strict=True) if words)
        # The side's own words, and at half weight the words both sides share ("bank" of "disconnect feed vs delete
        # account for a bank"); not the other side's.
        other = next(s for s in asked.sides if s is not side)
        terms = {t: (w if t in side else w / 2) for t, w in asked.terms.items() if "_" not in t and t not in other}
        quoted = given | _lines(passage)
        reference = _closeness(max(passage, key=lambda u: u.chunk.score).chunk)
        language = _language(first)
        for document in (first, *(d for d in documents if d is not first)):
            if _language(document) != language:
                continue
            extra, gained = self._passage(document, asked.asking_for(terms), skip=quoted, reads_on=False)
            if not extra or not gained & missing:
                continue
            best = max(extra, key=lambda u: u.chunk.score).chunk
            if _closeness(best, like=reference)[1] < self.settings.other_side_on_topic * reference[1]:
                continue
            return document, extra
        return None


def _row_as_line(table: str) -> str:
    """A table cut to one row, as "Header: cell; Header: cell" plain text; "" for more rows or none."""
    header, rows = table_parts(table)
    if len(rows) != 1:
        return ""
    pairs = zip(row_cells(header[0]), row_cells(rows[0]), strict=False)
    return "; ".join(f"{plain_text(name)}: {plain_text(cell)}" if name else plain_text(cell) for name, cell in pairs)


def _lines(passage: Sequence[Unit]) -> frozenset[str]:
    """What ``passage`` quotes, as ``skip`` holds it: its sentences and list items, and a table's rows one by one (a
    table's whole text in ``skip`` dropped it from the units while its rows, none quoted alone, kept it an anchor)."""
    return quoted_lines("\n".join(u.text for u in passage))


def _language(document: ScoredDocument) -> str | None:
    return document.chunks[0].chunk.language if document.chunks else None


# A heading that states a situation rather than naming a procedure: a condition ("If you lose your phone", "Before
# you start"), the customer's own words ("I'm signed out all the time", "My bank isn't in the list") or a statement
# ("The page is blank or keeps loading", "Transactions are missing").
# "## Never refund when" too: quoted without it, "1. A chargeback is open for the charge" never said not to refund.
_SITUATION_HEADING = re.compile(
    r"^(?:if|when|whenever|before|after|once|while|until|i|i'm|i’m|my|we|our|never|always|only)\b"
    r"|\b(?:when|if|unless)\s*:?\s*$"
    r"|\b(?:is|are|isn't|isn’t|aren't|aren’t|doesn't|doesn’t|don't|don’t|won't|won’t|can't|can’t|keeps?|has|have)\b",
    re.IGNORECASE,
)


def _step_stating_it(units: Sequence[Unit], anchor: int, asked: Question) -> int:
    """For an amount asked, when ``anchor`` is the sentence right before numbered steps of which one alone states
    such an amount: that step ("max file size for bank statement import" matched "... import a statement file."
    before the steps, and step 3 says "Each file can be up to **5 MB** and **5,000 transactions**"); else
    ``anchor``."""
    following = anchor + 1
    if units[anchor].is_list_item or following >= len(units) or not units[following].is_step:
        return anchor
    if units[following].chunk is not units[anchor].chunk:
        return anchor
    first, last = _procedure_around(units, following)
    stating = [i for i in range(first, last + 1) if asked.states_quantity(units[i].text)]
    return stating[0] if len(stating) == 1 else anchor


def _from_its_place(units: Sequence[Unit], first: int, step: int) -> list[Unit]:
    """The step ``step`` quoted alone, after its procedure's first step when that one says where it all happens:
    "Choose when to lock: immediately, after 1 minute or after 5 minutes" alone did not say it is in **Profile > App
    lock**."""
    return [units[first], units[step]] if step > first and _GOES_TO.match(units[first].text) else [units[step]]


def _said_by_one_item(units: Sequence[Unit], anchor: int, asked: Question, title: str) -> bool:
    """For a question asking what or which, whether the list item ``anchor`` alone says most of what the question
    asks beyond its article's subject and the list's heading (ITEM_OWN_SHARE of those words' weight, in words no
    other item says): "which category do shopify payments fees end up in" is the third of five bullets under "## How
    syncing works", the only one saying "fees" and "category". A question about the list as a whole ("what can I do
    offline") says nothing beyond its heading, or nothing only one item says. A few words typed as into a search box
    ask the same way ("shopify fees category", "exchange rate update time": the whole lists before; on the dev
    splits 4 answers changed, all to their one item, and on the 1,189 graded messages 3, the same)."""
    if not (asked.asks_what or asked.is_keywords) or not units[anchor].is_list_item:
        return False
    first, last = _procedure_around(units, anchor)
    topic = " ".join((title, *units[anchor].chunk.chunk.heading_path))
    beyond = {t: w for t, w in asked.beyond(topic, 0.0).items() if w > 0 and "_" not in t}
    total = sum(beyond.values())
    if total <= 0:
        return False
    said = [set(passage_terms(units[i].text)) for i in range(first, last + 1)]
    own = said[anchor - first] - set().union(*(terms for i, terms in enumerate(said) if i != anchor - first))
    return sum(w for t, w in beyond.items() if t in own) >= ITEM_OWN_SHARE * total


def _with_heading(window: list[Unit], units: Sequence[Unit], title: str, list_first: Unit | None = None) -> list[Unit]:
    """A bulleted list quoted from the top of its section, with the section's heading as its lead-in: under
    "## Things we can't refund" the bullets say what cannot be refunded, and quoted alone ("- Bank fees for currency
    conversion") they never said no to "will you refund the conversion fee?"; "What needs a connection:" says why
    "- Sending invoices" answers "can I send an invoice with no signal?". Numbered steps only under a heading that
    states a situation: "The page is blank or keeps loading:" says when "1. Reload the page" applies, and "If you
    lose your phone:" that "1. Sign in with your password and choose **Use a backup code**" is not how 2FA is set
    up; a procedure's name ("## Reset your password") says nothing its steps do not. Not when a sentence of the
    chunk leads into the list, nor when the heading is the title, nor when every item quoted is a sentence of its own
    and the heading neither negates nor states a case (see _items_say_it_all). ``list_first``: the first item of the
    list ``window`` quotes some items of (by default, its first unit)."""
    if not window or not window[0].is_list_item:
        return window
    if window[0].is_step and not _SITUATION_HEADING.search(_last_heading(window[0])):
        return window
    first = list_first or window[0]
    path = first.chunk.chunk.heading_path
    if not path or path[-1].strip().casefold() == title.strip().casefold():
        return window
    opening = next((u for u in units if u.chunk is first.chunk), None)
    if opening is None or opening.text != first.text:
        return window
    heading = _as_label(path[-1])
    if not window[0].is_step and _items_say_it_all(window) and not _heading_turns_items(first):
        # Items that are sentences say what they say without their section's name: "Availability:", "Where your
        # data is stored:" or "How to format a note instead:" over "- Notes can be up to 2,000 characters long."
        # read as a heading glued on (15 of 150 everyday dev answers graded, round 43). A heading that negates
        # or states a case turns what its items mean ("## Things we can't refund", "## If the payment is still
        # unpaid") and stays, as does the name over items that are names ("- Sending invoices").
        return _one_item_as_sentence(window)
    # A heading that asks ("## Which plan should I choose?") leads in as it is: "Which plan should I choose?:" read
    # as debris.
    colon = "" if heading.endswith(("?", "\uff1f", "!", "\uff01")) else "\uff1a" if CJK_RE.search(heading) else ":"
    return [Unit(heading + colon, False, first.chunk), *window]


# A section heading that turns what its list items mean: a negation ("Things we can't refund", "What passes don't
# cover", "Not included"), a case ("If the payment is still unpaid", "When you cancel") or an exception.
_HEADING_TURNS_ITEMS = re.compile(
    r"\b(?:not|no|never|none|without|except|excluding|unless|if|when|whenever|after|before|until|only|cannot)\b"
    r"|n['\u2019]t\b|[不没非无未别禁]|如果|除了|之前|之后",
    re.IGNORECASE,
)
# A list item that is a sentence: it ends as one ("- Notes can be up to 2,000 characters long.").
_SENTENCE_ITEM = re.compile(r"[.!?。！？]\s*$")
_MIN_SENTENCE_ITEM_WORDS = 4


# An item that goes on from the one before it: "- For anything else, email privacy@lumo.example", "- Or scan the QR
# code ...". Alone, it starts mid-thought.
_GOES_ON_FROM_BEFORE = re.compile(
    r"^-\s+(?:\*\*)?(?:for anything else|otherwise|or|also|alternatively|instead|then|this|that|these|those|both|either"
    r"|other|the rest|everything else)\b",
    re.IGNORECASE,
)


def _items_say_it_all(window: Sequence[Unit]) -> bool:
    """Whether every list item of ``window`` is a sentence of its own, not a name under its section's heading nor
    one going on from the item before it."""
    items = [u for u in window if u.is_list_item]
    return bool(items) and all(
        _SENTENCE_ITEM.search(u.text)
        and word_count(u.text) >= _MIN_SENTENCE_ITEM_WORDS
        and not _GOES_ON_FROM_BEFORE.match(u.text)
        for u in items
    )


_BULLET = re.compile(r"^\s*[-*+\u2022]\s+")


def _one_item_as_sentence(window: list[Unit]) -> list[Unit]:
    """``window`` with its one bulleted item, when it quotes only one, as the sentence it is: "Download links are
    valid for **7 days**." rather than a list of one. Not a step, nor an item under a bold label it leans on."""
    items = [u for u in window if u.is_list_item]
    if len(items) != 1 or items[0].is_step or items[0].label or not _BULLET.match(items[0].text):
        return window
    return [
        replace(u, text=_BULLET.sub("", u.text, count=1), is_list_item=False) if u is items[0] else u for u in window
    ]


def _heading_turns_items(item: Unit) -> bool:
    """Whether the heading over ``item``'s section negates or states a case (see _HEADING_TURNS_ITEMS)."""
    path = item.chunk.chunk.heading_path
    return bool(path) and bool(_HEADING_TURNS_ITEMS.search(_as_label(path[-1])))


# A manual's section number ("4.1 Starting, pausing and stopping a clean", "7. Maintenance"): the reader of an answer
# has no table of contents to look it up in.
_SECTION_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)+\.?\s+(?=\S)|^\s*\d+\.\s+(?=\S)")


def _as_label(heading: str) -> str:
    """A section heading as the label leading into what is quoted from it: without a closing colon or its section
    number ("Starting, pausing and stopping a clean", not "4.1 Starting, pausing and stopping a clean:")."""
    return _SECTION_NUMBER.sub("", heading.strip()).rstrip(":\uff1a")


def _with_items_naming_the_rest(chosen: list[Unit], items: Sequence[Unit], asked: Question, title: str) -> list[Unit]:
    """``chosen`` and, in list order, the other ``items`` naming a word of the question that none of ``chosen``
    names beyond the article's subject: "is lumo ok in safari on a windows pc or do i have to use chrome" asks
    about two of the browsers listed, and got only "Google Chrome (Windows, macOS, Linux, ChromeOS)", not "Apple
    Safari (macOS)" (round 31)."""
    beyond = asked.beyond(title, 0.0)
    named = {t for u in chosen for t in passage_terms(u.text)}
    # As rare as the rarest word the chosen items answer: a name ("safari" beside "chrome"), not a common word
    # another item happens to say ("connect" in "You can connect one PayPal account", beside "Personal PayPal
    # accounts can't be connected" for "can i connect my personal paypal?").
    rarest = max((beyond.get(t, 0.0) for t in named), default=0.0)
    rest = {
        t
        for u in items
        if u not in chosen
        for t in passage_terms(u.text)
        if t not in named and beyond.get(t, 0.0) >= rarest and beyond.get(t, 0.0) > 0
    }
    if not rest:
        return chosen
    return [u for u in items if u in chosen or rest & set(passage_terms(u.text))]


def _with_fix_heading(window: list[Unit], fix: ScoredChunk) -> list[Unit]:
    """``window`` with the fix section's heading leading into its first unit quoted ("Fix a note that shows code:"
    between the introduction's symptom and the steps): the steps come from further down the article."""
    at = next((i for i, u in enumerate(window) if u.chunk is fix), None)
    if at is None or at == 0:
        return window
    heading = _as_label(fix.chunk.heading_path[-1])
    colon = "\uff1a" if CJK_RE.search(heading) else ":"
    return [*window[:at], Unit(heading + colon, False, fix, is_label=True), *window[at:]]


def _fix_section(document: ScoredDocument) -> list[ScoredChunk]:
    """The chunk of the steps under a heading saying they fix something ("## Fix a note that shows code"), for a
    problem report whose best match is the article's introduction, which tells the symptom in the customer's words
    ("... the invoice may show pieces of code such as `<b>`, `<br>` ...") and why, and not what to do (round 31:
    "my invoices have <br> and <b> showing up all over the notes bit, looks really unprofessional"). Empty when
    the article has no such section among the chunks found."""
    return [
        c
        for c in sorted(document.chunks, key=lambda c: c.chunk.index)
        if names_a_fix(c) and any(u.is_step for u in split_units(c))
    ][:1]


def _named_procedure(document: ScoredDocument, unit: Unit) -> list[ScoredChunk]:
    """The chunk holding the steps of the procedure an introduction's sentence opens with: "Connect Stripe to let
    your customers pay invoices by card ..." and the steps under "## Connect Stripe", two sections further down.
    Asked "I want my customers to pay my invoices by card online. How do I set that up?", the introduction says
    what to do and the steps say how (it got the introduction alone). Empty when no section is so named."""
    opening = plain_text(unit.text).lower()
    return [
        c
        for c in sorted(document.chunks, key=lambda c: c.chunk.index)
        if c.chunk.heading_path
        and opening.startswith(plain_text(c.chunk.heading_path[-1]).lower() + " ")
        and any(u.is_step for u in split_units(c))
    ][:1]


def _adds_to_intro(section: ScoredChunk, intro: ScoredChunk, title: str, terms: dict[str, float]) -> bool:
    """Whether an article's first section says a word of the question that neither its introduction nor its title
    says. The introduction used to read on into that section whatever it held, which glued another topic onto a
    complete answer: "do i need business for multi currency" got "Multi-currency is part of the **Business** plan
    ..." and then the whole "## Your home currency" section, and "is stripe on the free plan" the integration's
    feature list. When the section does say more ("员工" in "员工账号可以导出数据吗", answered under "## 谁可以导出"
    by "员工（Staff）... 不能导出"), the introduction alone does not answer."""
    said = set(passage_terms(" ".join((title, intro.chunk.text))))
    return any(t in terms and t not in said for t in passage_terms(section.chunk.text))


def _named_by_intro(section: ScoredChunk, intro: ScoredChunk, title: str) -> bool:
    """Whether an article's introduction refers to what its first section's heading names, as to something known
    ("... within the refund window." before "## Refund windows"), beyond what the title says: it leans on that
    section, which says what it is. "What is the refund policy?" got only the introduction (round 40). A heading of
    one word, or named otherwise ("your reports stay in your home currency" before "## Your home currency", "The
    Stripe integration is available on all plans" before the integration's features), is not leaned on. English
    headings only: a Chinese heading's words are not delimited."""
    heading = plain_text(section.chunk.heading_path[-1]).lower() if section.chunk.heading_path else ""
    # Its words, stop words and the "s" of "app's" aside.
    named = [w for w in re.findall(r"[a-z]+", heading) if len(w) > 1 and passage_terms(w)]
    if len(named) < 2 or set(passage_terms(" ".join(named))) <= set(passage_terms(title)):
        return False
    phrase = r"[\s-]+".join(re.escape(w.removesuffix("s")) + r"\w*" for w in named)
    return re.search(rf"\bthe\s+{phrase}\b", plain_text(intro.chunk.text), re.IGNORECASE) is not None


def _amount_stated(entry: list[Unit], asked: Question, anchor_chunk: ScoredChunk, anchor: int) -> list[Unit]:
    """An FAQ answer, or only its sentence stating the amount asked for when the answer opens with something else:
    "how much file storage comes w/ plus" got the storage-full entry's "You can't upload new receipts or attachments
    until you delete files or upgrade; ..." before "Free includes 500 MB, Plus 10 GB and Business 100 GB.", and its
    first sentence answers another question."""
    units = split_units(anchor_chunk)
    if asked.quantity is None or not 0 <= anchor < len(units) or asked.states_quantity(entry[0].text):
        return entry
    stated = units[anchor]
    if stated.is_list_item or stated.is_table or not asked.states_quantity(stated.text):
        return entry
    if _MENTIONS_BEFORE.search(stated.text):
        return entry  # "Only the account Owner or an Admin can do this, and we review requests within 2 business days"
    return [u for u in entry if u.text == stated.text][:1] or entry


def _verdict_first(window: list[Unit], anchor: Unit, terms: dict[str, float]) -> list[Unit]:
    """For a yes/no question, the sentence that answers it first in its paragraph: "can a staff user change our
    plan" got "You can change your Lumo plan at any time. Only the account **Owner** and users with the **Admin**
    role can change the plan.", the answer second. Not a sentence that goes on from the one before it ("It ...",
    "... then ...", "After that, ...", after a semicolon), nor a list item or table."""
    at = next((i for i, u in enumerate(window) if u.text == anchor.text), None)
    if at is None or at == 0 or anchor.is_list_item or anchor.is_table or anchor.is_label:
        return window
    if _POINTS_BACK.match(anchor.text) or _GOES_ON.match(anchor.text) or not anchor.continues_paragraph:
        return window
    if window[at - 1].text.rstrip().endswith((";", "\uff1b")):
        return window  # the second half of a sentence ("升级立即生效，...；降级在 ...")
    opening = at
    while opening > 0 and window[opening].continues_paragraph:
        opening -= 1
    # Nor when the sentences before it say what it leaves out: "On the Free plan you can send 5 invoices per
    # calendar month." comes before "Plus and Business have no invoice limit." for "is there an invoice limit on
    # free", which names the Free plan.
    said = set(passage_terms(anchor.text))
    if any(t in terms and t not in said for u in window[opening:at] for t in passage_terms(u.text)):
        return window
    return [*window[:opening], anchor, *(u for u in window[opening:] if u is not window[at])]


# At most this many table rows quoted for their sections to follow them: more is an overview, not one row's answer.
ROWS_WITH_SECTIONS = 2


def _whole_table(table: Unit, document: ScoredDocument, terms: dict[str, float], title_terms: set[str]) -> Unit:
    """``table`` with the rows of its other parts among the document's retrieved chunks (a long table is split
    between rows, its header repeated in every part), when the rows the question names are among those: the
    anchor is the part whose best row says most of the question, which is not always the row it asks about. A
    manual's troubleshooting table: "the station isnt emptying the robot" anchored on the part with "The battery
    is empty" (it says "robot" too) and quoted its "The robot cannot find the station" row; the row "The station
    does not empty the dustbin" was in the next part. The rows are chosen from the whole table afterwards, as from
    any table; when the question names no row of it, the part stays as it is (never a whole long table)."""
    header, _rows = table_parts(table.text)
    path = table.chunk.chunk.heading_path
    rows: list[str] = []
    for chunk in sorted(document.chunks, key=lambda c: c.chunk.index):
        if chunk.chunk.heading_path != path:
            continue
        for unit in split_units(chunk):
            part_header, part_rows = table_parts(unit.text) if unit.is_table else ([], [])
            if part_header == header:
                rows.extend(row for row in part_rows if row not in rows)
    if len(rows) <= len(table_parts(table.text)[1]):
        return table
    whole = "\n".join([*header, *rows])
    return replace(table, text=whole) if select_rows(whole, terms, title_terms) != whole else table


def _row_sections(
    window: Sequence[Unit], document: ScoredDocument, anchor_chunk: ScoredChunk, skip: frozenset[str]
) -> list[Unit]:
    """The sections that a quoted table row's code heads (a list of known issues with a "### KI-244 — iPad camera
    crash" section for each): the row says what and its status, the section what to do. "ipad app crashes when
    opening camera, any workaround" got the KI-244 row alone ("Fixed in 4.12.2, waiting for App Store review"),
    and the workaround under its heading was left out."""
    table = next((u for u in window if u.is_table), None)
    if table is None:
        return []
    _header, rows = table_parts(table.text)
    if not rows or len(rows) > ROWS_WITH_SECTIONS:
        return []
    codes = [code for row in rows for code in codes_in(row_cells(row)[0] if row_cells(row) else "")]
    if not codes:
        return []
    sections = [
        c
        for c in sorted(document.chunks, key=lambda c: c.chunk.index)
        if c is not anchor_chunk and c.chunk.heading_path and holds_code(c.chunk.heading_path[-1], codes)
    ]
    return unique([u for c in sections for u in split_units(c)], skip)


def _own_task(unit: Unit, title: str, terms: dict[str, float]) -> bool:
    """Whether a step is a task of its own in a list of tasks the question is not about: the article's title and the
    step's headings share no word with the question, and the step says most of it. "how do i run a profit and loss
    report" got the whole nine-step year-end checklist for its step 7, "Run Reports > Profit and loss ..." (round
    41): like a question asking where (_window's one_step), it is answered by that step and the place it goes to."""
    if not unit.is_step or overlap(" ".join((title, *unit.chunk.chunk.heading_path)), terms) > 0:
        return False
    return unit_overlap(unit, terms) >= 0.5 * sum(terms.values())


def _procedure_around(units: Sequence[Unit], step: int) -> tuple[int, int]:
    """The first and last index of the run of list items holding ``step``."""
    first = last = step
    while first > 0 and units[first - 1].is_list_item:
        first -= 1
    while last + 1 < len(units) and units[last + 1].is_list_item:
        last += 1
    return first, last


def _last_heading(unit: Unit) -> str:
    path = unit.chunk.chunk.heading_path
    return path[-1].strip() if path else ""


def _best_chunk(units: Sequence[Unit]) -> ScoredChunk:
    return max(units, key=lambda u: u.chunk.score).chunk


def _closeness(chunk: ScoredChunk, like: tuple[str, float] | None = None) -> tuple[str, float]:
    """How close a chunk is to the question: its dense cosine when it has one (and the reference used it too),
    else its fused score."""
    if chunk.dense_score is not None and (like is None or like[0] == "dense"):
        return "dense", chunk.dense_score
    if like is not None and like[0] == "dense":
        return "dense", 0.0  # found by keywords only, while the first passage was close in meaning
    return "fused", chunk.score


def _header_and_row_names(table: str) -> set[str]:
    """The terms of a table's header and of its rows' first cells: what the quoted part of it is named by."""
    header, rows = table_parts(table)
    names = [*row_cells(header[0])] if header else []
    names += [row_cells(row)[0] for row in rows if row_cells(row)]
    return set(passage_terms(" ".join(names)))


def _terms_of(unit: Unit) -> set[str]:
    return set(passage_terms(unit.text))
