"""A small knowledge base for the chat service tests: five public articles and one internal one whose
distinctive phrase must never reach a public caller."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

SECRET_PHRASE = "Zebra Kite"
INTERNAL_DOC = "internal/refund-approvals.md"
PUBLIC_QUESTION = "How do I reset my password?"
INTERNAL_QUESTION = "What is the Zebra Kite procedure?"


# (path, title, body, audience) of each article.
ARTICLES: tuple[tuple[str, str, str, str], ...] = (
    (
        "billing/refunds.md",
        "Refunds",
        "You can ask for a refund within 30 days of payment. Open Billing, choose the invoice and click Request "
        "refund. The money is back on your card within five business days.",
        "public",
    ),
    (
        "billing/plans.md",
        "Plans and pricing",
        "Lumo has three plans. Free is for one user. Plus costs 12 EUR a month for five users. Business costs "
        "30 EUR a month for unlimited users.",
        "public",
    ),
    (
        "account/password.md",
        "Reset your password",
        "To reset your password, open the sign-in page and click Forgot password. We email you a link that is "
        "valid for 24 hours.",
        "public",
    ),
    (
        "mobile/offline.md",
        "Offline mode",
        "The mobile app works offline. Invoices you create offline are synced when the phone is back online.",
        "public",
    ),
    (
        "security/two-factor.md",
        "Two-factor authentication",
        "Turn on two-factor authentication in Settings > Security. You need an authenticator app.",
        "public",
    ),
    (
        INTERNAL_DOC,
        "Refund approval limits",
        f"Support agents follow the {SECRET_PHRASE} procedure for refunds above 200 EUR: a tier 2 agent approves "
        "refunds up to 500 EUR, and the finance lead approves anything larger.",
        "internal",
    ),
)


def write_article(
    root: Path, rel: str, title: str, body: str, audience: str = "public", url: str | None = None
) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    front = f"title: {title}\naudience: {audience}\n" + (f"url: {url}\n" if url else "")
    path.write_text(f"---\n{front}---\n# {title}\n\n{body}\n", encoding="utf-8")


def write_knowledge_base(root: Path, urls: Mapping[str, str] | None = None) -> Path:
    """The articles above under ``root``; ``urls``: an article's path -> the URL its citations link to."""
    for rel, title, body, audience in ARTICLES:
        write_article(root, rel, title, body, audience, (urls or {}).get(rel))
    return root
