"""PDF manuals read from their layout: what only the printed page needs (running headers and footers, page numbers,
the table of contents) stays out of the text, and headings, tables, bullets and words broken at line ends come back
as a reader sees them. Every PDF is drawn here with ReportLab, as a word processor would print it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, NoReturn

import pytest
from reportlab.lib import colors
from reportlab.pdfgen import canvas
from reportlab.platypus import Table, TableStyle

from ingest.sources import load_path
from ingest.sources import pdf as pdf_source
from tests.conftest import REPO_ROOT
from tests.test_sources import by_id, write

HEADER = "Acme X1 Robot Vacuum | User Manual"
PAGES = 3


def _body(pdf: canvas.Canvas, lines: list[str], y: float, x: float = 72) -> float:
    pdf.setFont("Helvetica", 10)
    for line in lines:
        pdf.drawString(x, y, line)
        y -= 14
    return y


def _heading(pdf: canvas.Canvas, text: str, size: float, y: float) -> float:
    pdf.setFont("Helvetica-Bold", size)
    pdf.drawString(72, y, text)
    return y - size - 10


def _bullet(pdf: canvas.Canvas, text: str, y: float) -> float:
    pdf.circle(80, y + 3, 1.5, stroke=0, fill=1)  # drawn as a shape, as a browser draws a CSS disc
    return _body(pdf, [text], y, x=90)


def _page_furniture(pdf: canvas.Canvas, number: int) -> None:
    pdf.setFont("Helvetica", 8)
    pdf.drawString(72, 770, HEADER)
    pdf.drawString(72, 20, f"Page {number} of {PAGES}")


def _manual(path: Path) -> Path:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setTitle("Acme X1 User Manual")

    _page_furniture(pdf, 1)
    y = _heading(pdf, "Acme X1 User Manual", 20, 700)
    y = _heading(pdf, "Contents", 14, y)
    _body(
        pdf, ["1 Getting started . . . . . . . . . . . . . . 2", "2 Troubleshooting . . . . . . . . . . . . . . 3"], y
    )
    pdf.showPage()

    _page_furniture(pdf, 2)
    y = _heading(pdf, "1 Getting started", 16, 720)
    y = _heading(pdf, "1.1 Charging", 13, y)
    y = _body(
        pdf,
        [
            "Place the robot on the dock. A full charge takes about",
            "five hours. The Wi-",
            "Fi light blinks during setup, and the power require-",
            "ments are on the label under the dock.",
        ],
        y,
    )
    y = _bullet(pdf, "Keep the dock on a hard floor.", y - 6)
    y = _bullet(pdf, "Leave 0.5 m free on each side of the dock.", y)
    _body(pdf, ["Before the first clean, remove the foam strips from the bumper and the"], y - 6)
    pdf.showPage()

    _page_furniture(pdf, 3)
    y = _body(pdf, ["stickers from the turret."], 720)
    y = _heading(pdf, "2 Troubleshooting", 16, y - 10)
    table = Table(
        [["Code", "Problem", "Solution"], ["E4", "Main brush stuck", "Clean hair from the main brush."]],
        colWidths=[60, 140, 220],
    )
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONTSIZE", (0, 0), (-1, -1), 9)]))
    _width, height = table.wrapOn(pdf, 420, 200)
    table.drawOn(pdf, 72, y - height)
    pdf.showPage()
    pdf.save()
    return write(path, buffer.getvalue())


@pytest.fixture()
def manual_text(tmp_path: Path) -> str:
    _manual(tmp_path / "manual.pdf")
    document = by_id(load_path(tmp_path))["manual.pdf"]
    assert document.title == "Acme X1 User Manual"
    return document.text


def test_running_headers_footers_and_contents_stay_out_of_the_text(manual_text: str) -> None:
    assert HEADER not in manual_text
    assert "Page 2 of 3" not in manual_text and "of 3" not in manual_text
    assert ". . ." not in manual_text
    # The sentence that runs over the page break is whole, with no footer or header inside it.
    assert "remove the foam strips from the bumper and the stickers from the turret." in manual_text


def test_headings_come_from_the_font_size_with_levels(manual_text: str) -> None:
    assert "\n## 1 Getting started\n" in manual_text
    assert "\n### 1.1 Charging\n" in manual_text
    assert "\n## 2 Troubleshooting\n" in manual_text


def test_wrapped_lines_hyphenated_words_and_bullets(manual_text: str) -> None:
    assert "A full charge takes about five hours." in manual_text
    assert "The Wi-Fi light blinks" in manual_text  # a hyphenated word keeps its hyphen
    assert "the power requirements are on the label" in manual_text  # the typesetter's hyphen goes
    assert "\n- Keep the dock on a hard floor.\n- Leave 0.5 m free on each side of the dock.\n" in manual_text


def test_tables_are_markdown_tables(manual_text: str) -> None:
    assert "| Code | Problem | Solution |" in manual_text
    assert "| E4 | Main brush stuck | Clean hair from the main brush. |" in manual_text


def test_two_columns_are_read_one_after_the_other(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setFont("Helvetica", 10)
    left = ["The warranty covers the robot", "for 24 months from the date", "of purchase."]
    right = ["The battery is covered", "for 12 months; consumables", "only on delivery."]
    for column, x in ((left, 60), (right, 320)):
        for row, line in enumerate(column):
            pdf.drawString(x, 700 - 14 * row, line)
    pdf.save()
    write(tmp_path / "leaflet.pdf", buffer.getvalue())
    text = by_id(load_path(tmp_path))["leaflet.pdf"].text
    assert "The warranty covers the robot for 24 months from the date of purchase." in text
    assert "The battery is covered for 12 months; consumables only on delivery." in text


def test_a_pdf_whose_layout_cannot_be_read_falls_back_to_its_plain_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(_data: bytes) -> NoReturn:
        raise ValueError("pdfminer could not parse this")

    monkeypatch.setattr(pdf_source, "read_pages", unreadable)
    _manual(tmp_path / "manual.pdf")
    text = by_id(load_path(tmp_path))["manual.pdf"].text
    assert "A full charge takes about five hours." in text


def test_docs_show_text_prints_what_was_read(app: Any, runner: Any, tmp_path: Path) -> None:
    from web.cli.ingest import docs_show, ingest_command

    _manual(tmp_path / "kb" / "manual.pdf")
    ingested = runner.invoke(ingest_command, [str(tmp_path / "kb"), "--json"])
    assert ingested.exit_code == 0, ingested.output
    shown = runner.invoke(docs_show, ["manual.pdf", "--json", "--text"])
    assert shown.exit_code == 0, shown.output
    detail = json.loads(shown.stdout)
    assert "\n## 2 Troubleshooting\n" in detail["text"] and HEADER not in detail["text"]
    plain = runner.invoke(docs_show, ["manual.pdf", "--text"])
    assert plain.exit_code == 0 and "| E4 | Main brush stuck |" in plain.stdout
    assert "text (v1):" in plain.stdout
    without = json.loads(runner.invoke(docs_show, ["manual.pdf", "--json"]).stdout)
    assert "text" not in without


def test_manuals_printed_by_a_browser_read_as_their_pages_show(tmp_path: Path) -> None:
    # evals/data/orla: three PDFs printed by chromium, one with chromium's own header and footer (date, title,
    # file:// address, "3/6"), the others with their own running headers, a contents page and a two-column leaflet.
    docs = by_id(load_path(REPO_ROOT / "evals" / "data" / "orla"))
    manual = docs["orla-v5-user-manual.pdf"].text
    guide = docs["orla-v5-quick-installation-guide.pdf"].text
    leaflet = docs["orla-v5-warranty-and-safety.pdf"].text
    for text in (manual, guide, leaflet):
        assert ". . ." not in text and "Page " not in text and "file://" not in text and "3:24 AM" not in text
    assert manual.count("OV5-UM-EN Rev. 1.2") == 1  # the cover's, not the footer of 14 pages
    assert "\n### 8.2 Error codes\n" in manual and "\n## 9 Technical Specifications\n" in manual
    assert "| E4 | Main brush stuck | Remove the main brush guard" in manual
    assert manual.count("| E1 |") == 1  # the error-code table runs over a page break: one table, not two
    assert "\n### 3.2 Fitting the side brush\n1. Turn the robot over" in guide
    assert "materials and workmanship for 24 months" in leaflet  # a soft hyphen that did not break the line
    assert "the applicable EU and UK requirements" in leaflet  # one that did
    assert "\n- Normal wear and tear, and cosmetic damage such as scratches and dents\n" in leaflet


def test_a_figure_caption_is_a_paragraph_of_its_own_and_the_figure_labels_stay_out(tmp_path: Path) -> None:
    """A drawing's labels and its caption sat between a list and a warning, and the caption ran into the warning:
    "Figure 2-1 Free space around the station Do not place the station ..." opened an answer (round 43)."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    y = _heading(pdf, "2 Choosing a place for the dock", 16, 720)
    y = _bullet(pdf, "At least 0.5 m of free space on each side of the dock.", y - 6)
    y = _body(pdf, ["0.5 m 0.5 m", "Dock", "Wall"], y - 20)
    y = _body(pdf, ["Figure 2-1 Free space around the dock"], y - 6)
    _body(pdf, ["Do not place the dock in a bathroom or anywhere it could get wet."], y - 6)
    pdf.save()
    write(tmp_path / "guide.pdf", buffer.getvalue())
    text = by_id(load_path(tmp_path))["guide.pdf"].text
    assert (
        "- At least 0.5 m of free space on each side of the dock.\n\nFigure 2-1 Free space around the dock\n\n" in text
    )
    assert "\n\nDo not place the dock in a bathroom" in text
    assert "0.5 m 0.5 m" not in text and "Wall" not in text


def test_steps_numbered_apart_from_their_text_are_a_numbered_list(tmp_path: Path) -> None:
    """The sample help centre's getting-started guide sets each step's number apart from its text ("1   Go to ...");
    read as "1 Go to ... 2 Enter ..." the steps ran into one paragraph of an answer (round 43)."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    y = _heading(pdf, "Invite your team", 16, 720)
    pdf.setFont("Helvetica", 10)
    for number, step in enumerate(
        ["Go to Settings > Users and click Invite user.", "Enter the email address.", "Click Send invitation."], 1
    ):
        pdf.drawString(72, y, str(number))
        pdf.drawString(90, y, step)
        y -= 14
    y = _body(pdf, ["Invitations expire after 7 days."], y - 6)
    _body(pdf, ["10 wrong passwords in a row lock the account for 30 minutes."], y - 20)
    pdf.save()
    write(tmp_path / "guide.pdf", buffer.getvalue())
    text = by_id(load_path(tmp_path))["guide.pdf"].text
    assert "1. Go to Settings > Users and click Invite user.\n2. Enter the email address.\n3. Click Send" in text
    assert "\n10 wrong passwords in a row lock the account" in text  # a number that starts no run is text
