"""The keyword index's per-answer look-ups: batched chunk look-up, an idf function per answer, remembered tokens.
They must answer exactly as the one-at-a-time methods do, and see a corpus another process saved."""

from __future__ import annotations

import os
from pathlib import Path

from chatbot.keyword import KeywordIndex, query_terms, tokenize, tokenize_passage
from chatbot.types import Audience, Chunk


def _chunk(doc: str, text: str, audience: Audience = "public") -> Chunk:
    return Chunk(id=f"{doc}::0", doc_id=doc, index=0, text=text, title=doc, audience=audience)


def _index(directory: Path, *chunks: Chunk) -> KeywordIndex:
    index = KeywordIndex(directory)
    index.replace_chunks([], list(chunks))
    index.save()
    return index


def _save_elsewhere(directory: Path, *chunks: Chunk) -> None:
    """Another process (an ingest) writes a new corpus; its modification time differs from the last one's."""
    before = (directory / "corpus.json").stat().st_mtime
    _index(directory, *chunks)
    os.utime(directory / "corpus.json", (before + 10, before + 10))


def test_the_settings_menu_is_not_the_verb_set() -> None:
    # The stemmer folds "Settings" into "set": "how do I set up an invoice?" matched "Go to Settings > Invoicing".
    assert tokenize("Settings") == tokenize("setting") != tokenize("set")
    assert tokenize("customers") == ["customer"] != tokenize("custom")


def test_an_accountant_is_not_an_account() -> None:
    # "accountant vs admin role" was searched as "account admin role": every article says "account".
    assert tokenize("accountants") == tokenize("Accountant") == ["accountant"]
    assert tokenize("accounting") == ["accounting"]
    assert len({*tokenize("account accountant accounting")}) == 3
    assert tokenize("accounts") == tokenize("account")


def test_passage_tokens_are_tokenize_s_and_each_caller_gets_its_own_list() -> None:
    text = "Refunds are paid to the card you paid with"
    first = tokenize_passage(text)
    assert first == tokenize(text)
    first.append("mutated")
    assert tokenize_passage(text) == tokenize(text)  # the remembered tokens are not the caller's list
    assert tokenize_passage("如何申请退款") == tokenize("如何申请退款")


def test_chunks_answers_as_chunk_does_for_each_id(tmp_path: Path) -> None:
    refund, invoice = _chunk("refund.md", "Refunds within 30 days"), _chunk("invoice.md", "Invoices are monthly")
    index = _index(tmp_path, refund, invoice)
    ids = ["invoice.md::0", "missing.md::0", "refund.md::0"]
    assert index.chunks(ids) == [index.chunk(chunk_id) for chunk_id in ids] == [invoice, None, refund]
    assert index.chunks(iter(ids)) == [invoice, None, refund]  # any iterable, read once
    assert index.chunks([]) == []


def test_idf_lookup_weighs_words_as_idf_does(tmp_path: Path) -> None:
    index = _index(
        tmp_path,
        _chunk("refund.md", "Refunds within 30 days of purchase"),
        _chunk("invoice.md", "Invoices list every purchase"),
        _chunk("team.md", "Internal refund policy", audience="internal"),
    )
    audiences: tuple[Audience, ...] = ("public", "internal")
    for audience in audiences:
        lookup = index.idf_lookup(audience)
        for term in [*tokenize("refund purchase invoices"), "never-seen"]:
            assert lookup(term) == index.idf(term, audience)
            assert lookup(term) == lookup(term)  # remembered, unchanged
    assert index.idf_lookup("public")("never-seen") == 0.0
    # The public scope has no internal chunk: "polici" (the stem of policy) is unknown there only.
    assert index.idf_lookup("public")(tokenize("policy")[0]) == 0.0
    assert index.idf_lookup("internal")(tokenize("policy")[0]) > 0.0


def test_a_corpus_saved_by_another_process_is_seen_by_the_next_lookups(tmp_path: Path) -> None:
    refund = _chunk("refund.md", "Refunds within 30 days")
    index = _index(tmp_path, refund)
    lookup = index.idf_lookup("public")
    word = tokenize("invoices")[0]
    assert lookup(word) == 0.0 and index.chunks(["invoice.md::0"]) == [None]

    invoice = _chunk("invoice.md", "Invoices are monthly")
    _save_elsewhere(tmp_path, refund, invoice)
    assert index.chunks(["invoice.md::0"]) == [invoice]
    assert index.idf_lookup("public")(word) == index.idf(word, "public") > 0.0
    assert lookup(word) == 0.0  # a lookup taken before keeps weighing against the corpus it was taken from


def test_only_words_of_the_vocabulary_are_remembered(tmp_path: Path) -> None:
    """Questions are user text: a word the knowledge base does not hold weighs 0 and is not kept, so the memo of one
    corpus cannot grow past its vocabulary however many made-up words visitors send."""
    index = _index(tmp_path, _chunk("refund.md", "Refunds within 30 days"))
    lookup = index.idf_lookup("public")
    for n in range(100):
        assert lookup(f"madeup{n}") == 0.0
    assert lookup(tokenize("refunds")[0]) > 0.0
    memo = lookup.__self__._idf  # type: ignore[attr-defined]
    assert set(memo) == {tokenize("refunds")[0]}


def test_a_documents_chunk_ids_follow_every_change_and_another_process_s_save(tmp_path: Path) -> None:
    refund, invoice = _chunk("refund.md", "Refunds within 30 days"), _chunk("invoice.md", "Invoices are monthly")
    second = Chunk(id="refund.md::1", doc_id="refund.md", index=1, text="Duplicate charges", title="refund.md")
    index = _index(tmp_path, refund, invoice)
    assert index.chunk_ids_of("refund.md") == ["refund.md::0"]  # remembered from here on
    index.replace_chunks([], [second])
    assert index.chunk_ids_of("refund.md") == ["refund.md::0", "refund.md::1"]
    index.remove_documents(["refund.md"])
    assert index.chunk_ids_of("refund.md") == [] and index.chunk_ids_of("invoice.md") == ["invoice.md::0"]
    index.save()
    _save_elsewhere(tmp_path, refund)  # another process adds refund.md back to the saved corpus
    assert index.chunk_ids_of("refund.md") == ["refund.md::0"] and index.chunk_ids_of("invoice.md") == ["invoice.md::0"]


def test_how_much_is_something_is_searched_as_a_price() -> None:
    # "how" and "much" are stop words: "how much is the business plan" searched "business plan" alone, and the
    # free-trial entry came first ("I'm not sure", 0.32).
    assert "cost" in query_terms("how much is the business plan")
    assert "cost" in query_terms("how much for plus?")
    # Not when a price word is there already, nor for a quantity of something else.
    assert query_terms("how much does an extra user cost").count("cost") == 1
    assert "cost" not in query_terms("how much storage is on plus")


def test_a_number_glued_to_its_unit_is_the_number_and_the_unit() -> None:
    # Customers type "5ghz" and "10mm" where manuals print "5 GHz" and "10 mm" (round 38: "I don't know").
    assert tokenize("does it work with 5ghz?") == tokenize("does it work with 5 GHz?")
    assert tokenize("rugs over 20mm") == tokenize("rugs over 20 mm")
    # Not a code, a model name or "2fa", which is no quantity ("2" is on every page).
    assert tokenize("2fa on the 55nu8000, error E4") == ["2fa", "55nu8000", "error", "e4"]
