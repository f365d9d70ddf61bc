"""Crawl sources in this process: the API the CLI, the cycle and the daemon call.

:func:`crawl_sources` syncs the ``Source`` rows from the config, then crawls each
source and writes one ``CrawlRun`` per source. A source the store knows nothing of
gets a plain Scrapy crawl. A known source first gets the lean revalidation pass
(:mod:`crawler.revalidate`); Scrapy starts only when a list page shows documents or
pages the store has not seen, and then only for those. With ``crawl.revalidate``
off, every crawl is a full Scrapy crawl with conditional requests.

Scrapy runs without a Twisted reactor under ``asyncio.run`` (one event loop per
source), so this can be called any number of times in one process. There is no
module-level state: everything a crawl shares lives in its :class:`CrawlContext`.
A run ends ``ok``, ``partial`` (some fetches failed) or ``failed`` (nothing could be
fetched, or the source's config is wrong: it will fail again until fixed). A crash
(a bug), Ctrl-C (or SIGTERM turned into KeyboardInterrupt by the caller, re-raised)
and the time limit end it ``interrupted``. A process killed
outright records nothing: the next crawl settles its run and re-reads the list pages
it left half-followed (:mod:`crawler.recovery`).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from types import FrameType
from typing import Any

from sqlalchemy.engine import Engine

from crawler.context import CrawlContext, CrawlPlan
from crawler.listing import check_selectors
from crawler.recovery import list_validators_trusted, settle_dead_runs, this_host
from crawler.revalidate import revalidate_source
from crawler.storing import DocumentStore, KnownPages, known_pages, sync_sources
from crawler.tally import CrawlTally
from store.database import open_store
from store.engine import session_scope
from store.errors import DatabaseUnavailable, PlanwatchError
from store.kinds import RunStatus
from store.models import CrawlRun, utcnow
from store.settings import Config
from store.sources_config import SourceConfig
from store.warc import WarcWriter

__all__ = ["CrawlSummary", "ProgressCallback", "crawl_source", "crawl_sources"]

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, CrawlTally], None]


class _QuietExperimentalNotice(logging.Filter):
    """Drop Scrapy's notice that its aiohttp download handler is experimental.

    Reactorless mode (the only way to crawl repeatedly in one process, see
    ../shared/LIBRARIES.md) always uses that handler; the notice would greet every
    crawl of every source and says nothing a user can act on.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "is experimental and is not recommended" not in record.getMessage()


_NOTICE_FILTER = _QuietExperimentalNotice()
logging.getLogger("scrapy.core.downloader.handlers._base_streaming").addFilter(_NOTICE_FILTER)

# How a Scrapy crawl's finish reason maps to the run's status (anything else: the counts decide).
_FINISH_REASONS: dict[str, RunStatus] = {
    "closespider_timeout": RunStatus.INTERRUPTED,
    "shutdown": RunStatus.INTERRUPTED,
}


@dataclass
class CrawlSummary:
    """One source's crawl as the CLI shows it and the cycle logs it."""

    source_id: str
    run_id: int
    status: RunStatus
    mode: str
    started_at: datetime
    finished_at: datetime
    counts: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    @property
    def new_versions(self) -> int:
        return int(self.counts.get("new_versions", 0))

    @property
    def new_documents(self) -> int:
        return int(self.counts.get("new_documents", 0))

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source_id, "run_id": self.run_id, "status": self.status.value, "mode": self.mode,
                "started_at": self.started_at, "finished_at": self.finished_at, **self.counts, "message": self.message}


def crawl_sources(
    config: Config,
    sources: list[SourceConfig],
    *,
    trigger: str = "cli",
    progress: ProgressCallback | None = None,
    on_finished: Callable[[CrawlSummary], None] | None = None,
) -> list[CrawlSummary]:
    """Crawl ``sources`` one after another; one ``CrawlRun`` and one summary each.

    The sources of one call share a WARC file (rotated at ``crawl.warc_max_bytes``), so a
    daily cycle adds one file, not one per source. ``on_finished`` gets each source's
    summary as soon as its run is recorded.
    """
    engine = open_store(config)
    summaries: list[CrawlSummary] = []
    try:
        sync_sources(engine, sources)
        settle_dead_runs(engine)
        with _warc_writer(config) as warc:
            for source in sources:
                summaries.append(crawl_source(config, engine, source, trigger=trigger, progress=progress, warc=warc))
                if on_finished is not None:
                    on_finished(summaries[-1])
        return summaries
    finally:
        engine.dispose()


