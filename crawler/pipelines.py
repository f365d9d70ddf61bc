"""Item pipelines: capture the raw answers in WARC, then record the documents.

``WarcCapturePipeline`` (order 100) appends every 200 answer an item carries (the
page, each attachment, list pages) to the run's WARC writer and puts the
``WarcRef`` on the page, then lets go of the raw bytes. ``StorePipeline`` (300)
records the item through :class:`crawler.storing.DocumentStore` and sets
``item.outcome`` (new / changed / unchanged / not-modified), which the counters
extension reads from ``item_scraped``.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawler.context import CrawlContext
from crawler.items import DocumentItem, ListingItem, NotModifiedItem, RawCapture
from crawler.storing import DocumentStore
from store.warc import WarcRef, WarcWriter

__all__ = ["StorePipeline", "WarcCapturePipeline", "capture"]


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
    def __init__(self, store: DocumentStore) -> None:
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(CrawlContext.from_settings(crawler.settings).store)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, DocumentItem):
            item.outcome = self.store.save_document(item)
        elif isinstance(item, NotModifiedItem):
            item.outcome = self.store.save_not_modified(item)
        elif isinstance(item, ListingItem):
            self.store.save_listings([item])
        return item
