"""``planwatch serve``: the archive browser (read-only) on 127.0.0.1:8000 by default."""

from __future__ import annotations

import ipaddress

import click

from monitor.context import AppContext, pass_app

__all__ = ["command", "is_loopback"]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _catch_up_index(app: AppContext) -> str:
    """Index versions the search index lacks (the only write `serve` makes, before serving).

    A failure (say, a PostgreSQL role that may not create the pg_trgm extension) is
    reported and the archive is served anyway: only search is affected.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from store.engine import session_scope
    from store.search import index_pending

    try:
        with session_scope(app.engine()) as session:
            return f"search index: {index_pending(session)} versions added"
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return f"warning: search index not brought up to date ({first}); search covers what was indexed before"


@click.command(name="serve")
@click.option("--host", default=None, help="Address to bind (default: the web.host setting, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default: the web.port setting, 8000).")
@click.option("--no-index", is_flag=True, help="Do not bring the full-text index up to date before serving.")
@pass_app
def command(app: AppContext, host: str | None, port: int | None, no_index: bool) -> None:
    """Serve the archive browser: sources, documents, versions, diffs, series, search.

    Read-only: pages and the JSON API (/api/..., described at /openapi.json) never
    write to the store. At start-up the full-text index is brought up to date (the
    analysis step keeps it current afterwards). Set web.auth_user with
    PLANWATCH_WEB_AUTH_PASSWORD, or PLANWATCH_WEB_TOKEN, before binding anything but
    127.0.0.1.

    \b
    Example:
      planwatch serve
      planwatch serve --port 8080
      PLANWATCH_WEB_TOKEN=s3cret planwatch serve --host 0.0.0.0
    """
    config = app.config
    host = host or str(config["web.host"])
    port = port or int(config["web.port"])
    engine = app.engine(readonly=True)  # checks the schema first: "run planwatch db upgrade"
    if not no_index:
        click.echo(_catch_up_index(app), err=True)

    import uvicorn

    from reports.web import create_app

    web = create_app(config, engine=engine)
    if not is_loopback(host) and not (config["web.auth_user"] or config["web.token"]):
        click.echo(f"warning: serving on {host} without authentication; anyone who can reach it can read the archive", err=True)
    click.echo(f"archive browser at http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    uvicorn.run(web, host=host, port=port, log_level=str(config["log_level"]).lower(), server_header=False)
