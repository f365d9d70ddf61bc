"""Several processes writing one SQLite store at once: nobody sees "database is locked".

``tests/test_daemon.py`` runs one manual crawl of *another* source beside the daemon.
Here the writers really collide: the daemon (``--every 2``, two crawl children at a
time, each analysing afterwards, plus its digest job) crawls a 300-page synthetic
column and two fixture columns, while three manual ``planwatch crawl`` processes crawl
*the same* sources into the same file (``run --once`` refuses to run beside a daemon,
by design: exit 5). SQLite
serialises writers (``BEGIN IMMEDIATE`` with a 60 s busy timeout, ``store/engine.py``),
so every process must finish with exit 0, no "database is locked" may reach a user
or the log, and the store must hold every page once: one version per document, one
``new-document`` change per document however many analysers ran.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_site import FaultSite, Page, detail_html, fault_site, list_html
from monitor_helpers import (
    fixture_sources,
    log_text,
    start_planwatch,
    store_env,
    wait_until,
    write_sources,
)
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from store_checks import store_problems

from crawler.fixture_site import FixtureSite, plans_in, synthetic_source
from store.engine import make_engine
from store.models import Change, CrawlRun, Document, Version
from store.sources_config import SourceConfig

pytestmark = pytest.mark.slow

SYNTHETIC_PAGES = 300


@pytest.fixture(scope="module")
def synthetic_site() -> Iterator[FixtureSite]:
    with FixtureSite(synthetic_pages=SYNTHETIC_PAGES) as site:
        yield site


def _runs(engine: Engine) -> list[CrawlRun]:
    with Session(engine) as session:
        return list(session.exec(select(CrawlRun).order_by(col(CrawlRun.id))).all())


def _finished_daemon_runs(engine: Engine, source_ids: set[str]) -> bool:
    done = {run.source_id for run in _runs(engine) if run.trigger == "daemon" and run.status == "ok"}
    return source_ids <= done


def test_daemon_manual_crawls_and_a_cycle_share_one_sqlite_file(fixture_site: FixtureSite, synthetic_site: FixtureSite,
                                                               tmp_path: Path) -> None:
    sources = [synthetic_source(synthetic_site.base_url, SYNTHETIC_PAGES), *fixture_sources(fixture_site, "fixture-gy", "fixture-sn")]
    env = store_env(tmp_path, write_sources(tmp_path / "sources.toml", sources))
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'planwatch.db'}", readonly=True)
    daemon = start_planwatch(env, "daemon", "--every", "2")
    manual: list[subprocess.Popen[str]] = []
    try:
        wait_until(lambda: any(run.status == "running" for run in _runs(engine)), 120, "the daemon's first crawl")
        manual = [start_planwatch(env, "crawl", "--json"), start_planwatch(env, "crawl", "--json"),
                  start_planwatch(env, "crawl", "--json", "--source", "fixture-synthetic")]
        outputs = [process.communicate(timeout=900) for process in manual]
        wait_until(lambda: _finished_daemon_runs(engine, {s.id for s in sources}), 600,
                   "a finished daemon crawl of every source")
    finally:
        for process in manual:
            if process.poll() is None:
                process.kill()
        daemon.send_signal(signal.SIGTERM)
        _out, daemon_err = daemon.communicate(timeout=120)

    assert daemon.returncode == 0, daemon_err
    for process, (_out, err) in zip(manual, outputs, strict=True):
        assert process.returncode == 0, err
        assert "database is locked" not in err and "Traceback" not in err, err
    crawls = [json.loads(out) for out, _ in outputs]
    assert [[run["status"] for run in crawl] for crawl in crawls] == [["ok"] * 3, ["ok"] * 3, ["ok"]]
    assert "database is locked" not in daemon_err + log_text(env)

    expected = SYNTHETIC_PAGES + len(plans_in("initial", "fixture-gy")) + len(plans_in("initial", "fixture-sn"))
    with Session(engine) as session:
        documents = session.exec(select(func.count()).select_from(Document)).one()
        versions = session.exec(select(func.count()).select_from(Version)).one()
        firsts = session.exec(select(Change.document_id, func.count()).where(col(Change.kind).in_(["new-document", "repost"]))
                              .group_by(col(Change.document_id))).all()
        pending = session.exec(select(func.count()).select_from(Version).where(col(Version.analysed_at).is_(None))).one()
        failed_analysis = session.exec(select(Version.id).where(col(Version.analysis_error).is_not(None))).all()
    assert (documents, versions) == (expected, expected), "every page stored once, one version each"
    assert (pending, failed_analysis) == (0, [])
    assert len(firsts) == expected and {count for _, count in firsts} == {1}, "one first-sight change per document"
    statuses = {run.status for run in _runs(engine)}
    assert statuses <= {"ok", "interrupted"}, statuses
    assert store_problems(engine, tmp_path / "data") == []
    engine.dispose()


def _publish(site: FaultSite, edition: int, plans: int) -> None:
    titles = [f"某市卫生健康委员会2024年卫生健康工作要点（第{n}号）" for n in range(plans)]
    site.put("/list.html", list_html([(f"/doc/{n}.html", title) for n, title in enumerate(titles)]))
    for n, title in enumerate(titles):
        body = detail_html(title, [f"到2025年，第{n}项指标达到{50 + n + edition}%以上。", "共同的段落。" * 5])
        site.put(f"/doc/{n}.html", Page(body.encode(), delay=0.05))


def test_three_crawls_of_the_same_changing_source_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    """On PostgreSQL writers do not queue for the whole file: without the row lock on the
    document (store.versions), three crawls recording one edited page stored it up to three
    times (119 versions for 40 pages edited once)."""
    plans = 40
    with fault_site() as site:
        source = SourceConfig(id="race", name="某市卫健委 通知公告", agency="某市卫生健康委员会", region="某省/某市",
                              start_urls=[site.url("/list.html")])
        env = store_env(tmp_path, write_sources(tmp_path / "sources.toml", [source]), pg_url)
        for edition in (0, 1):
            _publish(site, edition, plans)
            crawls = [start_planwatch(env, "crawl", "--json") for _ in range(3)]
            for crawl in crawls:
                out, err = crawl.communicate(timeout=600)
                assert crawl.returncode == 0 and "Traceback" not in err, err
                assert [run["status"] for run in json.loads(out)] == ["ok"]
    engine = make_engine(pg_url, readonly=True)
    with Session(engine) as session:
        versions = session.exec(select(func.count()).select_from(Version)).one()
        edits = session.exec(select(func.count()).select_from(Change).where(Change.kind == "text-edit")).one()
    assert (versions, edits) == (2 * plans, plans)
    assert store_problems(engine, tmp_path / "data") == []
    engine.dispose()
