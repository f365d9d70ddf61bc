"""Fixtures for the archive browser tests: the small archive of ``archive_data`` behind
the app, through FastAPI's test client, on SQLite and on PostgreSQL.

The archive is read-only, so one filled store per backend serves the whole session
(a test that wanted to write would be a bug the read-only tests catch). Import the
fixtures into a test module (``from web_fixtures import web, web_sqlite``); pytest
finds them there.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from archive_data import Archive, fill_archive
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from reports.web import create_app
from store.engine import make_engine
from store.migrate import upgrade
from store.settings import Config, load_config


@dataclass
class Web:
    client: TestClient
    archive: Archive
    engine: Engine  # the writable engine that filled the store
    readonly: Engine  # the engine the app reads through
    config: Config

    def app_client(self, env: dict[str, str]) -> TestClient:
        """Another app over the same store, with extra settings (auth, say)."""
        config = load_config(env={"PLANWATCH_DATA_DIR": str(self.config.data_dir), **env})
        return TestClient(create_app(config, engine=self.readonly), raise_server_exceptions=False)


def _serve(engine: Engine, data_dir: Path) -> Iterator[Web]:
    upgrade(engine)
    archive = fill_archive(engine, data_dir)
    config = load_config(env={"PLANWATCH_DATA_DIR": str(data_dir)})
    readonly = make_engine(engine.url.render_as_string(hide_password=False), readonly=True)
    with TestClient(create_app(config, engine=readonly), raise_server_exceptions=False) as client:
        yield Web(client, archive, engine, readonly, config)
    readonly.dispose()
    engine.dispose()


def _sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    data_dir = tmp_path_factory.mktemp("web-archive")
    yield from _serve(make_engine(f"sqlite:///{data_dir / 'planwatch.db'}"), data_dir)


def _postgresql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    base = os.environ.get("PLANWATCH_TEST_DATABASE_URL")
    if not base:
        pytest.skip("PostgreSQL tests need PLANWATCH_TEST_DATABASE_URL (.ci/run sets it)")
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    name = f"pw_web_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        yield from _serve(make_engine(url), tmp_path_factory.mktemp("web-archive-pg"))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    """The archive app on SQLite and on PostgreSQL (one store each for the session)."""
    yield from (_sqlite if request.param == "sqlite" else _postgresql)(tmp_path_factory)


@pytest.fixture(scope="session")
def web_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    """The archive app on SQLite only (for tests whose subject is not the database)."""
    yield from _sqlite(tmp_path_factory)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PLANWATCH = str(Path(sys.executable).with_name("planwatch"))


@contextmanager
def serve_process(env: dict[str, str], *args: str, timeout: float = 60) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`planwatch serve` as a real subprocess on a free 127.0.0.1 port; yields (base URL, process)."""
    port = free_port()
    clean = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")}
    process = subprocess.Popen(
        [PLANWATCH, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env={**clean, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise AssertionError(f"planwatch serve exited with {process.returncode}: {process.stderr.read() if process.stderr else ''}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base, process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
