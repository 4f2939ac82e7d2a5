"""The answerer: question (+ history, audience) -> grounded answer with citations, or an honest "I don't know"."""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatbot.actions import turned_off_object
from chatbot.codes import unknown_error_codes
from chatbot.composer import (
    ComposerSettings,
    Composition,
    ExtractiveComposer,
    asks_how_to,
    asks_open_question,
    asks_price,
    leaves_amount_unsaid,
    leaves_notice_unsaid,
    leaves_record_unsaid,
    prices_something_else,
    quantity_asked,
    render,
    states_money,
    states_price_asked,
)
from chatbot.composer.contact import asks_for_phone_number, states_phone_number
from chatbot.confidence import MODEL_PATH as SHIPPED_MODEL_PATH
from chatbot.confidence import ConfidenceModel, OperatingPoints, confidence_features
from chatbot.config import Settings
from chatbot.embedders import Vectors
from chatbot.followups import (
    Turn,
    asks_for_variant,
    asks_how_long_of_it,
    names_nothing,
    retrieval_query,
    said_before,
    says_a_word_asked,
    sentences_saying,
    swapped_question,
)
from chatbot.grounding import check_reply
from chatbot.intents import (
    Intent,
    asks_for_a_person,
    conversation_around,
    detect_intent,
    without_email_addresses,
    without_pleasantries,
)
from chatbot.keyword import has_cjk, tokenize, tokenize_passage
from chatbot.language import detect_language, message
from chatbot.multipart import question_parts
from chatbot.names import asked_names, names_another_articles_subject
from chatbot.prompts import AnswerWriter, build_passages
from chatbot.retrieval import HybridRetriever, RetrievalResult
from chatbot.runtime import Runtime
from chatbot.situation import situation_focus, tells_a_story
from chatbot.synonyms import phrase_object, phrases_added, says_action
from chatbot.types import Answer, Audience, Chunk, Citation, EmbeddedText, ScoredChunk, ScoredDocument, SourceRef
from chatbot.unknown_names import mostly_unknown, unknown_asked_about

log = logging.getLogger(__name__)

MAX_SOURCES = 10
MAX_RELATED = 3
# Cosine between the question and an FAQ entry's question above which the FAQ's own answer is returned as is.
FAQ_MATCH_SIMILARITY = 0.82
# A follow-up whose answer was said already moves on to another article only when that one scored at least this
# share of the best (the composer's rule for an article with steps: one on the same topic scores close, one on
# another topic far below).
FOLLOW_UP_SCORE_SHARE = ComposerSettings.steps_score_share
# How many of the next articles found may answer a price question whose first article prices something else
# (_price_elsewhere): the plans article was third for "How much does the Business plan cost?".
PRICE_ELSEWHERE_DOCUMENTS = 3
# What finds a help centre's contact article (_phone_elsewhere).
CONTACT_QUERY = "How can I contact customer support by phone? What is the phone number to call?"
# An FAQ answer's opening verdict ("Yes.", "No.", "可以。", or "No," opening its first sentence: "No, a key is shown
# only once ..."): it answers the entry's question.
# An answer whose first words point back at something said before them ("Forward them to ...", "They sync ...").
# Words pointing back at what was said before: near the start of a sentence any of these, anywhere in its first
# sentence "them" or "they" ("Press ? anywhere in the web app to see them all", of "Does Lumo have keyboard
# shortcuts?"; "it" and "this" are often the thing the sentence itself introduces).
_REFERS_BACK = re.compile(
    r"^(?:\S+\s+){0,2}(?:it|its|them|they|this|that|these|those)\b|^[^.!]*\b(?:them|they)\b", re.IGNORECASE
)
# What is left of "Yes, on the Business plan, which ..." without its "Yes,": a phrase qualifying the verdict.
_VERDICT_COMMA = re.compile(r"^(?:yes|no),", re.IGNORECASE)
_QUALIFIES = re.compile(r"^(?:on|in|for|with|only|but|if|as long as|unless|from|within|after|before|at|by)\b", re.I)
# ... or a few words ending the verdict's sentence: "Yes, free of charge." read "Free of charge." (of the large-print
# bills entry, round 40).
_FRAGMENT = re.compile(r"^[^.!?\s]+(?:\s+[^.!?\s]+){0,3}[.!]", re.IGNORECASE)
BARE_VERDICT = re.compile(
    r"^(?:(?:yes|no)[.!,]\s+|(?:是的|是|不是|可以|不可以|能|不能|不)[。！，,]\s*)(?=\S)", re.IGNORECASE
)
# "Yes, once." answers "Can I appeal against a claim decision?", and its "once" "how many times?": not "How long do
# I have to appeal a claim decision?", which got "Once. Appeal within 14 days ..." (round 33).
_BARE_COUNT = re.compile(r"^(?:once|twice)[.!]\s+(?=\S)", re.IGNORECASE)


@dataclass(frozen=True)
class AnswerEvent:
    """A streaming event: ``delta`` carries text as it is produced, ``answer`` the final :class:`Answer`."""

    kind: str
    text: str = ""
    answer: Answer | None = None


@dataclass(frozen=True)
class Calibration:
    """The two models and their thresholds: ``model`` predicts "this answer is right" and answers at or above
    ``threshold``; ``scope_model`` predicts "the knowledge base covers this question": below ``scope_threshold``
    the reply is "I don't know", between the two "I'm not sure" with the closest articles."""

    model: ConfidenceModel
    threshold: float
    scope_model: ConfidenceModel | None = None
    scope_threshold: float = 0.0


def load_calibration(settings: Settings) -> Calibration:
    """``answerdesk calibrate``'s file in the data dir if there is one, else the calibration shipped with
    answerdesk. The answer threshold is the one that reached ``ANSWERDESK_TARGET_PRECISION`` on the calibration
    questions; ``ANSWERDESK_ABSTAIN_THRESHOLD`` overrides it."""
    path = settings.calibration_path if settings.calibration_path.exists() else SHIPPED_MODEL_PATH
    try:
        calibration = _read_calibration(path, settings.target_precision)
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("ignoring unreadable calibration file %s; using the shipped one", path)
        calibration = _read_calibration(SHIPPED_MODEL_PATH, settings.target_precision)
    if settings.abstain_threshold is not None:
        calibration = dataclasses.replace(calibration, threshold=settings.abstain_threshold)
    return calibration


def _read_calibration(path: Path, target_precision: float) -> Calibration:
    points = OperatingPoints.load(path)
    scope = ConfidenceModel.load(path, part="scope") if points.scope is not None else None
    return Calibration(ConfidenceModel.load(path), points.for_precision(target_precision), scope, points.scope or 0.0)


