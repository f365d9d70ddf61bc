"""``planwatch daemon``: the long-running scheduler (crawls, analysis, digests)."""

from __future__ import annotations

from pathlib import Path

import click

from monitor.context import AppContext, pass_app

__all__ = ["command"]


@click.command(name="daemon")
@click.option("--sources", "sources_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Sources file (TOML); default: the sources_file setting. Re-read on SIGHUP.")
@click.option("--every", type=click.FloatRange(min=1), metavar="SECONDS",
              help="Run every job at once and then every SECONDS, instead of on its cron schedule (trials, tests).")
@pass_app
def command(app: AppContext, sources_file: Path | None, every: float | None) -> None:
    """Run the scheduler until stopped: each source is crawled on its schedule.

    One job per enabled source on its cron schedule (its own, else schedule.crawl,
    plus up to schedule.jitter seconds), each crawl in its own process with the
    crawl.time_limit, followed by analysis; the digest on digest.schedule, and digests
    the mail server refused are resent every few minutes. Times are in the timezone
    setting. The schedule lives in the database (table
    apscheduler_jobs): after a restart, a crawl missed meanwhile runs once (within
    schedule.misfire_grace). SIGTERM or Ctrl-C stop it within seconds (running crawls
    are recorded as interrupted); SIGHUP re-reads the sources file. Logs go to stderr
    and <data_dir>/logs/planwatch.log. Use either the daemon or `run --once` from
    cron, not both.

    \b
    Example:
      planwatch daemon
      planwatch daemon --sources deploy/sources.demo.toml --every 60
    """
    from monitor.daemon import run_daemon

    engine = app.engine()

    def ready(next_runs: dict[str, str]) -> None:
        first = min(next_runs.values(), default="(no jobs)")
        click.echo(f"planwatch daemon running: {len(next_runs)} jobs, next at {first}; Ctrl-C or SIGTERM stops it",
                   err=True)

    code = run_daemon(app.config, engine, sources_file=sources_file, every=every, on_ready=ready)
    if code:
        raise click.exceptions.Exit(code)
