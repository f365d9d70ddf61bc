"""Sources whose last crawl runs failed become one ``source-failing`` change per streak,
and reach subscribers of that region through the digest."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from digest_seed import NOW, make_config
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from monitor.analysis.failing import failure_streak, record_failing_sources
from reports.digest_run import run_digests
from reports.smtp_capture import CaptureServer
from store.engine import session_scope
from store.kinds import ChangeKind
from store.models import Change, CrawlRun, Source, Subscriber

pytest_plugins = ["digest_fixtures"]


def _runs(engine: Engine, statuses: list[str], start: int = 0) -> None:
    with session_scope(engine) as session:
        if session.get(Source, "sn-wjw") is None:
            session.add(Source(id="sn-wjw", name="遂宁市卫健委 通知公告", agency="遂宁市卫生健康委员会", region="四川省/遂宁市"))
            session.flush()
        for i, status in enumerate(statuses, start=start):
            session.add(CrawlRun(source_id="sn-wjw", started_at=NOW + timedelta(hours=i), status=status,
                                 message="HTTP 503 on every list page" if status == "failed" else ""))


def _failing(engine: Engine) -> list[Change]:
    with Session(engine) as session:
        return list(session.exec(select(Change).where(Change.kind == ChangeKind.SOURCE_FAILING)).all())


STREAKS = [
    (["ok", "failed", "failed"], 2),
    (["failed", "ok", "failed", "failed", "failed"], 3),
    (["failed", "failed", "running"], 2),
    (["failed", "failed", "interrupted", "failed"], 3),  # a crawl stopped by hand says nothing of the site
    (["failed", "partial"], 0),
    ([], 0),
]


@pytest.mark.parametrize(("oldest_first", "length"), STREAKS, ids=[",".join(s) or "none" for s, _ in STREAKS])
def test_streak_is_the_failed_runs_at_the_head(oldest_first: list[str], length: int) -> None:
    runs = [CrawlRun(id=i, status=status) for i, status in enumerate(oldest_first)]
    assert len(failure_streak(list(reversed(runs)))) == length


def test_three_failures_make_one_change_per_streak(any_engine: Engine) -> None:
    _runs(any_engine, ["ok", "failed", "failed"])
    with session_scope(any_engine) as session:
        assert record_failing_sources(session, threshold=3, now=NOW) == []
    _runs(any_engine, ["failed"], start=3)
    with session_scope(any_engine) as session:
        (change,) = record_failing_sources(session, threshold=3, now=NOW)
    assert change.summary == "遂宁市卫健委 通知公告 连续 3 次抓取失败: HTTP 503 on every list page"
    assert change.detail["failed_runs"] == 3 and change.detail["source_name"] == "遂宁市卫健委 通知公告"
    _runs(any_engine, ["failed"], start=4)  # the same streak goes on: nothing new
    with session_scope(any_engine) as session:
        assert record_failing_sources(session, threshold=3, now=NOW) == []
    _runs(any_engine, ["ok", "failed", "failed", "failed"], start=5)  # recovered, then failed again
    with session_scope(any_engine) as session:
        assert len(record_failing_sources(session, threshold=3, now=NOW)) == 1
    assert len(_failing(any_engine)) == 2


def test_failing_source_reaches_subscribers_of_its_region(sqlite_engine: Engine, data_dir: Path,
                                                          smtp: CaptureServer) -> None:
    _runs(sqlite_engine, ["failed", "failed", "failed"])
    with session_scope(sqlite_engine) as session:
        session.add(Subscriber(email="sc@example.org", regions=["四川省"], created_at=NOW - timedelta(days=1)))
        session.add(Subscriber(email="gz@example.org", regions=["贵州省"], created_at=NOW - timedelta(days=1)))
    summary = run_digests(make_config(data_dir, smtp.port), sqlite_engine, send=True, now=NOW + timedelta(days=1))
    assert [(r.recipient, r.status) for r in summary.results] == [("sc@example.org", "delivered"), ("gz@example.org", "empty")]
    (message,) = smtp.messages
    html = message.message.get_body(("html",)).get_content()
    assert "多次抓取失败的来源" in html and "连续 3 次抓取失败" in html and "HTTP 503 on every list page" in html
    assert 'href="http://archive.test:8000/sources/sn-wjw"' in html
