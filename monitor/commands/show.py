"""``planwatch show DOC``: one document's latest text and metadata."""

from __future__ import annotations

from typing import Any

import click

from monitor.commands._output import echo_json, local_time
from monitor.context import AppContext, pass_app

__all__ = ["command"]


def _details(app: AppContext, ref: str) -> dict[str, Any]:
    from sqlmodel import Session

    from store.queries import attachments_of_version, document_by_ref, versions_of
    from store.texts import get_text

    with Session(app.engine(readonly=True)) as session:
        document = document_by_ref(session, ref)
        versions = versions_of(session, document.id or 0)
        latest = versions[-1] if versions else None
        attachments = attachments_of_version(session, latest.id or 0) if latest else []
        text = get_text(session, latest.text_hash) if latest else ""
    return {
        "id": document.id, "url": document.url, "source_id": document.source_id, "title": document.title,
        "agency": document.agency, "region": document.region, "plan_year": document.plan_year,
        "doc_type": document.doc_type, "published_on": document.published_on, "first_seen": document.first_seen,
        "last_seen": document.last_seen, "last_status": document.last_status, "versions": len(versions),
        "version_id": latest.id if latest else None, "fetched_at": latest.fetched_at if latest else None,
        "version_list": [{"id": v.id, "fetched_at": v.fetched_at, "content_hash": v.content_hash,
                          "analysed": v.analysed_at is not None} for v in versions],
        "warc": {"file": latest.warc_file, "offset": latest.warc_offset} if latest and latest.warc_file else None,
        "attachments": [{"filename": a.filename, "url": a.url, "media_type": a.media_type, "size_bytes": a.size_bytes,
                         "readable": a.text_hash is not None, "error": a.error} for a in attachments],
        "text": text,
    }


@click.command(name="show")
@click.argument("doc")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object (metadata and text).")
@pass_app
def command(app: AppContext, doc: str, as_json: bool) -> None:
    """Print one document's latest text with its metadata and versions; DOC is an id or a URL.

    \b
    Example:
      planwatch show 12
      planwatch show http://www.gygov.gov.cn/wjw/2024/t20240312_83021.html --json
    """
    details = _details(app, doc)
    if as_json:
        echo_json(details)
        return
    timezone = app.config["timezone"]
    click.echo(details["title"] or "(no title)")
    click.echo(f"{details['agency']} · {details['region']} · {details['plan_year'] or '?'} · "
               f"published {details['published_on'] or '?'}")
    click.echo(f"{details['url']}  (id {details['id']}, {details['versions']} versions, "
               f"last seen {local_time(details['last_seen'], timezone)})")
    click.echo("versions: " + ", ".join(f"v{v['id']} {local_time(v['fetched_at'], timezone)}"
                                        for v in details["version_list"]) + "  (planwatch diff vOLD vNEW)")
    for attachment in details["attachments"]:
        state = "text read" if attachment["readable"] else f"unreadable: {attachment['error']}"
        click.echo(f"  附件 {attachment['filename']} ({state})")
    click.echo("")
    click.echo(details["text"])
