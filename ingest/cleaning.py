"""Text cleaning shared by every loader: what a customer must never see quoted in an answer.

- Mojibake and other encoding debris ("PalmÂ swipe", "donâ€™t") are repaired by ftfy, a maintained fixer, not by
  hand-written rules. Its options that would change correct text are off: curly quotes stay curly, HTML entities
  in Markdown stay as written, and full-width Chinese punctuation ("，", "？") stays full width.
- Non-breaking, narrow and other odd spaces become plain spaces; zero-width characters and soft hyphens go.
- NOTE / TIP / Caution markers are dropped where they are labels rather than content: a line holding only the label,
  or the label opening a line ("Note: Invitations expire after 7 days." -> "Invitations expire after 7 days.").
  "Note that ..." is a sentence and stays.

Tables are kept as Markdown tables (:func:`markdown_table`), so the chunker and the composer can keep them whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import ftfy

# Spaces other than U+0020 (no-break, narrow no-break, figure, thin, em, ideographic is left alone: Chinese text
# uses U+3000 for layout on purpose), and a run of ordinary spaces around them, become one space.
_ODD_SPACES = re.compile(r" *[\u00a0\u1680\u2000-\u200a\u202f\u205f][ \u00a0\u1680\u2000-\u200a\u202f\u205f]*")
# Zero-width space / joiners, word joiner, BOM used as a zero-width no-break space, soft hyphen.
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")

_LABELS = r"(?:note|notes|tip|tips|hint|caution|warning|important|attention)"
_EMPHASIS = r"(?:\*\*|__|\*|_)?"
# A line that is only the label, possibly emphasised, in brackets (GitHub's "> [!NOTE]") or followed by a colon.
_LABEL_LINE = re.compile(
    rf"^[ \t]*(?:>[ \t]*)?(?:\[!{_LABELS}\]|{_EMPHASIS}{_LABELS}{_EMPHASIS}[ \t]*:?[ \t]*{_EMPHASIS})[ \t]*(?:\n|$)",
    re.IGNORECASE | re.MULTILINE,
)
# The label opening a line (after a heading, list or quote marker) with a colon, or in capitals without one
# ("NOTE The option ..."). "Note that ..." has neither and is left alone.
_LEAD = r"^([ \t]*(?:#{1,6}[ \t]+|[-*+•][ \t]+|\d{1,3}[.)][ \t]+|>[ \t]*)?)"
_LABEL_PREFIX = re.compile(
    rf"{_LEAD}{_EMPHASIS}(?i:{_LABELS})[ \t]*(?::{_EMPHASIS}|{_EMPHASIS}[ \t]*:)[ \t]*(\S)", re.MULTILINE
)
_CAPS_LABEL_PREFIX = re.compile(
    rf"{_LEAD}{_EMPHASIS}(?:NOTE|TIP|CAUTION|WARNING|IMPORTANT){_EMPHASIS}[ \t]+([A-Z])(?=[a-z])", re.MULTILINE
)
# Mid-line, only the unmistakable capitalised form after a sentence: "... settings. NOTE: The option ..."
_INLINE_CAPS_LABEL = re.compile(r"(?<=[.!?)])([ \t]+)(?:NOTE|TIP|CAUTION|WARNING|IMPORTANT)[ \t]*:[ \t]+(\S)")


def fix_encoding(text: str) -> str:
    """Mojibake repaired, odd spaces made plain, invisible characters removed; nothing else changed."""
    text = ftfy.fix_text(text, unescape_html=False, uncurl_quotes=False, fix_character_width=False)
    text = _INVISIBLE.sub("", text)
    return _ODD_SPACES.sub(" ", text)


def clean_text(text: str) -> str:
    """A document's body, cleaned for quoting (see the module docstring)."""
    fixed = text = fix_encoding(text)
    text = _LABEL_LINE.sub("", text)
    text = _LABEL_PREFIX.sub(_capitalise_after, text)
    text = _CAPS_LABEL_PREFIX.sub(_capitalise_after, text)
    text = _INLINE_CAPS_LABEL.sub(_capitalise_after, text)
    # Dropping a label line can leave three or more line breaks in a row, or a blank line at the top.
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text if fixed.startswith("\n") else text.lstrip("\n")


def clean_line(text: str) -> str:
    """A title, question or other one-line field: encoding and spaces only (a title's words are its own)."""
    return " ".join(fix_encoding(text).split())


def _capitalise_after(match: re.Match[str]) -> str:
    """Keep what led the label (a heading or list marker); the text after it starts a sentence now."""
    return match.group(1) + match.group(2).upper()


def markdown_table(rows: Sequence[Sequence[str]]) -> str:
    """Rows of cells (the first is the header) as a Markdown table; "|" in a cell is escaped, short rows padded.

    A one-column "table" (a layout box) is not tabular data: its cells come back as paragraphs."""
    cleaned = [[" ".join(cell.split()) for cell in row] for row in rows]
    cleaned = [row for row in cleaned if any(row)]
    if not cleaned:
        return ""
    width = max(len(row) for row in cleaned)
    if width == 1 or len(cleaned) == 1:
        return "\n\n".join(" ".join(cell for cell in row if cell) for row in cleaned)

    def line(cells: Sequence[str]) -> str:
        padded = [*cells, *([""] * (width - len(cells)))]
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in padded) + " |"

    return "\n".join([line(cleaned[0]), "|" + "---|" * width, *(line(row) for row in cleaned[1:])])
