"""``planwatch crawl``: fetch the enabled sources once, with progress and a summary."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.commands._output import echo_json, local_time, print_table
from monitor.commands._signals import sigterm_as_interrupt
from monitor.context import AppContext, pass_app
from store.errors import ConfigError
from store.sources_config import SourceConfig, load_sources

if TYPE_CHECKING:
    from crawler.run import CrawlSummary
    from crawler.tally import CrawlTally

__all__ = ["after_crawl", "command", "select_sources"]


def select_sources(sources: list[SourceConfig], wanted: tuple[str, ...]) -> list[SourceConfig]:
    """The sources named by --source (any state), else every enabled one; unknown ids are errors."""
    if not wanted:
        return [source for source in sources if source.enabled]
    by_id = {source.id: source for source in sources}
    unknown = [name for name in wanted if name not in by_id]
    if unknown:
        raise ConfigError(f"no source {unknown[0]!r} in the sources file; known: {', '.join(by_id) or '(none)'}")
    return [by_id[name] for name in dict.fromkeys(wanted)]


def after_crawl(app: AppContext, summaries: list[CrawlSummary]) -> None:
    """What runs after the fetching: the single place for analysis of the new versions.

    Every stored version not analysed yet (this crawl's and any a failed run left) gets
    its outline, targets, series, repost check and Changes, under the same analysis
    lock as a scheduled cycle; one line on stderr says what was found.
    """
    from monitor.cycle import analyse_step

    detail = analyse_step(app.config, app.engine())
    changes = ", ".join(f"{kind} {count}" for kind, count in detail["changes"].items()) or "no changes"
    failed = f", {detail['failed']} failed" if detail["failed"] else ""
    click.echo(f"analysed {detail['analysed']} versions{failed}: {changes}", err=True)


@contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    """A live line per source on stderr (only when stderr is a terminal; else one line as each finishes)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    tasks: dict[str, Any] = {}
    with Progress(SpinnerColumn(finished_text="✓"), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=False) as bar:

        def finish_all() -> None:
            for task in tasks.values():
                bar.update(task, total=1, completed=1)
                bar.stop_task(task)

        def update(source_id: str, tally: CrawlTally) -> None:
            if source_id not in tasks:
                finish_all()  # sources are crawled one after another
                tasks[source_id] = bar.add_task(source_id, total=None)
            bar.update(tasks[source_id], description=(
                f"{source_id}: {tally.requests} requests, {tally.ok} ok, {tally.not_modified} not modified, "
                f"{sum(tally.errors.values())} failed, {tally.new_versions} new versions"))

        try:
            yield update
        finally:
            finish_all()


def _finished_line(summary: CrawlSummary) -> None:
    """One line on stderr per source as it finishes, for logs and cron mail (no terminal)."""
    seconds = (summary.finished_at - summary.started_at).total_seconds()
    click.echo(f"{summary.source_id}: {summary.status.value}, {summary.counts.get('requests', 0)} requests, "
               f"{summary.new_versions} new versions, {seconds:.1f} s", err=True)


def _summary_rows(summaries: list[CrawlSummary], timezone: str) -> list[tuple[Any, ...]]:
    rows = []
    for s in summaries:
        errors = ", ".join(f"{kind} {n}" for kind, n in s.counts.get("errors", {}).items())
        rows.append((s.source_id, s.status.value, s.mode, local_time(s.started_at, timezone), s.counts.get("requests", 0),
                     s.counts.get("ok", 0), s.counts.get("not_modified", 0), errors, s.counts.get("new_documents", 0),
                     s.new_versions, s.message))
    return rows


@click.command(name="crawl")
@click.option("--source", "source_ids", multiple=True, metavar="ID",
              help="Crawl only this source (repeatable); default: every enabled source.")
@click.option("--sources", "sources_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Sources file (TOML); default: the sources_file setting. The global --config is the settings file.")
@click.option("--json", "as_json", is_flag=True, help="Print the run summaries as a JSON array.")
@pass_app
def command(app: AppContext, source_ids: tuple[str, ...], sources_file: Path | None, as_json: bool) -> None:
    """Fetch the sources once: new plans, changed pages, attachments, WARC captures.

    Known pages are re-checked with conditional requests first; Scrapy starts only
    for list pages that show something new. One crawl run per source is recorded
    (see `planwatch runs`). Exit code 1 when a source's crawl failed. On a terminal a
    live line shows each source's progress; otherwise (cron, systemd, a log file) one
    line per source goes to stderr as it finishes: status, requests, new versions, seconds.

    \b
    Example:
      planwatch crawl
      planwatch crawl --source fixture-gy --sources deploy/sources.demo.toml
      planwatch --config planwatch.toml crawl --json
    """
    from crawler.run import crawl_sources
    from monitor.logs import setup_logging

    # Warnings on the terminal (a dead run settled, a source's config), the whole story in
    # the log file; Scrapy's per-page errors only there: the summary table counts them.
    setup_logging(app.config, stderr_level=logging.WARNING, stderr_quiet=("scrapy", "twisted"))
    sources = select_sources(load_sources(sources_file or app.config.sources_file), source_ids)
    if not sources:
        raise ConfigError("no enabled source to crawl", hint="enable one in the sources file or name it with --source")
    app.engine()  # one-line SchemaOutdated before any fetching
    terminal = sys.stderr.isatty()
    with sigterm_as_interrupt(), _progress(not as_json and terminal) as progress:
        summaries = crawl_sources(app.config, sources, trigger="cli", progress=progress,
                                  on_finished=None if terminal else _finished_line)
    after_crawl(app, summaries)
    if as_json:
        echo_json([summary.as_dict() for summary in summaries])
    else:
        print_table(["source", "status", "mode", "started", "requests", "200", "304", "errors", "new docs",
                     "new versions", "message"], _summary_rows(summaries, app.config["timezone"]),
                    title=f"crawled {len(summaries)} source{'s' if len(summaries) != 1 else ''}")
    if any(summary.status.value == "failed" for summary in summaries):
        raise click.exceptions.Exit(1)
