"""``planwatch subscribers``: who gets digests, and what they want to hear about."""

from __future__ import annotations

import click

from monitor.commands._output import echo_json, local_time, print_table
from monitor.context import AppContext, pass_app

__all__ = ["command"]


@click.group(name="subscribers")
def command() -> None:
    """Add, list and remove digest subscribers.

    Filters combine with AND; several values of one filter with OR; no filter means
    everything. Regions are 省/市/县 paths and match everything below them.

    \b
    Example:
      planwatch subscribers add me@example.org --region 贵州省/贵阳市 --keyword 床位 --kind targets
      planwatch subscribers list
      planwatch subscribers remove me@example.org
    """


@command.command(name="add")
@click.argument("email")
@click.option("--region", "regions", multiple=True, metavar="PATH", help="Region path, e.g. 贵州省 or 四川省/遂宁市 (repeatable).")
@click.option("--source", "sources", multiple=True, metavar="ID", help="Source id from the sources config (repeatable).")
@click.option("--keyword", "keywords", multiple=True, metavar="TEXT", help="Word in a plan title or indicator name (repeatable).")
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Change kind (new-document, target-raised, ...) or group: plans, targets, edits, sources (repeatable).")
@click.option("--send-empty", is_flag=True, help="Mail a digest even when nothing is new (a heartbeat).")
@pass_app
def add_command(app: AppContext, email: str, regions: tuple[str, ...], sources: tuple[str, ...],
                keywords: tuple[str, ...], kinds: tuple[str, ...], send_empty: bool) -> None:
    """Subscribe EMAIL to digests of the changes that pass the filters.

    \b
    Example:
      planwatch subscribers add me@example.org --region 贵州省 --kind targets --kind plans
    """
    from monitor.commands._regions import warn_unmatched_regions
    from reports.subscribers import add_subscriber, unknown_sources
    from store.engine import session_scope

    with session_scope(app.engine()) as session:
        subscriber = add_subscriber(session, email, regions=regions, sources=sources, keywords=keywords,
                                    kinds=kinds, send_empty=send_empty)
        missing = unknown_sources(session, subscriber.sources)
        warn_unmatched_regions(session, subscriber.regions)
    if missing:
        click.echo(f"note: no source {', '.join(missing)} in the store yet (typo, or not crawled yet)", err=True)
    click.echo(f"subscribed {subscriber.email}: {_filters_text(subscriber.regions, subscriber.sources, subscriber.keywords, subscriber.kinds)}")


def _filters_text(regions: list[str], sources: list[str], keywords: list[str], kinds: list[str]) -> str:
    parts = [f"{label} {', '.join(values)}" for label, values in
             (("regions", regions), ("sources", sources), ("keywords", keywords), ("kinds", kinds)) if values]
    return "; ".join(parts) or "every change"


@command.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--all", "include_removed", is_flag=True, help="Include removed subscribers.")
@pass_app
def list_command(app: AppContext, as_json: bool, include_removed: bool) -> None:
    """List subscribers with their filters, last delivery and digests waiting in the outbox.

    \b
    Example:
      planwatch subscribers list --json
    """
    from sqlmodel import Session

    from reports.subscribers import list_subscribers

    with Session(app.engine(readonly=True)) as session:
        rows = list_subscribers(session, include_removed=include_removed)
    if as_json:
        echo_json([row.as_dict() for row in rows])
        return
    timezone = str(app.config["timezone"])
    print_table(
        ["email", "regions", "sources", "keywords", "kinds", "empty too", "last delivered", "waiting", "active"],
        [(r.subscriber.email, " ".join(r.subscriber.regions), " ".join(r.subscriber.sources),
          " ".join(r.subscriber.keywords), " ".join(r.subscriber.kinds), "yes" if r.subscriber.send_empty else "",
          local_time(r.last_delivered_at, timezone), r.waiting or "", "yes" if r.subscriber.active else "removed")
         for r in rows],
        title=f"{len(rows)} subscribers",
    )


@command.command(name="remove")
@click.argument("email")
@pass_app
def remove_command(app: AppContext, email: str) -> None:
    """Stop sending digests to EMAIL (what it already received is remembered).

    \b
    Example:
      planwatch subscribers remove me@example.org
    """
    from reports.subscribers import remove_subscriber
    from store.engine import session_scope

    with session_scope(app.engine()) as session:
        subscriber = remove_subscriber(session, email)
    click.echo(f"removed {subscriber.email}")
