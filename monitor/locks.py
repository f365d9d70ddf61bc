"""Named locks that keep two planwatch processes from doing the same thing at once.

``run --once`` holds ``cycle`` for a whole cycle, the daemon holds ``daemon`` for its
life, and analysis runs under ``analysis`` (the daemon's crawl children and a cron
cycle may finish at the same time). Which kind of lock depends on the store:

- SQLite: a file lock on ``<data_dir>/<name>.lock`` (``flock``; released by the
  kernel when the process dies, so a crash never leaves a stale lock);
- PostgreSQL: a session-level advisory lock on a connection held open for the
  duration, so machines sharing one database exclude each other too.

Without ``wait`` a held lock raises :class:`store.errors.LockHeld` at once (exit code
5); with ``wait`` the caller polls until the holder is done.
"""

from __future__ import annotations

import hashlib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ClassVar

from filelock import FileLock, Timeout
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from store.errors import LockHeld
from store.settings import Config

__all__ = ["LOCK_KINDS", "AdvisoryLock", "NamedLock", "PathLock", "advisory_key", "hold_lock", "lock_for"]

POLL_SECONDS = 0.5
LOCK_KINDS: dict[str, type[NamedLock]] = {}


class NamedLock(ABC):
    """One kind of lock, chosen by the database dialect it suits."""

    kind: ClassVar[str]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        LOCK_KINDS[cls.kind] = cls

    def __init__(self, name: str, config: Config, engine: Engine) -> None:
        self.name = name
        self.config = config
        self.engine = engine

    @property
    @abstractmethod
    def where(self) -> str:
        """Where the lock lives, for messages."""

    @abstractmethod
    def try_acquire(self) -> bool:
        """Take the lock if free; False when another process holds it."""

    @abstractmethod
    def release(self) -> None:
        """Give the lock back."""


class PathLock(NamedLock):
    """A file lock in the data directory (SQLite stores)."""

    kind = "sqlite"

    def __init__(self, name: str, config: Config, engine: Engine) -> None:
        super().__init__(name, config, engine)
        self.path = config.ensure_data_dir() / f"{name}.lock"
        self._lock = FileLock(str(self.path), thread_local=False)

    @property
    def where(self) -> str:
        return str(self.path)

    def try_acquire(self) -> bool:
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def release(self) -> None:
        self._lock.release()


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock``, from the lock's name."""
    digest = hashlib.sha256(f"planwatch:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLock(NamedLock):
    """A PostgreSQL session advisory lock: holds across machines sharing one database."""

    kind = "postgresql"

    def __init__(self, name: str, config: Config, engine: Engine) -> None:
        super().__init__(name, config, engine)
        self.key = advisory_key(name)
        self._connection: Connection | None = None

    @property
    def where(self) -> str:
        url = self.engine.url.render_as_string(hide_password=True)
        return f"PostgreSQL advisory lock {self.key} on {url}"

    def try_acquire(self) -> bool:
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
        if got:
            self._connection = connection
        else:
            connection.close()
        return got

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except DBAPIError:
            pass  # the server went away: the lock ended with its session; do not hide the error that got us here
        finally:
            # Never hand a connection that might still hold the lock back to the pool.
            connection.invalidate()
            connection.close()


def lock_for(name: str, config: Config, engine: Engine) -> NamedLock:
    """The lock that suits ``engine``'s database (a file lock for anything but PostgreSQL)."""
    kind = LOCK_KINDS.get(engine.dialect.name, PathLock)
    return kind(name, config, engine)


@contextmanager
def hold_lock(
    name: str,
    config: Config,
    engine: Engine,
    *,
    wait: bool = False,
    on_wait: Callable[[str], None] | None = None,
    what: str = "planwatch cycle",
) -> Iterator[NamedLock]:
    """Hold the lock ``name`` for the ``with`` block.

    Without ``wait``: LockHeld at once when another process has it. With ``wait``:
    ``on_wait(where)`` is called once, then the lock is polled until it is free.
    """
    lock = lock_for(name, config, engine)
    if not lock.try_acquire():
        if not wait:
            raise LockHeld(f"another {what} is running (lock: {lock.where})")
        if on_wait is not None:
            on_wait(lock.where)
        while not lock.try_acquire():
            time.sleep(POLL_SECONDS)
    try:
        yield lock
    finally:
        lock.release()
