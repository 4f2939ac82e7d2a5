"""Document metadata: front matter, FAQ-row and ``_defaults.yaml`` fields, parsed strictly, and folder defaults."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from chatbot.errors import DocumentLoadError
from chatbot.types import Audience
from ingest.sources.encoding import decode
from ingest.sources.ids import check_id
from ingest.sources.results import one_line

_DEFAULTS_NAMES = ("_defaults.yaml", "_defaults.yml")
_AUDIENCES: tuple[Audience, ...] = ("public", "internal")
FRONT_MATTER_KEYS = ("id", "title", "audience", "community", "tags", "url", "owner", "language", "review_by")
_DEFAULTS_KEYS = frozenset({"audience", "community", "tags", "owner", "language"})


@dataclass(frozen=True)
class Defaults:
    """Folder-level defaults; None means "not set here, inherit"."""

    audience: Audience | None = None
    community: str | None = None
    tags: tuple[str, ...] | None = None
    owner: str | None = None
    language: str | None = None

    def overridden_by(self, nearer: Defaults) -> Defaults:
        return Defaults(
            audience=nearer.audience or self.audience,
            community=nearer.community if nearer.community is not None else self.community,
            tags=nearer.tags if nearer.tags is not None else self.tags,
            owner=nearer.owner if nearer.owner is not None else self.owner,
            language=nearer.language or self.language,
        )


@dataclass(frozen=True)
class BrokenDefaults:
    """A bad ``_defaults.yaml``: every file below it fails rather than being ingested with a guessed audience."""

    reason: str


Inherited = Defaults | BrokenDefaults


@dataclass(frozen=True)
class Fields:
    """Metadata a document sets for itself (front matter, FAQ row, HTML lang); None means "not set"."""

    id: str | None = None
    title: str | None = None
    audience: Audience | None = None
    community: str | None = None
    tags: tuple[str, ...] | None = None
    url: str | None = None
    owner: str | None = None
    language: str | None = None
    review_by: str | None = None


def text_value(value: object, key: str) -> str | None:
    """A scalar metadata value as stripped text; empty means unset. YAML turns `yes` into True, so refuse bools."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DocumentLoadError(f"'{key}' must be text, got {type(value).__name__} {value!r}")
    return str(value).strip() or None


def _parse_audience(value: object) -> Audience | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    lowered = value.strip().lower() if isinstance(value, str) else None
    for audience in _AUDIENCES:
        if lowered == audience:
            return audience
    raise DocumentLoadError(f"bad audience {value!r}: expected 'public' or 'internal'")


def _parse_tags(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        # People write "a, b" in front matter and "a; b" in spreadsheets; accept both separators everywhere.
        raw: list[object] = list(re.split(r"[;,]", value))
    elif isinstance(value, list | tuple):
        raw = list(value)
    else:
        raise DocumentLoadError(f"'tags' must be a list or a comma-separated string, got {value!r}")
    tags = [text for item in raw if (text := text_value(item, "tags"))]
    return tuple(dict.fromkeys(tags))  # de-duplicated, first-seen order


def normalise_language(value: object) -> str | None:
    """The answering side knows English and Chinese; any zh-* tag is Chinese, every other tag English."""
    text = text_value(value, "language")
    if text is None:
        return None
    return "zh" if text.lower().startswith("zh") else "en"


def parse_review_by(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip()).date().isoformat()
        except ValueError:
            pass
    raise DocumentLoadError(f"review_by {value!r} is not a date (YYYY-MM-DD)")


def _parse_url(value: object) -> str | None:
    url = text_value(value, "url")
    # The URL becomes a link in the chat UI: a javascript: or data: URL there would be an injection.
    if url is not None and not re.match(r"(?i)^(https?://|/)", url):
        raise DocumentLoadError(f"url {url!r} must start with http://, https:// or /")
    return url


def _parse_id(value: object) -> str | None:
    """An ``id`` as written, checked before anything is added to it (an FAQ row's id follows its file's)."""
    doc_id = text_value(value, "id")
    return check_id(doc_id) if doc_id is not None else None


def parse_fields(mapping: Mapping[str, object]) -> Fields:
    return Fields(
        id=_parse_id(mapping.get("id")),
        title=text_value(mapping.get("title"), "title"),
        audience=_parse_audience(mapping.get("audience")),
        community=text_value(mapping.get("community"), "community"),
        tags=_parse_tags(mapping.get("tags")),
        url=_parse_url(mapping.get("url")),
        owner=text_value(mapping.get("owner"), "owner"),
        language=normalise_language(mapping.get("language")),
        review_by=parse_review_by(mapping.get("review_by")),
    )


def reject_misspelled_keys(mapping: Mapping[str, object], known: tuple[str, ...]) -> None:
    """Unknown keys are allowed (other tools' front matter), but `audiance: internal` must not pass as public."""
    for key in mapping:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.8)
        if close:
            raise DocumentLoadError(f"unknown key {key!r} (did you mean {close[0]!r}?)")


