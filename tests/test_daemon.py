"""`planwatch daemon` as a real subprocess against the fixture site: cycles with
second-level schedules, SIGTERM, the crawl time limit, a manual crawl alongside on
one SQLite store, and a restart that keeps (and syncs) the job store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from monitor_helpers import (
    fixture_sources,
    log_text,
    planwatch,
    slow_source,
    start_planwatch,
    store_env,
    wait_until,
    write_sources,
)
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from crawler.fixture_site import FixtureSite, plans_in
from monitor.daemon import desired_jobs, scheduled_times
from store.engine import make_engine
from store.models import CrawlRun, Document, ScheduleMark, Version
from store.settings import load_config
from store.sources_config import SourceConfig

pytestmark = pytest.mark.slow


def _engine(env: dict[str, str]) -> Engine:
    return make_engine(env.get("PLANWATCH_DATABASE_URL") or f"sqlite:///{env['PLANWATCH_DATA_DIR']}/planwatch.db")


def _runs(env: dict[str, str]) -> list[CrawlRun]:
    engine = _engine(env)
    with Session(engine) as session:
        runs = list(session.exec(select(CrawlRun).order_by(col(CrawlRun.id))).all())
    engine.dispose()
    return runs


def _stop(daemon: subprocess.Popen[str], timeout: float = 10) -> tuple[float, str]:
    """SIGTERM the daemon; (seconds it took to exit, its stderr)."""
    started = time.monotonic()
    daemon.send_signal(signal.SIGTERM)
    _out, err = daemon.communicate(timeout=timeout + 20)
    return time.monotonic() - started, err


def _ready(daemon: subprocess.Popen[str]) -> str:
    """Read the daemon's stderr until its "running" line."""
    assert daemon.stderr is not None
    seen = []
    for line in daemon.stderr:
        seen.append(line)
        if line.startswith("planwatch daemon running"):
            return line
    raise AssertionError("the daemon ended before it was ready:\n" + "".join(seen))


def test_daemon_runs_cycles_alongside_a_manual_crawl_and_stops_cleanly(fixture_site: FixtureSite,
                                                                        tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "sources.toml",
                            [*fixture_sources(fixture_site, "fixture-gy"), slow_source(fixture_site, seconds=30)])
    env = store_env(tmp_path, sources)
    daemon = start_planwatch(env, "daemon", "--every", "3")
    try:
        wait_until(lambda: len([r for r in _runs(env) if r.source_id == "fixture-gy" and r.status == "ok"]) >= 2,
                   180, "two finished crawls of fixture-gy by the daemon")
        # A manual crawl of another source, into the same SQLite file, while the daemon crawls.
        other = write_sources(tmp_path / "other.toml", fixture_sources(fixture_site, "fixture-sn"))
        manual = planwatch(env, "crawl", "--sources", str(other), "--json")
        assert manual.returncode == 0, manual.stderr
        assert "database is locked" not in manual.stderr
        assert json.loads(manual.stdout)[0]["status"] == "ok"
        wait_until(lambda: any(r.source_id == "slow" and r.status == "running" for r in _runs(env)), 120,
                   "the slow source's crawl to be under way")
    finally:
        seconds, err = _stop(daemon)
    assert daemon.returncode == 0, err
    assert seconds < 10, f"SIGTERM took {seconds:.1f} s"
    runs = _runs(env)
    assert not [r for r in runs if r.status == "running"], "no run is left running"
    slow = [r for r in runs if r.source_id == "slow"]
    assert slow[-1].status == "interrupted" and slow[-1].finished_at is not None
    daemon_runs = [r for r in runs if r.source_id == "fixture-gy" and r.trigger == "daemon"]
    assert len(daemon_runs) >= 2 and {r.status for r in daemon_runs} <= {"ok", "interrupted"}
    engine = _engine(env)
    with Session(engine) as session:
        gy_versions = session.exec(select(func.count()).select_from(Version).join(Document)
                                   .where(Document.source_id == "fixture-gy")).one()
        assert session.get(ScheduleMark, "digest") is not None, "the digest job ran"
    engine.dispose()
    assert gy_versions == len(plans_in("initial", "fixture-gy")), "versions stored once, not once per cycle"
    log = log_text(env)
    assert "event=daemon.started" in log and "event=daemon.stopped" in log and "signal=SIGTERM" in log


