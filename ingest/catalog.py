"""The document catalogue: what was ingested, at which version, from where. Plain SQLAlchemy (no Flask).

``Base`` is the declarative base of every table: the web app's Flask-SQLAlchemy ``db`` is built on it
(``SQLAlchemy(model_class=Base)``, web/db/models.py), so its models and these share one registry and one metadata,
and the ingest pipeline uses these classes with any ``Session`` (``db.session`` inside an app context).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Document(Base):
    """A knowledge-base document (article or FAQ entry) and its current state."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    source_root: Mapped[str] = mapped_column(String(1024), index=True)
    source_path: Mapped[str | None] = mapped_column(String(1024))
    kind: Mapped[str] = mapped_column(String(16), default="article")
    title: Mapped[str] = mapped_column(String(1024))
    audience: Mapped[str] = mapped_column(String(16), index=True)
    community: Mapped[str | None] = mapped_column(String(128), index=True)
    url: Mapped[str | None] = mapped_column(String(2048))
    owner: Mapped[str | None] = mapped_column(String(256))
    language: Mapped[str] = mapped_column(String(8), default="en")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    review_by: Mapped[str | None] = mapped_column(String(32))
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(64))
    # The chunk ids stored in the vector store for the current version: what a later sync must delete.
    chunk_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set while a new version is being indexed; a run that finds it set knows the previous run was interrupted.
    pending_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)

    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.version", cascade="all, delete-orphan"
    )


class DocumentVersion(Base):
    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(1024))
    text: Mapped[str] = mapped_column(Text)
    metadata_json: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # The editor who wrote this version in the dashboard (e-mail); None for versions from a folder sync.
    author: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")
