"""The long-lived parts every entry point needs, built once per process from the settings."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from chatbot.config import Settings
from chatbot.embedders import Embedder, get_embedder
from chatbot.keyword import KeywordIndex
from chatbot.store import ChromaStore
from chatbot.tokens import seed_tiktoken_cache

log = logging.getLogger(__name__)


def prepare_offline_environment(settings: Settings) -> None:
    """Make every library we use work with no network: the packaged models, a seeded tiktoken cache."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Private when created here: internal documents (Chroma, the keyword index) and the database live under it.
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    seed_tiktoken_cache(settings.tiktoken_cache_dir)


@dataclass
class Runtime:
    settings: Settings
    embedder: Embedder
    store: ChromaStore
    keyword_index: KeywordIndex


def build_runtime(settings: Settings) -> Runtime:
    prepare_offline_environment(settings)
    embedder = get_embedder(settings.embedder, settings)
    store = ChromaStore(settings, embedder_name=embedder.name, dimension=embedder.dimension)
    keyword_index = KeywordIndex(settings.keyword_index_path)
    return Runtime(settings=settings, embedder=embedder, store=store, keyword_index=keyword_index)
