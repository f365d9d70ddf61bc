"""The digest outbox when `planwatch digest --send` is killed with SIGKILL mid-delivery.

``tests/test_outbox.py`` kills one subscriber's delivery in the window between the
server's 250 and planwatch recording it. Here three subscribers with different
filters are mailed by the real CLI, which is killed at the two points that matter:

* **after-accept**: the server accepted subscriber 1's digest; planwatch is blocked
  recording it (the test holds the database) and dies;
* **before-accept**: subscriber 1's digest was delivered and recorded; the server has
  subscriber 2's bytes but planwatch dies before the server answers (no 250).

A change is published while the process is dead. The run after the restart (once
``digest.sending_lease_seconds`` passed) must deliver to every subscriber exactly the
changes an uninterrupted run delivers to them (the oracle: the same store and
subscribers mailed without faults). The only duplicate allowed is the documented one:
the digest accepted in the window sent once more, byte for byte, with its Message-ID.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from digest_seed import NOW, add_change, seed_store
from monitor_helpers import PLANWATCH, clean_env
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select
from store_checks import store_problems

from reports.digest_run import run_digests
from reports.smtp_capture import CapturedMessage, CaptureServer
from reports.subscribers import add_subscriber
from store.engine import make_engine, session_scope
from store.migrate import upgrade
from store.models import Change, Digest, DigestItem
from store.settings import load_config

pytest_plugins = ["digest_fixtures"]

LEASE_SECONDS = 2
SUBSCRIBERS: tuple[tuple[str, dict[str, list[str]]], ...] = (
    ("all@example.org", {}),
    ("guizhou@example.org", {"regions": ["贵州省"]}),
    ("targets@example.org", {"kinds": ["targets"]}),
)


def _fill(engine: Engine) -> None:
    seed_store(engine)
    with session_scope(engine) as session:
        for email, filters in SUBSCRIBERS:
            add_subscriber(session, email, now=NOW - timedelta(days=1), **filters)  # type: ignore[arg-type]


def _late_change(engine: Engine) -> None:
    """Published while the digest process is dead: it must reach the next digests."""
    add_change(engine, "late", when=NOW + timedelta(hours=1), summary="迟到的变化: 人均预期寿命 80→81岁")


def _env(engine: Engine, data_dir: Path, smtp: CaptureServer) -> dict[str, str]:
    return {"PLANWATCH_DATA_DIR": str(data_dir), "PLANWATCH_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "PLANWATCH_SMTP_PORT": str(smtp.port), "PLANWATCH_SMTP_FROM_ADDR": "planwatch <digest@planwatch.example.org>",
            "PLANWATCH_DIGEST_FIRST_LOOKBACK_DAYS": "0", "PLANWATCH_DIGEST_ARCHIVE_BASE_URL": "http://archive.test:8000",
            "PLANWATCH_DIGEST_SENDING_LEASE_SECONDS": str(LEASE_SECONDS)}


@dataclass(frozen=True)
class Received:
    recipient: str
    message_id: str
    data: bytes


def _delivered(engine: Engine, messages: list[Received]) -> dict[str, Counter[str]]:
    """Recipient → how many times each change (by dedup key) reached them."""
    with Session(engine) as session:
        digests = {d.message_id: d.id for d in session.exec(select(Digest)).all() if d.message_id}
        rows = session.exec(select(DigestItem.digest_id, Change.dedup_key).join(Change, col(Change.id) == DigestItem.change_id)).all()
    changes: dict[int, list[str]] = defaultdict(list)
    for digest_id, key in rows:
        changes[digest_id].append(key)
    got: dict[str, Counter[str]] = defaultdict(Counter)
    for message in messages:
        got[message.recipient].update(changes[int(digests[message.message_id] or 0)])
    return got


def _received(smtp: CaptureServer) -> list[Received]:
    return [Received(m.rcpt_tos[0], str(m.message["Message-ID"]), m.data) for m in smtp.messages]


def _oracle(tmp_path: Path, smtp: CaptureServer) -> dict[str, set[str]]:
    """What each subscriber gets from the same store when nothing goes wrong."""
    data_dir = tmp_path / "oracle"
    engine = make_engine(f"sqlite:///{data_dir / 'planwatch.db'}")
    upgrade(engine)
    _fill(engine)
    config = load_config(env=_env(engine, data_dir, smtp))
    run_digests(config, engine, send=True)
    _late_change(engine)
    run_digests(config, engine, send=True)
    expected = {who: set(counts) for who, counts in _delivered(engine, _received(smtp)).items()}
    engine.dispose()
    smtp.clear()
    return expected


class _Hold:
    """Takes the database from another connection, so planwatch cannot record the acceptance."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None

    def take(self) -> None:
        self.connection = self.engine.connect()
        self.connection.begin()  # SQLite: BEGIN IMMEDIATE holds the write lock
        if self.engine.dialect.name == "postgresql":
            self.connection.execute(text("SELECT id FROM digest FOR UPDATE"))

    def release(self) -> None:
        if self.connection is not None:
            self.connection.rollback()
            self.connection.close()
            self.connection = None


