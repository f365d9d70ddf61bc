"""``planwatch sources``: what the sources config says."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.commands._output import echo_json, print_table
from monitor.context import AppContext, pass_app
from store.sources_config import load_sources

__all__ = ["command"]


@click.group(name="sources")
def command() -> None:
    """Inspect the sources config (the sites planwatch watches).

    \b
    Example:
      planwatch sources list
      planwatch sources list --file deploy/sources.example.toml --json
    """


@command.command(name="list")
@click.option("--file", "sources_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Sources file to read (default: the sources_file setting).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def list_command(app: AppContext, sources_file: Path | None, as_json: bool) -> None:
    """List every source with its agency, region, schedule and start URLs.

    \b
    Example:
      planwatch sources list
    """
    path = sources_file or app.config.sources_file
    sources = load_sources(path)
    if as_json:
        echo_json([source.model_dump() for source in sources])
        return
    default_schedule = app.config["schedule.crawl"]
    print_table(
        ["id", "name", "agency", "region", "enabled", "schedule", "start URLs"],
        [
            (s.id, s.name, s.agency, s.region, "yes" if s.enabled else "no",
             s.schedule or f"{default_schedule} (default)", " ".join(s.start_urls))
            for s in sources
        ],
        title=f"{len(sources)} sources in {path}",
    )
