"""The conversation recogniser (chatbot/intents.py) on its own: no model, no index.

Greetings, thanks, goodbyes and hand-off requests in English and Chinese, with typos, are recognised; real
questions that contain such words are not. The last test runs it over every question of the public evaluation
sets (banking, TV manual, Stack Exchange FAQ, Chinese reading comprehension): none may be taken for small talk.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from chatbot.intents import (
    PHRASES,
    PRIORITY,
    _edit_distance,
    asks_for_a_person,
    conversation_around,
    detect_intent,
    without_email_addresses,
    without_pleasantries,
)

CONVERSATION = [
    # greetings
    ("hi", "greeting"),
    # a bare call for help: what the assistant does, and a request for the question
    ("help", "greeting"),
    ("I need help", "greeting"),
    ("can you help me?", "greeting"),
    ("求助", "greeting"),
    ("Hi!", "greeting"),
    ("hiii", "greeting"),
    ("helo", "greeting"),
    ("hello there :)", "greeting"),
    ("Hey, is anyone there?", "greeting"),
    ("good morning", "greeting"),
    ("Good mornign", "greeting"),
    ("gm", "greeting"),
    ("how are you doing?", "greeting"),
    ("hi, can you help me?", "greeting"),
    ("👋", "greeting"),
    ("你好", "greeting"),
    ("您好！", "greeting"),
    ("你好，在吗？", "greeting"),
    ("早上好", "greeting"),
    ("yo is any1 actually there or am i talkin to a bot", "greeting"),
    # An aside about typing and a "how's your day" (was "I don't know").
    ("sorry for typos im on my phone 😅 hows ur day going", "greeting"),
    ("lol ok ur actually kinda useful, ta", "thanks"),
    ("pass me to someone pls", "handoff"),
    # "put through to", and "rather" and "tbh" say nothing more (round 28).
    ("hiya, can I get put through to someone on your team? rather talk to a person tbh", "handoff"),
    ("id rather talk to a person", "handoff"),
    ("evening 👋 bear with me, typing one handed lol", "greeting"),
    ("legend, that fixed it. have a good one", "goodbye"),
    ("i need support", "handoff"),
    # thanks
    ("thanks!", "thanks"),
    ("Thank you so much!!", "thanks"),
    ("thnaks", "thanks"),
    ("thansk a lot", "thanks"),
    ("thx", "thanks"),
    ("ty", "thanks"),
    ("tysm", "thanks"),
    ("cheers", "thanks"),
    ("thanks for your help", "thanks"),
    ("much appreciated 🙏", "thanks"),
    ("ok great, that helped", "thanks"),
    ("谢谢", "thanks"),
    ("多谢！", "thanks"),
    ("谢谢你的帮助", "thanks"),
    ("好的，明白了", "thanks"),
    ("ok that sorted it, cheers!!", "thanks"),
    ("that did the trick", "thanks"),
    ("all sorted, thx", "thanks"),
    ("thats exactly wat i needed ta", "thanks"),
    # goodbyes (a goodbye wins over thanks)
    ("bye", "goodbye"),
    ("bye bye", "goodbye"),
    ("goodbey!", "goodbye"),
    ("thanks, bye!", "goodbye"),
    ("see you later", "goodbye"),
    ("have a nice day", "goodbye"),
    # An agent ending the day on the help page (round 30): was the thanks reply, "anything else?".
    ("ok cheers, logging off for the day", "goodbye"),
    ("signing off, thx", "goodbye"),
    ("再见", "goodbye"),
    ("拜拜", "goodbye"),
    ("谢谢，再见", "goodbye"),
    ("88", "goodbye"),
    # hand-off requests (a hand-off wins over everything)
    ("talk to a human", "handoff"),
    ("human", "handoff"),
    ("real person pls", "handoff"),
    ("can i call someone", "handoff"),
    ("this isnt helping, let me talk to a real person", "handoff"),
    ("speek to an agent plz", "handoff"),
    ("i want to talk to a manager", "handoff"),
    ("can i speak to an agent", "handoff"),
    ("I want to speak to a person", "handoff"),
    ("connect me with support staff", "handoff"),
    ("Can you transfer me to a live agent please?", "handoff"),
    ("i need to talk to customer service", "handoff"),
    ("costumer servise", "handoff"),
    ("talk to a huamn", "handoff"),
    ("speak to someone", "handoff"),
    ("contact support", "handoff"),
    ("how do I talk to a human?", "handoff"),
    ("hi, I'd like to speak with a representative", "handoff"),
    ("thanks, but I want a real person", "handoff"),
    ("are you a real person?", "handoff"),
    ("could you phone me back?", "handoff"),
    ("give me a call pls", "handoff"),
    ("转人工", "handoff"),
    ("人工客服", "handoff"),
    ("我要找真人", "handoff"),
    ("有人工客服吗？", "handoff"),
    ("你好，帮我转人工", "handoff"),
    ("轉人工", "handoff"),
    ("请给我回电话", "handoff"),
    # chat shorthand: "w" is "with", "thru" "through", "ur" "your"
    ("can i pls chat w a real persn", "handoff"),
    ("ugh can u put me thru to someone from ur team", "handoff"),
    # An unseen FAQ help centre's hand-off (round 33): "who can actually help" is how it ends, not a question.
    ("This bot is useless, put me through to someone who can actually help.", "handoff"),
    # the answer before was wrong (a rejection wins over thanks and goodbye, a hand-off over a rejection)
    ("that's not what I asked", "rejection"),
    ("That is not what I meant.", "rejection"),
    ("wrong answer", "rejection"),
    # Frustration with the answers (round 28; was "I don't know" and a gap).
    ("this isnt helping", "rejection"),
    ("you are not helping", "rejection"),
    ("worng", "rejection"),
    ("nope, that's wrong", "rejection"),
    ("this doesn't help", "rejection"),
    ("that didn't answer my question", "rejection"),
    ("you misunderstod", "rejection"),
    ("thanks but that's not it", "rejection"),
    ("useless", "rejection"),
    ("👎", "rejection"),
    ("不对", "rejection"),
    ("答非所问", "rejection"),
    ("没用", "rejection"),
    ("no, I want a human", "handoff"),
    # A complaint about the bot or asking how to reach a person beside the request (round 29; were "I don't know",
    # a gap and three unrelated related articles).
    ("can i please talk to an actual person, this bot keeps sending me articles", "handoff"),
    ("I want to speek to a manager or someone human. do you have a phone number??", "handoff"),
    ("我想找真人客服，不要机器人回复。", "handoff"),
    ("ok thats everything, have a good weekend", "goodbye"),
]

QUESTIONS = [
    "who is the account manager?",
    "how do I call the API from Python?",
    "callback url not working",
    "will you call me back about my refund?",
    "bank feed not working",
    "hi, how do I request a refund?",
    "thanks, but how do I export my data?",
    "how do I add a person to my account?",
    "can a human accountant access my books?",
    # A question the help centre may answer (a contact article): it has a topic, so it is not a bare hand-off.
    "how do I contact support about a failed payment?",
    "who is the account owner?",
    "hello, why was my card declined?",
    "thank you note template",
    "how do I reset my password",
    "Can my agent see my invoices?",
    "what does a support agent see of my account?",
    "how many people can use the Plus plan?",
    "Is there a staff discount?",
    "staff",
    "I need help with my invoice",
    "help with VAT returns",
    "I think so",
    "what the hell is a proforma invoice",
    "greetings card printing",
    "goodbye email to a customer",
    # A bare "no" answers "anything else?" as often as it rejects an answer; a problem report is a question.
    "no",
    "nope",
    "my transfer didn't work",
    "the app doesn't work",
    "how do I fix a wrong invoice",
    "wrong VAT rate on an invoice",
    "这个不行怎么办",
    # An aside alone asks nothing and greets nobody: searched as typed, as before.
    "sorry for typos",
    "im on my phone",
    "sorry",
    "i want a refund",
    "star rating on invoices",
    "human resources integration",
    "good afternoon, my export failed",
    "fixed it but now my invoices wont send",
    "sorted by date",
    "chat w support hours",
    "what i needed to know is the price",
    "actually how do i export",
    "hi привет",
    "你好，怎么申请退款？",
    "谢谢，但是怎么导出数据？",
    "人工智能是什么",
    "客服电话是多少",
    "怎么联系客服处理付款失败？",
    "再见模板在哪里",
    "",
    "   ",
    "?!",
    # Hand-off filler names nothing to hand off on its own.
    "do you have a phone number",
    "this bot keeps sending me articles",
    "我不要退款",
    "我不要人工客服",
    "how do I talk to a human about sending invoices",
]


# Round 32: new wordings written blind for a broadband help centre's widget; each was "I don't know" or "not sure",
# a knowledge gap.
CONVERSATION += [
    ("great job, very helpful 👍", "thanks"),
    ("you're actually really helpful, didnt expect that", "thanks"),
    ("ugh this is sooo frustrating 😡", "rejection"),
    ("well that was a complete waste of time", "rejection"),
    ("nevermind", "goodbye"),
    ("can i speak with an advisor", "handoff"),
    ("is there a number i can ring to speak to an actual person", "handoff"),
    ("stop. I want a human", "handoff"),
    ("I'd like to speak to a member of your team please", "handoff"),
    ("talk 2 a person", "handoff"),
    ("please can someone phone me on my mobile", "handoff"),
    ("I dont want to talk to a bot, put me through to an agent", "handoff"),
]
QUESTIONS += [
    "what time do your advisors start work",
    "is the helpful guide to the hub online",
    "how do I stop my mobile data running out",
]

# Round 40, a walkthrough: the hand-off offer was shown, but as an "I don't know" recorded as a knowledge gap.
CONVERSATION += [
    ("I want to speak to a manager, this is ridiculous", "handoff"),
    ("this is ridiculous", "rejection"),
    ("this is unacceptable, get me a manager", "handoff"),
]
QUESTIONS += ["is the late fee ridiculous or normal"]

# Round 34: a probe of first messages written blind for three help centres; each was "I don't know" or "not sure".
CONVERSATION += [
    ("Hi, could I be put in touch with a member of your support team please?", "handoff"),
    ("Hello, I would prefer to deal with a person rather than an automated assistant if that's possible", "handoff"),
    ("i wnat to tlak to a pesron", "handoff"),
    ("I'd like to make a complaint to a person, not a chatbot", "handoff"),
    ("wow very helpful. Can a human take over now?", "handoff"),
    ("我要投诉，找你们经理", "handoff"),
    ("give me a ring please", "handoff"),
]
QUESTIONS += [
    "how do I make a complaint?",
    "I want to complain",
    "who is the account manager",
    "can I take over an account from a colleague",
    "how do I get in touch with the support team about a refund",
    "I have a complaint about my driver",
    "我要投诉",
]


@pytest.mark.parametrize(("text", "kind"), CONVERSATION)
def test_conversation_is_recognised(text: str, kind: str) -> None:
    intent = detect_intent(text)
    assert intent is not None, text
    assert intent.kind == kind, (text, intent)
    assert intent.matched  # the phrases that made it so, for logs


@pytest.mark.parametrize("text", QUESTIONS)
def test_questions_are_not_conversation(text: str) -> None:
    assert detect_intent(text) is None


def test_the_tables_are_big_enough() -> None:
    assert len(CONVERSATION) >= 40 and len(QUESTIONS) >= 25
    assert {kind for _, kind in CONVERSATION} == set(PRIORITY)
    assert any("\u4e00" <= ch <= "\u9fff" for text, _ in CONVERSATION for ch in text)


def test_every_listed_phrase_is_recognised_on_its_own() -> None:
    for kind, phrases in PHRASES.items():
        if kind == "aside":
            continue  # with an intent only (above)
        for phrase in phrases:
            intent = detect_intent(phrase)
            assert intent is not None, phrase
            expected = {"ack": "thanks", "help": "greeting", "announce": "greeting"}.get(kind, kind)
            assert intent.kind == expected, (phrase, intent)


def test_typos_are_one_edit_and_real_words_are_not_typos() -> None:
    assert _edit_distance("thnaks", "thanks") == 1  # a swap of two neighbours is one edit
    assert _edit_distance("helo", "hello") == 1
    assert _edit_distance("agenda", "agent") == 2
    for word in ("think", "hell", "agenda", "arent", "persona", "customs"):
        assert detect_intent(word) is None, word


def test_a_long_message_is_never_small_talk() -> None:
    assert detect_intent("thanks " * 40) is None


def _evaluation_questions(data: Path) -> list[str]:
    questions: list[str] = []
    for name in ("train.csv", "test.csv"):
        with (data / "banking77" / name).open(encoding="utf-8") as handle:
            questions += [row["text"] for row in csv.DictReader(handle)]
    with (data / "emanual" / "smart_remote_QA_clean.jsonl").open(encoding="utf-8") as handle:
        questions += [json.loads(line)["question"] for line in handle if line.strip()]
    stackfaq = json.loads((data / "stackfaq" / "stackExchange-FAQ.json").read_text(encoding="utf-8"))
    questions += [text for pair in stackfaq["root"]["qapair"] for text in pair["rephr"] if text]
    cmrc = json.loads((data / "cmrc2018" / "cmrc2018_dev.json").read_text(encoding="utf-8"))
    questions += [qa["question"] for article in cmrc["data"] for p in article["paragraphs"] for qa in p["qas"]]
    return questions


def test_no_question_of_the_evaluation_sets_is_taken_for_conversation(eval_data: Path) -> None:
    questions = _evaluation_questions(eval_data)
    assert len(questions) > 15_000
    assert [q for q in questions if detect_intent(q) is not None] == []


@pytest.mark.parametrize(("text", "is_acknowledgement"), [("ok", True), ("got it 👍", True), ("ok thanks", False)])
def test_an_acknowledgement_is_told_apart_from_thanks(text: str, is_acknowledgement: bool) -> None:
    intent = detect_intent(text)
    assert intent is not None and intent.kind == "thanks"
    assert intent.is_acknowledgement is is_acknowledgement
    assert intent.reply_key == ("intent_ack" if is_acknowledgement else "intent_thanks")


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("can I talk to a real human being about my invoice?", True),
        ("I want to speak with an agent about billing", True),
        ("connect me with support about a refund", True),
        ("call me back about my refund", True),
        ("我想找人工客服问发票", True),
        # Four filler words between the verb and the person (was: three).
        ("ok bot can u pass me to an actual person pls, its about the bill you sent us", True),
        ("not a bot pls, i want an actual human from support to look at our account", True),
        # The person first and the verb after it.
        ("this isnt helping. is there a human i can speak to about my account", True),
        ("is there someone I could chat with about VAT", True),
        ("who do i speak to about a refund", True),
        ("can I get put through to someone on your team about my bill?", True),
        ("i want to export my data", False),
        ("Can someone talk me through the VAT return?", False),
        # A person named without a verb is asked about, not asked for.
        ("How much can a support agent refund without asking their manager?", False),
        ("live chat support, which plan has it?", False),
        ("How do I add a person?", False),
        ("Creating a contact from a person in the CC field of a mail.", False),
        ("How do I call the API?", False),
        ("客服电话是多少", False),
        ("人工智能是什么", False),
    ],
)
def test_a_request_for_a_person_is_found_inside_a_question(text: str, asks: bool) -> None:
    assert asks_for_a_person(text) is asks


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("cheers mate ur honestly more helpful than my accountant haha", "thanks"),
        ("thx!! love the new dashboard btw", "thanks"),
        ("谢谢你，你比我的会计解释得好", "thanks"),
        ("good morning!! just grabbed my coffee ☕ ready to do some bookkeeping i guess", "greeting"),
        ("ok gotta run kids just got home. bye for now", "goodbye"),
        ("never mind i found the setting myself haha, cya", "goodbye"),
        ("hey sorry for typos, just saying hi from the train lol", "greeting"),  # an aside is filler
        ("get me a real person this bot keeps going in circles", "handoff"),
        # a hand-off wins, and may be asked for with "please"
        ("thx, get me a real person pls, this bot keeps going in circles", "handoff"),
        # a question mark that ends conversation asks nothing; a question announced is not asked yet
        ("helo, somebody there? i have question about my account", "greeting"),
        (
            "Hi there, bookkeeper here - I run the books for a few small clients on Lumo and have a bunch of "
            "questions, ok if I fire away?",
            "greeting",
        ),
    ],
)
def test_conversation_around_a_remark(text: str, kind: str) -> None:
    intent = conversation_around(text)
    assert intent is not None and intent.kind == kind
    assert detect_intent(text) is None  # a remark is more than intent phrases and filler


@pytest.mark.parametrize(
    "text",
    [
        "hi, how do i export my data",  # a clause opening with a question word
        "thanks. also can i pay by bitcoin",
        "so whats the price, hi",
        "hey quick one does lumo do payroll?",  # a question mark
        "你好，发票怎么加logo",  # Chinese that asks
        "my invoice wont send",  # no intent phrase at all
        "ok sounds good",  # an acknowledgement is not enough
        # problem reports (Banking77): "morning" and "person" do not open a clause, "need", "not", "please" ask
        "I deposited cash this morning, but it is not yet available.",
        "Hi, I made a transfer yesterday that I need to reverse.",
        "My money transaction can't be seen by the person I sent it to",
        "Please check my payment from last Saturday as I feel I have been overcharged. Thank you.",
        "Please help in finding my card PIN, thank you!",
        "I have a question about fee for cash withdraw.",  # announced, and asked (Banking77)
        "hi, can i ask about refunds?",  # a clause ending on "?" that is more than conversation
        "hello? where do i change my vat number",
        # after an answer, a "but" says it did not help (were "You're welcome!" and no gap, round 38)
        "ok thanks but my logo looks blurry on the PDF",
        "thanks, but the upload button is greyed out",
    ],
)
def test_a_question_around_an_intent_phrase_is_not_conversation(text: str) -> None:
    assert conversation_around(text) is None


def test_no_question_of_the_evaluation_sets_is_conversation_around_a_remark(eval_data: Path) -> None:
    taken = [q for q in _evaluation_questions(eval_data) if conversation_around(q) is not None]
    assert not taken, taken[:10]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("thank u so much!! it work now", "thanks"),  # a non-native "it works now"
        ("i have a question", "greeting"),
        ("quick question", "greeting"),
        ("can i ask you something?", "greeting"),
        ("hello? anyone there?", "greeting"),
    ],
)
def test_thanks_for_a_fix_and_a_question_announced_are_conversation(text: str, kind: str) -> None:
    intent = detect_intent(text)
    assert intent is not None and intent.kind == kind, intent
    assert detect_intent("i have a question about my invoice") is None  # announced with its topic: a question


def _probe() -> list[dict[str, str]]:
    """Round 34's probe: 161 first messages written blind for three help centres (evals/graded)."""
    path = Path(__file__).resolve().parent.parent / "evals" / "graded" / "conversation-round34-probe.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_blind_probe_s_conversation_is_routed_and_its_questions_are_not() -> None:
    # Routed before retrieval, or (conversation_around) when the knowledge base has nothing for the message: the
    # answerer asks it then, and these messages name nothing a help centre answers.
    small_talk = {"greeting", "thanks", "goodbye"}
    wrong = []
    for row in _probe():
        intent = detect_intent(row["message"])
        if row["expected"] != "question" and intent is None:
            intent = conversation_around(row["message"])
        kind = intent.kind if intent else None
        if row["expected"] == "question":
            ok = kind is None
        elif row["expected"] == "handoff":
            ok = kind == "handoff" or asks_for_a_person(row["message"])
        elif row["expected"] == "smalltalk":
            ok = kind in small_talk
        else:
            continue
        if not ok:
            wrong.append((row["id"], row["message"], kind))
    assert not wrong


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("good morning, how do I book a collection from my house?", "how do I book a collection from my house?"),
        ("thanks! also, can I pay my bill by direct debit?", "can I pay my bill by direct debit?"),
        ("ok thanks. one more thing - how do I export my invoices?", "how do I export my invoices?"),
        ("hi how do i reset my router", "how do i reset my router"),
        ("hello? is anyone there at the pickup point on sundays", "is anyone there at the pickup point on sundays"),
        # Nothing opens it so, or nothing but conversation would be left: the message as typed.
        ("how do I say hello to my customers?", "how do I say hello to my customers?"),
        ("hi", "hi"),
        ("thanks, bye!", "thanks, bye!"),
        ("morning deliveries, how late do they come?", "morning deliveries, how late do they come?"),
    ],
)
def test_pleasantries_opening_a_question_are_not_searched(text: str, asked: str) -> None:
    assert without_pleasantries(text) == asked


@pytest.mark.parametrize(
    ("message", "searched"),
    [
        (
            "I want a refund, my account is ann.lee+shop@example.co.uk thanks",
            "I want a refund, my account is thanks",
        ),
        ("我想退款，我的账户是 test@example.com", "我想退款，我的账户是"),
        ("ann@example.com", "ann@example.com"),  # nothing else: the message as typed
        ("how do I change the email on my account?", "how do I change the email on my account?"),
    ],
)
def test_email_addresses_are_not_searched(message: str, searched: str) -> None:
    assert without_email_addresses(message) == searched