class Answerer:
    def __init__(
        self,
        retriever: HybridRetriever,
        threshold: float = 0.5,
        confidence_model: ConfidenceModel | None = None,
        composer: ExtractiveComposer | None = None,
        writer: AnswerWriter | None = None,
        scope_model: ConfidenceModel | None = None,
        scope_threshold: float = 0.0,
    ) -> None:
        self.retriever = retriever
        self.threshold = threshold
        self.confidence_model = confidence_model or ConfidenceModel.load()
        # A question the in-scope model rejects gets "I don't know"; one it accepts is answered at or above the
        # threshold, else "I'm not sure" with the closest articles (see Calibration).
        self.scope_model = scope_model
        self.scope_threshold = scope_threshold
        self.composer = composer or ExtractiveComposer(ComposerSettings())
        self.writer = writer
        # Whether a message asking several things is answered part by part (chatbot/multipart.py). Calibration
        # turns it off: it answers at threshold 0, where every part would pass and be joined, and it must label
        # the evidence of the question as asked.
        self.split_messages = True
        self._faq_vectors: dict[tuple[str, int], Vectors] = {}
        self._faq_lock = threading.Lock()

    # -- public API ---------------------------------------------------------------------------------------------
    def set_calibration(self, calibration: Calibration) -> None:
        """Use another calibration (the eval runs over an index of their own, with the user's calibration)."""
        self.confidence_model = calibration.model
        self.threshold = calibration.threshold
        self.scope_model = calibration.scope_model
        self.scope_threshold = calibration.scope_threshold

    def answer(self, question: str, history: Sequence[Turn] = (), audience: Audience = "internal") -> Answer:
        return _final(self.stream(question, history, audience))

    def stream(
        self, question: str, history: Sequence[Turn] = (), audience: Audience = "internal"
    ) -> Iterator[AnswerEvent]:
        started = time.perf_counter()
        question = question.strip()
        language = detect_language(question)
        intent = detect_intent(question)
        if intent is None and not history and names_nothing(question):
            # "how long will it take?" as a first message: nothing for "it" to be. Asking is better than the
            # closest article's guess, and it is no knowledge gap.
            intent = Intent("clarify", ())
        if intent is not None:
            # "hi", "thanks!", "bye", "I want a person": conversation, not a question (chatbot/intents.py). A short
            # reply or the hand-off offer, no retrieval, never a gap.
            reply = _conversation_reply(question, intent, language, history)
            reply.latency_ms = (time.perf_counter() - started) * 1000.0
            yield AnswerEvent("delta", text=reply.answer)
            yield AnswerEvent("answer", answer=reply)
            return
        # "good morning, how do I ...": the question is searched and answered without the greeting; the reply keeps
        # the message as typed (stored, shown in the gap queue).
        asked = without_email_addresses(without_pleasantries(question))
        if self.writer is None and tells_a_story(asked):
            # A story told before the question (chatbot/situation.py): asked as typed first, then, if that finds no
            # confident answer, without the story's words no article uses. What that second reading finds is
            # suggested ("I'm not sure", its article first), not answered: its confident answers were right 34 times
            # in 43 on the messages it was built with and 20 in 34 on two held-out probes (round 36), the confidence
            # alike for right and wrong ones (a customer's own router read as the hub's set-up steps once "Asus"
            # was dropped). As a gap it reaches the editors.
            reply = _final(self._answer_message(asked, history, audience, language, started, question))
            focus = situation_focus(asked, self._keeps_word(audience)) if reply.is_gap and not reply.intent else None
            if focus is not None:
                focused = _final(
                    self._stream_question(focus, history, audience, language, started, question, suggest=True)
                )
                reply = focused if focused.suggested_instead else reply
            reply.latency_ms = (time.perf_counter() - started) * 1000.0
            yield AnswerEvent("delta", text=reply.answer)
            yield AnswerEvent("answer", answer=reply)
            return
        yield from self._answer_message(asked, history, audience, language, started, question)

    def _answer_message(
        self,
        asked: str,
        history: Sequence[Turn],
        audience: Audience,
        language: str,
        started: float,
        question: str,
    ) -> Iterator[AnswerEvent]:
        """The answer to ``asked`` (the message ``question`` as searched), in parts when it asks several things."""
        # An LLM answers every part itself.
        parts = question_parts(asked) if self.split_messages and self.writer is None else [asked]
        if len(parts) > 1:
            reply = _final(self._stream_question(asked, history, audience, language, started, typed=question))
            answers = self._answer_parts(parts, history, audience)
            confident = [a for a in answers if a is not None]
            idf = self._idf(audience)
            joined = _joined(asked, confident, language, idf) if len(confident) == len(answers) else None
            cited_by_parts = {c.id for c in joined.citations} if joined is not None else set()
            found_by_a_part = bool(reply.citations) and reply.citations[0].id in cited_by_parts
            if joined is not None and (reply.is_gap or found_by_a_part):
                # The message as one question got no confident answer, or an answer from a passage one of its parts
                # finds alone ("how do I add a user and what does it cost on Business?": the extra-user price, and
                # no invite steps): each part on its own. A passage that none of the parts finds alone is about
                # them together (a manual's section on "signing in to a Samsung account and the Bixby guide"), and
                # answers the message whole.
                reply = joined
            elif joined is None and not reply.is_gap and reply.citations:
                reply = self._completed(reply, parts, answers, history, audience)
            reply.question = question
            reply.latency_ms = (time.perf_counter() - started) * 1000.0
            yield AnswerEvent("delta", text=reply.answer)
            yield AnswerEvent("answer", answer=reply)
            return
        yield from self._stream_question(asked, history, audience, language, started, typed=question)

    def _stream_question(
        self,
        question: str,
        history: Sequence[Turn],
        audience: Audience,
        language: str,
        started: float,
        typed: str | None = None,
        suggest: bool = False,
    ) -> Iterator[AnswerEvent]:
        """The answer to ``question`` as one question (no small talk: :meth:`stream` has ruled it out); ``typed``:
        the message as typed, when ``question`` is it without its opening pleasantries (the reply's question).
        ``suggest``: a confident answer is given as "I'm not sure" with its article first (``suggested_instead``)."""
        typed = question if typed is None else typed
        names, siblings = self._names(audience), self._siblings(audience)
        query = retrieval_query(question, history, names, siblings)
        swapped = swapped_question(question, history, names, siblings)
        if swapped is not None:
            # "and on Plus?" after "How much does the Business plan cost?" is that question of Plus (searched with
            # the new name once more), answered and checked as one: searched beside the first, it got the
            # extra-users FAQ naming both plans, and the price checks never saw a price asked (round 39).
            question, history = swapped, []
        result = self.retriever.retrieve(query, audience, k=MAX_SOURCES)
        compose_started = time.perf_counter()
        idf = self._idf(audience)
        faq_document, faq_similarity = self._faq_match(result)
        if faq_document is None:
            faq_document = self._faq_below_article(result)
        if query != question:
            # A follow-up was searched together with the previous question, which dominates the match: an FAQ
            # entry close to that text answers the previous question again, not this one.
            faq_document = None
        top = result.documents[0] if result.documents else None
        top_faq_similarity = self._faq_similarity(top, result) if top is not None and top.kind == "faq" else None
        features = confidence_features(result, idf, faq_similarity, top_faq_similarity)
        # An FAQ match is one of the features (faq_similarity), not an override: a close FAQ question about
        # something else ("refund to card" vs "refund in cash") must not lift a wrong answer over the threshold.
        confidence = self.confidence_model.probability(features)
        sources = [SourceRef(d.doc_id, d.title, d.score, d.url) for d in result.documents]
        answer = Answer(
            question=question,
            answer="",
            is_gap=False,
            reason=None,
            confidence=confidence,
            language=language,
            sources=sources,
            evidence=features,
            query_embedding=EmbeddedText(result.query, result.query_vector),
        )

        if not result.documents:
            answer.reason = "empty_index" if self.retriever.keyword_index.is_empty() else "no_match"
            self._abstain(answer, result)
        elif self._number_to_call(question, features, confidence) and self._contact_answer(answer, result):
            # A number to call asked in words that find no confident answer ("what's your phone number?" at 0.31,
            # "can i call you?" out of scope): the contact entry's answer to the help centre's contact question.
            pass
        elif not self._in_scope(features):
            # Out of scope wins even over a confident-looking match: a question about something the knowledge
            # base is not about ("gift cards" against a refunds article) is not answered from a lookalike.
            answer.reason = "no_match"
            self._abstain(answer, result)
        elif (
            confidence < self.threshold
            or unknown_asked_about(result.query, idf)
            or mostly_unknown(features)
            or answers_another_question(features)
            or self._unknown_error_code(question, audience)
        ):
            # Below the threshold, about connecting to a product no article names ("connect Lumo to Xero") or a
            # discount for a group none names ("student discount"), mostly in words no article uses ("Lumo 有韩语界面吗"
            # of a few Chinese articles), or about an error code no article mentions ("error E401"): the closest
            # articles are suggested, never quoted as the answer (chatbot/unknown_names.py, chatbot/codes.py), nor
            # is an FAQ entry whose question is unlike the message (answers_another_question).
            answer.reason = "low_confidence"
            self._suggest(answer, result)
        elif (
            faq_document is not None
            and not self._steps_elsewhere(question, answer.language, faq_document, result)
            and self._answer_from_faq(answer, faq_document)
        ):
            pass
        elif self.writer is not None:
            yield from self._write_with_llm(answer, result, history)
        else:
            # A follow-up's answer does not quote again what the previous answer said ("and on Android?"), unless
            # that answer already says what the follow-up asks about.
            previous = history[-1].answer if history and query != question else ""
            again = said_before(question, previous) or asks_how_long_of_it(question, previous)
            # ("and paypal?" after a question about Stripe was asked above as that question of PayPal: nothing of
            # the Stripe answer is in the way, and the PayPal steps that read as the Stripe ones are the answer.)
            variant = bool(previous) and asks_for_variant(question)
            avoid = "" if again else previous
            self._compose_extractive(answer, result, avoid, variant)
            if again and not answer.is_gap:
                # Said before: the sentences of it that say what the follow-up asks about, not all of it again.
                answer.answer = sentences_saying(answer.answer, question) or answer.answer

        # A price asked and stated only of something else ("what does the Business plan cost" and the extra-users
        # entry's "€4 per month"), or not at all ("how much is the free plan?" and the free-trial entry's "the
        # account moves to the Free plan", round 39): the next articles found may state it (their passage then
        # answers).
        price_unsaid = (
            not answer.is_gap
            and (
                prices_something_else(question, answer.answer, idf)
                or (asks_price(question) and leaves_amount_unsaid(question, answer.answer))
            )
            and not self._price_elsewhere(answer, result)
        )
        # A number to call asked, and the passage states none ("what is your phone number" got the tracking-number
        # entry, round 33): the help centre's contact article may state one.
        phone_unsaid = (
            not answer.is_gap
            and asks_for_phone_number(question)
            and not states_phone_number(answer.answer)
            and not self._phone_elsewhere(answer, result)
        )
        named_elsewhere = [] if answer.is_gap else self._named_elsewhere(question, answer, audience)
        doubtful = not answer.is_gap and (
            # The passage does not say the action asked: a phrase the search put in ("disable" searched as "turn
            # off") or a "turn off" the customer typed. "turn" alone found the steps to turn 2FA *on*.
            not self._quotes_the_action(question, result, answer)
            # An amount asked for and none stated: the passage is about the topic, and what the customer asks is
            # not documented (or not here).
            or leaves_amount_unsaid(question, answer.answer)
            # ... or stated only of something else, and no article found next to it states the one asked.
            or price_unsaid
            or phone_unsaid
            # ... and so is whether someone is told, when the passage mentions no email or notification.
            or leaves_notice_unsaid(question, answer.answer)
            # ... and whether a record is kept of who did something, when it mentions no log or history.
            or leaves_record_unsaid(question, answer.answer)
            # A name another article is about and no cited one says: PayPal asked, the Stripe article quoted.
            or bool(named_elsewhere)
        )
        if not answer.is_gap and (doubtful or suggest):
            # The article about what was asked is the first suggestion, found by the search or not; the one the
            # answer would have cited, for an answer suggested instead.
            first = named_elsewhere if doubtful else list(dict.fromkeys(c.id for c in answer.citations))
            answer.suggested_instead = not doubtful
            answer.reason = "low_confidence"
            answer.citations = []
            self._suggest(answer, result)
            if first:
                found = {s.id: s for s in answer.related}
                named = [found.get(doc_id) or self._source(doc_id) for doc_id in first]
                rest = [s for s in answer.related if s.id not in first]
                answer.related = [*(s for s in named if s is not None), *rest][:MAX_RELATED]

        if answer.reason == "low_confidence":
            answer.related = self._with_excerpts(question, answer.related, result, idf)
        if answer.is_gap and asks_for_a_person(question):
            # "Can I talk to a real human about my invoice?" without a confident answer: the person asked for
            # rather than "I don't know". Still a question the knowledge base did not answer: a gap, as any other.
            answer.answer = message("intent_handoff", answer.language)
        elif (answer.reason == "no_match" or (answer.is_gap and typed != question)) and (
            around := conversation_around(typed)
        ) is not None:
            # "thank youuu, u explained that better than my accountant lol": thanks and a remark the knowledge base
            # has nothing for, and nothing asked (chatbot/intents.py). The thanks is answered; not a gap. Searched
            # without its greeting, a remark may find a lookalike below the threshold instead ("helo, somebody
            # there? i have question about my account"): it is no question either.
            answer = _conversation_reply(typed, around, answer.language, history)
        answer.question = typed
        answer.timings_ms = dict(result.timings_ms)
        answer.timings_ms["compose"] = (time.perf_counter() - compose_started) * 1000.0
        answer.latency_ms = (time.perf_counter() - started) * 1000.0
        if not answer.writer.startswith("llm"):
            yield AnswerEvent("delta", text=answer.answer)
        yield AnswerEvent("answer", answer=answer)

    # -- ways to answer -----------------------------------------------------------------------------------------
    def _answer_parts(self, parts: Sequence[str], history: Sequence[Turn], audience: Audience) -> list[Answer | None]:
        """Each part of a message asking several things answered on its own, each after the one before (so "what
        does it cost" is searched with "add a user"); None for a part not answered confidently."""
        answers: list[Answer | None] = []
        turns = list(history)
        quoted: set[str] = set()
        for part in parts:
            answer = self.answer(part, turns, audience)
            if (_confident(answer) and _repeats(answer, quoted)) or answer.repeats_previous:
                # As a follow-up the part got the passage an earlier part quoted ("how do I scan receipts on my
                # phone and does it work with no internet?": the scan steps twice), or, not to say them twice, no
                # answer; asked alone, it names its own topic ("You can create draft invoices, scan receipts and
                # categorise transactions offline").
                answer = self.answer(part, history, audience)
            if not _confident(answer) or _repeats(answer, quoted):
                answers.append(None)
                continue
            answers.append(answer)
            quoted.update(c.chunk_id for c in answer.citations)
            turns.append(Turn(part, answer.answer))
        return answers

    def _completed(
        self,
        whole: Answer,
        parts: Sequence[str],
        answers: Sequence[Answer | None],
        history: Sequence[Turn],
        audience: Audience,
    ) -> Answer:
        """The answer to a message as one question, with what its article says of a part it leaves out: "how do I
        renew bank consent and do I lose transactions while it's expired?" got the renewal steps only, while "No
        transactions are lost" is in the same article. A part whose own confident answer the whole one does not
        quote is added as it is; any other part gets the passage of the whole answer's article that answers it,
        when that passage says at least PART_COVERAGE of the part's words (by rarity). As confident as the least
        confident answer quoted."""
        quoted = {c.chunk_id for c in whole.citations}
        extras: list[tuple[str, list[Citation]]] = []
        idf = self._idf(audience)
        document: ScoredDocument | None = None
        searched = False  # the whole answer's article, searched for once, when a part needs it
        said = whole.answer
        confidence = whole.confidence
        added_sources: list[SourceRef] = []
        for part, alone in zip(parts, answers, strict=True):
            if _part_coverage(part, said, idf) >= PART_COVERAGE:
                continue  # what is said already answers it ("how many users on Plus" in the extra-users entry)
            if alone is not None:
                if alone.citations[0].chunk_id not in quoted:
                    quoted.update(c.chunk_id for c in alone.citations)
                    extras.append((alone.answer, list(alone.citations)))
                    said += "\n" + alone.answer
                    confidence = min(confidence, alone.confidence)
                    added_sources += alone.sources
                continue
            if not searched:
                searched = True
                result = self.retriever.retrieve(retrieval_query(whole.question, history), audience, k=MAX_SOURCES)
                top = next((d for d in result.documents if d.doc_id == whole.citations[0].id), None)
                document = self._whole_entry(top) if top is not None else None
            if document is None:
                continue
            composition = self.composer.compose(part, [document], idf, avoid=said)
            if not composition.text or _part_coverage(part, composition.text, idf) < PART_COVERAGE:
                continue
            quoted.update(c.chunk_id for c in composition.citations)
            extras.append((composition.text, composition.citations))
            said += "\n" + composition.text
        if not extras:
            return whole
        texts, citations = [whole.answer], list(whole.citations)
        for text, cited in extras:
            # An article cited already keeps its number: the added passage is more of the same source.
            numbers: dict[int, int] = {}
            known = {c.id: c.n for c in citations}
            for c in cited:
                numbers[c.n] = known.get(c.id) or len(citations) + 1
                if c.id not in known:
                    citations.append(dataclasses.replace(c, n=numbers[c.n]))
                    known[c.id] = numbers[c.n]
            texts.append(_renumbered(text, numbers))
        sources = list({s.id: s for s in [*whole.sources, *added_sources]}.values())
        return dataclasses.replace(
            whole,
            answer="\n\n".join(texts),
            citations=citations,
            confidence=confidence,
            sources=sources[:MAX_SOURCES],
        )

    def _abstain(self, answer: Answer, result: RetrievalResult) -> None:
        answer.is_gap = True
        key = "empty_index" if answer.reason == "empty_index" else "abstain"
        answer.answer = message(key, answer.language)
        multilingual = self.retriever.embedder.multilingual
        related = _readable(result.documents, answer.language, multilingual)[:MAX_RELATED]
        answer.related = [SourceRef(d.doc_id, d.title, d.score, d.url) for d in related]
        answer.writer = "abstain"

    def _suggest(self, answer: Answer, result: RetrievalResult) -> None:
        """ "I'm not sure": no answer text from a passage that may be wrong, but the closest articles to read."""
        self._abstain(answer, result)
        answer.answer = message("unsure", answer.language)
        answer.writer = "unsure"

    def _with_excerpts(
        self, question: str, related: Sequence[SourceRef], result: RetrievalResult, idf: Callable[[str], float]
    ) -> list[SourceRef]:
        """The suggested articles, each with its line closest to the question (a title alone often does not say
        whether the article answers it); an article the search did not return keeps its title only."""
        found = {d.doc_id: d for d in result.documents}
        excerpt = self.composer.excerpt
        return [
            dataclasses.replace(ref, excerpt=excerpt(question, found[ref.id], idf)) if ref.id in found else ref
            for ref in related
        ]

    def _in_scope(self, features: dict[str, float]) -> bool:
        """The in-scope model's verdict; without one (an older calibration file) every question is in scope for
        answering, and one below the answer threshold gets "I don't know"."""
        if self.scope_model is None:
            return self.confidence_model.probability(features) >= self.threshold
        return self.scope_model.probability(features) >= self.scope_threshold

    def scope_probability(self, features: dict[str, float]) -> float | None:
        """How likely the knowledge base covers the question (None without an in-scope model)."""
        return None if self.scope_model is None else self.scope_model.probability(features)

    def _answer_from_faq(self, answer: Answer, document: ScoredDocument) -> bool:
        """Answer with the FAQ entry's answer; False when none of its chunks holds answer text (the caller composes).
        A long answer spread over several chunks is quoted whole when it fits the composer's procedure length."""
        units = self.composer.whole_answer(self._whole_entry(document))
        if units is not None and len({u.chunk.chunk.id for u in units}) > 1:
            best = max(units, key=lambda u: u.chunk.score).chunk.chunk  # of the chunks quoted
            answer.answer = render(units, 1)
            answer.citations = [
                Citation(1, document.doc_id, document.title, document.url, document.version, best.id, document.score)
            ]
            answer.writer = "faq"
            return True
        for chunk in self._faq_chunks(document):
            text = chunk.text
            if text.startswith(chunk.title):  # an FAQ chunk is "question\n\nanswer": keep the answer
                text = text[len(chunk.title) :].strip()
            if not text:
                continue
            if asks_open_question(answer.question):
                # "No, a key is shown only once ..." answers the entry's "Can you show it to me again?", not the
                # customer's "where can I find my API key?".
                text = _without_verdict(text)
                if quantity_asked(answer.question) not in ("amount", "frequency"):
                    text = _capitalised(_BARE_COUNT.sub("", text, count=1))
            answer.answer = f"{text} [1]"
            answer.citations = [
                Citation(1, document.doc_id, document.title, document.url, document.version, chunk.id, document.score)
            ]
            answer.writer = "faq"
            return True
        return False

    def _steps_elsewhere(self, question: str, language: str, entry: ScoredDocument, result: RetrievalResult) -> bool:
        """Whether a how-to question is better answered by an article's steps than by the matched FAQ entry, which
        shares its words but asks something else: "How do I connect Shopify?" and "Which plan do I need to connect
        Shopify?". Only then: an entry asked as a how-to, or no steps in a close article, keeps the FAQ answer."""
        if not asks_how_to(question) or asks_how_to(entry.title):
            return False
        documents = _prefer_language(result.documents, language)
        composition = self.composer.compose(result.query, documents, self._idf(result.audience))
        elsewhere = bool(composition.citations) and composition.citations[0].id != entry.doc_id
        return composition.is_procedure and elsewhere

    def _price_elsewhere(self, answer: Answer, result: RetrievalResult) -> bool:
        """Answer a price question from the next articles found when the first states only the price of something
        else: "How much does the Business plan cost?" has the extra-users entry first (it says "Business plan" and
        "€4 per month", of each extra user), and the plans article, whose table states the plan's price, third.
        The first of the next PRICE_ELSEWHERE_DOCUMENTS whose passage states the price asked answers; with none,
        False (the caller says "I'm not sure"). As confident as the first article's answer, like _steps_elsewhere."""
        idf = self._idf(result.audience)
        return self._stated_elsewhere(
            answer, result, states_money, lambda text: states_price_asked(answer.question, text, idf)
        )

    def _number_to_call(self, question: str, features: dict[str, float], confidence: float) -> bool:
        """Whether ``question`` asks for a number to call, and its own words would not be answered: below the
        threshold or out of scope."""
        return asks_for_phone_number(question) and (confidence < self.threshold or not self._in_scope(features))

    def _contact_answer(self, answer: Answer, result: RetrievalResult) -> bool:
        """Answer a question asking for a number to call as the help centre's contact question (CONTACT_QUERY),
        when that question is answered with confidence and its passage states a phone number; the answer carries
        that question's confidence, the confidence of what is quoted. A help centre stating no number keeps
        "I'm not sure"."""
        contact = self.retriever.retrieve(CONTACT_QUERY, result.audience, k=PRICE_ELSEWHERE_DOCUMENTS)
        if not contact.documents:
            return False
        idf = self._idf(result.audience)
        _entry, faq_similarity = self._faq_match(contact)
        top = contact.documents[0]
        top_faq_similarity = self._faq_similarity(top, contact) if top.kind == "faq" else None
        features = confidence_features(contact, idf, faq_similarity, top_faq_similarity)
        confidence = self.confidence_model.probability(features)
        if confidence < self.threshold and self._in_scope(features) and self._top_two_state_a_number(contact):
            # The doubt the confidence measures is which of the two best passages answers (a small lead, the two
            # searches disagreeing), and both give the number: the guide's "Still need help? ... call Customer Care
            # on 0808 157 0640" ranking above the contact entry once its title lost the site's name (round 37).
            confidence = self.threshold
        if confidence < self.threshold or not self._stated_elsewhere(
            answer, contact, states_phone_number, states_phone_number
        ):
            return False
        answer.confidence = confidence
        return True

    def _top_two_state_a_number(self, result: RetrievalResult) -> bool:
        """Whether the first two documents of ``result`` each have a chunk stating a phone number."""
        top_two = result.documents[:2]
        return len(top_two) == 2 and all(
            any(states_phone_number(c.chunk.text) for c in self._every_chunk(d).chunks) for d in top_two
        )

    def _phone_elsewhere(self, answer: Answer, result: RetrievalResult) -> bool:
        """Answer a question asking for a number to call from the articles a search for how to contact support by
        phone finds first, when one states a phone number. The customer's words find what shares "number" ("the
        tracking number", "your account number") or the first article that happens to say "call us on ..." (why a
        date of birth cannot be changed online); the contact entry ranks first for the contact question on both
        unseen help centres (round 33). As confident as the first article's answer, like _price_elsewhere."""
        contact = self.retriever.retrieve(CONTACT_QUERY, result.audience, k=PRICE_ELSEWHERE_DOCUMENTS)
        return self._stated_elsewhere(answer, contact, states_phone_number, states_phone_number)

    def _stated_elsewhere(
        self, answer: Answer, result: RetrievalResult, states: Callable[[str], bool], answers: Callable[[str], bool]
    ) -> bool:
        """Answer from the first of the next PRICE_ELSEWHERE_DOCUMENTS whose chunks that ``states`` (a price, a
        phone number) compose a passage that ``answers``; False with none."""
        idf = self._idf(result.audience)
        cited = {c.id for c in answer.citations}
        documents = [d for d in _prefer_language(result.documents, answer.language) if d.doc_id not in cited]
        for document in documents[:PRICE_ELSEWHERE_DOCUMENTS]:
            # Its chunks stating it, found by the search or not: a price sits in a table ("## Plan comparison")
            # that shares no word with the question, below sections that share "Business plan".
            stating = [c for c in self._every_chunk(document).chunks if states(c.chunk.text)]
            if not stating:
                continue
            composition = self.composer.compose(result.query, [dataclasses.replace(document, chunks=stating)], idf)
            if composition.text and answers(composition.text):
                answer.answer = composition.text
                answer.citations = composition.citations
                answer.writer = "extractive"
                return True
        return False

    def _faq_chunks(self, document: ScoredDocument) -> Iterator[Chunk]:
        """The best-matching chunk first, then the entry's chunks in order. A long entry is split after its
        question, so the best match may hold the question alone: the answer is in the chunks that follow, as far as
        they are of the version and audience found (same_entry: an edit that made the entry internal meanwhile)."""
        best = max(document.chunks, key=lambda c: c.score).chunk
        yield best
        index = self.retriever.keyword_index
        others = (index.chunk(chunk_id) for chunk_id in index.chunk_ids_of(document.doc_id) if chunk_id != best.id)
        yield from sorted(same_entry(best, others), key=lambda c: c.index)

    def _whole_entry(self, document: ScoredDocument) -> ScoredDocument:
        """An FAQ entry with all its chunks: a search returns the chunks that matched, but an entry's answer is
        quoted from its start (ExtractiveComposer.whole_answer)."""
        return self._every_chunk(document) if document.kind == "faq" else document

    def _every_chunk(self, document: ScoredDocument) -> ScoredDocument:
        """``document`` with every chunk of the version found; the added ones score 0: they matched nothing."""
        if not document.chunks:
            return document
        have = {c.chunk.id for c in document.chunks}
        index = self.retriever.keyword_index
        missing = [index.chunk(chunk_id) for chunk_id in index.chunk_ids_of(document.doc_id) if chunk_id not in have]
        added = [ScoredChunk(chunk, 0.0) for chunk in same_entry(document.chunks[0].chunk, missing)]
        return dataclasses.replace(document, chunks=[*document.chunks, *added]) if added else document

    def _compose_extractive(
        self, answer: Answer, result: RetrievalResult, avoid: str = "", variant: bool = False
    ) -> None:
        """The extractive answer. ``avoid``: the previous answer, not quoted again (a follow-up's); ``variant``: the
        follow-up asks the previous question of another variant ("and on Android?"), which the answer must name."""
        documents = [self._whole_entry(d) for d in _prefer_language(result.documents, answer.language)]
        variant_only = bool(avoid) and variant
        idf = self._idf(result.audience)
        # The names the tables compare: a yes/no question about one of them asks which it holds for.
        siblings = self.retriever.keyword_index.named_siblings(result.audience)
        composition = self.composer.compose(
            result.query, documents, idf, avoid=avoid, variant_only=variant_only, siblings=siblings
        )
        if avoid and not variant_only and _moved_off(composition, documents, FOLLOW_UP_SCORE_SHARE):
            # Not repeating the previous answer moved this one off the best article, whose answer was said already
            # ("and how long is the link valid?" after the password steps that say it), to one far below it (the
            # two-factor article). The confidence is the best article's: its answer is said again instead. An
            # article close to it is a fair next answer ("how often are transactions imported?" after the plans
            # with bank feeds: the sync-frequency entry, 0.81 of the best score).
            composition = self.composer.compose(result.query, documents, idf, siblings=siblings)
            if _same_text(composition.text, avoid) and not says_a_word_asked(answer.question, avoid, idf):
                # ... but when that is the previous answer word for word, and it says nothing the follow-up asks
                # about ("how many people can use it?" after the steps to turn on the guest wifi got the steps
                # again, round 32): not sure, with the articles to read.
                answer.reason = "low_confidence"
                answer.repeats_previous = True
                self._suggest(answer, result)
                return
        if not composition.text and variant_only:
            # The articles are about the topic but never name the variant asked for ("and on Android?" after a 2FA
            # question): not sure, with those articles to read.
            answer.reason = "low_confidence"
            self._suggest(answer, result)
            return
        if not composition.text:
            answer.reason = "no_match"  # nothing quotable in what was found: say so rather than answer empty
            self._abstain(answer, result)
            return
        text = composition.text
        if (
            composition.citations
            and composition.citations[0].id in _faq_ids(documents)
            and not _asks_within(answer.question, composition.citations[0].title)
        ):
            # The entry was not matched by its own question (that is _answer_from_faq), so its "Yes." or "No."
            # answered another one: "can I track inventory?" got the import entry's "Yes. Go to Settings > Data".
            stripped = _capitalised(BARE_VERDICT.sub("", text, count=1))
            qualifies = qualifies_verdict(text, stripped)
            if stripped != _capitalised(text) and (_REFERS_BACK.match(stripped) or qualifies):
                # What is left points back at the entry's own question ("Forward them to your account's own
                # address", of "Can I email receipts to Lumo?"), or only qualifies the verdict ("Yes, on the
                # Business plan, which supports 160 currencies." read "On the Business plan, which supports ...", a
                # fragment, round 31): that question leads the answer in, as a heading would, and its "Yes." stays,
                # said to the question shown.
                stripped = f"**{composition.citations[0].title.strip()}** {text}"
            text = stripped
        text = _later_verdicts_dropped(text, composition.citations, _faq_ids(documents))
        if answer.language != "en" and documents and documents[0].chunks[0].chunk.language == "en":
            text = f"{message('cross_language', answer.language)}\n{text}"
        answer.answer = text
        answer.citations = composition.citations
        answer.writer = "extractive"

    def _write_with_llm(
        self, answer: Answer, result: RetrievalResult, history: Sequence[Turn]
    ) -> Iterator[AnswerEvent]:
        assert self.writer is not None
        passages = build_passages(result.documents, self.writer.context_tokens)
        pieces: list[str] = []
        try:
            for delta in self.writer.stream(answer.question, answer.language, passages, history):
                pieces.append(delta)
                yield AnswerEvent("delta", text=delta)
        except Exception:  # an LLM outage must never cost the user an answer
            log.exception("LLM writer failed; falling back to the extractive answer")
            pieces = []
        reply = "".join(pieces).strip()
        if _is_refusal(reply):
            # The model found no answer in the passages: that is an honest abstention, not a failure.
            answer.reason = "llm_declined"
            self._abstain(answer, result)
            yield AnswerEvent("replace", text=answer.answer)
            return
        citations = check_reply(reply, passages, result.documents) if reply else None
        if citations is None:
            self._compose_extractive(answer, result)
            answer.writer = "llm_fallback"
            yield AnswerEvent("replace", text=answer.answer)
            return
        answer.answer = reply
        answer.citations = citations
        answer.writer = f"llm:{self.writer.name}"

    # -- helpers -------------------------------------------------------------------------------------------------
    def _quotes_the_action(self, question: str, result: RetrievalResult, answer: Answer) -> bool:
        """Whether the passage of the first citation (with its headings) says each phrase the search put in the
        customer's words (chatbot/synonyms.py), and the "turn off" the customer asks for (chatbot/actions.py
        turned_off_object: "how do I turn off reminders?" got the steps to turn them on, 0.99); True when there
        is none."""
        # A phrase must be said of what the customer said it of (the words after it in the question): "turn on"
        # in "Turn on **Require Face ID**" does not answer "activate the mobile app". With nothing after it ("how
        # long before I get logged out"), the words before it are not its object: the phrase alone is checked.
        checks = {
            phrase: phrase_object(result.query, phrase, tokenize) for phrase in phrases_added(question, result.query)
        }
        turned_off = turned_off_object(question)
        if turned_off is not None and "turn off" not in checks:
            checks["turn off"] = set(tokenize(turned_off))
        if not checks or not answer.citations:
            return True
        chunk = self.retriever.keyword_index.chunk(answer.citations[0].chunk_id)
        text = "\n".join((*chunk.heading_path, chunk.text)) if chunk is not None else answer.answer
        title = chunk.title if chunk is not None else ""
        return all(says_action(text, phrase, about, tokenize, title) for phrase, about in checks.items())

    def _named_elsewhere(self, question: str, answer: Answer, audience: Audience) -> list[str]:
        """The articles about a name the question says and no cited document says (chatbot/names.py): "PayPal"
        asked, the Stripe article quoted."""
        index = self.retriever.keyword_index
        titled = index.titled_names(audience)
        idf = self._idf(audience)
        cited = dict.fromkeys(c.id for c in answer.citations)
        if len(asked_names(question, titled, idf, tokenize)) == 1:
            # One name asked: the first passage must be about it. "does the paypal fee get booked automatically"
            # got the Stripe article's "Payments and fees already imported stay in your books", then the PayPal
            # article's opening as a second passage. Two names ("stripe or paypal, which is cheaper") may be said
            # by any passage cited.
            cited = dict.fromkeys(list(cited)[:1])
        names = names_another_articles_subject(question, cited, index.document_terms, titled, idf, tokenize)
        return sorted({doc_id for name in names for doc_id in titled[name]})

    def _source(self, doc_id: str) -> SourceRef | None:
        """A document as a suggestion, from its first chunk (None when it is gone)."""
        index = self.retriever.keyword_index
        chunk = next((c for c in map(index.chunk, index.chunk_ids_of(doc_id)) if c is not None), None)
        return None if chunk is None else SourceRef(doc_id, chunk.title, 0.0, chunk.url)

    def _unknown_error_code(self, question: str, audience: Audience) -> bool:
        """Whether the question asks about an error code no document of the audience mentions (chatbot/codes.py)."""
        return bool(unknown_error_codes(question, lambda: self.retriever.keyword_index.codes(audience)))

    def _names(self, audience: Audience) -> frozenset[str]:
        """The names the audience's articles are about ("paypal", "stripe"; chatbot/names.py)."""
        return frozenset(self.retriever.keyword_index.titled_names(audience))

    def _siblings(self, audience: Audience) -> dict[str, frozenset[str]]:
        """The words the audience's tables compare, each with the others ("plus": {"free", "busi"}; names.py)."""
        return self.retriever.keyword_index.table_siblings(audience)

    def _keeps_word(self, audience: Audience) -> Callable[[str], bool]:
        """Whether a word of a customer's story is the audience's documents' own, or a typo of one of their words."""
        speller = self.retriever.keyword_index.speller(audience)
        return lambda word: speller.knows(word) or speller.correct_word(word).lower() != word.lower()

    def _idf(self, audience: Audience) -> Callable[[str], float]:
        return self.retriever.keyword_index.idf_lookup(audience)

    def _faq_match(self, result: RetrievalResult) -> tuple[ScoredDocument | None, float]:
        """Among the FAQ entries at the top of the ranking (at most 3, none below an article), the one whose
        question, or one of its other phrasings, is closest to the user's question, if it is close enough."""
        best: tuple[ScoredDocument | None, float] = (None, 0.0)
        for document in result.documents[:3]:
            if document.kind != "faq":
                # An article ranked above the entries: it answers better ("the steps to close my account" from
                # the article's numbered steps, not the FAQ's one-line summary), so no entry below it is taken.
                break
            similarity = self._faq_similarity(document, result)
            if similarity > best[1]:
                best = (document, similarity)
        if best[1] < FAQ_MATCH_SIMILARITY:
            return None, best[1]
        return best

    def _faq_below_article(self, result: RetrievalResult) -> ScoredDocument | None:
        """An FAQ entry among the top 3, below an article, whose question is the one asked ("What happens if my
        subscription payment fails?" and "What happens if my payment fails?", 0.84): its answer, written for that
        question, over the article's passage (the article's introduction, "Here's what happens and how to fix
        it."). Not for a how-to question, which an article's steps answer better than an entry's one-line summary,
        nor in Chinese, where MiniLM's cosines are high and meaningless (three wrong entries when tried at 0.9).
        Only the answer changes: the confidence is the search's, as before."""
        if has_cjk(result.query) or asks_how_to(result.query):
            return None
        entries = [d for d in result.documents[:3] if d.kind == "faq"]
        scored = [(self._faq_similarity(d, result), d) for d in entries]
        best = max(scored, key=lambda pair: pair[0], default=None)
        return best[1] if best is not None and best[0] >= FAQ_MATCH_SIMILARITY else None

    def _faq_similarity(self, document: ScoredDocument, result: RetrievalResult) -> float:
        """Cosine between the user's question and the entry's question (or its closest other phrasing)."""
        return float(np.max(self._faq_question_vector(document) @ result.query_vector))

    def _faq_question_vector(self, document: ScoredDocument) -> Vectors:
        """One row per phrasing of the entry's question: the question itself, then its search-only alternatives
        (they ride on the entry's first chunk). Cached per version: new phrasings make a new version."""
        key = (document.doc_id, document.version)
        with self._faq_lock:
            vectors = self._faq_vectors.get(key)
        if vectors is None:
            first = next((c.chunk for c in document.chunks if c.chunk.index == 0), None)
            if first is None:  # the entry was found through a later chunk: its first one is in the keyword corpus
                index = self.retriever.keyword_index
                chunks = (index.chunk(chunk_id) for chunk_id in index.chunk_ids_of(document.doc_id))
                first = next((c for c in chunks if c is not None and c.index == 0), None)
            phrasings = [document.title, *(first.alternatives if first is not None else ())]
            vectors = np.atleast_2d(self.retriever.embedder.encode_queries(phrasings))
            with self._faq_lock:
                self._faq_vectors[key] = vectors
        return vectors


