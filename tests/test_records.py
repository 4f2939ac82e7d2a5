"""One row of a table as its record (chatbot/composer/records.py), and what reads answers with records in them."""

from __future__ import annotations

from chatbot.composer.question import states_price_asked
from chatbot.composer.records import as_record, record_as_row
from chatbot.composer.units import Unit, quoted_lines, render
from chatbot.types import Chunk, ScoredChunk


def _idf(term: str) -> float:
    return 2.0


def _unit(text: str, is_table: bool = False, is_list_item: bool = False) -> Unit:
    chunk = ScoredChunk(
        chunk=Chunk(id="a#0", doc_id="a", text=text, title="A", heading_path=(), index=0), score=1.0, dense_score=0.5
    )
    return Unit(text=text, is_list_item=is_list_item, chunk=chunk, is_step=is_list_item, is_table=is_table)


def test_a_row_of_three_columns_is_its_name_and_its_cells_under_their_column_names() -> None:
    record = as_record(
        ["Code", "Problem", "Solution"], ["**E10**", "Battery too hot or too cold", "Wait until it is 0-40 °C."]
    )
    assert record == "**E10**\n- Problem: Battery too hot or too cold\n- Solution: Wait until it is 0-40 °C."


def test_a_pipe_inside_a_cell_is_no_longer_escaped() -> None:
    assert as_record(["Key", "Value"], ["Separator", "a \\| b"]) == "**Separator**: a | b"


def test_empty_cells_are_left_out_and_a_long_first_cell_is_a_field_too() -> None:
    assert as_record(["Pack", "Price", "Minimum term"], ["Kids", "£4", ""]) == "**Kids**\n- Price: £4"
    condition = "Your broadband stopped working and we did not fix it by the end of the second working day"
    record = as_record(["What happened", "Compensation", "Paid as"], [condition, "£8.50 a day", "Bill credit"])
    assert record == f"- What happened: {condition}\n- Compensation: £8.50 a day\n- Paid as: Bill credit"


def test_two_columns_are_a_record_only_when_the_second_says_nothing_more() -> None:
    assert as_record(["Specification", "Value"], ["Dustbin capacity", "450 mL"]) == "**Dustbin capacity**: 450 mL"
    assert as_record(["Status light", "**Meaning**"], ["Blinking blue", "Waiting for Wi-Fi"]) == (
        "**Blinking blue**: Waiting for Wi-Fi"
    )
    # "Accountant: No" under "Manage billing" reads upside down; the table says which is which.
    assert as_record(["Action", "Accountant"], ["Manage billing", "No"]) is None


def test_rows_that_are_no_record_stay_in_their_table() -> None:
    assert as_record(["Problem", "Cause", "Solution"], ["", "No power", "Plug it in."]) is None  # continues a row
    assert as_record(["Problem", "Cause"], ["Too", "many", "cells"]) is None
    assert as_record(["Only"], ["one"]) is None


def test_a_record_reads_back_as_its_columns_and_cells() -> None:
    record = as_record(["Plan", "Monthly price", "Setup fee"], ["Fibre 500", "£34", "£0"])
    assert record is not None
    assert record_as_row([*record.splitlines(), "", "Prices go up each April."]) == (
        ["", "Monthly price", "Setup fee"],
        ["Fibre 500", "£34", "£0"],
    )
    assert record_as_row(["**Bold words** in a sentence."]) is None
    assert record_as_row(["**Alone**", "A sentence."]) is None


def test_a_price_in_a_record_is_the_price_of_its_row() -> None:
    # "How much does the Fibre 500 plan cost per month?" got the price rises instead of the Fibre 500 record, read as
    # sentences: "- Monthly price: £34" was the price of no Fibre 500 (round 42).
    record = as_record(["Pack", "What you get", "Price per month"], ["**Sports**", "6 sports channels", "£22"])
    assert record is not None
    assert states_price_asked("How much is the Sports pack?", record, _idf)
    assert not states_price_asked("How much is the Kids pack?", record, _idf)


def test_render_writes_a_one_row_table_as_its_record_and_leaves_a_blank_line_before_a_sentence() -> None:
    table = _unit("| Pack | Price | Minimum term |\n|---|---|---|\n| **Sports** | £22 | 3 months |", is_table=True)
    note = _unit("Prices go up each April.")
    rendered = render([table, note], 1)
    assert rendered == "**Sports**\n- Price: £22\n- Minimum term: 3 months\n\nPrices go up each April. [1]"
    # Two rows compare: they stay a table, the marker inside its last cell.
    both = _unit("| Pack | Price |\n|---|---|\n| Kids | £4 |\n| Sports | £22 |", is_table=True)
    assert render([both], 2) == "| Pack | Price |\n|---|---|\n| Kids | £4 |\n| Sports | £22 [2] |"
    # After a list too: a Markdown renderer would read the sentence as part of the last item.
    steps = [_unit("1. Open **Settings**.", is_list_item=True), _unit("2. Click **Save**.", is_list_item=True)]
    assert render([*steps, note], 1) == "1. Open **Settings**.\n2. Click **Save**.\n\nPrices go up each April. [1]"


def test_a_record_quoted_before_counts_as_its_row_quoted() -> None:
    said = quoted_lines("**Sports**\n- Price: £22\n- Minimum term: 3 months [1]")
    assert {"sports", "price 22", "minimum term 3 months"} <= said
