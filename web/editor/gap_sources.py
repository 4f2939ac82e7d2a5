"""Which of a question's retrieved sources the gap page lists, and in which language.

A message stores every document the search ranked for it (``sources``), whatever its language. With an embedder
that reads one language (MiniLM, the default), the nearest pages of an English question that matches nothing are
often Chinese ones: Chinese text's vectors sit close together whatever it says ("Do you have an office in Tokyo?"
ranked three Chinese articles first on the sample help centre). The answerer never offers such a page to that
reader (chatbot/answering.py, ``_readable``), and the gap page should not send an editor looking for the missing
article to it either. So a source in another language than the question's is listed only

- when the bot cited it or suggested it for this question (the message's stored citations and related articles:
  they went through the answerer's rule, with its exception for a name both languages share, "PayPal"), or
- when the embedder compares languages (multilingual): a Chinese article about the same thing is then a real
  neighbour, and it tells the editor that the English one is missing.

Listed sources in another language carry it (the page marks it); the page says how many were left out. A question or
document whose language is not known (stored before languages were) is listed as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from web.db.models import Document, Message, db

LANGUAGE_NAMES = {"en": "English", "zh": "Chinese"}


@dataclass(frozen=True)
class ListedSources:
    """``sources``: the listed ones in their search order, each with its ``rank`` in the search (1 = first) and, when
    it differs from the question's, its ``language``; ``left_out``: the languages of those not listed."""

    sources: list[dict[str, Any]]
    left_out: list[str]


def document_languages(messages: Iterable[Message]) -> dict[str, str]:
    """The language of every document these messages retrieved (deleted ones too: their rows stay), in one query."""
    ids = {str(source["id"]) for message in messages for source in message.sources if source.get("id")}
    if not ids:
        return {}
    rows = db.session.execute(select(Document.id, Document.language).where(Document.id.in_(ids)))
    return {doc_id: language for doc_id, language in rows}


def listed_sources(message: Message, languages: Mapping[str, str], compares_languages: bool) -> ListedSources:
    """The sources of ``message`` the gap page lists (the rule above); ``languages``: :func:`document_languages`."""
    used = _ids(message.citations) | _ids(message.related)
    listed: list[dict[str, Any]] = []
    left_out: list[str] = []
    for rank, source in enumerate(message.sources, start=1):
        language = languages.get(str(source.get("id")))
        if message.language is None or language is None or language == message.language:
            listed.append({**source, "rank": rank})
        elif compares_languages or str(source.get("id")) in used:
            listed.append({**source, "rank": rank, "language": language})
        else:
            left_out.append(language)
    return ListedSources(listed, left_out)


def left_out_note(left_out: Sequence[str]) -> str:
    """ "2 Chinese articles found are not listed" (plain words for the page)."""
    names = sorted({LANGUAGE_NAMES.get(language, language) for language in left_out})
    count = len(left_out)
    documents = "document" if count == 1 else "documents"
    return f"{count} {' and '.join(names)} {documents} found by the search {'is' if count == 1 else 'are'} not listed"


def _ids(references: Any) -> set[str]:
    """The document ids of stored citations or related articles (lists of dicts, read defensively)."""
    if not isinstance(references, list):
        return set()
    return {str(item["id"]) for item in references if isinstance(item, dict) and item.get("id")}
