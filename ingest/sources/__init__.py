"""Load a help-centre folder (or one file) into :class:`SourceDocument` objects.

Supported: Markdown (with YAML front matter), HTML, plain text, PDF, DOCX and FAQ files (CSV, JSON, YAML).
Every file either becomes documents or a :class:`FailedFile` with a one-line reason; one bad file never stops
the walk, and nothing is dropped silently (skipped FAQ rows are reported too). Hidden files, ``_`` files and READMEs
are left out by convention; a site export's error pages (``404.html``) are left out too, and reported as a
:class:`SkippedFile`.

Metadata precedence, nearest wins: front matter / FAQ row field > nearest ``_defaults.yaml`` > arguments of
:func:`load_path` > built-in (audience ``public``, language detected from the text). Audience errors always
fail loudly, because ingesting an internal document as public is the worst thing this module could do.

This module holds the loader of each suffix and the walk; each format has its own module (text, html, pdf, docx,
faq; faq_page reads a page of questions as FAQ entries), metadata.py parses and inherits the metadata, and
document.py applies the precedence above.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath

from chatbot.errors import DocumentLoadError
from chatbot.types import Audience, SourceDocument
from ingest.sources.document import SourceFile
from ingest.sources.docx import load_docx
from ingest.sources.faq import load_faq_csv, load_faq_json, load_faq_yaml, parse_alternatives
from ingest.sources.faq_page import faq_entries
from ingest.sources.html import load_html
from ingest.sources.ids import hidden_chars, shown
from ingest.sources.metadata import (
    BrokenDefaults,
    Inherited,
    base_defaults,
    folder_defaults,
    has_folder_defaults,
    parse_review_by,
)
from ingest.sources.pdf import load_pdf
from ingest.sources.results import FailedFile, Loaded, LoadResult, Outcome, SkippedFile, one_line
from ingest.sources.text import load_markdown, load_text

# What web/, evals/, the pipeline and the tests import from ingest.sources.
__all__ = [
    "MIB",
    "SUPPORTED_SUFFIXES",
    "FailedFile",
    "LoadResult",
    "SkippedFile",
    "load_path",
    "load_source_file",
    "parse_alternatives",
    "parse_review_by",
]

MIB = 1024 * 1024

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".md", ".markdown", ".html", ".htm", ".txt", ".pdf", ".docx", ".csv", ".json", ".yaml", ".yml"}
)
_README_NAMES = frozenset({"readme", "readme.md", "readme.markdown", "readme.txt"})
# A help centre exported as a static site (Jekyll, Hugo, MkDocs, Docusaurus, Next.js...) holds the pages its server
# answers errors with, named for the status: 404.html, 500.html, nginx's 50x.html, or 404/index.html for folder-style
# URLs. "Page not found" was ingested as an article (a review after round 39). Told by the name, not the text: a
# short "Page not found" page and a short page about an error look alike, a file name does not. HTML only: a
# Markdown file is written rather than exported, and a "404.md" may well be an article about the error.
_ERROR_PAGE_NAME = re.compile(r"[45](?:\d\d|0x)", re.IGNORECASE)
_HTML_SUFFIXES = frozenset({".html", ".htm"})

# --------------------------------------------------------------------------------------------------------------
# The loader of each suffix.


def _single(loader: Callable[[SourceFile], list[SourceDocument]]) -> Callable[[SourceFile], Outcome]:
    return lambda src: [Loaded(document, src.rel) for document in loader(src)]


def _faq_page(loader: Callable[[SourceFile], list[SourceDocument]]) -> Callable[[SourceFile], list[SourceDocument]]:
    """``loader``, with a page whose every section is a question read as FAQ entries (faq_page.py). Formats with
    real headings only: a PDF's are guessed from the layout, and plain text has none."""
    return lambda src: [entry for document in loader(src) for entry in faq_entries(document)]


_LOADERS: dict[str, Callable[[SourceFile], Outcome]] = {
    ".md": _single(_faq_page(load_markdown)),
    ".markdown": _single(_faq_page(load_markdown)),
    ".html": _single(_faq_page(load_html)),
    ".htm": _single(_faq_page(load_html)),
    ".txt": _single(load_text),
    ".pdf": _single(load_pdf),
    ".docx": _single(_faq_page(load_docx)),
    ".csv": load_faq_csv,
    ".json": load_faq_json,
    ".yaml": load_faq_yaml,
    ".yml": load_faq_yaml,
}

# --------------------------------------------------------------------------------------------------------------
# The walk.


def _is_skipped(entry: Path) -> bool:
    name = entry.name
    return name.startswith((".", "_")) or name.lower() in _README_NAMES


