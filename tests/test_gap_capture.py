"""Which community a new gap is routed to, from the ranked sources of its first question (real SQLite), and which
vector a captured question gets."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest
from sqlalchemy import update

from chatbot.gaps.evidence import question_vector
from chatbot.types import EmbeddedText
from web.db.models import Document, Gap, db
from web.gaps.assignment import assign, open_gaps
from web.gaps.capture import gap_community, question_embedding


@pytest.fixture
def documents(app):  # type: ignore[no-untyped-def]
    for doc_id, community in [("a", "billing"), ("b", "billing"), ("c", "mobile"), ("d", "security"), ("e", None)]:
        db.session.add(
            Document(
                id=doc_id, source_root="kb", title=doc_id, audience="public", community=community, content_hash="x"
            )
        )
    db.session.commit()


def sources(*ids: str) -> list[dict[str, object]]:
    return [{"id": doc_id, "score": 1.0 / (rank + 1)} for rank, doc_id in enumerate(ids)]


@pytest.mark.usefixtures("documents")
def test_an_answered_question_goes_to_its_sources_majority() -> None:
    assert gap_community(sources("c", "a", "b"), abstained=False) == "billing"
    assert gap_community(sources("a", "e", "e"), abstained=False) == "billing"
    assert gap_community(sources("e"), abstained=False) is None
    assert gap_community([], abstained=False) is None


@pytest.mark.usefixtures("documents")
def test_ties_go_to_the_better_ranked_source() -> None:
    # One each: the database's order must not decide, the ranking does.
    assert gap_community(sources("d", "c", "a"), abstained=False) == "security"
    assert gap_community(sources("c", "d", "a"), abstained=False) == "mobile"


@pytest.mark.usefixtures("documents")
def test_an_abstained_question_is_routed_only_when_its_sources_agree() -> None:
    assert gap_community(sources("d", "c", "a"), abstained=True) is None  # weak guesses from three spaces
    assert gap_community(sources("a", "b", "c"), abstained=True) is None
    assert gap_community(sources("a", "b"), abstained=True) is None  # too few to agree
    db.session.add(
        Document(id="f", source_root="kb", title="f", audience="public", community="billing", content_hash="x")
    )
    db.session.commit()
    assert gap_community(sources("a", "b", "f"), abstained=True) == "billing"


class CountingEmbedder:
    """Records what it is asked to embed; every text gets the same unit vector."""

    name, dimension, max_tokens = "counting", 4, 256

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.texts.extend(texts)
        return np.tile(np.asarray([0.0, 1.0, 0.0, 0.0], dtype=np.float32), (len(texts), 1))

    def encode_documents(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self.encode_queries(texts)

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def test_the_question_embedding_is_retrievals_when_it_embedded_the_same_text() -> None:
    embedder = CountingEmbedder()
    retrieved = EmbeddedText("Can I pay with bitcoin?", np.asarray([1.0, 0.0, 0.0, 0.0], dtype=np.float32))
    reused = question_embedding("Can I pay with bitcoin?", embedder, retrieved)
    assert embedder.texts == [] and reused.tolist() == [1.0, 0.0, 0.0, 0.0] and reused.dtype == np.float32


def test_a_masked_or_joined_question_is_embedded_again() -> None:
    embedder = CountingEmbedder()
    # Masking changed the question, or retrieval searched a follow-up joined to the previous question.
    retrieved = EmbeddedText("Mail me at jane@example.com", np.asarray([1.0, 0.0, 0.0, 0.0], dtype=np.float32))
    fresh = question_embedding("Mail me at [email]", embedder, retrieved)
    assert embedder.texts == ["Mail me at [email]"] and fresh.tolist() == [0.0, 1.0, 0.0, 0.0]
    assert question_embedding("Refund?", embedder, None).tolist() == [0.0, 1.0, 0.0, 0.0]
    assert embedder.texts == ["Mail me at [email]", "Refund?"]


# -- the open gaps a question is compared with ---------------------------------------------------------------------
def _gap(centroid: list[float], audience: str = "public", status: str = "open", count: int = 2) -> Gap:
    gap = Gap(title="q", status=status, audience=audience, count=count, centroid=centroid, token_counts={"refund": 2})
    db.session.add(gap)
    db.session.commit()
    return gap


@pytest.mark.usefixtures("app")
def test_open_gaps_parse_a_gap_again_only_when_it_changed() -> None:
    first, second, untouched = _gap([1.0, 0.0, 0.0, 0.0]), _gap([0.0, 1.0, 0.0, 0.0]), _gap([0.0, 0.0, 0.6, 0.8])
    _gap([0.0, 0.0, 1.0, 0.0], audience="internal")
    _gap([0.0, 0.0, 0.0, 1.0], status="verified")
    before = {gap.id: gap for gap in open_gaps("public")}
    assert list(before) == [first.id, second.id, untouched.id]  # open ones of the audience, oldest first
    assert before[first.id].centroid.tolist() == [1.0, 0.0, 0.0, 0.0] and before[first.id].count == 2
    assert dict(before[first.id].token_counts) == {"refund": 2}

    # Another worker's join (or a merge, a regrouping) rewrites one gap; another is resolved.
    db.session.execute(update(Gap).where(Gap.id == first.id).values(centroid=[0.6, 0.8, 0.0, 0.0], count=3))
    db.session.execute(update(Gap).where(Gap.id == second.id).values(token_counts={"invoice": 1}))
    third = _gap([0.0, 0.0, 0.0, 1.0])
    after = {gap.id: gap for gap in open_gaps("public")}
    assert after[first.id].centroid.tolist() == [0.6, 0.8, 0.0, 0.0] and after[first.id].count == 3
    assert dict(after[second.id].token_counts) == {"invoice": 1}
    assert after[untouched.id].centroid is before[untouched.id].centroid  # same text: not parsed again
    assert after[third.id].centroid.tolist() == [0.0, 0.0, 0.0, 1.0]
    db.session.execute(update(Gap).where(Gap.id == first.id).values(status="resolved"))
    assert [gap.id for gap in open_gaps("public")] == [second.id, untouched.id, third.id]


@pytest.mark.usefixtures("app")
def test_a_question_joins_the_closest_open_gap_and_moves_its_mean() -> None:
    refunds, invoices = _gap([1.0, 0.0, 0.0, 0.0]), _gap([0.0, 1.0, 0.0, 0.0])
    question = question_vector("refund please", [0.96, 0.28, 0.0, 0.0], id="1")
    outcome = assign(open_gaps("public"), question)
    assert outcome.gap_id == refunds.id != invoices.id
    assert outcome.centroid == pytest.approx([(2 * 1.0 + 0.96) / 3, 0.28 / 3, 0.0, 0.0])
    assert outcome.token_counts["refund"] == 3
    elsewhere = question_vector("wifi", [0.0, 0.0, 1.0, 0.0], id="2")
    assert assign(open_gaps("public"), elsewhere).gap_id is None  # nothing close: a new gap
