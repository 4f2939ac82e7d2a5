"""One language detector and one set of Chinese characters (chatbot/language.py), used alike by the answering side
(questions, keywords, small talk, composed answers) and by ingest (documents). No model needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.composer import word_count
from chatbot.intents import detect_intent
from chatbot.keyword import has_cjk, text_terms, tokenize
from chatbot.language import CJK_RE, detect_language
from chatbot.retrieval import FAQ_WEIGHTS, KEYWORD_WEIGHTS, FusionWeights, HybridRetriever
from ingest.sources import load_path

LIFT = "\U000282e2"  # 𨋢, "lift" in written Cantonese: a plane-2 (Extension B) character
COMPATIBILITY = "\ufa11"  # 﨑, a CJK compatibility ideograph (names)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("How do I reset my password?", "en"),
        ("如何重置密码？", "zh"),
        (f"{LIFT}{LIFT} lift ok", "zh"),  # plane-2 characters are Chinese too
        ("abcd中", "zh"),  # a fifth of the letters is enough
        ("abcde中", "en"),
        ("", "en"),
        ("12345 ①②", "en"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_documents_are_detected_like_questions(tmp_path: Path) -> None:
    """ingest has no detector of its own: a document reads as the same language a question with its text would."""
    (tmp_path / "fifth.txt").write_text("abcd中\n", encoding="utf-8")
    (tmp_path / "lift.txt").write_text(f"{LIFT}{LIFT} lift ok\n", encoding="utf-8")
    languages = {document.id: document.language for document in load_path(tmp_path).documents}
    assert languages == {"fifth.txt": "zh", "lift.txt": "zh"}


def test_every_module_shares_the_chinese_characters() -> None:
    for character in ("中", "\u3400", COMPATIBILITY, LIFT):
        assert CJK_RE.fullmatch(character) and has_cjk(f"a {character} b")
    assert not has_cjk("ordinary text, ＡＢＣ full-width and ｶﾀｶﾅ")
    # A plane-2 character is cut out of its Chinese run by jieba, not glued to it as one "word".
    assert tokenize(f"搭{LIFT}上去") == ["搭", LIFT, "上去"]
    # word_count counts each Chinese character, whichever block it comes from (one to a word by default).
    assert word_count(f"{COMPATIBILITY}{LIFT}中 ok") == 4
    # Small talk in Chinese is still small talk; a plane-2 character is content, not an English word.
    assert detect_intent("谢谢") is not None
    assert detect_intent(f"谢谢{LIFT}") is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # Chinese characters are word characters: a run that starts with a digit or a Latin letter must still end
        # where the Chinese begins, or the whole clause becomes one token that matches nothing.
        ("1990年出生于北京", ["1990", "北京"]),
        ("iPhone手机怎么重置", ["iphon", "手机", "重置"]),
        ("Lumo的发票在哪里下载", ["lumo", "发票", "下载"]),
    ],
)
def test_chinese_after_digits_or_latin_letters_is_cut_into_words(text: str, words: list[str]) -> None:
    tokens = tokenize(text)
    assert set(words) <= set(tokens)
    assert all(len(token) <= 6 for token in tokens)


def test_chinese_word_pairs_are_neighbours_in_the_sentence() -> None:
    """jieba's search mode lists a word's sub-words after it; the pairs come from the plain cut, so they are words
    that stand next to each other in the text ("少数民族" then "的"), never a word and its own part."""
    found = text_terms("白岳峰是哪一个少数民族的")
    assert {"少数", "民族", "少数民族"} <= set(found)  # the sub-words still match on their own
    pairs = {term for term in found if "_" in term}
    assert pairs == {"白岳峰_少数民族"}  # search mode's pairs held "民族_少数民族"
    # English is cut the same way both times: its pairs are the plain adjacent stems.
    assert text_terms("reset the passwords") == ["reset", "password", "reset_password"]


def test_a_chinese_question_is_searched_by_keywords_when_the_embedder_reads_english_only() -> None:
    class English:
        multilingual = False

    class Multilingual:
        multilingual = True

    def weights(embedder: object, question: str) -> FusionWeights:
        retriever = HybridRetriever(embedder, None, None, weights="faq")  # type: ignore[arg-type]
        return retriever.weights_for("public", question)

    assert weights(English(), "怎么申请退款？") == KEYWORD_WEIGHTS
    assert weights(English(), "How do I request a refund?") == FAQ_WEIGHTS
    assert weights(Multilingual(), "怎么申请退款？") == FAQ_WEIGHTS


def test_american_and_british_spellings_are_one_word() -> None:
    assert tokenize("categorize organization analyze") == tokenize("categorise organisation analyse")
    # Words British English spells with a z too keep it, and so stay apart from other words.
    assert tokenize("resize size prize seize") == ["resiz", "size", "prize", "seiz"]


def test_a_customer_is_not_custom() -> None:
    assert tokenize("customers") == tokenize("customer") != tokenize("custom")
    assert tokenize("customized") == tokenize("customised") == tokenize("customise")


def test_chat_shorthand_and_filler_are_not_searched() -> None:
    assert tokenize("how long do u guys take pls") == tokenize("how long do you take")
    assert tokenize("can my team look at stuff while the account is read only") == tokenize(
        "can my team look while the account is read only"
    )
    assert tokenize("my bank isnt in the list") == ["bank", "list"]
    # Contractions without their apostrophe and filler verbs (tokenizer 11).
    assert tokenize("cant log in, wont sync rn") == tokenize("log in, sync")
    assert tokenize("my api key got leaked, need it revoked asap") == tokenize("my api key leaked, need it revoked")


def test_vague_words_are_not_searched() -> None:
    assert tokenize("how many times do you retry a payment") == tokenize("how times do you retry a payment")
    assert tokenize("can an admin shut down the whole account") == ["admin", "shut", "account"]
    assert tokenize("the download link doesnt work anymore") == tokenize("the download link work")
