"""The product under test: a fresh app in a throw-away data dir, driven through its API as a widget and an editor."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.testing import FlaskClient

from chatbot.config import Settings

_EDITOR = "verification-editor@eval.invalid"


@dataclass
class Service:
    app: Flask
    client: FlaskClient
    site_key: str
    editor: dict[str, str]  # Authorization header

    def ask(self, question: str, visitor: int) -> dict[str, Any]:
        headers = {"X-Site-Key": self.site_key, "X-Session-Id": f"eval-visitor-{visitor:010d}"}
        answer: dict[str, Any] = self._ok(
            self.client.post("/api/v1/chat", json={"question": question}, headers=headers)
        )
        return answer

    def open_gaps(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for status in ("open", "assigned"):
            rows += self._ok(self.client.get(f"/api/v1/gaps?status={status}&limit=1000", headers=self.editor))
        return [self._ok(self.client.get(f"/api/v1/gaps/{row['id']}", headers=self.editor)) for row in rows]

    def resolve(self, gap_id: int, question: str, answer: str) -> dict[str, Any]:
        body = {"faq": {"question": question[:500], "answer": answer[:10000]}}
        verification: dict[str, Any] = self._ok(
            self.client.post(f"/api/v1/gaps/{gap_id}/resolve", json=body, headers=self.editor)
        )["verification"]
        return verification

    def undo_resolve(self, gap_id: int) -> None:
        """Delete the FAQ the resolve wrote and reopen the gap: the next fix is judged on the same state."""
        from ingest.factory import build_pipeline
        from web.db.models import Gap, db
        from web.gaps.resolve import faq_document_id
        from web.services import get_runtime

        with self.app.app_context():
            gap = db.session.get(Gap, gap_id)
            assert gap is not None
            build_pipeline(get_runtime(self.app), db.session()).delete_documents([faq_document_id(gap)])
            gap.status, gap.verified_at, gap.resolution = "open", None, None
            db.session.commit()

    def consolidate(self) -> dict[str, Any]:
        from web.gaps.consolidation import consolidate_open_gaps
        from web.gaps.notifications import gap_alerts
        from web.services import get_runtime, get_settings

        with self.app.app_context():
            alerts = gap_alerts(self.app, get_settings(self.app))
            report: dict[str, Any] = consolidate_open_gaps(get_runtime(self.app).embedder, alerts).to_dict()
            return report

    @staticmethod
    def _ok(response: Any) -> Any:
        if response.status_code != 200:
            raise click.ClickException(f"{response.request.path}: {response.status_code} {response.get_data(True)}")
        return response.get_json()


@contextmanager
def fresh_service(settings: Settings, documents: Sequence[Any]) -> Iterator[Service]:
    """A new app over ``documents`` in a temporary data dir (deleted afterwards), with a site key and an editor."""
    from ingest.factory import build_pipeline
    from web import create_app
    from web.access.accounts import create_api_token, create_site, create_user
    from web.db.engine import upgrade_database
    from web.db.models import db
    from web.services import get_runtime

    work = Path(tempfile.mkdtemp(prefix="answerdesk-verification-"))
    try:
        data_dir = work / "var"
        data_dir.mkdir()
        if settings.calibration_path.exists():  # answer as the user's answerdesk does (as `answerdesk eval` does)
            shutil.copy(settings.calibration_path, data_dir / settings.calibration_path.name)
        eval_settings = settings.replace(
            data_dir=data_dir, database_url=None, chroma_url=None, collection="eval-verification", rate_limit="off"
        )
        # No background regrouping: the eval runs one itself, after the last question, so the figures do not
        # depend on thread timing; no webhook either.
        app = create_app(eval_settings, TESTING=True, GAP_CONSOLIDATE_EVERY=0)
        upgrade_database(app)
        with app.app_context():
            build_pipeline(get_runtime(app), db.session()).sync_documents(documents, source_root="eval:stackfaq")
            site = create_site("verification", ["https://eval.invalid"])
            editor = create_user(_EDITOR, secrets.token_urlsafe(16), "editor")
            service = Service(app, app.test_client(), site.key, {"Authorization": f"Bearer {create_api_token(editor)}"})
            db.session.remove()
        yield service
    finally:
        shutil.rmtree(work, ignore_errors=True)
