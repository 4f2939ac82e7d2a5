"""Conversation, not questions: greetings, thanks, goodbyes and "I want a person", recognised before retrieval.

``detect_intent("thx!")`` is ``Intent("thanks", ...)``; ``detect_intent("thanks, but how do I export my data?")``
is None: that is a question, and the answerer treats it as one.

The rule: a message is conversational only when it is made of intent phrases and filler, and nothing else. The
English words and the Chinese text are each covered, longest phrase first, by the phrase lists below; whatever is
left must be a filler word ("please", "so much", "我", "一下"), punctuation or emoji. One word that is neither
("hi, how do I request a refund?": "how", "request", "refund", ...) makes the message a question. That keeps the
recogniser on the safe side: a missed greeting costs what it cost before (an "I don't know"), a question taken
for a greeting would hide a real question from the knowledge base and from the gap list.

Decisions, so that they are not made again:

- "How do I contact support about a failed payment?", "客服电话是多少" are questions (the help centre may have a
  contact article); "contact support", "customer service", "客服", "转人工" on their own are hand-off requests.
- A call-back request ("can someone call me back", "phone me", "给我回电话") is a hand-off: only a person can
  call. "How do I call the API?" is not (it has a topic).
- "talk", "speak", "can", "I", "want", "real" ... are filler, so "can i speak to an agent" is a hand-off; a
  hand-off needs one of the person phrases ("human", "person", "agent", "人工", "真人", ...). "How do I talk to a
  human?" is one too ("how" is filler in a hand-off only); "are you a real person?" gets the hand-off reply,
  which starts with "I'm an automated assistant".
- Acknowledgements ("ok", "great", "got it", "好的") on their own are ``thanks`` with ``is_acknowledgement``: the
  reply asks whether there is anything else ("ok" after "I'm not sure" thanked nobody, so "You're welcome!" read
  oddly); with another intent they are filler ("ok thanks, bye" is a goodbye).
- A bare call for help ("help", "I need help", "can you help me?", "求助") is a ``greeting``: the reply says what the
  assistant does and asks for the question. "I need help with my invoice" is a question.
- A hand-off request inside a question ("can I talk to a real human about my invoice?") keeps the question: it is
  searched, and when there is no confident answer the reply is the hand-off offer instead of "I don't know"
  (:func:`asks_for_a_person`, used by chatbot/answering.py).
- Several intents in one message: hand-off > rejection > goodbye > thanks > greeting ("thanks, bye!" is a
  goodbye, "thanks but that's not what I asked" a rejection).
- "That's wrong", "not what I asked", "didn't help", "不对" reject the answer before them (``rejection``). A bare
  "no" / "nope" does not (it answers "anything else?" too): it is filler, so "no, that's wrong" is a rejection and
  "no" alone stays a question. Nor does "it didn't work": "my transfer didn't work" is a question ("transfer" is
  hand-off filler).
- Typos: runs of three or more letters are shortened ("hiii", "thanksss"), and a word of 4+ letters matches one
  of the ``FUZZY_WORDS`` one edit away (insertion, deletion, substitution or a swap of two neighbours: "helo",
  "thnaks", "persn"), two for words of 8+ letters ("costumer", "represntative"), with the same first letter.
  Short words ("hi", "ty", "thx", "gm") match exactly; their usual misspellings are listed. Real words that close
  to a fuzzy word are listed in ``NOT_TYPOS`` ("think" is not "thank"). Chinese typos are listed as phrases
  ("在见", "蟹蟹", traditional characters).

The edit distance is a dozen lines below: no fuzzy-matching library is installed (rapidfuzz is not a dependency)
and difflib's ratio scores a swap of two letters in a five-letter word ("huamn") like two unrelated letters.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from chatbot.language import CJK_CHARS

# "clarify" is not recognised here: it is the reply to a first message that names nothing ("how long will it
# take?", chatbot/followups.py names_nothing), asking what it is about.
IntentKind = Literal["greeting", "thanks", "goodbye", "handoff", "rejection", "clarify"]


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(phrase.strip() for phrase in text.replace("\n", ",").split(",") if phrase.strip())


# -- the data ------------------------------------------------------------------------------------------------------
# Kept as plain comma-separated lists so that a reviewer sees at a glance what is recognised, and adding a phrase
# is a one-word change with a test. English phrases are space-separated words after normalisation (lower case, no
# apostrophes: "that's" is "thats"); Chinese phrases and emoji are matched as substrings. "ack" is an
# acknowledgement and "help" a bare call for help (see above).
_HANDOFF_VERBS = _phrases("""
    talk to, talk with, speak to, speak with, chat with, chat to, connect me with, connect me to, transfer me to,
    put me through to, put through to, contact, reach, escalate to, call, pass me to, pass me on to, pass me over to,
    hand me over to, want, need, put me in touch with, put in touch with
