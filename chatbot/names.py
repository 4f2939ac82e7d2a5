"""The names a knowledge base's articles are about ("PayPal", "Shopify"), and answers from an article about another.

"if i refund a customer in paypal does lumo make a credit note for it" was answered from the Stripe article's refund
paragraph (confidence 0.46, threshold 0.38), and "is there a sync now button for paypal like the stripe one" from the
Stripe overview: the help centre has a PayPal article, and the Stripe one never says "PayPal". What one provider's
article says is no answer about another; the customer needed "I'm not sure" and the PayPal article as a suggestion,
and an editor a gap saying what the PayPal article leaves out.

A name is a word the texts capitalise wherever they say it mid-sentence ("PayPal", "Shopify", "Finlink"; not
"settings", which menu paths capitalise and prose does not). The names that matter are those an article's title
says: that article is about it. A question saying such a name is answered only from an article that says it too
(any article cited, so "stripe or paypal, which is cheaper" with both keeps its answer). A name nearly every passage
says (the product's own, "Lumo") is no subject of one article and is left out (``UBIQUITOUS_IDF``), and so is one
many titles say (``MAX_SUBJECT_ARTICLES``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from chatbot.types import Chunk

# A word right after a lower-case word, a digit or a comma: mid-sentence, where only a name is capitalised.
_MID_SENTENCE_WORD = re.compile(r"(?<=[a-z0-9,;)] )([A-Za-z][A-Za-z-]+)")
_WORD = re.compile(r"[A-Za-z][A-Za-z-]+")
# Of a word's mid-sentence occurrences, the share capitalised for it to be a name, and how many it needs.
NAME_SHARE = 0.8
MIN_OCCURRENCES = 2
# A name this common (BM25 idf below it) is in nearly every passage: the product's own name.
UBIQUITOUS_IDF = 1.0
# A name in more article titles than this is a theme of the knowledge base, not one article's subject: a TV manual
# capitalises "Internet" (9 section titles), "Mode" (7) and "Samsung" (11), and "How do I update TV's software
# through internet?" was turned away from the software-update section, which never says "Internet". Found on the
# E-Manual test split (docs/benchmarks.md, twenty-first round); every name of the sample help centre titles one.
MAX_SUBJECT_ARTICLES = 2

Stems = Callable[[str], list[str]]


def proper_names(chunks: Iterable[Chunk], stems: Stems) -> frozenset[str]:
    """The stems of the words the texts capitalise wherever they say them mid-sentence ("PayPal", "Lisbon"; not
    "settings", which menu paths capitalise and prose does not)."""
    capitalised: dict[str, int] = {}
    seen: dict[str, int] = {}
    for chunk in chunks:
        for match in _MID_SENTENCE_WORD.finditer(chunk.text):
            word = match.group(1)
            stem = _one_stem(word, stems)
            if stem is None:
                continue
            seen[stem] = seen.get(stem, 0) + 1
            capitalised[stem] = capitalised.get(stem, 0) + word[0].isupper()
    return frozenset(s for s, n in seen.items() if n >= MIN_OCCURRENCES and capitalised.get(s, 0) / n >= NAME_SHARE)


def titled_names(chunks: Iterable[Chunk], stems: Stems) -> dict[str, frozenset[str]]:
    """Each name (its stem) that an article's title says, with the articles whose titles say it. FAQ entries are
    left out: their titles are questions, which name what they ask about, not what the entry is about."""
    chunks = list(chunks)
    names = proper_names(chunks, stems)
    titles = {chunk.doc_id: chunk.title for chunk in chunks if chunk.kind != "faq"}
    owners: dict[str, set[str]] = {}
    for doc_id, title in titles.items():
        for word in _WORD.findall(title):
            stem = _one_stem(word, stems)
            if stem in names and word[0].isupper():
                owners.setdefault(stem, set()).add(doc_id)
    return {name: frozenset(doc_ids) for name, doc_ids in owners.items() if len(doc_ids) <= MAX_SUBJECT_ARTICLES}


def names_another_articles_subject(
    question: str,
    cited: Iterable[str],
    cited_terms: Callable[[str], Iterable[str]],
    titled: dict[str, frozenset[str]],
    idf: Callable[[str], float],
    stems: Stems,
) -> list[str]:
    """The names ``question`` says that are another article's subject and that no cited document says
    (``cited_terms``: a document's terms): the answer is about something else ("PayPal" asked, the Stripe article
    quoted)."""
    cited = list(cited)
    if not cited:
        return []
    asked = asked_names(question, titled, idf, stems)
    if not asked:
        return []
    said: set[str] = set()
    for doc_id in cited:
        said.update(cited_terms(doc_id))
    return sorted(name for name in asked if name not in said and not titled[name] & set(cited))


def asked_names(
    question: str, titled: dict[str, frozenset[str]], idf: Callable[[str], float], stems: Stems
) -> set[str]:
    """The names ``question`` says that are an article's subject (titled_names), the product's own left out."""
    return {stem for stem in stems(question) if stem in titled and idf(stem) >= UBIQUITOUS_IDF}


def _one_stem(word: str, stems: Stems) -> str | None:
    found = stems(word)
    return found[0] if len(found) == 1 else None


# A table row (Markdown) and its rule line ("|---|---|").
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")


def table_siblings(chunks: Iterable[Chunk], stems: Stems) -> dict[str, frozenset[str]]:
    """Words a table puts side by side as the things it compares, each with the others: the one-word cells of its
    header row ("| Feature | Free | Plus | Business |") and of its first column ("| Monthly |", "| Annual |").
    "and on Plus?" after "How much does the Business plan cost?" asks the same of a sibling (chatbot/followups.py):
    the plans are no article's subject, so the follow-up was searched beside the question and got the extra-users
    FAQ, which names both (round 39)."""
    groups: list[set[str]] = []
    for chunk in chunks:
        for table in _tables(chunk.text):
            header, *rows = table
            groups.append(_one_word_stems(header[1:], stems))  # its first cell names the first column
            groups.append(_one_word_stems([row[0] for row in rows if row], stems))
    siblings: dict[str, set[str]] = {}
    for group in groups:
        if len(group) < 2:
            continue
        for stem in group:
            siblings.setdefault(stem, set()).update(group - {stem})
    return {stem: frozenset(others) for stem, others in siblings.items()}


def named_siblings(siblings: Mapping[str, frozenset[str]], names: frozenset[str]) -> dict[str, frozenset[str]]:
    """Of the words tables compare (table_siblings), the names (proper_names) with the other names they are
    compared with: the cities of a prices table ("lisbon": {"porto", "valencia", "rotterdam"}), not a grid's
    "Users" and "Invoices" rows."""
    named = {stem: others & names for stem, others in siblings.items() if stem in names}
    return {stem: others for stem, others in named.items() if others}


def _tables(text: str) -> Iterable[list[list[str]]]:
    """Each Markdown table of ``text`` as rows of cells, its header first (the rule line left out)."""
    table: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        row = _TABLE_ROW.match(line)
        if row is not None and not _TABLE_RULE.match(line):
            table.append([cell.strip() for cell in row.group(1).split("|")])
        elif row is None:
            if len(table) > 1:
                yield table
            table = []


def _one_word_stems(cells: Iterable[str], stems: Stems) -> set[str]:
    """The stems of the cells that are one capitalised word (a name: "Plus", "iPhone"; not "Users included")."""
    found = set()
    for cell in cells:
        word = cell.strip("*_ ")
        if _WORD.fullmatch(word) and any(char.isupper() for char in word):  # "Plus", "iPhone"
            stem = _one_stem(word, stems)
            if stem is not None:
                found.add(stem)
    return found
