"""What the headings over a chunk say about the question: which action a procedure performs, which case it is for,
and how much of the question they name. Headings tell help-centre sections apart ("## Connect a bank account" and
"## Disconnecting a bank" share every word but the verb), so the anchor search (anchor.py) weighs them beside a
sentence's own words."""

from __future__ import annotations

import re
from collections.abc import Sequence

from chatbot.actions import LIGHT_VERBS, names_another_action, procedure_verbs, starts_using
from chatbot.composer.question import Question, overlap
from chatbot.composer.units import Unit
from chatbot.keyword import passage_terms, tokenize
from chatbot.synonyms import PARTICLES
from chatbot.types import ScoredChunk

# Verbs that carry no subject of their own: the light ones ("get", "go", "have") and the ones reporting what someone
# said ("an email saying our price is going up"). The rarest word of "we just got an email saying our price is going
# up but we only joined in february??" was "saying", which no heading names, so "## Joined recently?" (the rise is
# skipped for contracts started after 1 January) lost to the article's opening (round 43, an unseen help centre's dev
# answers graded Poor).
_NO_FOCUS = frozenset(tokenize(" ".join([*LIGHT_VERBS, "say says saying said tell tells telling told"])))


def heading_focus(chunks: Sequence[ScoredChunk], asked: Question, title: str) -> str | None:
    """The question's rarest word beyond the article's title, when a heading over one of ``chunks`` names it."""
    named_by_title = set(passage_terms(title))
    # A word directly before one of the title's ("card" in "who gets the email when our card payment fails", of
    # "What happens when a payment fails") says which kind of the article's subject is meant, and the whole article
    # is about that: it is no section's word. As the focus, it sank "When a charge fails, we email the account
    # Owner and the billing contact" for not saying "card", and "## Common reasons cards are declined" answered.
    # Dev splits: no answer changed.
    qualifiers = {first for first, second in asked.adjacent if second in named_by_title}
    words = {
        t: w
        for t, w in asked.beyond(title, 0.0).items()
        if "_" not in t and w > 0 and t not in qualifiers and t not in _NO_FOCUS
    }
    # A word of the clause that asks, not of the situation told before it: "declined" in "card declined on renewal,
    # when do we retry the charge" sank the retry schedule for "## Common reasons cards are declined".
    words = {t: w for t, w in words.items() if t in asked.asking} or words
    if not words:
        return None
    focus = max(sorted(words), key=lambda t: words[t])  # sorted: equal weights give the same word every time
    named = any(focus in passage_terms(" ".join(c.chunk.heading_path)) for c in chunks if c.chunk.heading_path)
    return focus if named else None


def names_action(chunks: Sequence[ScoredChunk], action: frozenset[str]) -> bool:
    """Whether any of ``chunks`` (their text or headings) names one of the ``action`` stems."""
    return bool(action) and any(
        action & set(passage_terms(" ".join((c.chunk.text, *c.chunk.heading_path)))) for c in chunks
    )


def for_another_action(unit: Unit, chunk: ScoredChunk, action: frozenset[str]) -> bool:
    """Whether a step belongs to a procedure for another action: its heading starts with another action's verb,
    and neither the step nor its headings name the asked one."""
    path = chunk.chunk.heading_path
    if not path or not names_another_action(path[-1], action):
        return False
    return not action & set(passage_terms(" ".join((unit.text, *path))))


# A section about fixing something: "## Troubleshooting", "## Fix a note that shows code", "### Error codes",
# "### Transactions are missing". Not "if ..." or "... isn't ...": "## If you lose your phone" and "### My bank isn't
# in the list" are cases of their own, which their own words match.
_FIX_HEADING = re.compile(r"\b(?:fix|fixing|troubleshoot\w*|problems?|errors?|missing)\b", re.IGNORECASE)


# A heading over the reasons for something ("## Common reasons cards are declined", "## Why Lumo shows HTML as text").
_REASONS_HEADING = re.compile(r"^\s*(?:(?:common|possible|typical)\s+)?(?:reasons?|causes?)\b|^\s*why\b", re.I)


def gives_reasons(chunk: ScoredChunk) -> bool:
    """Whether ``chunk``'s section gives the reasons for something (its last heading says so)."""
    path = chunk.chunk.heading_path
    return bool(path) and bool(_REASONS_HEADING.search(path[-1]))


