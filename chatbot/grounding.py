"""The check that keeps an LLM's reply honest before it is shown as the answer.

Every ``[n]`` must name a passage the writer was given, each cited stretch of text must share most of its content
words (and all of its numbers) with the passages it cites, and uncited text must be a minority of the reply. A
reply that fails is replaced by the extractive answer, so the LLM can make an answer read better but never worse.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from chatbot.keyword import tokenize
from chatbot.prompts import Passage
from chatbot.types import Citation, ScoredDocument

log = logging.getLogger(__name__)

# A cited stretch of the reply must share at least this share of its content words with the passages it cites.
MIN_SUPPORT = 0.5
# Uncited text may be at most this share of the reply's content words (strictly less: a minority).
MAX_UNCITED_SHARE = 0.5

# A citation marker, "[1]".
MARKER_RE = re.compile(r"\[(\d+)\]")
# A sentence: up to ". " / "! " / "? " (Latin, so "2.5" and "settings.json" stay whole) or "。！？", plus any
# citation markers that follow it ("Press OK. [1]" is one cited sentence, not a sentence and a stray marker).
_SENTENCE_RE = re.compile(r".*?(?:[.!?](?=\s|$|\[)|[。！？]|$)(?:\s*\[\d+\])*")
_LIST_NUMBER_RE = re.compile(r"^\s*(?:(?:\d+[.)]|[-*+•])\s+|\d+、)")  # "2. ", "- ", "2、"; not "2.5 GHz"
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


# -- checking the reply -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claim:
    """A run of sentences of one paragraph and the passages cited at its end (none: uncited text)."""

    text: str
    cited: frozenset[int]


def check_reply(reply: str, passages: Sequence[Passage], documents: Sequence[ScoredDocument]) -> list[Citation] | None:
    """The citations of a grounded reply, or None when the reply must not be shown (fall back to extractive)."""
    used = {int(n) for n in MARKER_RE.findall(reply)}
    by_number = {p.n: p for p in passages}
    if not used:
        log.info("LLM reply rejected: no [n] citation")
        return None
    if not used <= by_number.keys():
        log.info("LLM reply rejected: cites passages %s it was not given", sorted(used - by_number.keys()))
        return None
    claims = split_claims(reply)
    for claim in claims:
        if claim.cited and not _is_supported(claim, [by_number[n] for n in sorted(claim.cited)]):
            log.info("LLM reply rejected: unsupported claim %r", claim.text[:200])
            return None
    if _uncited_share(claims) >= MAX_UNCITED_SHARE:
        log.info("LLM reply rejected: most of it cites nothing")
        return None
    return _citations(sorted(used), by_number, documents)


def split_claims(reply: str) -> list[Claim]:
    """Cut the reply into claims. A marker backs the sentences before it in its paragraph: "Open Settings.
    Choose Reset. [1]" and a numbered procedure cited on its last step are the usual ways to cite, and the
    extractive composer cites that way too. Sentences after a paragraph's last marker are uncited."""
    claims: list[Claim] = []
    for paragraph in re.split(r"\n\s*\n", reply):
        pending: list[str] = []
        for sentence in _sentences(paragraph):
            pending.append(sentence)
            cited = frozenset(int(n) for n in MARKER_RE.findall(sentence))
            if cited:
                claims.append(Claim("\n".join(pending), cited))
                pending = []
        if pending:
            claims.append(Claim("\n".join(pending), frozenset()))
    return claims


def _sentences(paragraph: str) -> list[str]:
    sentences: list[str] = []
    for line in paragraph.splitlines():
        line = _LIST_NUMBER_RE.sub("", line)  # else "1. Open Settings." splits after "1." into a sentence "1."
        sentences.extend(m.group().strip() for m in _SENTENCE_RE.finditer(line) if m.group().strip())
    return sentences


def _is_supported(claim: Claim, cited: Sequence[Passage]) -> bool:
    """Most of the claim's content words, and every number in it, appear in the passages it cites."""
    source = " ".join(f"{p.title}\n{p.text}" for p in cited)
    words = set(tokenize(_claim_text(claim.text)))
    if words:
        shared = len(words & set(tokenize(source)))
        if shared / len(words) < MIN_SUPPORT:
            return False
    # A wrong number (5 seconds instead of 10, the wrong price) is the harmful error that still shares all words.
    numbers = set(_NUMBER_RE.findall(_claim_text(claim.text)))
    return numbers <= set(_NUMBER_RE.findall(source))


def _claim_text(text: str) -> str:
    """The claim without its markers ("Press OK [1]" -> "Press OK"): marker numbers are not claims."""
    return MARKER_RE.sub(" ", text)


def _uncited_share(claims: Sequence[Claim]) -> float:
    # Weighed by content words, not sentences: "Sure!" or "e.g." fragments should not tip the balance.
    sizes = [(len(tokenize(_claim_text(c.text))), bool(c.cited)) for c in claims]
    total = sum(size for size, _ in sizes)
    if total == 0:
        return 0.0
    return sum(size for size, cited in sizes if not cited) / total


def _citations(
    numbers: Sequence[int], by_number: dict[int, Passage], documents: Sequence[ScoredDocument]
) -> list[Citation] | None:
    by_id = {d.doc_id: d for d in documents}
    citations: list[Citation] = []
    for n in numbers:
        passage = by_number[n]
        document = by_id.get(passage.doc_id)
        if document is None:  # passages are built from these documents; a mismatch is a caller bug, not the LLM's
            log.warning("passage %d names document %s that was not retrieved", n, passage.doc_id)
            return None
        citations.append(
            Citation(
                n, document.doc_id, document.title, document.url, document.version, passage.chunk_id, document.score
            )
        )
    return citations
