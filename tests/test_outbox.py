"""The outbox against a real SMTP server: refusals and outages are retried with backoff,
a digest is delivered exactly once, and a process killed between "the server accepted"
and "planwatch recorded it" is recovered as documented in ``reports/outbox.py``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from digest_seed import NOW, make_config, seed_store
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select

from reports.digest_run import run_digests
from reports.outbox import RetryPolicy
from reports.smtp_capture import CapturedMessage, CaptureServer, free_port
from store.engine import session_scope
from store.kinds import DigestStatus
from store.models import Digest, DigestItem, Subscriber
from store.settings import Config

pytest_plugins = ["digest_fixtures"]

REPO = Path(__file__).resolve().parent.parent


def _subscribe(engine: Engine, email: str = "reader@example.org") -> None:
    with session_scope(engine) as session:
        session.add(Subscriber(email=email, token="tok", created_at=NOW - timedelta(days=1)))


def _digests(engine: Engine) -> list[Digest]:
    with Session(engine) as session:
        return list(session.exec(select(Digest).order_by(Digest.id)).all())  # type: ignore[arg-type]


def test_refused_then_accepted_is_delivered_exactly_once(any_engine: Engine, mail_config: Config, smtp: CaptureServer) -> None:
    seed_store(any_engine)
    _subscribe(any_engine)
    smtp.refuse("451 4.3.0 Try again later")
    first = run_digests(mail_config, any_engine, send=True, now=NOW)
    (failed,) = first.failed
    assert "451 4.3.0 Try again later" in failed.detail and smtp.messages == []
    (digest,) = _digests(any_engine)
    assert (digest.status, digest.attempts, digest.last_error) == ("pending", 1, failed.detail)
    assert digest.next_attempt_at == NOW + timedelta(seconds=300)

    smtp.accept()
    early = run_digests(mail_config, any_engine, send=True, now=NOW + timedelta(seconds=299))
    assert smtp.messages == [] and [r.status for r in early.results] == ["waiting"]

    later = run_digests(mail_config, any_engine, send=True, now=NOW + timedelta(seconds=300))
    assert [(r.status, r.retried) for r in later.results] == [("delivered", True), ("empty", False)]
    again = run_digests(mail_config, any_engine, send=True, now=NOW + timedelta(days=1))
    assert again.delivered == 0
    (message,) = smtp.messages
    assert message.message["Message-ID"] == digest.message_id
    (digest,) = [d for d in _digests(any_engine) if d.status != "empty"]
    assert (digest.status, digest.attempts, digest.last_error) == ("delivered", 2, None)
    assert digest.delivered_at == NOW + timedelta(seconds=300)


def test_an_outage_keeps_the_digest_and_new_changes_wait_their_turn(sqlite_engine: Engine, data_dir: Path,
                                                                     smtp: CaptureServer) -> None:
    from digest_seed import add_change

    seed_store(sqlite_engine)
    _subscribe(sqlite_engine)
    down = make_config(data_dir, free_port())
    outage = run_digests(down, sqlite_engine, send=True, now=NOW)
    assert "cannot talk to the server" in outage.failed[0].detail
    newer = add_change(sqlite_engine, "newer", when=NOW + timedelta(hours=1))
    retry_at = NOW + timedelta(hours=2)
    assert "cannot talk" in run_digests(down, sqlite_engine, send=True, now=retry_at).failed[0].detail
    assert _digests(sqlite_engine)[0].next_attempt_at == retry_at + timedelta(seconds=600)  # second failure: 2 × base
    up = make_config(data_dir, smtp.port)
    summary = run_digests(up, sqlite_engine, send=True, now=NOW + timedelta(days=1))
    assert [(r.status, r.change_count) for r in summary.results] == [("delivered", 7), ("delivered", 1)]
    _first, second = smtp.messages
    assert "人均预期寿命" in second.message.get_body(("plain",)).get_content()
    with Session(sqlite_engine) as session:
        items = session.exec(select(DigestItem)).all()
        assert len(items) == 8 and {i.change_id for i in items if i.digest_id == 2} == {newer}


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 300), (2, 600), (3, 1200), (6, 9600), (7, 19200), (8, 21600), (60, 21600)])
def test_backoff_doubles_up_to_the_cap(attempts: int, seconds: int) -> None:
    assert RetryPolicy(300, 21600, 600).delay(attempts) == timedelta(seconds=seconds)


def test_removed_subscribers_get_nothing_from_the_outbox(sqlite_engine: Engine, mail_config: Config, smtp: CaptureServer) -> None:
    seed_store(sqlite_engine)
    _subscribe(sqlite_engine)
    smtp.refuse()
    run_digests(mail_config, sqlite_engine, send=True, now=NOW)
    with session_scope(sqlite_engine) as session:
        subscriber = session.exec(select(Subscriber)).one()
        subscriber.active = False
        session.add(subscriber)
    smtp.accept()
    assert run_digests(mail_config, sqlite_engine, send=True, now=NOW + timedelta(days=1)).results == []
    assert smtp.messages == [] and _digests(sqlite_engine)[0].status == "pending"


# -- killed between "server accepted" and "marked delivered" -------------------------

CHILD = """
import sys
from datetime import datetime
from reports.digest_run import run_digests
from store.engine import make_engine
from store.settings import load_config
config = load_config()
run_digests(config, make_engine(config.database_url), send=True, now=datetime.fromisoformat(sys.argv[1]))
print("finished without being killed")
"""


class DatabaseHold:
    """Holds the digest table from another connection, so a writer waits (and can be killed waiting)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None
        self.taken = threading.Event()

    def __call__(self, _message: CapturedMessage) -> None:
        if self.taken.is_set():
            return
        self.connection = self.engine.connect()
        self.connection.begin()  # SQLite: BEGIN IMMEDIATE takes the write lock
        if self.engine.dialect.name == "postgresql":
            self.connection.execute(text("SELECT id FROM digest FOR UPDATE"))
        self.taken.set()

    def release(self) -> None:
        if self.connection is not None:
            self.connection.rollback()
            self.connection.close()


