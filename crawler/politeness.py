"""The retry rules both HTTP clients share: which answers are retried, and how long to wait.

Scrapy's :class:`crawler.middlewares.BackoffRetryMiddleware` and the revalidation pass's
:class:`crawler.fetcher.Fetcher` read them here, so a struggling server is treated the
same whichever client asks. (A module of its own: the revalidation pass must not import
Scrapy, which an unchanged cycle never starts.)
"""

from __future__ import annotations

__all__ = ["MAX_BACKOFF", "RETRY_HTTP_CODES", "backoff_delay"]

RETRY_HTTP_CODES = (500, 502, 503, 504, 522, 524, 408, 429)
MAX_BACKOFF = 60.0


def backoff_delay(base: float, attempt: int) -> float:
    """Seconds to wait before retry number ``attempt`` (1, 2, …): base, 2·base, 4·base …"""
    return min(MAX_BACKOFF, base * 2.0 ** max(0, attempt - 1))
