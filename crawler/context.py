"""What one source's crawl shares between the spider, its components and the run.

Scrapy copies its settings deeply for each crawler; :class:`CrawlContext` passes
through that copy unchanged (``__deepcopy__`` returns itself), so every component
built by ``from_crawler`` reads the same engine, WARC writer and counters from the
``PLANWATCH_CONTEXT`` setting. Nothing here is global: two crawls in one process
(tests, the cycle) each get their own context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from crawler.storing import DocumentStore
from crawler.tally import CrawlTally
from store.sources_config import SourceConfig
from store.warc import WarcWriter

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

__all__ = ["CONTEXT_SETTING", "CrawlContext", "CrawlPlan"]

CONTEXT_SETTING = "PLANWATCH_CONTEXT"


@dataclass(frozen=True)
class CrawlPlan:
    """Where a Scrapy crawl of one source starts and what it leaves alone.

    First crawl: the source's start URLs. Full re-crawl: start URLs, known list pages
    and known documents (fetched conditionally). Discovery after revalidation: the new
    list pages and new detail links only, with everything known skipped.
    """

    list_urls: tuple[str, ...]
    detail_urls: tuple[tuple[str, str], ...] = ()  # (URL, title from the list page)
    skip_urls: frozenset[str] = frozenset()
    max_pages: int = 50


@dataclass
class CrawlContext:
    """The run-wide objects of one source's crawl."""

    engine: Engine
    source: SourceConfig
    store: DocumentStore
    tally: CrawlTally
    warc: WarcWriter
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    run_id: int | None = None
    # Set by the store pipeline when the database refuses writes (server down): the crawl
    # stops at once and crawl_source raises it, instead of fetching pages it cannot keep.
    store_error: Exception | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> CrawlContext:
        return self

    def __repr__(self) -> str:
        return f"CrawlContext(source={self.source.id!r}, run_id={self.run_id})"

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> CrawlContext:
        """The context of this crawl; NotConfigured outside a planwatch crawl."""
        from scrapy.exceptions import NotConfigured

        context = settings.get(CONTEXT_SETTING)
        if not isinstance(context, cls):
            raise NotConfigured(f"{CONTEXT_SETTING} is not set: not a planwatch crawl")
        return context
