"""FAQ pages: a web page or Markdown file whose every section is a question is read as FAQ entries, one per question.

Help centres publish their FAQ as one page as often as a file of rows ("## Can two people ride one scooter?" and
the answer below it, thirteen times over). Loaded as one article, its questions were only words inside a long chunk:
"i left my bag on the scooter basket yesterday" got "I don't know" although "I left something on a vehicle. What
can I do?" answers it, and "brakes not working" was answered from "Can I ride in the rain?" (an unseen help centre,
round 37). As entries, each question is matched as a question (the FAQ profile, chatbot/retrieval.py) and each
answer is quoted whole, as an FAQ file's rows are.

A page is an FAQ page when at least MIN_QUESTIONS sections have text and every section with text is under a
heading that asks a question; headings with no text of their own (categories: "## Payments" over "### How do I pay?")
are allowed, and so is a short introduction (MAX_INTRO_WORDS: "Quick answers to the questions we get most often."),
which is left out. An article with a few question headings among others ("## Joined recently?" beside "## How we
tell you") stays an article.
"""

from __future__ import annotations

import dataclasses
import re

from chatbot.types import SourceDocument
from ingest.sources.ids import check_id

MIN_QUESTIONS = 3
MAX_INTRO_WORDS = 30
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_ASKS = re.compile(r"[?？]$")
_NOT_SLUG = re.compile(r"[^\w]+")
MAX_SLUG_CHARS = 60


def faq_entries(document: SourceDocument) -> list[SourceDocument]:
    """``document``'s questions as FAQ entries (id ``<page id>#<question slug>``) when it is an FAQ page; else
    ``[document]``. DocumentLoadError when an entry's id would be too long (ids.py)."""
    if document.kind == "faq":
        return [document]
    intro, sections = _sections(document.text)
    answered = [(heading, body) for heading, body in sections if body]
    is_faq_page = (
        len(answered) >= MIN_QUESTIONS
        and all(_ASKS.search(heading) for heading, _ in answered)
        and len(intro.split()) <= MAX_INTRO_WORDS
    )
    if not is_faq_page:
        return [document]
    slugs: set[str] = set()
    return [
        dataclasses.replace(
            document,
            id=check_id(f"{document.id}#{_unique_slug(question, slugs)}"),
            title=question,
            text=f"{question}\n\n{answer}",
            kind="faq",
            faq_question=question,
            faq_answer=answer,
            faq_alternatives=(),
        )
        for question, answer in answered
    ]


def _sections(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The introduction (the text before the first heading, or under a Markdown page's opening ``# Title``), and each
    other heading with the text up to the next heading (stripped)."""
    headings = list(_HEADING.finditer(text))
    sections = [
        (match.group(2).strip(), text[match.end() : headings[i + 1].start() if i + 1 < len(headings) else None].strip())
        for i, match in enumerate(headings)
    ]
    intro = (text[: headings[0].start()] if headings else text).strip()
    if headings and len(headings[0].group(1)) == 1 and not intro:
        intro = sections.pop(0)[1]  # the page's title, not a section of it
    return intro, sections


def _unique_slug(question: str, taken: set[str]) -> str:
    """A readable, stable id part for ``question`` ("i-left-something-on-a-vehicle-what-can-i-do"), unique on the
    page: the same question asked twice gets "-2"."""
    base = _NOT_SLUG.sub("-", question.casefold()).strip("-")[:MAX_SLUG_CHARS].rstrip("-") or "question"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug
