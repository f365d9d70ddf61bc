"""Item pipelines: capture the raw answers in WARC, then record the documents.

``WarcCapturePipeline`` (order 100) appends every 200 answer an item carries (the
page, each attachment, list pages) to the run's WARC writer and puts the
``WarcRef`` on the page, then lets go of the raw bytes. ``StorePipeline`` (300)
records items in small batches through :class:`crawler.storing.DocumentStore` and
sets ``item.outcome`` (new / changed / unchanged / not-modified), which the counters
extension reads from ``item_scraped``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from crawler.context import CrawlContext
from crawler.items import DocumentItem, ListingItem, NotModifiedItem, RawCapture
from crawler.storing import DocumentStore
from store.errors import StoreError
from store.warc import WarcRef, WarcWriter

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["BATCH_WAIT", "StorePipeline", "WarcCapturePipeline", "capture"]

# Seconds a batch waits for more items before it is written.
BATCH_WAIT = 0.05


def capture(writer: WarcWriter, raw: RawCapture | None) -> WarcRef | None:
    """Write one raw 200 answer; None for anything else."""
    if raw is None or raw.status != 200:
        return None
    return writer.write_response(raw.url, raw.status, raw.headers, raw.body)


class WarcCapturePipeline:
    def __init__(self, writer: WarcWriter) -> None:
        self.writer = writer

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCapturePipeline:
        return cls(CrawlContext.from_settings(crawler.settings).warc)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, DocumentItem):
            item.page.warc = capture(self.writer, item.raw)
            for attachment, raw in zip(item.page.attachments, item.attachment_raws, strict=False):
                attachment.warc = capture(self.writer, raw)
            item.raw, item.attachment_raws = None, []
        elif isinstance(item, ListingItem):
            capture(self.writer, item.raw)
            item.raw = None
        return item


class StorePipeline:
    """Records items in small batches: one transaction for the items that arrive together.

    Each item waits (without blocking the crawl) until its batch is committed, so
    ``item.outcome`` is set before ``item_scraped`` fires. A batch is written when it
    holds ``PLANWATCH_STORE_BATCH`` items or :data:`BATCH_WAIT` seconds after its first.
    """

    def __init__(self, store: DocumentStore, batch_size: int = 32, crawler: Crawler | None = None) -> None:
        self.store = store
        self.crawler = crawler
        self.batch_size = max(1, batch_size)
        self._pending: list[tuple[Any, asyncio.Future[None]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._writes: set[asyncio.Future[Any]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(CrawlContext.from_settings(crawler.settings).store,
                   crawler.settings.getint("PLANWATCH_STORE_BATCH", 32), crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, DocumentItem | NotModifiedItem | ListingItem):
            return item
        loop = asyncio.get_running_loop()
        written: asyncio.Future[None] = loop.create_future()
        self._pending.append((item, written))
        if len(self._pending) >= self.batch_size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(BATCH_WAIT, self._flush)
        await written
        return item

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if not batch:
            return
        task = asyncio.ensure_future(self._write(batch))
        self._writes.add(task)  # a reference until it is done
        task.add_done_callback(self._writes.discard)

    async def _write(self, batch: list[tuple[Any, asyncio.Future[None]]]) -> None:
        """Commit one batch in a worker thread: a write waiting for SQLite's lock (another
        process is writing) must not stall the downloads in flight; measured: with two
        analysers in other processes a small write waited up to 6 s, long enough for pages
        on the wire to time out when the wait blocked the event loop."""
        if self._store_down() is None:
            try:
                results = await asyncio.to_thread(self.store.save_batch, [item for item, _ in batch])
            except Exception as exc:  # save_batch reports items one by one; this is the store itself failing
                results = [exc] * len(batch)
            self._stop_if_store_down(results)
        if self._store_down() is not None:
            results = [None] * len(batch)  # not stored, not counted; the run ends with the one store error
        for (item, written), result in zip(batch, results, strict=True):
            if written.done():
                continue
            if isinstance(result, Exception):
                written.set_exception(result)  # Scrapy logs the item's error; the others are stored
                continue
            if result is not None:
                item.outcome = result
            written.set_result(None)

    def _store_down(self) -> Exception | None:
        return CrawlContext.from_settings(self.crawler.settings).store_error if self.crawler else None

    def _stop_if_store_down(self, results: list[Any]) -> None:
        """The database refused (server gone): remember why and close the spider, once."""
        failure = next((r for r in results if isinstance(r, StoreError)), None)
        if failure is None or self.crawler is None or self._store_down() is not None:
            return
        CrawlContext.from_settings(self.crawler.settings).store_error = failure
        if self.crawler.engine is not None:
            closing = asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="store-unavailable"))
            self._writes.add(closing)
            closing.add_done_callback(self._writes.discard)
