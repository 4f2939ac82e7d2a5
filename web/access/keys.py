"""Site keys and personal API tokens: how they are made and how a token is stored."""

from __future__ import annotations

import hashlib
import secrets

# Prefixes make a leaked value recognisable (secret scanners, logs) and tell the two kinds apart.
SITE_KEY_PREFIX = "site_"
API_TOKEN_PREFIX = "adt_"


def new_site_key() -> str:
    return SITE_KEY_PREFIX + secrets.token_urlsafe(18)


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 is enough here (unlike for passwords): a token has 256 random bits, nothing to brute-force."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
