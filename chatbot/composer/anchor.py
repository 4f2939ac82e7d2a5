"""The anchor of an answer: the sentence, list item or table of an article that answers the question best.

Each quotable unit of the article's best few chunks scores what it says of the question (its rare words, weighted),
plus bonuses for what the question asks for (steps for "how do I ...?", a quantity for "how long ...?", a role for
"who ...?") and minus penalties for what it is not (a section about another word than the one the question turns
on, steps the customer has already taken, a section far from the question in meaning). The composer
(extractive.py) then quotes a window around the anchor. Every bonus and penalty below is there for a failure seen
on the development questions, named beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chatbot.actions import for_another_purpose
from chatbot.composer.headings import (
    for_another_action,
    for_stated_case,
    for_unstated_case,
    gives_reasons,
    heading_focus,
    heading_says,
    names_a_fix,
    names_action,
    performs,
)
from chatbot.composer.question import Question, holds_code, overlap, states_money, unit_overlap
from chatbot.composer.settings import ComposerSettings
from chatbot.composer.units import (
    Unit,
    fresh,
    is_lead_in,
    lists_contents,
    only_points_elsewhere,
    points_at_table,
    promises_more,
    row_cells,
    split_units,
    table_parts,
)
from chatbot.keyword import passage_terms
from chatbot.types import ScoredChunk, ScoredDocument


@dataclass(frozen=True)
class Anchor:
    chunk: ScoredChunk
    index: int  # the anchor's place among split_units(chunk)


def find_anchor(
    settings: ComposerSettings,
    document: ScoredDocument,
    asked: Question,
    skip: frozenset[str] = frozenset(),
    steps_only: bool = False,
) -> Anchor | None:
    """The best unit of ``document`` for ``asked``, among units not in ``skip`` (already quoted); ``steps_only``:
    only a numbered step may be the anchor. None when no unit qualifies."""
    asked = asked.weighing_down_situation()
    search = _AnchorSearch.over(settings, document, asked)
    # (score, tie-break (see tie_break), -unit index) of the best anchor.
    best: tuple[float, float, int, int] | None = None
    anchor: Anchor | None = None
    for rank, chunk in enumerate(search.chunks):
        heading_match = heading_says(chunk, asked, search.heading_terms)
        chunk_units = split_units(chunk)
        for i, whole in enumerate(chunk_units):
            unit = fresh(whole, skip)
            if (
                unit is None
                or points_at_table(unit.text)
                # It says where the answer is, and the citation would link to this article, not to that one.
                or only_points_elsewhere(unit)
                or lists_contents(unit.text)
                or promises_more(unit.text)
                or (steps_only and not unit.is_step)
            ):
                continue
            score = search.score(unit, chunk_units[i + 1 : i + 2], chunk, rank, heading_match)
            key = (round(score, 9), *tie_break(chunk, rank, asked), -i)
            if best is None or key > best:
                best, anchor = key, Anchor(chunk, i)
    return anchor


def _asks_title(title: str, terms: dict[str, float], share: float) -> bool:
    """Whether the question says at least ``share`` of the title's words (word pairs aside)."""
    words = {t for t in passage_terms(title) if "_" not in t}
    asked = {t for t, weight in terms.items() if weight > 0}
    return bool(words) and len(words & asked) >= share * len(words)


def _symptom_match(table: str, terms: dict[str, float]) -> float:
    """How much of ``terms`` the first cell of a table's best-matching row says."""
    _header, rows = table_parts(table)
    return max((overlap(row_cells(row)[0], terms) for row in rows), default=0.0)


