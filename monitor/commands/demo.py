"""``planwatch demo``: the main job on a bundled fixture site, offline, in one command."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["command"]


@click.command(name="demo")
@click.option("--no-serve", is_flag=True, help="Stop after printing the URLs instead of serving the archive browser.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Demo data directory (default: ./planwatch-data/demo); wiped at the start of every run.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port of the archive browser on 127.0.0.1 (default: 8000, or a free one if 8000 is taken).")
def command(no_serve: bool, data_dir: Path | None, port: int | None) -> None:
    """Watch a bundled government-style site change, get the digest, browse the archive.

    Starts the fixture site on 127.0.0.1, crawls it, moves it to its next state (a
    target edited, a new plan published), crawls again, mails the digest to a local
    capturing SMTP server (saved as .eml and .html under <data-dir>/mail/) and serves
    the archive browser until Ctrl-C, printing the pages to open. No internet, no
    set-up: it uses its own config in the data directory and ignores yours.

    \b
    Example:
      planwatch demo
      planwatch demo --no-serve --data-dir /tmp/planwatch-demo
    """
    from monitor.demo import DEFAULT_DIR, DemoOptions, run_demo

    run_demo(DemoOptions(data_dir=data_dir or DEFAULT_DIR, port=port, serve=not no_serve, echo=click.echo))
