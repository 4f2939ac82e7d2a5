"""Answer confidence in [0, 1] from several pieces of retrieval evidence, not one cosine score.

A plain similarity threshold cannot tell "the article is missing" from "the article is there": on the TV manual
with a fifth of the pages removed, max-cosine separates the two with AUROC 0.50. What does separate them is
whether the question's rare words are found in the best passage (and whether some are unknown to the whole
knowledge base), whether the dense and keyword searches agree on the best article, and how far it leads.
The same evidence feeds two logistic models fitted on development questions (``answerdesk calibrate``), shipped
in ``confidence_model.json`` beside this file: one predicts "this answer is right" (its first citation answers
the question) and decides whether to answer; the other predicts "the knowledge base covers this question" and
decides between "I'm not sure" with suggestions and "I don't know" (evals/calibration.py says how both are fitted).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from chatbot.actions import UNSAID_VERBS, action_stems, asked_verb, opposites
from chatbot.keyword import tokenize, tokenize_passage, with_bigrams
from chatbot.retrieval import RetrievalResult
from chatbot.types import Chunk, ScoredDocument

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
    "title_coverage",
    "missing_rare",
    "dense_margin",
    "dense_agrees",
    "keyword_agrees",
    "opposite_action",
    "action_missing",
    "coverage_lead",
    "keyword_margin",
    "top_is_faq",
    "top_faq_similarity",
)
MODEL_PATH = Path(__file__).with_name("confidence_model.json")
# Shared words (Jaccard) from which two chunks of same-titled articles are copies of one text.
TWIN_OVERLAP = 0.9


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
    def load(cls, path: Path = MODEL_PATH, part: str | None = None) -> ConfidenceModel:
        """The model of a calibration file (``part="scope"``: the in-scope model stored beside it)."""
        data = json.loads(path.read_text(encoding="utf-8"))
        if part is not None:
            data = data[part]
        return cls(weights={k: float(v) for k, v in data["weights"].items()}, bias=float(data["bias"]))


@dataclass(frozen=True)
class OperatingPoints:
    """Where answering starts, read from a calibration file.

    ``curve`` holds (threshold, precision, coverage) measured on the calibration questions, so the answer threshold
    follows the precision a deployment asks for (``ANSWERDESK_TARGET_PRECISION``) without refitting anything.
    ``scope`` is the threshold of the separate in-scope model: below it a question is far from everything the
    knowledge base holds and gets "I don't know" rather than suggestions (None in files without that model).
    """

    answer: float
    scope: float | None = None
    curve: tuple[tuple[float, float, float], ...] = ()

    def for_precision(self, target: float) -> float:
        """The lowest threshold whose answers reached ``target`` precision on the calibration data (and every
        higher threshold too, so one lucky cut in a noisy tail does not count); the stored one without a curve."""
        if not self.curve:
            return self.answer
        chosen = self.curve[-1][0]
        for threshold, precision, _coverage in reversed(self.curve):
            if precision < target:
                break
            chosen = threshold
        return chosen

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> OperatingPoints:
        data = json.loads(path.read_text(encoding="utf-8"))
        curve = tuple((float(t), float(p), float(c)) for t, p, c in data.get("precision_curve", ()))
        scope = float(data["scope"]["threshold"]) if isinstance(data.get("scope"), dict) else None
        return cls(answer=float(data["threshold"]), scope=scope, curve=curve)


IdfLookup = Callable[[str], float]


def confidence_features(
    result: RetrievalResult, idf: IdfLookup, faq_similarity: float = 0.0, top_faq_similarity: float | None = None
) -> dict[str, float]:
    """The evidence for one retrieval. ``faq_similarity``: the closest FAQ question among the top entries;
    ``top_faq_similarity``: how close the best article's own FAQ question is (None when it is not an FAQ entry).
    An FAQ entry on top whose question is far from the user's answers another question ("How much does an extra
    user cost?" for "How much does the Business plan cost?") even when it shares every word."""
    documents = result.documents
    features = dict.fromkeys(FEATURES, 0.0)
    features["faq_similarity"] = faq_similarity
    if top_faq_similarity is not None:
        features["top_is_faq"] = 1.0
        features["top_faq_similarity"] = top_faq_similarity
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
    # A near-copy of the best article (the same page filed twice) agrees with it rather than competing: the leads
    # below are measured over the next *different* article, and either copy counts as the searches' first.
    twins = _twins_of(result, top)
    rivals = [d for d in documents[1:] if d.doc_id not in twins]
    features["dense_top"] = top.dense_score
    best_text = " ".join(c.chunk.embedding_text for c in top.chunks[:2])
    action = action_stems(result.query)
    present = _with_asked_action(set(with_bigrams(tokenize_passage(best_text))), result.query, action)
    if total > 0:
        features["coverage"] = sum(w for t, w in weights.items() if t in present) / total
    bigrams = [t for t in with_bigrams(unigrams) if "_" in t]
    if bigrams:
        features["bigram_coverage"] = sum(1 for t in bigrams if t in present) / len(bigrams)
    features["agreement"] = _agreement(result, top.doc_id, twins)
    heading_terms = set(with_bigrams(tokenize_passage(" ".join(c.chunk.heading_line for c in top.chunks[:2]))))
    if total > 0:
        features["title_coverage"] = sum(w for t, w in weights.items() if t in heading_terms) / total
        # The rarest question word the passage lacks: one missing name ("Xero", "bitcoin") sinks an answer that
        # otherwise covers the everyday words of the question.
        features["missing_rare"] = max((w for t, w in weights.items() if t not in present), default=0.0) / rarest
    features["opposite_action"] = _opposite_action(unigrams, present)
    features["action_missing"] = _action_missing(result.query, present)
    if rivals and total > 0:
        second_text = " ".join(c.chunk.embedding_text for c in rivals[0].chunks[:2])
        second = _with_asked_action(set(with_bigrams(tokenize_passage(second_text))), result.query, action)
        features["coverage_lead"] = features["coverage"] - sum(w for t, w in weights.items() if t in second) / total
    else:
        features["coverage_lead"] = features["coverage"]
    features["keyword_margin"] = _keyword_margin(result, twins)
    dense_docs = _ranked_docs((h.chunk.doc_id for h in result.dense_hits), twins)
    keyword_docs = _ranked_docs((h.chunk.doc_id for h in result.keyword_hits), twins)
    features["dense_agrees"] = float(bool(dense_docs) and dense_docs[0] in twins)
    features["keyword_agrees"] = float(bool(keyword_docs) and keyword_docs[0] in twins)
    features["dense_margin"] = _dense_margin(result, twins)
    features["keyword_saturation"] = _keyword_saturation(result, idf)
    if rivals and top.score > 0:
        features["margin"] = (top.score - rivals[0].score) / top.score
    else:
        features["margin"] = 1.0
    return features


