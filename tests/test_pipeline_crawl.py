"""`planwatch crawl` leaves Changes ready: the fixture site crawled by a real process, then
moved to its next state (a plan edited, a view counter bumped, next year's plan published)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from crawler.fixture_site import FixtureSite, demo_sources, render_sources_toml
from store.engine import make_engine
from store.models import Change, Document
from store.settings import load_config

PLANWATCH = str(Path(sys.executable).with_name("planwatch"))
FAST = {"PLANWATCH_CRAWL_AUTOTHROTTLE": "false", "PLANWATCH_CRAWL_DOWNLOAD_TIMEOUT": "2",
        "PLANWATCH_CRAWL_RETRY_BACKOFF": "0.05"}


def planwatch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")}
    full.update(env)
    return subprocess.run([PLANWATCH, *args], capture_output=True, text=True, env=full, timeout=600)


def _changes(env: dict[str, str]) -> list[tuple[Change, Document | None]]:
    engine = make_engine(load_config(env=env).database_url)
    try:
        with Session(engine) as session:
            found = session.exec(select(Change).order_by(col(Change.id))).all()
            return [(change, session.get(Document, change.document_id) if change.document_id else None)
                    for change in found]
    finally:
        engine.dispose()


@pytest.mark.slow
def test_crawls_produce_new_plans_reposts_year_over_year_edits_and_outcomes(
    fixture_site: FixtureSite, tmp_path: Path
) -> None:
    sources = tmp_path / "sources.toml"
    chosen = [s for s in demo_sources(fixture_site.base_url) if s.id in {"fixture-gy", "fixture-sn", "fixture-news"}]
    sources.write_text(render_sources_toml(chosen), encoding="utf-8")
    env = {"PLANWATCH_DATA_DIR": str(tmp_path / "data"), "PLANWATCH_SOURCES_FILE": str(sources), **FAST}
    assert planwatch(env, "db", "upgrade").returncode == 0

    first = planwatch(env, "crawl")
    assert first.returncode == 0, first.stderr
    assert "analysed" in first.stderr and "new-document" in first.stderr
    initial = _changes(env)
    kinds = Counter(change.kind for change, _ in initial)
    assert kinds["repost"] == 1 and kinds["new-document"] == 10  # 5 贵阳 + 5 遂宁 plans; the news copy is no new plan
    (repost, copy), = [(c, d) for c, d in initial if c.kind == "repost"]
    assert copy is not None and copy.source_id == "fixture-news"
    assert repost.detail["canonical_url"] == fixture_site.url("/gywjw/ghjh/202303/t20230315_78012.html")
    yoy = {(d.title, c.indicator): c.kind for c, d in initial if c.detail.get("scope") == "series" and d}
    assert yoy[("贵阳市卫生健康局2023年卫生健康工作要点", "孕产妇死亡率")] == "target-raised"  # 15 → 13 /10万: tightened
    outcomes = {c.indicator: c.kind for c, _ in initial if c.kind in ("target-met", "target-missed")}
    assert outcomes.get("人均预期寿命") == "target-met"  # 2023 review 80.1 vs the 2023 plan's 80
    assert outcomes.get("县域内就诊率") == "target-missed"  # 88.6% vs 90%

    fixture_site.set_state("next")
    second = planwatch(env, "crawl")
    assert second.returncode == 0, second.stderr
    later = [(c, d) for c, d in _changes(env) if c.id not in {change.id for change, _ in initial}]
    by_kind = Counter(change.kind for change, _ in later)
    assert by_kind["new-document"] == 1 and by_kind["text-edit"] == 1 and by_kind["repost"] == 0
    edit = next(c for c, _ in later if c.kind == "text-edit")
    assert any("10/10万" in hunk["new"] for hunk in edit.detail["hunks"])
    tightened = next(c for c, _ in later if c.detail.get("scope") == "version")
    assert (tightened.kind, tightened.indicator) == ("target-raised", "孕产妇死亡率")
    assert "tightened (lower is better)" in tightened.summary
    new_year = [(c, d) for c, d in later if c.detail.get("scope") == "series"]
    assert new_year and all(d is not None and d.plan_year == 2025 for _, d in new_year)
    # 遂宁 2023's page only changed its view counter: nothing about it
    assert not [c for c, d in later if d is not None and d.source_id == "fixture-sn"]
