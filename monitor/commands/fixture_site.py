"""``planwatch fixture-site``: serve the bundled government-style site on 127.0.0.1."""

from __future__ import annotations

import click

from crawler.fixture_site.manifest import STATES
from crawler.fixture_site.serve import serve
from store.errors import ConfigError

__all__ = ["command"]


@click.command(name="fixture-site")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--state", type=click.Choice(STATES), default="initial", show_default=True,
              help="Which state of the site to serve.")
@click.option("--next-after", type=click.FloatRange(min=0), default=None,
              help="Switch to the 'next' state after this many seconds (watch a change arrive).")
@click.option("--synthetic-pages", type=click.IntRange(min=0), default=0,
              help="Also serve this many synthetic plan pages under /synthetic/ (the benchmark's site).")
def command(port: int, state: str, next_after: float | None, synthetic_pages: int) -> None:
    """Serve the bundled fixture site (three health commissions, a news site, fault routes).

    It listens on 127.0.0.1 only, until Ctrl-C. deploy/sources.demo.toml points at
    port 8765. In the 'next' state one published plan has an edited target, a new
    year's plan is listed, and one page differs only in its view counter.

    \b
    Example:
      planwatch fixture-site --port 8765
      planwatch sources list --file deploy/sources.demo.toml   # in another terminal
      planwatch fixture-site --state next
    """
    try:
        serve(port, state, synthetic_pages=synthetic_pages, next_after=next_after, echo=click.echo)
    except OSError as exc:
        raise ConfigError(str(exc), hint="choose another --port, or stop what is using it") from exc
