"""Generate the PDF and DOCX articles of the sample help centre (examples/helpcenter).

Run from the repository root with the project's virtualenv:

    .venv/bin/python examples/make_binary_articles.py

The output is deterministic: re-running it produces byte-identical files (reportlab's ``invariant`` mode for the
PDFs; fixed core-property dates and fixed ZIP entry timestamps for the DOCX files), so regenerating them doesn't
create spurious changes. "Lumo" and "Lumo Labs" are fictional; every fact in these articles is invented.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from docx import Document
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

rl_config.invariant = 1

ROOT = Path(__file__).resolve().parent / "helpcenter"
FIXED_DATE = dt.datetime(2026, 9, 1, 9, 0, 0)
ZIP_DATE = (2026, 9, 1, 9, 0, 0)
AUTHOR = "Lumo Labs Help Centre"

# A tiny document model shared by both writers:
#   ("h1", text) ("h2", text) ("p", text) ("bullets", [..]) ("steps", [..]) ("table", [[header...], [row...], ...])
# Paragraph text may use <b>..</b> for bold (reportlab markup; converted to bold runs for DOCX).

GETTING_STARTED = {
    "path": "account/getting-started-guide.pdf",
    "title": "Getting started with Lumo",
    "subject": "A step-by-step guide for new Lumo accounts",
    "keywords": "getting started, setup, trial, company profile, onboarding",
    "blocks": [
        ("h1", "Getting started with Lumo"),
        ("p", "This guide takes you from sign-up to your first paid invoice. It takes about 30 minutes. "
              "You can do every step in the web app at app.lumo.example; steps marked (mobile) can also be done "
              "in the iOS and Android apps."),
        ("h2", "1. Create your account"),
        ("steps", [
            "Go to app.lumo.example/signup and enter your name, work email and a password of at least 12 characters.",
            "Open the confirmation email and click <b>Confirm email</b>. The link is valid for 24 hours.",
            "Enter your company name and country.",
        ]),
        ("p", "Every new account starts with a <b>30-day free trial of the Business plan</b>. You don't need a card. "
              "We email you 7 days and 1 day before the trial ends. If you haven't chosen a plan by then, the "
              "account moves to the Free plan and nothing is deleted."),
        ("h2", "2. Complete your company profile"),
        ("p", "Go to <b>Settings &gt; Company</b> and fill in:"),
        ("bullets", [
            "Legal company name, address and company registration number - these appear on your invoices.",
            "Your logo: PNG or JPG, up to 2 MB.",
            "Your <b>home currency</b>. This is the currency of your reports. It can only be changed until the "
            "first transaction is posted, so check it now.",
            "The first month of your <b>fiscal year</b> (January unless you choose otherwise).",
        ]),
        ("h2", "3. Set up VAT"),
        ("p", "If your company is registered for VAT, go to <b>Settings &gt; Taxes &gt; VAT settings</b>, enter your VAT "
              "number and choose how often you file. Lumo loads the standard rates for your country. See the "
              "article 'Setting up VAT and sales tax' for details."),
        ("h2", "4. Invite your team and your accountant"),
        ("steps", [
            "Go to <b>Settings &gt; Users &amp; permissions</b> and click <b>Invite user</b>.",
            "Enter the email address and choose a role: Admin, Accountant, Staff or Read-only.",
            "Click <b>Send invitation</b>. Invitations expire after 7 days.",
        ]),
        ("p", "Free includes 1 user, Plus 3 users and Business 10 users. On Plus and Business, up to 2 users with the "
              "Accountant role don't count toward the limit."),
        ("h2", "5. Connect your bank"),
        ("p", "Bank feeds are included in Plus (2 bank connections) and Business (unlimited), and during the trial. "
              "Go to <b>Banking &gt; Bank accounts &gt; Connect a bank</b>, choose your bank, sign in on your bank's "
              "page and choose how much history to import - up to 12 months. Lumo then fetches new transactions "
              "every 6 hours. On the Free plan, import statement files (CSV, OFX, QIF or CAMT.053) instead."),
        ("h2", "6. Send your first invoice"),
        ("steps", [
            "Go to <b>Invoices &gt; New invoice</b> (mobile).",
            "Add a customer and line items. New invoices are due in 14 days (Net 14) unless you change it.",
            "Click <b>Send</b>. The email comes from invoices@lumo.example with your company name, and replies go to you.",
        ]),
        ("p", "To get paid faster, connect Stripe (all plans) or PayPal (Plus and Business) in "
              "<b>Settings &gt; Integrations</b>. Your invoices then show a <b>Pay now</b> button and are marked as paid "
              "automatically."),
        ("h2", "7. Capture receipts"),
        ("p", "Snap receipts with the mobile app (Receipts &gt; Scan), drag them onto <b>Expenses &gt; Receipts</b> on the "
              "web, or forward them to your own forwarding address shown in <b>Settings &gt; Receipts &gt; Forwarding "
              "address</b>. Lumo reads the supplier, date, total and VAT, usually in less than 60 seconds. Free includes "
              "10 scans a month, Plus 100, and Business is unlimited."),
        ("h2", "8. Secure your account"),
        ("p", "Turn on two-factor authentication in <b>Settings &gt; Security &gt; Two-factor authentication</b> and "
              "store your 10 backup codes safely. On the Business plan you can require 2FA for every user."),
        ("h2", "9. Choose your plan"),
        ("table", [
            ["Plan", "Monthly", "Annual", "Users", "Bank connections"],
            ["Free", "EUR 0", "-", "1", "None"],
            ["Plus", "EUR 12", "EUR 120", "3", "2"],
            ["Business", "EUR 29", "EUR 290", "10 (+EUR 4 per extra user)", "Unlimited"],
        ]),
        ("p", "Prices exclude VAT. Choose a plan in <b>Settings &gt; Billing &gt; Plan</b>. Add a card or SEPA Direct "
              "Debit mandate in <b>Settings &gt; Billing &gt; Payment method</b>."),
        ("h2", "Getting help"),
        ("bullets", [
            "Search the help centre at help.lumo.example.",
            "Email support@lumo.example. Our team works Monday to Friday, 09:00-18:00 CET.",
            "Business customers can also use live chat in the web app, with a first reply within 4 business hours.",
        ]),
    ],
}

VAT = {
    "path": "bookkeeping/vat-and-sales-tax.pdf",
    "title": "Setting up VAT and sales tax",
    "subject": "VAT numbers, tax rates, reverse charge and the VAT return report in Lumo",
    "keywords": "VAT, sales tax, tax rates, reverse charge, VAT return",
    "blocks": [
        ("h1", "Setting up VAT and sales tax"),
        ("p", "Lumo calculates VAT on your invoices and bills and prepares the figures for your VAT return. Tax "
              "features are included in every plan. The Owner, Admins and Accountants can change tax settings."),
        ("h2", "Turn on VAT"),
        ("steps", [
            "Go to <b>Settings &gt; Taxes &gt; VAT settings</b>.",
            "Turn on <b>My company is registered for VAT</b> and enter your VAT number. Lumo checks EU VAT numbers "
            "against the EU register.",
            "Choose your filing period: <b>monthly</b>, <b>quarterly</b> or <b>annual</b>.",
            "Choose your accounting basis: <b>invoice basis</b> (VAT is due when you issue the invoice) or "
            "<b>cash basis</b> (VAT is due when you are paid).",
            "Click <b>Save</b>.",
        ]),
        ("h2", "Tax rates"),
        ("p", "Lumo loads the standard, reduced and zero rates for your country. You can add your own rates in "
              "<b>Settings &gt; Taxes &gt; Tax rates &gt; Add rate</b>, for example for a special regional rate. A rate "
              "that has been used on a transaction can't be deleted, only archived."),
        ("h2", "Selling to businesses in other EU countries"),
        ("p", "When your customer has a valid VAT number in another EU country, Lumo applies the <b>reverse charge</b> "
              "automatically: the invoice shows 0% VAT and the note 'Reverse charge - VAT to be accounted for by the "
              "recipient'. Add the customer's VAT number on their contact page so Lumo can check it."),
        ("h2", "Sales tax outside the EU"),
        ("p", "For countries that use sales tax, such as the United States, you can create sales tax rates and add "
              "them to invoices. Lumo doesn't look up or calculate state or city rates automatically."),
        ("h2", "The VAT return report"),
        ("steps", [
            "Go to <b>Reports &gt; VAT return</b>.",
            "Choose the period. Lumo fills in the boxes of your country's VAT return.",
            "Click any figure to see the transactions behind it.",
            "Download the report as PDF or CSV and file it with your tax authority. Lumo doesn't submit returns for you.",
            "Click <b>Mark as filed</b>. This locks the transactions in the period so the figures can't change by accident.",
        ]),
        ("table", [
            ["Setting", "Where", "Who can change it"],
            ["VAT number and filing period", "Settings > Taxes > VAT settings", "Owner, Admin, Accountant"],
            ["Tax rates", "Settings > Taxes > Tax rates", "Owner, Admin, Accountant"],
            ["VAT return", "Reports > VAT return", "Owner, Admin, Accountant"],
        ]),
        ("p", "To change a transaction in a period marked as filed, an Owner or Admin must first click "
              "<b>Reopen period</b> on the VAT return. Lumo records who reopened it."),
    ],
}

SECURITY_OVERVIEW = {
    "path": "security/security-overview.docx",
    "title": "How Lumo protects your data",
    "subject": "Security overview for Lumo customers",
    "keywords": "security, encryption, backups, audit log, uptime, responsible disclosure",
    "blocks": [
        ("h1", "How Lumo protects your data"),
        ("p", "Your books contain some of your company's most sensitive information. This overview explains how "
              "Lumo Labs keeps it safe. For privacy and GDPR questions, see 'Privacy, GDPR and where your data is stored'."),
        ("h2", "Hosting and encryption"),
        ("bullets", [
            "All customer data is stored in the European Union: the primary data centre is in Frankfurt, Germany, "
            "and encrypted backups are kept in Dublin, Ireland.",
            "Data is encrypted at rest with AES-256 and in transit with TLS 1.2 or newer.",
            "Encrypted backups are taken every hour and kept for 90 days.",
        ]),
        ("h2", "Access to your account"),
        ("bullets", [
            "Two-factor authentication with an authenticator app or SMS on all plans, and security keys on the Business plan.",
            "Role-based permissions: Owner, Admin, Accountant, Staff and Read-only.",
            "On the Business plan, Owners can require 2FA for every user and set a web session timeout between 1 and 24 hours.",
            "On the Business plan, the audit log keeps 365 days of sign-ins, permission changes, exports and API key events. "
            "Find it in Settings > Security > Audit log.",
        ]),
        ("h2", "Access by Lumo staff"),
        ("p", "Lumo support can see your account settings and billing details so they can help you. They can only open "
              "your financial records - invoices, transactions and receipts - if you grant temporary access in "
              "Settings > Security > Support access. Access ends automatically after 7 days, and you can end it earlier."),
        ("h2", "Availability"),
        ("bullets", [
            "Our target is 99.9% uptime each calendar month for the web app and the API.",
            "Planned maintenance is announced at least 5 days in advance on status.lumo.example and happens on "
            "Sundays between 02:00 and 05:00 CET.",
            "You can subscribe to incident updates by email on the status page.",
        ]),
        ("h2", "Testing and reporting vulnerabilities"),
        ("numbered", [
            "An independent company tests Lumo's web app, mobile apps and API at least once a year.",
            "If you find a security problem, email security@lumo.example with the steps to reproduce it.",
            "We reply within 2 business days and keep you updated until it is fixed.",
            "Please don't access other customers' data or run automated scans against app.lumo.example.",
        ]),
    ],
}

YEAR_END = {
    "path": "bookkeeping/year-end-checklist.docx",
    "title": "Year-end closing checklist",
    "subject": "Steps to close your financial year in Lumo",
    "keywords": "year end, closing, lock date, reconciliation, accountant package",
    "blocks": [
        ("h1", "Year-end closing checklist"),
        ("p", "Use this checklist when your financial year ends. Your fiscal year is set in Settings > Company > Fiscal "
              "year. Most steps can be done by the Owner, an Admin or an Accountant."),
        ("h2", "Before you start"),
        ("bullets", [
            "Make sure every bank feed is connected and its consent hasn't expired.",
            "Import any missing statements for accounts without a feed.",
            "Tell your team the date after which they shouldn't change last year's records.",
        ]),
        ("h2", "The checklist"),
        ("numbered", [
            "Reconcile every bank account up to the last day of the year. The 'Reconciled up to' date on each account "
            "card should show that day.",
            "Clear Banking > Review so that no transactions are left uncategorised.",
            "Match or attach a receipt to every expense. Filter Expenses > Receipts by 'Not matched'.",
            "Review unpaid invoices. Chase them, or write off those you won't collect with More > Write off as bad debt.",
            "Review unpaid bills and record any payments that are missing.",
            "Check that every VAT return for the year is marked as filed in Reports > VAT return.",
            "Run Reports > Profit and loss and Reports > Balance sheet for the year and check them for surprises.",
            "Send your accountant the Accountant package from Settings > Data > Export data, or invite them with the "
            "Accountant role.",
            "Set a lock date in Settings > Accounting > Lock date so nobody changes the closed year by accident.",
        ]),
        ("h2", "About the lock date"),
        ("p", "Once a lock date is set, nobody can add, edit or delete transactions dated on or before it. Only the "
              "Owner and Admins can move or remove the lock date, and Lumo records who changed it. The new financial "
              "year starts automatically; you don't need to open it."),
        ("h2", "Keep a copy"),
        ("p", "Download a full backup from Settings > Data > Export data after closing the year. Tax rules in most "
              "countries require you to keep your records for several years."),
    ],
}


# ---------------------------------------------------------------- PDF


def write_pdf(spec: dict) -> Path:
    out = ROOT / spec["path"]
    out.parent.mkdir(parents=True, exist_ok=True)
    styles = getSampleStyleSheet()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=spec["title"],
        author=AUTHOR,
        subject=spec["subject"],
        keywords=spec["keywords"],
        creator="examples/make_binary_articles.py",
        invariant=1,
    )
    story = []
    for kind, content in spec["blocks"]:
        if kind == "h1":
            story.append(Paragraph(content, styles["Heading1"]))
        elif kind == "h2":
            story.append(Paragraph(content, styles["Heading2"]))
        elif kind == "p":
            story.append(Paragraph(content, styles["BodyText"]))
        elif kind in ("bullets", "steps", "numbered"):
            items = [ListItem(Paragraph(t, styles["BodyText"]), leftIndent=14) for t in content]
            if kind == "bullets":
                story.append(ListFlowable(items, bulletType="bullet", start="-", leftIndent=14))
            else:
                story.append(ListFlowable(items, bulletType="1", leftIndent=14))
        elif kind == "table":
            cells = [[Paragraph(c, styles["BodyText"]) for c in row] for row in content]
            table = Table(cells, hAlign="LEFT", repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6f2ef")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(table)
        else:
            raise ValueError(kind)
        story.append(Spacer(1, 3 * mm))
    doc.build(story)
    out.write_bytes(buf.getvalue())
    return out


# ---------------------------------------------------------------- DOCX


def _add_runs(paragraph, text: str) -> None:
    """Add text to a python-docx paragraph, turning <b>..</b> into bold runs and unescaping &gt; / &amp;."""
    parts = text.split("<b>")
    for i, part in enumerate(parts):
        bold_text, _, rest = part.partition("</b>") if i else ("", "", part)
        for chunk, bold in ((bold_text, True), (rest, False)):
            if chunk:
                chunk = chunk.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
                paragraph.add_run(chunk).bold = bold or None


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite a DOCX (ZIP) with fixed entry timestamps so the bytes don't depend on when it was generated."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def write_docx(spec: dict) -> Path:
    out = ROOT / spec["path"]
    out.parent.mkdir(parents=True, exist_ok=True)
    document = Document()
    props = document.core_properties
    props.title = spec["title"]
    props.subject = spec["subject"]
    props.keywords = spec["keywords"]
    props.author = AUTHOR
    props.last_modified_by = AUTHOR
    props.comments = "Fictional sample article for answerdesk. Generated by examples/make_binary_articles.py."
    props.created = FIXED_DATE
    props.modified = FIXED_DATE
    props.last_printed = FIXED_DATE
    props.revision = 1
    props.language = "en-GB"
    for kind, content in spec["blocks"]:
        if kind == "h1":
            document.add_heading(content, level=1)
        elif kind == "h2":
            document.add_heading(content, level=2)
        elif kind == "p":
            _add_runs(document.add_paragraph(), content)
        elif kind == "bullets":
            for item in content:
                _add_runs(document.add_paragraph(style="List Bullet"), item)
        elif kind in ("steps", "numbered"):
            for item in content:
                _add_runs(document.add_paragraph(style="List Number"), item)
        elif kind == "table":
            table = document.add_table(rows=0, cols=len(content[0]))
            table.style = "Table Grid"
            for row in content:
                cells = table.add_row().cells
                for cell, value in zip(cells, row, strict=True):
                    cell.text = value
        else:
            raise ValueError(kind)
    buf = io.BytesIO()
    document.save(buf)
    out.write_bytes(_deterministic_zip(buf.getvalue()))
    return out


def main() -> None:
    for spec in (GETTING_STARTED, VAT):
        print("wrote", write_pdf(spec).relative_to(ROOT.parent.parent))
    for spec in (SECURITY_OVERVIEW, YEAR_END):
        print("wrote", write_docx(spec).relative_to(ROOT.parent.parent))


if __name__ == "__main__":
    main()
