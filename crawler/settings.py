"""Scrapy settings for one source's crawl, built from the planwatch settings table.

Every politeness rule of the crawler is here and nowhere else: robots.txt obeyed
(``crawl.obey_robots``), AutoThrottle, overall and per-domain concurrency, retries of
5xx answers and timeouts with a doubling backoff (:class:`crawler.middlewares.BackoffRetryMiddleware`
replaces Scrapy's immediate retry), a download timeout, a maximum response size, and
a User-Agent naming planwatch and the operator's contact URL.

Scrapy runs without a Twisted reactor (``TWISTED_REACTOR_ENABLED=False``, Scrapy ≥2.15)
under ``asyncio.run``, so a process can crawl many times (tests, the cycle). Neither
of Scrapy's control servers (telnet console, RemoteControl) is started: a crawl listens
on no port.
``CONCURRENT_ITEMS`` is 16, not Scrapy's 100: measured a third to a half faster on
5,000 pages (../shared/PERFORMANCE.md).
"""

from __future__ import annotations

import logging
from typing import Any

from crawler.context import CONTEXT_SETTING, CrawlContext
from crawler.politeness import RETRY_HTTP_CODES
from store.settings import Config

__all__ = ["AUTOTHROTTLE_MAX_DELAY", "RETRY_HTTP_CODES", "scrapy_settings"]

AUTOTHROTTLE_MAX_DELAY = 30.0


def _politeness(config: Config, time_limit: int) -> dict[str, Any]:
    return {
        "USER_AGENT": config.user_agent,
        "ROBOTSTXT_OBEY": bool(config["crawl.obey_robots"]),
        "ROBOTSTXT_USER_AGENT": "planwatch",
        "AUTOTHROTTLE_ENABLED": bool(config["crawl.autothrottle"]),
        "AUTOTHROTTLE_START_DELAY": float(config["crawl.autothrottle_start_delay"]),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(config["crawl.autothrottle_target_concurrency"]),
        "AUTOTHROTTLE_MAX_DELAY": AUTOTHROTTLE_MAX_DELAY,
        "CONCURRENT_REQUESTS": int(config["crawl.concurrency"]),
        "CONCURRENT_REQUESTS_PER_DOMAIN": int(config["crawl.per_domain_concurrency"]),
        "DOWNLOAD_TIMEOUT": int(config["crawl.download_timeout"]),
        "DOWNLOAD_MAXSIZE": int(config["crawl.max_response_bytes"]),
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": int(config["crawl.retry_times"]),
        "RETRY_HTTP_CODES": list(RETRY_HTTP_CODES),
        "PLANWATCH_RETRY_BACKOFF": float(config["crawl.retry_backoff"]),
        "CLOSESPIDER_TIMEOUT": time_limit,
    }


def scrapy_settings(config: Config, context: CrawlContext, *, time_limit: int | None = None) -> dict[str, Any]:
    """The settings dict for an ``AsyncCrawlerRunner`` crawling ``context.source``.

    ``time_limit`` is what is left of ``crawl.time_limit`` after the revalidation pass.
    """
    scrapy_level = "DEBUG" if config["log_level"] == "DEBUG" else "WARNING"
    return {
        "BOT_NAME": "planwatch",
        "TWISTED_REACTOR_ENABLED": False,
        # No control servers: Scrapy 2.19's RemoteControl (on by default) would listen on
        # localhost, run code for any holder of the token it writes to ~/.local/state/scrapy/job_files
        # and leave that file behind when a crawl is interrupted.
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "MEMUSAGE_ENABLED": False,
        "LOG_LEVEL": scrapy_level,
        "LOGSTATS_INTERVAL": 0,
        "STATS_DUMP": logging.getLogger("scrapy").isEnabledFor(logging.DEBUG),
        "CONCURRENT_ITEMS": int(config["crawl.concurrent_items"]),
        "PLANWATCH_STORE_BATCH": 32,
        "COOKIES_ENABLED": True,
        **_politeness(config, time_limit if time_limit is not None else int(config["crawl.time_limit"])),
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.middlewares.BackoffRetryMiddleware": 550,
            "crawler.middlewares.ConditionalRequestMiddleware": 560,
        },
        "ITEM_PIPELINES": {
            "crawler.pipelines.WarcCapturePipeline": 100,
            "crawler.pipelines.StorePipeline": 300,
        },
        "EXTENSIONS": {"crawler.extensions.CrawlCounters": 500},
        CONTEXT_SETTING: context,
    }