def _opposite_action(question_terms: Sequence[str], passage_terms: set[str]) -> float:
    """1 when the question asks to do something and the passage has only its opposite (add vs remove)."""
    pairs = opposites()
    for term in question_terms:
        if term not in passage_terms and pairs.get(term, frozenset()) & passage_terms:
            return 1.0
    return 0.0


def _with_asked_action(passage_terms: set[str], question: str, action: frozenset[str]) -> set[str]:
    """``passage_terms`` with the asked verb's stem added when the passage names the action in another word of
    ``action`` (its stems: chatbot/actions.py): "Remove a user" covers "how do I delete a user". Without it the
    customer's verb counted as a missing rare word and the action as missing, and the right section was
    "I'm not sure" (0.10). A verb of UNSAID_VERBS ("set" of "set up") counts as said by any passage."""
    verb = asked_verb(question)
    stems = tokenize(verb) if verb else []
    if not stems or stems[0] in passage_terms:
        return passage_terms
    if verb in UNSAID_VERBS or action & passage_terms:
        return passage_terms | {stems[0]}
    return passage_terms


def _action_missing(question: str, passage_terms: set[str]) -> float:
    """1 when the question names an action ("how do I add ...") whose word the chosen passage lacks."""
    verb = asked_verb(question)
    if verb is None or verb in UNSAID_VERBS:
        return 0.0
    stems = tokenize(verb)
    return 1.0 if stems and stems[0] not in passage_terms else 0.0


def _keyword_margin(result: RetrievalResult, twins: frozenset[str] = frozenset()) -> float:
    """How far the best article leads the next one in BM25 (relative): 0 when two articles match equally."""
    best: dict[str, float] = {}
    for hit in result.keyword_hits:
        best.setdefault(_one_of(hit.chunk.doc_id, twins), hit.score)
    scores = sorted(best.values(), reverse=True)
    if not scores or scores[0] <= 0:
        return 0.0
    return (scores[0] - scores[1]) / scores[0] if len(scores) > 1 else 1.0


