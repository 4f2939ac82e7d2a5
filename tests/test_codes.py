"""Codes in questions and documents, and the error codes a knowledge base never mentions (chatbot/codes.py)."""

from __future__ import annotations

import pytest

from chatbot.codes import code_like_words, codes_in, error_codes_in, unknown_error_codes

DOCUMENTS = [
    "| SYNC-07 | Your session has expired | Sign in again |",
    "| BF-101 | Access to your bank has expired | Renew consent |",
    "Above that the API answers 429 Too Many Requests. Turn on 2FA. Reference codes look like SD-7F3K2Q.",
]


def test_codes_the_composer_looks_for() -> None:
    assert codes_in("Is KI-231 fixed? I get error 4411 and SYNC-07") == ["ki-231", "4411", "sync-07"]
    assert codes_in("how do I turn on 2FA") == []


@pytest.mark.parametrize(
    ("question", "codes"),
    [
        ("what does error code E401 mean in the app", ["e401"]),
        ("I get error 4411 when I sign in", ["4411"]),
        ("what does E401 mean", ["e401"]),
        ("app shows SYNC-99 error", ["sync-99"]),
        ("error (E401) when syncing", ["e401"]),
        ("error code: 0x80070005", ["0x80070005"]),
        ("错误代码 E401 是什么意思", ["e401"]),
        # Not error codes: a sign-in code, a product version, a paper size, a year, a number of euros.
        ("my 2fa code 492817 doesn't work", []),
        ("the app shows an error on iOS17", []),
        ("can I print invoices on A4", []),
        ("the 2019 accounts fail to export", []),
        ("my invoice shows 250 euros", []),
        # Nor a number with its unit, a date, a range of years or a phone number, beside a word about errors.
        ("my 6-digit code doesn't work", []),
        ("2-step verification fails", []),
        ("what does the 30-day trial mean", []),
        ("I get a 72-hour lockout error", []),
        ("sync error since 2024-03-01", []),
        ("error 2024-03-01 on my bank feed", []),
        ("the 2019-2020 accounts fail to export", []),
        ("error when I call 020-7946-0958", []),
        ("导出2019年的账目时报错", []),
        # A customer's own invoice or order number and its status: not an error.
        ("what's the status of invoice INV-0042", []),
        ("order 12345 status", []),
        ("why is INV-0042 status overdue", []),
        ("status 429 from the API", ["429"]),
        # Chinese puts no space between a code and its words.
        ("错误代码E401是什么意思", ["e401"]),
        ("SYNC-07错误是什么意思", ["sync-07"]),
    ],
)
def test_the_error_codes_a_question_asks_about(question: str, codes: list[str]) -> None:
    assert error_codes_in(question) == codes


def test_a_code_no_document_mentions_is_unknown() -> None:
    known = code_like_words(DOCUMENTS)
    assert {"sync-07", "bf-101", "429", "sd-7f3k2q"} <= known
    assert unknown_error_codes("what does error SYNC-07 mean", lambda: known) == []
    assert unknown_error_codes("bank error BF-101", lambda: known) == []
    assert unknown_error_codes("status 429 from the API", lambda: known) == []
    assert unknown_error_codes("what does error code E401 mean", lambda: known) == ["e401"]
    assert unknown_error_codes("app shows SYNC-99 error", lambda: known) == ["sync-99"]
    assert unknown_error_codes("how do I turn on 2FA", lambda: known) == []


def test_a_code_a_chinese_document_mentions_is_known() -> None:
    known = code_like_words(["如果出现错误代码SYNC-07，请重新登录。"])
    assert "sync-07" in known
    assert unknown_error_codes("SYNC-07错误是什么意思", lambda: known) == []


def test_the_documents_codes_are_only_gathered_for_a_question_about_one() -> None:
    def gather() -> frozenset[str]:
        raise AssertionError("gathered for a question without an error code")

    assert unknown_error_codes("how do I turn on 2FA", gather) == []
