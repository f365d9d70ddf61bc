"""Cron mode: `planwatch run --once` against the fixture site, the rule for "due",
the digest schedule, failed steps, and the lock between two cycles (SQLite file lock
and PostgreSQL advisory lock)."""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from subprocess import Popen

import pytest
from monitor_helpers import (
    failing_source,
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
from sqlmodel import Session, select

from crawler.fixture_site import FixtureSite, plans_in
from monitor.cycle import CycleOptions, CycleSummary, StepOutcome, digest_due, mark_ran, run_cycle
from monitor.schedule import cron_trigger, crontab_weekdays, is_due
from store.engine import make_engine
from store.errors import ConfigError
from store.migrate import upgrade
from store.models import CrawlRun, ScheduleMark, Version, utcnow
from store.settings import Config

SH = "Asia/Shanghai"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (schedule, last crawl started (UTC), now (UTC), due?) -- 06:00 in Shanghai is 22:00 UTC.
DUE_RULES = [
    ("0 6 * * *", None, "2026-03-01 10:00", True),                                  # never ran
    ("0 6 * * *", "2026-03-01 22:00:05", "2026-03-02 10:00", False),                # ran after today's 06:00
    ("0 6 * * *", "2026-03-01 21:59:00", "2026-03-01 22:00:01", True),              # 06:00 fired since
    ("0 6 * * *", "2026-03-01 21:59:00", "2026-03-01 21:59:59", False),             # not yet 06:00 in Shanghai
    ("0 6 * * *", "2026-03-01 22:00:00", "2026-03-02 21:59:00", False),             # started at the fire time itself
    ("*/15 * * * *", "2026-03-01 10:01", "2026-03-01 10:15", True),
    ("*/15 * * * *", "2026-03-01 10:01", "2026-03-01 10:14:59", False),
    ("0 8 * * 1", "2026-03-01 00:00", "2026-03-02 00:00", True),                   # Monday 08:00 Shanghai (crontab 1)
    ("0 8 * * 1", "2026-03-01 00:00", "2026-03-01 23:59", False),                  # not Sunday
    ("0 8 * * 1", "2026-03-02 00:30", "2026-03-08 23:00", False),                  # next Monday not reached
]


@pytest.mark.parametrize(("schedule", "last", "now", "due"), DUE_RULES,
                         ids=[f"{row[0]}|{row[1]}|{row[2]}" for row in DUE_RULES])
def test_due_rule(schedule: str, last: str | None, now: str, due: bool) -> None:
    assert is_due(schedule, SH, _utc(last) if last else None, _utc(now)) is due


# crontab(5) weekdays (0 and 7 are Sunday) in APScheduler 3's terms (0 is Monday there).
WEEKDAYS = [("*", "*"), ("1", "mon"), ("0", "sun"), ("7", "sun"), ("1-5", "mon,tue,wed,thu,fri"), ("0-6", "*"),
            ("mon-fri", "mon,tue,wed,thu,fri"), ("sat,sun", "sat,sun"), ("*/2", "tue,thu,sat,sun"),
            ("1,3,5", "mon,wed,fri"), ("5-7", "fri,sat,sun"), ("MON", "mon")]


@pytest.mark.parametrize(("crontab", "expected"), WEEKDAYS, ids=[row[0] for row in WEEKDAYS])
def test_crontab_weekdays_mean_what_crontab_says(crontab: str, expected: str) -> None:
    assert crontab_weekdays(crontab) == expected


@pytest.mark.parametrize("expression", ["0 8 * * 8", "0 8 * * 5-1", "0 25 * * *", "0 8 * *", "daily"])
def test_bad_schedules_are_config_errors(expression: str) -> None:
    with pytest.raises(ConfigError, match="not a cron expression"):
        cron_trigger(expression, SH)


def test_digest_is_due_on_its_schedule_after_the_last_digest(config: Config, sqlite_engine: Engine) -> None:
    assert digest_due(config, sqlite_engine, _utc("2026-03-02 01:00"))  # never sent
    mark_ran(sqlite_engine, "digest", _utc("2026-03-02 00:00:10"), "ok")  # 08:00:10 Shanghai
    assert not digest_due(config, sqlite_engine, _utc("2026-03-02 23:59"))
    assert digest_due(config, sqlite_engine, _utc("2026-03-03 00:00:01"))  # next day 08:00 Shanghai
    with Session(sqlite_engine) as session:
        assert session.get(ScheduleMark, "digest") is not None


def test_a_failed_step_is_recorded_and_the_next_still_runs(config: Config, sqlite_engine: Engine) -> None:
    seen: list[str] = []

    def explode(cycle: object) -> StepOutcome:
        raise RuntimeError("站点目录不可写\nsecond line")

    def after(cycle: object) -> StepOutcome:
        return StepOutcome("after", "ok", {"ran": True})

    summary = run_cycle(config, sqlite_engine, [], CycleOptions(on_step=lambda step: seen.append(step.name)),
                        steps=(("explode", explode), ("after", after)))
    assert seen == ["explode", "after"]
    assert summary.failed_steps == ["explode"]
    assert summary.steps[0].error == "RuntimeError: 站点目录不可写 second line"
    assert summary.steps[1].detail == {"ran": True}
    with Session(sqlite_engine) as session:
        mark = session.get(ScheduleMark, "cycle")
        assert mark is not None and mark.last_status == "failed"


def _versions(env: dict[str, str]) -> int:
    engine = make_engine(f"sqlite:///{env['PLANWATCH_DATA_DIR']}/planwatch.db")
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(Version)).one()
    engine.dispose()
    return int(count)


