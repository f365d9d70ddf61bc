"""Serve the fixture site in the foreground (``planwatch fixture-site`` and ``python -m``)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from crawler.fixture_site.manifest import SECTIONS
from crawler.fixture_site.server import FixtureSite

__all__ = ["serve"]


def serve(
    port: int = 8765,
    state: str = "initial",
    *,
    synthetic_pages: int = 0,
    next_after: float | None = None,
    echo: Callable[[str], None] = print,
    stop: threading.Event | None = None,
) -> None:
    """Serve until Ctrl-C (or ``stop`` is set); with ``next_after``, switch to "next" after that many seconds."""
    stop = stop or threading.Event()
    site = FixtureSite(state, synthetic_pages=synthetic_pages)
    base = site.start(port)
    try:
        echo(f"fixture site ({site.state}) at {base}/  (Ctrl-C stops it)")
        for section in SECTIONS:
            echo(f"  {section.source_id:<16} {base}{section.list_path}  {section.name}")
        if synthetic_pages:
            echo(f"  fixture-synthetic {base}/synthetic/index.html  {synthetic_pages} pages")
        if next_after is not None and not stop.wait(next_after):
            site.set_state("next")
            echo("fixture site switched to state 'next' (one plan edited, a new plan published)")
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        echo("stopped")
    finally:
        site.stop()
