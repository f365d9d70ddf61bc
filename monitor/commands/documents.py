"""``planwatch documents``: the stored plan documents."""

from __future__ import annotations

from typing import Any

import click

from monitor.commands._output import echo_json, print_table
from monitor.context import AppContext, pass_app

__all__ = ["command"]


@click.command(name="documents")
@click.option("--source", "source_id", metavar="ID", help="Only documents of this source.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def command(app: AppContext, source_id: str | None, as_json: bool) -> None:
    """List stored documents: id, URL, title, agency, region, plan year, publish date,
    number of versions and attachments.

    \b
    Example:
      planwatch documents
      planwatch documents --source gy-wjw --json
    """
    from sqlmodel import Session

    from store.queries import latest_attachments, list_documents, version_counts

    with Session(app.engine(readonly=True)) as session:
        documents = list_documents(session, source_id)
        counts = version_counts(session)
        attachments = latest_attachments(session)
    rows: list[dict[str, Any]] = [
        {
            "id": d.id, "url": d.url, "title": d.title, "agency": d.agency, "region": d.region,
            "plan_year": d.plan_year, "doc_type": d.doc_type, "published_on": d.published_on,
            "source_id": d.source_id, "versions": counts.get(d.id or 0, 0),
            "attachments": [{"filename": a.filename, "url": a.url, "readable": a.text_hash is not None, "error": a.error}
                            for a in attachments.get(d.id or 0, [])],
        }
        for d in documents
    ]
    if as_json:
        echo_json(rows)
        return
    print_table(
        ["id", "title", "agency", "region", "year", "published", "versions", "attachments", "url"],
        [(r["id"], r["title"], r["agency"], r["region"], r["plan_year"], r["published_on"], r["versions"],
          len(r["attachments"]), r["url"]) for r in rows],
        title=f"{len(rows)} documents",
    )
