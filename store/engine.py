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

__all__ = ["BUSY_TIMEOUT_SECONDS", "is_sqlite", "make_engine", "normalise_url", "session_scope"]

BUSY_TIMEOUT_SECONDS = 60


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def normalise_url(url: str) -> str:
    """Make ``postgresql://`` URLs use psycopg 3 and create SQLite's directory."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"database URL {url!r} is not valid: {exc}",
                          hint="use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db") from exc
    if parsed.drivername in {"postgresql", "postgres", "postgresql+psycopg2"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return parsed.render_as_string(hide_password=False)


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
    """Build the engine for ``url``; raises ConfigError for a malformed URL."""
    url = normalise_url(url)
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
