"""The answering core end to end on the sample help centre: real model, real Chroma, real ingest.

Covers the audience filter (dense and keyword paths, and everything a public answer shows), abstention, the FAQ
fast path, extractive answers whose [n] markers match their citations, Chinese questions, follow-ups, the JSON
contract of `answerdesk ask --json` and the embedder guard of the vector store.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from chatbot.answering import Answerer, build_answerer
from chatbot.composer import word_count
from chatbot.config import Settings
from chatbot.errors import EmbedderMismatchError
from chatbot.followups import Turn, is_follow_up, retrieval_query
from chatbot.language import message
from chatbot.runtime import build_runtime
from chatbot.store import ChromaStore
from chatbot.types import Answer, Audience
from tests.contract import ANSWER_KEYS, CITATION_KEYS, SOURCE_KEYS
from tests.helpcenter_kb import SAMPLE_KB, SampleKB, sample_kb

pytestmark = pytest.mark.slow

# Questions aimed at facts that only the internal documents hold, and the facts themselves.
INTERNAL_QUESTIONS = {
    "How much can a Tier 2 agent refund without sign-off?": "500 EUR",
    "What is the escalation phone extension?": "4411",
    "What is known issue KI-231?": "Nordbank",
}
# More probes for the public path, two of them an internal FAQ entry's own question word for word.
PUBLIC_PROBES = [
    *INTERNAL_QUESTIONS,
    "Which reason code do I use for a refund exception outside the window?",
    "What does RF-EXC mean?",
    "Who is on call this weekend?",
    "Can an agent lift a Trust & Safety review hold?",
    "How long is the cool-down before an Owner's 2FA reset takes effect?",
]
# Phrases found only in internal documents: none may reach a public caller.
INTERNAL_PHRASES = ["500 EUR", "4411", "KI-231", "RF-EXC", "Nordbank", "555 0144", "Tier 2", "SUP-1873", "cool-down"]
OFF_TOPIC = ["What's the weather in Paris tomorrow?", "Who won the 1998 World Cup?", "How do I bake sourdough bread?"]
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
MARKER = re.compile(r"\[(\d+)\]")
NUMBERED_STEP = re.compile(r"^(\d+)\. ", re.MULTILINE)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> SampleKB:
    return sample_kb(tmp_path_factory)


def ask(kb: SampleKB, question: str, audience: Audience, history: list[Turn] | None = None) -> Answer:
    return kb.answerer.answer(question, history or [], audience=audience)


def mentioned_ids(answer: Answer) -> set[str]:
    return {c.id for c in answer.citations} | {s.id for s in answer.sources} | {r.id for r in answer.related}


def normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def faq_rows() -> dict[str, dict[str, str]]:
    with (SAMPLE_KB / "faq" / "faq.csv").open(encoding="utf-8", newline="") as handle:
        return {f"faq/faq.csv#{row['id']}": row for row in csv.DictReader(handle)}


# -- the fixture itself -----------------------------------------------------------------------------------------
def test_sample_kb_is_ingested_with_both_audiences(kb: SampleKB) -> None:
    internal = kb.ids("internal")
    assert {
        "internal/refund-approval-limits.md",
        "internal/escalation-contacts.md",
        "internal/known-issues.md",
        "faq/faq.csv#internal-refund-tier-limits",
    } <= internal
    assert len(kb.ids("public")) > 3 * len(internal)
    assert set(kb.chunks) == set(kb.catalogue)  # every live document has chunks in Chroma, and nothing else does
    for doc_id, members in kb.chunks.items():
        assert {c.audience for c in members} == {kb.audience(doc_id)}


def test_internal_phrases_are_only_in_internal_documents(kb: SampleKB) -> None:
    """Makes the leak checks below meaningful: each phrase is an internal fact and absent from public text."""
    for phrase in INTERNAL_PHRASES:
        holders = {doc_id for doc_id, members in kb.chunks.items() if any(phrase in c.text for c in members)}
        assert holders, phrase
        assert all(kb.audience(doc_id) == "internal" for doc_id in holders), (phrase, holders)


# -- audience: the public never sees internal documents ---------------------------------------------------------
def test_dense_search_filters_audience_inside_the_query(kb: SampleKB) -> None:
    store, embedder = kb.runtime.store, kb.runtime.embedder
    for question in INTERNAL_QUESTIONS:
        vector = embedder.encode_queries([question])[0]
        everything = store.query(vector, 50, "internal")
        assert kb.audience(everything[0].chunk.doc_id) == "internal", question  # unfiltered, internal ranks first
        public = store.query(vector, 50, "public")
        # Still 50 hits: the filter is inside the search, not a post-filter on a truncated list.
        assert len(public) == 50
        assert all(h.chunk.audience == "public" and kb.audience(h.chunk.doc_id) == "public" for h in public)


def test_keyword_search_filters_audience_inside_the_index(kb: SampleKB) -> None:
    index = kb.runtime.keyword_index
    public = index.search("tier 2 refund sign-off", 50, "public")
    assert public, "public refund articles match 'refund'"
    assert all(kb.audience(h.doc_id) == "public" for h in public)
    internal = index.search("tier 2 refund sign-off", 50, "internal")
    internal_docs = {h.doc_id for h in internal}
    assert {"internal/refund-approval-limits.md", "faq/faq.csv#internal-refund-tier-limits"} & internal_docs
    assert kb.audience(internal[0].doc_id) == "internal"

    # Words that only internal documents contain find nothing at all for the public.
    assert index.search("Nordbank KI-231", 50, "public") == []
    assert index.search("Nordbank KI-231", 50, "internal")[0].doc_id == "internal/known-issues.md"


def test_hybrid_retrieval_for_the_public_returns_only_public_documents(kb: SampleKB) -> None:
    retriever = kb.answerer.retriever
    for question in PUBLIC_PROBES:
        result = retriever.retrieve(question, "public", k=50)
        assert result.documents
        assert all(kb.audience(d.doc_id) == "public" for d in result.documents), question
        assert all(kb.audience(h.chunk.doc_id) == "public" for h in result.dense_hits)
        assert all(kb.audience(h.chunk.doc_id) == "public" for h in result.keyword_hits)


@pytest.mark.parametrize("question", PUBLIC_PROBES)
def test_public_answer_never_shows_an_internal_document(kb: SampleKB, question: str) -> None:
    answer = ask(kb, question, "public")
    ids = mentioned_ids(answer)
    assert ids, "the public answer still lists public sources"
    leaked = {doc_id for doc_id in ids if kb.audience(doc_id) != "public"}
    assert not leaked, (question, leaked)
    assert not any(doc_id.startswith("internal/") for doc_id in ids)

    shown = json.dumps({k: v for k, v in answer.to_dict().items() if k != "question"}, ensure_ascii=False)
    for phrase in INTERNAL_PHRASES:
        assert phrase not in shown, (question, phrase)
    internal_titles = {row.title for row in kb.catalogue.values() if row.audience == "internal"}
    shown_titles = {c.title for c in answer.citations} | {s.title for s in answer.sources}
    assert not (shown_titles | {r.title for r in answer.related}) & internal_titles


def test_public_related_links_are_public_articles(kb: SampleKB) -> None:
    internal_titles = {row.title for row in kb.catalogue.values() if row.audience == "internal"}
    gaps = [a for a in (ask(kb, q, "public") for q in [*INTERNAL_QUESTIONS, *OFF_TOPIC]) if a.is_gap]
    assert len(gaps) >= 3
    assert any(a.related for a in gaps)
    for answer in gaps:
        for related in answer.related:
            assert kb.audience(related.id) == "public"
            assert related.title not in internal_titles
            assert not any(phrase in related.title for phrase in INTERNAL_PHRASES)


@pytest.mark.parametrize(("question", "fact"), INTERNAL_QUESTIONS.items())
def test_internal_audience_gets_the_internal_answer(kb: SampleKB, question: str, fact: str) -> None:
    answer = ask(kb, question, "internal")
    assert not answer.is_gap, (question, answer.reason, answer.confidence)
    assert fact in answer.answer
    cited = [c.id for c in answer.citations]
    assert cited and kb.audience(cited[0]) == "internal", cited
    assert kb.audience(answer.sources[0].id) == "internal"


# -- abstention ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("audience", ["public", "internal"])
@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_are_refused(kb: SampleKB, question: str, audience: Audience) -> None:
    answer = ask(kb, question, audience)
    assert answer.is_gap, (question, answer.answer, answer.confidence)
    assert answer.reason in {"low_confidence", "no_match"}
    assert answer.confidence < kb.answerer.threshold
    assert answer.answer == message("abstain", "en")
    assert "I don't know" in answer.answer
    assert answer.citations == []
    assert not MARKER.search(answer.answer)
    assert answer.writer == "abstain"
    assert len(answer.related) <= 3
    # The closest articles are offered as related links, never as citations; the sources are still listed.
    english_sources = [s.id for s in answer.sources if kb.catalogue[s.id].language == "en"]
    assert [r.id for r in answer.related] == english_sources[: len(answer.related)]


def test_suggestions_are_in_the_question_language(kb: SampleKB) -> None:
    """Was: "I don't know" with two Chinese pages suggested to an English question that matched nothing (MiniLM's
    nearest pages for nonsense). A page in another language is suggested when the keywords found it too."""
    nonsense = ask(kb, "blorf quantum zebra pancakes vortex", "public")
    assert nonsense.is_gap and nonsense.related
    assert any(kb.catalogue[s.id].language == "zh" for s in nonsense.sources[:3])  # what the search ranked first
    assert {kb.catalogue[r.id].language for r in nonsense.related} == {"en"}
    shipped = kb.answerer
    unsure = Answerer(  # never confident: every question gets "I'm not sure" and suggestions
        shipped.retriever, 1.01, shipped.confidence_model, scope_model=shipped.scope_model, scope_threshold=0.0
    )
    shared_name = unsure.answer("paypal 的费用在哪里看", audience="public")  # no Chinese PayPal page
    assert shared_name.is_gap and "integrations/paypal.html" in {r.id for r in shared_name.related}


def test_off_topic_chinese_question_is_refused_in_chinese(kb: SampleKB) -> None:
    answer = ask(kb, "明天巴黎的天气怎么样？", "public")
    assert answer.is_gap and answer.reason in {"low_confidence", "no_match"}
    assert answer.language == "zh"
    assert answer.answer == message("abstain", "zh")
    assert answer.citations == []


def test_empty_index_says_so(tmp_path: Path) -> None:
    runtime = build_runtime(Settings(data_dir=tmp_path / "empty"))
    answerer = build_answerer(runtime)
    for audience in ("public", "internal"):
        answer = answerer.answer("How do I request a refund?", audience=audience)
        assert answer.is_gap
        assert answer.reason == "empty_index"
        assert answer.answer == message("empty_index", "en")
        assert answer.citations == [] and answer.sources == [] and answer.related == []
        assert answer.confidence < answerer.threshold


# -- the FAQ fast path -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "faq_id", "audience"),
    [
        ("How do I request a refund?", "faq/faq.csv#request-refund", "public"),
        ("How long do I have to ask for a refund?", "faq/faq.csv#refund-window", "public"),
        ("How do I turn on two-factor authentication?", "faq/faq.csv#enable-2fa", "public"),
        ("How do I enable two-factor authentication?", "faq/faq.csv#enable-2fa", "public"),  # paraphrase
        ("Is there a free trial?", "faq/faq.csv#free-trial", "public"),
        ("How do I export all my data?", "faq/faq.csv#export-data", "internal"),
        ("如何开启两步验证？", "faq/faq.csv#zh-enable-2fa", "public"),
        (
            "How much can a Tier 2 agent refund without manager sign-off?",
            "faq/faq.csv#internal-refund-tier-limits",
            "internal",
        ),
    ],
)
def test_faq_fast_path_returns_the_faq_answer(kb: SampleKB, question: str, faq_id: str, audience: Audience) -> None:
    answer = ask(kb, question, audience)
    assert answer.writer == "faq", (question, answer.writer, [c.id for c in answer.citations])
    assert not answer.is_gap and answer.reason is None
    assert [c.id for c in answer.citations] == [faq_id]
    citation = answer.citations[0]
    assert citation.n == 1
    assert citation.chunk_id.startswith(f"{faq_id}::")
    assert citation.title == kb.catalogue[faq_id].title
    assert citation.version == kb.catalogue[faq_id].version
    assert answer.answer == faq_rows()[faq_id]["answer"] + " [1]"


def test_faq_fast_path_does_not_answer_a_different_question(kb: SampleKB) -> None:
    """A refund question that no FAQ entry asks is answered from the articles, not with a near FAQ's answer."""
    answer = ask(kb, "Which charges can't be refunded?", "public")
    assert not answer.is_gap
    assert answer.writer == "extractive"
    assert answer.citations[0].id == "billing/refunds.md"
    # "Money back" is a refund (chatbot/synonyms.py): the entry asking how to request one answers it.
    answer = ask(kb, "How can I get my money back?", "public")
    assert not answer.is_gap
    assert answer.citations[0].id == "faq/faq.csv#request-refund", answer.citations


