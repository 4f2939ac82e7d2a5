"""One chat turn: ask the answerer, store the turn whatever happens, and give the client JSON or SSE events.

Streaming events (``text/event-stream``; read them with fetch(), EventSource cannot POST):

- ``delta``: ``{"text"}``, answer text to append as it is produced;
- ``replace``: ``{"text"}``, the whole answer text replacing what was shown (the LLM's reply was rejected);
- ``citations``: ``{"citations", "sources", "related", "is_gap", "reason", "confidence", "language", "intent"}``;
- ``done``: ``{"conversation_id", "message_id"}``, last event of a successful turn;
- ``error``: the JSON error body ``{"error": {"code", "message"}}``, last event of a failed turn.

A turn that cannot be stored (the database is locked past the busy timeout, read-only, unreachable) is not
answered: 503 ``database_unavailable``, or that ``error`` event once the stream has begun. Every turn is stored
on purpose: the reply carries the ``message_id`` that 👍/👎 and hand-offs refer to and the ``conversation_id`` that
follow-ups continue, unanswered questions feed the editors' gap queue, and an answer nobody can find later is one
the knowledge loop never sees. An unsaved answer would break all of that quietly; a 503 says when to ask again.

Any other failure once the stream has begun (a bug: a constraint, a value the database refuses) ends it with an
``error`` event too, ``internal_error``: the status went out with the first event, and a stream that just stops
tells the client nothing.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Generator, Iterator, Sequence
from functools import partial
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from chatbot.answering import AnswerEvent
from chatbot.errors import AnswerdeskError
from chatbot.followups import Turn
from chatbot.types import Answer, Audience
from web.chat.conversations import find_conversation, record_failed_message, record_message
from web.db import faults
from web.db.models import Conversation, Message, committed_id, db
from web.gaps.capture import CaptureParts, capture, capture_parts, capture_turn
from web.http.errors import HTTP_MESSAGES, ApiError, database_unavailable, error_body
from web.services import get_answerer, get_runtime, get_settings, running_app

log = logging.getLogger(__name__)
T = TypeVar("T")

UNAVAILABLE_CODE = "answerer_unavailable"
UNAVAILABLE_MESSAGE = "The assistant cannot answer right now; your question was saved. Please try again later."
NOT_STORED_MESSAGE = "The assistant cannot save conversations right now, so it did not answer. Please try again soon."


def answer_turn(
    conversation: Conversation, question: str, history: Sequence[Turn], audience: Audience
) -> tuple[Answer, Message]:
    """Answer and store; if the answerer fails, store the question as failed and raise a 503."""
    try:
        answerer = get_answerer(current_app)
        answer = answerer.answer(question, history, audience)
    except Exception as exc:
        log.exception("the answerer failed on conversation %s", conversation.id)
        _store(partial(record_failed_message, conversation, question, audience, _error_code(exc)))
        raise ApiError(503, UNAVAILABLE_CODE, UNAVAILABLE_MESSAGE) from exc
    message = _store(partial(record_message, conversation, answer, audience))
    capture_turn(message, answer, answerer.threshold, gap_capture_parts())
    return answer, message


def stream_turn(conversation_id: str, question: str, history: Sequence[Turn], audience: Audience) -> Iterator[str]:
    """The SSE events of one turn (:func:`_turn_events`), whatever fails: the last event is ``done`` or ``error``."""
    try:
        yield from _turn_events(conversation_id, question, history, audience)
    except Exception:
        # Not GeneratorExit (a client gone: nobody to tell). The 200 went out with the first event, so the error
        # can only be an event; the session may hold a failed flush, and the request's teardown still uses it.
        log.exception("a streamed turn of conversation %s failed", conversation_id)
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        yield sse_event("error", error_body("internal_error", HTTP_MESSAGES[500]))


def _turn_events(conversation_id: str, question: str, history: Sequence[Turn], audience: Audience) -> Iterator[str]:
    """The SSE events of one turn; the turn is stored before ``citations`` so that ``done`` can carry its id.

    Takes the id of a committed conversation, not the row: the events are produced after the view has returned,
    and the view's database session may be gone by then.
    """
    try:
        conversation = _store(partial(find_conversation, conversation_id))
    except ApiError as error:
        yield sse_event("error", error_body(error.code, error.message))
        return
    if conversation is None:  # deleted in the meantime
        yield sse_event("error", error_body("conversation_not_found", "No such conversation."))
        return
    answer: Answer | None = None
    try:
        answerer = get_answerer(current_app)
        events: Iterator[AnswerEvent] = answerer.stream(question, history, audience)
        try:
            for event in events:
                if event.kind in ("delta", "replace"):
                    if event.text:
                        yield sse_event(event.kind, {"text": event.text})
                elif event.answer is not None:
                    answer = event.answer
        finally:
            # Stops the answerer (and an LLM request in flight) as soon as the client has gone.
            if isinstance(events, Generator):
                events.close()
        if answer is None:
            raise RuntimeError("the answerer's stream ended without an answer")
    except GeneratorExit:
        # The client went away mid-answer: its question is still kept (if the database lets us; nobody is left to
        # tell otherwise).
        with contextlib.suppress(ApiError):
            _store(partial(record_failed_message, conversation, question, audience, "client_disconnected"))
        raise
    except Exception as exc:
        log.exception("the answerer failed while streaming conversation %s", conversation.id)
        try:
            _store(partial(record_failed_message, conversation, question, audience, _error_code(exc)))
        except ApiError as error:
            yield sse_event("error", error_body(error.code, error.message))
            return
        yield sse_event("error", error_body(UNAVAILABLE_CODE, UNAVAILABLE_MESSAGE))
        return
    try:
        message = _store(partial(record_message, conversation, answer, audience))
    except ApiError as error:
        # The answer's text may have been shown already: this last event tells the client to take it back
        # (the widget replaces it with "try again").
        yield sse_event("error", error_body(error.code, error.message))
        return
    capture_turn(message, answer, answerer.threshold, gap_capture_parts())
    data = answer.to_dict()
    keys = ("citations", "sources", "related", "is_gap", "reason", "confidence", "language", "intent")
    yield sse_event("citations", {key: data[key] for key in keys})
    yield sse_event("done", {"conversation_id": committed_id(conversation), "message_id": committed_id(message)})


def gap_capture_parts() -> CaptureParts:
    """What recording gap evidence needs from this process (the chat turns and the feedback and hand-off routes)."""
    app = running_app()
    return capture_parts(app, get_settings(app), get_runtime(app).embedder)


def capture_quietly(message: Message, kind: str) -> None:
    """Gap evidence for a 👎 or a hand-off that is already stored: if the parts it needs (the embedder) cannot be
    had right now, the person's request still succeeds and the log says what was not captured."""
    try:
        parts = gap_capture_parts()
    except Exception:
        log.exception("no gap evidence for message %s (%s): the runtime is unavailable", message.id, kind)
        return
    capture(message, kind, parts)


def _store(write: Callable[[], T]) -> T:
    """Run one database step of the turn; a database fault becomes the 503 ``database_unavailable`` the client
    gets (or its ``error`` event): the turn cannot be stored, so it is not answered."""
    try:
        return write()
    except SQLAlchemyError as exc:
        if not faults.is_database_fault(exc):
            raise
        db.session.rollback()
        reason = exc.orig if isinstance(exc, DBAPIError) else exc
        log.error("could not store a chat turn: %s", reason, exc_info=exc)
        raise database_unavailable(NOT_STORED_MESSAGE) from exc


def sse_event(name: str, data: dict[str, Any]) -> str:
    # json.dumps never emits a raw newline, so one data line per event is always valid SSE.
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _error_code(exc: Exception) -> str:
    return exc.code if isinstance(exc, AnswerdeskError) else "answerer_error"