@dataclass(frozen=True)
class _AnchorSearch:
    """What scoring the units of one article for one question needs, worked out once."""

    settings: ComposerSettings
    asked: Question
    chunks: list[ScoredChunk]  # where the anchor is looked for, best first
    anchor_terms: dict[str, float]  # the words a unit's own text is scored on
    heading_terms: dict[str, float]  # ... and the words its headings are
    question_weight: float
    step_bonus: float
    action: frozenset[str]  # the asked action, when the article names it (see over)
    opening_bonus: float
    focus: str | None  # the word the question turns on, when a heading names it (see over)
    closeness_weight: float
    closest: float  # the best cosine among the chunks, and the worst (a chunk found by keywords only counts so)
    farthest: float
    heading_names_it: list[bool]  # per chunk: its heading names the question, so closeness does not count
    defers: list[bool]  # per chunk: it ends by promising the sections below (see _defers)

    @classmethod
    def over(cls, settings: ComposerSettings, document: ScoredDocument, asked: Question) -> _AnchorSearch:
        terms, is_how_to = asked.terms, asked.is_how_to
        # The anchor is looked for in the article's best few chunks (the best by fused score may be its
        # title-heavy introduction); a chunk's headings count too, since "## Connect a bank account" says what the
        # steps below it are for. The window then stays in the anchor's chunk and the chunk that follows it in the
        # same section: stitching two parts of an article would join an introduction to another procedure's steps.
        ranked = sorted(document.chunks, key=lambda c: c.score, reverse=True)
        chunks = ranked[: settings.anchor_chunks]
        # A section long enough to be split into several chunks is searched whole: "can lumo categorise
        # transactions automatically" found the end of "## What to do with imported transactions" among the best
        # chunks, and quoted "Lumo fetches new transactions automatically every 6 hours" from another section,
        # while "Create a rule so that future transactions ... are categorised automatically" sat in the
        # section's first chunk, ranked fifth.
        sections = {c.chunk.heading_path for c in chunks if c.chunk.heading_path}
        chunks += [c for c in ranked[settings.anchor_chunks :] if c.chunk.heading_path in sections]
        if asked.is_cjk:
            # The opening of a Chinese article says what its subject is ("黄昆岩（），台湾新竹人，..."), and is the
            # anchor when nothing else matches the question beyond that subject: it is looked at even when ranked low.
            chunks += [c for c in ranked[settings.anchor_chunks :] if c.chunk.index == 0]
        if is_how_to:
            named = settings.how_to_heading_share * sum(terms.values())
            chunks += [
                c
                for c in ranked[settings.anchor_chunks :]
                if c.chunk.heading_path and heading_says(c, asked, terms) >= named
            ]
        if asked.asks_price:
            # "business plan price": the prices table is one long chunk, which keyword search ranks below the
            # article's short sections naming the plan ("Besides the limits in the table, the Business plan
            # adds:" was quoted). A chunk stating an amount of money is looked at, however it ranked.
            chunks += [c for c in ranked[settings.anchor_chunks :] if c not in chunks and states_money(c.chunk.text)]
        # "How do I ...?" asks for steps: a numbered step is a better anchor than prose or bullets about the topic.
        step_bonus = settings.step_bonus * sum(terms.values()) if is_how_to else 0.0
        # ... but not the steps of another action on the same object, when the article names the one asked for:
        # "How do I delete a bank account?" got the steps under "Connect a bank account" (they share "bank
        # account"), while "To remove the account and its transactions completely, choose Delete account" is
        # further down. Steps under a heading that starts with another action's verb, and that never name the
        # asked one, get no bonus then ("Invite a user" may be "add a user" in other words: it keeps it).
        action = asked.action if is_how_to and names_action(chunks, asked.action) else frozenset()
        # A yes/no question about what the title names ("Can I use Lumo offline?" and "Using Lumo offline"): the
        # article's opening says whether and how, before any detail further down. Only when the title says most of
        # what is asked: "Does Lumo calculate US state sales tax?" names the subject of "Setting up VAT and sales
        # tax", and its opening ("Lumo calculates VAT ...") was quoted over "Lumo doesn't look up or calculate
        # state or city rates" further down. And only when the opening itself says enough of it
        # (opening_text_share): "is there an android app" of "The Lumo mobile apps for iPhone, iPad and Android" got
        # "The Lumo apps are free on every plan", not the requirements table's Android row.
        title_match = overlap(document.title, terms)
        names_question = title_match >= settings.opening_title_share * sum(terms.values())
        opening = next((c.chunk.text for c in document.chunks if c.chunk.index == 0), "")
        opening_says = overlap(opening, terms) >= settings.opening_text_share * sum(terms.values()) or _asks_title(
            document.title, terms, settings.opening_title_asked_share
        )
        opening_bonus = (
            settings.heading_weight * title_match if asked.is_yes_no and names_question and opening_says else 0.0
        )
        question_weight = sum(terms.values())
        anchor_terms = asked.beyond(document.title, settings.cjk_topic_weight) if asked.is_cjk else terms
        # Headings name procedures ("## Connect a bank account"): for a how-to question every word they share with
        # it counts. For any other question only the words beyond the article's own subject do: every section of
        # "Turning on two-factor authentication (2FA)" is about 2FA, but "## How many users you can add" says which
        # section answers "how many people can I add on the Free plan?" (its table, not the article's opening).
        heading_terms = terms if is_how_to else asked.beyond(document.title, 0.0)
        # The question's rarest word beyond the article's subject says what it asks about: "default" in "when are
        # reminders sent by default", "summary" in "does shopify sync every order or just a summary". When the
        # heading of a retrieved section names it ("## Default reminder schedule"), a unit that neither says it nor
        # sits under a heading that does is about something else, however many of the commoner words (and their
        # word pairs) it shares: "Reminders apply to all unpaid invoices, including ones sent before ..." scored
        # 7.0 ("reminders", "sent") over the schedule's lead-in at 5.9 ("reminders" and half of the heading's
        # "default"), and "New orders, refunds and payouts sync every 15 minutes" 13.5 (with the pair "sync every")
        # over the modes table under "## Per-order or daily summary" at 9.0. Such a unit loses the word's weight.
        # (First it could be the anchor only when no unit said the word; then "what email address do invoices get
        # sent from" lost "The email comes from invoices@lumo.example" (9.8) to "A sent invoice can't be deleted"
        # (4.6) under "## Change or cancel a sent invoice": "sent" (3.2) was barely rarer than "address" (3.0).)
        # Dev splits: no answer changed (E-Manual, CMRC2018 and StackFAQ pages have no
        # headings). Sample help centre: of 120 earlier QA questions those two changed, both to the right section;
        # of 56 new ones four, all better ("does stripe sync refunds": "Sync and history" -> "## Refunds issued in
        # Stripe"; "what happens after i close my account": the closing steps -> what happens after). The same
        # rule with no heading needed (the unit itself must say the word) was worse: E-Manual dev ROUGE-L 0.510 ->
        # 0.506 (5 answers changed), and "my bank isnt listed" got the error-code table.
        # Not for a how-to question: its rarest word is often the verb, which the procedure's heading may say in
        # other words ("## Invite a user" for "how do I add another user?", while "## How many users you can add"
        # says "add"); the step bonus and the action rule above pick its steps. Not fixed this way either: "what
        # file types can i upload for receipts" quotes "you can still upload receipts ... you type the details
        # yourself" (14.0) over "## Supported files" (4.4), which never says "type".
        focus = None if is_how_to else heading_focus(chunks, asked, document.title)
        closeness_weight = 0.0 if asked.is_cjk else settings.closeness_weight * question_weight
        cosines = [c.dense_score for c in chunks if c.dense_score is not None]
        # A chunk found by keywords alone counts as the farthest of those found in meaning. A section whose heading
        # says the whole question, or names its focus (above), is not measured so: it is what the question asks
        # about, however its text reads to the model ("turn on 2fa" and "## Turn on 2FA with an authenticator
        # app": 0.44, the article's introduction 0.66; "## Per-order or daily summary" 0.62 and "## How syncing
        # works" 0.66 for "does shopify sync every order or just a summary"). For a how-to question, neither is a
        # procedure whose heading says as much as brought it in above (how_to_heading_share).
        names_enough = settings.how_to_heading_share * question_weight if is_how_to else question_weight
        heading_names_it = [
            heading_says(c, asked, terms) >= names_enough
            or (focus is not None and focus in passage_terms(" ".join(c.chunk.heading_path)))
            for c in chunks
        ]
        return cls(
            settings=settings,
            asked=asked,
            chunks=chunks,
            anchor_terms=anchor_terms,
            heading_terms=heading_terms,
            question_weight=question_weight,
            step_bonus=step_bonus,
            action=action,
            opening_bonus=opening_bonus,
            focus=focus,
            closeness_weight=closeness_weight,
            closest=max(cosines, default=0.0),
            farthest=min(cosines, default=0.0),
            heading_names_it=heading_names_it,
            defers=[_defers(c) for c in chunks],
        )

    def score(
        self, unit: Unit, following: Sequence[Unit], chunk: ScoredChunk, rank: int, heading_match: float
    ) -> float:
        """What ``unit`` (of ``chunk``, the ``rank``-th searched; ``following``: the unit after it) says of the
        question, with its bonuses and penalties; ``heading_match``: what the chunk's headings say of it."""
        match = unit_overlap(unit, self.anchor_terms)
        return match + self._bonus(unit, following, chunk, match, heading_match) - self._penalty(unit, chunk, rank)

    def _bonus(
        self, unit: Unit, following: Sequence[Unit], chunk: ScoredChunk, match: float, heading_match: float
    ) -> float:
        asked, settings, weight = self.asked, self.settings, self.question_weight
        terms = asked.terms
        # A step's bonus is at most what the step, or the heading over its procedure, says of the
        # question: "6. Click Save as draft" under "Create an invoice" (one word of "How do I delete a draft
        # invoice?") outranked "Drafts can be deleted at any time from Invoices > Drafts", which says all of
        # it; "1. Go to Settings > Security" under "Turn on 2FA with an authenticator app" keeps its bonus.
        # Dev splits: no answer changed.
        another_action = bool(self.action) and for_another_action(unit, chunk, self.action)
        if another_action:
            # ... nor does the heading of another action's procedure count for a unit that names neither:
            # "## Connect a bank account" says "bank account" of "how do I remove a bank account", and its "1. Go to
            # **Banking > Bank accounts**." was quoted with the rest of the connecting steps (0.73, round 39).
            heading_match = 0.0
        steps_bonus = 0.0
        if unit.is_step and not another_action:
            steps_bonus = min(self.step_bonus, max(match, heading_match))
        bonus = settings.heading_weight * heading_match + steps_bonus
        # A section for the case the customer tells is theirs: its heading counts as much as the unit's own words.
        if for_stated_case(chunk, terms):
            bonus += settings.heading_weight * heading_match
        # A lead-in states what its list does ("then retry automatically:" before "1. **Day 3** ...").
        stated = following if is_lead_in(unit) else []
        if any(asked.states_quantity(u.text) for u in (unit, *stated)):
            bonus += min(settings.quantity_bonus * sum(terms.values()), match)
        if asked.asks_price and states_money(unit.text):
            bonus += min(settings.price_bonus * weight, match)
        # A count of the very thing asked about is the answer, whatever other words a sentence shares.
        bonus += weight if asked.states_count(unit.text) else 0.0
        # ... and so is, for "who ...?", a sentence naming a role (see who_bonus).
        if asked.names_person(unit.text) and unit_overlap(unit, terms) > 0:
            bonus += settings.who_bonus * sum(terms.values())
        # ... and, for something refused or missing, a sentence stating a limit or a condition.
        if asked.states_condition(unit.text) and unit_overlap(unit, terms) > 0:
            bonus += settings.condition_bonus * sum(terms.values())
        # ... and, for something that stopped working, a unit under a heading about fixing it.
        if asked.reports_problem and match > 0 and names_a_fix(chunk):
            bonus += settings.fix_bonus * sum(terms.values())
            if unit.is_table:
                # A troubleshooting table's first column names the symptoms ("| The robot does not charge | Dirty
                # charging contacts | Wipe ..."): the row the problem matches there is that case's own heading.
                # "robot wont charge" got the first-charge steps, under a heading saying "Charging" (round 39, a
                # robot vacuum's manual). Not its other cells: "qr code wont scan" is no "| Vehicle not found | The
                # code you typed doesn't exist |" (an unseen help centre's dev splits: a worse answer).
                bonus += settings.heading_weight * _symptom_match(unit.text, terms)
        if asked.cases and match > 0 and asked.cases & set(passage_terms(unit.text)):
            # A yes/no question about one case of what the tables compare ("can i pay with paypal in rotterdam",
            # "im a student in valencia, do i get a discount") is answered by what says which cases it holds for
            # ("- PayPal (Lisbon, Porto and Valencia)", "| University students | Lisbon and Porto |"): the steps to
            # add PayPal or to apply for the discount read as "yes", and the answer is no (round 41, a grading of
            # the dev answers). Such a unit answers, as a count of the very thing asked does (below), whatever else
            # shares more words: "2. Tap **Add payment method** ... or choose Apple Pay, Google Pay or PayPal" says
            # "pay" and "paypal" side by side.
            bonus += weight
        bonus += self.opening_bonus if chunk.chunk.index == 0 else 0.0
        bonus += _compares(unit, asked)
        # A code ("KI-231") is worth the whole question: the passage holding it is about exactly that.
        bonus += weight if holds_code(unit.text, asked.codes) else 0.0
        return bonus

    def _penalty(self, unit: Unit, chunk: ScoredChunk, rank: int) -> float:
        asked, focus = self.asked, self.focus
        says_focus = (
            focus is None
            or focus in passage_terms(" ".join((unit.text, *chunk.chunk.heading_path)))
            or holds_code(unit.text, asked.codes)
        )
        penalty = 0.0 if says_focus else asked.terms.get(focus or "", 0.0)
        # "I disconnected the bank feed, are the old transactions still there?": the steps to disconnect
        # say most of the question ("disconnect", "feed") and are what the customer has already done; the
        # sentence after them answers. Such a step is the anchor only when nothing else in the article is.
        # Dev splits: no answer changed; of 100 blind sample help centre questions, one, to the right one.
        # So are the steps for a case a set-up question does not state ("## If you lose your phone" for "how
        # do I set up 2FA?"). Dev splits: no answer changed; sample help centre: one of 337, to the right one.
        # Only for setting up: "how do I use a backup code?" is answered by the lost-phone steps.
        unstated = bool(asked.set_up) and for_unstated_case(chunk, asked.terms)
        if unit.is_step and (performs(chunk, asked.done) or unstated):
            penalty += self.question_weight
        # A sentence for another action's purpose names the asked one in passing: "how do i reconcile transactions"
        # got "To remove the account and its transactions completely, choose **Delete account** instead - this is
        # only possible if none of its transactions are reconciled.", with the disconnecting steps before it (round
        # 41). Its word for the asked action does not count.
        if self.action and for_another_purpose(unit.text, self.action):
            penalty += sum(asked.terms.get(stem, 0.0) for stem in self.action)
        # "... declined, what happens now?" asks what follows: a section giving reasons answers "why". Nor does an
        # introduction that ends by promising the sections below ("Here's what happens and how to fix it.").
        if (asked.asks_consequence and gives_reasons(chunk)) or self.defers[rank]:
            penalty += self.question_weight
        if not self.heading_names_it[rank]:
            cosine = chunk.dense_score if chunk.dense_score is not None else self.farthest
            penalty += self.closeness_weight * (self.closest - cosine)
        return penalty


