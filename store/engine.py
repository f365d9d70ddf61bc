"""One engine factory for SQLite (default, one file, no server) and PostgreSQL.

SQLite gets WAL (readers never wait for the writer), foreign keys, a busy timeout,
and ``BEGIN IMMEDIATE`` for writing engines: a writer takes the lock when its
transaction starts, so two processes wait for each other instead of failing with
"database is locked" when a read transaction later tries to write. Read-only
engines (the archive browser) use plain deferred transactions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session, create_engine

from store.errors import ConfigError, DatabaseUnavailable

__all__ = ["BUSY_TIMEOUT_SECONDS", "is_sqlite", "make_engine", "normalise_url", "session_scope", "sqlite_file"]

BUSY_TIMEOUT_SECONDS = 60


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


_URL_HINT = "set PLANWATCH_DATABASE_URL (or database_url) to sqlite:///path/to/file.db or postgresql+psycopg://user@host/db"
# Drivers planwatch is built and tested with, after postgresql:// is mapped to psycopg 3.
_SUPPORTED_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql+psycopg"})


def normalise_url(url: str, *, create_dirs: bool = True) -> str:
    """Make ``postgresql://`` URLs use psycopg 3 and (unless told not to) create SQLite's directory.

    A malformed URL or a database other than SQLite/PostgreSQL is a ConfigError naming
    the setting (password hidden), not an import error from a driver we do not ship.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"database_url {url!r} is not a valid URL", hint=_URL_HINT) from exc
    if parsed.drivername in {"postgresql", "postgres", "postgresql+psycopg2"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in _SUPPORTED_DRIVERS:
        shown = parsed.render_as_string(hide_password=True)
        raise ConfigError(f"database_url {shown!r}: {parsed.drivername} is not supported, only SQLite and PostgreSQL",
                          hint=_URL_HINT)
    if create_dirs and parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"database_url {url!r}: the directory {str(folder)!r} cannot be created "
                              f"({exc.strerror or exc})", hint=_URL_HINT) from exc
    return parsed.render_as_string(hide_password=False)


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None for PostgreSQL and in-memory databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(readonly: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    return on_connect


def make_engine(url: str, *, readonly: bool = False, echo: bool = False) -> Engine:
    """Build the engine for ``url``; raises ConfigError for a malformed URL.

    A read-only engine never creates directories.
    """
    url = normalise_url(url, create_dirs=not readonly)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            json_serializer=_json_dumps,
            connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_pragmas(readonly))
        begin = "BEGIN" if readonly else "BEGIN IMMEDIATE"

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql(begin)

        return engine
    return create_engine(
        url,
        echo=echo,
        json_serializer=_json_dumps,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 10},
    )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error.

    Connection failures become :class:`DatabaseUnavailable` so the CLI can say what
    happened in one line.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except OperationalError as exc:
        session.rollback()
        raise _as_unavailable(exc) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _as_unavailable(exc: OperationalError) -> Exception:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    if "database is locked" in text:
        return exc
    return DatabaseUnavailable(f"database error: {first}")
