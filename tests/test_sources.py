"""Tests for ingest.sources: every fixture file is generated here, in tmp_path."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
from reportlab.pdfgen import canvas

from chatbot.errors import DocumentLoadError
from chatbot.types import SourceDocument
from ingest.sources import SUPPORTED_SUFFIXES, FailedFile, LoadResult, load_path

# --------------------------------------------------------------------------------------------------------------
# Fixture builders


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def make_pdf(path: Path, pages: list[list[str]], title: str | None = None) -> Path:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    if title:
        pdf.setTitle(title)
    for lines in pages:
        y = 750
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 20
        pdf.showPage()
    pdf.save()
    return write(path, buffer.getvalue())


def make_docx(path: Path, *, core_title: str | None = None) -> Path:
    document = docx.Document()
    if core_title:
        document.core_properties.title = core_title
    document.add_paragraph("Printer setup guide", style="Title")
    document.add_heading("Connecting the printer", level=1)
    document.add_paragraph("Plug the printer into the network.")
    document.add_paragraph("Open the lid", style="List Bullet")
    document.add_paragraph("Insert the cartridge", style="List Bullet")
    document.add_heading("Troubleshooting", level=2)
    document.add_paragraph("Press reset", style="List Number")
    document.add_paragraph("Wait ten seconds", style="List Number")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Light"
    table.cell(0, 1).text = "Meaning"
    table.cell(1, 0).text = "Red"
    table.cell(1, 1).text = "Paper jam"
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


HTML_PAGE = """<!doctype html>
<html lang="en-GB">
<head><title>Resetting your password</title>
<style>.secret-css { color: red }</style>
<script>var trackingScript = "do not index";</script>
</head>
<body>
<header><a href="/">Acme Help Centre header</a></header>
<nav><ul><li>Nav link billing</li><li>Nav link account</li></ul></nav>
<div role="navigation">Breadcrumb role nav</div>
<main>
  <h1>Resetting your password</h1>
  <p>Click <b>Forgot password</b> on the
     sign-in page.<br>Then check your inbox.</p>
  <h2>Steps</h2>
  <ol><li>Open the app</li><li>Tap <i>Reset</i><ul><li>Nested detail</li></ul></li></ol>
  <ul><li>Works on web</li></ul>
  <table><tr><th>Plan</th><th>Limit</th></tr><tr><td>Free</td><td>3 resets</td></tr></table>
  <p>Never paste &lt;img src=x onerror=alert(1)&gt; into the form.</p>
  <noscript>Enable JavaScript noscript text</noscript>
  <!-- an HTML comment -->
