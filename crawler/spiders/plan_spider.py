"""The plan spider: one generic class, one instance per source of the sources config.

List pages → detail links whose text or title matches the source's ``title_filter``
(:mod:`crawler.listing`), further list pages through the pager registry
(:mod:`crawler.pagers`) up to ``max_pages``. Detail pages → fields and body
(:mod:`crawler.reading`), then every attachment fetched through the engine (so
robots.txt, retries and the size limit apply) and read. One item per document,
carrying the page fields, attachment texts or errors, the HTTP validators and the
raw answers the WARC pipeline captures. 304s (the conditional middleware sent the
stored validators) become ``NotModifiedItem``; failures go to the ``fetch_failed``
signal, counted by kind, and never stop the crawl.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any, ClassVar

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import signals as planwatch_signals
from crawler.context import CrawlContext, CrawlPlan
from crawler.encoding import decode_html
from crawler.items import DocumentItem, ListingItem, NotModifiedItem, RawCapture
from crawler.listing import read_list_page
from crawler.pagers import pagers_named
from crawler.reading import (
    NotAPage,
    failed_attachment,
    fetched_page,
    read_fetched_attachment,
    read_page,
)
from crawler.tally import error_kind
from store.versions import FetchedAttachment

__all__ = ["PlanSpider", "raw_capture"]

logger = logging.getLogger(__name__)


def raw_capture(response: Response, url: str | None = None) -> RawCapture:
    """A Scrapy response as the WARC and store pipelines take it."""
    headers = [
        (key.decode("latin-1"), value.decode("latin-1"))
        for key, values in response.headers.items()
        for value in values
    ]
    return RawCapture(url or response.url, response.status, headers, response.body)


class PlanSpider(scrapy.Spider):
    name = "planwatch"
    handle_httpstatus_list: ClassVar[list[int]] = [304]

    def __init__(self, plan: CrawlPlan, context: CrawlContext, **kwargs: Any) -> None:
        super().__init__(name=f"planwatch:{context.source.id}", **kwargs)
        self.plan = plan
        self.context = context
        self.source = context.source
        self.allowed_domains = list(context.source.allowed_domains)
        self.pagers = pagers_named()
        self._listed: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PlanSpider:
        plan: CrawlPlan = kwargs.pop("plan")
        spider = cls(plan, CrawlContext.from_settings(crawler.settings), **kwargs)
        spider._set_crawler(crawler)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.plan.list_urls:
            request = self._list_request(url)
            if request is not None:
                yield request
        for url, title in self.plan.detail_urls:
            yield self._detail_request(url, title)

    # -- list pages

    def _list_request(self, url: str) -> scrapy.Request | None:
        if url in self._listed or url in self.plan.skip_urls or len(self._listed) >= self.plan.max_pages:
            return None
        self._listed.add(url)
        return scrapy.Request(url, callback=self.parse_list, errback=self.failed, meta={"planwatch_role": "list"})

    def _detail_request(self, url: str, title: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_detail, errback=self.failed,
                              meta={"planwatch_role": "detail", "list_title": title})

    def parse_list(self, response: Response) -> Iterator[Any]:
        # A list page keeps the URL it was asked for (the config's start URL, a pager link)
        # even when the site redirects it, so the next crawl recognises it as known.
        url = str((response.meta.get("redirect_urls") or [response.url])[0])
        etag, modified = self._header(response, "ETag"), self._header(response, "Last-Modified")
        if response.status == 304:
            yield ListingItem(url=url, status=304, etag=etag, last_modified=modified)
            return
        html = decode_html(response.body, self._header(response, "Content-Type"))
        links = read_list_page(html, response.url, self.source, self.pagers)
        yield ListingItem(url=url, status=200, etag=etag, last_modified=modified,
                          signature=links.signature, raw=raw_capture(response))
        for page_url in links.page_links:
            request = self._list_request(page_url)
            if request is not None:
                yield request
        for detail_url, title in links.detail_links:
            if detail_url not in self.plan.skip_urls:
                yield self._detail_request(detail_url, title)

    # -- detail pages

    async def parse_detail(self, response: Response) -> AsyncIterator[Any]:
        url = response.url  # after redirects: where the document lives
        if response.status == 304:
            yield NotModifiedItem(url=url, etag=self._header(response, "ETag"),
                                  last_modified=self._header(response, "Last-Modified"))
            return
        raw = raw_capture(response)
        try:
            read = read_page(self.source, raw)
        except NotAPage as exc:
            self._report(url, error_kind(exc), exc)
            return
        if not read.fields.title:
            read = replace(read, fields=replace(read.fields, title=response.meta.get("list_title", "")))
        fetched = await asyncio.gather(*(self._attachment(u, name) for u, name in read.attachment_links))
        attachments = [attachment for attachment, _ in fetched]
        yield DocumentItem(page=fetched_page(self.source, read, raw, attachments), raw=raw,
                           attachment_raws=[capture for _, capture in fetched])

    async def _attachment(self, url: str, name: str) -> tuple[FetchedAttachment, RawCapture | None]:
        request = scrapy.Request(url, meta={"planwatch_role": "attachment", "planwatch_conditional": False})
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:
            kind = error_kind(exc)
            self._report(url, f"attachment-{kind}", exc)
            return failed_attachment(url, name, f"{kind}: {exc}"), None
        raw = raw_capture(response, url)
        if response.status != 200:
            self._report(url, f"attachment-http-{response.status}", None)
        return read_fetched_attachment(url, name, raw), raw

    # -- failures

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        exc = failure.value or Exception(str(failure))
        status = exc.response.status if isinstance(exc, HttpError) else None
        kind = error_kind(exc, status)
        role = request.meta.get("planwatch_role", "page")
        if status is not None and role == "detail":
            self.context.store.save_failure(request.url, status)
        self._report(request.url, kind, exc)

    def _report(self, url: str, kind: str, exc: BaseException | None) -> None:
        if kind.endswith("too-large"):
            logger.warning("%s: dropped, larger than crawl.max_response_bytes (%d bytes); "
                           "raise PLANWATCH_CRAWL_MAX_RESPONSE_BYTES to keep such pages",
                           url, self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        else:
            logger.info("%s: %s%s", url, kind, f" ({exc})" if exc is not None and str(exc) else "")
        self.crawler.signals.send_catch_log(planwatch_signals.fetch_failed, url=url, kind=kind)

    @staticmethod
    def _header(response: Response, name: str) -> str | None:
        value = response.headers.get(name)
        return value.decode("latin-1") if value else None
