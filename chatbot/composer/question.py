"""What the composer reads from a question (terms, how-to, yes/no, codes) and how well a text or table row matches."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from chatbot.actions import action_stems, asks_to_set_up, done_action_stems, step_verb_words, step_verbs
from chatbot.codes import codes_in
from chatbot.composer.records import record_as_row
from chatbot.composer.units import Unit, plain_text, row_cells, table_parts, without_link_targets, without_step_number
from chatbot.keyword import has_cjk, passage_terms, text_terms, tokenize, tokenize_passage
from chatbot.synonyms import PARTICLES

_HOW_TO = re.compile(r"^\s*(how (do|can|should|would) (i|we|you)|how to)\b|如何|怎么|怎样", re.IGNORECASE)
# "Can I use Lumo offline?": a yes/no question about what an article's title names is answered by its opening.
# "Where do I find the profit and loss report?": a place in the product, which one step of a procedure may name.
_WHERE = re.compile(r"^\s*where\b|在哪", re.IGNORECASE)
_WHAT = re.compile(r"^\s*(?:what|whats|what's|which|who|whom|whose|when|why)\b|什么|谁|哪个|哪些", re.IGNORECASE)
# "Who can connect Stripe?", "who gets the signed DPA?": a person or a role, which the answering sentence names
# ("Only the Owner and Admins can connect integrations.").
_WHO = re.compile(r"^\s*(?:who|whom|whose)\b|\bwho\s+(?:can|may|is|are|gets?|has|have|will|should)\b|谁", re.I)
# The people a help centre's answer to "who" names: roles and the people of a team, not the customer's customers.
_PERSON = re.compile(
    r"\b(?:owners?|admins?|administrators?|accountants?|bookkeepers?|staff|managers?|agents?|employees?|members?"
    r"|users?|everyone|anyone|nobody|no one)\b|所有者|管理员|会计|员工|用户",
    re.IGNORECASE,
)
# Something the customer tried is refused or missing: "lumo just wont let me", "it gets rejected every time", "keeps
# saying ive used it before", "the dropdown is greyed out", "isnt there for me". What answers is usually a limit or
# a condition the article states ("Up to 5 active keys", "Supported files: JPG, PNG, HEIC, PDF", "Only the Owner and
# Admins ..."), not its introduction or the steps the customer has already taken.
_REPORTS_BLOCK = re.compile(
    r"\b(?:won'?t|wont|doesn'?t|doesnt|didn'?t|didnt|isn'?t|isnt|not)\s+(?:let(?:ting)?|allow(?:ing)?|accept(?:ing)?)\b"
    r"|\bkeeps?\s+(?:saying|telling|bouncing|rejecting|refusing|failing|kicking)\b"
    r"|\b(?:rejected|refused|refuses|greyed|grayed)\b"
    r"|\b(?:isn'?t|isnt|is\s+not|aren'?t|arent|are\s+not)\s+there\b|\bnot\s+there\s+for\s+me\b"
    r"|\b(?:is|are|has|have)\s+(?:gone|disappeared|vanished)\b|\bonly\s+(?:the\s+)?(?:last|first)\s+(?:few\s+)?\w+"
    # "she says there's no export option", "i can't see the invite button" (round 31: the export table was quoted,
    # not "Staff and Read-only users can't").
    r"|\bthere(?:'s|s|\s+is)\s+no\s+(?:\w+\s+){0,2}?(?:option|button|menu|tab|setting|link)s?\b"
    r"|\b(?:can'?t|cant|cannot|don'?t|dont|doesn'?t|doesnt)\s+(?:see|find)\s+(?:the|an?|any)\s+(?:\w+\s+){0,2}?"
    r"(?:option|button|menu|tab|setting|link)s?\b",
    re.IGNORECASE,
)
# What must be: "do I need to be home for the installation" (an unseen help centre's engineer visit, round 32: its
# introduction, on whether an engineer comes, was quoted over "**Someone aged 18 or over must be at home** for the
# whole visit.").
# Only as the question's opening: "does lumo send the vat return or do i have to" asks who does it, and "what do
# i have to type to confirm" what to type.
_ASKS_REQUIREMENT = re.compile(
    r"^\W*(?:(?:do|does|will|would)\s+(?:i|we|you|they|someone|somebody|anyone|anybody)\s+(?:need|have)\s+to\b"
    r"|must\s+(?:i|we|someone|somebody|anyone)\b|is\s+it\s+(?:required|mandatory|compulsory|necessary)\b)",
    re.IGNORECASE,
)
_REQUIREMENT_STEMS = frozenset(tokenize("need needs have"))
_STATES_CONDITION = re.compile(
    r"\b(?:only|up\s+to|at\s+most|maximum|max|limit|limits|limited|cannot|can'?t|must|required|requires|require"
    r"|supported|locked|locks|no\s+longer|not\s+available|doesn'?t\s+allow|don'?t\s+allow|reuse|last\s+\d+|"
    r"first\s+\d+|as\s+long\s+as|unless)\b|只有|仅|最多|不能|无法|必须",
    re.IGNORECASE,
)


# Something stopped working or went wrong: "my bank feed stopped updating 3 days ago", "the invoice shows bits of html
# code ... looks awful", "updated the card after the payment failed". What answers is the fix, usually under a
# heading that says so ("## Troubleshooting", "## Fix a note that shows code"), not the article's introduction.
# Not a why-question: "why does my bank connection keep expiring every 3 months" asks for the cause (the 90-day
# consent rule), which the introduction of its section gives.
_REPORTS_PROBLEM = re.compile(
    r"\b(?:stopp?ed|no\s+longer|not\s+working|(?:isn'?t|isnt|doesn'?t|doesnt|don'?t|dont)\s+work(?:ing)?|won'?t|wont"
    r"|can'?t|cant|cannot|broken|errors?|fails?|failed|failing|keeps?|stuck|missing|wrong"
    # "the robot does not charge", "it doesnt go back to the dock anymore" (round 39)
    r"|(?:does|did)\s+not|doesn'?t|doesnt|didn'?t|didnt"
    # "... showing up all over the notes bit, looks really unprofessional" (round 31: the article's introduction)
    r"|looks?\s+(?:really\s+|so\s+|very\s+|a\s+bit\s+)?(?:awful|weird|unprofessional|terrible|messy|odd|strange|broken)"
    # "app not syncing", "transactions not showing"
    r"|(?:not|isn'?t|isnt|aren'?t|arent)\s+(?:\w+ing)"
    # "my bank feed stopped, says access expired"; not "do i lose transactions while its expired" (what follows)
    r"|(?:says?|shows?|saying|showing)\s+(?:\w+\s+)?expired)\b",
    re.IGNORECASE,
)
_WHY = re.compile(r"\bwhy\b|为什么", re.IGNORECASE)
# "my card payment got declined, what happens now?": what follows from it, not why it happened (round 31: the
# "## Common reasons cards are declined" list, twice, and the same in round 30).
_ASKS_CONSEQUENCE = re.compile(r"\bwhat\s+(?:happens|will\s+happen|happened|now|next|then)\b", re.IGNORECASE)


def reports_problem(question: str) -> bool:
    """Whether ``question`` reports that something stopped working or went wrong (and does not ask why)."""
    return bool(_REPORTS_PROBLEM.search(question)) and not _WHY.search(question)


def reports_block(question: str) -> bool:
    """Whether ``question`` reports that something was refused or is missing ("lumo just wont let me")."""
    return bool(_REPORTS_BLOCK.search(question))


# "shopify sales are coming in as one lump per day instead of each order": what is and what is wanted, two rows of
# a table ("Daily summary" and "Per order"), where the question's words named only the one it does not want.
_CONTRAST = re.compile(r"\binstead of\b|\brather than\b", re.IGNORECASE)
_CAPABILITY = re.compile(r"^\s*(?:can|could)\s+(?:i|we)\b", re.IGNORECASE)
_YES_NO = re.compile(r"^\s*(can|could|may|is|are|does|do|will|should)\b|吗[？?]?\s*$|能否|是否|可以", re.IGNORECASE)


# "How long ...?", "how often ...?", "how many ...?", "how much ...?" ask for a quantity of one kind, and the
# sentence answering states one ("Reading a receipt usually takes **less than 60 seconds**"); the article's
# opening names the topic with the same words and none ("Lumo reads your receipts and bills for you").
# A number, a range of them ("7–10 working days", "3-6 months": the range's first number is no count of something
# else) or one in words.
_NUMBER = (
    r"(?:\d+(?:[.,]\d+)?(?:\s*[–-]\s*\d+(?:[.,]\d+)?)?"
    r"|an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|thirty)"
)
# "80 min" and "2 hrs" too: a product's specifications abbreviate ("Typical runtime 80 min").
# "Within 4 business hours" too ("how quickly will support answer me" got "I'm not sure", round 40).
_TIME = r"(?:(?:business |working )?(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)|months?|years?)"
_ZH_TIME = r"(?:秒|分钟|小时|天|个?工作日|周|个?星期|个?月|年)"
_QUANTITY_ASKED = (  # (kind, how a question asks for it); the first that matches wins ("多久一次" is how often)
    ("frequency", re.compile(r"\bhow often\b|多久一次|多长时间一次|频率", re.IGNORECASE)),
    (
        "duration",
        # "whats the longest the app will wait before face id locks it", "how quick does lumo mark it paid"
        re.compile(
            r"\bhow long\b|\bhow many (?:days|hours|minutes|weeks|months)\b|\bthe (?:longest|shortest)\b|\bhow soon\b"
            r"|\bhow (?:quick|quickly|fast)\b"
            r"|多久|多长时间",
            re.IGNORECASE,
        ),
    ),
    # A size, weight, loudness or power asked: "how big is the dustbin", "what are the dimensions of the docking
    # station", "how loud is it" (round 39, a robot vacuum's manual, whose specifications table says "Dustbin
    # capacity 450 mL" and "Noise level 58 dB(A)").
    (
        "measure",
        re.compile(
            r"\bhow (?:big|large|small|heavy|tall|wide|high|deep|loud|noisy|powerful|strong)\b"
            r"|\b(?:dimensions?|weigh|weighs|weight|capacity|noise level|wattage|voltage)\b|多大|多重|尺寸|重量|容量"
            # "whats the suction power": a power, size or volume asked as what it is.
            r"|\bwhat(?:'?s|\s+is|\s+are)\s+(?:the\s+|its\s+)?(?:[\w-]+\s+)?(?:power|size|volume)\b"
            # "max file size for bank statement import": a size asked as its limit.
            r"|\b(?:max(?:imum)?|min(?:imum)?)\s+(?:[\w-]+\s+)?(?:size|length|weight)\b|\bsize\s+limit\b",
            re.IGNORECASE,
        ),
    ),
    ("amount", re.compile(r"\bhow (?:many|much)\b|多少|几", re.IGNORECASE)),
)
# A measurement: a number with a unit of length, weight, volume, sound, pressure, power, data or pixels ("350 × 97
# mm", "3.6 kg", "450 mL", "58 dB(A)", "4000 Pa", "up to 20 mm", "at least 1024 pixels wide").
_UNIT = (
    r"(?:mm|cm|m|km|inch(?:es)?|ft|feet|kg|g|lbs?|l|ml|litres?|liters?|db|pa|kpa|w|kw|v|mah|wh|kb|mb|gb|tb|°c|°f"
    r"|px|pixels?)"
)
_MEASUREMENT = (
    rf"\d+(?:[.,]\d+)?(?:\s*[×x]\s*\d+(?:[.,]\d+)?)*\s*{_UNIT}(?![^\W\d_])"
    r"|\d+\s*(?:毫米|厘米|米|公斤|千克|克|升|毫升|分贝)"
)
QUANTITY_STATED = {
    # "How long does my password have to be?" asks a length: "At least **12 characters**".
    "duration": re.compile(
        rf"\b{_NUMBER}[\s-]+{_TIME}\b|\d+\s*{_ZH_TIME}|\b(?:immediately|instantly|right away)\b"
        r"|\b\d+(?:,\d{3})*[\s-]+(?:characters?|digits?|letters?)\b",
        re.IGNORECASE,
    ),
    "frequency": re.compile(
        rf"\bevery\b|\b(?:hourly|daily|weekly|monthly|yearly|once|twice)\b|\btimes (?:a|per)\b"
        rf"|\b{_NUMBER}[\s-]+{_TIME}\b|每",
        re.IGNORECASE,
    ),
    # Not "one": it is a pronoun or a determiner far more often than an amount ("delete one copy", "choose one",
    # "they all count as one connection"), and that last sentence was quoted for "how many bank accounts can i
    # connect" over the table of connections per plan. A sentence that does state one of a thing ("Every account
    # has exactly one Owner") still wins on the words it shares with the question. Dev splits: no answer changed;
    # sample help centre: one of 405, to the table.
    "measure": re.compile(_MEASUREMENT, re.IGNORECASE),
    "amount": re.compile(
        r"\d|[€$£¥]|\b(?:unlimited|no limit|free|two|three|four|five|ten)\b|[一二三四五六七八九十百千万]",
        re.IGNORECASE,
    ),
}


_PRICE_WORD = re.compile(r"\b(?:cost|costs|price|prices|pricing|fee|fees|charge|charges|rate|rates)\b", re.I)


def quantity_asked(question: str) -> str | None:
    """The kind of quantity ``question`` asks for (a key of QUANTITY_STATED), or None. "How high are the fees" asks
    a price, no measurement."""
    return next(
        (
            kind
            for kind, asks in _QUANTITY_ASKED
            if asks.search(question) and not (kind == "measure" and _PRICE_WORD.search(question))
        ),
        None,
    )


# "What's the max number of lines on a credit note?", "is there a limit on how many accounts ...": an amount asked
# for without "how many".
# "Whats the biggest invoice total lumo will let me send" too (got the ways to send one, 0.46).
_MAX_NUMBER = re.compile(
    r"\b(?:max(?:imum)?|min(?:imum)?)\s+(?:number|amount)\s+of\b|\blimit\s+(?:on|to)\s+how\s+many\b"
    r"|\b(?:biggest|largest|highest|smallest|lowest)\s+(?:\w+\s+){0,2}?(?:total|amount|number|size|value|sum)s?\b",
    re.IGNORECASE,
)
# "does getting the 2fa code by sms cost me anything", "do you charge anything extra on top when shopify payouts
# come in": a price asked for without "how much". A price, a currency, "free", "included" or "no charge" answers it
# (_PRICE_STATED, with the Chinese "元" and "免费" for a Chinese answer); any other number does not.
_PRICE_ASKED = re.compile(
    r"\bcosts?\s+(?:me\s+|us\s+|you\s+)?(?:anything|extra|more|money)\b"
    r"|\bcharged?\s+(?:me\s+|us\s+)?(?:anything|extra)\b"
    r"|\b(?:any|extra|additional|hidden)\s+(?:fees?|charges?|costs?)\b|\bpay\s+extra\b"
    # "is there a fee if our sepa direct debit to you bounces" (SEPA refund timing was quoted, 0.38)
    r"|\b(?:is|are)\s+there\s+(?:a|any)\s+(?:\w+\s+)?(?:fees?|charges?|costs?)\b",
    re.IGNORECASE,
)
_PRICE_STATED = re.compile(
    # Not the name of a plan: "the account moves to the Free plan" is no price of it (round 39: "what about free?"
    # after a price question got the free-trial entry's sentence).
    r"[€$£¥%]|\b(?:eur|euros?|usd|dollars?|pounds?|percent)\b|\bfree\b(?!\s+(?:plan|plans|tier|version)\b)"
    r"|\bincluded\b|\bno\s+(?:extra\s+)?(?:charge|cost|fee)s?\b"
    r"|(?:\bnot|n't|\bwithout)\s+(?:\w+\s+){0,3}?(?:fees?|charges?|costs?)\b"  # "Lumo doesn't add any fee"
    r"|元|免费",
    re.IGNORECASE,
)
# "what time of day do the reminder emails go out": a clock time asked for, which no duration answers. Not "at
# what time a youtube video i'm linking to should start" (a point in the video: StackFAQ's answer, "#t=1m30s", was
# turned away on the gap-verification dev seed 21): a clock time is "of day", or what time something does or is.
_CLOCK_ASKED = re.compile(
    r"\bwhat\s+time\s+of\s+(?:the\s+)?day\b|\bwhat\s+time\s+(?:does|do|did|will|is|are|would|should)\b|几点",
    re.IGNORECASE,
)
_CLOCK_STATED = re.compile(
    r"\b\d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d\d\b|o'clock|\bmidnight\b|\bnoon\b"
    r"|\b(?:UTC|GMT|CET|CEST)\b|\d+\s*点",
    re.IGNORECASE,
)
# What looks like an amount and is not one: a code ("CN-0001", "BF-303"), a step's number, a citation marker.
_NOT_AN_AMOUNT = re.compile(r"\b[A-Za-z]+-\d+\b|^\s*\d+\.\s|\[\d+\]", re.MULTILINE)
# A stretch of time ("7 days", "within 30 days"): no count of anything else ("how many times can I resend an
# invite" got "Invitations expire after **7 days**", 0.78).
_DURATION = re.compile(rf"\b{_NUMBER}[\s-]+{_TIME}\b|\d+\s*{_ZH_TIME}", re.IGNORECASE)
# "One" as a count ("You can connect one PayPal account"), not as a pronoun ("To send a new one, ..."); "once"
# and "twice" count times ("how many full backups a day": "once every 24 hours").
_ONE_AS_AMOUNT = re.compile(
    r"\b(?:once|twice)\b|"
    r"(?<!\ba )(?<!\ban )(?<!\bthe )(?<!\bthis )(?<!\bthat )(?<!\beach )(?<!\bany )(?<!\bnew )(?<!\bother )\bone\b",
    re.IGNORECASE,
)
# A count asked ("how many languages", "max number of lines"), not a price ("how much"). A list of three or more
# names answers it ("how many languages can my invoices go out in" had the invoice-languages entry at 0.98, which
# lists eight and says no number).
_COUNT_ASKED = re.compile(r"\bhow\s+many\b|(?:几|多少)[种个项]|" + _MAX_NUMBER.pattern, re.IGNORECASE)
_ITEM = r"[^\W\d_]+(?:[ ][^\W\d_]+){0,2}"
_ENUMERATION = re.compile(rf"(?:\b{_ITEM},[ ]){{2,}}{_ITEM},?[ ](?:and|or)[ ][^\W\d_]+|(?:[^、，,\s]{{1,8}}、){{2,}}")
_FREE = re.compile(r"\bfree\b", re.IGNORECASE)
_TIME_COUNTED = re.compile(rf"\b(?:many|number\s+of)\s+{_TIME}|多少{_ZH_TIME}|几{_ZH_TIME}", re.IGNORECASE)


def leaves_amount_unsaid(question: str, answer: str) -> bool:
    """Whether ``question`` asks how long, how many, how much, what it costs or what time and ``answer`` states no such
    amount: "whats the max number of lines on a credit note" got how to create one (0.93), "is there a limit on how
    many accounts i can tick under one bank login" the BF-303 error row (0.89), "is there a max number of refunds i
    can ask for in a year" the refund windows ("within 30 days", 0.87). Such a passage is about the topic, not the
    answer."""
    text = _NOT_AN_AMOUNT.sub(" ", answer)
    if _CLOCK_ASKED.search(question):
        return not _CLOCK_STATED.search(text)
    if _ASKS_PRICE.search(question):
        # The price itself asked ("how much does the orla v5 cost"): only money, "free" or "no charge" answers it,
        # no other number ("Repairs usually take 7–10 working days" of the warranty's returns, 0.99, round 39; "Undo
        # the four screws of the battery cover" for "how much does a replacement battery cost").
        return not _PRICE_STATED.search(text)
    asked = quantity_asked(question)
    if asked == "measure":
        return not QUANTITY_STATED["measure"].search(text)
    if asked == "duration":
        # "how long will it take?" after the refund steps got the steps again (round 33). "How quick does Lumo mark
        # it paid" is answered by how often it syncs ("Every hour").
        return not (QUANTITY_STATED["duration"].search(text) or QUANTITY_STATED["frequency"].search(text))
    counts = asked == "amount" or bool(_MAX_NUMBER.search(question))
    if not counts:
        # Any number is no price: "does getting the 2fa code by sms cost me anything" got "You get 10 backup codes".
        return bool(_PRICE_ASKED.search(question)) and not _PRICE_STATED.search(text)
    if not _TIME_COUNTED.search(question):
        # A count of something other than time ("how many times", "max number of refunds") is not a duration.
        text = _DURATION.sub(" ", text)
    if _COUNT_ASKED.search(question):
        if _ENUMERATION.search(text):
            return False  # the things counted, named one by one: "English, German, French ... and Chinese"
        # "Free" is a price, no count: "how many bank connections do we get during the free trial" got "Every new
        # account gets a 30-day free trial of the Business plan".
        text = _FREE.sub(" ", text)
    # "One" states an amount here ("You can connect one PayPal account"), though too often something else to pick a
    # sentence by (QUANTITY_STATED).
    return not (QUANTITY_STATED["amount"].search(text) or _ONE_AS_AMOUNT.search(text))


# A price asked as the question: "What does the Plus plan cost?", "how much is business per month", "price of Plus",
# "business plan price", and "how much is the Sports pack?" (an unseen help centre's TV packs, round 32: it got the
# sentence saying when the pack can be removed, no price). "How much is" a thing is its price, unless the thing is
# an amount of something else ("how much is the storage limit", "how much space is left").
_ASKS_PRICE = re.compile(
    r"\b(?:how\s+much|what)\b(?=[^?.]*\b(?:cost|costs|price|priced|fee|fees)\b)"
    r"|\b(?:price|cost)\s+(?:of|for)\b|\b(?:price|prices|pricing|cost)\s*[?.!]*\s*$"
    r"|\bhow\s+much\s+(?:is|are|does|do|for)\b(?=[^?.]*\b(?:plan|plans|subscription|per\s+"
    r"(?:month|year|user)|a\s+(?:month|year)|monthly|yearly|annually)\b)"
    r"|\bhow\s+much\s+(?:is|are)\s+(?!(?:[\w-]+\s+){0,3}?(?:storage|space|data|room|time|notice|left|limit|limits"
    r"|allowance|included|allowed|usage|memory|bandwidth)\b)"
    # What a bill or a payment comes to, or what the customer pays: "how much will my bill go up in april?" got the
    # sentence saying which bill the rise starts on, not the table of rises (round 43, an unseen help centre's dev
    # answers graded Poor). "How much data is on my bill" names no bill as what is counted, and is left alone.
    r"|\bhow\s+much\s+(?:more\s+|extra\s+)?(?:will|would|does|did|do|is|are|am)\s+(?:i|we|you)\s+(?:have\s+to\s+)?"
    r"(?:pay|be\s+(?:charged|billed))\b"
    r"|\bhow\s+much\s+(?:will|would|does|did|is)\s+(?:my|our|the|your)\s+(?:monthly\s+)?"
    r"(?:bill|bills|payment|payments|subscription|charge|charges|price)\s+(?:be|go\s+up|rise|increase|come\s+to)\b",
    re.IGNORECASE,
)


def asks_price(question: str) -> bool:
    """Whether ``question`` asks what a thing it names costs ("How much is the free plan?", "price of Plus"), not
    what "it" costs ("we need 3 bank feeds, whats the cheapest plan that does that and what does it cost": which
    plan is asked first)."""
    return bool(_ASKS_PRICE.search(question)) and not _POINTS_BACK.search(question)


# A question about a price at all, however asked ("how much ...", "whats the damage", "the fee for ..."): what
# prices_something_else checks, when the answer states an amount of money.
_PRICE_QUESTION = re.compile(
    r"\bhow\s+much\b|\b(?:cost|costs|costing|price|prices|priced|pricing|fee|fees|charge|charges|damage)\b",
    re.IGNORECASE,
)
# An amount of money: "€12", "12 EUR", "$5".
_MONEY = re.compile(r"[€$£¥]\s?\d|\d\s?(?:[€$£¥]|(?:eur|euros?|usd|dollars?|gbp|pounds?)\b)", re.IGNORECASE)
# Nothing to pay, said of what the sentence names: "There is no surcharge for Northern Ireland" answers "Do you
# charge extra to send a parcel to Northern Ireland?" (an unseen FAQ help centre, round 33: the entry's £4.00 is the
# Highlands', so the price was taken for something else's and a table of extras quoted instead).
_NOTHING_TO_PAY = re.compile(
    r"\bno\s+(?:extra\s+|additional\s+)?(?:sur)?(?:charges?|fees?|cost)\b|\bfree\s+of\s+charge\b"
    r"|\bat\s+no\s+(?:extra\s+|additional\s+)?cost\b",
    re.IGNORECASE,
)
# A price question pointing at what it prices with a pronoun ("and what does it cost on business", a part after "how
# do i add a user") names it elsewhere: the words next to the amount cannot be checked against it.
_POINTS_BACK = re.compile(r"\b(?:it|its|this|that|these|those|them|they)\b", re.IGNORECASE)
# How rare (BM25 idf) a word of a price question must be to name what is priced: the product's own name is in most
# articles ("lumo" 0.62 on the sample help centre; "plan" 1.51, "plus" 2.13, "user" 2.08).
_NAMED_IDF = 1.0
# How many words next to an amount name what it is the price of ("each extra user costs €4 per month, up to 50
# users": "extra", "user" before it, "user" after it). One of them must be a word the question names: "Business
# costs €29" answers "how much does the Business plan cost", which says "plan" too.
PRICED_WORDS_BEFORE = 3
PRICED_WORDS_AFTER = 2
# Words of a price question that say it is one (what, when and how it is paid), not what is priced.
_PRICE_WORDS = frozenset(
    tokenize(
        "much cost price pricing fee charge pay paid paying damage amount total money euro eur per month monthly "
        "year yearly annual annually week weekly day daily currently today now exactly roughly approximately "
        # What is paid for in general, not which thing: "how much are the plans" of the prices table, which says
        # "Free", "Plus" and "Business" and never "plan".
        "plan plans subscription subscriptions"
    )
)


def prices_something_else(question: str, answer: str, idf: Callable[[str], float]) -> bool:
    """Whether ``question`` asks the price of something and every amount of money ``answer`` states in prose is
    the price of something else: "How much does the Business plan cost?" got the extra-users entry ("On the
    Business plan, 10 users are included and each extra user costs €4 per month", 0.92), which says "Business
    plan" and a price, of extra users. What is priced is named next to the amount: the few words before it and
    after it in its sentence ("Plus costs €12 per month", "€4 per user"). A table stating prices answers the price
    of each of its rows and columns; a question naming nothing the knowledge base prices in particular ("how much
    does Lumo cost": its product's name is in most articles) or pointing back at it ("what does it cost") is not
    checked, nor an answer stating no amount."""
    if not _PRICE_QUESTION.search(question) or not _MONEY.search(answer) or _POINTS_BACK.search(question):
        return False
    subject = {w for w in tokenize(question) if w not in _PRICE_WORDS and idf(w) >= _NAMED_IDF}
    if not subject:
        return False
    return not any(words is None or subject & words for words in _priced_words(answer))


def money_rows(table: str) -> str:
    """The header of ``table`` and its rows stating an amount of money; as it is when none or every row does.
    "How much does the Business plan cost?" names a column of the plans table ("Business"), which every row answers:
    the monthly and annual prices answer it, not its users, invoices and integrations."""
    header, rows = table_parts(table)
    priced = [row for row in rows if _MONEY.search(row)]
    if not priced or len(priced) == len(rows):
        return table
    return "\n".join([*header, *priced])


def states_money(text: str) -> bool:
    """Whether ``text`` states an amount of money ("€12", "12 EUR")."""
    return bool(_MONEY.search(text))


def states_price_asked(question: str, answer: str, idf: Callable[[str], float]) -> bool:
    """Whether ``answer`` states an amount of money and not only of something else than ``question`` prices."""
    return bool(_MONEY.search(answer)) and not prices_something_else(question, answer, idf)


def _naming_words(text: str) -> list[str]:
    return [w for w in tokenize(text) if w not in _PRICE_WORDS and not w.isdigit()]


def _priced_words(answer: str) -> Iterator[set[str] | None]:
    """The words naming what each amount of money in ``answer`` is the price of; None for a price list."""
    table: list[str] = []
    lines = answer.splitlines()
    record_lines = 0  # the lines of a record (records.py) still to skip: read as the one-row table it is
    for at, line in enumerate([*lines, ""]):
        if record_lines:
            record_lines -= 1
            continue
        if line.lstrip().startswith("|"):
            table.append(line)
            continue
        record = record_as_row(lines[at:])
        if record is not None:
            columns, cells = record
            yield from _priced_in_table(table)
            table = []
            yield from _priced_in_table([_row(columns), _row(["---"] * len(columns)), _row(cells)])
            record_lines = len(cells) - 1
            continue
        yield from _priced_in_table(table)
        table = []
        for sentence in re.split(r"(?<=[.!?;])\s+|,\s+(?:and|or|but)\s+", line):
            if _NOTHING_TO_PAY.search(sentence):
                yield set(_naming_words(sentence))
            for money in _MONEY.finditer(sentence):
                before = _naming_words(sentence[: money.start()])
                after = _naming_words(sentence[money.end() :])
                yield {*before[-PRICED_WORDS_BEFORE:], *after[:PRICED_WORDS_AFTER]}


# A price of one of something ("€4 per user per month"): what it is the price of, when not a stretch of time.
_PER_UNIT = re.compile(r"^\s*(?:per|a|an|each)\s+([^\W\d_]+)", re.IGNORECASE)
_TIME_UNITS = frozenset({"day", "week", "month", "year", "quarter", "hour", "minute"})


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _priced_in_table(table: list[str]) -> Iterator[set[str] | None]:
    """What each amount of money in a table's cells is the price of: the cell's row (its first cell) and column
    (its header), or, for a price per one of something, that thing ("| Business | 10 | €4 per user per month |"
    under "Extra users" is the price of a user, not of the Business plan). None for a price list (two or more
    amounts): it states the price of each of its rows and columns, whatever the question names beside them ("I'm a
    freelancer comparing bookkeeping tools - what would Lumo cost me?" and the plans table)."""
    header, rows = table_parts("\n".join(table))
    if len(_MONEY.findall("\n".join(rows))) > 1:
        yield None
        return
    columns = row_cells(header[0]) if header else []
    for row in rows:
        cells = row_cells(row)
        for i, cell in enumerate(cells):
            for money in _MONEY.finditer(cell):
                per = _PER_UNIT.match(cell[money.end() :])
                if per and per.group(1).lower() not in _TIME_UNITS:
                    yield {*_naming_words(per.group(1)), *_naming_words(columns[i] if i < len(columns) else "")}
                else:
                    named = " ".join((cells[0], columns[i] if i < len(columns) else "", cell))
                    yield set(_naming_words(named))


# Whether someone is told, asked as a question of it: "do they get an email about it", "will i be notified", "do
# you email me before ...". Not notifications as a topic ("How do I filter out calendar notifications in gmail?",
# "I'd like to get e-mail notifications when specific people write posts": a StackFAQ thread's ifttt answer was
# turned away by the first version of this rule). An email, a notification, a notice, a banner or a message answers
# it; steps do not.
_WHO_IS_TOLD = r"(?:i|we|you|u|they|he|she|it|lumo|(?:the|my|our|their)\s+\w+)"
_NOTICE_ASKED = re.compile(
    rf"\b(?:do|does|did|will|would|should|can|could)\s+{_WHO_IS_TOLD}\s+(?:\w+\s+)?(?:get|receive)\s+"
    r"(?:an?\s+|any\s+)?(?:e-?mails?|notifications?|notices?|alerts?|messages?|heads[\s-]up)\b"
    rf"|\b(?:do|does|will|would|is|are|can|could)\s+{_WHO_IS_TOLD}\s+(?:be|get)\s+notified\b"
    rf"|\b(?:do|does|did|will|would)\s+{_WHO_IS_TOLD}\s+(?:e-?mail|notify|alert|warn)\s+(?:me|us|them|him|her)\b",
    re.IGNORECASE,
)
_NOTICE_STATED = re.compile(
    r"\be-?mails?\b|\bnotif\w*|\bnotices?\b|\balerts?\b|\bmessages?\b|\bwarn\w*|\bbanner\b|\bsms\b"
    r"|\bsubscribe\w*|通知|邮件|提醒",
    re.IGNORECASE,
)


def leaves_notice_unsaid(question: str, answer: str) -> bool:
    """Whether ``question`` asks whether someone is told (an email, a notification) and ``answer`` mentions none:
    "when i remove someone from our account do they get an email about it" got the steps to remove a user (0.65),
    "do you email me before the yearly paypal reconnect is due" the reconnect steps (0.53). The help centre does
    not say; the steps are about the topic."""
    return bool(_NOTICE_ASKED.search(question)) and not _NOTICE_STATED.search(answer)


# Whether a record is kept of who did something: "does lumo keep a record of who voided an invoice", "is there a log
# of who changed the VAT rate". An audit log, a history or an activity list answers it; the steps to void an invoice
# do not (they were quoted, 0.85). Not records as a topic ("Keeping records of books and movies via a web app",
# StackFAQ dev), nor finding out who did something ("How can I find out who unfriended me on fb", "Is it possible to
# keep track of who removed me ...", StackFAQ test: a browser extension answers, and says no "log").
# Who did something (a past action): "who voided", "who deleted the client"; not who may ("who can void").
_WHO_DID = r"who\s+(?!can\b|may\b|is\b|are\b|should\b|will\b|gets?\b|has\b|have\b)(?:\w+\s+)?\w+ed\b"
_RECORD_ASKED = re.compile(rf"\b(?:record|records|log|logs|history|trail)\s+of\s+{_WHO_DID}", re.IGNORECASE)
# Not "records" the noun alone: "A voided invoice stays in your records" are the books, which keep it, not who voided
# it; "Lumo records who changed it" is the verb.
_RECORD_STATED = re.compile(
    r"\b(?:audit|log|logs|logged|recorded|history|activity|trail)\b|\brecords?\s+(?:who|when|what|which|each|every)\b"
    r"|审计|日志",
    re.IGNORECASE,
)


def leaves_record_unsaid(question: str, answer: str) -> bool:
    """Whether ``question`` asks whether a record is kept of who did something and ``answer`` mentions no log,
    record or history: "does lumo keep a record of who voided an invoice" got the steps to void one (0.85)."""
    return bool(_RECORD_ASKED.search(question)) and not _RECORD_STATED.search(answer)


# "How many api keys can I have?" counts keys: "Up to **5 active keys** per account" states that count, where
# "Each key can make **120 requests per minute**" counts requests (and said more of the question's words).
_HOW_MANY = re.compile(r"\bhow many\s+((?:[^\W\d_]+\s*)+)", re.IGNORECASE)
_COUNT = re.compile(r"^(?:\d+|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|unlimited)$")
_COUNTED_WORDS = 3  # the thing counted is at most this many words after "how many", or after a count


def counted_stem(question: str) -> str | None:
    """The stem of what a "how many ...?" question counts: the last word before its first stop word ("key" of "how
    many api keys can i have", "account" of "how many bank accounts ..."); None for any other question."""
    match = _HOW_MANY.search(question)
    if match is None:
        return None
    counted: str | None = None
    for word in match.group(1).split()[:_COUNTED_WORDS]:
        stems = tokenize(word)
        if not stems:
            break  # a stop word ends the thing counted ("keys can ...")
        counted = stems[-1]
    return counted


def _states_count_of(text: str, counted: str) -> bool:
    words = re.findall(r"[^\W_]+", without_step_number(text).lower())
    return any(
        _COUNT.match(word) and any(counted in tokenize(w) for w in words[i + 1 : i + 1 + _COUNTED_WORDS])
        for i, word in enumerate(words)
    )


# A question no "yes" or "no" answers: "where can I find my API key?", "how do I see it again?", "什么时候…".
_OPEN_QUESTION = re.compile(
    r"^\s*(?:what|whats|what's|where|which|how|when|who|why)\b|哪|什么|怎么|如何|为什么|多少|几", re.I
)


def asks_open_question(question: str) -> bool:
    """Whether ``question`` asks what, where, how, when, who or why (no yes/no question)."""
    return bool(_OPEN_QUESTION.search(question))


# "I want my customers to pay my invoices by card online. How do I set that up?": the want told first, then "how do
# I do it" of it, which asks for its steps as "how do I ..." opening the message does. Only a verb and "it", "that"
# or "this" closing the message ("... tags all over it. How do I clean it up?" got the article's explanation, not
# its fix: round 45): a clause naming more than that after a situation ("..., how do I stop it just for them") is
# read as before (asking for steps there got the steps of other procedures: round 31, 7 of 8 dev answers worse).
_HOW_TO_DO_IT = re.compile(
    r"[,.;!?]\s*how (?:do|can|should) (?:i|we) [a-z]+ (?:it|that|this)(?: up| off| out| back)?\s*[?.!]*\s*$",
    re.IGNORECASE,
)


# "I need to book an engineer to install the fibre", "I need to connect my bank", "i want to add a user": a want
# opening the message asks for the steps of what it wants done, as "how do I ..." does. Those three got the
# article's paragraph about a second visit, its "can't find your bank" tips and the users-per-plan table (round 42).
# Not a want to know, understand or be told something, nor one to talk to someone (a hand-off, routed before).
_WANTS_DONE = re.compile(
    r"^\s*(?:i|we)\s*(?:(?:need|want|have|would like|['’]?d like) to|wanna)\s+"
    r"(?!(?:know|understand|learn|see|check|find|ask|talk|speak|chat|be|get in touch)\b)([^\W\d_]{2,})",
    re.IGNORECASE,
)


def asks_how_to(question: str) -> bool:
    """ "How do I ...?", "how to ...", "如何...", "I need to ...": the question asks for steps."""
    return bool(_HOW_TO.search(question) or _HOW_TO_DO_IT.search(question) or _WANTS_DONE.search(question))


def steps_wanted(question: str) -> str | None:
    """ "I need to connect my bank" as the how-to it asks ("how to connect my bank"); None for any other question.
    The want is not what is asked: "need" (and the pair "need_connect") outweighed "connect" and "bank"."""
    found = _WANTS_DONE.search(question)
    return f"how to {question[found.start(1) :]}" if found else None


# "X vs Y", "the difference between X and Y", "is X better than Y", "compare X with Y": two things asked about side
# by side, each answered by its own passage (group "a" and "b"; a side ends at punctuation or at the question words
# around it: "accountant vs admin role whats the difference").
_SIDE_END = r"(?=\s*(?:[,?.;:!]|$|\b(?:what|whats|what's|which|how|is|are|for|in|on)\b))"
# "Is office a lot better than google docs": how much better is not a side.
_DEGREE = re.compile(r"\s+(?:a lot|a bit|much|far|really)\s*$", re.IGNORECASE)
_SIDE = r"[^,?.;:!]+?"
_COMPARISONS = tuple(
    re.compile(pattern.format(side=_SIDE, end=_SIDE_END), re.IGNORECASE)
    for pattern in (
        r"(?:^|[,?.;:!]|\b(?:what|whats|what's|is|are)\b)\s*(?P<a>{side})\s+(?:vs\.?|versus)\s+(?P<b>{side}){end}",
        r"\bdifferences?\s+between\s+(?P<a>{side})\s+and\s+(?P<b>{side}){end}",
        r"\b(?:is|are)\s+(?P<a>{side})\s+better\s+than\s+(?P<b>{side}){end}",
        # "with" before "and": "compare my profit and loss with last year" is not "my profit" against the rest.
        r"\bcompare\s+(?P<a>{side})\s+(?:with|to|against)\s+(?P<b>{side}){end}",
        r"\bcompare\s+(?P<a>{side})\s+and\s+(?P<b>{side}){end}",
        # "which is better, the app or sms", "should i use stripe or paypal"; the sides right after the comparative
        # ("which plan is best for freelancers or small businesses" compares no two things).
        r"\b(?:which\b[^,?.;:!]*?\b(?:better|best|cheaper|safer|faster)|should (?:i|we) (?:use|choose|pick|get))"
        r"\s*[,:]?\s+(?!(?:for|if|to|when|with)\b)(?P<a>{side})\s+or\s+(?P<b>{side}){end}",
        # "stripe or paypal, which is cheaper"
        r"^\s*(?P<a>{side})\s+or\s+(?P<b>{side})\s*[,?]\s*which\b",
    )
)
# A third side ("owner vs admin vs accountant") is read as part of the second; its "vs" is no word of it.
_COMPARED = frozenset({"vs", "versus"})


def compared_sides(question: str) -> tuple[str, str] | None:
    """The two things a question compares ("accountant", "admin role"), or None when it compares nothing."""
    for pattern in _COMPARISONS:
        match = pattern.search(question)
        if match:
            return _DEGREE.sub("", match.group("a")).strip(), match.group("b").strip()
    return None


def _sides(question: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """The stems only one side of a comparison says ("accountant"; "admin"), or None (no comparison, or a side
    with no word of its own)."""
    sides = compared_sides(question)
    if sides is None:
        return None
    first, second = (frozenset(tokenize(side)) - _COMPARED for side in sides)
    own = (first - second, second - first)
    return own if all(own) else None


# A clause that asks, after the situation a customer tells first: a question word, or an auxiliary and its subject.
_ASKING_CLAUSE = re.compile(
    r"[,.;:!?\u2013\u2014-]\s+((?:how|what|whats|what's|where|when|which|who|why|"
    r"(?:can|could|do|does|did|is|are|will|would|should)\s+(?:i|we|you|they|it|there|he|she)\b).*)$",
    re.IGNORECASE,
)


def asking_clause(question: str) -> str | None:
    """The last clause of ``question`` that asks something, when a situation is told before it ("card declined on
    renewal, when do we retry the charge": "when do we retry the charge"); None for a question of one clause."""
    match = _ASKING_CLAUSE.search(question.strip())
    if match is None:
        return None
    told = question.strip()[: match.start()]
    # "What is Ambient Off Timer. How can I use it?" asks twice: nothing before the last clause is a situation.
    if _OPEN_QUESTION.search(told) or _YES_NO.search(told) or _HOW_TO.search(told):
        return None
    return match.group(1)


# A sentence ends with ".", "!" or "?" before a space or a line break ("3.5 GB" goes on).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def _asked_anywhere(asks: re.Pattern[str], question: str) -> bool:
    """Whether ``question``, its asking clause or its sentences that ask (after a situation told) ask so."""
    said = (question, asking_clause(question), asked_sentences(question))
    return any(asks.search(part) for part in said if part)


def asked_sentences(question: str) -> str | None:
    """The sentences of ``question`` that end with a question mark, when the others tell the situation after them
    ("why is there a 10 euro charge on my card?? i only rode for 3 minutes": the first); None when every sentence
    asks, or none does."""
    sentences = [s.strip() for s in _SENTENCE_END.split(question.strip()) if s.strip()]
    asking = [s for s in sentences if s.endswith("?")]
    return " ".join(asking) if asking and len(asking) < len(sentences) else None


# The keyword index's rarity of a term (BM25 idf), for the audience asking.
IdfLookup = Callable[[str], float]


@dataclass(frozen=True)
class Question:
    """What the composer reads from a question: its weighted terms and what kind of answer it asks for."""

    terms: dict[str, float]
    is_how_to: bool = False  # "How do I ...?": the steps
    is_yes_no: bool = False  # "Can I ...?": the opening of the article its title names
    stressed: frozenset[str] = frozenset()  # words said twice (a follow-up's new variant)
    codes: tuple[str, ...] = ()  # "KI-231": the passage holding the code
    is_cjk: bool = False  # asked in Chinese: the anchor is picked by what the question adds to the topic
    action: frozenset[str] = frozenset()  # "How do I delete ...?": the action's stems (chatbot/actions.py)
    quantity: str | None = None  # "How long ...?": the kind of quantity the answer states (QUANTITY_STATED)
    counted: str | None = None  # "How many api keys ...?": the stem of what it counts (counted_stem)
    done: frozenset[str] = frozenset()  # "I disconnected ...": the action already done (chatbot/actions.py)
    # Stems of the words the question says side by side, with no stop word between ("card payment").
    adjacent: frozenset[tuple[str, str]] = frozenset()
    # "How do I set up ...?": the terms that say so ("set" and its pairs), said by a heading that starts using
    # something (chatbot/actions.starts_using) in other words.
    set_up: frozenset[str] = frozenset()
    # "Accountant vs admin role?": the stems only one side says, for each side (a passage for each).
    sides: tuple[frozenset[str], frozenset[str]] | None = None
    is_where: bool = False  # "Where do I find ...?": a place, which one step may name
    # "Who gets the email ...?", "what happens ...": a person or a thing, which a procedure's lead-in often names.
    asks_what: bool = False
    # "shopify fees category": a few words typed as into a search box, which name what they ask about as a "what"
    # question does ("which category do shopify fees end up in").
    is_keywords: bool = False
    asks_who: bool = False  # "Who can ...?": a person or a role (names_person)
    reports_block: bool = False  # "... wont let me": a limit or a condition (states_condition)
    asks_requirement: bool = False  # "do I need to be home for it?": what must be (states_condition)
    reports_problem: bool = False  # "... stopped updating": the fix (headings.names_a_fix)
    asks_price: bool = False  # "What does Plus cost?": of a table of prices, the rows stating one (money_rows)
    contrasts: bool = False  # "... instead of ...": two alternatives, each a row of a table (_CONTRAST)
    part: bool = False  # what a second passage must add (asking_for): not the whole question
    # "card declined on renewal, when do we retry the charge": the words of the clause that asks (asking_clause),
    # after the situation told before it; empty when the question is all one clause.
    asking: frozenset[str] = frozenset()
    asks_consequence: bool = False  # "... what happens now?": what follows, not the reasons (_ASKS_CONSEQUENCE)
    # "Client does markets at weekends with no signal. If they ... hit send while offline, what happens to it?": the
    # terms only the sentences telling the situation say ("market", "signal"); see weighing_down_situation.
    situation: frozenset[str] = frozenset()
    # "does lumo work in internet explorer", "if my card payment fails, will you delete my account?": yes or no, in
    # the question or its asking clause or sentence (is_yes_no is the question's opening only).
    asks_verdict: bool = False
    # "can i charge late fees": whether the customer may do something, which the steps to do it answer as a "yes".
    asks_capability: bool = False
    # "on", "off", "up" ...: stop words, so no term says them, but "turn on" is not "turn off" (headings.heading_says).
    particles: frozenset[str] = frozenset()
    # "can i pay with paypal in rotterdam": a yes/no question naming one of the things the knowledge base's tables
    # compare (a city, a plan) asks about that case; these are the stems of it and of the things compared with it
    # (the table's other rows or columns: "lisbon", "porto", "valencia"). See with_cases.
    cases: frozenset[str] = frozenset()

    @classmethod
    def read(cls, question: str, idf: IdfLookup) -> Question:
        wanted = steps_wanted(question)
        terms = _weighted_terms(wanted or question, idf)
        # "connect stripe", "connect bank account": a search-box query opening with a procedure's verb asks for its
        # steps, as "how do I connect stripe?" does (it got the article's introduction, "Connect Stripe to let your
        # customers pay ...", and "Search by the bank's full name").
        steps = f"how to {question}" if asks_steps_as_keywords(question) else steps_asked_last(question) or question
        is_how_to = asks_how_to(steps)
        if is_how_to:
            terms = _purpose_weighed_down(question, terms)
        asks_requirement = bool(_ASKS_REQUIREMENT.search(question))
        if asks_requirement:
            # "do I need to": what must be, said "must" or "required" as often as "need" ("If your home hasn't had
            # Kestrel Fibre before, one of our engineers needs to visit" won on "needs" alone).
            terms = {t: 0.0 if _REQUIREMENT_STEMS & set(t.split("_")) else w for t, w in terms.items()}
        # Words the question repeats are what it stresses: a follow-up is searched as the previous question plus
        # the follow-up twice, or with its new variant repeated ("How do I install the app on Android? Android").
        counts = Counter(tokenize(question))
        return cls(
            terms,
            is_how_to=is_how_to,
            is_yes_no=not is_how_to and bool(_YES_NO.search(question)),
            is_where=not is_how_to and bool(_WHERE.search(question)),
            asks_what=bool(_WHAT.search(question)),
            is_keywords=is_keywords(question),
            # "Can staff request a refund?" asks who may, as much as "who can request a refund?" does.
            asks_who=bool(_WHO.search(question))
            or (not is_how_to and bool(_YES_NO.search(question)) and bool(_PERSON.search(question))),
            reports_block=reports_block(question),
            asks_requirement=asks_requirement,
            reports_problem=reports_problem(question),
            asks_price=bool(_ASKS_PRICE.search(question)),
            asks_consequence=bool(_ASKS_CONSEQUENCE.search(question)) and not _WHY.search(question),
            asks_verdict=not is_how_to and _asked_anywhere(_YES_NO, question),
            asks_capability=not is_how_to and _asked_anywhere(_CAPABILITY, question),
            stressed=frozenset(t for t, n in counts.items() if n > 1 and terms.get(t, 0.0) > 0),
            # A code in the question ("KI-231", "error 4411") names one thing: the passage holding it answers.
            codes=tuple(codes_in(question)),
            is_cjk=has_cjk(question),
            action=action_stems(steps),
            quantity=quantity_asked(question),
            counted=counted_stem(question),
            contrasts=bool(_CONTRAST.search(question)),
            done=frozenset() if is_how_to else done_action_stems(question),
            adjacent=_adjacent_stems(question),
            set_up=_set_up_terms(terms) if is_how_to and asks_to_set_up(steps) else frozenset(),
            sides=None if has_cjk(question) else _sides(question),
            asking=frozenset(text_terms(asking_clause(question) or asked_sentences(question) or "")),
            situation=_situation_terms(question),
            particles=frozenset(re.findall(r"[a-z]+", question.lower())) & PARTICLES,
        )

    def with_cases(self, siblings: Mapping[str, frozenset[str]], question: str) -> Question:
        """The question with the cases it asks about (``cases``): for a yes/no question (or one whose asking clause
        is: "im a student in valencia, do i get a discount"), each name it says that the knowledge base's tables
        compare with other names (``siblings``: chatbot/names.named_siblings), with those others."""
        clause = asking_clause(question) or question
        if self.is_how_to or not (_YES_NO.search(question) or _YES_NO.search(clause)):
            return self
        named = [t for t in self.terms if "_" not in t and t in siblings]
        cases = frozenset(t for name in named for t in (name, *siblings[name]))
        return dataclasses.replace(self, cases=cases) if cases else self

    def weighing_down_situation(self) -> Question:
        """The question with the words only its situation says counting for less (SITUATION_WEIGHT) in choosing
        the passage: the sentence that asks says what the answer is about. The intro of the offline article ("keep
        working when you have no signal — on a plane, at a market stall") outscored "If you tap **Send** on an
        invoice while offline, the app saves it ..." on "market" and "signal" (round 45)."""
        if not self.situation:
            return self
        weighed = {t: w * SITUATION_WEIGHT if set(t.split("_")) <= self.situation else w for t, w in self.terms.items()}
        return dataclasses.replace(self, terms=weighed)

    def asking_for(self, terms: dict[str, float]) -> Question:
        """The same question, asking only for ``terms`` (what a second passage must add)."""
        return Question(
            terms,
            self.is_how_to,
            False,
            self.stressed,
            is_cjk=self.is_cjk,
            action=self.action,
            quantity=self.quantity,
            counted=self.counted,
            done=self.done,
            adjacent=self.adjacent,
            set_up=self.set_up,
            is_where=self.is_where,
            asks_what=self.asks_what,
            is_keywords=self.is_keywords,
            asks_who=self.asks_who,
            asks_price=self.asks_price,
            contrasts=self.contrasts,
            part=True,
        )

    def states_quantity(self, text: str) -> bool:
        """Whether ``text`` states a quantity of the kind the question asks for (False when it asks for none). A
        step's number is not one: "1. Go to **Banking > Bank accounts**." was read as stating how many bank
        accounts can be connected."""
        return self.quantity is not None and bool(QUANTITY_STATED[self.quantity].search(without_step_number(text)))

    def states_condition(self, text: str) -> bool:
        """Whether ``text`` states a limit or a condition, for a question reporting something refused or missing,
        or asking what is required."""
        return (self.reports_block or self.asks_requirement) and bool(_STATES_CONDITION.search(text))

    def names_person(self, text: str) -> bool:
        """Whether ``text`` answers "who": the question asks who, and ``text`` names a role or a person."""
        return self.asks_who and bool(_PERSON.search(text))

    def persons(self, terms: dict[str, float]) -> set[str]:
        """The terms of ``terms`` that name a role or a person ("staff", "员工"), for a question asking who."""
        return {t for t in terms if "_" not in t and _PERSON.fullmatch(t)} if self.asks_who else set()

    def states_count(self, text: str) -> bool:
        """Whether ``text`` counts what a "how many ...?" question counts: a number with that word at most
        _COUNTED_WORDS words after it ("5 active keys", "the 5-key limit")."""
        return self.counted is not None and _states_count_of(text, self.counted)

    def beyond(self, topic: str, weight: float) -> dict[str, float]:
        """The question's terms with those of ``topic`` (an article's title) weighed ``weight`` times: in
        "上海轨道交通18号线一期工程的总长是多少？" asked of the article about that line, "一期", "工程" and "总长" say
        which sentence answers, while the line's name is in many (and is rare in the index, so it outweighed them)."""
        named = set(passage_terms(topic))
        return {t: w * weight if t in named else w for t, w in self.terms.items()}


# A sentence's first word: a search-box query starts with none of them ("how", "can", "my", "we", ...).
_SENTENCE_START = re.compile(
    r"^\s*(?:how|what|whats|which|who|whom|whose|when|why|where|can|could|do|does|did|is|are|was|were|will|would|"
    r"should|shall|may|might|i|im|i'm|my|we|our|us|you|your|it|its|there|please|pls|hi|hello|hey)\b",
    re.IGNORECASE,
)
KEYWORD_QUERY_WORDS = 5


def is_keywords(question: str) -> bool:
    """Whether ``question`` is a few words typed as into a search box ("shopify fees category", "late fee max
    percent"): at most KEYWORD_QUERY_WORDS words, no question mark, not opening as a sentence does."""
    words = re.findall(r"[^\W_]+", question)
    return (
        0 < len(words) <= KEYWORD_QUERY_WORDS
        and "?" not in question
        and not _SENTENCE_START.match(question)
        and not any(has_cjk(w) for w in words)
    )


# The head of a noun that a procedure's verb names before it: "lock date after year end", "export formats", "reset
# link expired" ask about the date, the formats, the link, not for steps.
_VERB_AS_NOUN_BEFORE = frozenset(
    "date dates link links code codes file files format formats fee fees limit limits window time times frequency "
    "history status settings setting options option button page error errors log logs email emails type types "
    "rules rule".split()
)


def asks_steps_as_keywords(question: str) -> bool:
    """Whether ``question`` is a search-box query (is_keywords) opening with the verb of a procedure, as an
    imperative ("connect stripe", "cancel subscription", "export all data"; not "payment failed", "deleted
    invoices", "lock date after year end", nor a comparison: "cancel subscription vs close account")."""
    words = re.findall(r"[^\W\d_]+", question.lower())
    return (
        is_keywords(question)
        and len(words) > 1
        and bool(set(tokenize(words[0])) & step_verbs())
        and words[1] not in _VERB_AS_NOUN_BEFORE
        and _sides(question) is None
    )


# What a procedure's verb closing a search-box query names when it is a noun: "price change" asks what changed.
_NOUN_BEFORE_LAST_VERB = frozenset("price prices rate rates fee fees policy status date time".split())
# The longest search-box query read with its verb last ("wifi channel change" is three words).
VERB_LAST_QUERY_WORDS = 4


def steps_asked_last(question: str) -> str | None:
    """A search-box query closing with a procedure's verb as typed ("wifi channel change", "router reset",
    "direct debit cancel") read as the how-to it asks ("how to change wifi channel"); None for any other question.
    "wifi channel change" got an unseen help centre's paragraph about channels and the first of six steps (round
    32). Not a verb naming a change of something else ("price change")."""
    words = re.findall(r"[^\W_][\w-]*", question.lower())
    if not (1 < len(words) <= VERB_LAST_QUERY_WORDS and is_keywords(question)):
        return None
    if words[-1] not in step_verb_words() or _sides(question) is not None:
        return None
    if words[-2] in _NOUN_BEFORE_LAST_VERB or words[-2] in step_verb_words():  # "password reset link": the link
        return None
    return f"how to {words[-1]} {' '.join(words[:-1])}"


def _adjacent_stems(question: str) -> frozenset[tuple[str, str]]:
    """Pairs of stems of English words next to each other in ``question`` (a stop word between breaks a pair:
    unlike the keyword index's word pairs, "email when a payment" pairs nothing)."""
    stems = [tokenize(word) for word in re.findall(r"[^\W\d_]+", question) if not has_cjk(word)]
    return frozenset((a[0], b[0]) for a, b in pairwise(stems) if a and b)


def _set_up_terms(terms: dict[str, float]) -> frozenset[str]:
    """The terms of "set up" in a question's ``terms``: "set" (or "setup") and the pairs it starts ("set_2fa")."""
    verbs = {stem for word in ("set", "setup") for stem in tokenize(word)}
    return frozenset(t for t in terms if t.split("_", 1)[0] in verbs)


# A word pair with a word nearly every passage says (idf below this: "lumo" in the Lumo help centre, "tv" in a TV
# manual) weighs nothing of its own: it is as rare as the one sentence that happens to say it. "If Lumo works
# there, ..." in the blank-page steps outweighed the browser list for "does lumo work on linux", and "For more
# information about connecting Bluetooth devices to the TV" the Multi-output Audio section for "How do I listen to
# the TV through Bluetooth devices?". Dev splits: E-Manual ROUGE-L 0.4675 -> 0.476 (2 answers changed), no retrieval
# figure moved (the composer's weights only).
UBIQUITOUS_IDF = 1.0


# "How do I connect Stripe so customers can pay my invoices by card?": what the steps are for, after the action
# asked. The article's introduction says the purpose in the same words ("Connect Stripe to let your customers pay
# invoices by card with a **Pay now** button", 33.2) and was quoted over the steps under "## Connect Stripe" (13.4).
# ... and whom they are for: "How do I set up a guest network for visitors?" got the limits of the guest network
# ("so visitors can't slow down your own devices"), not the steps under "## Turn on the guest network" (an unseen
# help centre, round 32).
_PURPOSE = re.compile(
    r"\s(?:so(?:\s+that)?|in\s+order\s+to|to\s+let|to\s+make\s+sure)\s+\w"
    r"|\sfor\s+(?:(?:my|our|the|your|any|all|some)\s+)?(?:visitors|guests|kids|children|family|friends|flatmates"
    r"|housemates|customers|clients|employees|staff|colleagues|team|accountant|bookkeeper)\b",
    re.IGNORECASE,
)
# What the purpose's own words (those the action's clause does not say) count for in choosing the passage: nothing.
# They found the article (the search reads the whole question); the steps of the action asked answer it. At 0.25
# and 0.1 the introduction still won (14.9 and 11.2 against 11.7). Dev splits and 1,763 graded sample help centre
# questions: no answer changed (three ask how "so ..."); round 30's paraphrases: three, all to the steps.
PURPOSE_WEIGHT = 0.0
# What the words only a told situation says count for in choosing the passage (Question.weighing_down_situation).
# Dev splits (round 45): at 0.5 six answers changed, three for the worse (kf-054 "My son stays up all night on his
# xbox. Can I stop his internet at a certain time?" lost the Bedtime steps for Pause: "all night" is the point);
# at 0.8 the offline answer was the only one to change.
SITUATION_WEIGHT = 0.8


def _purpose_weighed_down(question: str, terms: dict[str, float]) -> dict[str, float]:
    """``terms`` with the words only the purpose clause of a how-to ``question`` says weighed down."""
    match = _PURPOSE.search(question)
    if match is None:
        return terms
    asked = set(text_terms(question[: match.start()]))
    return {t: w if t in asked else w * PURPOSE_WEIGHT for t, w in terms.items()}


def _situation_terms(question: str) -> frozenset[str]:
    """The terms only the sentences of ``question`` that tell the situation say, when other sentences ask
    ("Client does markets at weekends with no signal. If they ... hit send while offline, what happens to it?":
    "market", "weekend", "signal")."""
    sentences = [s.strip() for s in _SENTENCE_END.split(question.strip()) if s.strip()]
    told = [s for s in sentences if not s.endswith("?") and not _asks(s)]
    if not told or len(told) == len(sentences):
        return frozenset()
    asking = set(text_terms(" ".join(s for s in sentences if s not in told)))
    return frozenset(text_terms(" ".join(told))) - asking


def _asks(sentence: str) -> bool:
    """Whether ``sentence`` asks, with or without its question mark ("what type of file"), also after the
    conjunction joining it to the question before it ("... lock my account? and how do i put a new card in")."""
    sentence = _JOINED.sub("", sentence)
    return bool(_OPEN_QUESTION.search(sentence) or _YES_NO.search(sentence) or _HOW_TO.search(sentence))


_JOINED = re.compile(r"^\s*(?:and|or|but|also|plus|so)\s+", re.IGNORECASE)


def _weighted_terms(question: str, idf: IdfLookup) -> dict[str, float]:
    """Each question term weighed by its rarity, times the number of times the question says it."""
    counts = Counter(text_terms(question))
    weights = {t: max(idf(t), 0.0) * n for t, n in counts.items()}
    return {t: 0.0 if _with_ubiquitous(t, idf) else w for t, w in weights.items()}


def _with_ubiquitous(term: str, idf: IdfLookup) -> bool:
    """Whether ``term`` is a word pair with a word nearly every passage says (the product's name)."""
    return "_" in term and any(idf(part) < UBIQUITOUS_IDF for part in term.split("_"))


def overlap(text: str, terms: dict[str, float]) -> float:
    present = set(passage_terms(without_link_targets(text)))
    return sum(w for t, w in terms.items() if t in present)


def unit_overlap(unit: Unit, terms: dict[str, float]) -> float:
    """A sentence's or list item's own match (with its label's); a table's is its best row read with its header
    ("PayPal fees" under "How it appears in Lumo"), so that a big table does not win on the sum of all its rows."""
    if not unit.is_table:
        # A list item under a bold label says what the label says too: "**iPhone and iPad**" over "2. Tap **Clear
        # local data**" answers "where's the clear local data option on my iphone" (the Android steps said more
        # words of it on their own).
        return overlap(f"{unit.label} {unit.text}" if unit.label else unit.text, terms)
    header, rows = table_parts(unit.text)
    head = " ".join(row_cells(header[0]))
    return max((overlap(_row_read_with_header(row, header[0]), terms) for row in rows), default=overlap(head, terms))


def _row_read_with_header(row: str, header: str) -> str:
    """A table row as its words read: the row's name (its first cell) before the first column's ("**Sports**" in
    the "Pack" column reads "Sports Pack", so "what channels are in the sports pack" matches the row as it matches
    "You can't remove the Sports pack", an unseen help centre's, round 32), then the other column names and cells."""
    cells, names = row_cells(row), row_cells(header)
    return " ".join([*cells[:1], *names, *cells[1:]])


def holds_code(text: str, codes: Sequence[str]) -> bool:
    lowered = text.lower()
    return any(re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", lowered) for code in codes)


def select_rows(table: str, terms: dict[str, float], title_terms: set[str]) -> str:
    """The whole table, or its header and the rows the question names: a question word found in some rows but
    not all ("fees"). Words of the article's own topic (its title and headings: "PayPal" in the PayPal article)
    name rows only when nothing else does and no question word is in the header: a question word in the header
    ("how often does it sync?" and a "Sync frequency" column) asks for a column, which every row answers."""
    header, rows = table_parts(table)
    if len(rows) < 2:
        return table
    words = {t: w for t, w in terms.items() if w > 0 and "_" not in t}
    # A question naming every word of one row's first cell, when that names the row in more than one word ("the
    # refund approval limit for a tier 2 agent" and "| Tier 2 agent |"), asks about that row, whatever the other
    # rows share with it: "2" is in the "Tier 1 agent" row's "hand over to Tier 2" and in "2,000 EUR", and the whole
    # table of four limits was quoted. Not when a word beyond that cell names another row's first cell: "per order
    # or daily summary" compares two rows ("per" is no word, so "| Per order |" is named by "order" alone).
    keys = [set(tokenize_passage(row_cells(row)[0])) for row in rows]
    whole = [i for i, key in enumerate(keys) if len(key) > 1 and key <= words.keys()]
    if len(whole) == 1:
        named_elsewhere = set().union(*(key for i, key in enumerate(keys) if i != whole[0])) & words.keys()
        if named_elsewhere <= keys[whole[0]]:
            return "\n".join([*header, *_with_spanned_rows(rows, {whole[0]})])
    row_terms = [set(tokenize_passage(row)) for row in rows]
    named = {t: w for t, w in words.items() if 0 < sum(t in r for r in row_terms) < len(rows)}
    chosen = {t: w for t, w in named.items() if t not in title_terms}
    topic_only = not chosen
    if topic_only:
        if words.keys() & set(tokenize_passage(" ".join(header))):
            # ... unless the topic's word is the first cell of one row only: "android version required" asks for
            # the "Minimum version" column of "| Android phones and tablets |", in the article on the apps for
            # iPhone and Android (the whole table was quoted).
            keyed = [i for i, row in enumerate(rows) if named.keys() & set(tokenize_passage(row_cells(row)[0]))]
            if len(keyed) != 1:
                return table
            return "\n".join([*header, *_with_spanned_rows(rows, set(keyed))])
        chosen = named
    if not chosen:
        return table
    # A row's first cell names what the row is about ("Plus" in a plans table): a question naming it asks about
    # that row, whatever the other cells share with it ("write" for "Can I write through the API on Plus?" is in
    # the Business row's "read and write keys"; the Plus row's "Read-only keys" is the answer).
    key_terms = [set(tokenize_passage(row_cells(row)[0])) for row in rows]
    key_scores = [sum(w for t, w in chosen.items() if t in k) for k in key_terms]
    # A question word of the article's own topic may name other rows as strongly: "the refund approval limit for
    # support agents" in "Refund approval limits by agent tier" names the "Head of Support + Finance" row by
    # "support" and the Tier 1 and Tier 2 agent rows by "agents". Named two ways, it asks about the table, not one
    # row of it: that one row was the wrong limit, stated with confidence. Or at least half as strongly: "does
    # shopify sync every order or just a summary" names the "Daily summary" row by "summary" (idf 4.8) and the
    # "Per order" row by "order" (3.7), and the Daily summary row alone answered half of it (dev splits: no answer
    # changed; of 152 sample help centre questions only that one). A much weaker word does not count: "Lumo" (0.6)
    # in "How do PayPal fees (2.8) appear in Lumo?" is in the "Payments for Lumo invoices" row, and in every article.
    best_key = max(key_scores)
    if best_key > 0:
        picked = set().union(*(key for score, key in zip(key_scores, key_terms, strict=True) if score == best_key))
        others = set().union(*(key for score, key in zip(key_scores, key_terms, strict=True) if score < best_key))
        elsewhere = (words.keys() & title_terms & others) - picked
        if sum(words[t] for t in elsewhere) >= best_key / 2:
            return table
    if topic_only and max(key_scores) == 0:
        # Only words of the article's own topic, and in no row's first cell: "app" in "What are the requirements
        # for the mobile app?" is in the iPhone row's "App Store" by chance, and the question asks for every row.
        return table
    if max(key_scores) > 0:
        scores = key_scores
    else:
        scores = [sum(w for t, w in chosen.items() if t in r) for r in row_terms]
        if scores.count(max(scores)) > 1:
            # Named by no row's first cell, and as strongly by several rows' other cells: a word of a column's
            # values ("days" in a reminder schedule's "3 days before the due date" and "7 days after"), which asks
            # about the column. Those rows alone dropped the schedule's "On the due date" row, a reminder the
            # customer would not know about.
            return table
    best = max(scores)
    return "\n".join([*header, *_with_spanned_rows(rows, {i for i, score in enumerate(scores) if score == best})])


def select_column(table: str, terms: dict[str, float], compares: bool = False) -> str:
    """A table comparing things one per column ("| Feature | Free | Plus | Business |") cut to its first column and
    the one or two columns the question names, or the whole table. "How much does the Business plan cost?" got every
    plan's prices, and "and on Plus?" the same table again (round 39, a tester in the widget). Only a comparison of
    three or more things, each column headed by one capitalised word: two columns of a table's attributes ("| Method |
    Plans | Notes |") say together what its rows need, whichever the question names."""
    header, rows = table_parts(table)
    names = row_cells(header[0])
    if (
        len(names) < COMPARED_COLUMNS + 1
        or not rows
        or not all(_ONE_NAME.fullmatch(name.strip("*_ ")) for name in names[1:])
    ):
        return table
    words = {t for t, w in terms.items() if w > 0 and "_" not in t}
    named = [i for i, name in enumerate(names) if i > 0 and words & set(tokenize_passage(name))]
    # ... or the two it names: "accountant vs admin, what's the difference?" got the permissions grid of all five
    # roles (round 40).
    if not 1 <= len(named) <= 2:
        return table
    kept = [0, *named]

    def kept_cells(row: str) -> list[str]:
        cells = row_cells(row)
        return [cells[i] if i < len(cells) else "" for i in kept]

    if compares and len(named) == 2:
        # Two compared ("what's the difference"): the rows where they differ ("| Manage users | Yes | No |"), when
        # any do. Not for two only named: "do admin and accountant both see reports?" asks the row where they agree.
        rows = [row for row in rows if plain_text(kept_cells(row)[1]) != plain_text(kept_cells(row)[2])] or rows
    cut = ["| " + " | ".join(kept_cells(row)) + " |" for row in (header[0], *rows)]
    return "\n".join([cut[0], "|" + "---|" * len(kept), *cut[1:]])


# How many columns, each headed by one word, make a table a comparison of things (plans, platforms).
COMPARED_COLUMNS = 3
# A column heading that names one thing: one word with a capital ("Plus", "Business", "iPhone").
_ONE_NAME = re.compile(r"(?=[^|]*[A-Z])[A-Za-z][A-Za-z-]*")


def _with_spanned_rows(rows: Sequence[str], chosen: set[int]) -> list[str]:
    """The ``chosen`` rows with the rows their first cell spans: a row whose first cell is empty goes on the row
    above it (a troubleshooting table's "| The robot does not charge | Dirty charging contacts | ..." and then
    "|  | The station has no power | ...", one problem with two causes, printed as a cell spanning two rows)."""

    def continues(i: int) -> bool:
        return i > 0 and not row_cells(rows[i])[0].strip()

    spanned = set(chosen)
    for i in chosen:
        start = i
        while continues(start):
            start -= 1
        end = i
        while end + 1 < len(rows) and continues(end + 1):
            end += 1
        spanned.update(range(start, end + 1))
    return [rows[i] for i in sorted(spanned)]
