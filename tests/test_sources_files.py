"""The shipped sources files load, and say honestly what was not verified."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from store.sources_config import load_sources

REPO = Path(__file__).resolve().parent.parent
PLANWATCH = str(Path(sys.executable).with_name("planwatch"))


def test_example_sources_name_the_seed_agencies_and_are_marked_unverified() -> None:
    sources = load_sources(REPO / "deploy" / "sources.example.toml")
    assert {s.agency for s in sources} == {"贵阳市卫生健康局", "贵阳市人民政府办公厅", "遂宁市卫生健康委员会"}
    for source in sources:
        assert not source.verified and not source.enabled
        assert "not verified from this offline machine" in source.notes
        assert all(url.startswith("https://") and ".gov.cn/" in url for url in source.start_urls)


def test_planwatch_sources_list_accepts_both_shipped_files() -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")}
    for name in ("sources.example.toml", "sources.demo.toml"):
        done = subprocess.run([PLANWATCH, "sources", "list", "--json", "--file", str(REPO / "deploy" / name)],
                              capture_output=True, text=True, env=env, check=False)
        assert done.returncode == 0, done.stderr
        assert '"agency": "' in done.stdout and "\\u" not in done.stdout
