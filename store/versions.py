"""Record what a fetch found: a new version only when the content really changed.

The crawler (and the fast revalidation pass) hand every answer for a document page
here. A 304, or a 200 whose normalised text hashes like the latest version's, only
moves ``last_seen`` (and the validators used for the next conditional request). All
writes of one fetch happen in the caller's transaction, so a killed process leaves
either the whole version (text, attachments) or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from store.kinds import FetchOutcome
from store.models import Attachment, Document, Version, utcnow
from store.normalise import content_hash
from store.texts import put_text
from store.warc import WarcRef

__all__ = ["FetchedAttachment", "FetchedPage", "RecordResult", "WarcRef", "combined_text", "record_fetch", "record_not_modified",
           "record_not_modified_many", "record_seen"]


@dataclass
class FetchedAttachment:
    """An attachment as fetched: its text, or the reason it has none."""

    url: str
    filename: str = ""
    media_type: str = ""
    size_bytes: int = 0
    text: str | None = None
    error: str | None = None
    warc: WarcRef | None = None


@dataclass
class FetchedPage:
    """A document page as the crawler read it (status 200)."""

    url: str
    source_id: str
    text: str
    title: str = ""
    agency: str = ""
    region: str = ""
    plan_year: int | None = None
    doc_type: str = ""
    published_on: date | None = None
    http_status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    warc: WarcRef | None = None
    attachments: list[FetchedAttachment] = field(default_factory=list)
    fetched_at: datetime = field(default_factory=utcnow)
    page_hash: str | None = None


@dataclass(frozen=True)
class RecordResult:
    outcome: FetchOutcome
    document: Document
    version: Version | None


def combined_text(page: FetchedPage) -> str:
    """The page text followed by each readable attachment's text: what is versioned."""
    parts = [page.text]
    for attachment in page.attachments:
        if attachment.text:
            parts.append(f"【附件】{attachment.filename or attachment.url}\n{attachment.text}")
    return "\n\n".join(parts)


def _document_for(session: Session, page: FetchedPage) -> tuple[Document, bool]:
    """The page's document, locked for this transaction (FOR UPDATE on PostgreSQL).

    Two processes recording the same changed page at once (the daemon and a manual
    crawl) would otherwise both compare with the same old ``latest_hash`` and store two
    equal versions in a row; the lock makes the second wait and see the first's hash.
    SQLite's BEGIN IMMEDIATE already serialises whole transactions.
    """
    statement = select(Document).where(Document.url == page.url).with_for_update()
    document = session.exec(statement.execution_options(populate_existing=True)).first()
    if document is not None:
        return document, False
    document = Document(url=page.url, source_id=page.source_id, first_seen=page.fetched_at, last_seen=page.fetched_at)
    session.add(document)
    session.flush()
    return document, True


def _refresh_metadata(document: Document, page: FetchedPage) -> None:
    document.title = page.title or document.title
    document.agency = page.agency or document.agency
    document.region = page.region or document.region
    document.plan_year = page.plan_year if page.plan_year is not None else document.plan_year
    document.doc_type = page.doc_type or document.doc_type
    document.published_on = page.published_on or document.published_on


def _touch(document: Document, page_status: int, when: datetime, etag: str | None, last_modified: str | None) -> None:
    document.last_seen = when
    document.last_status = page_status
    if etag is not None:
        document.etag = etag
    if last_modified is not None:
        document.last_modified = last_modified


def _add_attachments(session: Session, version: Version, page: FetchedPage) -> None:
    for fetched in page.attachments:
        session.add(
            Attachment(
                version_id=version.id,  # type: ignore[arg-type]
                url=fetched.url,
                filename=fetched.filename,
                media_type=fetched.media_type,
                size_bytes=fetched.size_bytes,
                text_hash=put_text(session, fetched.text) if fetched.text else None,
                error=fetched.error,
                warc_file=fetched.warc.file if fetched.warc else None,
                warc_offset=fetched.warc.offset if fetched.warc else None,
            )
        )


def record_fetch(session: Session, page: FetchedPage) -> RecordResult:
    """Store ``page`` as a new version if its normalised content is new for its document."""
    document, is_new = _document_for(session, page)
    text = combined_text(page)
    digest = content_hash(text)
    _touch(document, page.http_status, page.fetched_at, page.etag, page.last_modified)
    if page.page_hash is not None:
        document.page_hash = page.page_hash
    if not is_new and document.latest_hash == digest:
        session.add(document)
        return RecordResult(FetchOutcome.UNCHANGED, document, None)
    _refresh_metadata(document, page)
    version = Version(
        document_id=document.id,  # type: ignore[arg-type]
        fetched_at=page.fetched_at,
        http_status=page.http_status,
        etag=page.etag,
        last_modified=page.last_modified,
        content_hash=digest,
        text_hash=put_text(session, text),
        title=page.title,
        published_on=page.published_on,
        warc_file=page.warc.file if page.warc else None,
        warc_offset=page.warc.offset if page.warc else None,
        warc_length=page.warc.length if page.warc else None,
    )
    session.add(version)
    session.flush()
    _add_attachments(session, version, page)
    document.latest_hash = digest
    session.add(document)
    session.flush()
    return RecordResult(FetchOutcome.NEW if is_new else FetchOutcome.CHANGED, document, version)


def record_not_modified(
    session: Session,
    document: Document,
    when: datetime | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> RecordResult:
    """A 304 for a known document: only ``last_seen`` (and validators) move."""
    _touch(document, 304, when or utcnow(), etag, last_modified)
    session.add(document)
    return RecordResult(FetchOutcome.NOT_MODIFIED, document, None)


def record_not_modified_many(session: Session, document_ids: Sequence[int], when: datetime | None = None) -> int:
    """304s for many known documents in one statement per chunk: ``last_seen`` moves.

    The fast revalidation pass answers thousands of 304s; one UPDATE per 500 ids
    instead of one ORM object each keeps an unchanged cycle close to the network's
    cost. Returns the number of rows updated.
    """
    moment = when or utcnow()
    updated = 0
    for start in range(0, len(document_ids), 500):
        chunk = list(document_ids[start : start + 500])
        statement = (
            update(Document).where(col(Document.id).in_(chunk)).values(last_seen=moment, last_status=304)
        )
        updated += session.execute(statement).rowcount or 0  # type: ignore[attr-defined]
    return updated


def record_seen(
    session: Session,
    document: Document,
    status: int,
    when: datetime | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> RecordResult:
    """A 200 whose page is known to be unchanged (same page hash): no version, ``last_seen`` moves."""
    _touch(document, status, when or utcnow(), etag, last_modified)
    session.add(document)
    return RecordResult(FetchOutcome.UNCHANGED, document, None)