</main>
<aside>Related articles aside</aside>
<footer>Copyright footer text</footer>
</body></html>
"""


def by_id(result: LoadResult) -> dict[str, SourceDocument]:
    return {document.id: document for document in result.documents}


def failures(result: LoadResult) -> dict[str, str]:
    return {failed.path: failed.error for failed in result.failed}


# --------------------------------------------------------------------------------------------------------------
# A realistic help-centre folder with good and bad files mixed


@pytest.fixture()
def help_centre(tmp_path: Path) -> Path:
    root = tmp_path / "help"
    write(root / "_defaults.yaml", "community: acme\ntags: [general]\n")
    write(root / "README.md", "# About this folder\nNot an article.\n")
    write(root / "readme.TXT", "Also not an article.\n")
    write(root / ".hidden.md", "# Hidden\nsecret\n")
    write(root / ".git" / "notes.md", "# In a hidden folder\n")
    write(root / "_draft.md", "# Draft\nnot ready\n")
    write(root / "logo.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    write(root / "getting-started.md", "Welcome to Acme.\n\n## First steps\n\n- Sign up\n- Log in\n")
    write(
        root / "billing" / "refunds.md",
        "---\n"
        "title: Refund policy\n"
        "tags: refunds, money\n"
        "url: https://help.example.com/refunds\n"
        "owner: billing-team\n"
        "review_by: 2025-06-30\n"
        "---\n"
        "# Refunds\n\nYou can get a refund within 30 days.\n\n| Plan | Days |\n|---|---|\n| Pro | 30 |\n",
    )
    write(root / "billing" / "invoices.md", "---\nid: billing-invoices\n---\n# Invoices explained\n\nText.\n")
    write(root / "billing" / "old-invoices.md", "---\nid: billing-invoices\n---\n# Invoices again\n\nText.\n")
    write(root / "internal" / "_defaults.yaml", "audience: Internal\ncommunity: staff\n")
    write(root / "internal" / "escalation.md", "# Escalation\n\nCall the on-call engineer.\n")
    write(root / "internal" / "public-note.md", "---\naudience: public\n---\n# Public note\n\nOK to share.\n")
    write(root / "internal" / "deeper" / "runbook.txt", "Runbook\n\nRestart the service.\n")
    write(root / "internal" / "deeper" / "_defaults.yaml", "community: sre\n")
    write(root / "empty.md", "")
    write(root / "blank.txt", "   \n\n  ")
    write(root / "binary.md", b"# looks like markdown\x00\x01\x02\xff")
    write(root / "bad-audience.md", "---\naudience: everyone\n---\n# Oops\n\nText.\n")
    write(root / "bad-yaml.md", "---\ntitle: [unclosed\n---\n# Body\n")
    write(root / "latin1.txt", "caf\xe9 cr\xe8me br\xfbl\xe9e".encode("latin-1"))
    write(root / "page.html", HTML_PAGE)
    return root


def test_folder_load_keeps_good_files_and_reports_bad_ones(help_centre: Path) -> None:
    result = load_path(help_centre)
    docs = by_id(result)
    failed = failures(result)

    assert result.root == help_centre.resolve().as_posix()
    assert sorted(docs) == [
        "billing-invoices",
        "billing/refunds.md",
        "getting-started.md",
        "internal/deeper/runbook.txt",
        "internal/escalation.md",
        "internal/public-note.md",
        "page.html",
    ]
    assert failed == {
        "bad-audience.md": "bad audience 'everyone': expected 'public' or 'internal'",
        "bad-yaml.md": failed["bad-yaml.md"],
        "billing/old-invoices.md": "duplicate document id billing-invoices (also in billing/invoices.md)",
        "binary.md": "binary content, not text",
        "blank.txt": "empty file",
        "empty.md": "empty file",
        "latin1.txt": "not UTF-8 text",
    }
    assert failed["bad-yaml.md"].startswith("invalid front matter YAML:")
    assert all("\n" not in reason for reason in failed.values())


def test_skips_readme_hidden_underscore_and_unsupported_files(help_centre: Path) -> None:
    paths = {document.source_path for document in load_path(help_centre).documents}
    assert not any(path and ("readme" in path.lower() or "hidden" in path or "draft" in path) for path in paths)
    assert "logo.png" not in failures(load_path(help_centre))


def _not_found_page(heading: str) -> str:
    return f"<html><head><title>{heading}</title></head><body><main><h1>{heading}</h1><p>Home</p></main></body></html>"


def test_a_site_exports_error_pages_are_skipped_and_reported(tmp_path: Path) -> None:
    """A help centre exported as a static site holds the pages its server answers errors with: 404.html was ingested
    as an article (a review after round 39). They are skipped, and said to be, not failed: every export has one."""
    root = tmp_path / "export"
    write(root / "index.html", HTML_PAGE)
    write(root / "404.html", _not_found_page("Page not found"))
    write(root / "500.HTM", _not_found_page("Internal server error"))
    write(root / "50x.html", _not_found_page("Something went wrong"))
    write(root / "de" / "404.html", _not_found_page("Seite nicht gefunden"))
    write(root / "404" / "index.html", _not_found_page("404"))  # an export with folder-style URLs
    # Articles still: one about an error named otherwise, and Markdown (written, not exported) whatever its name.
    write(root / "errors" / "http-404.html", HTML_PAGE)
    write(root / "errors" / "404.md", "# Error 404\n\nThe invoice was deleted: restore it from the bin.\n")

    result = load_path(root)
    assert sorted(by_id(result)) == ["errors/404.md", "errors/http-404.html", "index.html"]
    assert result.failed == []
    skipped = {entry.path: entry.reason for entry in result.skipped}
    assert sorted(skipped) == ["404.html", "404/index.html", "500.HTM", "50x.html", "de/404.html"]
    assert skipped["404.html"] == "a site's error page (404.html), not an article: rename it to have it read"
    # Named on its own, a file is always read.
    assert [d.id for d in load_path(root / "404.html").documents] == ["404.html"]


def test_walk_order_is_sorted_and_deterministic(help_centre: Path) -> None:
    first = [document.id for document in load_path(help_centre).documents]
    second = [document.id for document in load_path(help_centre).documents]
    assert first == second
    paths = [document.source_path for document in load_path(help_centre).documents]
    assert paths == sorted(paths, key=lambda p: str(p).split("/"))


def test_front_matter_fields_and_markdown_body(help_centre: Path) -> None:
    refunds = by_id(load_path(help_centre))["billing/refunds.md"]
    assert refunds.title == "Refund policy"
    assert refunds.tags == ("refunds", "money")
    assert refunds.url == "https://help.example.com/refunds"
    assert refunds.owner == "billing-team"
    assert refunds.review_by == "2025-06-30"
    assert refunds.community == "acme"  # from the root _defaults.yaml
    assert refunds.source_path == "billing/refunds.md"
    assert refunds.text.startswith("# Refunds\n\nYou can get a refund")
    assert "| Pro | 30 |" in refunds.text
    assert "title:" not in refunds.text


def test_markdown_title_falls_back_to_heading_then_humanised_stem(help_centre: Path) -> None:
    docs = by_id(load_path(help_centre))
    assert docs["billing-invoices"].title == "Invoices explained"
    assert docs["billing-invoices"].source_path == "billing/invoices.md"
    assert docs["getting-started.md"].title == "Getting started"


def test_defaults_inheritance_and_precedence(help_centre: Path) -> None:
    docs = by_id(load_path(help_centre, default_audience="public", default_community="from-args"))
    # Root defaults beat the function arguments.
    assert docs["getting-started.md"].community == "acme"
    assert docs["getting-started.md"].audience == "public"
    assert docs["getting-started.md"].tags == ("general",)
    # A nearer _defaults.yaml overrides the root one (audience case-insensitive).
    assert docs["internal/escalation.md"].audience == "internal"
    assert docs["internal/escalation.md"].community == "staff"
    assert docs["internal/escalation.md"].tags == ("general",)
    # Front matter beats the folder defaults.
    assert docs["internal/public-note.md"].audience == "public"
    # Deeper folders inherit audience from above and override only what they set.
    runbook = docs["internal/deeper/runbook.txt"]
    assert (runbook.audience, runbook.community, runbook.title) == ("internal", "sre", "Runbook")


def test_function_arguments_apply_without_defaults_files(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "# A\n\ntext\n")
    write(tmp_path / "b.md", "---\ncommunity: other\n---\n# B\n\ntext\n")
    docs = by_id(load_path(tmp_path, default_audience="internal", default_community="acme"))
    assert (docs["a.md"].audience, docs["a.md"].community) == ("internal", "acme")
    assert (docs["b.md"].audience, docs["b.md"].community) == ("internal", "other")
    assert by_id(load_path(tmp_path))["a.md"].audience == "public"


def test_bad_defaults_file_fails_everything_below_it(tmp_path: Path) -> None:
    write(tmp_path / "ok.md", "# OK\n\nfine\n")
    write(tmp_path / "staff" / "_defaults.yaml", "audience: staff-only\n")
    write(tmp_path / "staff" / "secret.md", "# Secret\n\ninternal stuff\n")
    write(tmp_path / "staff" / "sub" / "_defaults.yaml", "audience: internal\n")
    write(tmp_path / "staff" / "sub" / "more.md", "---\naudience: internal\n---\n# More\n\nx\n")
    write(tmp_path / "broken" / "_defaults.yaml", "audience: [internal\n")
    write(tmp_path / "broken" / "doc.md", "# Doc\n\nx\n")
    write(tmp_path / "typo" / "_defaults.yaml", "audiance: internal\n")
    write(tmp_path / "typo" / "doc.md", "# Doc\n\nx\n")

    result = load_path(tmp_path)
    failed = failures(result)
    assert [document.id for document in result.documents] == ["ok.md"]
    assert failed["staff/secret.md"] == (
        "bad staff/_defaults.yaml: bad audience 'staff-only': expected 'public' or 'internal'"
    )
    assert failed["staff/sub/more.md"].startswith("bad staff/_defaults.yaml:")
    assert failed["broken/doc.md"].startswith("bad broken/_defaults.yaml: invalid YAML:")
    assert "audiance" in failed["typo/doc.md"]


def test_misspelled_front_matter_key_fails_instead_of_leaking(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "---\naudiance: internal\nlayout: post\n---\n# A\n\ntext\n")
    write(tmp_path / "b.md", "---\nlayout: post\n---\n# B\n\ntext\n")
    result = load_path(tmp_path)
    assert failures(result) == {"a.md": "unknown key 'audiance' (did you mean 'audience'?)"}
    assert [document.id for document in result.documents] == ["b.md"]


def test_front_matter_validation_errors(tmp_path: Path) -> None:
    write(tmp_path / "unclosed.md", "---\naudience: internal\n# Title\n\ntext\n")
    write(tmp_path / "js-url.md", "---\nurl: javascript:alert(1)\n---\n# T\n\ntext\n")
    write(tmp_path / "bad-date.md", "---\nreview_by: next spring\n---\n# T\n\ntext\n")
    write(tmp_path / "str-date.md", "---\nreview_by: '2026-01-05'\ntags: [a, b, a]\nlanguage: zh-CN\n---\n# T\n\nx\n")
    result = load_path(tmp_path)
    failed = failures(result)
    assert failed["unclosed.md"] == "front matter starts with '---' but has no closing '---' line"
    assert failed["js-url.md"] == "url 'javascript:alert(1)' must start with http://, https:// or /"
    assert failed["bad-date.md"] == "review_by 'next spring' is not a date (YYYY-MM-DD)"
    doc = by_id(result)["str-date.md"]
    assert (doc.review_by, doc.tags, doc.language) == ("2026-01-05", ("a", "b"), "zh")


# --------------------------------------------------------------------------------------------------------------
# HTML


def test_html_strips_page_furniture_and_keeps_structure(help_centre: Path) -> None:
    page = by_id(load_path(help_centre))["page.html"]
    assert page.title == "Resetting your password"
    assert page.language == "en"
    for junk in (
        "trackingScript",
        "secret-css",
        "Nav link",
        "Breadcrumb",
        "header",
        "footer",
        "aside",
        "noscript",
        "an HTML comment",
    ):
        assert junk not in page.text
    # Bold stays bold, as Markdown (the answers render it): "Click **Forgot password**", as in a Markdown article.
    assert page.text.startswith("# Resetting your password\n\nClick **Forgot password** on the sign-in page.\nThen")
    assert "\n\n## Steps\n\n1. Open the app\n2. Tap Reset\n  - Nested detail\n\n- Works on web\n\n" in page.text
    assert "| Plan | Limit |\n|---|---|\n| Free | 3 resets |" in page.text  # a Markdown table, header first


def test_html_escaped_markup_stays_literal_text(help_centre: Path) -> None:
    page = by_id(load_path(help_centre))["page.html"]
    assert "Never paste <img src=x onerror=alert(1)> into the form." in page.text


def test_html_inline_code_and_bold_become_markdown_marks(tmp_path: Path) -> None:
    write(
        tmp_path / "note.html",
        "<html><body><main><h2>The <b>note</b> shows code</h2>"
        "<p>It may show <code>&lt;br&gt;</code> or <kbd>Ctrl+V</kbd>; click<strong> Save </strong>then <b></b>"
        "<strong>Resend</strong>.</p><ul><li>Press <b>Enter</b></li></ul>"
        "<table><tr><th>Plan</th><th>Users</th></tr><tr><td><strong>Free</strong></td><td>1</td></tr></table>"
        "</main></body></html>",
    )
    text = by_id(load_path(tmp_path))["note.html"].text
    assert text.startswith("## The note shows code\n\n")  # a heading is a heading already
    assert "It may show `<br>` or `Ctrl+V`; click **Save** then **Resend**." in text
    assert "- Press **Enter**" in text and "| **Free** | 1 |" in text


def test_html_title_language_and_content_fallbacks(tmp_path: Path) -> None:
    write(
        tmp_path / "zh.html",
        '<html lang="zh-Hans"><body><nav>Menu</nav><article><header><h1>退款政策</h1></header>'
        "<p>Refund within 30 days.</p></article><footer>f</footer></body></html>",
    )
    write(tmp_path / "plain.htm", "<html><body><h2>Section</h2><div>Body text</div></body></html>")
    write(tmp_path / "chrome-only.html", "<html><body><nav>Only navigation</nav><script>x()</script></body></html>")
    result = load_path(tmp_path)
    docs = by_id(result)
    assert docs["zh.html"].title == "退款政策"
    assert docs["zh.html"].language == "zh"  # from <html lang>, although the text is mostly English
    assert docs["zh.html"].text == "Refund within 30 days."
    assert docs["plain.htm"].title == "Plain"
    assert docs["plain.htm"].text == "## Section\n\nBody text"
    assert failures(result) == {"chrome-only.html": "no text content"}


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Deleting your account &ndash; Vela Help Centre", "Deleting your account"),
        ("Vela Help Centre | Deleting your account", "Deleting your account"),
        ("deleting your account - Help", "Deleting your account"),
        ("Delete an account", "Delete an account"),  # another wording than the heading's: the title says it
        ("Deleting your account: the 30 days before", "Deleting your account: the 30 days before"),
    ],
)
def test_a_site_name_around_the_heading_is_left_out_of_an_html_title(tmp_path: Path, title: str, expected: str) -> None:
    # An unseen help centre published every page as "<title>Heading – Vela Help Centre</title>": each citation and
    # suggestion showed the site's name.
    write(
        tmp_path / "page.html",
        f"<html><head><title>{title}</title></head><body><header>Vela</header><main><article>"
        "<h1>Deleting your account</h1><p>You can delete your account in the app.</p></article></main></body></html>",
    )
    assert by_id(load_path(tmp_path))["page.html"].title == expected


def test_an_html_page_is_cited_at_its_canonical_address(tmp_path: Path) -> None:
    # An exported help-centre page says where it is published; answers cite it as a link (it was plain text).
    write(
        tmp_path / "canonical.html",
        '<html><head><link rel="canonical" href="https://help.example.com/a/1"></head><body><p>Text.</p></body></html>',
    )
    write(
        tmp_path / "og.html",
        '<html><head><meta property="og:url" content="https://help.example.com/a/2"></head><body><p>Text.</p></body>'
        "</html>",
    )
    write(
        tmp_path / "odd.html",
        '<html><head><link rel="canonical" href="javascript:alert(1)"></head><body><p>Text.</p></body></html>',
    )
    docs = by_id(load_path(tmp_path))
    assert docs["canonical.html"].url == "https://help.example.com/a/1"
    assert docs["og.html"].url == "https://help.example.com/a/2"
    assert docs["odd.html"].url is None  # no address a reader can open, and still loaded


# --------------------------------------------------------------------------------------------------------------
# Plain text, PDF and DOCX


def test_plain_text_title_rules(tmp_path: Path) -> None:
    write(tmp_path / "short.txt", "\n\nOpening hours\nWe are open 9 to 5.\n")
    write(tmp_path / "long_line.txt", "x" * 121 + "\nmore\n")
    docs = by_id(load_path(tmp_path))
    assert docs["short.txt"].title == "Opening hours"
    assert docs["short.txt"].text == "Opening hours\nWe are open 9 to 5."
    assert docs["long_line.txt"].title == "Long line"


def test_pdf_loads_text_and_title(tmp_path: Path) -> None:
    make_pdf(tmp_path / "guide.pdf", [["Warranty guide", "Your device has two years."], ["Page two text"]])
    make_pdf(tmp_path / "titled.pdf", [["Some body text"]], title="Official warranty terms")
    docs = by_id(load_path(tmp_path))
    guide = docs["guide.pdf"]
    assert guide.title == "Warranty guide"  # ReportLab's "untitled" metadata is ignored
    assert "Your device has two years." in guide.text
    assert "\n\nPage two text" in guide.text
    assert docs["titled.pdf"].title == "Official warranty terms"


def test_corrupt_and_truncated_pdfs_fail_with_reason(tmp_path: Path) -> None:
    good = make_pdf(tmp_path / "good.pdf", [["Real content here"]])
    data = good.read_bytes()
    write(tmp_path / "truncated.pdf", data[: len(data) // 2])
    write(tmp_path / "garbage.pdf", b"this is not a pdf at all\n" * 10)
    write(tmp_path / "blank-page.pdf", b"")
    make_pdf(tmp_path / "scanned.pdf", [[]])
    result = load_path(tmp_path)
    failed = failures(result)
    assert [document.id for document in result.documents] == ["good.pdf"]
    assert failed["truncated.pdf"].startswith("not a valid PDF")
    assert failed["garbage.pdf"] == "not a valid PDF: no %PDF- header"
    assert failed["blank-page.pdf"] == "empty file"
    assert failed["scanned.pdf"] == "no extractable text (scanned PDF?)"


def test_docx_headings_lists_tables_and_title(tmp_path: Path) -> None:
    make_docx(tmp_path / "printer.docx")
    make_docx(tmp_path / "core.docx", core_title="Printer manual (core property)")
    docs = by_id(load_path(tmp_path))
    printer = docs["printer.docx"]
    assert printer.title == "Printer setup guide"  # the Title-styled paragraph
    assert printer.text == (
        "# Connecting the printer\n\n"
        "Plug the printer into the network.\n\n"
        "- Open the lid\n- Insert the cartridge\n\n"
        "## Troubleshooting\n\n"
        "1. Press reset\n2. Wait ten seconds\n\n"
        "| Light | Meaning |\n|---|---|\n| Red | Paper jam |"
    )
    assert docs["core.docx"].title == "Printer manual (core property)"


def test_corrupt_docx_fails(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx")
    write(tmp_path / "bad.docx", good.read_bytes()[:500])
    write(tmp_path / "notzip.docx", b"plain words, not a zip")
    result = load_path(tmp_path)
    failed = failures(result)
    assert [document.id for document in result.documents] == ["good.docx"]
    assert failed["bad.docx"].startswith("not a valid DOCX")
    assert failed["notzip.docx"].startswith("not a valid DOCX")


# --------------------------------------------------------------------------------------------------------------
# FAQ files

FAQ_CSV = (
    "Question,Answer,id,audience,tags,url\n"
    "How long do I have to ask for a refund?,30 days from purchase.,refund-window,,billing;refunds,/faq/refund\n"
    'Can I change my plan?,"Yes, any time.",,internal,,\n'
    "Where is my invoice?,,,,,\n"
    "Is there a student discount?,Yes, 50% off with a valid ID,,,,,\n"
    ",Orphan answer,,,,\n"
    "Do you ship abroad?,Yes.,,nobody,,\n"
)


def test_faq_csv_entries_ids_and_row_failures(tmp_path: Path) -> None:
    write(tmp_path / "faq.csv", FAQ_CSV)
    result = load_path(tmp_path)
    docs = by_id(result)
    assert sorted(docs) == ["faq.csv#2", "faq.csv#refund-window"]
    refund = docs["faq.csv#refund-window"]
    assert refund.kind == "faq"
    assert refund.title == refund.faq_question == "How long do I have to ask for a refund?"
    assert refund.faq_answer == "30 days from purchase."
    assert refund.text == "How long do I have to ask for a refund?\n\n30 days from purchase."
    assert (refund.tags, refund.url, refund.source_path) == (("billing", "refunds"), "/faq/refund", "faq.csv")
    assert docs["faq.csv#2"].audience == "internal"
    assert docs["faq.csv#2"].faq_answer == "Yes, any time."
    assert failures(result) == {
        "faq.csv#row 3": "empty answer",
        "faq.csv#row 4": "more cells than header columns (unquoted comma?)",
        "faq.csv#row 5": "empty question",
        "faq.csv#row 6": "bad audience 'nobody': expected 'public' or 'internal'",
    }


def test_faq_csv_without_required_columns_fails_whole_file(tmp_path: Path) -> None:
    write(tmp_path / "faq.csv", "q,a\nHow?,Like this.\n")
    write(tmp_path / "header-only.csv", "question,answer\n")
    write(tmp_path / "typo.csv", "question,answer,audiance\nQ?,A.,internal\n")
    failed = failures(load_path(tmp_path))
    assert failed["faq.csv"] == "not an FAQ file: CSV header lacks 'question' and 'answer' (found ['q', 'a'])"
    assert failed["header-only.csv"] == "no FAQ entries"
    assert failed["typo.csv"] == "unknown key 'audiance' (did you mean 'audience'?)"


def test_faq_json_and_yaml(tmp_path: Path) -> None:
    entries = [
        {"question": "What is Acme?", "answer": "A help desk.", "id": "what"},
        {"question": "Who builds it?", "answer": "A small team.", "community": "devs", "language": "en"},
    ]
    write(tmp_path / "list.json", json.dumps(entries))
    write(tmp_path / "wrapped.json", json.dumps({"faqs": [{"question": "Wrapped?", "answer": "Yes."}]}))
    write(
        tmp_path / "faq.yaml",
        "- question: 如何申请退款？\n  answer: 购买后三十天内可以申请退款。\n  review_by: 2025-01-31\n"
        "- question: Second?\n  answer: 'yes'\n  tags: [a, b]\n",
    )
    write(tmp_path / "config.json", json.dumps({"name": "not a faq"}))
    write(tmp_path / "settings.yml", "theme: dark\n")
    write(tmp_path / "broken.json", "[{")
    write(tmp_path / "wrong-keys.yaml", "- name: x\n  value: y\n")
    result = load_path(tmp_path)
    docs = by_id(result)
    assert sorted(docs) == ["faq.yaml#1", "faq.yaml#2", "list.json#2", "list.json#what", "wrapped.json#1"]
    assert docs["list.json#2"].community == "devs"
    assert docs["faq.yaml#1"].language == "zh"
    assert docs["faq.yaml#1"].review_by == "2025-01-31"
    assert docs["faq.yaml#2"].tags == ("a", "b")
    failed = failures(result)
    not_faq = "not an FAQ file: expected a list of {question, answer}"
    assert failed["config.json"] == not_faq
    assert failed["settings.yml"] == not_faq
    assert failed["wrong-keys.yaml"] == not_faq
    assert failed["broken.json"].startswith("invalid JSON:")


def test_faq_rows_inherit_folder_defaults(tmp_path: Path) -> None:
    write(tmp_path / "_defaults.yaml", "audience: internal\ncommunity: support\n")
    write(tmp_path / "faq.csv", "question,answer,audience\nPublic one?,Yes.,public\nInternal one?,Yes.,\n")
    docs = by_id(load_path(tmp_path))
    assert docs["faq.csv#1"].audience == "public"
    assert docs["faq.csv#2"].audience == "internal"
    assert docs["faq.csv#2"].community == "support"


def test_faq_alternatives_column_and_key(tmp_path: Path) -> None:
    write(
        tmp_path / "faq.csv",
        "question,answer,alternatives\n"
        'How do I get a refund?,Ask within 30 days.,"Can I have my money back?; refund please ;;"\n'
        "Do you ship abroad?,Yes.,\n",
    )
    entries = [
        {
            "question": "Can I pay by invoice?",
            "answer": "Yes, on the Business plan.",
            "alternatives": ["Do you accept invoices?", "can I pay by invoice?", "Do you accept  invoices?", ""],
        }
    ]
    write(tmp_path / "faq.json", json.dumps(entries))
    write(
        tmp_path / "faq.yaml",
        "- question: Where is my order?\n  answer: See the tracking link.\n"
        "  alternatives:\n    - Track my parcel\n    - When does my order arrive?\n"
        "- question: Bad one?\n  answer: Yes.\n  alternatives: {a: b}\n",
    )
    write(tmp_path / "typo.csv", "question,answer,alternative\nQ?,A.,R?\n")
    result = load_path(tmp_path)
    docs = by_id(result)
    refund = docs["faq.csv#1"]
    # Search-only: other phrasings of the question, never part of the text that is quoted
    assert refund.faq_alternatives == ("Can I have my money back?", "refund please")
    assert refund.text == "How do I get a refund?\n\nAsk within 30 days." and refund.faq_answer == "Ask within 30 days."
    assert docs["faq.csv#2"].faq_alternatives == ()
    # Blanks, repeats (case and spaces aside) and the question itself are dropped
    assert docs["faq.json#1"].faq_alternatives == ("Do you accept invoices?",)
    assert docs["faq.yaml#1"].faq_alternatives == ("Track my parcel", "When does my order arrive?")
    failed = failures(result)
    assert failed["faq.yaml#row 2"].startswith("'alternatives' must be a list")
    assert failed["typo.csv"] == "unknown key 'alternative' (did you mean 'alternatives'?)"
    # New phrasings make a new version; an entry without any keeps the fingerprint it always had
    assert refund.metadata_fingerprint()["faq_alternatives"] == ["Can I have my money back?", "refund please"]
    assert "faq_alternatives" not in docs["faq.csv#2"].metadata_fingerprint()


# --------------------------------------------------------------------------------------------------------------
# Language, encodings, size, single files


def test_chinese_markdown_detected_as_zh(tmp_path: Path) -> None:
    write(tmp_path / "zh" / "退款.md", "# 如何申请退款\n\n购买后三十天内，您可以在账户页面申请全额退款。\n")
    write(tmp_path / "mixed.md", "# Using the API\n\nCall the endpoint with your key. 中文\n")
    docs = by_id(load_path(tmp_path))
    assert docs["zh/退款.md"].language == "zh"
    assert docs["zh/退款.md"].title == "如何申请退款"
    assert docs["mixed.md"].language == "en"


def test_encodings_bom_gb18030_and_utf16(tmp_path: Path) -> None:
    write(tmp_path / "bom.md", "\ufeff---\ntitle: With BOM\n---\nBody\r\nline two\r\n".encode())
    write(tmp_path / "gbk.txt", "退款政策\n购买后三十天内可以申请退款。\n".encode("gb18030"))
    write(tmp_path / "notepad.txt", "Unicode from Notepad\nsecond line\n".encode("utf-16"))
    result = load_path(tmp_path)
    docs = by_id(result)
    assert result.failed == []
    assert (docs["bom.md"].title, docs["bom.md"].text) == ("With BOM", "Body\nline two")
    assert docs["gbk.txt"].title == "退款政策"
    assert docs["gbk.txt"].language == "zh"
    assert docs["notepad.txt"].title == "Unicode from Notepad"


def test_oversized_file_fails_without_loading(tmp_path: Path) -> None:
    write(tmp_path / "big.md", "# Big\n\n" + "word " * 100)
    write(tmp_path / "small.md", "# Small\n\nok\n")
    result = load_path(tmp_path, max_file_bytes=100)
    assert failures(result) == {"big.md": "larger than 100 bytes"}
    assert [document.id for document in result.documents] == ["small.md"]
    huge = load_path(tmp_path, max_file_bytes=1)
    assert failures(huge)["small.md"] == "larger than 1 bytes"
    assert failures(load_path(tmp_path / "big.md", max_file_bytes=3 * 1024 * 1024)) == {}


def test_max_file_size_message_in_mib(tmp_path: Path) -> None:
    path = write(tmp_path / "big.txt", b"a" * (1024 * 1024 + 1))
    assert load_path(path, max_file_bytes=1024 * 1024).failed == [FailedFile("big.txt", "larger than 1 MiB")]


def test_single_file_uses_parent_as_root_and_its_defaults(tmp_path: Path) -> None:
    write(tmp_path / "_defaults.yaml", "audience: internal\n")
    path = write(tmp_path / "one.md", "# One\n\ntext\n")
    result = load_path(path)
    assert result.root == tmp_path.resolve().as_posix()
    assert [(document.id, document.audience) for document in result.documents] == [("one.md", "internal")]


def test_single_unsupported_file_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "notes.rtf", "{\\rtf1 hello}")
    assert load_path(path).failed == [FailedFile("notes.rtf", "unsupported file type '.rtf'")]


def test_missing_path_and_bad_default_audience_raise(tmp_path: Path) -> None:
    with pytest.raises(DocumentLoadError, match="no such file or folder"):
        load_path(tmp_path / "nope")
    with pytest.raises(DocumentLoadError, match="bad audience"):
        load_path(tmp_path, default_audience="everyone")  # type: ignore[arg-type]


def test_unexpected_loader_exception_becomes_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ingest.sources as sources

    def explode(src: object) -> list[object]:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setitem(sources._LOADERS, ".txt", explode)
    write(tmp_path / "a.txt", "hello")
    write(tmp_path / "b.md", "# B\n\nfine\n")
    result = load_path(tmp_path)
    assert result.failed == [FailedFile("a.txt", "RuntimeError: boom")]
    assert [document.id for document in result.documents] == ["b.md"]


def test_supported_suffixes() -> None:
    expected = {".md", ".markdown", ".html", ".htm", ".txt", ".pdf", ".docx", ".csv", ".json", ".yaml", ".yml"}
    assert expected == SUPPORTED_SUFFIXES


def test_markdown_stub_with_a_title_is_a_document_but_without_one_fails(tmp_path: Path) -> None:
    (tmp_path / "stub.md").write_text("---\ntitle: Connecting with an HDMI (ARC) cable\n---\n", encoding="utf-8")
    (tmp_path / "nothing.md").write_text("---\ntags: [a]\n---\n\n", encoding="utf-8")
    result = load_path(tmp_path)
    assert [d.title for d in result.documents] == ["Connecting with an HDMI (ARC) cable"]
    assert [(f.path, f.error) for f in result.failed] == [("nothing.md", "no text content")]


def test_html_drops_a_feedback_prompt_but_keeps_hidden_accordion_answers(tmp_path: Path) -> None:
    write(
        tmp_path / "notes.html",
        "<html><body><main><h1>Invoice notes</h1><p>Paste text with Ctrl+Shift+V.</p>"
        "<p id='feedback' hidden>Was this article helpful?</p>"
        "<div class='votes'>Was this page helpful? <button>Yes</button> <button>No</button></div>"
        "<h2>Can I add links?</h2><div class='accordion-panel' hidden><p>Links starting with https:// work.</p></div>"
        "</main></body></html>",
    )
    page = by_id(load_path(tmp_path))["notes.html"]
    assert "helpful" not in page.text
    assert "Paste text with Ctrl+Shift+V." in page.text and "Links starting with https:// work." in page.text


def test_a_page_of_questions_is_read_as_faq_entries(tmp_path: Path) -> None:
    # An FAQ published as one page (round 37: an unseen help centre's faq.html): each question its own entry, as an
    # FAQ file's rows are; category headings without text and a one-line introduction are allowed.
    write(
        tmp_path / "faq.md",
        "# Frequently asked questions\n\nQuick answers.\n\n## Payments\n\n### Can I pay by card?\n\nYes, Visa and "
        "Mastercard.\n\n### Can I pay by card?\n\nAnd Amex too.\n\n## Riding\n\n### Do I need a helmet?\n\nWe "
        "recommend one.\n",
    )
    write(
        tmp_path / "guide.md",
        "# Price rises\n\nPrices go up in April.\n\n## Joined recently?\n\nYour first rise is skipped.\n\n"
        "## How we tell you\n\nBy email.\n\n## Can I leave?\n\nNot in your minimum term.\n",
    )
    write(
        tmp_path / "long-intro.html",
        "<html><body><main><h1>Help</h1><p>" + "Read this first before you ask anything at all. " * 8 + "</p>"
        "<h2>Can I pay by card?</h2><p>Yes.</p><h2>Do you ship abroad?</h2><p>No.</p><h2>Is there an app?</h2>"
        "<p>Yes.</p></main></body></html>",
    )
    docs = by_id(load_path(tmp_path))
    entries = {doc_id: doc for doc_id, doc in docs.items() if doc_id.startswith("faq.md#")}
    assert sorted(entries) == ["faq.md#can-i-pay-by-card", "faq.md#can-i-pay-by-card-2", "faq.md#do-i-need-a-helmet"]
    helmet = entries["faq.md#do-i-need-a-helmet"]
    assert (helmet.kind, helmet.title, helmet.faq_question, helmet.faq_answer) == (
        "faq",
        "Do I need a helmet?",
        "Do I need a helmet?",
        "We recommend one.",
    )
    assert helmet.source_path == "faq.md"
    assert docs["guide.md"].kind == "article"  # some question headings among others: an article
    assert docs["long-intro.html"].kind == "article"  # an introduction of its own is more than a list of questions
