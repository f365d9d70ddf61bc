"""``planwatch runs``: recent crawl runs, newest first."""

from __future__ import annotations

import click

from monitor.commands._output import echo_json, local_time, print_table
from monitor.context import AppContext, pass_app

__all__ = ["command"]

_FIELDS = ("id", "source_id", "trigger", "status", "started_at", "finished_at", "requests", "ok_count",
           "not_modified_count", "error_count", "errors", "new_documents", "new_versions", "message")


@click.command(name="runs")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000), help="How many runs to show.")
@click.option("--source", "source_id", metavar="ID", help="Only runs of this source.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def command(app: AppContext, limit: int, source_id: str | None, as_json: bool) -> None:
    """List recent crawl runs: when, how they ended, what they fetched and found.

    \b
    Example:
      planwatch runs
      planwatch runs --source gy-wjw --limit 5 --json
    """
    from sqlmodel import Session

    from crawler.recovery import shown_status
    from store.queries import recent_runs

    with Session(app.engine(readonly=True)) as session:
        runs = recent_runs(session, limit, source_id)
    shown = {run.id: shown_status(run) for run in runs}  # a run whose process is gone: interrupted already
    if as_json:
        echo_json([{name: getattr(run, name) for name in _FIELDS} | dict(zip(("status", "message"), shown[run.id],
                                                                             strict=True)) for run in runs])
        return
    timezone = app.config["timezone"]
    print_table(
        ["id", "source", "status", "started", "finished", "requests", "200", "304", "errors", "new docs", "new versions"],
        [(r.id, r.source_id, shown[r.id][0], local_time(r.started_at, timezone), local_time(r.finished_at, timezone),
          r.requests, r.ok_count, r.not_modified_count,
          ", ".join(f"{kind} {n}" for kind, n in r.errors.items()) or r.error_count, r.new_documents, r.new_versions)
         for r in runs],
        title=f"{len(runs)} most recent crawl runs",
    )