@pytest.mark.slow
def test_run_once_crawls_what_is_due_then_nothing(fixture_site: FixtureSite, tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "sources.toml", fixture_sources(fixture_site, "fixture-gy", "fixture-shx"),
                            schedules={"fixture-shx": "0 6 1 1 *"})
    env = store_env(tmp_path, sources)
    first = planwatch(env, "run", "--once", "--json")
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert sorted(summary["due"]) == ["fixture-gy", "fixture-shx"]
    steps = {step["name"]: step for step in summary["steps"]}
    assert [run["status"] for run in steps["crawl"]["runs"]] == ["ok", "ok"]
    assert steps["analyse"]["status"] == "ok" and steps["analyse"]["analysed"] > 0
    assert steps["digest"]["status"] == "ok", steps["digest"]  # first cycle: no digest yet, so it is due
    expected = len(plans_in("initial", "fixture-gy")) + len(plans_in("initial", "fixture-shx"))
    assert _versions(env) == expected

    again = planwatch(env, "run", "--once")
    assert again.returncode == 0, again.stderr
    assert "crawl: skipped (no source is due)" in again.stdout
    assert "digest: skipped (digest.schedule has not fired since the last digest)" in again.stdout

    forced = planwatch(env, "run", "--once", "--all", "--no-digest", "--json")
    forced_steps = {step["name"]: step for step in json.loads(forced.stdout)["steps"]}
    assert [run["source"] for run in forced_steps["crawl"]["runs"]] == ["fixture-gy", "fixture-shx"]
    assert forced_steps["digest"] == {"name": "digest", "status": "skipped", "error": "", "reason": "--no-digest"}
    assert _versions(env) == expected, "an unchanged site adds no version"
    assert "event=cycle.finished" in log_text(env)