# An FAQ entry answers its own question. Under this cosine between it and the message (MiniLM: unrelated texts), a
# word of its answer is what found it: "brakes not working" was answered at 0.89 from "Can I ride in the rain?"
# ("... brakes work less well on wet roads"; similarity 0.10), the fault-reporting steps ranking next (an unseen
# help centre's FAQ page, round 37). On the dev splits of every bundled help centre and StackFAQ that is the only
# answered message under it; the next ones up are at 0.24 (wrong) and 0.29 (right).
FAQ_QUESTION_UNLIKE = 0.2


def answers_another_question(evidence: dict[str, float]) -> bool:
    """Whether the answer would be an FAQ entry whose question is unlike the message (FAQ_QUESTION_UNLIKE)."""
    return bool(evidence.get("top_is_faq")) and evidence.get("top_faq_similarity", 1.0) < FAQ_QUESTION_UNLIKE


_CITATION_MARK = re.compile(r"\[(\d+)\]")


def _conversation_reply(question: str, intent: Intent, language: str, history: Sequence[Turn]) -> Answer:
    """The short reply to conversation (or the hand-off offer); confidence 1.0: nothing was guessed."""
    key = intent.reply_key
    if intent.kind == "rejection" and not history:
        key = "intent_rejection_unprompted"  # "wrong answer" as a first message: nothing was answered
    reply = Answer(question, message(key, language), False, None, 1.0, language)
    reply.writer, reply.intent = "intent", intent.kind
    return reply


