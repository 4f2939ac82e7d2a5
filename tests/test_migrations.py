"""The schema migrations (web/db/migrations) build exactly the tables the models describe, and the newest one can
be undone and done again without losing rows."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from web.db.engine import MIGRATIONS_DIR
from web.db.models import db

BEFORE_THE_INBOX = "d387aae58e92"


def schema_differences() -> list[object]:
    with db.engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), db.metadata))


def test_the_migrated_database_matches_the_models(app: Flask) -> None:
    assert schema_differences() == []


def test_the_inbox_migration_keeps_hand_offs_both_ways(app: Flask) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO conversations (id, audience, created_at, updated_at) VALUES (:id, 'public', :at, :at)"),
            {"id": "c1", "at": "2026-01-01 00:00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO handoffs (conversation_id, email, message, status, created_at) "
                "VALUES ('c1', 'a@example.com', 'help', 'open', '2026-01-01 00:00:00')"
            )
        )
    downgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE_THE_INBOX)
    db.engine.dispose()
    with db.engine.connect() as connection:
        columns = {row[1] for row in connection.execute(text("PRAGMA table_info(handoffs)"))}
        assert "reply" not in columns
        assert connection.execute(text("SELECT email, status FROM handoffs")).all() == [("a@example.com", "open")]
    upgrade(directory=str(MIGRATIONS_DIR))
    db.engine.dispose()
    with db.engine.connect() as connection:
        row = connection.execute(text("SELECT email, status, reply, handled_by_id FROM handoffs")).one()
    assert tuple(row) == ("a@example.com", "open", None, None)
    assert schema_differences() == []


BEFORE_SLACK_HANDOFFS = "5c1a7e2d9b40"


def test_the_slack_hand_off_migration_keeps_conversations_and_hand_offs_both_ways(app: Flask) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO conversations (id, audience, created_at, updated_at, slack_channel_id, slack_thread_ts) "
                "VALUES ('s1', 'internal', :at, :at, 'C1', '1700000000.000001')"
            ),
            {"at": "2026-01-01 00:00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO handoffs (conversation_id, status, created_at, reply, slack_status) "
                "VALUES ('s1', 'answered', '2026-01-01 00:00:00', 'Done.', 'sent')"
            )
        )
    downgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE_SLACK_HANDOFFS)
    db.engine.dispose()
    with db.engine.connect() as connection:
        conversation_columns = {row[1] for row in connection.execute(text("PRAGMA table_info(conversations)"))}
        handoff_columns = {row[1] for row in connection.execute(text("PRAGMA table_info(handoffs)"))}
        assert "slack_channel_id" not in conversation_columns and "slack_status" not in handoff_columns
        assert connection.execute(text("SELECT id FROM conversations")).all() == [("s1",)]
        assert connection.execute(text("SELECT status, reply FROM handoffs")).all() == [("answered", "Done.")]
    upgrade(directory=str(MIGRATIONS_DIR))
    db.engine.dispose()
    with db.engine.connect() as connection:
        row = connection.execute(text("SELECT slack_channel_id, slack_thread_ts FROM conversations")).one()
        status = connection.execute(text("SELECT reply, slack_status FROM handoffs")).one()
    assert tuple(row) == (None, None) and tuple(status) == ("Done.", None)
    assert schema_differences() == []


BEFORE_SUGGESTION_DECISIONS = "b4e8d2a61f37"


def test_the_suggestion_decisions_migration_keeps_suggestions_both_ways(app: Flask) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO documents (id, source_root, kind, title, audience, language, tags, current_version, "
                "content_hash, chunk_ids, created_at, updated_at) "
                "VALUES ('a.md', '/kb', 'article', 'A', 'public', 'en', '[]', 1, 'h', '[]', :at, :at)"
            ),
            {"at": "2026-01-01 00:00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO edit_suggestions (document_id, text, status, created_at) "
                "VALUES ('a.md', 'Say B.', 'declined', '2026-01-01 00:00:00')"
            )
        )
    downgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE_SUGGESTION_DECISIONS)
    db.engine.dispose()
    with db.engine.connect() as connection:
        columns = {row[1] for row in connection.execute(text("PRAGMA table_info(edit_suggestions)"))}
        assert "decided_by_id" not in columns and "decided_at" not in columns
        assert connection.execute(text("SELECT text, status FROM edit_suggestions")).all() == [("Say B.", "declined")]
    upgrade(directory=str(MIGRATIONS_DIR))
    db.engine.dispose()
    with db.engine.connect() as connection:
        row = connection.execute(text("SELECT status, decided_by_id, decided_at FROM edit_suggestions")).one()
    assert tuple(row) == ("declined", None, None)
    assert schema_differences() == []
