"""Heading-aware, token-sized chunks with stable ids.

A document's Markdown-like text (the loaders turn HTML and DOCX headings into ``#`` lines) is cut at headings
first, so every chunk knows the title and heading path it sits under; a section longer than the budget is split
by LangChain's recursive splitter, measured in the embedding model's own word pieces so that nothing is silently
truncated by the model. Separators prefer blank lines, then line ends, so list items and table rows stay whole.
A Markdown table is never cut by the splitter: it stays whole in a chunk when it fits, and is otherwise split
between rows with its header repeated in every part, so that each part still reads as a table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from chatbot.tokens import count_tokens
from chatbot.types import Chunk, SourceDocument

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
# Paragraphs, then lines (list items, table rows), then sentences (English and Chinese), then words.
_SEPARATORS = ["\n\n", "\n", r"(?<=[.!?])\s+", r"(?<=[。！？；])", r"\s+", ""]
_MIN_HEADING_BUDGET = 32  # never let a long heading path eat the whole window
_TABLE_ROW_RE = re.compile(r"^\s*\|")
_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


@dataclass(frozen=True)
class Section:
    heading_path: tuple[str, ...]
    text: str


def split_sections(title: str, text: str) -> list[Section]:
    """Cut Markdown at headings; the heading path excludes a level-1 heading that repeats the title."""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    body: list[str] = []
    in_fence = False

    def flush() -> None:
        content = "\n".join(body).strip()
        if content:
            sections.append(Section(tuple(h for _, h in stack), content))
        body.clear()

    for line in text.splitlines():
        if _FENCE_RE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING_RE.match(line)
        if match is None:
            body.append(line)
            continue
        flush()
        level, heading = len(match.group(1)), match.group(2).strip()
        while stack and stack[-1][0] >= level:
            stack.pop()
        if not (level == 1 and not stack and heading.strip().lower() == title.strip().lower()):
            stack.append((level, heading))
    flush()
    return sections


def table_blocks(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into (is a Markdown table, block) runs, in order; a table is two or more lines starting "|"."""
    blocks: list[tuple[bool, list[str]]] = []
    in_fence = False
    for line in text.splitlines():
        if _FENCE_RE.match(line):
            in_fence = not in_fence
        is_row = not in_fence and bool(_TABLE_ROW_RE.match(line))
        if blocks and blocks[-1][0] == is_row:
            blocks[-1][1].append(line)
        else:
            blocks.append((is_row, [line]))
    out: list[tuple[bool, str]] = []
    for is_row, lines in blocks:
        is_table = is_row and len(lines) > 1
        block = "\n".join(lines).strip("\n")
        if not block.strip():
            continue
        if out and not is_table and not out[-1][0]:
            out[-1] = (False, f"{out[-1][1]}\n{block}")  # a lone "|" line is prose
        else:
            out.append((is_table, block))
    return out


class Chunker:
    def __init__(
        self, count_model_tokens: Callable[[str], int], max_model_tokens: int, chunk_tokens: int, chunk_overlap: int
    ) -> None:
        self._count = count_model_tokens
        self._max_model_tokens = max_model_tokens
        self._chunk_tokens = chunk_tokens
        self._chunk_overlap = chunk_overlap
        self._splitters: dict[int, RecursiveCharacterTextSplitter] = {}

    def _splitter(self, budget: int) -> RecursiveCharacterTextSplitter:
        if budget not in self._splitters:
            self._splitters[budget] = RecursiveCharacterTextSplitter(
                separators=_SEPARATORS,
                is_separator_regex=True,
                keep_separator="end",
                chunk_size=budget,
                chunk_overlap=min(self._chunk_overlap, budget // 4),
                length_function=self._count,
            )
        return self._splitters[budget]

    def _budget_for(self, heading_line: str) -> int:
        # The embedded text is "heading line\npassage": both must fit the model's window together.
        room = self._max_model_tokens - self._count(heading_line) - 2
        return max(_MIN_HEADING_BUDGET, min(self._chunk_tokens, room))

    def _split(self, text: str, budget: int) -> list[str]:
        """Text too long for one chunk: prose by the recursive splitter, tables by :meth:`_table_pieces`; a table
        part then shares a chunk with the prose just before or after it when both fit (its lead-in sentence)."""
        pieces: list[tuple[bool, str]] = []  # (is a table part, text)
        for is_table, block in table_blocks(text):
            if is_table:
                pieces.extend((True, part) for part in self._table_pieces(block, budget))
            elif self._count(block) <= budget:
                pieces.append((False, block))
            else:
                pieces.extend((False, part) for part in self._splitter(budget).split_text(block))
        merged: list[tuple[bool, str]] = []  # (ends with a table part, text)
        for is_table, piece in pieces:
            if merged and (is_table or merged[-1][0]):
                joined = f"{merged[-1][1]}\n\n{piece}"
                if self._count(joined) <= budget:
                    merged[-1] = (is_table, joined)
                    continue
            merged.append((is_table, piece))
        return [piece for _, piece in merged]

    def _table_pieces(self, table: str, budget: int) -> list[str]:
        if self._count(table) <= budget:
            return [table]
        lines = table.splitlines()
        header = lines[:2] if len(lines) > 1 and _TABLE_RULE_RE.match(lines[1]) else []
        parts: list[str] = []
        rows: list[str] = []
        for row in lines[len(header) :]:
            if rows and self._count("\n".join([*header, *rows, row])) > budget:
                parts.append("\n".join([*header, *rows]))
                rows = []
            rows.append(row)
        if rows:
            parts.append("\n".join([*header, *rows]))
        # A single row longer than the budget cannot stay whole: the splitter cuts it rather than the model.
        return [p for part in parts for p in ([part] if self._count(part) <= budget else self._cut(part, budget))]

    def _cut(self, text: str, budget: int) -> list[str]:
        return list(self._splitter(budget).split_text(text))

    def chunk(self, document: SourceDocument, version: int = 1) -> list[Chunk]:
        if document.kind == "faq":
            sections = [Section((), document.text.strip())]
        else:
            sections = split_sections(document.title, document.text)
        chunks: list[Chunk] = []
        for section in sections:
            heading_line = " > ".join((document.title, *section.heading_path))
            budget = self._budget_for(heading_line)
            pieces = [section.text] if self._count(section.text) <= budget else self._split(section.text, budget)
            for piece in pieces:
                piece = piece.strip()
                if not piece:
                    continue
                chunks.append(
                    Chunk(
                        id=f"{document.id}::{len(chunks)}",
                        doc_id=document.id,
                        index=len(chunks),
                        text=piece,
                        title=document.title,
                        heading_path=section.heading_path,
                        kind=document.kind,
                        audience=document.audience,
                        community=document.community,
                        language=document.language,
                        url=document.url,
                        version=version,
                        token_count=count_tokens(piece),
                        # An FAQ entry's other phrasings ride on its first chunk, the one holding its question.
                        alternatives=document.faq_alternatives if not chunks else (),
                    )
                )
        return chunks