""")
# Words that are a hand-off only after one of the verbs above: "staff" alone may be a search for an article.
_HANDOFF_PEOPLE = _phrases("someone, somebody, staff, people, support, the team, your team")
PHRASES: dict[str, tuple[str, ...]] = {
    "greeting": _phrases("""
        hi, hii, hello, hallo, hullo, hey, heyy, heya, hiya, howdy, yo, greetings, sup, good morning, good afternoon,
        good evening, goodmorning, morning, afternoon, evening, gm, hi there, hello there, hey there, how are you,
        how r u, how are u, hows it going, whats up, wassup, are you there, anyone there, anybody there, hola,
        bonjour, salut, how are you doing, how you doing, how ya doing, how are things, how is it going,
        how is everything, hows everything, how have you been, hows life, good day, aloha, salutations, heyo,
        hows your day, hows your day going, how is your day, how is your day going, how was your day,
        hows your day been, how are you today, hows your week, hows your week going,
        somebody there, someone there, anyone here, anybody here, is anyone there, is anybody there,
        is somebody there, is someone there, you there, u there,
        你好, 您好, 你们好, 大家好, 哈喽, 哈啰, 哈罗, 嗨, 早上好, 上午好, 中午好, 下午好, 晚上好, 早安, 早, 在吗,
        在不在, 有人吗, 有人在吗, 妳好, 你号, 您号, 泥好, 👋
    """),
    # A bare call for help, answered as a greeting is (see the module doc).
    "help": _phrases("""
        help, help me, i need help, need help, need some help, i need some help, can you help, can you help me,
        could you help me, help please, please help, please help me, can anyone help, can someone help,
        help with something, help me with something, can you help me with something, need help with something,
        i need help with something, could you help me with something, can you help with something,
        求助, 救命, 帮帮我, 需要帮助, 我需要帮助, 能帮我吗, 帮我一下
    """),
    # A question announced and not asked yet ("i have a question", "ok if i fire away?"): answered as a greeting
    # is, asking for it. Around a remark it is filler: "I have a question about fee for cash withdraw." asks one.
    "announce": _phrases("""
        i have a question, i have a quick question, quick question, i have questions, i have some questions,
        i have a few questions, have a question, got a question, i got a question, a few questions, some questions,
        a bunch of questions, a couple of questions, can i ask you something, can i ask something,
        can i ask a question, can i ask you a question, mind if i ask, fire away, ok if i fire away, can i fire away
    """),
    "thanks": _phrases("""
        thanks, thank you, thankyou, thank u, thanku, thanx, thnx, thx, tx, tnx, ty, tysm, tyvm, thank, cheers,
        much appreciated, appreciated, appreciate it, appreciate that, i appreciate, many thanks, thanks a million,
        ta, merci, danke, gracias, 3q, grateful, thankful, much obliged, my gratitude, good job, well done,
        great job, nice job, nice one, great work, good work, nice work,
        helpful, very helpful, really helpful, so helpful, super helpful, that was helpful, thats helpful,
        legend, you legend, youre a legend, lifesaver, youre a lifesaver, star, youre a star,
        谢谢, 多谢, 感谢, 谢了, 谢啦, 非常感谢, 感激, 蟹蟹, 谢, 謝謝, 多謝, 感謝, 🙏
    """),
    "goodbye": _phrases("""
        bye, bye bye, byebye, goodbye, good bye, bye for now, see you, see ya, see you later, cya, later, ttyl,
        take care, good night, goodnight, gn, farewell, have a nice day, have a good day, have a great day,
        have a good one, have a good weekend, have a nice weekend, have a great weekend, enjoy your weekend,
        have a good evening, have a nice evening, logging off, logging off for the day, signing off,
        signing off for the day, off for the day, calling it a day, heading off, thats all, that is all, thats it,
        im done, i am done, all done,
        nothing else, 88, 886,
        see you soon, see you around, see you again, until next time, talk to you later, talk later, talk soon,
        adios, sayonara, ciao, peace out, take it easy, catch you later, gotta go, got to go, have to go,
        need to go, bye now, goodbye now, nice talking, nice chatting, good talking, great talking,
        never mind, nevermind, nvm, forget it, dont worry about it,
        thanks for chatting, thanks for talking,
        再见, 拜拜, 拜, 回见, 下次见, 晚安, 白白, 在见, 再見, 告辞, 先这样, 没事了, 没有了, 没别的了, 就这样
    """),
    "handoff": _phrases("""
        human, hooman, person, real person, human being, agent, human agent, live agent, representative, operator,
        not a bot, no bot, no bots, not the bot,
        someone real, staff member, team member, support staff, support team, support agent, customer service,
        advisor, adviser, customer advisor, support advisor, member of staff, member of your team,
        member of the team, someone from your team, someone from the team,
        customer support, customer care, live chat, human support, live support, real people, manager, supervisor,
        转人工, 人工客服, 人工服务, 人工, 真人, 客服, 真人客服, 人工坐席, 坐席, 人工座席, 转接人工, 找人工, 联系客服,
        找客服, 活人, 轉人工, 客服人员, 工作人员,
        call me, call me back, call back, callback, phone me, phone me back, ring me, ring me back, give me a call,
        give me a ring, give me a bell, give us a call, give us a ring, give us a bell,
        经理, 主管, 负责人,
        回电, 回电话, 回个电话, 回個電話, 给我打电话, 给我打个电话, 打电话给我, 打给我
    """)
    + tuple(f"{verb} {who}" for verb in _HANDOFF_VERBS for who in _HANDOFF_PEOPLE),
    # "That's not what I asked": the answer before it was wrong. Not a question to search for (it would be an "I
    # don't know" and a gap reading "that's wrong"); the web layer records the rejected answer as a 👎 instead.
    # A bare "no" is not here: after "Is there anything else I can help you with?" it means "no, thanks".
    "rejection": _phrases("""
        wrong, thats wrong, wrong answer, not right, thats not right, incorrect, thats incorrect, not correct,
        not what i asked, not what i meant, not what i asked for, not what i was asking, not what im asking,
        not what i was asking for, not what i was looking for, not what im looking for, not what i need,
        not my question, thats not it, not it, not the answer, not the right answer, irrelevant,
        didnt answer, did not answer, doesnt answer, does not answer, didnt answer my question,
        doesnt answer my question, did not answer my question, you didnt answer, you didnt understand,
        you dont understand, you misunderstood, misunderstood, makes no sense, doesnt make sense,
        didnt help, did not help, doesnt help, does not help, not helpful, unhelpful, useless, no help,
        not helping, isnt helping, is not helping, arent helping, are not helping, youre not helping,
        waste of time, a waste of time, complete waste of time, frustrating, so frustrating, this is frustrating,
        this is so frustrating, ridiculous, this is ridiculous, so ridiculous, unacceptable, this is unacceptable,
        absolutely ridiculous, absolutely unacceptable, totally unacceptable, this is a joke, its a joke,
        is this a joke, what a joke, 😡, 😠, 🤬,
        不对, 不对吧, 错了, 答错了, 回答错了, 答非所问, 不是这个, 不是这个问题, 不是我问的, 不是我要的, 没用, 没有用,
        没帮助, 没有帮助, 没帮上忙, 不相关, 看不懂, 👎
    """),
    # Said around a greeting or thanks and asking nothing ("sorry for typos im on my phone 😅 hows ur day going"):
    # neither an intent of its own nor a question.
    "aside": _phrases("""
        sorry for the typos, sorry for typos, sorry for my typos, excuse the typos, excuse my typos,
        sorry for the typo, sorry for my typo, im on my phone, i am on my phone, typing on my phone, on mobile,
        bear with me, typing one handed, one handed, didnt expect that, did not expect that
    """),
    "ack": _phrases("""
        ok, okay, k, kk, okey, okk, alright, all right, great, perfect, cool, awesome, nice, got it, gotcha,
        understood, makes sense, that helps, that helped, it worked, that worked, sounds good, good, fine, noted,
        sure, sorted, all sorted, that sorted it, sorted it, that fixed it, fixed it, that did it, did the trick,
        that did the trick, problem solved, solved, solved it, all good, works now, working now, no worries,
        what i needed, what i was looking for, exactly what i needed, just what i needed,
        works, it works, it work, it works now, it work now, now it works, now it work, it worked now,
        好的, 好, 嗯嗯, 明白了, 明白, 知道了, 懂了, 收到, 好滴, 👍, 👌, 🙂, 😊
    """),
}
# The only words matched with typos (English, 5+ letters): the ones people misspell in small talk. Short words
# ("hi", "ty", "gm") match exactly; their usual misspellings are in PHRASES.
FUZZY_WORDS = frozenset(
    """
    hello thanks thank thankyou cheers appreciated appreciate goodbye greetings morning afternoon evening
    human person agent representative operator customer service support someone somebody
    wrong incorrect unhelpful useless irrelevant misunderstood
    """.split()
)
# Real words one edit (two for 8+ letters) from a word above: never read as its typo ("think" is not "thank").
# Plurals ("humans", "agents") are meant to match.
NOT_TYPOS = frozenset(
    """
    hell hells think thinks than thane thanes tank tanks thunk cheek cheeks cheery
    mourning moaning humane parson persona argent arent operated operates representation customs custom served servile
    """.split()
)
# Words that carry no question on their own: politeness, "talk to", "can I", "so much". A message made only of
# these and intent phrases is conversation. Never add a word that names a thing one could ask about.
FILLER_WORDS = frozenset(
    """
    a an the and or but so very really much lot lots just again too also well oh ah um uh hmm wow
    please pls plz plse pleas kindly
    i im me my we us you u your ya yall guys team bot chatbot assistant friend mate buddy dude man sir maam everyone
    all there here today now for to with from of in on at ai
    been was were have has had ive youre youve its am being did done
    answer answers info information response reply time quick fast everything
    helpful kind best excellent amazing wonderful lovely fantastic brilliant super sweet glad happy pleasure
    can could would will may might shall do let lemme gimme give get got put want wanna need needed like id
    talk speak chat connect transfer contact reach call forward pass escalate through switch
    real live actual proper another some any one someone somebody anyone anybody staff people
    is it this that thats are be
    help helping support assistance
    still anyway instead
    isnt not doesnt didnt useless working no nope nah
    speek spek tlk tlak wnat wnt
    ugh argh meh lol haha omg actually exactly talking
    useful handy kinda sorta pretty quite sorry rather prefer tbh honestly frankly
    """.split()
)
# Filler only in a hand-off: "how do I talk to a human?" asks for one ("how do I add a person?" does not: "add").
# Nor does a complaint about the bot beside it ("can i please talk to an actual person, this bot keeps sending me
# articles") or asking how to reach one ("... someone human. do you have a phone number??"): they were "I don't
# know", a knowledge gap, and three unrelated "related articles" under the offer of a person.
HANDOFF_FILLER_WORDS = frozenset(
    """
    how where way possible who
    robot robots machine automated automatic article articles link links keeps keep sending giving circles loop
    phone number ring mobile cell landline stop dont 2
    member touch deal rather than if take over complain complaint make
    """.split()
)
# Chinese filler in a hand-off only: "不要机器人回复" (no robot replies), "电话" (a phone number). Not "不要" alone:
# "我不要人工客服" says no to a person.
HANDOFF_FILLER_ZH = (
    "不要机器人回复",
    "不要自动回复",
    "不要机器人",
    "机器人回复",
    "自动回复",
    "机器人",
    "电话",
    "号码",
    "投诉",
)
# Chinese filler, removed after the phrases (longest first): particles, "please", "I want", "find", "a bit".
FILLER_ZH = tuple(
    """
    可不可以 能不能 可以 麻烦 请问 一下 帮我 给我 我们 你们 非常 十分 一个 说话 聊聊 对话 联系 哈哈 呵呵 嘿嘿 真的
    帮助 帮忙 不用
    啊 呀 哈 了 的 吧 呢 哦 喔 噢 嗯 嘛 哇 啦 呗 哟 吗 么 请 您 你 我 要 想 找 帮 给 和 跟 与 接 转 聊 个 很 太 多 都
    就 先 能 是 位 有 再
    """.split()
)
PRIORITY: tuple[IntentKind, ...] = ("handoff", "rejection", "goodbye", "thanks", "greeting")
# A longer message is not small talk (and this bounds the work on pasted text).
MAX_CHARS = 160

# conversation_around: the intents a longer message may be; words that ask (anywhere, or opening a clause) or
# request; the words that may come before a clause's opening ("so can you ..."); clause ends; Chinese that asks.
_AROUND_KINDS: tuple[IntentKind, ...] = ("handoff", "goodbye", "thanks", "greeting")
_AROUND_FILLER = ("ack", "aside", "announce")  # "ok", "alright"; "sorry for typos"; "i have a question"
_QUESTION_WORDS = frozenset("how what where when why which who whose whats wheres whens whys hows".split())
_QUESTION_OPENERS = frozenset(
    "can could do does did is are was were will would should shall may might any anyone anybody".split()
)
_REQUEST_WORDS = frozenset(
    """
    need needs needing want wanna would cant cannot couldnt dont doesnt didnt isnt wont wasnt havent hasnt not never
    issue problem error wrong fail failed failing declined stuck missing broken urgent urgently asap still worried
    """.split()
)
# "thanks, but the upload button is greyed out": what follows a "but" is what the message is about. Read as thanks,
# it got "You're welcome!" and no gap, and the agent never learnt the fix did not work (a browser check, round 38).
_RESERVATION_WORDS = frozenset({"but", "however", "although"})
_PLEASE = frozenset({"please", "pls", "plz", "plse", "pleas", "kindly"})
# Filler that ends a clause's opening: "this morning" is no greeting, "the person I sent it to" no hand-off.
_NOT_LEADING = frozenset(
    {"this", "that", "thats", "the", "it", "its", "is", "are", "for", "to", "from", "of", "in", "on", "at"}
)
_CLAUSE_RE = re.compile(r"[,.;:!\n]+|\s[-\u2013\u2014]\s")
# A clause ending on a question mark, from the end of the clause before it.
_ASKED_RE = re.compile(r"[^,.;:!\n?\uff1f]*[?\uff1f]+")
_ZH_QUESTION_SIGNS = ("吗", "怎么", "如何", "什么", "哪", "多少", "能不能", "可不可以", "是否", "为什么", "几", "么")

# -- the recogniser ------------------------------------------------------------------------------------------------
_CJK_RUN_RE = re.compile(f"[{CJK_CHARS}]+")
_WORD_RE = re.compile(r"[^\W_]+")  # any script: a Cyrillic or Korean word is content too
_REPEATS_RE = re.compile(r"([a-z])\1{2,}")
_EMOJI = tuple(p for phrases in PHRASES.values() for p in phrases if not re.search(f"[a-z0-9{CJK_CHARS}]", p))


@dataclass(frozen=True)
class Intent:
    """A conversational message: its kind and the phrases that made it so (for logs and tests)."""

    kind: IntentKind
    matched: tuple[str, ...]
    is_acknowledgement: bool = False  # "ok", "got it": thanks to nobody in particular

    @property
    def reply_key(self) -> str:
        """The key of its reply in chatbot/language.py."""
        return "intent_ack" if self.is_acknowledgement else f"intent_{self.kind}"


def detect_intent(text: str) -> Intent | None:
    """The intent of ``text`` if it is only a greeting, thanks, goodbye or hand-off request (see module doc)."""
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    if not text or len(text) > MAX_CHARS:
        return None
    found: list[tuple[str, str]] = []  # (kind, phrase)
    for emoji in _EMOJI:
        if emoji in text:
            found.extend((kind, emoji) for kind in _kinds_of(emoji))
            text = text.replace(emoji, " ")
    chinese = _CJK_RUN_RE.findall(text)
    words = _words(_CJK_RUN_RE.sub(" ", text))
    for run in chinese:
        matched = _cover_chinese(run)
        if matched is None:
            return None
        found.extend(matched)
    matched = _cover_words(words)
    if matched is None:
        return None
    found.extend(matched)
    found = [item for item in found if item[0] != "aside"]
    kinds = {kind for kind, _ in found}
    if "handoff_filler" in kinds:
        if "handoff" not in kinds:
            return None
        found = [item for item in found if item[0] != "handoff_filler"]
    for kind in PRIORITY:
        if kind in kinds:
            return Intent(kind, tuple(p for k, p in found if k == kind))
    if "announce" in kinds:
        return Intent("greeting", tuple(p for k, p in found if k == "announce"))
    if "help" in kinds:
        # "help me with my transfer": a filler word that can be a topic makes a call for help a question.
        if set(words) & _TOPICS_AFTER_HELP:
            return None
        return Intent("greeting", tuple(p for k, p in found if k == "help"))
    if "ack" in kinds:
        return Intent("thanks", tuple(p for _, p in found), is_acknowledgement=True)
    return None


def asks_for_a_person(text: str) -> bool:
    """Whether ``text`` asks for a person somewhere in it: a contact verb and, past a few filler words, someone to
    talk to ("can I talk to a real human about my invoice?", "connect me with support about a refund"), a call-back
    ("call me back about it"), or a Chinese request to be transferred ("我想找人工客服问发票"). A person named
    without a verb is not a request: "How much can a support agent refund?", "live chat support, which plan has
    it?", "How do I add a person?" ask about them."""
    text = unicodedata.normalize("NFKC", text).casefold()[: MAX_CHARS * 4]
    if any(phrase in text for phrase in _ZH_ASKS_FOR_A_PERSON):
        return True
    words = _words(_CJK_RUN_RE.sub(" ", text))
    reached_by: int | None = None  # where the last contact verb ("talk", "speak", "contact") was
    for i in range(len(words)):
        match = _phrase_at(words, i)
        if match is not None and match[0] == "handoff":
            starts_with_verb = match[1].split()[0] in _CONTACT_VERBS | _CALL_BACK_WORDS
            if starts_with_verb or (reached_by is not None and i - reached_by - 1 <= _PERSON_WITHIN_WORDS):
                return True
        # ... or the person first and the verb after: "is there a human I can speak to".
        person = match[1] if match is not None and match[0] == "handoff" else words[i] if words[i] in _ANYONE else None
        if person is not None and _talked_to_next(words, i + len(person.split())):
            return True
        if words[i] in _CONTACT_VERBS and (i == 0 or words[i - 1] not in _DETERMINERS):
            reached_by = i  # a verb; "a contact from a person in the CC field" is a noun
        elif words[i] not in FILLER_WORDS:
            reached_by = None  # "talk about the invoice agent field": something else is talked about
    return False