# --------------------------------------------------------------------------------------------------------------
# Front matter: the YAML block at the top of a Markdown file.

_FRONT_MATTER_END = re.compile(r"^(---|\.\.\.)[ \t]*$", re.MULTILINE)
# What may come before a front matter's "---" without anyone seeing it: blank lines, spaces, a byte-order mark,
# zero-width characters. Read as body text, the block's `audience: internal` was ignored and the document served
# on the public widget (a robustness check, round 38).
_INVISIBLE_LEAD = "\ufeff\u200b\u200c\u200d\u2060 \t\r\n"


class _NoAliasLoader(yaml.SafeLoader):
    """YAML without aliases: a few hundred bytes of nested aliases ("a billion laughs") expand to gigabytes, and an
    error message quoting the value printed all of it. Front matter and folder defaults never need one."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) are not allowed here", mark)
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


def load_yaml(text: str) -> object:
    """``yaml.safe_load`` without aliases (see _NoAliasLoader); raises yaml.YAMLError."""
    return yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader: no Python objects


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    first, _, rest = text.lstrip(_INVISIBLE_LEAD).partition("\n")
    if first.rstrip() != "---":
        return {}, text
    end = _FRONT_MATTER_END.search(rest)
    if end is None:
        # Failing beats guessing: an unclosed block may hold `audience: internal`.
        raise DocumentLoadError("front matter starts with '---' but has no closing '---' line")
    try:
        meta = load_yaml(rest[: end.start()])
    except yaml.YAMLError as exc:
        raise DocumentLoadError(f"invalid front matter YAML: {one_line(str(exc))}") from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise DocumentLoadError("invalid front matter: expected 'key: value' lines")
    return {str(key).strip().lower(): value for key, value in meta.items()}, rest[end.end() :]


# --------------------------------------------------------------------------------------------------------------
# Folder defaults: a folder's ``_defaults.yaml`` over its parent's, down to each file.


def _read_defaults(defaults_file: Path) -> Defaults:
    raw = defaults_file.read_bytes()
    try:
        data = load_yaml(decode(raw)) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise DocumentLoadError(f"invalid YAML: {one_line(str(exc))}") from exc
    if data is None:
        return Defaults()
    if not isinstance(data, dict):
        raise DocumentLoadError("expected 'key: value' lines")
    unknown = sorted(str(key) for key in data if key not in _DEFAULTS_KEYS)
    if unknown:  # a typo here would silently apply to a whole folder
        raise DocumentLoadError(f"unknown keys {unknown}; allowed: {sorted(_DEFAULTS_KEYS)}")
    return Defaults(
        audience=_parse_audience(data.get("audience")),
        community=text_value(data.get("community"), "community"),
        tags=_parse_tags(data.get("tags")),
        owner=text_value(data.get("owner"), "owner"),
        language=normalise_language(data.get("language")),
    )


def has_folder_defaults(folder: Path) -> bool:
    """Whether ``folder`` holds a ``_defaults.yaml`` (or ``.yml``) for the files under it."""
    return any((folder / name).is_file() for name in _DEFAULTS_NAMES)


def folder_defaults(folder: Path, root: Path, inherited: Inherited) -> Inherited:
    if isinstance(inherited, BrokenDefaults):
        return inherited  # a broken parent poisons the whole subtree, nearer files cannot repair it
    present = [folder / name for name in _DEFAULTS_NAMES if (folder / name).is_file()]
    if not present:
        return inherited
    where = present[0].relative_to(root).as_posix()
    if len(present) > 1:
        return BrokenDefaults(f"bad {where}: both _defaults.yaml and _defaults.yml exist; keep one")
    try:
        return inherited.overridden_by(_read_defaults(present[0]))
    except DocumentLoadError as exc:
        return BrokenDefaults(f"bad {where}: {one_line(exc.message)}")
    except OSError as exc:
        return BrokenDefaults(f"bad {where}: {exc.strerror or one_line(str(exc))}")


def base_defaults(default_audience: str, default_community: str | None) -> Defaults:
    try:
        audience = _parse_audience(default_audience) or "public"
    except DocumentLoadError as exc:
        raise DocumentLoadError(f"default_audience: {exc.message}") from exc
    return Defaults(audience=audience, community=(default_community or "").strip() or None)
