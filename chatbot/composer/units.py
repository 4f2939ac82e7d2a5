"""A chunk's quotable units (sentences, list items, whole tables), what was quoted already, units as answer text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from chatbot.captions import is_figure_caption
from chatbot.composer.records import as_record
from chatbot.language import CJK_RE
from chatbot.types import ScoredChunk

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|(?<=[。！？；])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|[a-z][.)])\s+")
_TABLE_ROW = re.compile(r"^\s*\|")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")
_HEADING = re.compile(r"^#{1,6}\s+\S")
# A line in bold and nothing else labels what follows it ("**iPhone and iPad**" over one platform's steps, "**Android**"
# over the other's): a sub-heading the article wrote as bold text.
_LABEL = re.compile(r"^\*\*([^*]+)\*\*\s*[:\uff1a]?$")
_NUMBERED_STEP = re.compile(r"^\s*(\d+)[.)、]\s*")
# A numbered item opening with a bold label ("1. **Days 1–30 (grace period):** the account is deactivated ..."): a
# stage of a timeline, not a step to take. Counted as a step, "delete company account permanently" got the
# timeline after closing an account instead of the steps to close it (round 31).
_LABELLED_ITEM = re.compile(r"^\s*\d+[.)、]\s*\*\*[^*]{1,60}?[:：]\*\*")
_TERMINAL = re.compile(r"[.!?:;。！？；：]$")
# Table cells that a PDF extractor wrote one per line ("Plan", "Monthly", "EUR 12", ...): three or more short
# lines in a row, none of them a finished sentence. Quoted, they would read as one run-on "sentence".
_CELL_LINE_WORDS = 6
_CELL_RUN = 3


@dataclass(frozen=True)
class Unit:
    """A sentence, a list item or a whole table of a chunk, in reading order."""

    text: str
    is_list_item: bool  # a list item: kept whole, never merged into a sentence run
    chunk: ScoredChunk
    is_step: bool = False  # a numbered step ("1.", "2)"): what a how-to question asks for
    is_table: bool = False  # a Markdown table (header, rule, rows): quoted whole or not at all
    continues_paragraph: bool = False  # a sentence after the first of its paragraph (line): not where a reader starts
    is_label: bool = False  # a bold line labelling what follows it (see _LABEL)
    label: str = ""  # a list item's label: the bold line over its list ("iPhone and iPad")


# A sentence pointing at a table ("see the table below"): left out with the table it points at.
_TABLE_REFERENCE = re.compile(
    r"\btables? (below|above)\b|\b(following|this|the above) tables?\b|下表|上表|如下表", re.IGNORECASE
)


# A sentence listing what a page covers ("This guide explains how to connect a bank, how often transactions
# arrive, ..."): it names every section's topic, so it matched questions that a section answers, and says nothing.
_OVERVIEW = re.compile(
    r"^\s*(?:this|the following) (?:(?:guide|article|page|section|document|chapter)s? (?:also )?"
    r"(?:explains|describes|covers|shows|lists|walks you through|tells you|helps)"
    # Not "This overview shows your income and expenses": a screen of the product.
    r"|overview (?:also )?(?:explains|describes|covers|walks you through))\b",
    re.IGNORECASE,
)
# ... it is never the anchor, and a guide's or article's is not quoted beside one either ("my bank feed stopped
# updating" got the introduction with it). "This page shows your unpaid invoices" may be about a screen of the
# product, and "This section lists the charges we can't refund:" leads in its list: those stay. "This overview
# explains how Lumo Labs keeps it safe." was the answer to "Is my data safe?" (round 40).
_GUIDE_OVERVIEW = re.compile(r"^\s*(?:this|the following) (?:guide|article|overview)s? ", re.IGNORECASE)


# A sentence promising what the sections below say ("Here's what happens and how to fix it."): an introduction
# ending so defers its answer to them, and quoted alone it says nothing ("what happens if my card expires" got the
# introduction, which shares "what happens" with it). "Here's how:" ends with a colon: a lead-in.
_PROMISE = re.compile(r"^\s*here(?:'s|\u2019s| is) (?:what|how|why)\b[^:\uff1a]*$", re.IGNORECASE)


def promises_more(text: str) -> bool:
    """Whether a sentence promises what follows it in other sections (see _PROMISE)."""
    return bool(_PROMISE.match(text))


def points_at_table(text: str) -> bool:
    """Whether a sentence points at a table ("see the table below")."""
    return bool(_TABLE_REFERENCE.search(text))


# A sentence sending the reader to another article ("Returning an item to an online shop uses different prices and
# limits: see *Returning an item to an online shop*."): under a table of sending prices it answers nothing asked
# (an unseen FAQ help centre, round 33). The citation links to the article it is in, not to the one it names.
_ANOTHER_ARTICLE = re.compile(
    r"\bsee\s+(?:\*[^*]+\*|\[[^\]]+\]\([^)]*\)|(?:our|the)\s+(?:[\w'-]+\s+){0,5}?(?:article|guide|page|section))"
    # ... or a title in quotes, when "see" tells the reader to ("For privacy questions, see 'Privacy, GDPR and where
    # your data is stored'."), not when it tells what they see ("If you see 'Connection expired', reconnect").
    # The title ends the sentence: "When the sync ends, see 'Synced' next to the account" tells what is shown.
    r"|(?:^|[,:;(]\s*|\bplease\s+|\bdetails\s+)see\s+(?:'[^']+'|\"[^\"]+\"|\u2018[^\u2019]+\u2019|\u201c[^\u201d]+\u201d)"
    r"\s*[.)]?\s*$",
    re.IGNORECASE,
)


def points_at_another_article(text: str) -> bool:
    """Whether a sentence sends the reader to another article or page (see _ANOTHER_ARTICLE)."""
    return bool(_ANOTHER_ARTICLE.search(text))


# ... and says nothing else: "See ..." or "For privacy and GDPR questions, see ...", not "Usually an unpaid
# subscription; see [What happens when a payment fails](...)".
_ONLY_SENDS = re.compile(r"^\s*(?:(?:for|to|if)\b[^.;:]*?,?\s+)?(?:please\s+)?see\b", re.IGNORECASE)


def only_points_elsewhere(unit: Unit) -> bool:
    """Whether ``unit`` is a sentence whose only message is which other article to read (see _ONLY_SENDS)."""
    return (
        not (unit.is_table or unit.is_list_item)
        and bool(_ONLY_SENDS.match(unit.text))
        and points_at_another_article(unit.text)
    )


def lists_contents(text: str) -> bool:
    """Whether a sentence lists what its page or section covers (see _OVERVIEW)."""
    return bool(_OVERVIEW.match(text))


def about_the_guide(unit: Unit) -> bool:
    """Whether ``unit`` is a guide's or article's list of what it covers (see _GUIDE_OVERVIEW)."""
    return bool(_OVERVIEW.match(unit.text) and _GUIDE_OVERVIEW.match(unit.text)) and not is_lead_in(unit)


def is_lead_in(unit: Unit) -> bool:
    """A sentence that introduces what follows it ("Lumo uses this schedule:", "分为三类："), or a bold label."""
    return unit.is_label or (
        not unit.is_table and not unit.is_list_item and unit.text.rstrip().endswith((":", "\uff1a"))
    )


def step_number(unit: Unit) -> int | None:
    """The number of a numbered step ("7. Run Reports ..." -> 7); None for any other unit."""
    match = _NUMBERED_STEP.match(unit.text) if unit.is_step else None
    return int(match.group(1)) if match else None


def without_step_number(text: str) -> str:
    """``text`` without the number that opens a numbered step ("7. Run Reports" -> "Run Reports")."""
    return _NUMBERED_STEP.sub("", text, count=1)


def word_count(text: str, cjk_chars_per_word: float = 1.0) -> float:
    """Latin-script words and numbers, plus Chinese characters counted ``cjk_chars_per_word`` to a word (Chinese
    is written without spaces; answer budgets use ComposerSettings.cjk_chars_per_word)."""
    return len(CJK_RE.findall(text)) / cjk_chars_per_word + len(re.findall(r"[A-Za-z0-9]+", text))


def split_units(chunk: ScoredChunk) -> list[Unit]:
    units: list[Unit] = []
    text = chunk.chunk.text
    if chunk.chunk.kind == "faq" and text.startswith(chunk.chunk.title):
        text = text[len(chunk.chunk.title) :]  # an FAQ chunk is "question\n\nanswer": quote the answer only
    label = ""  # the label over the lists that follow, until a paragraph of text or a heading ends it
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
            if i - 1 in cells or _HEADING.match(line) or is_figure_caption(line):
                label = ""
                continue  # not quotable: cells of a flattened table, a heading (it would run into the text) or a
                # figure's caption (chatbot/captions.py)
            if _LIST_ITEM.match(line):
                is_step = bool(_NUMBERED_STEP.match(line)) and not _LABELLED_ITEM.match(line)
                units.append(Unit(line, True, chunk, is_step=is_step, label=label))
                continue
            labelled = _LABEL.match(line)
            if labelled:
                label = labelled.group(1).strip()
                units.append(Unit(line, False, chunk, is_label=True))
                continue
            label = ""
            sentences = [sentence.strip() for sentence in _SENTENCE_END.split(line) if sentence.strip()]
            for n, sentence in enumerate(sentences):
                units.append(Unit(sentence, False, chunk, continues_paragraph=n > 0))
    return _statements_are_no_steps(units)


# A numbered item that states something rather than telling what to do: it opens with a subject ("An independent
# company tests ...", "We reply within 2 business days ...") where a step opens with a verb ("Go to", "Click").
# In bold too: "1. **Your safe place**, if you've set one." of the options a driver works through is no step (round
# 43: "how do i set a safe place" got that list over the FAQ entry saying where to set one).
_STATEMENT_START = re.compile(
    r"^\s*\d+[.)、]\s*(?:\*\*|__)?(?:a|an|we|our|your|its|they|their|these|those|most|some|all|each|every)\s",
    re.IGNORECASE,
)


def _statements_are_no_steps(units: list[Unit]) -> list[Unit]:
    """``units`` with the numbered items of a list that mostly states things marked as no steps: the security page's
    "Testing and reporting vulnerabilities" ("1. An independent company tests Lumo's web app ...", "3. We reply
    within 2 business days ...") got the step bonus for "How do I give my accountant access to our Lumo?" and was
    quoted over the invite steps (round 31). A procedure with a statement among its steps ("4. You're sent back to
    Lumo.") stays one."""
    result = list(units)
    i = 0
    while i < len(result):
        if not result[i].is_step:
            i += 1
            continue
        end = i
        while end < len(result) and result[end].is_step:
            end += 1
        run = result[i:end]
        if 2 * sum(1 for u in run if _STATEMENT_START.match(u.text)) >= len(run):
            result[i:end] = [replace(u, is_step=False) for u in run]
        i = end
    return result


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
    columns = max(len(row_cells(row)) for row in rows)
    return "\n".join([rows[0], "|" + "---|" * columns, *rows[1:]])


def row_cells(row: str) -> list[str]:
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", inner)]


def table_parts(table: str) -> tuple[list[str], list[str]]:
    """(header and rule lines, body rows) of a table unit's text."""
    lines = table.splitlines()
    if len(lines) > 1 and _TABLE_RULE.match(lines[1]):
        return lines[:2], lines[2:]
    return lines[:1], lines[1:]


# --------------------------------------------------------------------------------------------------------------
# What an earlier answer quoted: neither an anchor nor quoted again.


# Markup and punctuation: not what a line says.
_NOT_A_WORD = re.compile(r"[^\w\s]")


def normalised(text: str) -> str:
    """A line's words, lower-cased: the same sentence quoted from an FAQ entry and from an article reads the same
    ("... the European Union: our primary data centre ..." and "- ... the **European Union**. Our primary data
    centre ..."); a second passage repeated it word for word. A line of punctuation alone stays as it is: "》。" after
    a sentence cut at "！" is no repeat of another such line."""
    lowered = text.lower()
    return " ".join(_NOT_A_WORD.sub(" ", lowered).split()) or " ".join(lowered.split())


def unique(units: Sequence[Unit], skip: frozenset[str]) -> list[Unit]:
    """Units in order without repeats: neighbouring chunks overlap, and nothing already quoted is quoted again."""
    seen = set(skip)
    out: list[Unit] = []
    for whole in units:
        unit = fresh(whole, skip)
        key = normalised(whole.text)
        if unit is None or key in seen:
            continue
        seen.add(key)
        out.append(unit)
    return out


def fresh(unit: Unit, skip: frozenset[str]) -> Unit | None:
    """``unit`` unless it was quoted already (``skip`` holds normalised quoted lines and sentences); a table loses
    the body rows already quoted, and is dropped when none is left."""
    if not skip:
        return unit
    if not unit.is_table:
        return None if normalised(unit.text) in skip else unit
    header, rows = table_parts(unit.text)
    left = [row for row in rows if not _row_quoted(header[0], row, skip)]
    if not left:
        return None
    return unit if len(left) == len(rows) else replace(unit, text="\n".join([*header, *left]))


def _row_quoted(header: str, row: str, skip: frozenset[str]) -> bool:
    """Whether ``row`` was quoted already: as a table row, or alone as its record (see records.py)."""
    if normalised(row) in skip:
        return True
    record = as_record(row_cells(header), row_cells(row))
    return record is not None and quoted_lines(record) <= skip


def quoted_lines(answer: str) -> frozenset[str]:
    """The normalised sentences, list items and table rows of an answer (its [n] markers removed)."""
    found: set[str] = set()
    for raw in re.sub(r"\s*\[\d+\]", "", answer).splitlines():
        line = raw.strip()
        if not line:
            continue
        if _TABLE_ROW.match(line) or _LIST_ITEM.match(line):
            found.add(normalised(line))
        else:
            found.update(normalised(s) for s in _SENTENCE_END.split(line) if s.strip())
    return frozenset(found)


# --------------------------------------------------------------------------------------------------------------
# Units as answer text.


# A pointer to another part of the article, in brackets ("choose how to record sales (see below)", "Renew consent
# (see above)", "Choose which version to keep (see Conflicts below)", "(see [Pair the remote](#pair-the-remote)
# below)"), or to a manual's numbered section ("(see 7.4)", round 43): out of the article, above and below are not
# there, and the reader of an answer has no table of contents. The citation links to the article.
_POINTER = re.compile(
    r"\s*\((?:see|as (?:described|explained|shown))\s+"
    r"(?:(?:\[[^\]\n]{1,60}\]\([^()\s]*\)|[^()\n]{1,40}?)\s+)?(?:above|below|earlier|later)(?:\s+for details)?\)"
    r"|\s*\(see\s+(?:section\s+|chapter\s+|§\s*)?\d+(?:\.\d+)*\)",
    re.IGNORECASE,
)


# The same for the article's own flow: "If nothing here helps, send a sync report" (after the fixes above it, which
# are not quoted) and "Create test keys on the same screen by turning on **Sandbox**" (the screen of the steps
# before it). Quoted, "here" and "the same screen" point nowhere.
_IF_NOTHING_HELPS = re.compile(r"^if nothing (?:here|above|else)(?: on this page)? (?:helps|works)\s*,\s*", re.I)
_SAME_SCREEN = re.compile(r"\s+on the same (?:screen|page)\b", re.IGNORECASE)


def _out_of_context(text: str) -> str:
    text = _SAME_SCREEN.sub("", _POINTER.sub("", text))
    rest = _IF_NOTHING_HELPS.sub("", text, count=1)
    return rest[:1].upper() + rest[1:] if rest != text else text


# Markdown that plain text leaves out: emphasis and code marks, and a link's target (its text stays).
_EMPHASIS = re.compile(r"\*\*|__|`")
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def without_link_targets(text: str) -> str:
    """``text`` with each Markdown link cut to the words it shows: its address is not what the text says ("Work
    offline (see [Using Lumo offline](https://help.lumo.example/mobile/offline-mode))" said "mobile" of "is there a
    mobile app", and was quoted for it, round 41)."""
    return _MARKDOWN_LINK.sub(r"\1", text) if "](" in text else text


def plain_text(text: str) -> str:
    """``text`` without Markdown marks (emphasis, code, a link's target, a list item's marker or number), for a place
    that shows text as it is (an excerpt under a title)."""
    return _EMPHASIS.sub("", _MARKDOWN_LINK.sub(r"\1", _LIST_ITEM.sub("", text, count=1))).strip()


def shortened(text: str, max_words: int, cjk_chars_per_word: float) -> str:
    """``text`` cut to about ``max_words`` words (Chinese: characters, ``cjk_chars_per_word`` to a word), with
    "…" where it was cut."""
    if CJK_RE.search(text):
        limit = int(max_words * cjk_chars_per_word)
        return text if len(text) <= limit else text[:limit].rstrip("，、；：,;: ") + "…"
    words = text.split()
    return text if len(words) <= max_words else " ".join(words[:max_words]).rstrip(",;:") + " …"


def render(units: Sequence[Unit], n: int) -> str:
    lines: list[str] = []
    sentence_run: list[str] = []
    # One step quoted alone says what to do without its place in a procedure that is not quoted: "7. Run Reports >
    # Profit and loss ..." read as a list cut from somewhere.
    alone = len(units) == 1 and units[0].is_step
    for unit in units:
        text = _out_of_context(without_step_number(unit.text) if alone else unit.text)
        if unit.is_list_item or unit.is_table or unit.is_label:
            if sentence_run:
                lines.append(_join_sentences(sentence_run))
                sentence_run = []
            lines.append(_one_row_as_record(text) if unit.is_table else text)
        else:
            if lines and not sentence_run and _ends_block(lines[-1]):
                # A sentence right after a table or a list is a row of the table or part of the list's last item
                # to a Markdown renderer (the widget and Slack read lines one by one, but an API client may not).
                lines.append("")
            sentence_run.append(text)
    if sentence_run:
        lines.append(_join_sentences(sentence_run))
    # After a table the marker goes inside its last row's last cell ("| a | b [1] |"): a Markdown renderer drops
    # text after a row's closing pipe (a cell beyond the header's), as "| a | b | [1]" was written before; the
    # widget and Slack read either.
    last = lines[-1]
    ends_in_row = last.splitlines()[-1].lstrip().startswith("|") and last.endswith("|")
    lines[-1] = f"{last[:-1].rstrip()} [{n}] |" if ends_in_row else f"{last} [{n}]"
    return "\n".join(lines)


def _one_row_as_record(table: str) -> str:
    """A table of one row as its record, when that reads better (see records.py); any other table as it is."""
    header, rows = table_parts(table)
    if len(rows) != 1:
        return table
    return as_record(row_cells(header[0]), row_cells(rows[0])) or table


def _ends_block(line: str) -> bool:
    """Whether ``line`` (one rendered unit) ends with a table row or a list item."""
    last = line.splitlines()[-1].lstrip() if line else ""
    return last.startswith("|") or bool(_LIST_ITEM.match(last))


def _join_sentences(sentences: Sequence[str]) -> str:
    # Chinese sentences follow each other without a space; English ones with one.
    return "".join(sentences) if CJK_RE.search(sentences[0]) else " ".join(sentences)