def _talked_to_next(words: Sequence[str], start: int) -> bool:
    """Whether a person named just before ``start`` is one to talk to: "is there a human I can speak to about my
    account", "someone I could chat with", "a real person to talk to". The person came first and the verb after,
    so the verbs-then-person rule above missed them: "this isnt helping. is there a human i can speak to about my
    account" was "I don't know" without the offer of a person."""
    for between, word in enumerate(words[start : start + _PERSON_WITHIN_WORDS]):
        if word in _TALK_VERBS:
            # Something in between, as asked of a person to talk to: "someone talk me through the VAT return"
            # asks for an explanation, not a person.
            return between > 0
        if word not in _BEFORE_TALKING:
            return False
    return False


def conversation_around(text: str) -> Intent | None:
    """A greeting, thanks, goodbye or request for a person opening a message that says something more, when that
    more neither asks nor reports a problem: "thank youuu 🙏 u explained that better than my accountant lol", "hey
    hey, just saying hi before i ask my actual question lol", "nvm figured it out myslef lol, cheers cya".
    :func:`detect_intent` leaves them to the knowledge base (a word of them is not an intent phrase or filler),
    which has nothing for them: they were "I don't know" and a knowledge gap each. The answerer asks this only of a
    message the knowledge base does not cover at all (chatbot/answering.py), so a greeting before a question it
    covers is answered as the question. What keeps an out-of-scope request a gap ("hey, do you do payroll?", "Hi, I
    made a transfer yesterday that I need to reverse."):
    - the intent phrase must open a clause: "this morning" and "the person I sent it to" are not one;
    - a question mark, a question word anywhere ("how", "what", ...), or a clause opening with "can", "does", "is"
      ... makes the message a question;
    - a word of a request or a problem outside the phrases ("please", "need", "not", "failed", ...) makes it one.
    A request for a person among the phrases wins, and may say "please" ("get me a real person pls, this bot keeps
    going in circles", which :func:`asks_for_a_person` misses). An acknowledgement ("ok") or an aside ("sorry for
    typos") is filler here, not conversation enough on its own; a call for help or a rejection makes the message
    something to answer."""
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    if not text or len(text) > 2 * MAX_CHARS:
        return None
    # A question mark asks, unless what it ends is conversation itself: "helo, somebody there? i have question
    # about my account", "hi there, bookkeeper here ... ok if i fire away?" announce a question and ask none.
    asked = _ASKED_RE.findall(text)
    if any(detect_intent(clause) is None for clause in asked):
        return None
    text = _ASKED_RE.sub(lambda m: m.group(0).rstrip("?\uff1f") + ",", text)
    found: list[tuple[str, str]] = []
    for emoji in _EMOJI:
        if emoji in text:
            found.extend((kind, emoji) for kind in _kinds_of(emoji))
            text = text.replace(emoji, " ")
    for run in _CJK_RUN_RE.findall(text):
        if any(sign in run for sign in _ZH_QUESTION_SIGNS):
            return None
        found.extend((kind, phrase) for kind, phrase in _ZH_PHRASES if run.startswith(phrase))
    pleaded = False  # "please" asks for something: only a person may be asked for that way
    for clause in _CLAUSE_RE.split(_CJK_RUN_RE.sub(",", text)):
        words = _words(clause)
        opening = True  # no word but filler and intent phrases yet in this clause
        i = 0
        while i < len(words):
            word = words[i]
            never_mind = word == "never" and words[i + 1 : i + 2] == ["mind"]
            if word in _QUESTION_WORDS or (word in _REQUEST_WORDS and not never_mind) or word in _RESERVATION_WORDS:
                return None
            if opening and word in _QUESTION_OPENERS:
                return None
            match = _phrase_at(words, i) if opening else None
            if match is not None:
                if match[0] not in (*_AROUND_KINDS, *_AROUND_FILLER):
                    return None  # "please help", "that's wrong": a request or a rejection, not a remark
                if match[0] not in _AROUND_FILLER:
                    found.append((match[0], match[1]))
                i += match[2]
                continue
            pleaded = pleaded or word in _PLEASE
            if word not in FILLER_WORDS or word in _NOT_LEADING:
                opening = False
            i += 1
    kinds = {kind for kind, _ in found}
    for kind in _AROUND_KINDS:
        if kind in kinds and (kind == "handoff" or not pleaded):
            return Intent(kind, tuple(p for k, p in found if k == kind))
    return None


