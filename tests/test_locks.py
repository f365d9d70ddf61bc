"""Named locks between real processes: a file lock for SQLite stores, a PostgreSQL
advisory lock (which holds across machines sharing the database) otherwise."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from monitor.locks import AdvisoryLock, PathLock, hold_lock, lock_for
from store.engine import make_engine
from store.errors import LockHeld
from store.settings import Config, load_config

_HOLDER = """
import sys, time
from monitor.locks import hold_lock
from store.engine import make_engine
from store.settings import load_config
config = load_config(env={"PLANWATCH_DATA_DIR": sys.argv[1], "PLANWATCH_DATABASE_URL": sys.argv[2]})
engine = make_engine(config.database_url)
with hold_lock("cycle", config, engine):
    print("held", flush=True)
    time.sleep(float(sys.argv[3]))
    open(sys.argv[1] + "/released-by-holder", "w").close()
"""


def _config_for(data_dir: Path, url: str) -> Config:
    return load_config(env={"PLANWATCH_DATA_DIR": str(data_dir), "PLANWATCH_DATABASE_URL": url})


def _start_holder(data_dir: Path, url: str, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(data_dir), url, str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, data_dir: Path) -> tuple[Config, Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{data_dir / 'planwatch.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    return _config_for(data_dir, url), make_engine(url)


def test_lock_kind_follows_the_database(store: tuple[Config, Engine]) -> None:
    config, engine = store
    lock = lock_for("cycle", config, engine)
    expected = PathLock if engine.dialect.name == "sqlite" else AdvisoryLock
    assert type(lock) is expected


def test_second_holder_is_refused_at_once_with_a_clear_message(store: tuple[Config, Engine]) -> None:
    config, engine = store
    holder = _start_holder(config.data_dir, config.database_url, 30)
    try:
        started = time.monotonic()
        with pytest.raises(LockHeld) as caught, hold_lock("cycle", config, engine):
            pass
        assert time.monotonic() - started < 5
        assert caught.value.exit_code == 5
        assert "another planwatch cycle is running" in caught.value.one_line()
        assert "--wait" in caught.value.one_line()
    finally:
        holder.kill()
        holder.wait()


def test_wait_queues_behind_the_holder(store: tuple[Config, Engine]) -> None:
    config, engine = store
    holder = _start_holder(config.data_dir, config.database_url, 2)
    told: list[str] = []
    with hold_lock("cycle", config, engine, wait=True, on_wait=told.append):
        assert (config.data_dir / "released-by-holder").exists(), "granted only after the holder let go"
    assert len(told) == 1
    holder.wait()


def test_a_killed_holder_leaves_no_stale_lock(store: tuple[Config, Engine]) -> None:
    config, engine = store
    holder = _start_holder(config.data_dir, config.database_url, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    deadline = time.monotonic() + 10  # PostgreSQL notices the dropped connection quickly
    while True:
        try:
            with hold_lock("cycle", config, engine):
                break
        except LockHeld:
            assert time.monotonic() < deadline, "the lock stayed held after its holder died"
            time.sleep(0.2)


def test_different_names_do_not_block_each_other_and_threads_exclude(store: tuple[Config, Engine]) -> None:
    config, engine = store
    with hold_lock("cycle", config, engine), hold_lock("analysis", config, engine):
        refused: list[bool] = []

        def other_thread() -> None:
            try:
                with hold_lock("analysis", config, engine):
                    refused.append(False)
            except LockHeld:
                refused.append(True)

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert refused == [True]
    with hold_lock("analysis", config, engine):
        pass  # released again