# -- extractive answers ----------------------------------------------------------------------------------------
EXTRACTIVE_QUESTIONS = [
    "How do I connect a bank account to Lumo?",
    "How do I create an API key?",
    "How do I connect Stripe?",
    "How do I close my account?",
    "How do I create and send an invoice?",
    "Can I use Lumo offline?",
    "What is the escalation phone extension?",
]


@pytest.mark.parametrize("question", EXTRACTIVE_QUESTIONS)
def test_extractive_answer_markers_match_citations(kb: SampleKB, question: str) -> None:
    answer = ask(kb, question, "internal")
    assert answer.writer == "extractive", (question, answer.writer)
    assert not answer.is_gap
    markers = [int(n) for n in MARKER.findall(answer.answer)]
    numbers = [c.n for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert set(markers) == set(numbers), (answer.answer, numbers)
    assert markers == sorted(markers)  # cited in order of appearance
    assert word_count(answer.answer) <= 260
    for citation in answer.citations:
        row = kb.catalogue[citation.id]
        assert citation.title == row.title and citation.title
        assert citation.version == row.version >= 1
        assert re.fullmatch(rf"{re.escape(citation.id)}::\d+", citation.chunk_id)
        assert citation.chunk_id in {c.id for c in kb.chunks[citation.id]}


@pytest.mark.parametrize("question", EXTRACTIVE_QUESTIONS)
def test_extractive_answer_is_quoted_from_the_cited_article(kb: SampleKB, question: str) -> None:
    """Every line of paragraph n comes word for word from the article cited as [n]."""
    answer = ask(kb, question, "internal")
    paragraphs = answer.answer.split("\n\n")
    assert len(paragraphs) == len(answer.citations)
    for paragraph, citation in zip(paragraphs, answer.citations, strict=True):
        # The mark closes the paragraph, or a table's last cell when the paragraph ends with a table.
        mark = f"[{citation.n}]"
        assert paragraph.endswith((mark, f"{mark} |")), paragraph
        source = normalized(" ".join(c.text for c in kb.chunks[citation.id]))
        body = paragraph[: -len(mark)] if paragraph.endswith(mark) else paragraph[: -len(f"{mark} |")] + "|"
        for line in body.splitlines():
            for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", line.strip()):
                assert normalized(sentence) in source, (citation.id, sentence)


@pytest.mark.parametrize(
    ("question", "first_step", "last_step"),
    [
        ("How do I connect a bank account to Lumo?", "Banking > Bank accounts", "Start import"),
        ("How do I create an API key?", "Settings > Developer > API keys", "shown only once"),
        ("How do I connect Stripe?", "Settings > Integrations > Stripe", "Finish setup"),
        # "How do I close my account?" is the FAQ entry "How do I delete my Lumo account?", answered in one line.
        ("How do I close my account permanently?", "Settings > Account > Close account", "Close account permanently"),
    ],
)
def test_procedure_keeps_its_steps_in_order(kb: SampleKB, question: str, first_step: str, last_step: str) -> None:
    answer = ask(kb, question, "public")
    assert answer.writer == "extractive"
    steps = [int(n) for n in NUMBERED_STEP.findall(answer.answer)]
    assert len(steps) >= 3, answer.answer
    assert steps == list(range(1, len(steps) + 1)), answer.answer
    lines = [line for line in answer.answer.splitlines() if NUMBERED_STEP.match(line)]
    assert first_step in lines[0]
    assert last_step in lines[-1]
    # The steps are the article's own, in the article's order.
    source = " ".join(c.text for c in kb.chunks[answer.citations[0].id])
    positions = [source.index(MARKER.sub("", line).strip()) for line in lines]
    assert positions == sorted(positions)


def test_procedure_question_worded_like_the_topic_gets_the_steps(kb: SampleKB) -> None:
    answer = ask(kb, "How do I connect a bank feed?", "public")
    assert answer.citations[0].id == "bookkeeping/bank-feeds.md"
    steps = [int(n) for n in NUMBERED_STEP.findall(answer.answer)]
    assert steps[:3] == [1, 2, 3], answer.answer
    assert "Connect a bank" in answer.answer


def test_enable_2fa_gets_the_authenticator_steps_not_the_team_policy(kb: SampleKB) -> None:
    """Was "I'm not sure" (0.16): the help centre says "turn on", never "enable" (chatbot/synonyms.py)."""
    answer = ask(kb, "How do I enable 2FA?", "public")
    assert not answer.is_gap
    assert "Require two-factor authentication" not in answer.answer
    assert "Settings > Security > Two-factor authentication" in answer.answer


# -- Chinese ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("question", ["如何申请退款？", "如何开启两步验证？", "如何导出数据？", "我可以取消订阅吗？"])
def test_chinese_question_is_answered_in_chinese(kb: SampleKB, question: str) -> None:
    answer = ask(kb, question, "public")
    assert answer.language == "zh"
    assert not answer.is_gap, (question, answer.confidence)
    assert len(CJK.findall(answer.answer)) >= 10
    assert message("cross_language", "zh") not in answer.answer  # a Chinese article was there to answer from
    assert answer.citations
    for citation in answer.citations:
        row = kb.catalogue[citation.id]
        assert row.language == "zh", citation.id
        assert citation.id.startswith("zh/") or citation.id.startswith("faq/")
    assert set(map(int, MARKER.findall(answer.answer))) == {c.n for c in answer.citations}


def test_chinese_how_to_question_gets_the_steps(kb: SampleKB) -> None:
    answer = ask(kb, "如何申请退款？", "public")
    assert "账单历史" in answer.answer
    assert NUMBERED_STEP.search(answer.answer)


# -- follow-ups ------------------------------------------------------------------------------------------------
TWO_FA_DOCS = {
    "security/two-factor-authentication.md",
    "faq/faq.csv#enable-2fa",
    "faq/faq.csv#require-2fa",
    "faq/faq.csv#lost-2fa-phone",
}


def test_follow_up_is_resolved_against_the_previous_question(kb: SampleKB) -> None:
    first_question = "How do I enable two-factor authentication?"
    first = ask(kb, first_question, "public")
    assert not first.is_gap
    assert retrieval_query("and on Android?", [Turn(first_question, first.answer)]).startswith(first_question)

    follow_up = ask(kb, "and on Android?", "public", [Turn(first_question, first.answer)])
    alone = ask(kb, "and on Android?", "public")

    top = [s.id for s in follow_up.sources[:3]]
    assert top[0] in TWO_FA_DOCS, top
    assert len(set(top) & TWO_FA_DOCS) >= 2, top
    # The help centre never says anything about 2FA on Android: not sure, with the 2FA articles to read. Was: the
    # steps to require 2FA for a whole team, the best passage of the article that the first answer had not quoted.
    assert follow_up.is_gap and follow_up.reason == "low_confidence", follow_up.answer
    assert {r.id for r in follow_up.related} & TWO_FA_DOCS
    # Without the history the same words are about the mobile apps, not 2FA.
    assert alone.sources[0].id not in TWO_FA_DOCS
    assert alone.sources[0].id != follow_up.sources[0].id
    assert not {c.id for c in alone.citations} & TWO_FA_DOCS
    mobile = alone.sources[0].id.startswith(("mobile/", "faq/faq.csv#mobile-"))
    assert mobile or "android" in alone.answer.lower(), alone.sources[0].id


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("and on Android?", True),
        ("what about refunds?", True),
        ("how long does it take?", True),
        ("Can I undo it on the phone?", True),
        ("Android?", True),
        ("那安卓呢？", True),
        ("Is there an office in Berlin?", False),  # existential "there" refers to nothing earlier
        ("Are there discounts for students?", False),
        ("Do you ship to Canada?", False),  # short, but stands alone
        ("How do I connect Stripe to get paid online?", False),
        ("如何开启两步验证？", False),
    ],
)
def test_what_counts_as_a_follow_up(question: str, expected: bool) -> None:
    assert is_follow_up(question) is expected


