"""The benchmark harness keeps working: a tiny run writes a RESULTS-shaped report.

Not a timed test: nothing here checks a speed. CI runs ``bench/run.sh`` at 60 plan
pages with ``--quick`` into a temporary file (bench/RESULTS.md is never touched) and
checks that every section and figure the full run reports is there, and that the
figures say what happened: every page fetched, nothing new on the unchanged
re-crawl, the 5 % edits found.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from crawler.fixture_site.benchsite import COLUMNS, BenchSite, bench_sources

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_bench_site_is_deterministic_sized_and_editable() -> None:
    site, again = BenchSite(60), BenchSite(60)
    paths = site.plan_paths()
    assert len(paths) == 60 and len(site.list_paths()) == 3
    sizes = [len(site.get(path).body) for path in paths]  # type: ignore[union-attr]
    assert min(sizes) >= 15_000 and max(sizes) <= 41_000
    assert site.get(paths[7]).body == again.get(paths[7]).body  # type: ignore[union-attr]
    before = {path: site.get(path) for path in paths}
    edited = site.edit(0.05, 1)
    assert len(edited) == 3
    for path in paths:
        changed = site.get(path)
        assert (changed != before[path]) == (path in edited)
    old, new = before[edited[0]], site.get(edited[0])
    assert old is not None and new is not None and new.modified > old.modified and new.etag != old.etag
    assert [s.start_urls[0].split("/")[-1] for s in bench_sources("http://127.0.0.1:1", site)] == [
        c.list_path(0).split("/")[-1] for c in COLUMNS]


def test_tiny_bench_run_writes_a_results_shaped_report(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    argv = ["bash", str(REPO / "bench" / "run.sh"), "--sizes", "60", "--quick", "--out", str(out),
            "--work", str(tmp_path / "work")]
    if not os.environ.get("PLANWATCH_TEST_DATABASE_URL"):
        argv.append("--skip-postgres")
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ})
    assert done.returncode == 0, done.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    for heading in ("## Cycle at 60 plan pages", "bare Scrapy, first crawl", "planwatch first crawl, empty store",
                    "planwatch re-crawl, nothing changed", "planwatch re-crawl, 5 % of plans edited",
                    "first crawl within 1.2× bare Scrapy", "Extraction", "Differ", "Digest", "Archive latency",
                    "CPU:", "Python 3", "Command: `bash bench/run.sh --sizes 60 --quick"):
        assert heading in report, heading
    results = json.loads((tmp_path / "work" / "last-results.json").read_text(encoding="utf-8"))
    phases = results["sizes"]["60"]["phases"]
    assert all(phase["returncode"] == 0 for phase in phases.values())
    assert phases["bare-scrapy-reactor"]["report"]["items"] == 60
    assert phases["planwatch-first"]["report"]["counts"]["new_versions"] == 60
    unchanged = phases["planwatch-unchanged"]["report"]
    assert unchanged["counts"]["new_versions"] == 0 and unchanged["added"]["warc"] == 0
    assert phases["planwatch-edited"]["report"]["counts"]["new_versions"] == 3
    assert results["parts"]["parts"]["report"]["digest"]["changes"] > 60


def test_a_rerun_of_one_size_replaces_only_that_size_and_is_named_in_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(REPO))  # bench/ is run from the checkout, not installed
    from bench.cli import merge_rerun
    from bench.report import _machine_lines

    earlier = json.loads((REPO / "bench" / "results.json").read_text(encoding="utf-8"))
    rerun = {"command": "bash bench/run.sh --sizes 1000 --cycles-only", "started": "2026-11-26T00:10:00+00:00",
             "finished": "2026-11-26T00:20:00+00:00", "load_start": 2.5, "load_end": 3.0, "commit": "abc1234",
             "sizes": {"1000": {**earlier["sizes"]["1000"], "edited": 49}}}
    merged = merge_rerun(earlier, rerun)
    assert merged["sizes"]["1000"]["edited"] == 49 and merged["sizes"]["5000"] == earlier["sizes"]["5000"]
    assert merged["parts"] == earlier["parts"] and merged["started"] == earlier["started"]
    lines = [text for text in _machine_lines(merged) if text.startswith("- Re-measured")]
    assert len(lines) == len(earlier.get("reruns", [])) + 1
    line = lines[-1]
    assert "1,000 plan pages" in line and "commit abc1234" in line and "load 2.5 to 3.0" in line
