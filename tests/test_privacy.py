"""mask_pii in English and Chinese: identifiers masked (also in full-width digits and glued to Chinese text),
ordinary numbers (order numbers, amounts, dates, years) kept readable."""

from __future__ import annotations

import pytest

from web.chat.privacy import mask_pii

VALID_ID = "110101199003071233"  # check character valid (ISO 7064 mod 11-2)
ISSUE_ID = "110101199003071234"  # the issue's example: check character wrong, masked all the same (a typo still
# identifies the person)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the issue's example
        (f"我的手机号是13812345678，身份证号{ISSUE_ID}", "我的手机号是[phone]，身份证号[id]"),
        # Chinese mobile numbers: with or without +86 / 0086 / 86, spaces, dashes, glued to text or not
        ("我的电话是 13812345678", "我的电话是 [phone]"),
        ("手机：138 1234 5678。", "手机：[phone]。"),
        ("手机138-1234-5678谢谢", "手机[phone]谢谢"),
        ("请打+86 138 1234 5678", "请打[phone]"),
        ("+86-13912345678", "[phone]"),
        ("008613812345678", "[phone]"),
        ("8613812345678", "[phone]"),
        ("call me on 19912345678 please", "call me on [phone] please"),
        # full-width digits (what a Chinese keyboard often types); the rest of the text is kept as it was
        ("手机号：１３８１２３４５６７８，谢谢", "手机号：[phone]，谢谢"),
        ("电话（０１０）１２３４５６７８", "电话[phone]"),
        # landlines
        ("公司电话010-12345678", "公司电话[phone]"),
        ("座机0755-1234567转人工", "座机[phone]转人工"),
        ("电话(021) 87654321", "电话[phone]"),
        ("打 010 12345678-123 分机", "打 [phone] 分机"),
        # resident identity numbers: structure and a real birth date; X as the check character
        (f"身份证号{VALID_ID}", "身份证号[id]"),
        ("身份证：11010119900307123X。", "身份证：[id]。"),
        ("my ID card is 11010119900307123x", "my ID card is [id]"),
        # e-mail in full-width letters
        ("邮箱ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ谢谢", "邮箱[email]谢谢"),
        # the English formats, as before
        ("write to john.doe+shop@example.co.uk today", "write to [email] today"),
        ("call +49 30 1234567 or (030) 123-4567", "call [phone] or [phone]"),
        ("my number is 0171 2345678", "my number is [phone]"),
        ("card 4111 1111 1111 1111 expired", "card [card] expired"),
        ("卡号4111111111111111", "卡号[card]"),
        ("pay to DE89 3704 0044 0532 0130 00 please", "pay to [iban] please"),
        ("请拨打+44 20 7946 0958", "请拨打[phone]"),
    ],
)
def test_identifiers_are_masked(text: str, expected: str) -> None:
    assert mask_pii(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # amounts
        "Plus costs 12 EUR a month since 2024 for 5 users",
        "I paid 13800 EUR",
        "I was charged 1 380 000 EUR",
        "a refund of $1250000 please",
        "金额1380000元",
        "退款13800元",
        "¥1380000",
        # dates and years
        "ordered on 2024-03-15 10:30",
        "since 15.03.2024",
        "between 2019-2024",
        "2024年3月15日下的订单",
        "日期20240315",
        "2024/03/15",
        # order, invoice and ticket numbers
        "order 12345678 has not arrived",
        "order #12345678",
        "invoice no. 98765432",
        "ORD-2024-000123",
        "ticket 55512345",
        "订单号202403150001还没到",
        "订单号：20240315001",
        "运单号 7700123456789",
        # numbers that are not identifiers
        "order 4111111111111112 (not a valid card)",
        "身份证号110101199013071234",  # month 13: no birth date, not an identity number
        "序列号 990101199003071234",  # region codes start with 1 to 8
        "version 3.2.1, 12 users",
    ],
)
def test_ordinary_numbers_are_kept(text: str) -> None:
    assert mask_pii(text) == text
