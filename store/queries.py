"""The read side shared by the CLI, the differ, the digest and the web app."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from store.errors import NotFound
from store.models import Attachment, Change, CrawlRun, Document, Target, Version

__all__ = [
    "attachments_of_version",
    "changes_since",
    "document_by_ref",
    "latest_attachments",
    "latest_version",
    "list_documents",
    "recent_runs",
    "targets_of_document",
    "targets_of_version",
    "version_counts",
    "versions_of",
]


def document_by_ref(session: Session, ref: str | int) -> Document:
    """A document by id or by URL; NotFound names what was asked for."""
    text = str(ref).strip()
    document = session.get(Document, int(text)) if text.isdigit() else session.exec(
        select(Document).where(Document.url == text)
    ).first()
    if document is None:
        raise NotFound(f"no document {text!r} in the store")
    return document


def versions_of(session: Session, document_id: int) -> Sequence[Version]:
    """All versions of one page, oldest first."""
    statement = select(Version).where(Version.document_id == document_id).order_by(col(Version.id))
    return session.exec(statement).all()


def latest_version(session: Session, document_id: int) -> Version | None:
    statement = select(Version).where(Version.document_id == document_id).order_by(col(Version.id).desc())
    return session.exec(statement).first()


def version_counts(session: Session) -> dict[int, int]:
    """Number of versions per document id."""
    statement = select(Version.document_id, func.count()).group_by(col(Version.document_id))
    return {document_id: count for document_id, count in session.exec(statement).all()}


def targets_of_version(session: Session, version_id: int) -> Sequence[Target]:
    statement = select(Target).where(Target.version_id == version_id).order_by(col(Target.position))
    return session.exec(statement).all()


def targets_of_document(session: Session, document_id: int) -> Sequence[Target]:
    """The targets of a plan: those of its latest analysed version."""
    latest = session.exec(
        select(Target.version_id).where(Target.document_id == document_id).order_by(col(Target.version_id).desc())
    ).first()
    return [] if latest is None else targets_of_version(session, latest)


def changes_since(session: Session, after_change_id: int | None) -> Sequence[Change]:
    """Changes with an id above ``after_change_id`` (all when None), oldest first."""
    statement = select(Change).order_by(col(Change.id))
    if after_change_id is not None:
        statement = statement.where(col(Change.id) > after_change_id)
    return session.exec(statement).all()


def list_documents(session: Session, source_id: str | None = None) -> Sequence[Document]:
    """Stored documents, newest publication first (then by id), optionally of one source."""
    statement = select(Document).order_by(col(Document.published_on).desc(), col(Document.id))
    if source_id is not None:
        statement = statement.where(Document.source_id == source_id)
    return session.exec(statement).all()


def attachments_of_version(session: Session, version_id: int) -> Sequence[Attachment]:
    statement = select(Attachment).where(Attachment.version_id == version_id).order_by(col(Attachment.id))
    return session.exec(statement).all()


def latest_attachments(session: Session) -> dict[int, list[Attachment]]:
    """Document id → the attachments of its latest version (one query for all documents)."""
    latest = select(Version.document_id, func.max(Version.id).label("version_id")).group_by(col(Version.document_id)).subquery()
    statement = (
        select(latest.c.document_id, Attachment)
        .join(Attachment, col(Attachment.version_id) == latest.c.version_id)
        .order_by(col(Attachment.id))
    )
    found: dict[int, list[Attachment]] = {}
    for document_id, attachment in session.exec(statement).all():
        found.setdefault(document_id, []).append(attachment)
    return found


def recent_runs(session: Session, limit: int = 20, source_id: str | None = None) -> Sequence[CrawlRun]:
    """The latest crawl runs, newest first."""
    statement = select(CrawlRun).order_by(col(CrawlRun.id).desc()).limit(limit)
    if source_id is not None:
        statement = statement.where(CrawlRun.source_id == source_id)
    return session.exec(statement).all()
