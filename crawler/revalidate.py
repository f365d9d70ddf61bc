"""The fast re-check of a source's known pages, before (and mostly instead of) Scrapy.

Scrapy's per-request machinery costs ~2.8 ms of CPU even for a 304, so an unchanged
cycle through Scrapy cannot be ten times cheaper than the first crawl. This pass
conditionally re-GETs every known document and list page with a lean aiohttp client
(:class:`crawler.fetcher.Fetcher`: keep-alive, bounded concurrency, same User-Agent,
robots.txt, retries with backoff):

- document 304 → ``last_seen`` moves, in bulk (one UPDATE per 500 documents);
- document 200 → decoded and read like the spider reads it; the same page hash
  (text + attachment links) → ``last_seen`` only; a different one → attachments
  fetched and read, a new version through the spider's store path;
- list page 304, or 200 with the same links → nothing to discover; links to unknown
  documents or unknown list pages → handed to the Scrapy spider for discovery
  (new documents only; everything known is skipped); 404/410 → counted once and
  forgotten (a column that lost a page).

When nothing changed, Scrapy is not started at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from crawler.context import CrawlContext
from crawler.encoding import decode_html
from crawler.fetcher import Fetcher, ResponseTooLarge
from crawler.items import DocumentItem, ListingItem, RawCapture
from crawler.listing import read_list_page
from crawler.pipelines import capture
from crawler.reading import (
    NotAPage,
    failed_attachment,
    fetched_page,
    read_fetched_attachment,
    read_page,
)
from crawler.storing import KnownPage, KnownPages
from crawler.tally import error_kind
from store.kinds import FetchOutcome
from store.models import utcnow
from store.settings import Config
from store.versions import FetchedAttachment

__all__ = ["GONE_STATUSES", "RevalidateResult", "revalidate_source"]

# A known list page answering these is gone (the column shrank): counted once, then forgotten.
GONE_STATUSES = frozenset({404, 410})

logger = logging.getLogger(__name__)


@dataclass
class RevalidateResult:
    """What the pass found that only the spider can follow."""

    new_list_urls: list[str] = field(default_factory=list)
    new_detail_links: dict[str, str] = field(default_factory=dict)  # URL → title on the list page
    not_modified_ids: list[int] = field(default_factory=list)

    @property
    def discovery_needed(self) -> bool:
        return bool(self.new_list_urls or self.new_detail_links)


class _Pass:
    """One revalidation pass over one source's known pages."""

    def __init__(self, context: CrawlContext, known: KnownPages, fetcher: Fetcher) -> None:
        self.context = context
        self.known = known
        self.fetcher = fetcher
        self.when = utcnow()
        self.result = RevalidateResult()
        self.listings: list[ListingItem] = []
        self.gone_listings: list[str] = []

    async def fetch(self, url: str, validators: tuple[str | None, str | None] = (None, None)) -> RawCapture | None:
        """The answer, or None after counting the failure by kind."""
        try:
            return await self.fetcher.get(url, validators)
        except Exception as exc:
            self.fail(url, error_kind(exc), exc)
            return None

    def fail(self, url: str, kind: str, exc: BaseException | None = None) -> None:
        if isinstance(exc, ResponseTooLarge):
            logger.warning("%s; raise PLANWATCH_CRAWL_MAX_RESPONSE_BYTES to keep such pages", exc)
        else:
            logger.info("%s: %s", url, kind)
        self.context.tally.error(kind, url)

    async def check_list(self, page: KnownPage) -> None:
        raw = await self.fetch(page.url, (page.etag, page.last_modified))
        if raw is None:
            return
        if raw.status == 304:
            self.listings.append(ListingItem(page.url, 304, raw.header("ETag"), raw.header("Last-Modified"), when=self.when))
            return
        if raw.status != 200:
            self.fail(page.url, f"http-{raw.status}")
            if raw.status in GONE_STATUSES:
                self.gone_listings.append(page.url)
            return
        links = read_list_page(decode_html(raw.body, raw.header("Content-Type")), page.url, self.context.source)
        capture(self.context.warc, raw)
        self.listings.append(ListingItem(page.url, 200, raw.header("ETag"), raw.header("Last-Modified"),
                                         links.signature, when=self.when))
        for url, title in links.detail_links:
            if url not in self.known.documents:
                self.result.new_detail_links.setdefault(url, title)
        for url in links.page_links:
            if url not in self.known.listings and url not in self.result.new_list_urls:
                self.result.new_list_urls.append(url)

    async def check_document(self, page: KnownPage) -> None:
        raw = await self.fetch(page.url, (page.etag, page.last_modified))
        if raw is None:
            return
        if raw.status == 304 and page.id is not None:
            self.result.not_modified_ids.append(page.id)
            self.context.tally.outcome(FetchOutcome.NOT_MODIFIED)
            return
        if raw.status != 200:
            self.context.store.save_failure(page.url, raw.status)
            self.fail(page.url, f"http-{raw.status}")
            return
        try:
            read = read_page(self.context.source, raw)
        except NotAPage as exc:
            self.fail(page.url, error_kind(exc), exc)
            return
        if read.page_hash == page.fingerprint and page.id is not None:
            capture(self.context.warc, raw)
            outcome = self.context.store.save_unchanged(page.id, 200, raw.header("ETag"), raw.header("Last-Modified"), self.when)
            self.context.tally.outcome(outcome)
            return
        fetched = await asyncio.gather(*(self.attachment(url, name) for url, name in read.attachment_links))
        item = DocumentItem(page=fetched_page(self.context.source, read, raw, [a for a, _ in fetched], self.when))
        item.page.warc = capture(self.context.warc, raw)
        for attachment, (_, attachment_raw) in zip(item.page.attachments, fetched, strict=True):
            attachment.warc = capture(self.context.warc, attachment_raw)
        self.context.tally.outcome(self.context.store.save_document(item))

    async def attachment(self, url: str, name: str) -> tuple[FetchedAttachment, RawCapture | None]:
        try:
            raw = await self.fetcher.get(url)
        except Exception as exc:
            kind = error_kind(exc)
            self.fail(url, f"attachment-{kind}", exc)
            return failed_attachment(url, name, f"{kind}: {exc}"), None
        if raw.status != 200:
            self.fail(url, f"attachment-http-{raw.status}")
        return read_fetched_attachment(url, name, raw), raw

    def finish(self) -> None:
        """Write the bulk 304s and the list pages' new validators and signatures."""
        store = self.context.store
        store.save_not_modified_many(self.result.not_modified_ids, self.when)
        store.save_listings(self.listings)
        store.forget_listings(self.gone_listings)


