"""evals.probe: how a probe message's answer is judged and counted (mechanics; the probe run itself is real)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot.types import Answer, Citation, SourceRef
from evals.datasets.everyday import EVERYDAY_KB, KESTREL_KB, ORLA_KB, PARCELPOINT_KB
from evals.probe import ProbeMessage, read_probe, render, summary, verdict
from ingest.sources import load_path


def _answer(
    cited: str | None, *, is_gap: bool = False, intent: str | None = None, suggested: tuple[str, ...] = ()
) -> Answer:
    citations = [Citation(1, cited, "t", None, 1, f"{cited}#0", 1.0)] if cited else []
    related = [SourceRef(doc_id, "t", 0.5) for doc_id in suggested]
    reason = "low_confidence" if is_gap else None
    return Answer("q", "text", is_gap, reason, 0.5, "en", citations, related=related, intent=intent)


ANSWERABLE = ProbeMessage("sr-1", "lumo", "refund??", ("billing/refunds.md", "faq/faq.csv#refund-window"))
ABSTAIN = ProbeMessage("sr-2", "kestrel", "do you do port forwarding", ())


def test_an_answer_is_right_only_when_its_first_citation_is_labelled() -> None:
    assert verdict(ANSWERABLE, _answer("faq/faq.csv#refund-window")) == "right"
    assert verdict(ANSWERABLE, _answer("billing/change-plan.md")) == "wrong"
    assert verdict(ANSWERABLE, _answer(None, is_gap=True)) == "missed"
    assert verdict(ANSWERABLE, _answer(None, intent="handoff")) == "missed"


def test_a_message_not_answered_is_suggested_only_when_its_first_suggestion_is_labelled() -> None:
    refunds_first = _answer(None, is_gap=True, suggested=("billing/refunds.md", "billing/change-plan.md"))
    assert verdict(ANSWERABLE, refunds_first) == "suggested"
    refunds_second = _answer(None, is_gap=True, suggested=("billing/change-plan.md", "billing/refunds.md"))
    assert verdict(ANSWERABLE, refunds_second) == "missed"
    assert verdict(ABSTAIN, _answer(None, is_gap=True, suggested=("wifi/guest-network.md",))) == "honest"


def test_an_abstain_message_must_not_be_answered() -> None:
    assert verdict(ABSTAIN, _answer(None, is_gap=True)) == "honest"
    assert verdict(ABSTAIN, _answer("wifi/guest-network.md")) == "answered_abstain"


def test_precision_counts_an_answered_abstain_message_as_wrong() -> None:
    outcomes = ["right", "right", "missed", "suggested"]
    counts = summary([*(("lumo", v) for v in outcomes), ("kestrel", "answered_abstain")])
    assert counts["all"] == {"right": 2, "wrong": 0, "suggested": 1, "missed": 1, "honest": 0, "answered_abstain": 1}
    table = render(counts)
    assert "| all | 4 | 2 | 0 | 1 / 1 | 0.667 | 0 / 1 |" in table
    assert "| kestrel | 0 | 0 | 0 | 0 / 0 | 0.000 | 0 / 1 |" in table


def test_a_probe_line_without_a_known_help_centre_or_labels_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "probe.jsonl"
    path.write_text(json.dumps({"id": "x", "help_centre": "acme", "message": "hi", "expected": "abstain"}) + "\n")
    with pytest.raises(ValueError, match="help_centre"):
        read_probe(path)
    path.write_text(json.dumps({"id": "x", "help_centre": "lumo", "message": "hi", "expected": []}) + "\n")
    with pytest.raises(ValueError, match="expected"):
        read_probe(path)


def test_the_committed_probes_label_documents_of_their_help_centres() -> None:
    documents = {
        "lumo": load_path(EVERYDAY_KB).documents,
        "kestrel": load_path(KESTREL_KB).documents,
        "parcelpoint": load_path(PARCELPOINT_KB).documents,
        "orla": load_path(ORLA_KB).documents,
    }
    ids = {help_centre: {d.id for d in docs} for help_centre, docs in documents.items()}
    graded = Path(__file__).parent.parent / "evals" / "graded"
    probes = sorted([*graded.glob("situational-*.jsonl"), *graded.glob("orla-*-probe.jsonl")])
    assert len(probes) >= 3
    for path in probes:
        messages = read_probe(path)
        assert len({m.id for m in messages}) == len(messages)
        unknown = [(m.id, d) for m in messages for d in m.expected if d not in ids[m.help_centre]]
        assert not unknown, unknown
