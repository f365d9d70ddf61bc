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
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from store.kinds import FetchOutcome
from store.models import Attachment, Blob, Document, Version, utcnow
from store.normalise import content_hash, text_hash
from store.texts import compress_text
from store.warc import WarcRef

__all__ = ["FetchedAttachment", "FetchedPage", "RecordResult", "Recorded", "WarcRef", "combined_text", "content_digest",
           "record_fetch", "record_fetches", "record_not_modified", "record_not_modified_many", "record_seen"]


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
    text_content_hash: str | None = None  # content_hash(text), when the reader took it already


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


@dataclass(frozen=True)
class Recorded:
    """What :func:`record_fetches` did with one page (ids instead of ORM objects)."""

    outcome: FetchOutcome
    document_id: int
    version_id: int | None


def content_digest(page: FetchedPage) -> str:
    """The version's content hash: the reader's hash of the page text when that is all there is."""
    if page.text_content_hash is not None and not any(attachment.text for attachment in page.attachments):
        return page.text_content_hash
    return content_hash(combined_text(page))


_DOCUMENT_WRITTEN = ("title", "agency", "region", "plan_year", "doc_type", "published_on", "last_seen", "last_status",
                     "etag", "last_modified", "latest_hash", "page_hash")
_DOCUMENT_STATE = ("id", "url", *_DOCUMENT_WRITTEN)


def _locked_documents(session: Session, urls: set[str]) -> dict[str, dict[str, Any]]:
    """The pages' known documents, locked for this transaction (FOR UPDATE on PostgreSQL).

    Two processes recording the same changed page at once (the daemon and a manual
    crawl) would otherwise both compare with the same old ``latest_hash`` and store two
    equal versions in a row; the lock makes the second wait and see the first's hash.
    Rows are locked in id order, so two batches never wait for each other in a circle.
    SQLite's BEGIN IMMEDIATE already serialises whole transactions.
    """
    columns = [getattr(Document.__table__.c, name) for name in _DOCUMENT_STATE]  # type: ignore[attr-defined]
    statement = (sa_select(*columns).where(col(Document.url).in_(sorted(urls)))
                 .order_by(col(Document.id)).with_for_update())
    return {row.url: dict(row._mapping) for row in session.execute(statement)}


def _new_document(page: FetchedPage) -> dict[str, Any]:
    return {"id": None, "url": page.url, "source_id": page.source_id, "title": "", "agency": "", "region": "",
            "plan_year": None, "doc_type": "", "published_on": None, "first_seen": page.fetched_at,
            "last_seen": page.fetched_at, "last_status": None, "etag": None, "last_modified": None,
            "latest_hash": None, "page_hash": None, "series_id": None, "canonical_id": None, "minhash": None}


def _touch_row(row: dict[str, Any], page: FetchedPage) -> None:
    row["last_seen"], row["last_status"] = page.fetched_at, page.http_status
    for key, value in (("etag", page.etag), ("last_modified", page.last_modified), ("page_hash", page.page_hash)):
        if value is not None:
            row[key] = value


def _refresh_row(row: dict[str, Any], page: FetchedPage) -> None:
    for key in ("title", "agency", "region", "doc_type", "published_on"):
        row[key] = getattr(page, key) or row[key]
    row["plan_year"] = page.plan_year if page.plan_year is not None else row["plan_year"]


def _write_documents(session: Session, rows: dict[str, dict[str, Any]], created: list[str]) -> None:
    """Insert the new documents (their ids filled in) and update the known ones, a statement each."""
    if created:
        fresh = [{key: value for key, value in rows[url].items() if key != "id"} for url in created]
        ids = session.execute(insert(Document).returning(col(Document.id), sort_by_parameter_order=True), fresh)
        for url, (document_id,) in zip(created, ids.all(), strict=True):
            rows[url]["id"] = document_id
    fresh_urls = set(created)
    known = [{key: row[key] for key in ("id", *_DOCUMENT_WRITTEN)} for url, row in rows.items() if url not in fresh_urls]
    if known:
        session.execute(update(Document), known)


def _store_blobs(session: Session, texts: dict[str, str]) -> None:
    """Store the texts (keyed by hash) not stored yet: one IN query, one INSERT."""
    stored: set[str] = set()
    keys = sorted(texts)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        stored.update(session.execute(sa_select(col(Blob.hash)).where(col(Blob.hash).in_(chunk))).scalars())
    missing = [{"hash": key, "data": compress_text(texts[key]), "size": len(texts[key])} for key in keys if key not in stored]
    if missing:
        session.execute(insert(Blob), missing)


