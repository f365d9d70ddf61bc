"""SQLModel tables: what planwatch remembers.

::

    Source 1─* Document 1─* Version 1─* Target
                  │  │          ├─* Attachment
                  │  │          └── Blob (text, compressed, shared by equal texts)
                  │  └── Series (same agency + region + kind of plan, over the years)
                  └── canonical Document (when this one is a repost)
    Change ──> Document / Version / Series        (what the differ found)
    Subscriber 1─* Digest 1─* DigestItem ──> Change  (the outbox)
    CrawlRun ──> Source;  ListingPage ──> Source  (crawl bookkeeping)
    ScheduleMark                                  (cron mode: when the digest last ran)

Times are aware UTC in Python and naive UTC in the database (:class:`UTCDateTime`),
so SQLite and PostgreSQL round-trip the same values. "All versions of this page" is
``Version.document_id``; "all targets of this plan" is ``Target.document_id``; "what
changed since the last digest" is ``Change.id`` above the subscriber's last delivered
``Digest.last_change_id``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, LargeBinary, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

__all__ = [
    "Attachment",
    "Blob",
    "Change",
    "CrawlRun",
    "Digest",
    "DigestItem",
    "Document",
    "ListingPage",
    "ScheduleMark",
    "Series",
    "Source",
    "Subscriber",
    "Target",
    "UTCDateTime",
    "Version",
    "utcnow",
]


def utcnow() -> datetime:
    """The current time, aware, in UTC (the store's clock)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in Python, naive UTC in the column, on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC time")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _when(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


def _json(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


class Source(SQLModel, table=True):
    """A site section planwatch watches, mirrored from the sources config."""

    id: str = Field(primary_key=True, max_length=64)
    name: str
    agency: str = ""
    region: str = ""
    enabled: bool = True
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)


class Series(SQLModel, table=True):
    """Documents of one agency and region, one kind of plan, different years."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    title: str
    region: str = ""
    agency: str = ""
    doc_type: str = ""


class Document(SQLModel, table=True):
    """One page (by canonical URL) holding a plan, with its latest validators."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True, index=True)
    source_id: str = Field(foreign_key="source.id", index=True)
    title: str = ""
    agency: str = ""
    region: str = Field(default="", index=True)
    plan_year: int | None = Field(default=None, index=True)
    doc_type: str = Field(default="", index=True)
    published_on: date | None = None
    first_seen: datetime = _when(default_factory=utcnow)
    last_seen: datetime = _when(default_factory=utcnow)
    last_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    latest_hash: str | None = None
    page_hash: str | None = None  # the page alone (text + attachment links): lets revalidation skip attachments
    series_id: int | None = Field(default=None, foreign_key="series.id", index=True)
    canonical_id: int | None = Field(default=None, foreign_key="document.id", index=True)
    # MinHash signature of the latest text (128 uint32, little-endian): finds reposts
    # elsewhere without re-reading every stored text (monitor.analysis.reposts).
    minhash: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class Blob(SQLModel, table=True):
    """Extracted text, zlib-compressed, keyed by the SHA-256 of the text itself.

    Equal texts share one row, so re-fetching an unchanged page costs no space.
    """

    hash: str = Field(primary_key=True, max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    size: int = 0


class Version(SQLModel, table=True):
    """One distinct content of a document, as fetched at one time."""

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    fetched_at: datetime = _when(default_factory=utcnow, index=True)
    http_status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str = Field(max_length=64, index=True)
    text_hash: str = Field(foreign_key="blob.hash", max_length=64)
    title: str = ""
    published_on: date | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None
    outline: list[Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    analysed_at: datetime | None = _when(default=None, index=True)
    analysis_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Attachment(SQLModel, table=True):
    """A file linked from a document version (pdf, docx, ...), with its text or the reason it has none."""

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="version.id", index=True)
    url: str
    filename: str = ""
    media_type: str = ""
    size_bytes: int = 0
    text_hash: str | None = Field(default=None, foreign_key="blob.hash", max_length=64)
    error: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None


class Target(SQLModel, table=True):
    """A quantitative target or reported actual found in a version's text."""

    # The archive's indicator page: each plan's latest target for an indicator, index-only.
    __table_args__ = (Index("ix_target_indicator_document_version", "indicator_norm", "document_id", "version_id"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="version.id", index=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    position: int = 0
    indicator: str
    indicator_norm: str = Field(default="", index=True)
    value: float
    value_max: float | None = None
    unit: str = ""
    cmp: str = "="
    deadline: int | None = None
    kind: str = "target"
    sentence: str = Field(default="", sa_column=Column(Text, nullable=False))
    section: str = ""
    responsible: str | None = None


class Change(SQLModel, table=True):
    """Something a user should hear about: a new plan, an edit, a moved target."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    created_at: datetime = _when(default_factory=utcnow, index=True)
    source_id: str | None = Field(default=None, foreign_key="source.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="document.id", index=True)
    version_id: int | None = Field(default=None, foreign_key="version.id")
    old_document_id: int | None = Field(default=None, foreign_key="document.id")
    old_version_id: int | None = Field(default=None, foreign_key="version.id")
    series_id: int | None = Field(default=None, foreign_key="series.id", index=True)
    indicator: str | None = None
    plan_year: int | None = None
    summary: str = Field(sa_column=Column(Text, nullable=False))
    detail: dict[str, Any] = _json()
    dedup_key: str = Field(unique=True, max_length=255)


class Subscriber(SQLModel, table=True):
    """An email address and the filters that choose what it receives."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True)
    regions: list[str] = _json(list)
    sources: list[str] = _json(list)
    keywords: list[str] = _json(list)
    kinds: list[str] = _json(list)
    send_empty: bool = False
    active: bool = True
    token: str = Field(default="", index=True)
    created_at: datetime = _when(default_factory=utcnow)


class Digest(SQLModel, table=True):
    """One email's worth of changes for one subscriber: the outbox row."""

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int | None = Field(default=None, foreign_key="subscriber.id", index=True)
    recipient: str = ""
    created_at: datetime = _when(default_factory=utcnow)
    status: str = Field(default="pending", index=True)
    change_count: int = 0
    last_change_id: int | None = None
    subject: str = ""
    message_id: str = Field(default="", index=True)
    message_hash: str | None = Field(default=None, foreign_key="blob.hash", max_length=64)
    html_path: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = _when(default=None)
    last_error: str | None = None
    sent_at: datetime | None = _when(default=None)
    delivered_at: datetime | None = _when(default=None)


class DigestItem(SQLModel, table=True):
    """A change placed in a digest; a change is placed once per subscriber."""

    __table_args__ = (UniqueConstraint("subscriber_id", "change_id", name="uq_digestitem_subscriber_change"),)

    digest_id: int = Field(foreign_key="digest.id", primary_key=True)
    change_id: int = Field(foreign_key="change.id", primary_key=True)
    subscriber_id: int | None = Field(default=None, foreign_key="subscriber.id")


class CrawlRun(SQLModel, table=True):
    """One crawl of one source: when, what it fetched, how it ended."""

    id: int | None = Field(default=None, primary_key=True)
    source_id: str | None = Field(default=None, foreign_key="source.id", index=True)
    trigger: str = "cli"
    pid: int | None = None
    host: str = ""  # machine of ``pid``: a run left "running" is judged dead only on its own host
    started_at: datetime = _when(default_factory=utcnow, index=True)
    finished_at: datetime | None = _when(default=None)
    status: str = "running"
    requests: int = 0
    ok_count: int = 0
    not_modified_count: int = 0
    error_count: int = 0
    errors: dict[str, Any] = _json()
    new_documents: int = 0
    new_versions: int = 0
    message: str = ""


class ListingPage(SQLModel, table=True):
    """A list (column) page of a source, with the validators of its last fetch."""

    url: str = Field(primary_key=True)
    source_id: str = Field(foreign_key="source.id", index=True)
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    last_status: int | None = None
    last_seen: datetime = _when(default_factory=utcnow)


class ScheduleMark(SQLModel, table=True):
    """When a scheduled task last ran, by name (``digest``), for cron mode.

    ``run --once`` lives for one cycle only, so "has ``digest.schedule`` fired since
    the last digest?" is answered from here; the daemon's digest job writes it too,
    so switching between daemon and cron mode sends no extra digest.
    """

    name: str = Field(primary_key=True, max_length=64)
    last_run_at: datetime = _when(default_factory=utcnow)
    last_status: str = ""
