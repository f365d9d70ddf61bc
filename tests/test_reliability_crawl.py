"""A crawl killed outright, and pages that fail, lose nothing: the next crawl finishes the work.

A real ``planwatch crawl`` process crawls a 30-plan column of a local site whose detail
pages answer slowly; once some plans are stored and others are still on the wire it
gets SIGKILL (no handler runs, nothing is recorded). Then the store must hold only
whole documents (no version without its text, no attachment without its version, no
two equal versions in a row), and the next ``planwatch crawl`` must recognise the dead
run, record it as interrupted, and fetch exactly the plans the killed one never
stored, although the list page it already stored now answers 304 (``crawler.recovery``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fault_site import FaultSite, Page, detail_html, fault_site, list_html
from monitor_helpers import PLANWATCH, clean_env, planwatch, write_sources
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from store_checks import store_problems

from crawler.recovery import DEAD_RUN_MESSAGE, process_alive, settle_dead_runs, this_host
from store.engine import make_engine
from store.models import Attachment, CrawlRun, Document, Version, utcnow
from store.sources_config import SourceConfig

PLANS = 30
FAST = {"PLANWATCH_CRAWL_AUTOTHROTTLE": "false", "PLANWATCH_CRAWL_RETRY_BACKOFF": "0.05",
        "PLANWATCH_CRAWL_DOWNLOAD_TIMEOUT": "10", "PLANWATCH_CRAWL_PER_DOMAIN_CONCURRENCY": "2"}


def _title(number: int) -> str:
    return f"某市卫生健康委员会2024年卫生健康工作要点（第{number}号）"


def _publish(site: FaultSite, delay: float) -> None:
    links = [(f"/doc/{n}.html", _title(n)) for n in range(PLANS)]
    site.put("/list.html", list_html(links))
    for n in range(PLANS):
        body = detail_html(_title(n), [f"到2025年，第{n}项指标达到{50 + n}%以上。"], [(f"/files/{n}.txt", f"附件{n}.txt")])
        site.put(f"/doc/{n}.html", Page(body.encode(), delay=delay))
        site.put(f"/files/{n}.txt", Page(f"附件{n}：孕产妇死亡率控制在{n + 1}/10万以内。".encode(), "text/plain; charset=utf-8"))


@pytest.fixture
def site() -> Iterator[FaultSite]:
    with fault_site() as running:
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'planwatch.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


def _env(tmp_path: Path, site: FaultSite, url: str) -> dict[str, str]:
    source = SourceConfig(id="kill", name="某市卫健委 通知公告", agency="某市卫生健康委员会", region="某省/某市",
                          start_urls=[site.url("/list.html")])
    sources = write_sources(tmp_path / "sources.toml", [source])
    env = {"PLANWATCH_DATA_DIR": str(tmp_path / "data"), "PLANWATCH_SOURCES_FILE": str(sources),
           "PLANWATCH_DATABASE_URL": url, **FAST}
    assert planwatch(env, "db", "upgrade").returncode == 0
    return env


def _versions(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Version)).one())


def _kill_mid_crawl(env: dict[str, str], site: FaultSite, engine: Engine, stored: int) -> subprocess.Popen[str]:
    """Start `planwatch crawl`; SIGKILL it once ``stored`` plans are in and slow pages are on the wire."""
    process = subprocess.Popen([PLANWATCH, "crawl", "--json"], env=clean_env(env), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (_versions(engine) >= stored and any(path.startswith("/doc/") for path in site.busy())):
        assert process.poll() is None, f"the crawl ended before the kill: {process.communicate()}"
        assert time.monotonic() < deadline, "the crawl never got far enough to be killed"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    return process


def test_sigkill_mid_crawl_keeps_the_store_whole_and_the_next_crawl_finishes(site: FaultSite, tmp_path: Path,
                                                                            store_url: str) -> None:
    _publish(site, delay=0.4)
    env = _env(tmp_path, site, store_url)
    engine = make_engine(store_url, readonly=True)  # reads only: never holds SQLite's write lock
    killed = _kill_mid_crawl(env, site, engine, stored=6)

    before = _versions(engine)
    assert 6 <= before < PLANS
    assert store_problems(engine, tmp_path / "data", runs_settled=False) == []
    with Session(engine) as session:
        (dead,) = session.exec(select(CrawlRun)).all()
    assert (dead.status, dead.pid, dead.host) == ("running", killed.pid, this_host())
    shown = json.loads(planwatch(env, "runs", "--json").stdout)  # recognised as dead before any further crawl
    assert [(run["id"], run["status"]) for run in shown] == [(dead.id, "interrupted")]
    status = json.loads(planwatch(env, "status", "--json").stdout)
    assert status["sources"][0]["last_run"]["status"] == "interrupted"

    again = planwatch(env, "crawl", "--json")
    assert again.returncode == 0, again.stderr
    (summary,) = json.loads(again.stdout)
    assert (summary["status"], summary["mode"]) == ("ok", "revalidate+scrapy")
    assert summary["new_documents"] == PLANS - before, "exactly the plans the killed crawl never stored"
    assert "left running by a process that is gone" in again.stderr

    assert store_problems(engine, tmp_path / "data") == []
    with Session(engine) as session:
        documents = session.exec(select(Document)).all()
        assert sorted(d.title for d in documents) == sorted(_title(n) for n in range(PLANS))
        assert _versions(engine) == PLANS
        attachments = session.exec(select(Attachment)).all()
        assert len(attachments) == PLANS and all(a.text_hash for a in attachments)
        assert session.exec(select(Version).where(col(Version.analysed_at).is_(None))).all() == []
    runs = json.loads(planwatch(env, "runs", "--json").stdout)
    shown = {run["id"]: (run["status"], run["message"]) for run in runs}
    assert shown[dead.id] == ("interrupted", DEAD_RUN_MESSAGE.format(pid=killed.pid))

    seen = len(site.log)
    third = planwatch(env, "crawl", "--json")  # the last run ended ok: list pages are trusted again
    (quiet,) = json.loads(third.stdout)
    assert (quiet["status"], quiet["mode"], quiet["new_versions"]) == ("ok", "revalidate", 0)
    assert [entry for entry in site.log[seen:] if entry[0] == "/list.html"] == [("/list.html", 304)]
    engine.dispose()


def test_a_page_that_failed_is_fetched_by_the_next_crawl(site: FaultSite, tmp_path: Path) -> None:
    _publish(site, delay=0)
    site.put("/doc/7.html", Page(b"<html><body>Service Unavailable</body></html>", status=503))
    env = _env(tmp_path, site, f"sqlite:///{tmp_path / 'data' / 'planwatch.db'}")
    (first,) = json.loads(planwatch(env, "crawl", "--json").stdout)
    assert (first["status"], first["new_documents"], first["errors"]) == ("partial", PLANS - 1, {"http-503": 1})

    _publish(site, delay=0)  # the server recovered; the list page is byte for byte the same (same ETag)
    (second,) = json.loads(planwatch(env, "crawl", "--json").stdout)
    assert (second["status"], second["new_documents"]) == ("ok", 1)
    engine = make_engine(env["PLANWATCH_DATABASE_URL"], readonly=True)
    with Session(engine) as session:
        assert session.exec(select(Document).where(Document.url == site.url("/doc/7.html"))).one().title == _title(7)
    assert store_problems(engine, tmp_path / "data") == []
    engine.dispose()


def test_only_runs_whose_process_is_gone_are_settled(sqlite_engine: Engine) -> None:
    sleeper = subprocess.Popen(["sleep", "30"])
    zombie = subprocess.Popen(["true"])
    time.sleep(0.5)  # ``true`` has exited but is not reaped yet: a zombie
    started = utcnow() - timedelta(seconds=1)
    try:
        with Session(sqlite_engine) as session:
            rows = {
                "alive": CrawlRun(source_id=None, pid=sleeper.pid, host=this_host(), started_at=started),
                "zombie": CrawlRun(source_id=None, pid=zombie.pid, host=this_host(), started_at=started),
                "other-host": CrawlRun(source_id=None, pid=zombie.pid, host="another-machine", started_at=started),
                "reused-pid": CrawlRun(source_id=None, pid=sleeper.pid, host=this_host(),
                                       started_at=started - timedelta(hours=1)),
            }
            session.add_all(rows.values())
            session.commit()
            ids = {name: int(row.id or 0) for name, row in rows.items()}
        assert process_alive(sleeper.pid, started) and not process_alive(zombie.pid, started)
        assert sorted(settle_dead_runs(sqlite_engine)) == sorted([ids["zombie"], ids["reused-pid"]])
        with Session(sqlite_engine) as session:
            status = {name: session.get(CrawlRun, run_id).status for name, run_id in ids.items()}  # type: ignore[union-attr]
        assert status == {"alive": "running", "zombie": "interrupted", "other-host": "running", "reused-pid": "interrupted"}
    finally:
        sleeper.kill()
        sleeper.wait()
        zombie.wait()
