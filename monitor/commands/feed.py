"""``planwatch feed``: an Atom feed of changes for feed readers."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from monitor.context import AppContext, pass_app

__all__ = ["command"]


@click.command(name="feed")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE (default: stdout).")
@click.option("--region", "regions", multiple=True, metavar="PATH", help="Region path, e.g. 贵州省 (repeatable).")
@click.option("--source", "sources", multiple=True, metavar="ID", help="Source id (repeatable).")
@click.option("--keyword", "keywords", multiple=True, metavar="TEXT", help="Word in a title or indicator (repeatable).")
@click.option("--kind", "kinds", multiple=True, metavar="KIND", help="Change kind or group: plans, targets, edits, sources (repeatable).")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000), help="Newest changes to include.")
@pass_app
def command(app: AppContext, out: Path | None, regions: tuple[str, ...], sources: tuple[str, ...],
            keywords: tuple[str, ...], kinds: tuple[str, ...], limit: int) -> None:
    """Write an Atom feed of the newest changes, all or those passing the filters.

    Entries link to the archive browser (digest.archive_base_url).

    \b
    Example:
      planwatch feed --out changes.atom
      planwatch feed --region 贵州省 --kind targets > guizhou-targets.atom
    """
    from sqlmodel import Session

    from monitor.commands._regions import warn_unmatched_regions
    from reports.feeds import build_feed
    from reports.filters import ChangeFilter, expand_kinds
    from reports.urls import ArchiveUrls

    flt = ChangeFilter(regions=regions, sources=sources, keywords=keywords, kinds=tuple(expand_kinds(kinds)))
    with Session(app.engine(readonly=True)) as session:
        warn_unmatched_regions(session, regions)
        atom = build_feed(session, ArchiveUrls(str(app.config["digest.archive_base_url"])), flt, limit=limit)
    if out is None:
        sys.stdout.buffer.write(atom)
        sys.stdout.buffer.flush()
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(atom)
    click.echo(f"wrote {out}", err=True)