def _error_page(rel: str) -> str | None:
    """Why the file ``rel`` is skipped as a site export's error page, or None (see _ERROR_PAGE_NAME)."""
    path = PurePosixPath(rel)
    if path.suffix.lower() not in _HTML_SUFFIXES:
        return None
    named = path.name if _ERROR_PAGE_NAME.fullmatch(path.stem) else None
    if named is None and path.stem.lower() == "index" and _ERROR_PAGE_NAME.fullmatch(path.parent.name):
        named = f"{path.parent.name}/{path.name}"
    return None if named is None else f"a site's error page ({named}), not an article: rename it to have it read"


def _walk(folder: Path, root: Path, inherited: Inherited) -> Iterator[tuple[Path, Inherited]]:
    """Every file to load below ``folder``, with its defaults; a file that must not be read comes with the reason
    instead (a BrokenDefaults), so that it is reported as failed, not skipped unseen."""
    defaults = folder_defaults(folder, root, inherited)
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or (entry.is_symlink() and entry.is_dir()):
            continue  # hidden, or a symlinked folder that could loop or leave the root
        if entry.is_dir():
            yield from _walk(entry, root, defaults)
        elif not _is_skipped(entry) and entry.suffix.lower() in SUPPORTED_SUFFIXES:
            refused = _refused_entry(entry, root)
            if refused is not None:
                yield entry, BrokenDefaults(refused)
            elif entry.is_file():
                yield entry, defaults


def _refused_entry(entry: Path, root: Path) -> str | None:
    """Why a file of the folder is not read, or None. A link to a file outside the folder is not: "users.md ->
    /etc/passwd", or a link to the data folder's secret key, was ingested as a public article and quoted by the
    widget (a robustness check, round 38). A link to nothing, a pipe or a device is not a document."""
    if entry.is_symlink():
        if not entry.exists():
            return "a link to a file that does not exist"
        if not entry.resolve().is_relative_to(root.resolve()):
            return "a link to a file outside the folder being ingested (not read)"
    if not entry.is_file():
        return "not a regular file"
    return None


def _format_limit(max_file_bytes: int) -> str:
    if max_file_bytes >= MIB:
        return f"{max_file_bytes / MIB:g} MiB"
    return f"{max_file_bytes} bytes"


def _load_file(path: Path, rel: str, inherited: Inherited, max_file_bytes: int) -> Outcome:
    if isinstance(inherited, BrokenDefaults):
        raise DocumentLoadError(inherited.reason)
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise DocumentLoadError(f"unsupported file type {path.suffix or '(none)'!r}")
    size = path.stat().st_size
    if size > max_file_bytes:
        raise DocumentLoadError(f"larger than {_format_limit(max_file_bytes)}")  # checked before reading it
    data = path.read_bytes()
    if not data.strip():
        raise DocumentLoadError("empty file")
    return loader(SourceFile(path=path, rel=rel, defaults=inherited, data=data))


def _load_file_safely(path: Path, rel: str, inherited: Inherited, max_file_bytes: int) -> Outcome:
    try:
        return _load_file(path, rel, inherited, max_file_bytes)
    except DocumentLoadError as exc:
        return [FailedFile(rel, one_line(exc.message))]
    except OSError as exc:
        return [FailedFile(rel, f"cannot read file: {exc.strerror or one_line(str(exc))}")]
    except Exception as exc:  # one file's surprise must not abort the whole load
        return [FailedFile(rel, one_line(f"{type(exc).__name__}: {exc}"))]


def load_path(
    path: Path,
    *,
    default_audience: Audience = "public",
    default_community: str | None = None,
    max_file_bytes: int = 20 * MIB,
    known_roots: Iterable[Path] = (),
) -> LoadResult:
    """Load a folder (recursively, in sorted order) or a single file.

    Hidden entries, ``_``-prefixed files (``_defaults.yaml``) and READMEs are skipped when walking a folder, as are
    unsupported suffixes; a site export's error pages (``404.html``) are skipped and listed in
    ``LoadResult.skipped``. A file named explicitly is always attempted, as part of the folder :func:`file_root`
    finds for it, and a folder inside a folder synced before is loaded as part of that one (``known_roots``: the
    folders synced before; ``LoadResult.root`` is then that folder). Raises DocumentLoadError only when `path` does
    not exist or the arguments are invalid; per-file problems are returned in ``LoadResult.failed``.
    """
    target = Path(path).expanduser().resolve()
    if not target.exists():
        raise DocumentLoadError(f"no such file or folder: {path}")
    base = base_defaults(default_audience, default_community)
    if not target.is_dir():
        root = file_root(target, known_roots)
        rel = target.relative_to(root).as_posix()
        return load_source_file(
            root, rel, audience=default_audience, community=default_community, max_file_bytes=max_file_bytes
        )
    root = _enclosing_root(target, known_roots)
    result = LoadResult(root=root.as_posix())
    seen: dict[str, str] = {}
    for file_path, inherited in _walk(target, root, _defaults_down_to(target.parent, root, base)):
        rel = file_path.relative_to(root).as_posix()
        problem = _file_name_problem(rel)
        if problem is not None:
            shown_name = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            result.failed.append(FailedFile(shown(shown_name), problem))
            continue
        skip = _error_page(rel)
        if skip is not None:
            result.skipped.append(SkippedFile(rel, skip))
            continue
        for item in _load_file_safely(file_path, rel, inherited, max_file_bytes):
            _collect(result, seen, item)
    return result


