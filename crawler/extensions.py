"""The crawl counters: Scrapy signals into the run's :class:`crawler.tally.CrawlTally`.

Requests reaching the downloader, answers by status, failures by kind (planwatch's
``fetch_failed`` signal, sent once a request has failed for good; redirect loops,
which Scrapy's duplicate filter drops without an error, from ``request_dropped``;
callbacks that raised, from ``spider_error``) and the store outcome of every item. At ``spider_closed`` the counters are written to the run's
``CrawlRun`` row, so ``planwatch runs`` shows them even before the run is finalised.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler import signals as planwatch_signals
from crawler.context import CrawlContext
from crawler.tally import CrawlTally
from store.engine import session_scope
from store.kinds import FetchOutcome
from store.models import CrawlRun

__all__ = ["CrawlCounters"]


class CrawlCounters:
    def __init__(self, context: CrawlContext) -> None:
        self.context = context
        self.tally: CrawlTally = context.tally

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlCounters:
        extension = cls(CrawlContext.from_settings(crawler.settings))
        crawler.signals.connect(extension.request_reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        crawler.signals.connect(extension.fetch_failed, signal=planwatch_signals.fetch_failed)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(extension.spider_error, signal=signals.spider_error)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def request_reached(self, request: Request, **_: Any) -> None:
        self.tally.request()

    def response_received(self, response: Response, **_: Any) -> None:
        self.tally.response(response.status, response.url)

    def fetch_failed(self, kind: str, url: str | None = None, **_: Any) -> None:
        self.tally.error(kind, url)

    def request_dropped(self, request: Request, **_: Any) -> None:
        """A redirect back to a URL of its own chain: the duplicate filter ends the loop silently."""
        if request.url in (request.meta.get("redirect_urls") or ()):
            self.tally.error("redirect-loop", request.url)

    def spider_error(self, **_: Any) -> None:
        """A callback raised (Scrapy has logged the traceback): the page was not stored."""
        self.tally.error("spider-error")

    def item_scraped(self, item: Any, **_: Any) -> None:
        outcome = getattr(item, "outcome", None)
        if isinstance(outcome, FetchOutcome):
            self.tally.outcome(outcome)

    def spider_closed(self, **_: Any) -> None:
        if self.context.run_id is None or self.context.store_error is not None:
            return  # without a store the run's end is recorded by the next crawl (crawler.recovery)
        with session_scope(self.context.engine) as session:
            run = session.get(CrawlRun, self.context.run_id)
            if run is not None:
                self.tally.write_to(run)
                session.add(run)
