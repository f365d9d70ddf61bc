"""``planwatch digest``: render digests, or send them through the outbox.

The daemon and ``run --once`` call :func:`run_digests` (re-exported here from
``reports.digest_run``) directly.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from monitor.commands._output import echo_json, local_time, print_table
from monitor.context import AppContext, pass_app
from reports.digest_run import DigestRunSummary, run_digests
from store.errors import DeliveryError, InputError

__all__ = ["command", "parse_since", "run_digests"]


def parse_since(text: str, timezone: str) -> datetime:
    """``2024-03-01`` (midnight) or ``2024-03-01T08:00`` in ``timezone``, as aware UTC-comparable time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--since {text!r} is not a date", hint="write it as 2024-03-01 or 2024-03-01T08:00") from None
    if len(text.strip()) == 10:
        moment = datetime.combine(moment.date(), time())
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


@click.command(name="digest")
@click.option("--send", is_flag=True, help="Build digests into the outbox and mail them (default: render only).")
@click.option("--retry-now", is_flag=True,
              help="With --send: retry digests the server refused at once, not at their next attempt time.")
@click.option("--to", "to", metavar="EMAIL", help="Only this subscriber, or an ad-hoc address (no filters).")
@click.option("--since", metavar="DATE", help="Render the changes since DATE instead of since the last digest.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Also write the digest's HTML to FILE.")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@pass_app
def command(app: AppContext, send: bool, retry_now: bool, to: str | None, since: str | None, out: Path | None,
            as_json: bool) -> None:
    """Render what changed since each subscriber's last digest; with --send, mail it.

    Without --send nothing is marked: previews go to <data_dir>/digests/preview-*.html.
    With --send, digests waiting in the outbox are retried first, then new ones are built
    and sent; each is also written to <data_dir>/digests/. A digest the server refused
    stays in the outbox (exit code 4) and is retried by the first run after its next
    attempt time (shown as "waiting", backoff from digest.retry_base_seconds); add
    --retry-now to retry it at once, e.g. once the mail server is back.

    \b
    Example:
      planwatch digest                                # preview for every subscriber
      planwatch digest --to me@example.org --since 2024-01-01 --out digest.html
      planwatch digest --send
      planwatch digest --send --retry-now             # the server is back: retry refused digests now
    """
    config = app.config
    if retry_now and not send:
        raise InputError("--retry-now only makes sense with --send", hint="run planwatch digest --send --retry-now")
    moment = parse_since(since, str(config["timezone"])) if since else None
    summary = run_digests(config, app.engine(), send=send, to=to, since=moment, out=out, retry_now=retry_now)
    if as_json:
        echo_json(summary.as_dict())
    else:
        _print(summary, out)
    if summary.failed:
        first = summary.failed[0]
        when = local_time(first.next_attempt_at, str(config["timezone"])) or "the backoff"
        raise DeliveryError(f"{len(summary.failed)} digest(s) not delivered; {first.recipient}: {first.detail}",
                            hint=f"it stays in the outbox and is retried by the first digest run after {when}; "
                                 "`planwatch digest --send --retry-now` retries it at once")


def _print(summary: DigestRunSummary, out: Path | None) -> None:
    if not summary.results:
        click.echo("no active subscribers; add one with `planwatch subscribers add EMAIL`")
        return
    print_table(
        ["recipient", "status", "changes", "digest", "detail"],
        [(r.recipient, r.status + (" (retry)" if r.retried else ""), r.change_count, r.digest_id or "",
          r.html_path or r.detail) for r in summary.results],
        title=("sent" if summary.send else "rendered, nothing marked") + f": {summary.delivered} delivered",
    )
    if out is not None:
        click.echo(f"wrote {out}" if out.exists() else f"nothing to write to {out}: no digest was built")
