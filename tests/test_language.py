"""One language detector and one set of Chinese characters (chatbot/language.py), used alike by the answering side
(questions, keywords, small talk, composed answers) and by ingest (documents). No model needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.composer import word_count
from chatbot.intents import detect_intent
from chatbot.keyword import has_cjk, tokenize
from chatbot.language import CJK_RE, detect_language
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
