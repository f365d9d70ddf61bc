"""`planwatch crawl / runs / documents / show` end to end: real processes, a temporary data
dir and sources file, the fixture site on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.fixture_site import FixtureSite, demo_sources, plans_in, render_sources_toml

PLANWATCH = str(Path(sys.executable).with_name("planwatch"))
FAST = {"PLANWATCH_CRAWL_AUTOTHROTTLE": "false", "PLANWATCH_CRAWL_DOWNLOAD_TIMEOUT": "2",
        "PLANWATCH_CRAWL_RETRY_BACKOFF": "0.05"}


def planwatch(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")}
    full.update(env)
    return subprocess.run([PLANWATCH, *args], capture_output=True, text=True, env=full, timeout=300)


@pytest.fixture
def env(fixture_site: FixtureSite, tmp_path: Path) -> dict[str, str]:
    sources = tmp_path / "sources.toml"
    chosen = [s for s in demo_sources(fixture_site.base_url) if s.id in {"fixture-gy", "fixture-sn"}]
    sources.write_text(render_sources_toml(chosen), encoding="utf-8")
    values = {"PLANWATCH_DATA_DIR": str(tmp_path / "data"), "PLANWATCH_SOURCES_FILE": str(sources), **FAST}
    assert planwatch(values, "db", "upgrade").returncode == 0
    return values


def test_crawl_runs_documents_and_show_end_to_end(env: dict[str, str], fixture_site: FixtureSite) -> None:
    crawl = planwatch(env, "crawl", "--json")
    assert crawl.returncode == 0, crawl.stderr
    summaries = json.loads(crawl.stdout)
    expected = {source: len(plans_in("initial", source)) for source in ("fixture-gy", "fixture-sn")}
    assert {s["source"]: s["new_documents"] for s in summaries} == expected
    assert {s["status"] for s in summaries} == {"ok"}
    logged = (Path(env["PLANWATCH_DATA_DIR"]) / "logs" / "planwatch.log").read_text(encoding="utf-8")
    assert "fixture-gy" in logged and "fixture-sn" in logged  # a cron or systemd user reads what happened here

    runs = json.loads(planwatch(env, "runs", "--json").stdout)
    assert [(r["source_id"], r["status"], r["new_versions"]) for r in runs] == [
        ("fixture-sn", "ok", expected["fixture-sn"]), ("fixture-gy", "ok", expected["fixture-gy"])]

    listed = planwatch(env, "documents", "--json")
    documents = json.loads(listed.stdout)
    assert "遂宁市卫生健康委员会" in listed.stdout  # Chinese kept, not \u escapes
    by_url = {d["url"]: d for d in documents}
    plan = next(p for p in plans_in("initial", "fixture-sn") if p.attachments)
    row = by_url[fixture_site.url(plan.path)]
    assert (row["title"], row["agency"], row["region"], row["plan_year"], row["published_on"], row["versions"]) == (
        plan.title, plan.agency, plan.region, plan.plan_year, plan.published_on.isoformat(), 1)
    assert sorted(a["filename"] for a in row["attachments"]) == sorted(spec.anchor for spec in plan.attachments)

    for ref in (str(row["id"]), row["url"]):
        shown = planwatch(env, "show", ref, "--json")
        assert shown.returncode == 0, shown.stderr
        detail = json.loads(shown.stdout)
        assert detail["id"] == row["id"] and detail["title"] == plan.title
        assert [v["id"] for v in detail["version_list"]] == [detail["version_id"]]  # what `planwatch diff` takes
        assert plan.attachments[0].expect_text in detail["text"]
        assert "遂宁" in shown.stdout

    text = planwatch(env, "show", str(row["id"]))
    assert text.returncode == 0
    assert text.stdout.splitlines()[0] == plan.title and "四川省/遂宁市" in text.stdout
    assert plan.attachments[0].anchor in text.stdout and "unreadable" in text.stdout
    assert f"versions: v{detail['version_id']} " in text.stdout

    again = planwatch(env, "crawl", "--source", "fixture-gy")  # the table form
    assert again.returncode == 0, again.stderr
    assert "fixture-gy" in again.stdout and "revalidate" in again.stdout and "fixture-sn" not in again.stdout
    (last,) = json.loads(planwatch(env, "runs", "--json", "--limit", "1").stdout)
    assert (last["source_id"], last["new_versions"], last["not_modified_count"] > 0) == ("fixture-gy", 0, True)
    table = planwatch(env, "runs")
    assert table.returncode == 0 and table.stdout.count("fixture-gy") == 2


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("crawl", "--source", "no-such-source"), "no source 'no-such-source'"),
        (("show", "999"), "no document '999'"),
        (("show", "http://127.0.0.1:1/none.html"), "no document"),
        (("crawl", "--sources", "/nonexistent/sources.toml"), "does not exist"),
    ],
    ids=["unknown-source", "unknown-id", "unknown-url", "missing-sources-file"],
)
def test_bad_input_is_one_line_and_nothing_is_fetched(env: dict[str, str], fixture_site: FixtureSite,
                                                      args: tuple[str, ...], needle: str) -> None:
    result = planwatch(env, *args)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], result.stderr
    assert fixture_site.requests == []


def test_crawl_before_db_upgrade_says_what_to_do(fixture_site: FixtureSite, tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(render_sources_toml(demo_sources(fixture_site.base_url)[:1]), encoding="utf-8")
    result = planwatch({"PLANWATCH_DATA_DIR": str(tmp_path / "data"), **FAST}, "crawl", "--sources", str(sources))
    assert result.returncode == 2 and "planwatch db upgrade" in result.stderr
    assert fixture_site.requests == []


def test_sigterm_ends_the_crawl_as_interrupted_with_exit_code_130(fixture_site: FixtureSite, tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    faults = [s for s in demo_sources(fixture_site.base_url, include_faults=True) if s.id == "fixture-faults"]
    sources.write_text(render_sources_toml(faults), encoding="utf-8")
    env = {"PLANWATCH_DATA_DIR": str(tmp_path / "data"), "PLANWATCH_SOURCES_FILE": str(sources),
           "PLANWATCH_CRAWL_AUTOTHROTTLE": "false"}  # default 30 s timeout: /slow (5 s) is in flight
    assert planwatch(env, "db", "upgrade").returncode == 0
    full = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")} | env
    process = subprocess.Popen([PLANWATCH, "crawl"], env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not any(entry.path == "/slow" for entry in fixture_site.requests):
        assert time.monotonic() < deadline and process.poll() is None, "the crawl never reached /slow"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and stderr.strip() == "interrupted", stderr
    (run,) = json.loads(planwatch(env, "runs", "--json").stdout)
    assert (run["status"], run["message"]) == ("interrupted", "interrupted (Ctrl-C or SIGTERM)")
    assert run["finished_at"] is not None