def test_a_standalone_question_after_history_is_not_rewritten(kb: SampleKB) -> None:
    history = [Turn("How do I enable two-factor authentication?", "Go to Settings > Security.")]
    question = "How do I connect Stripe to get paid online?"
    with_history = ask(kb, question, "public", history)
    without = ask(kb, question, "public")
    assert [s.id for s in with_history.sources] == [s.id for s in without.sources]
    assert with_history.answer == without.answer


@pytest.mark.parametrize(
    ("first_question", "follow_up_question", "expected"),
    [
        (
            "How do I request a refund?",
            "how long does it take?",
            {"faq/faq.csv#refund-time", "billing/refunds.md"},
        ),
        (
            "Which plans include bank feeds?",
            "and how often are transactions imported?",
            {"faq/faq.csv#bank-refresh", "bookkeeping/bank-feeds.md"},
        ),
    ],
)
def test_follow_up_does_not_repeat_the_previous_faq_answer(
    kb: SampleKB, first_question: str, follow_up_question: str, expected: set[str]
) -> None:
    first = ask(kb, first_question, "public")
    assert first.writer == "faq"
    follow_up = ask(kb, follow_up_question, "public", [Turn(first_question, first.answer)])
    assert follow_up.answer != first.answer
    assert follow_up.citations[0].id in expected


