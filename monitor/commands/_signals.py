"""SIGTERM read as Ctrl-C by the commands that crawl (``crawl``, ``run --once``)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["sigterm_as_interrupt"]


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (systemd stopping a service, a daemon ending its child) ends the work like Ctrl-C.

    The KeyboardInterrupt unwinds through the crawl, which records its run as
    ``interrupted``; the previous handler is put back afterwards.
    """

    def _raise(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