class _Killer:
    """A hook of the SMTP server that strikes at the chosen point of the chosen message."""

    def __init__(self, point: str, hold: _Hold) -> None:
        self.point = point
        self.hold = hold
        self.seen = 0
        self.pid = 0
        self.struck = threading.Event()

    def __call__(self, message: CapturedMessage) -> None:
        self.seen += 1
        if self.point == "after-accept" and self.seen == 1:
            self.hold.take()  # the 250 goes out; recording it waits for us; then the test kills
            self.struck.set()
        elif self.point == "before-accept" and self.seen == 2:
            os.kill(self.pid, signal.SIGKILL)
            self.struck.set()
            raise ConnectionAbortedError("the client died before the server answered")  # no 250, not kept


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'data' / 'planwatch.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _run_until_killed(env: dict[str, str], killer: _Killer, hold: _Hold) -> None:
    process = subprocess.Popen([PLANWATCH, "digest", "--send", "--json"], env=clean_env(env),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killer.pid = process.pid
    try:
        assert killer.struck.wait(120), f"the digest run never reached the kill point: {process.communicate(timeout=60)}"
        if process.poll() is None:
            time.sleep(0.3)  # let it send its "recorded" update into the held database
            os.kill(process.pid, signal.SIGKILL)
        out, _err = process.communicate(timeout=60)
    finally:
        hold.release()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL and '"delivered"' not in out


@pytest.mark.parametrize("point", ["after-accept", "before-accept"])
def test_killed_digest_run_loses_nothing_and_repeats_only_the_accepted_digest(
        point: str, store: Engine, tmp_path: Path, smtp: CaptureServer) -> None:
    expected = _oracle(tmp_path, smtp)
    assert set(expected) == {email for email, _ in SUBSCRIBERS} and len(expected["all@example.org"]) == 8

    _fill(store)
    env = _env(store, tmp_path / "data", smtp)
    hold = _Hold(store)
    killer = _Killer(point, hold)
    smtp.handler.before_accept.append(killer)
    _run_until_killed(env, killer, hold)
    smtp.handler.before_accept.clear()
    before_restart = _received(smtp)
    assert [m.recipient for m in before_restart] == ["all@example.org"]

    _late_change(store)
    time.sleep(LEASE_SECONDS + 0.5)  # the dead process's claim on its digest runs out
    restart = subprocess.run([PLANWATCH, "digest", "--send", "--json"], env=clean_env(env), capture_output=True,
                             text=True, timeout=300)
    assert restart.returncode == 0, restart.stderr
    received = _received(smtp)
    delivered = _delivered(store, received)
    assert {who: set(changes) for who, changes in delivered.items()} == expected  # nothing lost, nothing extra

    by_id: dict[str, list[Received]] = defaultdict(list)
    for message in received:
        by_id[message.message_id].append(message)
    repeated = {mid: copies for mid, copies in by_id.items() if len(copies) > 1}
    if point == "after-accept":
        (copies,) = repeated.values()  # the one digest accepted in the window, and only it
        assert copies[0].recipient == "all@example.org" and copies[0].data == copies[1].data
    else:
        assert repeated == {}
    for who, changes in delivered.items():
        twice = {key for key, count in changes.items() if count > 1}
        assert not twice or (point == "after-accept" and who == "all@example.org"), (who, twice)

    with Session(store) as session:
        statuses = Counter(d.status for d in session.exec(select(Digest)).all())
    assert set(statuses) <= {"delivered", "empty"}, statuses
    assert store_problems(store) == []
    again = subprocess.run([PLANWATCH, "digest", "--send", "--json"], env=clean_env(env), capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0 and len(_received(smtp)) == len(received), "a further run sends nothing"