def _words(text: str) -> list[str]:
    text = text.replace("'", "").replace("\u2019", "")  # "that's" -> "thats", "i'm" -> "im"
    words = [_REPEATS_RE.sub(r"\1", word) for word in _WORD_RE.findall(text)]
    return [_CHAT_SHORTHAND.get(word, word) for word in words]


def _cover_words(words: list[str]) -> list[tuple[str, str]] | None:
    """The intent phrases covering ``words`` (longest first at each position), None if a word is left that is
    neither part of one nor filler. A hand-off-only filler word is returned as ("handoff_filler", word)."""
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        match = _phrase_at(words, i)
        if match is not None:
            kind, phrase, length = match
            found.append((kind, phrase))
            i += length
        elif words[i] in FILLER_WORDS:
            i += 1
        elif words[i] in HANDOFF_FILLER_WORDS:
            found.append(("handoff_filler", words[i]))
            i += 1
        else:
            return None
    return found


def _phrase_at(words: list[str], i: int) -> tuple[str, str, int] | None:
    """The longest phrase starting at ``words[i]``: among those whose first word is that word or a typo of it."""
    word = words[i]
    firsts = [word, *(target for target in FUZZY_WORDS if _same_word(word, target) and target != word)]
    candidates = sorted((p for first in firsts for p in _EN_PHRASES.get(first, ())), key=_longest_first)
    for kind, phrase, parts in candidates:
        if i + len(parts) <= len(words) and all(_same_word(words[i + j], part) for j, part in enumerate(parts)):
            return kind, phrase, len(parts)
    return None


