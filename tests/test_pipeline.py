"""The analysis pipeline on a real store: Changes a user would see, once each, whatever happens."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from monitor.analysis.pipeline import analyse_pending
from monitor.inputs import read_input_file
from store.engine import make_engine, session_scope
from store.migrate import upgrade
from store.models import Blob, Change, Document, Series, Source, Target, Version
from store.texts import put_text
from store.versions import FetchedPage, record_fetch

PAIRS = Path(__file__).parent / "golden" / "pairs"
REPO = Path(__file__).resolve().parent.parent
T0 = datetime(2025, 3, 1, tzinfo=UTC)


def _sources(session: Session) -> None:
    session.add(Source(id="qx-wjw", name="清溪县卫生健康局 通知公告", agency="清溪县卫生健康局", region="贵州省/清溪县"))
    session.add(Source(id="news", name="健康资讯网 地方政策", agency="健康资讯网", region="贵州省/清溪县"))
    session.flush()


def _title(file: str, fallback: str) -> str:
    """What the crawler reads as the title: the page heading (a text capture's second line)."""
    return (PAIRS / file).read_text(encoding="utf-8").split("\n")[1] if file.endswith(".txt") else fallback


def _fetch(engine: Engine, url: str, file: str, *, source: str = "qx-wjw", when: datetime = T0,
           text: str | None = None, title: str | None = None) -> None:
    page = read_input_file(PAIRS / file)
    with session_scope(engine) as session:
        if session.get(Source, "qx-wjw") is None:
            _sources(session)
        record_fetch(session, FetchedPage(
            url=url, source_id=source, text=page.text if text is None else text, title=title or _title(file, page.title),
            agency="健康资讯网" if source == "news" else "清溪县卫生健康局", region="贵州省/清溪县",
            published_on=page.published_on, fetched_at=when,
        ))


def _changes(engine: Engine) -> list[Change]:
    with Session(engine) as session:
        return list(session.exec(select(Change).order_by(col(Change.id))).all())


def _kinds(engine: Engine) -> Counter[str]:
    return Counter(change.kind for change in _changes(engine))


def test_a_new_plan_gets_outline_targets_series_and_one_new_document_change(any_engine: Engine) -> None:
    _fetch(any_engine, "http://gov.example/qx/2024.html", "next_year/2024.txt")
    summary = analyse_pending(any_engine)
    assert (summary.analysed, summary.failed, dict(summary.changes)) == (1, 0, {"new-document": 1})
    with Session(any_engine) as session:
        version = session.exec(select(Version)).one()
        document = session.get(Document, version.document_id)
        series = session.get(Series, document.series_id)
        targets = session.exec(select(Target).order_by(col(Target.position))).all()
    assert version.analysed_at is not None and version.analysis_error is None
    assert version.outline and any(node["heading"] == "主要目标" for node in version.outline)
    assert document.plan_year == 2024 and document.doc_type == "工作要点" and document.minhash
    assert series.title == "卫生健康工作要点"
    beds = next(t for t in targets if t.indicator == "每千人口医疗卫生机构床位数")
    assert (beds.value, beds.unit, beds.cmp, beds.indicator_norm) == (7.86, "张", ">=", "每千人口医疗卫生机构床位数")
    (change,) = _changes(any_engine)
    assert change.detail["target_count"] == len(targets) and change.detail["plan_year"] == 2024
    assert change.detail["title"] == document.title and change.source_id == "qx-wjw"


def test_an_edited_target_is_a_text_edit_and_a_raised_target(any_engine: Engine) -> None:
    _fetch(any_engine, "http://gov.example/qx/p.html", "edited_target/old.html")
    _fetch(any_engine, "http://gov.example/qx/p.html", "edited_target/new.html", when=T0 + timedelta(days=3))
    analyse_pending(any_engine)
    changes = {c.kind: c for c in _changes(any_engine)}
    assert set(changes) == {"new-document", "text-edit", "target-raised"}
    edit = changes["text-edit"]
    assert edit.detail["hunk_count"] == 1
    assert edit.detail["hunks"][0] == {
        "section": "二、重点任务 > (一)提升基层医疗卫生服务能力 > 1.推进家庭医生签约服务",
        "old": "家庭医生签约服务覆盖率达到45%以上。", "new": "家庭医生签约服务覆盖率达到50%以上。",
    }
    raised = changes["target-raised"]
    assert raised.indicator == "家庭医生签约服务覆盖率" and raised.detail["scope"] == "version"
    assert (raised.detail["old"]["value"], raised.detail["new"]["value"]) == (45.0, 50.0)
    assert raised.summary.startswith("家庭医生签约服务覆盖率: ≥45% (v1) → ≥50% (v2), raised")
    assert raised.old_version_id == edit.old_version_id != raised.version_id


def test_a_version_differing_only_by_noise_makes_no_change(sqlite_engine: Engine) -> None:
    _fetch(sqlite_engine, "http://gov.example/qx/v.html", "view_counter/old.html")
    analyse_pending(sqlite_engine)
    noisy = read_input_file(PAIRS / "view_counter" / "new.html").text + "\n分享到: 微信 微博\n浏览次数: 9999"
    with session_scope(sqlite_engine) as session:  # stored as a version, e.g. before a noise rule was added
        document = session.exec(select(Document)).one()
        session.add(Version(document_id=document.id, content_hash="x" * 64, text_hash=put_text(session, noisy)))
    summary = analyse_pending(sqlite_engine)
    assert summary.analysed == 1 and summary.change_count == 0
    assert _kinds(sqlite_engine) == Counter({"new-document": 1})


def test_next_years_plan_is_compared_with_last_years_and_reports_met_and_missed(any_engine: Engine) -> None:
    _fetch(any_engine, "http://gov.example/qx/2024.html", "next_year/2024.txt")
    _fetch(any_engine, "http://gov.example/qx/2025.html", "next_year/2025.txt", when=T0 + timedelta(days=365))
    analyse_pending(any_engine)
    series_rows = {c.indicator: c for c in _changes(any_engine) if c.detail.get("scope") == "series"}
    assert {name: c.kind for name, c in series_rows.items()} == {
        "每千人口医疗卫生机构床位数": "target-raised",
        "孕产妇死亡率": "target-raised",  # a ceiling lowered: tightened
        "婴儿死亡率": "target-lowered",
        "城乡居民健康素养水平": "target-raised",  # reworded
        "65岁以上老年人健康管理率": "target-lowered",
        "每千人口注册护士数": "target-added",
        "家庭医生签约服务覆盖率": "target-removed",
    }
    assert "tightened (lower is better)" in series_rows["孕产妇死亡率"].summary
    assert series_rows["每千人口医疗卫生机构床位数"].summary == "每千人口医疗卫生机构床位数: ≥7.86张 (2024) → ≥8.2张 (2025), raised"
    assert (series_rows["婴儿死亡率"].detail["old_year"], series_rows["婴儿死亡率"].detail["new_year"]) == (2024, 2025)
    outcomes = {c.indicator: c for c in _changes(any_engine) if c.kind in ("target-met", "target-missed")}
    assert {name: c.kind for name, c in outcomes.items()} == {"人均预期寿命": "target-met", "孕产妇死亡率": "target-missed"}
    missed = outcomes["孕产妇死亡率"]
    assert missed.detail["year"] == 2024 and missed.detail["actual"]["value"] == 16.1
    assert missed.old_document_id == missed.detail["target_document_id"] != missed.document_id


def test_years_met_out_of_order_still_compare_and_report(sqlite_engine: Engine) -> None:
    _fetch(sqlite_engine, "http://gov.example/qx/2025.html", "next_year/2025.txt")  # listing shows the newest first
    _fetch(sqlite_engine, "http://gov.example/qx/2024.html", "next_year/2024.txt")
    analyse_pending(sqlite_engine)
    kinds = _kinds(sqlite_engine)
    assert kinds["target-raised"] == 3 and kinds["target-added"] == 1 and kinds["target-removed"] == 1
    assert kinds["target-met"] == 1 and kinds["target-missed"] == 1
    with Session(sqlite_engine) as session:
        newer = session.exec(select(Document).where(Document.url.endswith("2025.html"))).one()
    assert {c.document_id for c in _changes(sqlite_engine) if c.detail.get("scope") == "series"} == {newer.id}


def _analyse_with(engine: Engine, run: object, url: str) -> None:
    """Analyse the version of ``url`` as a run does (``run`` stands for one analysing process)."""
    from monitor.analysis.version_analysis import AnalysisRun, analyse_version

    assert isinstance(run, AnalysisRun)
    with session_scope(engine) as session:
        version = session.exec(select(Version).join(Document).where(Document.url == url)).one()
        result = analyse_version(session, version, run)
    run.apply(result)


def test_a_plan_analysed_by_another_process_meanwhile_is_still_judged(any_engine: Engine) -> None:
    from monitor.analysis.version_analysis import AnalysisRun

    _fetch(any_engine, "http://gov.example/qx/2025.html", "next_year/2025.txt")  # reports 2024's actuals
    _fetch(any_engine, "http://gov.example/qx/2024.html", "next_year/2024.txt")  # sets 2024's targets
    _fetch(any_engine, "http://gov.example/qx/2025-review.html", "next_year/2025.txt")  # the same report again
    ours, theirs = AnalysisRun(any_engine), AnalysisRun(any_engine)
    _analyse_with(any_engine, ours, "http://gov.example/qx/2025.html")  # no 2024 targets yet: nothing to judge
    _analyse_with(any_engine, theirs, "http://gov.example/qx/2024.html")  # judged against the 2025 report
    _analyse_with(any_engine, ours, "http://gov.example/qx/2025-review.html")  # must see the 2024 plan now
    with Session(any_engine) as session:
        review = session.exec(select(Document).where(Document.url.endswith("2025-review.html"))).one()
    judged = {(c.document_id, c.indicator): c.kind for c in _changes(any_engine) if c.kind in ("target-met", "target-missed")}
    assert judged[(review.id, "人均预期寿命")] == "target-met" and judged[(review.id, "孕产妇死亡率")] == "target-missed"
    assert len(judged) == 4  # the first report too, found when the 2024 plan was analysed


def test_a_repost_on_another_site_is_linked_not_a_new_plan(any_engine: Engine) -> None:
    _fetch(any_engine, "http://gov.example/qx/2024.html", "repost/official.html")
    _fetch(any_engine, "http://news.example/a/123.html", "repost/news.html", source="news", when=T0 + timedelta(days=14))
    analyse_pending(any_engine)
    assert _kinds(any_engine) == Counter({"new-document": 1, "repost": 1})
    repost = next(c for c in _changes(any_engine) if c.kind == "repost")
    with Session(any_engine) as session:
        copy = session.get(Document, repost.document_id)
        original = session.get(Document, repost.detail["canonical_document_id"])
    assert copy.canonical_id == original.id and original.canonical_id is None
    assert repost.detail["canonical_url"] == "http://gov.example/qx/2024.html" and repost.detail["similarity"] >= 0.9
    assert repost.detail["url"] == "http://news.example/a/123.html"


def test_the_same_text_on_the_same_site_or_for_another_year_is_not_a_repost(sqlite_engine: Engine) -> None:
    text = read_input_file(PAIRS / "repost" / "official.html").text
    _fetch(sqlite_engine, "http://gov.example/qx/2024.html", "repost/official.html")
    _fetch(sqlite_engine, "http://gov.example/qx/2024-copy.html", "repost/official.html", text=text + "\n附件: 无")
    _fetch(sqlite_engine, "http://news.example/a/2025.html", "repost/news.html", source="news",
           text=text.replace("2024年", "2025年"), title="2025年全县卫生健康工作要点")
    analyse_pending(sqlite_engine)
    assert _kinds(sqlite_engine)["repost"] == 0


def test_re_running_adds_nothing_and_re_analysing_does_not_double(any_engine: Engine) -> None:
    _fetch(any_engine, "http://gov.example/qx/2024.html", "next_year/2024.txt")
    _fetch(any_engine, "http://gov.example/qx/2025.html", "next_year/2025.txt")
    analyse_pending(any_engine)
    before = [(c.kind, c.dedup_key) for c in _changes(any_engine)]
    assert analyse_pending(any_engine).analysed == 0
    with session_scope(any_engine) as session:
        session.exec(update(Version).values(analysed_at=None))  # type: ignore[call-overload]
        targets_before = session.exec(select(func.count()).select_from(Target)).one()
    again = analyse_pending(any_engine)
    assert again.analysed == 2 and again.change_count == 0
    assert [(c.kind, c.dedup_key) for c in _changes(any_engine)] == before
    with Session(any_engine) as session:
        assert session.exec(select(func.count()).select_from(Target)).one() == targets_before


def test_a_version_that_cannot_be_analysed_is_recorded_and_the_rest_go_on(sqlite_engine: Engine) -> None:
    _fetch(sqlite_engine, "http://gov.example/qx/bad.html", "edited_target/old.html")
    _fetch(sqlite_engine, "http://gov.example/qx/2024.html", "next_year/2024.txt")
    with session_scope(sqlite_engine) as session:  # a damaged blob: the text cannot be decompressed
        bad = session.exec(select(Version).order_by(col(Version.id))).first()
        session.exec(update(Blob).where(col(Blob.hash) == bad.text_hash).values(data=b"not zlib"))  # type: ignore[call-overload]
    summary = analyse_pending(sqlite_engine)
    assert (summary.analysed, summary.failed) == (1, 1)
    assert summary.errors[0][0] == bad.id and "error" in summary.errors[0][1].lower()
    with Session(sqlite_engine) as session:
        stored = session.get(Version, bad.id)
    assert stored.analysis_error and stored.analysed_at is not None
    assert _kinds(sqlite_engine) == Counter({"new-document": 1})
    assert analyse_pending(sqlite_engine).failed == 0  # recorded, not retried forever


def test_progress_is_reported_per_version(sqlite_engine: Engine) -> None:
    _fetch(sqlite_engine, "http://gov.example/qx/2024.html", "next_year/2024.txt")
    _fetch(sqlite_engine, "http://gov.example/qx/2025.html", "next_year/2025.txt")
    seen: list[tuple[int, int]] = []
    analyse_pending(sqlite_engine, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 2), (2, 2)]