def test_a_crawl_past_its_time_limit_is_stopped_and_recorded_interrupted(fixture_site: FixtureSite,
                                                                       tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "sources.toml", [slow_source(fixture_site, seconds=30)])
    env = store_env(tmp_path, sources, PLANWATCH_CRAWL_TIME_LIMIT="2", PLANWATCH_DIGEST_ENABLED="false")
    daemon = start_planwatch(env, "daemon", "--every", "600")
    try:
        wait_until(lambda: "event=crawl.finished source=slow" in log_text(env), 120, "the slow crawl to end")
        [run] = _runs(env)
    finally:
        _seconds, err = _stop(daemon)
    assert daemon.returncode == 0, err
    assert run.status == "interrupted", (run.status, run.message)
    assert "time_limit" in run.message or "timeout" in run.message, run.message
    assert run.finished_at is not None
    assert (run.finished_at - run.started_at).total_seconds() < 25, "stopped near the limit, not after the page"


def test_ctrl_c_to_the_process_group_stops_the_daemon_and_its_crawl_child(fixture_site: FixtureSite,
                                                                         tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches the crawl children too: they ignore it, the daemon stops them."""
    sources = write_sources(tmp_path / "sources.toml", [slow_source(fixture_site, seconds=30)])
    env = store_env(tmp_path, sources, PLANWATCH_DIGEST_ENABLED="false")
    full = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")} | env
    daemon = subprocess.Popen([str(Path(sys.executable).with_name("planwatch")), "daemon", "--every", "600"],
                              env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        wait_until(lambda: "/slow?seconds=30" in fixture_site.arrived, 120, "the slow crawl to be under way")
        started = time.monotonic()
        os.killpg(daemon.pid, signal.SIGINT)
        _out, err = daemon.communicate(timeout=30)
        seconds = time.monotonic() - started
    finally:
        if daemon.poll() is None:
            os.killpg(daemon.pid, signal.SIGKILL)
    assert daemon.returncode == 0 and seconds < 10, (seconds, err)
    [run] = _runs(env)
    assert (run.status, run.message) == ("interrupted", "interrupted (Ctrl-C or SIGTERM)")
    assert "signal=SIGINT" in log_text(env)


def _assert_within_jitter(when: datetime, *, hour: int, minute: int) -> None:
    """A weekday fire time of 'minute hour * * 1-5' in Shanghai plus at most an hour of jitter."""
    local = when.astimezone(ZoneInfo("Asia/Shanghai"))
    base = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    assert 0 <= (local - base).total_seconds() <= 3600 and base.weekday() < 5, local


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return ""
    url: str = request.getfixturevalue("pg_url")
    return url


def test_restart_keeps_the_job_store_and_syncs_it_with_the_sources_file(fixture_site: FixtureSite, tmp_path: Path,
                                                                       database_url: str) -> None:
    gy, sn, shx, news = (fixture_sources(fixture_site, name)[0]
                         for name in ("fixture-gy", "fixture-sn", "fixture-shx", "fixture-news"))
    sources = write_sources(tmp_path / "sources.toml", [gy, shx, news], schedules={"fixture-shx": "30 7 * * 1-5"})
    env = store_env(tmp_path, sources, database_url, PLANWATCH_SCHEDULE_JITTER="3600")
    daemon = start_planwatch(env, "daemon")
    try:
        _ready(daemon)
        engine = _engine(env)
        before = scheduled_times(engine)
        second = planwatch(env, "daemon", timeout=120)
        assert second.returncode == 5, second.stderr
        assert second.stderr.strip().startswith("error: another planwatch daemon is running")
        cron = planwatch(env, "run", "--once", timeout=120)
        assert cron.returncode == 5, cron.stderr
        assert cron.stderr.strip().startswith("error: a planwatch daemon is running on this store")
    finally:
        _stop(daemon)
    assert daemon.returncode == 0
    assert set(before) == {"crawl:fixture-gy", "crawl:fixture-shx", "crawl:fixture-news", "digest", "outbox"}
    _assert_within_jitter(before["crawl:fixture-shx"], hour=7, minute=30)
    write_sources(sources, [gy, shx, sn], schedules={"fixture-shx": "45 7 * * 1-5"})
    restarted = start_planwatch(env, "daemon")
    try:
        _ready(restarted)
        after = scheduled_times(engine)
        status = json.loads(planwatch(env, "status", "--json").stdout)
        write_sources(sources, [gy, shx], schedules={"fixture-shx": "45 7 * * 1-5"})
        restarted.send_signal(signal.SIGHUP)  # systemctl reload: re-read the sources file
        wait_until(lambda: "removed=crawl:fixture-sn" in log_text(env), 60, "the reload to drop fixture-sn's job")
        reloaded = scheduled_times(engine)
    finally:
        _stop(restarted)
    engine.dispose()
    assert set(after) == {"crawl:fixture-gy", "crawl:fixture-shx", "crawl:fixture-sn", "digest", "outbox"}
    assert after["crawl:fixture-gy"] == before["crawl:fixture-gy"], "unchanged job kept its (jittered) time"
    assert after["digest"] == before["digest"]
    assert after["crawl:fixture-shx"] != before["crawl:fixture-shx"]
    assert reloaded == {key: value for key, value in after.items() if key != "crawl:fixture-sn"}
    _assert_within_jitter(after["crawl:fixture-shx"], hour=7, minute=45)
    by_source = {row["source"]: row for row in status["sources"]}
    assert by_source["fixture-gy"]["next_run_from"] == "daemon"
    assert datetime.fromisoformat(by_source["fixture-gy"]["next_run"]) == after["crawl:fixture-gy"]
    assert by_source["fixture-gy"]["next_run"].endswith("+08:00"), "shown in the timezone setting"
    assert by_source["fixture-news"]["in_config"] is False and by_source["fixture-news"]["next_run"] is None


def test_desired_jobs_follow_the_config(fixture_site: FixtureSite, tmp_path: Path) -> None:
    config = load_config(env={"PLANWATCH_DATA_DIR": str(tmp_path), "PLANWATCH_DIGEST_ENABLED": "false",
                              "PLANWATCH_SCHEDULE_JITTER": "0"})
    gy, shx = fixture_sources(fixture_site, "fixture-gy", "fixture-shx")
    disabled = shx.model_copy(update={"enabled": False})
    jobs = desired_jobs(config, [gy, disabled])
    assert list(jobs) == ["crawl:fixture-gy"], "disabled sources and a switched-off digest get no job"
    assert str(jobs["crawl:fixture-gy"].trigger) == "cron[month='*', day='*', day_of_week='*', hour='6', minute='0']"
    with_digest = desired_jobs(load_config(env={"PLANWATCH_DATA_DIR": str(tmp_path),
                                                "PLANWATCH_DIGEST_RETRY_BASE_SECONDS": "120"}), [gy])
    assert str(with_digest["digest"].trigger) == "cron[month='*', day='*', day_of_week='*', hour='8', minute='0']"
    assert str(with_digest["outbox"].trigger) == "interval[0:02:00]", "refused digests retried between digests"
    every = desired_jobs(config, [gy], every=5)
    assert str(every["crawl:fixture-gy"].trigger) == "interval[0:00:05]" and every["crawl:fixture-gy"].start_now


def _restart_with_due_job(config_env: dict[str, str], tmp_path: Path, overdue_seconds: float) -> list[str]:
    """Store a daily job, move its next run ``overdue_seconds`` into the past (the daemon was
    down at 06:00), start a scheduler on the same table again; the job events seen."""
    from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED

    from monitor.daemon import build_scheduler, stop_scheduler, sync_jobs
    from monitor.jobs import Runtime, install_runtime

    config = load_config(env={"PLANWATCH_DATA_DIR": str(tmp_path), "PLANWATCH_SCHEDULE_JITTER": "0",
                              "PLANWATCH_DIGEST_ENABLED": "false", **config_env})
    engine = make_engine(config.database_url)
    source = fixture_sources_offline()
    first = build_scheduler(config, engine)
    first.start(paused=True)
    sync_jobs(first, desired_jobs(config, [source]))
    first.modify_job("crawl:fixture-gy", next_run_time=datetime.now(UTC) - timedelta(seconds=overdue_seconds))
    stop_scheduler(first)  # a plain shutdown() would already consume the overdue run
    runtime = Runtime(config, engine, {source.id: source})
    runtime.stopping.set()  # the job body returns at once: only the scheduling is under test
    install_runtime(runtime)
    seen: list[str] = []
    second = build_scheduler(config, engine)
    second.add_listener(lambda event: seen.append("missed" if event.code == EVENT_JOB_MISSED else "ran"),
                        EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    try:
        second.start()
        wait_until(lambda: seen, 30, "the scheduler to process the overdue job")
        time.sleep(1)  # a second run would show up here
        after = scheduled_times(engine)
    finally:
        stop_scheduler(second)
        install_runtime(None)
        engine.dispose()
    assert after["crawl:fixture-gy"].timestamp() > time.time(), "rescheduled to the next 06:00"
    return seen


def fixture_sources_offline() -> SourceConfig:
    return SourceConfig(id="fixture-gy", name="贵阳市卫生健康局 计划规划", agency="贵阳市卫生健康局",
                        region="贵州省/贵阳市", start_urls=["http://127.0.0.1:9/gywjw/ghjh/list.html"])


def test_a_crawl_missed_while_the_daemon_was_down_runs_once_within_the_grace_time(tmp_path: Path) -> None:
    assert _restart_with_due_job({}, tmp_path, overdue_seconds=600) == ["ran"]


def test_a_crawl_missed_longer_than_the_grace_time_waits_for_its_next_time(tmp_path: Path) -> None:
    assert _restart_with_due_job({"PLANWATCH_SCHEDULE_MISFIRE_GRACE": "60"}, tmp_path, overdue_seconds=600) == [
        "missed"]