@pytest.fixture
def child_env(any_engine: Engine, data_dir: Path, smtp: CaptureServer) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANWATCH_")}
    env.update({"PLANWATCH_DATA_DIR": str(data_dir), "PLANWATCH_DATABASE_URL": any_engine.url.render_as_string(hide_password=False),
                "PLANWATCH_SMTP_PORT": str(smtp.port), "PLANWATCH_DIGEST_FIRST_LOOKBACK_DAYS": "0",
                "PLANWATCH_DIGEST_ARCHIVE_BASE_URL": "http://archive.test:8000"})
    yield env


def test_killed_after_acceptance_resends_the_same_message_once(any_engine: Engine, smtp: CaptureServer,
                                                                child_env: dict[str, str], data_dir: Path) -> None:
    seeded = seed_store(any_engine)
    _subscribe(any_engine)
    hold = DatabaseHold(any_engine)
    smtp.handler.before_accept.append(hold)
    child = subprocess.Popen([sys.executable, "-c", CHILD, NOW.isoformat()], env=child_env, cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        smtp.wait_for(1, timeout=60)  # the server accepted; the child cannot record it while we hold the table
        assert hold.taken.is_set()
        os.kill(child.pid, signal.SIGKILL)
        out, _err = child.communicate(timeout=30)
    finally:
        hold.release()
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL and "finished" not in out
    (digest,) = _digests(any_engine)
    assert (digest.status, digest.attempts) == (DigestStatus.SENDING, 1)

    config = make_config(data_dir, smtp.port)
    soon = run_digests(config, any_engine, send=True, now=NOW + timedelta(minutes=5))  # the lease still holds
    assert [r.status for r in soon.results] == ["waiting"] and len(smtp.messages) == 1

    restart = subprocess.run([sys.executable, "-c", CHILD, (NOW + timedelta(seconds=601)).isoformat()], env=child_env,
                             cwd=REPO, capture_output=True, text=True, timeout=120)
    assert restart.returncode == 0, restart.stderr
    first, second = smtp.messages
    assert first.data == second.data  # byte for byte: same Message-ID, Date, boundaries, content
    assert first.message["Message-ID"] == digest.message_id
    final = _digests(any_engine)
    assert [(d.status, d.attempts) for d in final if d.status != "empty"] == [("delivered", 2)]
    with Session(any_engine) as session:
        placed = session.exec(select(DigestItem.change_id)).all()
    assert sorted(placed) == sorted(seeded.changes.values())  # each change placed once, in the one digest
    later = run_digests(config, any_engine, send=True, now=NOW + timedelta(days=1))
    assert later.delivered == 0 and len(smtp.messages) == 2


def test_retry_outbox_retries_only_and_the_file_channel_delivers(sqlite_engine: Engine, data_dir: Path,
                                                                 smtp: CaptureServer) -> None:
    from reports.digest_run import retry_outbox

    seed_store(sqlite_engine)
    _subscribe(sqlite_engine)
    smtp.refuse()
    run_digests(make_config(data_dir, smtp.port), sqlite_engine, send=True, now=NOW)
    assert retry_outbox(make_config(data_dir, smtp.port), sqlite_engine, now=NOW + timedelta(seconds=10)).results == []
    to_files = make_config(data_dir, smtp.port, digest_channel="file")
    summary = retry_outbox(to_files, sqlite_engine, now=NOW + timedelta(hours=1))
    assert [(r.status, r.retried) for r in summary.results] == [("delivered", True)]
    (digest,) = _digests(sqlite_engine)
    (eml,) = (data_dir / "mail").glob("*.eml")
    assert eml.name == digest.message_id.strip("<>") + ".eml"
    assert eml.read_bytes().startswith(b"From: planwatch <digest@planwatch.example.org>") and smtp.messages == []


def test_retry_now_sends_a_refused_digest_early_but_never_one_being_sent(any_engine: Engine, mail_config: Config,
                                                                         smtp: CaptureServer) -> None:
    seed_store(any_engine)
    _subscribe(any_engine)
    smtp.refuse("451 4.3.0 Try again later")
    run_digests(mail_config, any_engine, send=True, now=NOW)
    smtp.accept()
    with session_scope(any_engine) as session:  # another process claimed it a minute ago: its lease still holds
        session.execute(text("UPDATE digest SET status = 'sending', next_attempt_at = :until"),
                        {"until": NOW + timedelta(minutes=9)})
    held = run_digests(mail_config, any_engine, send=True, now=NOW + timedelta(minutes=1), retry_now=True)
    assert [r.status for r in held.results] == ["waiting"] and "being sent by another run" in held.results[0].detail
    assert smtp.messages == []

    with session_scope(any_engine) as session:  # that process got a refusal: pending, due in five minutes
        session.execute(text("UPDATE digest SET status = 'pending', next_attempt_at = :at"),
                        {"at": NOW + timedelta(minutes=6)})
    forced = run_digests(mail_config, any_engine, send=True, now=NOW + timedelta(minutes=1), retry_now=True)
    assert [(r.status, r.retried) for r in forced.results] == [("delivered", True), ("empty", False)]
    (digest,) = [d for d in _digests(any_engine) if d.status != "empty"]
    assert (digest.status, digest.attempts, digest.delivered_at) == ("delivered", 2, NOW + timedelta(minutes=1))
    assert len(smtp.messages) == 1
