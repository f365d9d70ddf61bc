"""The counters of one crawl run and the table that names every kind of failure.

Both passes of a crawl (the lean revalidation and Scrapy) count into one
:class:`CrawlTally`; :mod:`crawler.run` writes it to the ``CrawlRun`` row. Failures
are outcomes, counted by kind (``http-404``, ``timeout``, ``too-large`` …); kinds
in :data:`SKIP_KINDS` (robots.txt said no, another site's link) are counted but do
not make a run partial.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from store.kinds import FetchOutcome
from store.models import CrawlRun

__all__ = ["ERROR_KINDS", "SKIP_KINDS", "CrawlTally", "error_kind"]

# (exception class name, words in its message or "", kind), first match wins. Class
# names, not classes, so one table serves Scrapy, aiohttp and asyncio exceptions.
ERROR_KINDS: tuple[tuple[str, str, str], ...] = (
    ("IgnoreRequest", "robots.txt", "robots-disallowed"),
    ("RobotsDisallowed", "", "robots-disallowed"),
    ("IgnoreRequest", "max redirections", "redirect-loop"),
    ("IgnoreRequest", "offsite", "offsite"),
    ("IgnoreRequest", "download_maxsize", "too-large"),  # a gzip bomb, stopped while decompressing
    ("TooManyRedirects", "", "redirect-loop"),
    ("DownloadCancelledError", "max size", "too-large"),
    ("DownloadCancelledError", "", "too-large"),
    ("ResponseTooLarge", "", "too-large"),
    ("DownloadTimeoutError", "", "timeout"),
    ("TimeoutError", "", "timeout"),
    ("ServerTimeoutError", "", "timeout"),
    ("CannotResolveHostError", "", "dns"),
    ("ClientConnectorDNSError", "", "dns"),
    ("DownloadConnectionRefusedError", "", "connection"),
    ("ClientConnectorError", "", "connection"),
    ("ConnectionRefusedError", "", "connection"),
    ("ResponseDataLossError", "", "truncated"),
    ("ClientPayloadError", "", "truncated"),
    ("DownloadFailedError", "", "connection"),
    ("ServerDisconnectedError", "", "connection"),
    ("ClientOSError", "", "connection"),
    ("NotAPage", "", "not-html"),  # binary bytes served as a page (crawler.reading)
    ("IgnoreRequest", "", "ignored"),
    ("CancelledError", "", "cancelled"),
)

# Counted, but not failures: robots.txt said no, a link to another site, requests cut
# short because the run was interrupted (the run's status says so already).
SKIP_KINDS = frozenset({"robots-disallowed", "offsite", "cancelled"})


def error_kind(exc: BaseException, status: int | None = None) -> str:
    """The kind a failed fetch is counted under: ``http-<status>`` or a row of ERROR_KINDS."""
    if status is not None:
        return f"http-{status}"
    names = {klass.__name__ for klass in type(exc).__mro__}
    message = str(exc).lower()
    for name, words, kind in ERROR_KINDS:
        if name in names and words in message:
            return kind
    return "timeout" if isinstance(exc, asyncio.TimeoutError) else "other"


@dataclass
class CrawlTally:
    """Requests, answers by status, errors by kind and store outcomes of one run."""

    requests: int = 0
    ok: int = 0
    not_modified: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    listener: Callable[[CrawlTally], None] | None = None
    examples: dict[str, str] = field(default_factory=dict)  # kind → the first URL that failed so

    def request(self) -> None:
        self.requests += 1
        self._changed()

    def response(self, status: int, url: str = "") -> None:
        """Count an answer; robots.txt is not a page, so its 200 never makes a run a success."""
        if url.endswith("/robots.txt"):
            self._changed()
            return
        if status == 200:
            self.ok += 1
        elif status == 304:
            self.not_modified += 1
        self._changed()

    def error(self, kind: str, url: str | None = None) -> None:
        self.errors[kind] += 1
        if url and kind not in self.examples:
            self.examples[kind] = url
        self._changed()

    def describe_errors(self, limit: int = 6) -> str:
        """The failures that count, by kind, each with the first URL that failed so: one line.

        This is what ``planwatch runs --json`` and ``planwatch status`` show as the run's
        message, so a user sees *which* page failed and how, not only how many.
        """
        parts = []
        for kind, count in sorted(self.errors.items()):
            if kind not in SKIP_KINDS:
                where = f" {self.examples[kind]}" if kind in self.examples else ""
                parts.append(f"{kind}{f' ×{count}' if count > 1 else ''}{where}")
        more = f"; {len(parts) - limit} more kinds" if len(parts) > limit else ""
        return "; ".join(parts[:limit]) + more

    def outcome(self, outcome: FetchOutcome) -> None:
        self.outcomes[outcome.value] += 1
        self._changed()

    @property
    def error_count(self) -> int:
        """Failures that make a run partial (robots.txt refusals are not failures)."""
        return sum(n for kind, n in self.errors.items() if kind not in SKIP_KINDS)

    @property
    def new_documents(self) -> int:
        return self.outcomes[FetchOutcome.NEW.value]

    @property
    def new_versions(self) -> int:
        """New versions, first versions of new documents included."""
        return self.outcomes[FetchOutcome.NEW.value] + self.outcomes[FetchOutcome.CHANGED.value]

    def write_to(self, run: CrawlRun) -> None:
        """Copy the counters onto the run's row."""
        run.requests = self.requests
        run.ok_count = self.ok
        run.not_modified_count = self.not_modified
        run.error_count = self.error_count
        run.errors = dict(sorted(self.errors.items()))
        run.new_documents = self.new_documents
        run.new_versions = self.new_versions

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests, "ok": self.ok, "not_modified": self.not_modified,
            "errors": dict(sorted(self.errors.items())), "new_documents": self.new_documents,
            "new_versions": self.new_versions, "outcomes": dict(sorted(self.outcomes.items())),
        }

    def _changed(self) -> None:
        if self.listener is not None:
            self.listener(self)
