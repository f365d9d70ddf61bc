"""``planwatch serve``: the archive browser on 127.0.0.1:8000 by default (read-only but for the unsubscribe link)."""

from __future__ import annotations

import errno
import ipaddress
import socket

import click

from monitor.context import AppContext, pass_app
from store.errors import AddressInUse, ConfigError

__all__ = ["EXIT_PORT_IN_USE", "bind_socket", "command", "is_loopback"]

EXIT_PORT_IN_USE = AddressInUse.exit_code


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind host:port before anything is announced; AddressInUse (exit 6) when it is taken."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise ConfigError(f"web.host {host!r} is not an address of this machine ({exc.strerror})",
                          hint="pass --host 127.0.0.1, or an address this machine has") from exc
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: restarts need no wait
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise AddressInUse(f"port {port} on {host} is already in use") from exc
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc})",
                          hint="pass --host 127.0.0.1 and a --port above 1023") from exc
    return sock


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
    Exit codes: 2 the database needs `planwatch db upgrade` or a setting is wrong,
    3 the database is unavailable, 6 the port is already in use (pass --port).

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
    sock = bind_socket(host, port)
    if not no_index:
        click.echo(_catch_up_index(app), err=True)

    import uvicorn

    from reports.web import create_app

    web = create_app(config, engine=engine)
    if not is_loopback(host) and not (config["web.auth_user"] or config["web.token"]):
        click.echo(f"warning: serving on {host} without authentication; anyone who can reach it can read the archive", err=True)
    click.echo(f"archive browser at http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    server = uvicorn.Server(uvicorn.Config(web, log_level=str(config["log_level"]).lower(), server_header=False))
    server.run(sockets=[sock])
