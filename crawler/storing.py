"""Crawl results into the store: the one write path of the spider and the revalidation pass.

The spider's items are written in small batches, one transaction each
(``store.versions.record_fetches``: a version only when the normalised content
changed, a few statements per batch), so a killed crawl keeps every batch it finished. 304s of the revalidation pass go in bulk
(``record_not_modified_many``). :func:`known_pages` loads what a source already
has, with the validators for conditional requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from crawler.items import DocumentItem, ListingItem, NotModifiedItem
from store.engine import session_scope
from store.kinds import FetchOutcome
from store.models import Document, ListingPage, Source, utcnow
from store.sources_config import SourceConfig
from store.versions import (
    record_fetches,
    record_not_modified,
    record_not_modified_many,
    record_seen,
)

__all__ = ["DocumentStore", "KnownPage", "KnownPages", "known_pages", "sync_sources"]


@dataclass(frozen=True)
class KnownPage:
    """A page the store already holds, with what a conditional re-fetch needs."""

    url: str
    id: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    fingerprint: str | None = None  # page hash (documents) or link signature (list pages)


@dataclass(frozen=True)
class KnownPages:
    documents: dict[str, KnownPage]
    listings: dict[str, KnownPage]

    def validators(self) -> dict[str, tuple[str | None, str | None]]:
        """URL → (ETag, Last-Modified) for every page with at least one validator."""
        pages = [*self.documents.values(), *self.listings.values()]
        return {p.url: (p.etag, p.last_modified) for p in pages if p.etag or p.last_modified}

    def without_listing_validators(self) -> KnownPages:
        """The same pages, but list pages are fetched in full (see ``crawler.recovery``).

        After an unfinished run a list page answers 304 although some of its links were
        never followed; read in full, it yields them again.
        """
        listings = {url: replace(page, etag=None, last_modified=None) for url, page in self.listings.items()}
        return KnownPages(documents=self.documents, listings=listings)


def known_pages(engine: Engine, source_id: str) -> KnownPages:
    """The documents and list pages a source already has in the store."""
    with Session(engine) as session:
        documents = session.execute(
            sa_select(col(Document.id), col(Document.url), col(Document.etag), col(Document.last_modified),
                      col(Document.page_hash))
            .where(col(Document.source_id) == source_id)
        ).all()
        listings = session.execute(
            sa_select(col(ListingPage.url), col(ListingPage.etag), col(ListingPage.last_modified),
                      col(ListingPage.content_hash))
            .where(col(ListingPage.source_id) == source_id)
        ).all()
    return KnownPages(
        documents={url: KnownPage(url, id_, etag, lm, ph) for id_, url, etag, lm, ph in documents},
        listings={url: KnownPage(url, None, etag, lm, sig) for url, etag, lm, sig in listings},
    )


def sync_sources(engine: Engine, sources: Iterable[SourceConfig]) -> None:
    """Create or update the ``Source`` rows the config names (rows are never deleted).

    Two processes starting at once on PostgreSQL (the daemon and a manual crawl) may
    both find a new source missing and insert it; the loser's transaction fails on the
    primary key and is simply done again, now as an update.
    """
    configs = list(sources)
    for attempt in range(2):
        try:
            with session_scope(engine) as session:
                for config in configs:
                    row = session.get(Source, config.id) or Source(id=config.id, name=config.name)
                    row.name, row.agency, row.region, row.enabled = config.name, config.agency, config.region, config.enabled
                    row.updated_at = utcnow()
                    session.add(row)
            return
        except IntegrityError:
            if attempt:
                raise


def _not_modified(session: Session, item: NotModifiedItem) -> FetchOutcome:
    document = session.exec(select(Document).where(Document.url == item.url)).first()
    if document is None:
        return FetchOutcome.ERROR  # a 304 for a page we never stored: nothing to move
    return record_not_modified(session, document, item.when, item.etag, item.last_modified).outcome


def _listing(session: Session, source_id: str, item: ListingItem) -> None:
    row = session.get(ListingPage, item.url) or ListingPage(url=item.url, source_id=source_id)
    row.last_status, row.last_seen = item.status, item.when
    row.etag = item.etag or row.etag
    row.last_modified = item.last_modified or row.last_modified
    row.content_hash = item.signature or row.content_hash
    session.add(row)


def _record(session: Session, source_id: str, item: Any) -> FetchOutcome | None:
    """One crawl item other than a document page in the caller's transaction; None for list pages."""
    if isinstance(item, NotModifiedItem):
        return _not_modified(session, item)
    if isinstance(item, ListingItem):
        _listing(session, source_id, item)
    return None


