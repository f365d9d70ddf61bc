"""A --region that matches nothing stored (贵洲省 for 贵州省) is warned about on stderr,
with the nearest stored regions, by ``subscribers add`` and ``feed``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from store.engine import session_scope
from store.models import Document, Source

PLANWATCH = str(Path(sys.executable).with_name("planwatch"))


def _planwatch(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")}
    env["PLANWATCH_DATA_DIR"] = str(data_dir)
    return subprocess.run([PLANWATCH, *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def stored(sqlite_engine: Engine, data_dir: Path) -> Path:
    with session_scope(sqlite_engine) as session:
        session.add(Source(id="gy-wjw", name="贵阳市卫生健康局", region="贵州省/贵阳市"))
        session.add(Source(id="sn-wjw", name="遂宁市卫生健康委", region="四川省/遂宁市"))
        session.flush()
        session.add(Document(url="http://127.0.0.1/zy/1.html", source_id="gy-wjw", region="贵州省/遵义市"))
    return data_dir


@pytest.mark.parametrize(
    ("args", "stdout"),
    [(("subscribers", "add", "me@example.org"), "subscribed me@example.org"), (("feed",), "<feed")],
    ids=["subscribers-add", "feed"],
)
def test_a_region_typo_is_warned_with_the_nearest_regions(stored: Path, args: tuple[str, ...], stdout: str) -> None:
    result = _planwatch(stored, *args, "--region", "贵洲省", "--region", "四川省/遂宁")
    assert result.returncode == 0, result.stderr
    assert stdout in result.stdout
    assert result.stderr.splitlines() == [
        "warning: region 贵洲省 matches no stored document or source (did you mean 贵州省?)"]


@pytest.mark.parametrize("region", ["贵州", "贵州省/遵义", "四川省/遂宁市/"])
def test_regions_that_match_stored_ones_are_not_warned(stored: Path, region: str) -> None:
    result = _planwatch(stored, "feed", "--region", region)
    assert result.returncode == 0 and result.stderr == ""


def test_a_region_far_from_every_stored_one_says_so(stored: Path) -> None:
    result = _planwatch(stored, "subscribers", "add", "me@example.org", "--region", "西藏自治区/拉萨市")
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "warning: region 西藏自治区/拉萨市 matches no stored document or source (a typo, or not crawled yet)"]


def test_an_empty_store_says_nothing_is_stored_yet(sqlite_engine: Engine, data_dir: Path) -> None:
    result = _planwatch(data_dir, "subscribers", "add", "me@example.org", "--region", "贵州省")
    assert result.returncode == 0
    assert result.stderr.splitlines() == ["warning: region 贵州省 matches no stored document or source (nothing is stored yet)"]