# -- the JSON contract -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "audience"),
    [
        ("How do I request a refund?", "public"),  # FAQ
        ("How do I create and send an invoice?", "internal"),  # extractive, two citations
        ("Who won the 1998 World Cup?", "public"),  # abstention
        ("如何导出数据？", "public"),  # Chinese
    ],
)
def test_answer_json_has_exactly_the_cli_contract(kb: SampleKB, question: str, audience: Audience) -> None:
    answer = ask(kb, question, audience)
    data = json.loads(json.dumps(answer.to_dict(), ensure_ascii=False))
    assert set(data) == ANSWER_KEYS
    assert data["question"] == question
    assert isinstance(data["answer"], str) and data["answer"]
    assert isinstance(data["is_gap"], bool)
    assert (data["reason"] is None) == (not data["is_gap"])
    assert 0.0 <= data["confidence"] <= 1.0
    assert data["language"] in {"en", "zh"}
    assert isinstance(data["latency_ms"], float) and data["latency_ms"] > 0
    assert 1 <= len(data["sources"]) <= 10
    for source in [*data["sources"], *data["related"]]:
        assert set(source) == SOURCE_KEYS
        assert source["id"] in kb.catalogue
    for citation in data["citations"]:
        assert set(citation) == CITATION_KEYS
        assert isinstance(citation["n"], int) and isinstance(citation["version"], int)
    if data["is_gap"]:
        assert data["citations"] == [] and len(data["related"]) <= 3
    else:
        assert data["citations"] and data["related"] == []


# -- the embedder guard ----------------------------------------------------------------------------------------
def test_collection_refuses_another_embedder(kb: SampleKB) -> None:
    settings = kb.settings
    with pytest.raises(EmbedderMismatchError, match="minilm"):
        ChromaStore(settings, embedder_name="multilingual", dimension=384)
    # The refusal changed nothing: the collection still opens with its own embedder and keeps its vectors.
    store = ChromaStore(settings, embedder_name="minilm", dimension=384)
    assert store.count() == sum(len(members) for members in kb.chunks.values())