def qualifies_verdict(entry_answer: str, without_verdict: str) -> bool:
    """Whether what an FAQ answer says after its "Yes," or "No," only qualifies that verdict (see _QUALIFIES and
    _FRAGMENT): then it is no sentence of its own without it."""
    return bool(_VERDICT_COMMA.match(entry_answer)) and bool(
        _QUALIFIES.match(without_verdict) or _FRAGMENT.match(without_verdict)
    )


def _final(events: Iterable[AnswerEvent]) -> Answer:
    """The answer a stream of events ends with."""
    final = None
    for event in events:
        if event.answer is not None:
            final = event.answer
    assert final is not None  # every stream ends with the answer
    return final


# The share of a part's words (weighed by rarity) a text must say to answer it (Answerer._completed): what is quoted
# already, or a passage of the whole answer's article. Half, not tuned: no dev question is a message it changes.
PART_COVERAGE = 0.5


# The tail of a contraction ("who's", "it's", "I'm"): tokenized, it is a word of its own ("s", "m"), as rare as any.
_CONTRACTION_TAIL = re.compile(r"(?<=[^\W\d_])['\u2019](?:s|m|d|ll|re|ve)\b", re.IGNORECASE)


def _part_coverage(part: str, text: str, idf: Callable[[str], float]) -> float:
    """The share of ``part``'s words, each weighed by its rarity, that ``text`` says. A contraction's tail is no
    word of it: "who's backup?" (after "whos on support on-call the week starting 21 dec") was half unanswered by
    "- Backup: Dana Whitfield" for its "s", and got the 2FA backup codes added (round 42)."""
    weights = {t: max(idf(t), 0.0) for t in tokenize(_CONTRACTION_TAIL.sub("", part))}
    total = sum(weights.values())
    present = set(tokenize_passage(text))
    return sum(w for t, w in weights.items() if t in present) / total if total > 0 else 0.0


