"""Chat rows for the privacy and retention tests, written straight into the real database (no model needed):
conversations with messages, feedback, hand-offs and gap evidence, and a table walker that finds a person's
traces in every table of the database."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from click.testing import Result
from flask.testing import FlaskCliRunner
from sqlalchemy import inspect, text

from chatbot.keyword import tokenize
from web.cli import cli
from web.db.models import Conversation, Feedback, Gap, GapEvent, GapEvidence, Handoff, Message, db, utcnow


@dataclass
class Person:
    """One visitor's (or employee's) rows, and the strings that only their rows contain."""

    marker: str  # a word in every text they typed; tokenize() keeps it as is
    conversation_ids: list[str] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)

    def question(self, n: int) -> str:
        return f"how do I {self.marker} refund number {n}"


def add_conversation(
    person: Person,
    *,
    session_id: str | None = None,
    site_id: int | None = None,
    user_id: int | None = None,
    age_days: float = 0,
    turns: int = 2,
    handoff_email: str | None = None,
    gap: Gap | None = None,
) -> Conversation:
    """A conversation ``age_days`` old (all its rows too), with ``turns`` questions, a 👎 with a comment on the
    first, optionally a hand-off, and each question as evidence of ``gap``."""
    at = utcnow() - timedelta(days=age_days)
    conversation = Conversation(
        audience="internal" if user_id else "public",
        site_id=site_id,
        session_id=session_id,
        user_id=user_id,
        created_at=at,
        updated_at=at,
    )
    db.session.add(conversation)
    db.session.flush()
    person.conversation_ids.append(conversation.id)
    for n in range(turns):
        question = person.question(len(person.message_ids))
        message = Message(
            conversation_id=conversation.id,
            question=question,
            answer="Open Billing.",
            audience=conversation.audience,
            is_gap=True,
            reason="no_match",
            created_at=at,
        )
        db.session.add(message)
        db.session.flush()
        person.message_ids.append(message.id)
        if n == 0:
            db.session.add(
                Feedback(message_id=message.id, helpful=False, comment=f"{person.marker} was no help", created_at=at)
            )
        if gap is not None:
            db.session.add(
                GapEvidence(
                    gap_id=gap.id, message_id=message.id, kind="abstained", question_masked=question, created_at=at
                )
            )
            gap.count += 1
            gap.token_counts = dict(Counter(gap.token_counts) + Counter(tokenize(question)))
    if handoff_email is not None:
        db.session.add(
            Handoff(
                conversation_id=conversation.id,
                email=handoff_email,
                message=f"please call me about {person.marker}",
                created_at=at,
            )
        )
    db.session.commit()
    return conversation


def new_gap(title: str = "placeholder") -> Gap:
    gap = Gap(title=title, audience="public", count=0, centroid=[0.1, 0.2], token_counts={})
    db.session.add(gap)
    db.session.commit()
    return gap


def resolve_with_failures(gap: Gap, failing: list[tuple[int, str]]) -> None:
    """A resolve that left ``failing`` (message id, masked question) failing, on the gap and in its trail, with what
    the bot answered each of them (an answer may repeat the visitor's words: a writer model echoes them)."""
    verification = {
        "verified": False,
        "failing": [question for _, question in failing],
        "failing_message_ids": [message_id for message_id, _ in failing],
        "replays": [
            {
                "message_id": message_id,
                "question": question,
                "answered": False,
                "reason": "low_confidence",
                "confidence": 0.4,
                "citation": None,
                "suggested": {"id": "billing/refunds.md", "title": "Refunds"},
                "answer": f"I'm not sure how to {question}.",
                "outcome": "not_sure",
                "passed": False,
            }
            for message_id, question in failing
        ],
    }
    gap.resolution = {"article_id": "billing/refunds.md", "verification": verification}
    db.session.add(GapEvent(gap_id=gap.id, action="resolve", detail=dict(gap.resolution)))
    db.session.commit()


def traces(needles: list[str], ids: dict[str, set[object]] | None = None) -> dict[str, int]:
    """Rows per table (every table of the database, read with plain SQL) that contain one of ``needles`` in any
    column, or whose foreign key to ``messages``/``conversations`` points at one of ``ids[table]``."""
    ids = ids or {}
    found: dict[str, int] = {}
    for table in inspect(db.engine).get_table_names():
        links = {
            fk["constrained_columns"][0]: fk["referred_table"]
            for fk in inspect(db.engine).get_foreign_keys(table)
            if fk["referred_table"] in ids
        }
        rows = db.session.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
        count = 0
        for row in rows:
            blob = json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False).lower()
            linked = any(row[column] in ids[referred] for column, referred in links.items())
            if linked or any(needle.lower() in blob for needle in needles):
                count += 1
        if count:
            found[table] = count
    return found


def _plain(value: object) -> object:
    return (
        value.isoformat()
        if isinstance(value, datetime)
        else value
        if isinstance(value, int | float | None)
        else str(value)
    )


def answerdesk(runner: FlaskCliRunner, *args: str) -> Result:
    """Run the real `answerdesk` command group against the test app."""
    return runner.invoke(cli, list(args))
