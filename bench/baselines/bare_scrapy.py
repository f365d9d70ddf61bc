"""Baseline 1: a bare Scrapy spider over the bench site: fetch and parse, nothing else.

No store, no WARC, no analysis, no conditional requests: list pages → plan links and the
next list pages (下一页 / numbered index_N links / the createPageHTML script), plan pages →
title and body text with parsel, each yielded as an item and dropped. The settings that
shape throughput are planwatch's for the bench (``bench.cycles.BENCH_ENV``): 16 requests
at once, 16 per domain, CONCURRENT_ITEMS 16, AutoThrottle off, robots.txt obeyed.

``python -m bench.baselines.bare_scrapy MODE START_URL [START_URL ...]`` with MODE
``reactor`` (``CrawlerProcess``: Twisted's asyncio reactor, how a Scrapy project runs) or
``reactorless`` (``AsyncCrawlerRunner`` under ``asyncio.run`` with
``TWISTED_REACTOR_ENABLED=False``, how planwatch runs Scrapy). Prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.crawler import AsyncCrawlerRunner, CrawlerProcess
from scrapy.http import Response

SETTINGS: dict[str, Any] = {
    "BOT_NAME": "bare",
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": False,
    "ROBOTSTXT_OBEY": True,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "CONCURRENT_ITEMS": 16,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_TIMEOUT": 30,
}
_PLAN = re.compile(r"/t\d{8}_\d+\.html$")
_LIST = re.compile(r"/(?:list\.html(?:\?page=\d+)?|index(?:_\d+)?\.html)$")
_SCRIPT = re.compile(r"createPageHTML\((\d+),\s*(\d+),\s*\"(\w+)\",\s*\"(\w+)\"\)")


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = start
        self.items = 0

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        for href in response.css("a::attr(href)").getall():
            if _PLAN.search(href):
                yield response.follow(href, self.parse_plan)
            elif _LIST.search(href):
                yield response.follow(href, self.parse)
        script = _SCRIPT.search(response.text)
        if script:
            total, stem, ext = int(script[1]), script[3], script[4]
            for number in range(1, total):
                yield response.follow(f"{stem}_{number}.{ext}", self.parse)

    def parse_plan(self, response: Response) -> Iterator[dict[str, Any]]:
        body = "\n".join(text.strip() for text in response.css("#zoom ::text").getall() if text.strip())
        self.items += 1
        yield {"url": response.url, "title": response.css("h2::text").get(""), "chars": len(body)}


def _report(crawler: Any, started: float, cpu: float) -> dict[str, Any]:
    stats = crawler.stats.get_stats()
    return {"wall_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
            "requests": stats.get("downloader/request_count", 0), "items": stats.get("item_scraped_count", 0),
            "responses_200": stats.get("downloader/response_status_count/200", 0)}


def run(mode: str, start: list[str]) -> dict[str, Any]:
    started, cpu = time.perf_counter(), time.process_time()
    if mode == "reactor":
        process = CrawlerProcess(SETTINGS)
        crawler = process.create_crawler(BareSpider)
        process.crawl(crawler, start=start)
        process.start()
        return {"mode": mode, **_report(crawler, started, cpu)}
    runner = AsyncCrawlerRunner({**SETTINGS, "TWISTED_REACTOR_ENABLED": False})
    crawler = runner.create_crawler(BareSpider)

    async def crawl() -> None:
        await runner.crawl(crawler, start=start)

    asyncio.run(crawl())
    return {"mode": mode, **_report(crawler, started, cpu)}


def main() -> None:
    if len(sys.argv) < 3 or sys.argv[1] not in {"reactor", "reactorless"}:
        raise SystemExit("usage: python -m bench.baselines.bare_scrapy reactor|reactorless START_URL ...")
    from bench.measure import peak_rss_mb

    print(json.dumps({**run(sys.argv[1], sys.argv[2:]), "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