def _confident(answer: Answer) -> bool:
    """Whether ``answer`` answers with a quoted passage (not a gap, an intent's reply or an uncited text)."""
    return not answer.is_gap and answer.intent is None and bool(answer.citations)


def _repeats(answer: Answer, quoted: set[str]) -> bool:
    """Whether every passage ``answer`` quotes is among ``quoted`` (chunk ids): it says nothing new."""
    return bool(answer.citations) and all(c.chunk_id in quoted for c in answer.citations)


def _joined(question: str, answers: Sequence[Answer], language: str, idf: Callable[[str], float]) -> Answer:
    """The answers to a message's parts as one answer: their texts in order, citations numbered on; a part whose
    passage an earlier part quoted already adds nothing, nor does a part whose every word names a column of an
    earlier answer's table or record (_labels) with another article: "whos on support on-call the week starting 21
    dec, and who's backup?" got the on-call row, "- Backup: Dana Whitfield" in it, then the 2FA backup codes for
    "who's backup?" (round 42). Words said in prose are no such answer: "how many keys can we make" after "Each API
    key can make 120 requests per minute" asks a count it does not give. As confident as its least confident part."""
    texts: list[str] = []
    citations: list[Citation] = []
    quoted: set[str] = set()
    cited: set[str] = set()
    for answer in answers:
        if answer.citations[0].chunk_id in quoted:
            continue
        said = "\n\n".join(texts)
        if texts and _said_already(answer.answer, said):
            continue
        if texts and answer.citations[0].id not in cited and _part_coverage(answer.question, _labels(said), idf) >= 1:
            continue  # another article, for what is labelled already: more of the same article is kept
        cited.update(c.id for c in answer.citations)
        quoted.update(c.chunk_id for c in answer.citations)
        numbers = {c.n: len(citations) + i for i, c in enumerate(answer.citations, start=1)}
        texts.append(_renumbered(answer.answer, numbers))
        citations += [dataclasses.replace(c, n=numbers[c.n]) for c in answer.citations]
    weakest = min(answers, key=lambda a: a.confidence)
    sources = list({s.id: s for a in answers for s in a.sources}.values())[:MAX_SOURCES]
    joined = Answer(question, "\n\n".join(texts), False, None, weakest.confidence, language, citations, sources)
    joined.evidence = dict(weakest.evidence)
    joined.writer = answers[0].writer if len({a.writer for a in answers}) == 1 else "extractive"
    for answer in answers:
        for stage, ms in answer.timings_ms.items():
            joined.timings_ms[stage] = joined.timings_ms.get(stage, 0.0) + ms
    return joined


