"""Downloader middlewares: conditional requests, and retries that back off.

:class:`ConditionalRequestMiddleware` sends ``If-None-Match`` / ``If-Modified-Since``
from the validators the store holds for a page (``Document.etag``,
``Document.last_modified``, ``ListingPage``), so an unchanged page costs a 304 with
no body. A request with ``meta["planwatch_conditional"] = False`` goes out plain.

:class:`BackoffRetryMiddleware` is Scrapy's RetryMiddleware (5xx and timeouts,
``RETRY_TIMES``) waiting ``PLANWATCH_RETRY_BACKOFF`` seconds before the first retry
and doubling the wait for each further one (capped at :data:`MAX_BACKOFF`), so a
struggling server is not hit again at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response

from crawler.context import CrawlContext
from crawler.politeness import MAX_BACKOFF, backoff_delay

__all__ = ["MAX_BACKOFF", "BackoffRetryMiddleware", "ConditionalRequestMiddleware", "backoff_delay"]

class ConditionalRequestMiddleware:
    """Adds the stored validators of a known page to its request."""

    def __init__(self, validators: dict[str, tuple[str | None, str | None]]) -> None:
        self.validators = validators

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(CrawlContext.from_settings(crawler.settings).validators)

    def process_request(self, request: Request) -> None:
        if not request.meta.get("planwatch_conditional", True):
            return
        etag, last_modified = self.validators.get(request.url, (None, None))
        if etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = etag
        if last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = last_modified


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries of 5xx answers and timeouts, with a doubling wait before each."""

    backoff: float = 1.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        middleware = super().from_crawler(crawler)
        middleware.backoff = float(crawler.settings.getfloat("PLANWATCH_RETRY_BACKOFF", 1.0))
        return middleware

    async def _wait(self, result: Any) -> Any:
        if isinstance(result, Request) and self.backoff > 0:
            await asyncio.sleep(backoff_delay(self.backoff, int(result.meta.get("retry_times", 1))))
        return result

    async def process_response(self, request: Request, response: Response) -> Any:  # type: ignore[override]
        return await self._wait(super().process_response(request, response))

    async def process_exception(self, request: Request, exception: Exception) -> Any:  # type: ignore[override]
        return await self._wait(super().process_exception(request, exception))