def _version_row(document_id: int, page: FetchedPage, digest: str, text_key: str) -> dict[str, Any]:
    warc = page.warc
    return {"document_id": document_id, "fetched_at": page.fetched_at, "http_status": page.http_status,
            "etag": page.etag, "last_modified": page.last_modified, "content_hash": digest, "text_hash": text_key,
            "title": page.title, "published_on": page.published_on, "outline": None, "analysed_at": None,
            "analysis_error": None, "warc_file": warc.file if warc else None,
            "warc_offset": warc.offset if warc else None, "warc_length": warc.length if warc else None}


def _attachment_row(version_id: int, fetched: FetchedAttachment) -> dict[str, Any]:
    warc = fetched.warc
    return {"version_id": version_id, "url": fetched.url, "filename": fetched.filename,
            "media_type": fetched.media_type, "size_bytes": fetched.size_bytes,
            "text_hash": text_hash(fetched.text) if fetched.text else None, "error": fetched.error,
            "warc_file": warc.file if warc else None, "warc_offset": warc.offset if warc else None}


def _write_versions(session: Session, rows: dict[str, dict[str, Any]],
                    changed: list[tuple[FetchedPage, str]]) -> list[int]:
    """Insert the versions (texts and attachments with them); their ids in order."""
    texts: dict[str, str] = {}
    versions = []
    for page, digest in changed:
        text = combined_text(page)
        key = text_hash(text)
        texts[key] = text
        texts.update((text_hash(a.text), a.text) for a in page.attachments if a.text)
        versions.append(_version_row(rows[page.url]["id"], page, digest, key))
    if not versions:
        return []
    _store_blobs(session, texts)
    ids = [vid for (vid,) in session.execute(insert(Version).returning(col(Version.id), sort_by_parameter_order=True),
                                             versions).all()]
    attachments = [_attachment_row(vid, a) for vid, (page, _) in zip(ids, changed, strict=True) for a in page.attachments]
    if attachments:
        session.execute(insert(Attachment), attachments)
    return ids


def record_fetches(session: Session, pages: Sequence[FetchedPage]) -> list[Recorded]:
    """Record fetched pages in the caller's transaction, as :func:`record_fetch` would one by one.

    A page becomes a new version only if its normalised content is new for its
    document (pages of one URL in the batch are compared in order). A crawl batch
    costs a handful of statements (documents locked in one query, inserted and updated
    in one each, one ``IN`` query for the stored texts, one insert per table) instead of
    several ORM flushes per page.
    """
    rows = _locked_documents(session, {page.url for page in pages})
    created: list[str] = []
    changed: list[tuple[FetchedPage, str]] = []
    outcomes: list[tuple[FetchOutcome, str, bool]] = []
    for page in pages:
        digest = content_digest(page)
        is_new = page.url not in rows
        if is_new:
            rows[page.url] = _new_document(page)
            created.append(page.url)
        row = rows[page.url]
        _touch_row(row, page)
        if not is_new and row["latest_hash"] == digest:
            outcomes.append((FetchOutcome.UNCHANGED, page.url, False))
            continue
        _refresh_row(row, page)
        row["latest_hash"] = digest
        changed.append((page, digest))
        outcomes.append((FetchOutcome.NEW if is_new else FetchOutcome.CHANGED, page.url, True))
    _write_documents(session, rows, created)
    version_ids = iter(_write_versions(session, rows, changed))
    return [Recorded(outcome, rows[url]["id"], next(version_ids) if versioned else None)
            for outcome, url, versioned in outcomes]


def record_fetch(session: Session, page: FetchedPage) -> RecordResult:
    """Store ``page`` as a new version if its normalised content is new for its document."""
    (done,) = record_fetches(session, [page])
    document = session.get(Document, done.document_id, populate_existing=True)
    version = session.get(Version, done.version_id, populate_existing=True) if done.version_id is not None else None
    assert document is not None
    return RecordResult(done.outcome, document, version)


def _touch(document: Document, page_status: int, when: datetime, etag: str | None, last_modified: str | None) -> None:
    document.last_seen = when
    document.last_status = page_status
    if etag is not None:
        document.etag = etag
    if last_modified is not None:
        document.last_modified = last_modified


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
