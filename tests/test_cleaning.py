"""Text cleaning at ingest (ingest/cleaning.py), tables kept as Markdown tables by the loaders, and the chunker
keeping those tables whole. No model needed."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from chatbot.types import SourceDocument
from ingest.chunking import Chunker, table_blocks
from ingest.cleaning import clean_line, clean_text, markdown_table
from ingest.sources import load_path
from tests.test_sources import make_pdf, write

MOJIBAKE = ("Â", "â€", "Ã", "ï¬")


# -- clean_text ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Palm\u00c2\u00a0swipe to capture", "Palm swipe to capture"),  # UTF-8 read as Latin-1, with an NBSP
        ("PalmÂ swipe to capture", "Palm swipe to capture"),  # the same once the NBSP became a space
        ("You donâ€™t need a card.", "You don’t need a card."),
        ("Upload the ï¬\x81le.", "Upload the file."),
        ("Up to 20\u00a0MB, 5\u202f%, ten\u2009items", "Up to 20 MB, 5 %, ten items"),
        ("zero\u200bwidth\u2060 and soft\u00adhyphen\ufeff", "zerowidth and softhyphen"),
        ("Curly “quotes” and ‘apostrophes’ stay.", "Curly “quotes” and ‘apostrophes’ stay."),
        ("你好，世界？全角：保留。", "你好，世界？全角：保留。"),  # full-width Chinese punctuation is not debris
        ("Keep &amp; and <b> as written.", "Keep &amp; and <b> as written."),
    ],
)
def test_encoding_debris_and_odd_spaces_are_fixed(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("NOTE\nKeep the receipt.", "Keep the receipt."),
        ("Tip:\nPress and hold.", "Press and hold."),
        ("**Note**\n\nKeep the receipt.", "Keep the receipt."),
        ("> [!WARNING]\n> Deleting is permanent.", "> Deleting is permanent."),
        ("Note: invitations expire after 7 days.", "Invitations expire after 7 days."),
        ("**Note:** Invitations expire after 7 days.", "Invitations expire after 7 days."),
        ("**Caution**: this deletes everything.", "This deletes everything."),
        ("- Tip: press and hold.", "- Press and hold."),
        ("1. Note: wait a minute.", "1. Wait a minute."),
        ("### Tip: choose the start date carefully", "### Choose the start date carefully"),
        ("NOTE The option is greyed out.", "The option is greyed out."),
        ("Turn it on. NOTE: this takes a minute.", "Turn it on. This takes a minute."),
        # Content, not labels: stay as they are.
        ("Note that you can only connect one account.", "Note that you can only connect one account."),
        ("Notes on invoices are shown as plain text.", "Notes on invoices are shown as plain text."),
        ("## Notes", "## Notes"),
        ("IMPORTANT DATES", "IMPORTANT DATES"),
        ("| Note | Meaning |", "| Note | Meaning |"),
    ],
)
def test_note_and_tip_labels_are_dropped_where_they_are_labels(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_clean_line_collapses_spaces() -> None:
    assert clean_line("  Getting\u00a0started  with\tLumo ") == "Getting started with Lumo"


# -- tables ----------------------------------------------------------------------------------------------------
def test_markdown_table_has_header_rule_rows_escaped_pipes_and_padding() -> None:
    table = markdown_table([["Item", "How | where"], ["Fees", "Expense", "Hourly"], ["Sales"], ["", ""]])
    assert table.splitlines() == [
        "| Item | How \\| where |  |",
        "|---|---|---|",
        "| Fees | Expense | Hourly |",
        "| Sales |  |  |",
    ]


def test_a_one_column_or_one_row_table_is_text() -> None:
    assert markdown_table([["A layout box"], ["with two cells"]]) == "A layout box\n\nwith two cells"
    assert markdown_table([["Only", "one row"]]) == "Only one row"
    assert markdown_table([]) == ""


PAYPAL_LIKE = """<html><body><main>
<h1>Connecting PayPal</h1>
<p>Connect&nbsp;PayPal to get paid.</p>
<h2>What syncs</h2>
<table>
  <tr><th>Item</th><th>How it appears</th><th>Sync frequency</th></tr>
  <tr><td>PayPal fees</td><td>Expense in <b>Payment processing fees</b></td><td>Every hour</td></tr>
  <tr><td>Transfers</td><td>Matched to the bank feed | deposit</td><td>Every hour</td></tr>
