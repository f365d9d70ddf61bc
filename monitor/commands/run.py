"""``planwatch run --once``: one full cycle, for system cron or a systemd timer."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from monitor.commands._output import echo_json, local_time
from monitor.commands._signals import sigterm_as_interrupt
from monitor.context import AppContext, pass_app
from store.sources_config import load_sources

__all__ = ["command", "describe_step"]


def describe_step(step: Any) -> str:
    """One human line for a finished step of a cycle."""
    if step.status == "skipped":
        return f"{step.name}: skipped ({step.detail.get('reason', '')})"
    if step.status == "failed":
        return f"{step.name}: FAILED {step.error}"
    if step.name == "crawl":
        runs = ", ".join(f"{r['source']} {r['status']} ({r.get('new_versions', 0)} new versions)"
                         for r in step.detail.get("runs", []))
        return f"crawl: {runs}"
    details = ", ".join(f"{key} {value}" for key, value in step.detail.items() if not isinstance(value, list | dict))
    return f"{step.name}: ok{' (' + details + ')' if details else ''}"


@click.command(name="run")
@click.option("--once", is_flag=True, help="Run one cycle and exit (required; `planwatch daemon` is the long-running mode).")
@click.option("--wait", is_flag=True, help="When another cycle is running, wait for it instead of exiting with code 5.")
@click.option("--all", "force_all", is_flag=True, help="Crawl every enabled source, due or not.")
@click.option("--no-digest", is_flag=True, help="Crawl and analyse only; send no digest.")
@click.option("--sources", "sources_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Sources file (TOML); default: the sources_file setting.")
@click.option("--json", "as_json", is_flag=True, help="Print the cycle summary as JSON.")
@click.option("--quiet", is_flag=True, help="Print nothing unless something went wrong (for cron mail).")
@pass_app
def command(app: AppContext, once: bool, wait: bool, force_all: bool, no_digest: bool,
            sources_file: Path | None, as_json: bool, quiet: bool) -> None:
    """Run one cycle: crawl the sources that are due, analyse, send digests.

    A source is due when its schedule (its own, else schedule.crawl) fired since its
    last crawl started, or it never ran; digests go out when digest.schedule fired
    since the last digest. Only one cycle runs at a time (a file lock in the data
    directory, or an advisory lock on PostgreSQL): a second one exits at once with
    code 5, or waits with --wait. Exit code 1 when a step or a source's crawl failed
    (with --quiet, one line per failure on stderr and nothing else). Every event is also
    logged to <data_dir>/logs/planwatch.log.

    \b
    Example:
      planwatch run --once
      planwatch run --once --all --no-digest
      */15 * * * *  planwatch run --once --quiet      # crontab
    """
    if not once:
        raise click.UsageError("planwatch run needs --once (for the long-running scheduler use `planwatch daemon`)")
    from monitor.cycle import CycleOptions, run_once
    from monitor.logs import setup_logging

    # Scrapy's per-page errors go to the log file (the crawl step's runs count them); under
    # --quiet the crawler's own warnings too: one line per failed source says it instead.
    quiet_loggers = ("scrapy", "twisted", "crawler") if quiet else ("scrapy", "twisted")
    setup_logging(app.config, stderr_level=logging.WARNING, stderr_quiet=quiet_loggers)
    sources = load_sources(sources_file or app.config.sources_file)
    engine = app.engine()
    talk = not (quiet or as_json)
    options = CycleOptions(force_all=force_all, digest=not no_digest,
                           on_step=lambda step: click.echo(describe_step(step)) if talk else None)
    with sigterm_as_interrupt():
        summary = run_once(app.config, engine, sources, options, wait=wait, on_wait=_waiting)
    _report(summary, str(app.config["timezone"]), as_json=as_json, talk=talk)


def _waiting(where: str) -> None:
    click.echo(f"another planwatch cycle is running; waiting for it to finish ({where})", err=True)


def _failed_runs(summary: Any) -> list[dict[str, Any]]:
    """The crawl runs of the cycle that ended ``failed`` (as in `planwatch crawl`, exit 1) or
    crashed (a bug: recorded ``interrupted``, its traceback in the log file)."""
    crawl = summary.step("crawl")
    runs: list[dict[str, Any]] = crawl.detail.get("runs", []) if crawl is not None else []
    return [run for run in runs if run["status"] == "failed" or str(run.get("message", "")).startswith("crashed:")]


def _report(summary: Any, zone: str, *, as_json: bool, talk: bool) -> None:
    """The closing line (or the JSON); exit 1 when a step or a source's crawl failed.

    When quiet, stderr gets only what failed: one line per failed step, one per failed source.
    """
    if as_json:
        echo_json(summary.as_dict())
    elif talk:
        click.echo(f"cycle {local_time(summary.started_at, zone)}: {len(summary.due)} due, "
                   f"{len(summary.not_due)} not due")
    failed = _failed_runs(summary)
    if not summary.failed_steps and not failed:
        return
    if not talk and not as_json:
        for step in summary.steps:
            if step.status == "failed":
                click.echo(describe_step(step), err=True)
        for run in failed:
            click.echo(f"crawl of {run['source']} {run['status']}: {run['message']}", err=True)
    raise click.exceptions.Exit(1)
