"""PostgreSQL stopped in the middle of a cycle: one clear line, exit 3, nothing half-written,
and the next cycle, once the server is back, finishes the work.

The server is a private one (``tests/pg_instance.py``: initdb into a temporary
directory, a free port on 127.0.0.1), never the shared server on 5432. A real
``planwatch run --once --all`` crawls a column whose 20 plans answer slowly; when a
few are stored, the server is stopped the hard way (``pg_ctl -m immediate``, like a
crash). The cycle must end at once with one line on stderr naming the database and
what to do, exit code 3 (``DatabaseUnavailable``), and no traceback; after a restart
the store must hold only whole documents, and the next cycle must settle the dead
run, fetch the rest and analyse everything.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_site import FaultSite, Page, detail_html, fault_site, list_html
from monitor_helpers import PLANWATCH, clean_env, planwatch, write_sources
from pg_instance import PG_BIN, PgInstance, pg_instance
from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from store_checks import row_counts, store_problems

from store.engine import make_engine
from store.models import CrawlRun, Document, Version
from store.sources_config import SourceConfig

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(PG_BIN is None, reason="PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed"),
    pytest.mark.skipif(os.geteuid() == 0 and shutil.which("runuser") is None, reason="root needs runuser to start postgres"),
]

PLANS = 20


def _title(number: int) -> str:
    return f"某市卫生健康委员会2024年卫生健康工作要点（第{number}号）"


@pytest.fixture(scope="module")
def site() -> Iterator[FaultSite]:
    with fault_site() as running:
        running.put("/list.html", list_html([(f"/doc/{n}.html", _title(n)) for n in range(PLANS)]))
        for n in range(PLANS):
            body = detail_html(_title(n), [f"到2025年，第{n}项指标达到{50 + n}%以上。"])
            running.put(f"/doc/{n}.html", Page(body.encode(), delay=0.5))
        yield running


@pytest.fixture
def server() -> Iterator[PgInstance]:
    with pg_instance() as instance:
        yield instance


def _env(tmp_path: Path, site: FaultSite, server: PgInstance) -> dict[str, str]:
    source = SourceConfig(id="outage", name="某市卫健委 通知公告", agency="某市卫生健康委员会", region="某省/某市",
                          start_urls=[site.url("/list.html")])
    env = {"PLANWATCH_DATA_DIR": str(tmp_path / "data"), "PLANWATCH_DATABASE_URL": server.url,
           "PLANWATCH_SOURCES_FILE": str(write_sources(tmp_path / "sources.toml", [source])),
           "PLANWATCH_CRAWL_AUTOTHROTTLE": "false", "PLANWATCH_CRAWL_PER_DOMAIN_CONCURRENCY": "2"}
    upgraded = planwatch(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    return env


def _versions(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM version")).scalar() or 0)


def _assert_one_clear_line(stderr: str, port: int) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith(("error: database error: ", "error: cannot open the database: ")), lines[0]
    assert f"port {port}" in lines[0], lines[0]
    assert "check that the database server is running" in lines[0] and "Traceback" not in stderr


def test_database_stopped_mid_cycle(site: FaultSite, server: PgInstance, tmp_path: Path) -> None:
    env = _env(tmp_path, site, server)
    engine = make_engine(server.url)
    cycle = subprocess.Popen([PLANWATCH, "run", "--once", "--all", "--json"], env=clean_env(env),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while _versions(engine) < 4:
        assert cycle.poll() is None and time.monotonic() < deadline, "the cycle never got going"
        time.sleep(0.05)
    server.stop("immediate")  # like a crash of the database server
    out, err = cycle.communicate(timeout=300)
    assert cycle.returncode == 3 and out == ""
    _assert_one_clear_line(err, server.port)

    server.start()
    stored = row_counts(engine)
    assert 4 <= stored["version"] < PLANS and stored["document"] == stored["version"]
    assert store_problems(engine, tmp_path / "data", runs_settled=False) == []  # only whole documents
    with Session(engine) as session:
        (dead,) = session.exec(select(CrawlRun)).all()
    assert dead.status == "running"  # it could not record its end; the next crawl settles it

    again = planwatch(env, "run", "--once", "--all", "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["failed_steps"] == []
    (run,) = summary["steps"][0]["runs"]
    assert (run["status"], run["new_documents"]) == ("ok", PLANS - stored["version"])
    with Session(engine) as session:
        titles = sorted(session.exec(select(Document.title)).all())
        pending = session.exec(select(func.count()).select_from(Version).where(col(Version.analysed_at).is_(None))).one()
        settled = session.get(CrawlRun, dead.id)
    assert titles == sorted(_title(n) for n in range(PLANS)) and pending == 0
    assert settled is not None and settled.status == "interrupted"
    assert store_problems(engine, tmp_path / "data") == []
    engine.dispose()


def test_database_down_before_the_cycle_fetches_nothing(site: FaultSite, server: PgInstance, tmp_path: Path) -> None:
    env = _env(tmp_path, site, server)
    server.stop("fast")
    seen = len(site.log)
    down = planwatch(env, "run", "--once", "--all")
    assert down.returncode == 3
    _assert_one_clear_line(down.stderr, server.port)
    assert len(site.log) == seen, "no page is fetched that could not be stored"
    server.start()
    assert planwatch(env, "run", "--once", "--all", "--no-digest").returncode == 0
