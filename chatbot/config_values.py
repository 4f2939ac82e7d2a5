"""Reading one setting's text: each parser returns the value or raises ValueError with what was expected (the
caller, chatbot/config.py, adds the variable's name). No environment access here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def parse_probability(raw: str) -> float:
    value = float(raw)
    if not 0.0 <= value <= 1.0:
        raise ValueError("expected a number between 0 and 1")
    return value


def parse_positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("expected a positive whole number")
    return value


def choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return value

    return parse


def optional_str(raw: str) -> str | None:
    return raw.strip() or None


def optional_probability(raw: str) -> float | None:
    return parse_probability(raw) if raw.strip() else None


def path(raw: str) -> Path:
    return Path(raw).expanduser()


def parse_non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("expected 0 or a positive whole number")
    return value


def parse_positive_seconds(raw: str) -> float:
    value = float(raw)
    if not 0 < value < 3600:  # also refuses nan and inf
        raise ValueError("expected a number of seconds above 0 and below 3600, e.g. 4 or 2.5")
    return value


def optional_http_url(raw: str) -> str | None:
    value = raw.strip()
    if value and not value.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// URL")
    return value or None


def optional_base_url(raw: str) -> str | None:
    """An absolute http(s) URL without query or fragment, kept without its trailing slash (links append paths)."""
    value = raw.strip()
    if not value:
        return None
    scheme, _, rest = value.partition("://")
    host = rest.split("/", 1)[0]
    if scheme.lower() not in {"http", "https"} or not host or "@" in host or any(c in rest for c in "?#"):
        raise ValueError("expected the address visitors use, such as https://help.example.com (no query)")
    return value.rstrip("/")


def parse_rate_limit(raw: str) -> str:
    """``off``, or a Flask-Limiter limit string such as ``30/minute`` or ``30/minute;500/day``."""
    value = raw.strip()
    if value.lower() == "off":
        return "off"
    # Imported here: the limits package belongs to the web layer, and only this setting needs it.
    from limits import parse_many

    try:
        parse_many(value)
    except ValueError:
        raise ValueError("expected off or a limit such as 30/minute (several: 30/minute;500/day)") from None
    return value
