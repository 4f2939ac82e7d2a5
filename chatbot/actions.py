"""The action a question asks to do: the verb of "how do I *delete* ...", "can I *export* ...".

Customers name the action and its object; help centres often describe several actions on one object side by side
("Connect a bank account", "Disconnecting a bank"), so a passage that names the object but not the action explains
something else about it. The confidence features (chatbot/confidence.py) and the composer's choice of steps
(chatbot/composer/anchor.py, headings.py) both read the action from here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from chatbot.keyword import tokenize
from chatbot.synonyms import SYNONYMS

# "how do I <verb>", "can I <verb>", "where do I <verb>": the verb is what the customer wants to do.
ACTION_RE = re.compile(
    r"^\s*(?:how\s+(?:do|can|should|would)\s+(?:i|we|you)|how\s+to|can\s+(?:i|we|you)|"
    r"where\s+(?:do|can)\s+(?:i|we)|is\s+it\s+possible\s+to|i\s+(?:want|need)\s+to)\s+([a-z]+)",
    re.IGNORECASE,
)
# Verbs that do not say which procedure answers: the words after them do ("get rid of", "make a copy", "use 2FA").
LIGHT_VERBS = frozenset("be do get go have keep let make put see set take try use find know want need give".split())
# Verbs the passage that answers seldom says, so the confidence does not count them missing: "set" ("how do I set
# up PayPal?" is answered by "Click Connect"). Until tokenizer 9 the menu name "Settings" stood in for it (the same
# stem) in nearly every passage holding steps; without it, right answers fell to "I'm not sure" (0.75 -> 0.30).
UNSAID_VERBS = frozenset({"set", "setup"})
# Verbs whose opposite in a passage means the passage answers the other question ("disconnect" for "connect").
OPPOSITE_WORDS = (
    "connect disconnect, add remove, add delete, enable disable, upgrade downgrade, install uninstall, lock unlock, "
    "archive unarchive, subscribe unsubscribe, open close, start stop, pair unpair, mute unmute, show hide, "
    "increase decrease, import export, link unlink"
)

# Verbs that start the headings of procedures ("Create an API key", "Revoke a key") beyond those above, and the
# actions customers name with another verb of this table: "add an invoice" is done under "Create an invoice",
# "revoke a key" is deleting it. "How do I revoke an API key?" got the steps under "Create an API key" (the same
# first step, "Go to Settings > Developer > API keys", and the heading says "API key" twice) before the
# "Revoke a key" steps.
PROCEDURE_VERBS = "create revoke renew reset cancel update export import send close transfer"
SAME_ACTIONS = "add create, delete revoke, remove revoke"


@lru_cache(maxsize=1)
def opposites() -> dict[str, frozenset[str]]:
    """The pairs of OPPOSITE_WORDS as stems (the keyword tokenizer's), both ways round."""
    pairs: dict[str, set[str]] = {}
    for pair in OPPOSITE_WORDS.split(","):
        first, second = (tokenize(word)[0] for word in pair.split())
        pairs.setdefault(first, set()).add(second)
        pairs.setdefault(second, set()).add(first)
    return {word: frozenset(others) for word, others in pairs.items()}


@lru_cache(maxsize=1)
def action_verbs() -> frozenset[str]:
    """Stems of the support actions this module knows a name of (the opposites, the synonym table's verbs): a
    heading that starts with one of them names a procedure's action ("Connect a bank account"); one that starts
    with another word may name the asked action in other words ("Invite a user" for "add a user")."""
    words = {word for pair in OPPOSITE_WORDS.split(",") for word in pair.split()} | set(PROCEDURE_VERBS.split())
    words |= {word for word in SYNONYMS if word.isalpha()}
    words |= {option for options in SYNONYMS.values() for option in options if option.isalpha()}
    return frozenset(stem for word in words - LIGHT_VERBS for stem in tokenize(word))


# Verbs that open a search-box query asking for a procedure ("connect stripe", "invite team member"): the actions of
# the tables above, not their synonyms' other words ("password" for "pwd", "user" for "colleague").
STEP_VERBS = "invite change edit enable disable activate deactivate void restore resend download upload turn setup"


@lru_cache(maxsize=1)
def step_verb_words() -> frozenset[str]:
    """The verbs of step_verbs() as written (base forms, not stems): "change", not "changed" or "changes"."""
    words = {word for pair in OPPOSITE_WORDS.split(",") for word in pair.split()}
    return frozenset((words | set(PROCEDURE_VERBS.split()) | set(STEP_VERBS.split())) - LIGHT_VERBS)


@lru_cache(maxsize=1)
def step_verbs() -> frozenset[str]:
    """Stems of the verbs a search-box query may open with to ask for a procedure's steps."""
    words = {word for pair in OPPOSITE_WORDS.split(",") for word in pair.split()}
    words |= set(PROCEDURE_VERBS.split()) | set(STEP_VERBS.split())
    return frozenset(stem for word in words - LIGHT_VERBS for stem in tokenize(word))


# "How do I set up 2FA?" asks to start using something. The procedure that does says so with another verb in its
# heading ("## Turn on 2FA with an authenticator app", "## Connect a bank account", "## Create an invoice"), while
# "set up" in a text is often something else: "set up 2FA again on your new phone" under "## If you lose your phone".
# "set up", "set-up", "set it up", "set Stripe up".
_SETS_UP = re.compile(r"(?:\s*-\s*|\s+(?:[\w-]+\s+){0,2}?)up\b", re.IGNORECASE)
# A heading starting with one of these verbs, as an imperative or an "-ing" ("Connect Stripe", "Turning on 2FA"),
# starts using something; "Connection problems", "Active sessions", "Add-ons" and "Setup fees" do not.
_STARTS_USING = re.compile(
    r"^\s*(?:(?:turn|switch)(?:ing)?\s+on|set(?:ting)?(?:\s+|\s*-\s*)up|enabl(?:e|ing)|activat(?:e|ing)"
    r"|connect(?:ing)?|creat(?:e|ing)|add(?:ing)?|invit(?:e|ing)|install(?:ing)?)(?![\w-])",
    re.IGNORECASE,
)


def asks_to_set_up(question: str) -> bool:
    """Whether ``question`` asks how to set something up ("how do I set up 2FA?", "how to setup Stripe")."""
    match = ACTION_RE.match(question)
    if match is None:
        return False
    verb = match.group(1).lower()
    return verb == "setup" or (verb == "set" and bool(_SETS_UP.match(question, match.end())))


def starts_using(heading: str) -> bool:
    """Whether ``heading`` names a procedure that starts using something ("Turn on multi-currency", "Connect
    Stripe", "Create an API key", "Setting up VAT"): the answer to "how do I set it up?"."""
    return bool(_STARTS_USING.match(heading))


# "How do I turn off reminders?": the particle is a stop word, so the search reads "turn", which the steps to turn
# the thing *on* say too. The words between the verb and "off", or after it, name the thing.
_TURNS_OFF = re.compile(r"\s+((?:[\w-]+\s+){0,3}?)off\b", re.IGNORECASE)
_OBJECT = re.compile(r"\s*((?:[\w-]+\s*){0,4})")


def turned_off_object(question: str) -> str | None:
    """What ``question`` asks how to turn off: "reminders" in "how do I turn off reminders?", "how do I turn the
    reminders off?", "can I switch off reminders?", and after a verb the synonym table reads as "turn off"
    ("how do I deactivate reminders?": a help centre that says "deactivated" is searched for that word, and the
    steps to turn reminders on were quoted, 0.66). "" when it names nothing; None when it asks no such thing
    ("How do I turn Remote Management on or off?" asks for both)."""
    match = ACTION_RE.match(question)
    if match is None:
        return None
    verb = match.group(1).lower()
    if verb in _turning_off_verbs():
        return _words_from(question, match.end())
    off = _TURNS_OFF.match(question, match.end()) if verb in ("turn", "switch") else None
    if off is None or "on" in off.group(1).lower().split():
        return None
    between = off.group(1).strip()
    return between or _words_from(question, off.end())


def _words_from(question: str, start: int) -> str:
    """The few words of ``question`` from ``start`` on (what an action is done to)."""
    words = _OBJECT.match(question, start)
    return words.group(1).strip() if words else ""


@lru_cache(maxsize=1)
def _turning_off_verbs() -> frozenset[str]:
    """The one-word verbs the synonym table reads as "turn off" ("disable", "deactivate")."""
    return frozenset(word for word, options in SYNONYMS.items() if "turn off" in options)


def asked_verb(question: str) -> str | None:
    """The verb of the action ``question`` asks to do, lower-cased; None when it asks no action."""
    match = ACTION_RE.match(question)
    return match.group(1).lower() if match else None


# "I disconnected the bank feed, ...", "if I upgrade mid-month, ...": the customer has done (or would do) the
# action, and asks what follows from it. A regular past tense after "I"/"we" ("I've", "ive", "I just", "I
# accidentally"), or the verb after "if/after/once/since I".
_SUBJECT = r"(?:i|we)(?:['’](?:ve|d))?|ive|weve"
_BEFORE_VERB = r"(?:(?:have|had|just|already|\w+ly)\s+)*"
_DONE_RE = re.compile(
    rf"\b(?:{_SUBJECT})\s+{_BEFORE_VERB}(?P<past>[a-z]+ed)\b"
    rf"|\b(?:if|after|once|since)\s+(?:{_SUBJECT})\s+{_BEFORE_VERB}(?P<verb>[a-z]+)\b",
    re.IGNORECASE,
)
# A question that asks for steps anywhere ("if I lose my phone, how do I sign in?") wants the procedure for its
# situation, whatever the situation's verb.
_ASKS_STEPS = re.compile(
    r"\bhow\s+(?:do|can|should|would)\s+(?:i|we|you)\b|\bhow\s+to\b|\bwhere\s+(?:do|can)\s+(?:i|we)\b"
    r"|\bwhat\s+(?:do|should)\s+(?:i|we)\s+do\b",
    re.IGNORECASE,
)


def done_action_stems(question: str) -> frozenset[str]:
    """The stems of the action ``question`` says the customer has done, or is about to do, when it asks what
    follows rather than how to do it: "disconnect" in "I disconnected the bank feed, are the old transactions
    still there?". Only an action this module knows (:func:`action_verbs`: "I need", "I tried", "we embed" are
    none); empty when the question asks for steps."""
    if _ASKS_STEPS.search(question):
        return frozenset()
    for match in _DONE_RE.finditer(question):
        word = (match.group("past") or match.group("verb")).lower()
        stems = frozenset(tokenize(word)) & action_verbs()
        if stems:
            return stems
    return frozenset()


def procedure_verbs(heading: str) -> frozenset[str]:
    """The stems of the actions ``heading`` names a procedure for: its first word, and the first word after "or" /
    "and", when it is an action verb this module knows, as an imperative or an "-ing" ("Change a role or remove a
    user" -> change, remove; "Disconnecting a bank"). Not "Deleted invoices" (what is in a list), "If you remove a
    user" (what follows it), nor "Restore a deleted invoice"."""
    verbs = set()
    for part in re.split(r"\b(?:or|and)\b", heading, flags=re.IGNORECASE):
        words = re.findall(r"[^\W\d_]+", part.lower())
        if not words or words[0].endswith("ed"):
            continue
        verbs |= set(tokenize(words[0])) & action_verbs()
    return frozenset(verbs)


def action_stems(question: str) -> frozenset[str]:
    """The asked action's verb and its one-word synonyms (chatbot/synonyms.py and SAME_ACTIONS, both ways round) as
    the keyword index's stems: "delete" is also said "remove" or "erase". Empty when the question asks no action,
    or one by a light verb ("how do I get rid of ...")."""
    verb = asked_verb(question)
    if verb is None or verb in LIGHT_VERBS:
        return frozenset()
    words = {verb, *(w for w in SYNONYMS.get(verb, ()) if " " not in w)}
    words |= {word for word, options in SYNONYMS.items() if verb in options}
    words |= {word for pair in SAME_ACTIONS.split(",") if verb in pair.split() for word in pair.split()}
    return frozenset(stem for word in words for stem in tokenize(word))


# "To remove the account and its transactions completely, choose **Delete account** instead": a sentence that opens
# with what it is for.
_PURPOSE = re.compile(r"^\s*(?:\d+[.)]\s*)?(?:\*\*)?to\s+([a-z]+)\b", re.IGNORECASE)


def for_another_purpose(sentence: str, action: frozenset[str]) -> bool:
    """Whether ``sentence`` opens by saying it is for a known action other than ``action`` (stems): it says how to
    do that one, whatever else it mentions on the way."""
    purpose = _PURPOSE.match(sentence)
    if purpose is None:
        return False
    stems = tokenize(purpose.group(1))
    return bool(stems) and stems[0] in action_verbs() and stems[0] not in action


def names_another_action(heading: str, action: frozenset[str]) -> bool:
    """Whether ``heading`` starts with a known action verb other than ``action`` (stems): "Connect a bank account"
    for "delete", not "Invite a user" for "add" (invite is no verb this module knows, so it may be the same
    action in other words) nor "Delete or disconnect a bank" for "delete"."""
    words = tokenize(heading)
    return bool(words) and words[0] in action_verbs() and not action & set(words)