async def _in_workers(jobs: list[Callable[[], Awaitable[None]]], workers: int) -> None:
    """Run the jobs with a fixed number of workers: thousands of pages, a few dozen coroutines.

    (The HTTP client bounds the requests in flight; this bounds the memory and the
    scheduling work of waiting for them.)
    """
    pending = iter(jobs)

    async def worker() -> None:
        for job in pending:
            await job()

    await asyncio.gather(*(worker() for _ in range(max(1, min(workers, len(jobs))))))


def _unknown_start_urls(context: CrawlContext, known: KnownPages) -> list[str]:
    return [url for url in context.source.start_urls if url not in known.listings]


async def revalidate_source(config: Config, context: CrawlContext, known: KnownPages,
                            *, when: datetime | None = None) -> RevalidateResult:
    """Re-check every known page of ``context.source``; return what needs discovery."""
    async with Fetcher(config, context.tally) as fetcher:
        run = _Pass(context, known, fetcher)
        if when is not None:
            run.when = when
        jobs: list[Callable[[], Awaitable[None]]] = [partial(run.check_list, page) for page in known.listings.values()]
        jobs += [partial(run.check_document, page) for page in known.documents.values()]
        await _in_workers(jobs, 2 * int(config["crawl.concurrency"]))
        run.finish()
    result = run.result
    for url in _unknown_start_urls(context, known):
        if url not in result.new_list_urls:
            result.new_list_urls.insert(0, url)
    return result