def names_a_fix(chunk: ScoredChunk) -> bool:
    """Whether one of ``chunk``'s headings says its section fixes something."""
    return bool(_FIX_HEADING.search(" ".join(chunk.chunk.heading_path)))


def heading_says(chunk: ScoredChunk, asked: Question, terms: dict[str, float]) -> float:
    """How much of ``terms`` (the question's, or some of them) ``chunk``'s headings say. For "how do I set up
    ...?", a last heading that starts using something says "set up", and what the article's title says too, when
    they name the question's rarest word: "## Connect a bank account" of "Connecting your bank account and fixing bank
    feed problems" says all of "how do I set up bank feeds?". Not "## Create an API key" for "how do I set up a
    sandbox API key?": the sandbox has its own section."""
    path = chunk.chunk.heading_path
    verbs = asked.set_up if path and starts_using(path[-1]) else frozenset()
    # ... and so does a last heading naming the very action asked: "## Turn on 2FA with an authenticator app" of
    # "Turning on two-factor authentication (2FA)" says all of "how do i turn on two factor", which "## Require 2FA
    # for everyone" does not, though its second step reads "Turn on **Require two-factor authentication**".
    verbs = verbs or (_action_named(path[-1], asked) if path and asked.is_how_to else frozenset())
    if verbs:
        said = passage_terms(" ".join((chunk.chunk.title, *path)))
        words = {t: w for t, w in asked.terms.items() if "_" not in t and t not in verbs}
        rarest = max(sorted(words), key=lambda t: words[t], default=None)
        if rarest in said:
            return sum(w for t, w in terms.items() if t in said or t in verbs)
    return overlap(" ".join(path), terms)


def _action_named(heading: str, asked: Question) -> frozenset[str]:
    """The asked action's stems when ``heading`` starts with its verb, and with its particle too if it has one: "Turn
    on 2FA" for "how do i turn on two factor", never for "turn off"."""
    words = re.findall(r"[^\W\d_]+", heading.lower())
    if not words or not asked.action & set(tokenize(words[0])):
        return frozenset()
    if len(words) > 1 and words[1] in PARTICLES and words[1] not in asked.particles:
        return frozenset()
    return asked.action & set(tokenize(words[0]))


# A heading naming the case its section is for ("## If you lose your phone", "## When the payment is still unpaid").
_CASE_HEADING = re.compile(r"^\s*(?:if|when|in case)\b", re.IGNORECASE)


def for_unstated_case(chunk: ScoredChunk, terms: dict[str, float]) -> bool:
    """Whether ``chunk`` is under a heading naming a case the question says nothing of: its steps are for that
    case ("2. ... set up 2FA again on your new phone" under "## If you lose your phone" for "how do I set up
    2FA?")."""
    path = chunk.chunk.heading_path
    return bool(path) and bool(_CASE_HEADING.match(path[-1])) and not terms.keys() & set(passage_terms(path[-1]))


# The share of a case heading's words the question must say for the case to be the customer's.
STATED_CASE_SHARE = 0.6


def for_stated_case(chunk: ScoredChunk, terms: dict[str, float]) -> bool:
    """Whether ``chunk`` is under a heading naming a case the question tells as its own: "my speeds slow on wifi but
    fine wen i plug in a cable" and "## If the wired speed is fine but wifi is slow" (an unseen help centre, round
    32: "If only one service is slow and speed tests are fine, ..." from another section was quoted)."""
    path = chunk.chunk.heading_path
    if not path or not _CASE_HEADING.match(path[-1]):
        return False
    said = {t for t in passage_terms(path[-1]) if "_" not in t}
    return bool(said) and len(said & terms.keys()) >= STATED_CASE_SHARE * len(said)


def performs(chunk: ScoredChunk, done: frozenset[str]) -> bool:
    """Whether ``chunk`` is a procedure for an action the customer has already done: its heading names the action
    (chatbot/actions.procedure_verbs: "Disconnecting a bank" after "I disconnected the bank feed, ...")."""
    path = chunk.chunk.heading_path
    return bool(done) and bool(path) and bool(procedure_verbs(path[-1]) & done)