def _defers(chunk: ScoredChunk) -> bool:
    """Whether ``chunk`` ends with a sentence promising what the sections after it say (see promises_more)."""
    units = split_units(chunk)
    return bool(units) and promises_more(units[-1].text)


def _compares(unit: Unit, asked: Question) -> float:
    """For a comparison, the weight of the compared words ``unit`` says when it names both sides (a table with a
    row for each: "is the authenticator app better than sms?" got the app's set-up steps; the methods table says
    which is recommended); else 0."""
    if asked.sides is None:
        return 0.0
    # A table names the sides in its rows, one per row; sides that are only its columns ("| Action | Owner |
    # Admin | Accountant |") make a grid of every role, not the two asked about.
    said = set(passage_terms("\n".join(table_parts(unit.text)[1]) if unit.is_table else unit.text))
    if not all(side & said for side in asked.sides):
        return 0.0
    return sum(asked.terms.get(t, 0.0) for side in asked.sides for t in side & said)


def closeness_in_meaning(chunk: ScoredChunk) -> float:
    """A chunk's dense cosine; -1 for one found by keywords only."""
    return chunk.dense_score if chunk.dense_score is not None else -1.0


def tie_break(chunk: ScoredChunk, rank: int, asked: Question) -> tuple[float, int]:
    """Between anchors that match equally: the chunk closer in meaning (two procedures opening with the same
    "1. Go to Settings > Users"), or, for a Chinese question, the earlier part of the article: its opening says
    what its subject is, which answers what nothing else in it matches ("什么是月代？")."""
    if asked.is_cjk:
        return -chunk.chunk.index, -rank
    return closeness_in_meaning(chunk), -rank
