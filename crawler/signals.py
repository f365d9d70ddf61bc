"""planwatch's own Scrapy signals (sent with ``crawler.signals.send_catch_log``)."""

from __future__ import annotations

__all__ = ["fetch_failed"]

# A request failed for good (after retries): kwargs url, kind (see crawler.tally.ERROR_KINDS).
fetch_failed = object()