def _record_items(session: Session, source_id: str, items: Sequence[Any]) -> list[FetchOutcome | None]:
    """Crawl items in the caller's transaction, results in item order: document pages first,
    all in one :func:`record_fetches`, then 304s and list pages one by one."""
    results: list[FetchOutcome | None] = [None] * len(items)
    documents = [(n, item.page) for n, item in enumerate(items) if isinstance(item, DocumentItem)]
    if documents:
        for (n, _), done in zip(documents, record_fetches(session, [page for _, page in documents]), strict=True):
            results[n] = done.outcome
    for n, item in enumerate(items):
        if not isinstance(item, DocumentItem):
            results[n] = _record(session, source_id, item)
    return results


class DocumentStore:
    """Writes the items of one source's crawl."""

    def __init__(self, engine: Engine, source_id: str) -> None:
        self.engine = engine
        self.source_id = source_id

    def save_document(self, item: DocumentItem) -> FetchOutcome:
        with session_scope(self.engine) as session:
            return record_fetches(session, [item.page])[0].outcome

    def save_not_modified(self, item: NotModifiedItem) -> FetchOutcome:
        with session_scope(self.engine) as session:
            return _not_modified(session, item)

    def save_batch(self, items: Sequence[Any]) -> list[FetchOutcome | Exception | None]:
        """Record the items of a Scrapy crawl in one transaction; results in item order.

        Documents, 304s and list pages arriving together share a commit (on a busy disk
        a commit per document was a third of a first crawl). Should the batch fail, each
        item is recorded alone, so one bad item cannot take the others with it: its
        result is the exception (None: a list page, which has no outcome).
        """
        try:
            with session_scope(self.engine) as session:
                return list(_record_items(session, self.source_id, items))
        except Exception as exc:
            if len(items) == 1:
                return [exc]
        return [result for item in items for result in self.save_batch([item])]

    def save_not_modified_many(self, document_ids: list[int], when: datetime) -> int:
        with session_scope(self.engine) as session:
            return record_not_modified_many(session, document_ids, when)

    def save_unchanged(self, document_id: int, status: int, etag: str | None, last_modified: str | None,
                       when: datetime) -> FetchOutcome:
        with session_scope(self.engine) as session:
            document = session.get(Document, document_id)
            if document is None:
                return FetchOutcome.ERROR
            return record_seen(session, document, status, when, etag, last_modified).outcome

    def save_failure(self, url: str, status: int) -> None:
        """A known document answered with an HTTP error: remember the status, keep the versions."""
        with session_scope(self.engine) as session:
            document = session.exec(select(Document).where(Document.url == url)).first()
            if document is not None:
                document.last_status = status
                session.add(document)

    def forget_listings(self, urls: list[str]) -> None:
        """List pages that are gone: not re-checked again (documents keep their versions)."""
        if not urls:
            return
        with session_scope(self.engine) as session:
            for url in urls:
                row = session.get(ListingPage, url)
                if row is not None:
                    session.delete(row)

    def save_listings(self, items: Iterable[ListingItem]) -> None:
        with session_scope(self.engine) as session:
            for item in items:
                _listing(session, self.source_id, item)
