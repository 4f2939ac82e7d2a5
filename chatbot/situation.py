"""The situation a customer tells before asking, read for what the help centre can know of it.

Customers often tell their story first: "Hi, this is Aoife from Harbour Lane Design. We're a three-person studio and
we renewed our annual Business plan on the 2nd ... Is it too late to get that annual payment back?". Searched
whole, its names, places and story are words no article uses, and the confidence reads them as a question about
something the help centre does not cover: of 90 such messages a blind helper wrote for the three bundled help
centres (evals/graded/situational-round35-probe.jsonl), 65 got "I'm not sure" although an article answers them.

:func:`situation_focus` keeps whole the sentences that ask (ending with "?") and the last one (a name there is
what is asked about: "Is there a timesheet in Lumo?", "any student discount? just started uni") and drops, from the
other sentences, the words the knowledge base never uses and cannot read as a typo of its own. The answerer asks
that text only when the message as typed got no confident answer (chatbot/answering.py), so a message answered as
typed is never changed; and what it finds is suggested ("I'm not sure", that article first), never answered: on
two held-out probes (evals/graded/situational-round36*-heldout.jsonl) its confident answers were right 20 times in
34, with confidences alike for right and wrong ones (round 36). The dropped words are sometimes what the
question is about ("my own Asus gaming router ... can I plug it into the ONT?" read as the hub's set-up steps).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from chatbot.keyword import has_cjk

# A sentence ends with ., ! or ? before a space or a line break ("... on the 2nd. It's the 19th today.").
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def tells_a_story(message: str) -> bool:
    """Whether ``message`` has more than one sentence (and is not Chinese): there may be a story before it asks."""
    return not has_cjk(message) and len(_sentences(message)) > 1


def situation_focus(message: str, keeps: Callable[[str], bool]) -> str | None:
    """``message`` with the words ``keeps`` does not keep dropped from its sentences that neither ask nor end it;
    None when it tells no story (:func:`tells_a_story`) or nothing is dropped."""
    if not tells_a_story(message):
        return None
    sentences = _sentences(message)
    last = len(sentences) - 1
    focused = [
        sentence if i == last or _asks(sentence) else _WORD.sub(_kept(keeps), sentence)
        for i, sentence in enumerate(sentences)
    ]
    if focused == sentences:
        return None
    return re.sub(r"\s{2,}", " ", " ".join(focused)).strip()


def _sentences(message: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(message.strip()) if s.strip()]


def _asks(sentence: str) -> bool:
    # "any student discount? just started uni": the question comes first, and its words are what it asks about.
    return sentence.rstrip().endswith("?")


def _kept(keeps: Callable[[str], bool]) -> Callable[[re.Match[str]], str]:
    return lambda match: match.group() if keeps(match.group()) else ""
