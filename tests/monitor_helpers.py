"""Shared by the monitor's tests (cycle, daemon, status, demo): real `planwatch`
processes on a temporary data directory, sources files pointing at the fixture site."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from crawler.fixture_site import FixtureSite, demo_sources
from store.sources_config import SourceConfig

PLANWATCH = str(Path(sys.executable).with_name("planwatch"))
# A fast crawl of the fixture site: no throttling, no long timeouts or retry waits.
FAST = {"PLANWATCH_CRAWL_AUTOTHROTTLE": "false", "PLANWATCH_CRAWL_DOWNLOAD_TIMEOUT": "10",
        "PLANWATCH_CRAWL_RETRY_TIMES": "0", "PLANWATCH_CRAWL_RETRY_BACKOFF": "0.05",
        "PLANWATCH_SCHEDULE_JITTER": "0"}

T = TypeVar("T")


def clean_env(values: dict[str, str]) -> dict[str, str]:
    """This process's environment without any PLANWATCH_* setting, plus ``values``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")}
    env.update(values)
    return env


def planwatch(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real `planwatch` command and wait for it."""
    return subprocess.run([PLANWATCH, *args], capture_output=True, text=True, env=clean_env(env), timeout=timeout)


def start_planwatch(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """Start `planwatch` in the background (stdout and stderr captured)."""
    return subprocess.Popen([PLANWATCH, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=clean_env(env))


def slow_source(site: FixtureSite, source_id: str = "slow", seconds: int = 30) -> SourceConfig:
    """A source whose list page answers only after ``seconds``: a crawl that is still running."""
    return SourceConfig(id=source_id, name="慢速站点 工作计划", agency="慢速卫生健康局", region="四川省/遂宁市",
                        start_urls=[site.url(f"/slow?seconds={seconds}")])


def failing_source(site: FixtureSite, source_id: str = "broken") -> SourceConfig:
    """A source whose list page answers 500."""
    return SourceConfig(id=source_id, name="故障站点 工作要点", agency="故障卫生健康局", region="四川省/遂宁市/船山区",
                        start_urls=[site.url("/status/500")])


def fixture_sources(site: FixtureSite, *ids: str) -> list[SourceConfig]:
    return [source for source in demo_sources(site.base_url) if source.id in ids]


def write_sources(path: Path, sources: list[SourceConfig], schedules: dict[str, str] | None = None) -> Path:
    """A sources file for ``sources``; ``schedules`` gives some of them their own cron schedule."""
    lines = []
    for source in sources:
        lines += ["[[sources]]", *(f"{name} = {json.dumps(getattr(source, name), ensure_ascii=False)}"
                                   for name in ("id", "name", "agency", "region", "start_urls", "max_pages"))]
        lines.append(f"enabled = {'true' if source.enabled else 'false'}")
        schedule = (schedules or {}).get(source.id, source.schedule)
        if schedule:
            lines.append(f"schedule = {json.dumps(schedule)}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def store_env(tmp_path: Path, sources: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    """Settings for one test's store, migrated."""
    env = {"PLANWATCH_DATA_DIR": str(tmp_path / "data"), "PLANWATCH_SOURCES_FILE": str(sources), **FAST, **extra}
    if database_url:
        env["PLANWATCH_DATABASE_URL"] = database_url
    upgraded = planwatch(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    return env


def wait_until(check: Callable[[], T | None], timeout: float, what: str, every: float = 0.2) -> T:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def log_text(env: dict[str, str]) -> str:
    path = Path(env["PLANWATCH_DATA_DIR"]) / "logs" / "planwatch.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""