# A table's header row (the line before its |---| rule) and a record's field ("- Backup: Dana Whitfield").
_TABLE_HEADER = re.compile(r"^\s*\|(.*)\|\s*\n\s*\|[\s:|-]*-[\s:|-]*\|?\s*$", re.MULTILINE)
_RECORD_FIELD = re.compile(r"^- ([^:\n]{1,60}): ", re.MULTILINE)


def _labels(text: str) -> str:
    """The column names of the tables and records (chatbot/composer/records.py) in ``text``: what its values are
    labelled as."""
    return "\n".join([*_TABLE_HEADER.findall(text), *_RECORD_FIELD.findall(text)])


# The share of an answer's words that the answer before it says already, from which it adds nothing worth reading
# twice: "How long do I have to appeal a claim decision, and what can I do if I'm still not happy after that?" got
# the appeal entry for the first part and the claims guide's paragraph saying the same for the second (round 33).
SAID_ALREADY_SHARE = 0.8


def _said_already(text: str, before: str) -> bool:
    """Whether ``before`` says SAID_ALREADY_SHARE of the words of ``text``."""
    words = set(tokenize_passage(_CITATION_MARK.sub(" ", text)))
    said = set(tokenize_passage(before))
    return bool(words) and len(words & said) >= SAID_ALREADY_SHARE * len(words)


