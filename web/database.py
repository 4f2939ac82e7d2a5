"""Schema upgrades: every entry point that touches the database brings it to the latest migration first."""

from __future__ import annotations

import logging

from flask import Flask
from flask_migrate import upgrade

log = logging.getLogger(__name__)


def upgrade_database(app: Flask) -> None:
    from web import MIGRATIONS_DIR

    if app.extensions.get("answerdesk_db_upgraded"):
        return
    with app.app_context():
        # alembic logs each step at INFO; at our default level that is noise on every command.
        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade(directory=str(MIGRATIONS_DIR))
    app.extensions["answerdesk_db_upgraded"] = True