def _warc_writer(config: Config) -> WarcWriter:
    return WarcWriter(config.data_dir, max_bytes=int(config["crawl.warc_max_bytes"]))


def crawl_source(
    config: Config,
    engine: Engine,
    source: SourceConfig,
    *,
    trigger: str = "cli",
    progress: ProgressCallback | None = None,
    warc: WarcWriter | None = None,
) -> CrawlSummary:
    """Crawl one source (its ``Source`` row must exist) and record the run."""
    run_id, started = _start_run(engine, source.id, trigger)
    tally = CrawlTally(listener=(lambda t: progress(source.id, t)) if progress else None)
    status, mode, message = RunStatus.FAILED, "", ""
    try:
        check_selectors(source)
        with nullcontext(warc) if warc is not None else _warc_writer(config) as writer:
            context = CrawlContext(engine, source, DocumentStore(engine, source.id), tally, writer, run_id=run_id)
            mode, reason = _run_loop(_crawl(config, context))
        if context.store_error is not None:
            raise context.store_error
        status, message = _status(tally, reason)
    except KeyboardInterrupt:
        status, message = RunStatus.INTERRUPTED, "interrupted (Ctrl-C or SIGTERM)"
        _drop_cut_short_coroutines()
        raise
    except DatabaseUnavailable as exc:  # nothing more can be recorded: the caller says so, once
        status, message = RunStatus.FAILED, exc.one_line()
        raise
    except PlanwatchError as exc:  # the source's config or the store: it will fail again until fixed
        logger.error("crawl of %s failed: %s", source.id, exc.one_line())
        status, message = RunStatus.FAILED, exc.one_line()
    except Exception as exc:  # a bug: the crawl stopped, the site is not to blame
        logger.exception("crawl of %s crashed", source.id)
        status, message = RunStatus.INTERRUPTED, f"crashed: {type(exc).__name__}: {exc}"
    finally:
        finished = _finish_run(engine, run_id, tally, status, message)
        logger.info("crawl of %s: %s (%s), %d requests, %d ok, %d not modified, %d failed, %d new versions%s",
                    source.id, status.value, mode or "-", tally.requests, tally.ok, tally.not_modified,
                    tally.error_count, tally.new_versions, f"; {message}" if message else "")
    return CrawlSummary(source.id, run_id, status, mode, started, finished, tally.as_dict(), message)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def _ctrl_c_as_keyboard_interrupt() -> Iterator[None]:
    """Keep Python's Ctrl-C (KeyboardInterrupt) while the event loop runs.

    ``asyncio.run`` replaces the default SIGINT handler with one that cancels the main
    task; Scrapy turns that cancellation into failed downloads ("cancelled") and a
    normally closed spider, so the crawl went on with the next source and was recorded
    ``ok``. A handler of our own raising KeyboardInterrupt (what SIGTERM does in the CLI)
    makes asyncio leave SIGINT alone; a handler the caller installed is kept as is.
    """
    ours = threading.current_thread() is threading.main_thread() and (
        signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    if ours:
        signal.signal(signal.SIGINT, _raise_interrupt)
    try:
        yield
    finally:
        if ours:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def _run_loop(main: Coroutine[Any, Any, tuple[str, str | None]]) -> tuple[str, str | None]:
    """``asyncio.run(main)`` that keeps Ctrl-C a KeyboardInterrupt (and the exit quiet)."""
    with _ctrl_c_as_keyboard_interrupt():
        runner = asyncio.Runner()
        try:
            return runner.run(main)
        except KeyboardInterrupt:
            with _quiet_teardown(runner.get_loop()):
                runner.close()
            raise
        finally:
            runner.close()  # a no-op when closed above


@contextmanager
def _quiet_teardown(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Cancel what the interrupt cut short without a word on stderr.

    Closing the loop cancels Scrapy's and aiohttp's tasks mid-flight: they log errors
    (an item half stored, a session unclosed, a task destroyed) and warn of coroutines
    never awaited. None of that is news after a Ctrl-C: the loop's complaints go to the
    debug log, Scrapy's and asyncio's log records and the warnings are dropped.
    """
    loop.set_exception_handler(_log_cut_short)
    loud = [logging.getLogger(name) for name in ("scrapy", "asyncio")]
    levels = [one.level for one in loud]
    for one in loud:
        one.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            yield
    finally:
        for one, level in zip(loud, levels, strict=True):
            one.setLevel(level)


def _log_cut_short(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    logger.debug("after the interrupt: %s", context.get("message", ""), exc_info=context.get("exception"))


def _log_unraisable(unraisable: Any) -> None:
    logger.debug("after the interrupt: %s in %r", unraisable.exc_type.__name__, unraisable.object)


async def _crawl(config: Config, context: CrawlContext) -> tuple[str, str | None]:
    """Run the right passes for the source; (mode, Scrapy's finish reason or None)."""
    limit = int(config["crawl.time_limit"])
    deadline = asyncio.get_running_loop().time() + limit
    try:
        async with asyncio.timeout(limit + 60):  # Scrapy stops itself at the deadline; this is the backstop
            return await _passes(config, context, deadline)
    except TimeoutError:
        return "timeout", "closespider_timeout"


async def _passes(config: Config, context: CrawlContext, deadline: float) -> tuple[str, str | None]:
    source = context.source
    known = known_pages(context.engine, source.id)
    if not list_validators_trusted(context.engine, source.id, context.run_id):
        known = known.without_listing_validators()  # an unfinished run left links unfollowed
    if not known.documents and not known.listings:
        plan = CrawlPlan(list_urls=tuple(source.start_urls), max_pages=source.max_pages)
        return "scrapy", await _run_scrapy(config, context, plan, deadline)
    if not config["crawl.revalidate"]:
        context.validators = known.validators()
        return "scrapy", await _run_scrapy(config, context, _full_plan(source, known), deadline)
    result = await revalidate_source(config, context, known)
    if not result.discovery_needed:
        return "revalidate", None
    budget = max(0, source.max_pages - len(known.listings))
    plan = CrawlPlan(
        list_urls=tuple(result.new_list_urls[:budget]),
        detail_urls=tuple(result.new_detail_links.items()),
        skip_urls=frozenset(known.documents) | frozenset(known.listings),
        max_pages=budget,
    )
    return "revalidate+scrapy", await _run_scrapy(config, context, plan, deadline)


def _full_plan(source: SourceConfig, known: KnownPages) -> CrawlPlan:
    """Every start URL and known page again, known ones conditionally."""
    lists = list(dict.fromkeys([*source.start_urls, *known.listings]))
    details = tuple((url, "") for url in known.documents)
    return CrawlPlan(list_urls=tuple(lists), detail_urls=details, max_pages=max(source.max_pages, len(lists)))


async def _run_scrapy(config: Config, context: CrawlContext, plan: CrawlPlan, deadline: float) -> str | None:
    # Scrapy is imported here, not at the top: an unchanged cycle never starts it.
    from scrapy.crawler import AsyncCrawlerRunner

    from crawler.settings import scrapy_settings
    from crawler.spiders.plan_spider import PlanSpider

    seconds_left = max(1, int(deadline - asyncio.get_running_loop().time()))
    runner = AsyncCrawlerRunner(scrapy_settings(config, context, time_limit=seconds_left))
    crawler = runner.create_crawler(PlanSpider)
    await runner.crawl(crawler, plan=plan)
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    return str(reason) if reason is not None else None


def _drop_cut_short_coroutines() -> None:
    """Collect the coroutines an interrupted event loop never started, without a warning each."""
    hook, sys.unraisablehook = sys.unraisablehook, _log_unraisable
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            gc.collect()
    finally:
        sys.unraisablehook = hook


def _status(tally: CrawlTally, reason: str | None) -> tuple[RunStatus, str]:
    if reason in _FINISH_REASONS:
        return _FINISH_REASONS[reason], f"stopped: {reason}"
    if tally.error_count and not (tally.ok or tally.not_modified):
        return RunStatus.FAILED, f"no page could be fetched: {tally.describe_errors()}"
    if tally.error_count:
        return RunStatus.PARTIAL, f"{tally.error_count} failed fetches: {tally.describe_errors()}"
    return RunStatus.OK, ""


def _start_run(engine: Engine, source_id: str, trigger: str) -> tuple[int, datetime]:
    with session_scope(engine) as session:
        run = CrawlRun(source_id=source_id, trigger=trigger, pid=os.getpid(), host=this_host(),
                       status=RunStatus.RUNNING.value)
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id, run.started_at


def _finish_run(engine: Engine, run_id: int, tally: CrawlTally, status: RunStatus, message: str) -> datetime:
    finished = utcnow()
    with session_scope(engine) as session:
        run = session.get(CrawlRun, run_id)
        if run is not None:
            tally.write_to(run)
            run.status, run.message, run.finished_at = status.value, message, finished
            session.add(run)
    return finished
