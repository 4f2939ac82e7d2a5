"""Names the knowledge base never mentions, in a question about connecting to them ("How do I connect Lumo to Xero?"),
paying with them or a discount for them ("do you have a student discount?"), and questions mostly in words it never
uses (``mostly_unknown``, at the end).

An integration is a name, and a help centre documents each of its integrations by name. A question about connecting
to one that no article names is not answered there, however well the rest of it matches: "How do I connect Lumo to
Xero?" shares "connect" and "Lumo" with the PayPal article, whose steps were quoted with confidence 0.47 (threshold
0.38). The confidence features weigh an unknown word as the question's rarest (unknown_share, missing_rare), but
their fitted weights cannot tell a name from a typo or a contraction ("doesnt", "pls", "untill"): on the StackFAQ
and everyday dev splits, 17 answered questions with such a word were right and 1 wrong, and that one was this case
("how do i connect lumo to zapier"). So the rule is narrow: a word unknown to the knowledge base that is not an
English word (nor a common one mistyped: "actualy"), in a question about connecting, integrating or support
("can I use Lumo with QuickBooks?", "does Lumo support YubiKey?", once answered from the offline-use and
support-hours entries) makes the answer "I'm not sure" with the closest articles.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from chatbot.keyword import tokenize
from chatbot.language import CJK_RE
from chatbot.spelling import english_word_counts, english_words

# Connecting one product to another, or asking whether it is supported: "connect", "integrate" / "integration",
# "sync with", "link ... to", "works with", "use Lumo with", "does Lumo support", "compatible".
_CONNECT_RE = re.compile(
    r"\b(?:connect\w*|integrat\w*|sync\w*\s+(?:\w+\s+){0,3}?with|link\w*\s+(?:\w+\s+){0,3}?(?:to|with)|"
    r"works?\s+with|hook\w*\s+up|use\s+(?:\w+\s+){0,3}?with|supports?|compatible)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+")
# Shorter words are abbreviations and chat shorthand more often than names ("pls", "btw").
MIN_NAME_LENGTH = 4
# Contractions typed without their apostrophe, which the English word list lacks: "theres no connect button on the
# stripe page for me" had the Stripe steps at 0.86 and was "I'm not sure", "theres" taken for a product's name.
_APOSTROPHE_LESS = frozenset(
    """
    theres heres wheres whos whats thats hows whens whys isnt arent wasnt werent doesnt didnt dont hasnt havent hadnt
    cant couldnt wont wouldnt shouldnt mustnt neednt youre youve youll youd theyre theyve theyll theyd weve itll
    thatll shes aint
    """.split()
)


# A common English word mistyped is no name: "i open also shopify shop, 2 shops actualy. what plan need to connect
# both to lumo" was "I'm not sure" at confidence 0.90, "actualy" taken for a product. A word one edit from a word
# this frequent in the English list (its 5,746 commonest: "actually" 69 million, "basically" 12 million),
# with the same first letter, is read as its typo. Names stay names: "Xero" and "Zapier" are one edit from "zero"
# and "rapier" only through their first letter, "Venmo" from "venom" (1.9 million) is a rarer word.
COMMON_WORD_COUNT = 10_000_000
MIN_TYPO_LENGTH = 5
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def unknown_names(text: str, idf: Callable[[str], float]) -> list[str]:
    """The words of ``text`` that the knowledge base never uses (``idf`` 0), that are not English words and that are
    not a common English word mistyped."""
    names = []
    for word in _WORD.findall(text):
        lower = word.lower()
        if (
            len(lower) < MIN_NAME_LENGTH
            or CJK_RE.search(lower)
            or lower in english_words()
            or lower in _APOSTROPHE_LESS
            or mistypes_a_common_word(lower)
        ):
            continue
        stems = tokenize(lower)
        if stems and all(idf(stem) <= 0 for stem in stems):
            names.append(word)
    return names


def mistypes_a_common_word(word: str) -> bool:
    """Whether ``word`` (lower case) is one edit (a letter left out, added, changed, or two swapped) from a common
    English word that starts with the same letter."""
    if len(word) < MIN_TYPO_LENGTH:
        return False
    counts = english_word_counts()
    splits = [(word[:i], word[i:]) for i in range(1, len(word) + 1)]  # the first letter stays
    edits = {a + b[1:] for a, b in splits if b}
    edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    edits |= {a + c + b for a, b in splits for c in _LETTERS}
    return any(counts.get(edit, 0) >= COMMON_WORD_COUNT for edit in edits if edit != word)


# What is connected, right after the verb: "connect my Mollie account", "integrate with Square", "hook up Venmo",
# "sync with Gusto", "an integration with Wave".
_CONNECTED_THING = re.compile(
    r"\b(?:(?:connect(?:s|ing)?|integrat(?:e|es|ing)|hook(?:s|ing)?\s+up)\s+|integrations?\s+(?=(?:with|for)\s)|"
    r"sync(?:s|ing)?\s+(?=with\s))(?:(?:lumo|it|this|that|up)\s+)*"
    r"(?:(?:to|with|into|for)\s+)?"
    r"(?:(?:my|our|the|a|an|your|their)\s+)?([^\W\d_]+)",
    re.IGNORECASE,
)


# What is paid with: "can my customers pay their invoices with Apple Pay?", "pay via Klarna". A wallet named "X Pay"
# is the pair: "Apple" alone is in the browser-support article (Safari), "Apple Pay" in none.
_PAID_WITH = re.compile(
    r"\bpa(?:y|ys|id|ying)\s+(?:[\w']+\s+){0,4}?(?:with|via|using|through)\s+"
    r"(?:(?:my|our|the|a|an|your|their)\s+)?([^\W\d_]+)(?:\s+(pay)\b)?",
    re.IGNORECASE,
)


def unknown_payment_method(text: str, idf: Callable[[str], float]) -> list[str]:
    """What a question asks to pay with, when the knowledge base never names it: "can my customers pay their invoices
    with Apple Pay?" was answered from the Stripe article's "pay invoices by card with a **Pay now** button" (0.47,
    0.60 in three rounds of blind questions), which says nothing of Apple Pay."""
    names = []
    for match in _PAID_WITH.finditer(text):
        thing, wallet = match.group(1), match.group(2)
        stems = tokenize(f"{thing} {wallet}" if wallet else thing)
        term = "_".join(stems) if wallet else (stems[0] if stems else "")
        if term and idf(term) <= 0:
            names.append(f"{thing} {wallet}" if wallet else thing)
    return names


# A variant of a product, named in capitals after a word the knowledge base uses: "shopify POS", "Xero HQ".
_VARIANT = re.compile(r"\b([^\W\d_]+)\s+([A-Z]{3,5})\b")


def unknown_variants(text: str, idf: Callable[[str], float]) -> list[str]:
    """The variants a question names that the knowledge base never does: "do you guys support shopify POS or just
    the online store?" got the Shopify entry (0.42), which says nothing of POS ("pos" is an English word, and
    short). Only after a word the knowledge base uses: currencies and other products' acronyms after a stop word
    ("made it out in CHF", "EUR and USD balances", "stripe and square in QBO") are no variant of anything here.
    Not in a message typed in capitals."""
    if text.isupper():
        return []
    variants = []
    for match in _VARIANT.finditer(text):
        before, acronym = tokenize(match.group(1)), tokenize(match.group(2))
        if before and all(idf(stem) > 0 for stem in before) and acronym and all(idf(s) <= 0 for s in acronym):
            variants.append(f"{match.group(1)} {match.group(2)}")
    return variants


def unknown_integration(text: str, idf: Callable[[str], float]) -> list[str]:
    """The unknown names of a question about connecting to something, or paying with something
    (unknown_payment_method); empty for any other question. The thing connected, named right after the verb, is
    unknown when the knowledge base never uses it, even when it is an English word: "can i connect my mollie
    account to get paid" was answered with the Stripe steps (0.67), and "Mollie", "Square" and "Wise" are in the
    English word list."""
    if not _CONNECT_RE.search(text):
        return unknown_payment_method(text, idf)
    names = unknown_names(text, idf) + unknown_variants(text, idf)
    for match in _CONNECTED_THING.finditer(text):
        thing = match.group(1)
        stems = tokenize(thing)
        if thing not in names and stems and all(idf(stem) <= 0 for stem in stems):
            names.append(thing)
    return names


# Who a discount is for: "do you have a student discount", "Do you do a discount for students?", "discount for
# NHS staff", "any discount if I'm a pensioner". A help centre names the groups its discounts are for, so a group it
# never names has no discount documented: "do you have a student discount" was answered from Lumo's charity-discount
# entry (0.96) and Parcelpoint's "discount for students" from its business-discount entry (0.94), the lookalike
# question matching on "discount". Words that say how big or when, not for whom ("bulk discount", "annual pricing"),
# are no group.
# "reduced fares", "cheaper tickets", "concession prices": a discount said as what is cheaper (round 39: "do seniors
# get reduced fares like students do?" got the students' table, an unseen help centre's dev message).
_DISCOUNT_NOUN = (
    r"(?:discounts?|concessions?|reductions?|deals?|pricing"
    r"|(?:reduced|discounted|cheaper|lower|concession(?:ary)?|special)\s+(?:fares?|prices?|rates?|tickets?|pricing))"
)
_GROUP_BEFORE = re.compile(rf"\b([^\W\d_]+)(?:'s|s')?\s+{_DISCOUNT_NOUN}\b", re.IGNORECASE)
# "any kind of startup or new business discount": the first of two groups named before one discount.
_GROUP_OR = re.compile(rf"\b([^\W\d_]+)\s+or\s+(?:[^\W\d_]+\s+){{1,2}}{_DISCOUNT_NOUN}\b", re.IGNORECASE)
_GROUP_AFTER = re.compile(
    rf"\b{_DISCOUNT_NOUN}\s+(?:for|to)\s+(?:(?:a|an|the|my|our|all|any)\s+)?([^\W\d_]+)", re.IGNORECASE
)
# "... if I'm a student", "as a pensioner", "we're a charity": said anywhere in a message about a discount.
_GROUP_STATED = re.compile(
    r"\b(?:i'?m|i\s+am|we'?re|we\s+are|as)\s+(?:still\s+|just\s+)?(?:a|an)\s+([^\W\d_]+)", re.IGNORECASE
)
# "do seniors get reduced fares", "can veterans get a discount": the group as who gets it.
_GROUP_SUBJECT = re.compile(
    rf"\b(?:do|does|can|could|will|would)\s+([^\W\d_]+)\s+(?:also\s+)?(?:get|have|pay|receive|qualify\s+for)\s+"
    rf"(?:a\s+|any\s+)?{_DISCOUNT_NOUN}\b",
    re.IGNORECASE,
)
_DISCOUNT_WORD = re.compile(rf"\b{_DISCOUNT_NOUN}\b", re.IGNORECASE)
_NOT_A_GROUP = frozenset(
    """
    any big bigger biggest small large good great better best special extra additional further bulk volume quantity
    multi multiple cheaper lower reduced discounted annual yearly monthly weekly early late current new existing other
    more same exclusive promotional promo seasonal introductory package bundle
    get gets got have has give gives offer offers receive pay
    """.split()
)
# Word parts shorter than this are not read as the two words of a compound ("non" + "profit" is one).
_MIN_COMPOUND_PART = 3


def unknown_discount_group(text: str, idf: Callable[[str], float]) -> list[str]:
    """The group a question asks a discount for, when the knowledge base never names it (not even written as two
    words: "nonprofit" of a help centre that says "non-profit" is named)."""
    if not _DISCOUNT_WORD.search(text):
        return []
    groups = [
        m.group(1)
        for pattern in (_GROUP_BEFORE, _GROUP_OR, _GROUP_AFTER, _GROUP_STATED, _GROUP_SUBJECT)
        for m in pattern.finditer(text)
    ]
    return [group for group in dict.fromkeys(groups) if _names_no_group(group, idf)]


def _names_no_group(word: str, idf: Callable[[str], float]) -> bool:
    lower = word.lower()
    stems = tokenize(lower)
    if lower in _NOT_A_GROUP or not stems or any(idf(stem) > 0 for stem in stems):
        return False
    splits = range(_MIN_COMPOUND_PART, len(lower) - _MIN_COMPOUND_PART + 1)
    return not any(_is_known_pair(lower[:i], lower[i:], idf) for i in splits)


def _is_known_pair(first: str, second: str, idf: Callable[[str], float]) -> bool:
    stems = tokenize(f"{first} {second}")
    return len(stems) == 2 and idf("_".join(stems)) > 0


def unknown_asked_about(text: str, idf: Callable[[str], float]) -> list[str]:
    """What a question asks about that the knowledge base never names: a product to connect or a way to pay
    (:func:`unknown_integration`), or a group a discount is for (:func:`unknown_discount_group`). Such a question is
    "I'm not sure" with the closest articles, however well the rest of it matches."""
    return unknown_integration(text, idf) or unknown_discount_group(text, idf)


# The share of a question's weight (unknown_share: each word weighed by its rarity, a word the knowledge base never
# uses as much as the question's rarest known word) above which the question is mostly about what the knowledge
# base never mentions. Strictly above: one known word and one unknown ("Can I pay with Bitcoin?" of a help centre
# whose Bitcoin entry never says "pay") is exactly half, and is answered.
UNKNOWN_MAJORITY = 0.5


def mostly_unknown(evidence: dict[str, float]) -> bool:
    """Whether most of the question is words the knowledge base never uses: whatever matched, matched on the lesser
    part, and the leads over the next article say nothing when few articles share any word with it. Chinese
    questions asked of a help centre with a handful of Chinese articles were answered so: "怎么邀请同事加入" (0.87,
    a sentence about inviting accountants), "Lumo 有韩语界面吗" (0.71, the data-export steps). On the dev splits of
    every calibration set, one answered question has such a share, and it is wrong (CMRC2018); on a QA pass of 120
    new questions on the sample help centre, 4: 3 wrong, 1 right (now "I'm not sure" with it as a suggestion).
    Not when an FAQ entry is the answer: how close its own question is to the customer's (``top_faq_similarity``,
    weighed by the confidence model) speaks for the question as a whole, whatever its words: "plus版能绑几个银行账户"
    gets the Chinese bank-feeds entry ("Plus 套餐最多可连接 2 个银行"), and its words "版" and "绑" are in no
    document."""
    return evidence.get("unknown_share", 0.0) > UNKNOWN_MAJORITY and not evidence.get("top_is_faq", 0.0)
