"""The pure gap rules of chatbot.gaps on hand-made vectors (no model, no database): the one scope rule, the join's
choice and its mean updates, and the earn decision of the FAQ-fit bars."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from chatbot.gaps.config import GapConfig
from chatbot.gaps.evidence import QuestionVector
from chatbot.gaps.fit import EarnBars, FaqFit, answer_off_topic, earns_phrasings
from chatbot.gaps.join import KeywordStats, QuestionGroup, choose_group, mean_with, mean_without, merged_mean
from chatbot.gaps.scope import Scope, ScopeMismatch, require_same_scope, scope_conflict


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_the_scope_rule_needs_one_audience_and_one_community() -> None:
    assert scope_conflict(Scope("public", "beta"), Scope("public", "beta")) is None
    assert scope_conflict(Scope("public", None), Scope("public", None)) is None
    assert (
        scope_conflict(Scope("internal", None), Scope("public", None)) == "the audiences differ (internal and public)"
    )
    for source, target in (
        (Scope("public", "beta"), Scope("public", "alpha")),
        (Scope("public", "beta"), Scope("public", None)),
    ):
        assert scope_conflict(source, target) is not None and scope_conflict(target, source) is not None
    assert scope_conflict(Scope("public", None), Scope("public", "beta")) == (
        "the communities differ (no community and 'beta')"
    )
    with pytest.raises(ScopeMismatch, match="communities differ") as refused:
        require_same_scope(Scope("public", "beta"), Scope("public", "alpha"))
    assert (refused.value.code, refused.value.status) == ("scope_mismatch", 400)


def test_the_join_only_considers_groups_of_the_question_scope() -> None:
    def group(community: str | None, *vector: float) -> QuestionGroup:
        return QuestionGroup("public", community, unit(*vector).astype(np.float64) * 2, 2, Counter())

    groups = [group("beta", 1.0, 0.0), group(None, 1.0, 0.1), group(None, 1.0, 0.1), group(None, 0.0, 1.0)]
    question = QuestionVector("q", unit(1.0, 0.0), ("q",), "public", None, "1")
    config = GapConfig()
    # The closest group is of another community; of the two equally close ones the older wins.
    assert choose_group(question, groups, range(len(groups)), config, KeywordStats()) == 1
    assert choose_group(question, groups, [3], config, KeywordStats()) is None  # below join_threshold
    internal = QuestionVector("q", question.vector, ("q",), "internal", None, "2")
    assert choose_group(internal, groups, range(len(groups)), config, KeywordStats()) is None


def test_stored_means_follow_joins_moves_and_merges() -> None:
    a, b = np.asarray([1.0, 0.0]), np.asarray([0.0, 1.0])
    both = mean_with([1.0, 0.0], 1, b)
    assert both == [0.5, 0.5]
    assert mean_without(both, 2, b) == [1.0, 0.0]
    assert mean_without([1.0, 0.0], 1, a) == []  # the last question left: no mean
    assert mean_with([1.0, 0.0, 0.0], 1, b) == [1.0, 0.0, 0.0]  # another embedder's mean is left alone
    mean, tokens = merged_mean([([1.0, 0.0], {"x": 1}, 3), ([0.0, 1.0], {"x": 1, "y": 2}, 1)])
    assert mean == [0.75, 0.25] and tokens == {"x": 2, "y": 2}


def test_an_faq_earns_the_questions_only_with_a_quorum_and_the_bars() -> None:
    bars = EarnBars(fit_margin=0.10, support=0.30, answer_gap=0.40)
    good = FaqFit(to_question=0.70, to_answer=0.50, cohesion=0.75)
    assert earns_phrasings(3, 2, False, good, bars)
    assert not earns_phrasings(3, 1, False, good, bars)  # one of three on its own: below two thirds
    assert not earns_phrasings(3, 3, True, FaqFit(0.50, 0.45, 0.75), bars)  # another question's FAQ
    assert not earns_phrasings(3, 3, True, FaqFit(0.90, 0.20, 0.75), bars)  # the question over an unrelated answer
    assert earns_phrasings(3, 3, True, None, bars) and not earns_phrasings(3, 2, False, None, None)


def test_an_faq_answer_far_less_about_the_questions_than_its_question_is_off_topic() -> None:
    bars = EarnBars(fit_margin=0.10, support=0.30, answer_gap=0.40)
    assert answer_off_topic(FaqFit(to_question=0.80, to_answer=0.26, cohesion=0.75), bars)  # far, and below 0.30
    assert not answer_off_topic(FaqFit(to_question=0.55, to_answer=0.26, cohesion=0.75), bars)  # below, not far
    # The customer's question pasted over a short right answer: far closer than the answer, but the answer is fine.
    assert not answer_off_topic(FaqFit(to_question=1.00, to_answer=0.50, cohesion=0.75), bars)
    assert not answer_off_topic(FaqFit(to_question=0.80, to_answer=0.26, cohesion=0.75), None)  # no bars: no check
    assert not answer_off_topic(None, bars)  # not measured (CJK questions with MiniLM)