def _file_name_problem(rel: str) -> str | None:
    """Why the path of a file (its id, unless front matter sets one) cannot be stored or shown, or None. Bytes that
    are not UTF-8 (read as surrogates) aborted the whole ingest with a traceback (a robustness check, round 38); an
    escape sequence in a name rewrote the terminal the ingest reported to (round 39)."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8: rename the file"
    invisible = next(iter(hidden_chars(rel)), None)
    if invisible is not None:
        return f"the file name contains the control or invisible character U+{ord(invisible):04X}: rename the file"
    return None


def _enclosing_root(folder: Path, known_roots: Iterable[Path]) -> Path:
    """The nearest of ``known_roots`` above ``folder`` (a folder synced before), else ``folder`` itself: a subfolder
    of a synced folder is loaded as part of it, so its documents keep their ids ("billing/refunds.md", not a second
    "refunds.md") and the defaults of the folders above it."""
    above = [root for root in known_roots if folder.is_relative_to(root) and folder != root]
    return max(above, key=lambda root: len(root.parts)) if above else folder


def _defaults_down_to(folder: Path, root: Path, base: Inherited) -> Inherited:
    """The defaults ``root`` and every folder from it down to ``folder`` (inclusive) give; ``base`` when ``folder``
    is above ``root``."""
    if not folder.is_relative_to(root):
        return base
    inherited = folder_defaults(root, root, base)
    current = root
    for part in folder.relative_to(root).parts:
        current = current / part
        inherited = folder_defaults(current, root, inherited)
    return inherited


def file_root(path: Path, known_roots: Iterable[Path] = ()) -> Path:
    """The folder a file named on its own is loaded from, so that it becomes the document a folder ingest makes of
    it: the nearest of ``known_roots`` above it (a folder synced before: the same id, the same defaults), else the
    topmost folder above it with a ``_defaults.yaml`` (an audience set for a whole tree is not lost by naming one
    file in it: "internal" stays internal), else its own folder."""
    above = [root for root in known_roots if path.is_relative_to(root)]
    if above:
        return max(above, key=lambda root: len(root.parts))
    with_defaults = [folder for folder in path.parents if has_folder_defaults(folder)]
    return with_defaults[-1] if with_defaults else path.parent


def _collect(result: LoadResult, seen: dict[str, str], item: Loaded | FailedFile) -> None:
    if isinstance(item, FailedFile):
        result.failed.append(item)
        return
    doc_id = item.document.id
    if doc_id in seen:
        result.failed.append(FailedFile(item.label, f"duplicate document id {doc_id} (also in {seen[doc_id]})"))
        return
    seen[doc_id] = item.label
    result.documents.append(item.document)


def load_source_file(
    root: Path, rel: str, *, audience: Audience, community: str | None, max_file_bytes: int
) -> LoadResult:
    """The file ``rel`` under ``root``, loaded as ``answerdesk ingest root`` would: the same loader and id, and the
    ``_defaults.yaml`` of every folder from ``root`` down to the file, over the given audience and community.

    Used to re-read one corrected file at once (``load_path`` on the file alone would take its folder as the root:
    other ids, and the parent folders' defaults lost)."""
    inherited: Inherited = base_defaults(audience, community)
    folder = root
    inherited = folder_defaults(folder, root, inherited)
    for part in PurePosixPath(rel).parent.parts:
        folder = folder / part
        inherited = folder_defaults(folder, root, inherited)
    result = LoadResult(root=root.as_posix())
    seen: dict[str, str] = {}
    for item in _load_file_safely(root / PurePosixPath(rel), rel, inherited, max_file_bytes):
        _collect(result, seen, item)
    return result
