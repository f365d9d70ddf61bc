"""`planwatch status`: a source whose site answers 500 shows its failures in a row and
is flagged after three; the next crawl comes from the cron schedule (no daemon)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from monitor_helpers import failing_source, fixture_sources, planwatch, store_env, write_sources

from crawler.fixture_site import FixtureSite


@pytest.mark.slow
def test_status_counts_failures_in_a_row_and_flags_the_third(fixture_site: FixtureSite, tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "sources.toml",
                            [failing_source(fixture_site), *fixture_sources(fixture_site, "fixture-shx")],
                            schedules={"fixture-shx": "30 7 * * 1-5"})
    env = store_env(tmp_path, sources, PLANWATCH_CRAWL_OBEY_ROBOTS="false")
    seen = []
    for _ in range(3):
        cycle = planwatch(env, "run", "--once", "--all", "--no-digest")
        assert cycle.returncode == 1, cycle.stderr  # a source's crawl failed: cron sees it
        status = json.loads(planwatch(env, "status", "--json").stdout)
        broken = next(row for row in status["sources"] if row["source"] == "broken")
        seen.append((broken["consecutive_failures"], broken["failing"]))
    assert seen == [(1, False), (2, False), (3, True)]
    assert status["failing"] == ["broken"]
    assert broken["last_run"]["status"] == "failed" and broken["last_run"]["message"]
    assert broken["last_run"]["started_at"].endswith("+08:00"), "times in the timezone setting"

    shx = next(row for row in status["sources"] if row["source"] == "fixture-shx")
    assert (shx["consecutive_failures"], shx["failing"], shx["last_run"]["status"]) == (0, False, "ok")
    assert shx["next_run_from"] == "schedule" and shx["schedule"] == "30 7 * * 1-5"
    next_run = datetime.fromisoformat(shx["next_run"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert (next_run.hour, next_run.minute, next_run.weekday() < 5) == (7, 30, True)
    assert next_run > datetime.fromisoformat(status["now"])
    assert status["last_cycle"] is not None and status["last_digest"] is None

    table = planwatch(env, "status")
    assert table.returncode == 0, table.stderr
    assert "3  FAILING" in table.stdout and "failing (3+ failed runs in a row): broken" in table.stdout
    assert "故障站点 工作要点" in table.stdout, "Chinese names shown as they are"
    assert "07:30 (schedule)" in table.stdout


@pytest.mark.slow
def test_a_source_that_recovers_starts_a_new_count(fixture_site: FixtureSite, tmp_path: Path) -> None:
    broken = failing_source(fixture_site, "flaky")
    env = store_env(tmp_path, write_sources(tmp_path / "sources.toml", [broken]), PLANWATCH_CRAWL_OBEY_ROBOTS="false")
    assert planwatch(env, "run", "--once", "--no-digest").returncode == 1  # failed
    fixed = broken.model_copy(update={"start_urls": fixture_sources(fixture_site, "fixture-shx")[0].start_urls})
    write_sources(tmp_path / "sources.toml", [fixed])
    assert planwatch(env, "run", "--once", "--all", "--no-digest").returncode == 0
    shown = planwatch(env, "status", "--json")
    assert shown.returncode == 0, shown.stderr
    [row] = json.loads(shown.stdout)["sources"]
    assert (row["consecutive_failures"], row["last_run"]["status"]) == (0, "ok")


def test_status_lists_a_source_removed_from_the_config(fixture_site: FixtureSite, tmp_path: Path) -> None:
    gy, shx = fixture_sources(fixture_site, "fixture-gy", "fixture-shx")
    sources = write_sources(tmp_path / "sources.toml", [gy, shx])
    env = store_env(tmp_path, sources)
    # Source rows are written by the first crawl; mirror that without crawling.
    from crawler.storing import sync_sources
    from store.engine import make_engine

    engine = make_engine(f"sqlite:///{env['PLANWATCH_DATA_DIR']}/planwatch.db")
    sync_sources(engine, [gy, shx])
    engine.dispose()
    write_sources(sources, [gy])
    status = json.loads(planwatch(env, "status", "--json").stdout)
    rows = {row["source"]: row for row in status["sources"]}
    assert rows["fixture-gy"]["in_config"] is True and rows["fixture-gy"]["last_run"]["started_at"] is None
    assert rows["fixture-shx"]["in_config"] is False and rows["fixture-shx"]["next_run"] is None
    table = planwatch(env, "status").stdout
    assert "(not in the sources file)" in table and "never" in table


def test_status_needs_an_upgraded_database(tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "sources.toml", [])
    result = planwatch({"PLANWATCH_DATA_DIR": str(tmp_path / "empty"), "PLANWATCH_SOURCES_FILE": str(sources)},
                       "status")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: the database {tmp_path / 'empty' / 'planwatch.db'} does not exist (run `planwatch db upgrade` to create it)"]


def test_last_digest_counts_a_digest_sent_by_hand(tmp_path: Path) -> None:
    from digest_seed import seed_store

    from reports.smtp_capture import CaptureServer
    from store.engine import make_engine

    env = store_env(tmp_path, write_sources(tmp_path / "sources.toml", []), PLANWATCH_DIGEST_FIRST_LOOKBACK_DAYS="0")
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'planwatch.db'}")
    seed_store(engine)
    engine.dispose()
    assert json.loads(planwatch(env, "status", "--json").stdout)["last_digest"] is None
    assert "last digest: never" in planwatch(env, "status").stdout
    with CaptureServer() as smtp:
        env["PLANWATCH_SMTP_PORT"] = str(smtp.port)
        assert planwatch(env, "subscribers", "add", "a@example.org").returncode == 0
        sent = planwatch(env, "digest", "--send", "--json")
        assert sent.returncode == 0 and json.loads(sent.stdout)["delivered"] == 1, sent.stderr
    status = json.loads(planwatch(env, "status", "--json").stdout)
    last = datetime.fromisoformat(status["last_digest"])
    assert last.utcoffset() is not None and last.utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]
    assert last <= datetime.fromisoformat(status["now"])
    table = planwatch(env, "status").stdout
    assert "last digest: never" not in table and f"last digest: {last:%Y-%m-%d %H:%M}" in table
