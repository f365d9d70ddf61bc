"""Crawl counters and the table that names every kind of failed fetch, row by row."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest

from crawler.tally import ERROR_KINDS, SKIP_KINDS, CrawlTally, error_kind
from store.kinds import FetchOutcome
from store.models import CrawlRun


@pytest.mark.parametrize(("name", "words", "kind"), ERROR_KINDS, ids=[f"{n}:{w or '*'}" for n, w, _ in ERROR_KINDS])
def test_every_row_names_its_exceptions(name: str, words: str, kind: str) -> None:
    exc = type(name, (Exception,), {})(f"something {words} happened")  # a class of that name, as raised
    assert error_kind(exc) == kind


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (IgnoreRequest("Forbidden by robots.txt"), "robots-disallowed"),
        (IgnoreRequest("max redirections reached"), "redirect-loop"),
        (IgnoreRequest("Filtered offsite request to 'example.org'"), "offsite"),
        (DownloadTimeoutError("took longer than 30 seconds"), "timeout"),
        (TimeoutError(), "timeout"),
        (ValueError("who knows"), "other"),
    ],
    ids=["robots", "redirects", "offsite", "scrapy-timeout", "asyncio-timeout", "unknown"],
)
def test_real_exceptions(exc: BaseException, kind: str) -> None:
    assert error_kind(exc) == kind


def test_an_http_status_wins_over_the_exception() -> None:
    assert error_kind(IgnoreRequest("HTTP status code is not handled"), 503) == "http-503"


def test_skipped_kinds_are_counted_but_do_not_fail_a_run() -> None:
    tally = CrawlTally()
    for kind in ("http-404", "robots-disallowed", "cancelled", "timeout"):
        tally.error(kind)
    tally.response(200)
    tally.response(304)
    tally.outcome(FetchOutcome.NEW)
    tally.outcome(FetchOutcome.CHANGED)
    tally.outcome(FetchOutcome.UNCHANGED)
    run = CrawlRun(source_id="s")
    tally.write_to(run)
    assert {"robots-disallowed", "cancelled"} <= SKIP_KINDS
    assert (run.error_count, run.ok_count, run.not_modified_count, run.new_documents, run.new_versions) == (2, 1, 1, 1, 2)
    assert run.errors == {"cancelled": 1, "http-404": 1, "robots-disallowed": 1, "timeout": 1}


def test_the_listener_sees_every_count() -> None:
    seen: list[int] = []
    tally = CrawlTally(listener=lambda t: seen.append(t.requests))
    tally.request()
    tally.request()
    tally.error("timeout")
    assert seen == [1, 2, 2]