@pytest.mark.slow
def test_run_once_quiet_prints_nothing_when_all_is_well(fixture_site: FixtureSite, tmp_path: Path) -> None:
    env = store_env(tmp_path, write_sources(tmp_path / "sources.toml", fixture_sources(fixture_site, "fixture-shx")))
    quiet = planwatch(env, "run", "--once", "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == "", quiet


def test_run_once_exits_1_and_names_each_failed_source_in_one_line(fixture_site: FixtureSite, tmp_path: Path) -> None:
    unreachable = failing_source(fixture_site, "dead")
    unreachable.start_urls = ["https://127.0.0.1:1/gzyd/index.html"]  # nothing listens: TLS context, refused
    sources = [*fixture_sources(fixture_site, "fixture-shx"), failing_source(fixture_site), unreachable]
    env = store_env(tmp_path, write_sources(tmp_path / "sources.toml", sources))
    quiet = planwatch(env, "run", "--once", "--no-digest", "--quiet")
    assert quiet.returncode == 1 and quiet.stdout == "", quiet
    lines = quiet.stderr.splitlines()
    assert [line.split(":")[0] for line in lines] == ["crawl of broken failed", "crawl of dead failed"], quiet.stderr
    assert "no page could be fetched" in lines[0] and "/status/500" in lines[0]
    assert "no page could be fetched" in lines[1] and "127.0.0.1:1" in lines[1]
    talk = planwatch(env, "run", "--once", "--all", "--no-digest")
    assert talk.returncode == 1 and "broken failed" in talk.stdout and "fixture-shx ok" in talk.stdout, talk


def test_run_without_once_is_a_usage_error(tmp_path: Path) -> None:
    result = planwatch({"PLANWATCH_DATA_DIR": str(tmp_path)}, "run")
    assert result.returncode == 2 and "needs --once" in result.stderr


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return ""
    url: str = request.getfixturevalue("pg_url")
    return url


def _runs_of(env: dict[str, str], database_url: str) -> list[CrawlRun]:
    engine = make_engine(database_url or f"sqlite:///{env['PLANWATCH_DATA_DIR']}/planwatch.db")
    with Session(engine) as session:
        runs = list(session.exec(select(CrawlRun)).all())
    engine.dispose()
    return runs


def _start_long_cycle(fixture_site: FixtureSite, tmp_path: Path, database_url: str) -> tuple[dict[str, str], Popen[str]]:
    """A cycle busy crawling a page that takes 30 s, with its crawl run recorded."""
    sources = write_sources(tmp_path / "sources.toml", [slow_source(fixture_site, seconds=30)])
    env = store_env(tmp_path, sources, database_url)
    first = start_planwatch(env, "run", "--once", "--no-digest")
    wait_until(lambda: _runs_of(env, database_url), 90, "the first cycle to be crawling")
    return env, first


@pytest.mark.slow
def test_two_cycles_at_once_one_runs_one_reports_the_lock(fixture_site: FixtureSite, tmp_path: Path,
                                                          database_url: str) -> None:
    env, first = _start_long_cycle(fixture_site, tmp_path, database_url)
    try:
        second = planwatch(env, "run", "--once", "--no-digest")
        assert first.poll() is None, "the second cycle ended while the first still ran: it did not wait"
        assert second.returncode == 5
        lines = [line for line in second.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: another planwatch cycle is running"), second.stderr
        assert "--wait" in lines[0]
    finally:
        first.send_signal(signal.SIGTERM)  # systemd stopping the timer's service
        _out, err = first.communicate(timeout=120)
    assert first.returncode == 130, err
    [run] = _runs_of(env, database_url)
    assert run.status == "interrupted" and run.finished_at is not None, "SIGTERM recorded the crawl as interrupted"


@pytest.mark.slow
def test_wait_queues_the_second_cycle_behind_the_first(fixture_site: FixtureSite, tmp_path: Path,
                                                       database_url: str) -> None:
    env, first = _start_long_cycle(fixture_site, tmp_path, database_url)
    second = start_planwatch(env, "run", "--once", "--no-digest", "--wait", "--json")
    try:
        assert second.stderr is not None
        told = next((line for line in second.stderr if "waiting" in line), "(ended without waiting)")
        assert "another planwatch cycle is running; waiting for it to finish" in told, told
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=120)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    # It ran once the first had let go: the slow source had just been crawled, so nothing was due.
    assert json.loads(out)["due"] == []
    assert len(_runs_of(env, database_url)) == 1


@pytest.mark.slow
def test_a_refused_digest_is_resent_by_the_next_cycle_between_digest_times(fixture_site: FixtureSite,
                                                                          tmp_path: Path) -> None:
    from reports.smtp_capture import CaptureServer
    from reports.subscribers import add_subscriber
    from store.engine import session_scope
    from store.settings import load_config

    with CaptureServer() as server:
        config = load_config(env={"PLANWATCH_DATA_DIR": str(tmp_path / "data"), "PLANWATCH_SMTP_PORT": str(server.port),
                                  "PLANWATCH_DIGEST_SCHEDULE": "0 8 1 1 *", "PLANWATCH_CRAWL_AUTOTHROTTLE": "false"})
        engine = make_engine(config.database_url)
        upgrade(engine)
        with session_scope(engine) as session:
            add_subscriber(session, "analyst@example.org")
        sources = fixture_sources(fixture_site, "fixture-shx")
        server.refuse("451 4.3.0 try again later")
        refused = _steps(run_cycle(config, engine, sources, CycleOptions(now=utcnow())))
        assert refused["digest"].status == "failed" and "451" in refused["digest"].error
        server.accept()
        later = utcnow() + timedelta(seconds=int(config["digest.retry_base_seconds"]) + 1)
        resent = _steps(run_cycle(config, engine, sources, CycleOptions(now=later)))
        assert resent["crawl"].status == "skipped"
        assert (resent["digest"].status, resent["digest"].detail["outbox_retried"],
                resent["digest"].detail["delivered"]) == ("ok", 1, 1)
        assert [message.rcpt_tos for message in server.messages] == [("analyst@example.org",)]
        quiet = _steps(run_cycle(config, engine, sources, CycleOptions(now=later + timedelta(seconds=1))))
        assert quiet["digest"].status == "skipped", "nothing left to resend"
        engine.dispose()


def _steps(summary: CycleSummary) -> dict[str, StepOutcome]:
    return {step.name: step for step in summary.steps}
