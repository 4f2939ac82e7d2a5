"""Answer confidence in [0, 1] from several pieces of retrieval evidence, not one cosine score.

A plain similarity threshold cannot tell "the article is missing" from "the article is there": on the TV manual
with a fifth of the pages removed, max-cosine separates the two with AUROC 0.50. What does separate them is
whether the question's rare words are found in the best passage (and whether some are unknown to the whole
knowledge base), whether the dense and keyword searches agree on the best article, and how far it leads.
The features are combined by a logistic model fitted on development questions (``answerdesk calibrate``); the
fitted weights ship in ``confidence_model.json`` beside this file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from chatbot.keyword import tokenize, with_bigrams
from chatbot.retrieval import RetrievalResult

FEATURES = (
    "dense_top",
    "dense_max",
    "coverage",
    "bigram_coverage",
    "keyword_saturation",
    "unknown_share",
    "agreement",
    "margin",
    "faq_similarity",
)
MODEL_PATH = Path(__file__).with_name("confidence_model.json")


@dataclass(frozen=True)
class ConfidenceModel:
    weights: dict[str, float]
    bias: float

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) * features.get(name, 0.0) for name in FEATURES)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, object]:
        return {"features": list(FEATURES), "weights": self.weights, "bias": self.bias}

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> ConfidenceModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(weights={k: float(v) for k, v in data["weights"].items()}, bias=float(data["bias"]))


IdfLookup = Callable[[str], float]


def confidence_features(result: RetrievalResult, idf: IdfLookup, faq_similarity: float = 0.0) -> dict[str, float]:
    documents = result.documents
    features = dict.fromkeys(FEATURES, 0.0)
    features["faq_similarity"] = faq_similarity
    if result.dense_hits:
        features["dense_max"] = max(h.similarity for h in result.dense_hits)
    unigrams = [t for t in dict.fromkeys(tokenize(result.query))]
    weights = {t: idf(t) for t in unigrams}
    # A word the knowledge base has never seen is as rare as a word can be: weigh it like a one-off word.
    rarest = max(weights.values(), default=0.0) or 1.0
    weights = {t: (w if w > 0 else rarest) for t, w in weights.items()}
    total = sum(weights.values())
    if total > 0:
        features["unknown_share"] = sum(weights[t] for t in unigrams if idf(t) <= 0) / total
    if not documents:
        return features

    top = documents[0]
    features["dense_top"] = top.dense_score
    best_text = " ".join(c.chunk.embedding_text for c in top.chunks[:2])
    present = set(with_bigrams(tokenize(best_text)))
    if total > 0:
        features["coverage"] = sum(w for t, w in weights.items() if t in present) / total
    bigrams = [t for t in with_bigrams(unigrams) if "_" in t]
    if bigrams:
        features["bigram_coverage"] = sum(1 for t in bigrams if t in present) / len(bigrams)
    features["agreement"] = _agreement(result, top.doc_id)
    features["keyword_saturation"] = _keyword_saturation(result, idf)
    if len(documents) > 1 and top.score > 0:
        features["margin"] = (top.score - documents[1].score) / top.score
    else:
        features["margin"] = 1.0
    return features


def _keyword_saturation(result: RetrievalResult, idf: IdfLookup) -> float:
    """The best BM25 score over the most the question's terms could add up to (the sum of their IDFs): high when
    one passage holds most of the question's rare words and phrases, low when they are scattered or absent."""
    if not result.keyword_hits:
        return 0.0
    ceiling = sum(w for w in (idf(t) for t in dict.fromkeys(result.query_tokens)) if w > 0)
    return min(1.0, result.keyword_hits[0].score / ceiling) if ceiling > 0 else 0.0


def _agreement(result: RetrievalResult, doc_id: str) -> float:
    """1 when the top article is the first article of both searches; less as it ranks lower in either."""
    dense_docs = _ranked_docs(h.chunk.doc_id for h in result.dense_hits)
    keyword_docs = _ranked_docs(h.chunk.doc_id for h in result.keyword_hits)
    score = 0.0
    for ranked in (dense_docs, keyword_docs):
        if doc_id in ranked:
            score += 0.5 / (1 + ranked.index(doc_id))
    return score


def _ranked_docs(doc_ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(doc_ids))