_WORKER = """
import sys
from monitor.analysis.pipeline import analyse_pending
from store.engine import make_engine
analyse_pending(make_engine(sys.argv[1]), progress=lambda done, total: print(done, flush=True))
"""


def _many_versions(engine: Engine, count: int) -> None:
    base = read_input_file(PAIRS / "next_year" / "2024.txt").text
    with session_scope(engine) as session:
        _sources(session)
        for n in range(count):
            text = base.replace("7.86张", f"{7 + n / 100:g}张").replace("2024年", f"{1900 + n}年")
            record_fetch(session, FetchedPage(url=f"http://gov.example/qx/{n}.html", source_id="qx-wjw", text=text,
                                              title=f"{1900 + n}年全县卫生健康工作要点", agency="清溪县卫生健康局",
                                              region="贵州省/清溪县", plan_year=1900 + n, published_on=date(2024, 1, 1)))


@pytest.mark.slow
def test_a_run_killed_midway_and_run_again_writes_every_finding_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    engine = make_engine(url)
    upgrade(engine)
    _many_versions(engine, 24)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    worker = subprocess.Popen([sys.executable, "-c", _WORKER, url], stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
    assert worker.stdout is not None
    while int(worker.stdout.readline() or 24) < 3:  # wait until a few versions are committed
        pass
    worker.kill()
    worker.wait()
    with Session(engine) as session:
        done_before = session.exec(select(func.count()).select_from(Version).where(col(Version.analysed_at).is_not(None))).one()
    assert 3 <= done_before < 24
    analyse_pending(engine)
    with Session(engine) as session:
        keys = session.exec(select(Change.dedup_key)).all()
        pending = session.exec(select(func.count()).select_from(Version).where(col(Version.analysed_at).is_(None))).one()
    assert pending == 0 and len(keys) == len(set(keys))
    assert Counter(key.split(":")[0] for key in keys)["new-document"] == 24
    assert Counter(key.split(":")[0] for key in keys)["target-raised"] == 23  # each year vs the one before
    engine.dispose()


def test_summary_json_lists_counts_and_errors() -> None:
    from monitor.analysis.pipeline import AnalysisSummary

    summary = AnalysisSummary(analysed=2, failed=1, errors=[(7, "ValueError: 坏数据")])
    summary.changes.update(["new-document", "target-raised", "target-raised"])
    data = summary.to_json()
    assert data["changes"] == {"new-document": 1, "target-raised": 2} and summary.change_count == 3
    assert data["errors"] == [{"version_id": 7, "error": "ValueError: 坏数据"}]
    assert "坏数据" in json.dumps(data, ensure_ascii=False)
