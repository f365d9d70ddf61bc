"""One document, one version, one change: everything their pages show, loaded here.

Unknown ids raise :class:`store.errors.NotFound` (a 404 page). Texts come from the
store's compressed blobs; the raw capture comes from the WARC file a version names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from reports.web.highlight import Piece, highlight_targets
from store.errors import NotFound
from store.models import Attachment, Change, Document, Series, Source, Target, Version
from store.queries import targets_of_version, versions_of
from store.texts import get_text
from store.warc import WarcRef, read_record

__all__ = [
    "ChangeView",
    "DocumentView",
    "RawCapture",
    "VersionView",
    "change_view",
    "document_view",
    "get_document",
    "get_version",
    "raw_capture",
    "version_view",
]


@dataclass
class DocumentView:
    document: Document
    source: Source | None
    versions: Sequence[Version]
    attachments: Sequence[Attachment]
    outline: list[Any]
    targets: Sequence[Target]
    targets_version: Version | None
    series: Series | None
    canonical: Document | None
    reposts: Sequence[Document]
    changes: Sequence[Change]

    @property
    def latest(self) -> Version | None:
        return self.versions[-1] if self.versions else None


@dataclass
class VersionView:
    version: Version
    document: Document
    number: int  # 1 for the first version of the document
    versions: Sequence[Version]
    pieces: list[Piece]
    targets: Sequence[Target]
    attachments: Sequence[Attachment]
    unplaced: list[Target] = field(default_factory=list)

    @property
    def previous(self) -> Version | None:
        return self.versions[self.number - 2] if self.number > 1 else None

    @property
    def following(self) -> Version | None:
        return self.versions[self.number] if self.number < len(self.versions) else None


@dataclass
class ChangeView:
    change: Change
    document: Document | None
    old_document: Document | None
    series: Series | None
    source: Source | None


@dataclass(frozen=True)
class RawCapture:
    content_type: str
    body: bytes


def get_document(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound(f"没有编号为 {document_id} 的文件 (no document {document_id})")
    return document


def get_version(session: Session, version_id: int) -> Version:
    version = session.get(Version, version_id)
    if version is None:
        raise NotFound(f"没有编号为 {version_id} 的版本 (no version {version_id})")
    return version


def _targets_version(session: Session, document_id: int) -> int | None:
    statement = select(Target.version_id).where(Target.document_id == document_id).order_by(col(Target.version_id).desc())
    return session.exec(statement.limit(1)).first()


def _outline(versions: Sequence[Version]) -> list[Any]:
    for version in reversed(versions):
        if version.outline:
            return list(version.outline)
    return []


def document_view(session: Session, document_id: int) -> DocumentView:
    """A document with its versions, latest attachments, outline, targets and relatives."""
    document = get_document(session, document_id)
    versions = versions_of(session, document_id)
    latest = versions[-1] if versions else None
    attachments = session.exec(select(Attachment).where(Attachment.version_id == latest.id).order_by(col(Attachment.id))).all() if latest else []
    targets_version_id = _targets_version(session, document_id)
    changes = session.exec(select(Change).where(Change.document_id == document_id).order_by(col(Change.id).desc()).limit(20)).all()
    reposts = session.exec(select(Document).where(Document.canonical_id == document_id).order_by(col(Document.id))).all()
    return DocumentView(
        document=document,
        source=session.get(Source, document.source_id),
        versions=versions,
        attachments=attachments,
        outline=_outline(versions),
        targets=targets_of_version(session, targets_version_id) if targets_version_id else [],
        targets_version=session.get(Version, targets_version_id) if targets_version_id else None,
        series=session.get(Series, document.series_id) if document.series_id else None,
        canonical=session.get(Document, document.canonical_id) if document.canonical_id else None,
        reposts=reposts,
        changes=changes,
    )


def version_view(session: Session, version_id: int) -> VersionView:
    """A version's text with its targets marked in place."""
    version = get_version(session, version_id)
    document = get_document(session, version.document_id)
    versions = versions_of(session, version.document_id)
    number = next(index for index, item in enumerate(versions, start=1) if item.id == version.id)
    targets = targets_of_version(session, version_id)
    pieces, unplaced = highlight_targets(get_text(session, version.text_hash), targets)
    attachments = session.exec(select(Attachment).where(Attachment.version_id == version_id).order_by(col(Attachment.id))).all()
    return VersionView(version, document, number, versions, pieces, targets, attachments, unplaced)


def change_view(session: Session, change_id: int) -> ChangeView:
    change = session.get(Change, change_id)
    if change is None:
        raise NotFound(f"没有编号为 {change_id} 的变化 (no change {change_id})")
    return ChangeView(
        change=change,
        document=session.get(Document, change.document_id) if change.document_id else None,
        old_document=session.get(Document, change.old_document_id) if change.old_document_id else None,
        series=session.get(Series, change.series_id) if change.series_id else None,
        source=session.get(Source, change.source_id) if change.source_id else None,
    )


_SHOWABLE = ("text/html", "text/plain", "application/xhtml+xml")


def raw_capture(session: Session, data_dir: Path, version_id: int) -> RawCapture:
    """The response body as captured, with a content type safe to show (HTML or text only)."""
    version = get_version(session, version_id)
    if not version.warc_file or version.warc_offset is None:
        raise NotFound(f"版本 {version_id} 没有原始抓取记录 (no raw capture for version {version_id})")
    try:
        headers, body = read_record(data_dir, WarcRef(version.warc_file, version.warc_offset, version.warc_length))
    except (OSError, ValueError) as exc:
        raise NotFound(f"版本 {version_id} 的原始抓取记录无法读取 (raw capture unreadable: {exc})") from exc
    content_type = next((value for name, value in headers if name.lower() == "content-type"), "text/html")
    if content_type.split(";")[0].strip().lower() not in _SHOWABLE:
        content_type = "text/plain; charset=utf-8"
    return RawCapture(content_type, body)