</table>
<p><strong>Note:</strong> sales sync every hour.</p>
</main></body></html>"""


def test_html_table_becomes_a_markdown_table_and_the_page_is_cleaned(tmp_path: Path) -> None:
    write(tmp_path / "paypal.html", PAYPAL_LIKE)
    text = load_path(tmp_path).documents[0].text
    assert (
        "| Item | How it appears | Sync frequency |\n|---|---|---|\n"
        "| PayPal fees | Expense in **Payment processing fees** | Every hour |\n"
        "| Transfers | Matched to the bank feed \\| deposit | Every hour |"
    ) in text
    assert "Connect PayPal to get paid." in text
    assert "Sales sync every hour." in text and "Note" not in text


def test_docx_table_becomes_a_markdown_table(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Status lights")
    table = document.add_table(rows=3, cols=2)
    for r, row in enumerate([("Light", "Meaning"), ("Red", "Paper jam"), ("Green", "Ready")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.save(str(tmp_path / "lights.docx"))
    text = load_path(tmp_path).documents[0].text
    assert text.endswith("| Light | Meaning |\n|---|---|\n| Red | Paper jam |\n| Green | Ready |")


def test_every_loader_cleans(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "# Sign in\n\nNOTE\n\nUse Palm\u00c2\u00a0swipe to sign\u200bin.\n")
    write(tmp_path / "b.txt", "Opening hours\nWe are open 9\u00a0to\u00a05.\nTip: call before noon.\n")
    write(tmp_path / "faq.csv", "question,answer\nCanâ€™t sign in?,Note: reset your password\u00a0first.\n")
    make_pdf(tmp_path / "c.pdf", [["Receipts", "NOTE: keep the originals for 10 years."]])
    documents = load_path(tmp_path).documents
    assert len(documents) == 4
    for document in documents:
        for text in (document.title, document.text, document.faq_question or "", document.faq_answer or ""):
            assert "\u00a0" not in text and "\u200b" not in text, (document.id, text)
            assert not any(m in text for m in MOJIBAKE), (document.id, text)
            assert "NOTE" not in text and "Note:" not in text and "Tip:" not in text, (document.id, text)
    faq = next(d for d in documents if d.kind == "faq")
    assert faq.title == faq.faq_question == "Can’t sign in?"
    assert faq.text == "Can’t sign in?\n\nReset your password first."


def test_pdf_steps_wrapped_lines_and_headings_read_as_markdown(tmp_path: Path) -> None:
    make_pdf(
        tmp_path / "vat.pdf",
        [
            [
                "Setting up VAT",
                "Lumo calculates VAT on your invoices and prepares the figures for your VAT return every",
                "quarter.",
                "Turn on VAT",
                "1",
                "Go to Settings > Taxes > VAT settings.",
                "2",
                "Click Save.",
            ]
        ],
    )
    text = load_path(tmp_path).documents[0].text
    assert text == (
        "# Setting up VAT\n"
        "Lumo calculates VAT on your invoices and prepares the figures for your VAT return every quarter.\n"
        "## Turn on VAT\n"
        "1. Go to Settings > Taxes > VAT settings.\n"
        "2. Click Save."
    )


# -- the chunker keeps tables whole ----------------------------------------------------------------------------
def _words(text: str) -> int:
    return len(text.split())


def _chunker(budget: int) -> Chunker:
    return Chunker(_words, max_model_tokens=512, chunk_tokens=budget, chunk_overlap=10)


ROWS = "\n".join(f"| Row {i} with some words | value {i} and more words |" for i in range(30))
LONG_SECTION = (
    "## Limits\n\nThese are the limits:\n\n| Limit | Value |\n|---|---|\n" + ROWS + "\n\n" + "Prose goes on here. " * 60
)


def test_a_table_that_fits_stays_whole_with_its_lead_in() -> None:
    text = (
        "## Limits\n\nThese are the limits:\n\n| Limit | Value |\n|---|---|\n| A | 1 |\n| B | 2 |\n\n" + "More. " * 90
    )
    chunks = _chunker(100).chunk(SourceDocument(id="x", title="X", text=text))
    holding = [c for c in chunks if "| Limit | Value |" in c.text]
    assert len(holding) == 1
    assert "These are the limits:\n\n| Limit | Value |\n|---|---|\n| A | 1 |\n| B | 2 |" in holding[0].text


def test_a_long_table_is_split_between_rows_with_its_header_repeated() -> None:
    chunks = _chunker(120).chunk(SourceDocument(id="x", title="X", text=LONG_SECTION))
    parts = [c.text for c in chunks if "| Row " in c.text]
    assert len(parts) >= 2
    seen: list[str] = []
    for part in parts:
        lines = part.splitlines()
        start = lines.index("| Limit | Value |")
        assert lines[start + 1] == "|---|---|"
        rows = [line for line in lines if line.startswith("| Row ")]
        assert all(line.endswith("|") and line.count("|") == 3 for line in rows)  # never cut inside a row
        seen.extend(rows)
    assert seen == ROWS.splitlines()  # every row once, in order
    assert all(_words(c.text) <= 120 for c in chunks)


def test_table_blocks_finds_tables_outside_code_fences() -> None:
    text = "Intro\n| a | b |\n|---|---|\n| 1 | 2 |\nAfter\n```\n| not | a table |\n| in | code |\n```"
    blocks = table_blocks(text)
    assert [is_table for is_table, _ in blocks] == [False, True, False]
    assert blocks[1][1] == "| a | b |\n|---|---|\n| 1 | 2 |"