def _later_verdicts_dropped(text: str, citations: Sequence[Citation], faq_ids: set[str]) -> str:
    """``text`` without the "Yes." or "No." opening a passage after the first that quotes an FAQ entry: it answered
    the entry's question, not the customer's ("What is the price difference between standard and next-day delivery
    for a small parcel?" got the prices table, then "Yes. Priority delivery costs £3.00 extra ...", round 33)."""
    by_number = {c.n: c.id for c in citations}
    passages = text.split("\n\n")
    for i, passage in enumerate(passages[1:], start=1):
        marks = _CITATION_MARK.findall(passage)
        if marks and by_number.get(int(marks[-1])) in faq_ids:
            passages[i] = _without_verdict(passage)
    return "\n\n".join(passages)


def _without_verdict(text: str) -> str:
    """``text`` without its opening "Yes." or "No,", the rest starting a sentence; as it is when it has none (a
    forum answer's "githalytics provides ..." keeps its lower case)."""
    stripped = BARE_VERDICT.sub("", text, count=1)
    return _capitalised(stripped) if stripped != text else text


def _asks_within(question: str, entry_question: str) -> bool:
    """Whether every word of ``question`` is a word of the FAQ entry's question: "any keyboard shortcuts" asks what
    "Are there keyboard shortcuts in the web app?" asks, and the entry's "Yes." answers it as it stands (it was led
    in by that question in bold, read as clutter). Only a question asking whether: "Yes." answers no "dark mode"."""
    words = set(tokenize(question))
    return bool(words) and bool(_ASKS_WHETHER.match(question)) and words <= set(tokenize_passage(entry_question))