def _dense_margin(result: RetrievalResult, twins: frozenset[str] = frozenset()) -> float:
    """How far the best article's best chunk leads the next article's in dense similarity."""
    best: dict[str, float] = {}
    for hit in result.dense_hits:
        best.setdefault(_one_of(hit.chunk.doc_id, twins), hit.similarity)
    scores = sorted(best.values(), reverse=True)
    return scores[0] - scores[1] if len(scores) > 1 else (scores[0] if scores else 0.0)


def _keyword_saturation(result: RetrievalResult, idf: IdfLookup) -> float:
    """The best BM25 score over the most the question's terms could add up to (the sum of their IDFs): high when
    one passage holds most of the question's rare words and phrases, low when they are scattered or absent."""
    if not result.keyword_hits:
        return 0.0
    ceiling = sum(w for w in (idf(t) for t in dict.fromkeys(result.query_tokens)) if w > 0)
    return min(1.0, result.keyword_hits[0].score / ceiling) if ceiling > 0 else 0.0


def _agreement(result: RetrievalResult, doc_id: str, twins: frozenset[str] = frozenset()) -> float:
    """1 when the top article (or a copy of it) is the first article of both searches; less as it ranks lower."""
    top = _one_of(doc_id, twins)
    score = 0.0
    for hits in (result.dense_hits, result.keyword_hits):
        ranked = _ranked_docs((h.chunk.doc_id for h in hits), twins)
        if top in ranked:
            score += 0.5 / (1 + ranked.index(top))
    return score


def _ranked_docs(doc_ids: Iterable[str], twins: frozenset[str] = frozenset()) -> list[str]:
    """Articles in rank order, the copies of the top article counted as one."""
    return list(dict.fromkeys(_one_of(doc_id, twins) for doc_id in doc_ids))


def _one_of(doc_id: str, twins: frozenset[str]) -> str:
    """The copies of one article under one name (the smallest of their ids)."""
    return min(twins) if doc_id in twins else doc_id


def _twins_of(result: RetrievalResult, top: ScoredDocument) -> frozenset[str]:
    """``top`` and the retrieved articles that are near-copies of it: the same title, and a retrieved chunk whose
    words are nearly all shared with one of ``top``'s (a page filed under two sections; 24 of the TV manual's
    titles appear twice, most of them with the same text)."""
    retrieved: list[Chunk] = [c.chunk for d in result.documents for c in d.chunks]
    retrieved += [h.chunk for h in result.dense_hits] + [h.chunk for h in result.keyword_hits]
    title = _normalised_title(top.title)
    if top.kind == "faq":
        # FAQ entries answering one question several times (a forum thread's answers, one entry each) compete
        # with no one: they are one answer, and the leads are measured over the next *question*. Before, the
        # second answer counted as the rival, every margin was about 0, and StackFAQ's right answers looked as
        # unsure as its wrong ones: on dev, its right-answer AUROC 0.75 -> 0.87 and coverage at the shipped
        # threshold 0.82 -> 0.93 at the same precision (0.974); with a fifth of the threads removed (stackfaq-oos),
        # 30 more right answers and 5 more of the removed threads' questions answered.
        return frozenset(
            {top.doc_id} | {c.doc_id for c in retrieved if c.kind == "faq" and _normalised_title(c.title) == title}
        )
    # A chunk holding only the title (an FAQ entry's question, split from a long answer) says nothing of the text:
    # two answers to one question are not copies of each other.
    namesakes = {
        c.id: c for c in retrieved if _normalised_title(c.title) == title and _normalised_title(c.text) != title
    }
    others = [c for c in namesakes.values() if c.doc_id != top.doc_id]
    if not others:  # the usual case: no other article has this title
        return frozenset({top.doc_id})
    own = [set(tokenize_passage(c.text)) for c in namesakes.values() if c.doc_id == top.doc_id]
    twins = {top.doc_id}
    for chunk in others:
        if chunk.doc_id not in twins:
            words = set(tokenize_passage(chunk.text))
            if any(_jaccard(words, other) >= TWIN_OVERLAP for other in own):
                twins.add(chunk.doc_id)
    return frozenset(twins)


def _normalised_title(title: str) -> str:
    return " ".join(title.casefold().split())


def _jaccard(first: set[str], second: set[str]) -> float:
    union = first | second
    return len(first & second) / len(union) if union else 0.0
