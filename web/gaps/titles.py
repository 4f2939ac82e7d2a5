"""A gap's title: its representative question, clipped to a title's length.

A question can be as long as the chat accepts (a pasted log, "refund refund …" spam of 2,000 characters); as a
title it filled the queue's row and the gap page's heading. The whole question stays in the gap's evidence, which
the gap page lists. Every place that makes a question a title goes through :func:`gap_title`; the places that ask
whether a title *is* a given question (a moved or deleted question taking its title with it) use
:func:`is_title_of`, which also knows the titles stored whole before titles were clipped.
"""

from __future__ import annotations

from web.wording import HEADING_CHARS, clipped

MAX_GAP_TITLE_CHARS = HEADING_CHARS  # the title is the gap page's heading


def gap_title(question: str) -> str:
    """The title for a gap represented by ``question`` (masked already: it is stored)."""
    return clipped(question, MAX_GAP_TITLE_CHARS)


def is_title_of(title: str, question: str) -> bool:
    return title in (question, gap_title(question))