_ASKS_WHETHER = re.compile(r"\s*(?:any|is there|are there|can|could|does|do|is|are|will)\b", re.IGNORECASE)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _renumbered(text: str, numbers: dict[int, int]) -> str:
    """``text`` with its citation marks "[n]" renumbered (marks of no citation stay as they are)."""
    return _CITATION_MARK.sub(lambda m: f"[{numbers.get(int(m.group(1)), m.group(1))}]", text)


def _faq_ids(documents: Sequence[ScoredDocument]) -> set[str]:
    return {d.doc_id for d in documents if d.kind == "faq"}


def _same_text(text: str, other: str) -> bool:
    """Whether two answers read the same, whatever their spacing."""
    return " ".join(text.split()) == " ".join(other.split())


def _moved_off(composition: Composition, documents: Sequence[ScoredDocument], share: float) -> bool:
    """Whether ``composition`` quotes first an article that scored below ``share`` of the best one."""
    if not (documents and composition.citations):
        return False
    scores = {d.doc_id: d.score for d in documents}
    return scores.get(composition.citations[0].id, 0.0) < share * documents[0].score


def _is_refusal(reply: str) -> bool:
    normalized = reply.strip().strip(".。!！").lower().replace("’", "'")
    return normalized in {"i don't know", "i do not know", "我不知道", "不知道"}


def same_entry(found: Chunk, others: Iterable[Chunk | None]) -> list[Chunk]:
    """The chunks of ``others`` from the version of the document that was found and for the audience it was found
    for: text the search could not see (an internal version mid-ingest) is never quoted next to it."""
    return [c for c in others if c is not None and c.version == found.version and c.audience == found.audience]


def _readable(documents: Sequence[ScoredDocument], language: str, multilingual: bool) -> list[ScoredDocument]:
    """The documents worth suggesting to a reader of ``language``: a page in another language only when the keyword
    search found it too (a shared name: "PayPal" in a Chinese question) or the embedder compares languages. MiniLM
    is English-only, so its nearest pages for a question that matches nothing ("blorf quantum zebra") were Chinese
    ones, whose vectors sit close together whatever they say."""
    if multilingual:
        return list(documents)
    return [d for d in documents if _language_of(d) in (None, language) or d.keyword_score > 0]


def _language_of(document: ScoredDocument) -> str | None:
    return document.chunks[0].chunk.language if document.chunks else None


def _prefer_language(documents: Sequence[ScoredDocument], language: str) -> list[ScoredDocument]:
    """Answer from articles in the question's language when one of the top three is."""
    same = [d for d in documents[:3] if d.chunks and d.chunks[0].chunk.language == language]
    if not same or same[0] is documents[0]:
        return list(documents)
    return [*same, *(d for d in documents if d not in same)]


def build_answerer(runtime: Runtime) -> Answerer:
    """The answerer for a runtime (embedder, store, keyword index) and its settings (threshold, LLM)."""
    settings = runtime.settings
    retriever = HybridRetriever(runtime.embedder, runtime.store, runtime.keyword_index, settings.fusion)
    writer: AnswerWriter | None = None
    if settings.llm != "none":
        from chatbot.llms import build_writer  # LangChain: loaded only when an LLM is configured

        writer = build_writer(settings)
    calibration = load_calibration(settings)
    return Answerer(
        retriever,
        threshold=calibration.threshold,
        confidence_model=calibration.model,
        writer=writer,
        scope_model=calibration.scope_model,
        scope_threshold=calibration.scope_threshold,
    )
