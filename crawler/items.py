"""What the spider and the revalidation pass hand to the pipelines.

Items carry the raw response (:class:`RawCapture`) until the WARC pipeline has
written it and put the :class:`~store.warc.WarcRef` on the page; the store pipeline
then records the page and sets ``outcome``, which the counters extension reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from store.kinds import FetchOutcome
from store.models import utcnow
from store.versions import FetchedPage

__all__ = ["DocumentItem", "ListingItem", "NotModifiedItem", "RawCapture", "header_value"]


@dataclass
class RawCapture:
    """One HTTP answer as received (body decoded from gzip, as Scrapy and aiohttp give it)."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


def header_value(headers: list[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` (case-insensitive), or None."""
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


@dataclass
class DocumentItem:
    """A plan document page (200), with its attachments, ready to be captured and stored."""

    page: FetchedPage
    raw: RawCapture | None = None
    attachment_raws: list[RawCapture | None] = field(default_factory=list)
    outcome: FetchOutcome | None = None


@dataclass
class NotModifiedItem:
    """A 304 for a known document."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    when: datetime = field(default_factory=utcnow)
    outcome: FetchOutcome | None = None


@dataclass
class ListingItem:
    """A list page fetched (200 with its link signature, or 304)."""

    url: str
    status: int
    etag: str | None = None
    last_modified: str | None = None
    signature: str | None = None
    raw: RawCapture | None = None
    when: datetime = field(default_factory=utcnow)