@functools.lru_cache(maxsize=4096)
def _same_word(word: str, target: str) -> bool:
    """``word`` is ``target`` or a typo of it (a FUZZY_WORDS word: same first letter, one edit, two from 8 letters)."""
    if word == target:
        return True
    if target not in FUZZY_WORDS or len(word) < 4 or word[0] != target[0] or word in NOT_TYPOS:
        return False
    if word in FILLER_WORDS:
        return False
    allowed = 2 if len(target) >= 8 else 1
    return abs(len(word) - len(target)) <= allowed and _edit_distance(word, target) <= allowed


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance where swapping two neighbouring letters is one edit (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def _cover_chinese(run: str) -> list[tuple[str, str]] | None:
    """The intent phrases in a run of Chinese characters, None if something other than filler is left."""
    found: list[tuple[str, str]] = []
    for kind, phrase in _ZH_PHRASES:  # longest first
        while phrase in run:
            found.append((kind, phrase))
            run = run.replace(phrase, " ", 1)
    for filler in HANDOFF_FILLER_ZH:  # longest first
        if filler in run:
            found.append(("handoff_filler", filler))
            run = run.replace(filler, " ")
    for filler in _ZH_FILLER:
        run = run.replace(filler, "")
    return found if not run.strip() else None


def _kinds_of(phrase: str) -> list[str]:
    return [kind for kind, phrases in PHRASES.items() if phrase in phrases]


def _longest_first(item: tuple[str, str, tuple[str, ...]]) -> tuple[int, int]:
    return -len(item[2]), -len(item[1])


# English phrases by their first word, longest first.
_EN_PHRASES: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
for _kind, _phrases_of_kind in PHRASES.items():
    for _phrase in _phrases_of_kind:
        if _phrase not in _EMOJI and not _CJK_RUN_RE.search(_phrase):
            _EN_PHRASES.setdefault(_phrase.split()[0], []).append((_kind, _phrase, tuple(_phrase.split())))
_ZH_PHRASES = sorted(
    ((kind, phrase) for kind, phrases in PHRASES.items() for phrase in phrases if _CJK_RUN_RE.fullmatch(phrase)),
    key=lambda item: -len(item[1]),
)
_ZH_FILLER = sorted(FILLER_ZH, key=len, reverse=True)
# Chinese that asks to be put through, not only names the service ("客服电话是多少" asks for a number; "人工" is also
# in "人工智能").
_ZH_ASKS_FOR_A_PERSON = (
    "转人工",
    "轉人工",
    "人工客服",
    "人工服务",
    "找人工",
    "转接人工",
    "真人",
    "联系客服",
    "找客服",
    "回电",
    "回个电话",
    "回個電話",
    "给我打电话",
    "给我打个电话",
    "打电话给我",
    "打给我",
)
_CONTACT_VERBS = frozenset(verb.split()[0] for verb in _HANDOFF_VERBS)
# Chat shorthand for a word of a phrase above: "can i pls chat w a real persn", "put me thru to someone from ur team",
# "thats exactly wat i needed ta" were "I don't know". Not "r" ("how r u" is listed as typed) nor "u" (filler).
_CHAT_SHORTHAND = {
    "w": "with",
    "thru": "through",
    "ur": "your",
    "ppl": "people",
    "sb": "somebody",
    "any1": "anyone",
    "some1": "someone",
    "sum1": "someone",
    "wat": "what",
    "talkin": "talking",
}
# Filler words that name something to get help with ("help me with my transfer", "help with the answer").
_TOPICS_AFTER_HELP = frozenset(
    "transfer connect contact call forward pass switch escalate reach answer answers info information response reply "
    "time".split()
)
_DETERMINERS = frozenset({"a", "an", "the", "this", "that", "my", "your", "our", "their", "each", "every"})
_CALL_BACK_WORDS = frozenset({"call", "phone", "ring", "give"})  # "call me back", "phone me", "give me a call"
# "talk to a real live human": at most this many filler words between the verb and the person.
_PERSON_WITHIN_WORDS = 4
# A person to talk to named before the verb ("someone I can speak to", "who can I talk to"), and the words between.
_ANYONE = frozenset({"someone", "somebody", "anyone", "anybody", "who"})
_TALK_VERBS = frozenset({"talk", "speak", "chat"})
_BEFORE_TALKING = frozenset(
    {"i", "we", "can", "could", "may", "might", "would", "should", "do", "to", "actually", "directly"}
)


# -- pleasantries before a question ----------------------------------------------------------------------------
# What opens a message and is no part of the question after it: a greeting, thanks or an acknowledgement ("good
# morning, how do I book a collection?", "thanks! also, can I pay by direct debit?", "ok thanks. one more thing -").
_PLEASANTRY_KINDS = frozenset({"greeting", "thanks", "goodbye"})
_OPENING_CLAUSE = re.compile(r"^\s*([^,.;:!?\n]+?)\s*(?:[,.;:!?\n]+|\s[-\u2013\u2014]\s)\s*")
_NOT_A_QUESTION_YET = frozenset({"one", "more", "thing", "another", "question", "also", "quick", "btw"})


def without_pleasantries(text: str) -> str:
    """``text`` without the greetings, thanks and acknowledgements opening it, when a question follows them:
    searched with "good morning," the question's own words were a smaller part of it (the home-collection entry at
    0.19 with it, 0.40 without it, a blind probe of first messages, round 34). ``text`` as it is when nothing
    opens it so, or nothing would be left."""
    rest = text
    while True:
        match = _OPENING_CLAUSE.match(rest)
        if match is None or not _is_pleasantry(match.group(1)):
            break
        rest = rest[match.end() :]
    rest = _without_opening_greeting(rest)
    return rest if rest.strip() and rest != text and detect_intent(rest) is None else text


def _is_pleasantry(clause: str) -> bool:
    """Whether ``clause`` is only a greeting, thanks, goodbye or acknowledgement ("hi there", "ok thanks", "one more
    thing")."""
    if set(_words(clause)) <= _NOT_A_QUESTION_YET:
        return True
    intent = detect_intent(clause)
    return intent is not None and intent.kind in _PLEASANTRY_KINDS


def _without_opening_greeting(text: str) -> str:
    """``text`` without a greeting opening it unpunctuated ("hi how do I ...", "hello there can I ..."): the
    longest greeting phrase at its start, when a word that asks comes right after it."""
    words = _words(text.casefold())
    match = _phrase_at(words, 0) if words else None
    if match is None or match[0] != "greeting" or match[2] >= len(words):
        return text
    if words[match[2]] not in _QUESTION_WORDS | _QUESTION_OPENERS:
        return text
    # Cut the text where the phrase's words end, when they are its words as typed ("how's it going" is "hows it
    # going" to the phrase tables, and four words of the text).
    spans = list(_WORD_RE.finditer(text))[: match[2] + 1]
    typed = _words(" ".join(span.group() for span in spans[:-1]).casefold())
    return text[spans[-1].start() :] if len(spans) > match[2] and typed == words[: match[2]] else text


_EMAIL_ADDRESS = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def without_email_addresses(text: str) -> str:
    """``text`` without the e-mail addresses in it, which no article says and which only dilute what is searched:
    "我想退款但不知道怎么操作 ... 我的账户是 test@example.com" got "I don't know" where the message without it got
    the refund article suggested (a browser check, round 37). ``text`` as it is when nothing else would be left."""
    rest = " ".join(_EMAIL_ADDRESS.sub(" ", text).split())
    return rest if rest and rest != " ".join(text.split()) else text
