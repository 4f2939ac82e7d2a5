"""Which community a new gap is routed to, from the ranked sources of its first question (real SQLite)."""

from __future__ import annotations

import pytest

from web.db.models import Document, db
from web.gaps.capture import gap_community


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
