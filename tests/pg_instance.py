"""A private PostgreSQL server for tests that stop the database (never the shared one).

``PgInstance`` runs ``initdb`` into a fresh directory and starts ``postgres`` on a free
port of 127.0.0.1 with its socket in that directory, so a test may stop it (as a crash
or a clean shutdown) and start it again while other tests keep using the shared
server on 5432. When the tests run as root, the server runs as the ``postgres`` user
(PostgreSQL refuses root). Binaries come from ``/usr/lib/postgresql/<version>/bin``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["PG_BIN", "PgInstance", "pg_instance"]


def _find_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return versions[-1].parent if versions else None


PG_BIN = _find_bin()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PgInstance:
    """``start()``, ``stop(mode)``, ``url``; the data directory is removed by :func:`pg_instance`."""

    def __init__(self, root: Path) -> None:
        assert PG_BIN is not None, "PostgreSQL binaries are not installed"
        self.root = root
        self.data = root / "data"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def init(self) -> None:
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast`` (clean shutdown, sessions cut) or ``immediate`` (like a crash)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    @property
    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0


@contextmanager
def pg_instance() -> Iterator[PgInstance]:
    """A started private server; stopped and deleted afterwards whatever happened."""
    root = Path(tempfile.mkdtemp(prefix="planwatch-pg-"))
    instance = PgInstance(root)
    try:
        instance.init()
        instance.start()
        yield instance
    finally:
        instance.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
