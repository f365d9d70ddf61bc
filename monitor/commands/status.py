"""``planwatch status``: how each source is doing and when it is crawled next."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from monitor.commands._output import echo_json, local_time, print_table
from monitor.context import AppContext, pass_app
from store.sources_config import load_sources

__all__ = ["command"]


def _last(health: Any, zone: str) -> str:
    if health.last_started is None:
        return "never"
    return f"{local_time(health.last_started, zone)} {health.last_status}"


def _failures(health: Any) -> str:
    if health.failing:
        return f"{health.consecutive_failures}  FAILING"
    return str(health.consecutive_failures)


def _next(health: Any, zone: str) -> str:
    if not health.in_config:
        return "(not in the sources file)"
    if not health.enabled:
        return "(disabled)"
    when = local_time(health.next_run, zone)
    if health.overdue:
        return f"{when} (daemon; overdue: is the daemon running?)"
    return f"{when} ({health.next_run_from})" if when else ""


def _in_zone(value: Any, zone: ZoneInfo) -> Any:
    """Every time in ``value`` shown in the configured timezone (ISO 8601 with its offset)."""
    if isinstance(value, datetime):
        return value.astimezone(zone)
    if isinstance(value, dict):
        return {key: _in_zone(item, zone) for key, item in value.items()}
    if isinstance(value, list):
        return [_in_zone(item, zone) for item in value]
    return value


@click.command(name="status")
@click.option("--sources", "sources_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Sources file (TOML); default: the sources_file setting.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object (ISO 8601 times in the timezone setting).")
@pass_app
def command(app: AppContext, sources_file: Path | None, as_json: bool) -> None:
    """Show each source's last crawl, its result, failures in a row and next crawl.

    A source whose last digest.failing_after_runs (3) runs failed is flagged FAILING
    (the digest reports it too). The next time comes from the daemon's job store when
    a daemon scheduled it ("daemon"), else from the source's cron schedule
    ("schedule"). Times are shown in the timezone setting.

    \b
    Example:
      planwatch status
      planwatch status --json
    """
    from monitor.health import source_health, store_health
    from store.models import utcnow

    config = app.config
    sources = load_sources(sources_file or config.sources_file)
    engine = app.engine(readonly=True)
    now = utcnow()
    rows = source_health(config, engine, sources, now)
    overall = store_health(config, engine, now)
    if as_json:
        echo_json(_in_zone({"now": now, "timezone": config["timezone"], "sources": [row.as_dict() for row in rows],
                            "failing": [row.source_id for row in rows if row.failing], **overall.as_dict()},
                           ZoneInfo(str(config["timezone"]))))
        return
    zone, threshold = str(config["timezone"]), int(config["digest.failing_after_runs"])
    print_table(["source", "name", "last run", "message", "failures in a row", "next crawl"],
                [(r.source_id, r.name, _last(r, zone), r.last_message, _failures(r), _next(r, zone))
                 for r in rows], title=f"{len(rows)} sources, times in {zone}")
    digest_next = local_time(overall.next_digest, zone)
    click.echo(f"next digest: {digest_next + ' (' + overall.next_digest_from + ')' if digest_next else '(digests off)'}"
               f"; last digest: {local_time(overall.last_digest, zone) or 'never'}"
               f"; last run --once cycle: {local_time(overall.last_cycle, zone) or 'never'}")
    failing = [r.source_id for r in rows if r.failing]
    if failing:
        click.echo(f"failing ({threshold}+ failed runs in a row): {', '.join(failing)}")
