"""`planwatch crawl / runs / documents / show` end to end: real processes, a temporary data
dir and sources file, the fixture site on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import os
import re
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


def _interrupt_at_slow(fixture_site: FixtureSite, env: dict[str, str], *args: str) -> tuple[int, str]:
    """Start planwatch in its own process group, send SIGINT to the whole group (a terminal's
    Ctrl-C) while /slow is in flight; (exit code, stderr)."""
    full = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")} | env
    process = subprocess.Popen([PLANWATCH, *args], env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while "/slow" not in fixture_site.arrived:
        assert time.monotonic() < deadline and process.poll() is None, "the crawl never reached /slow"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return process.returncode, stderr


def _faults_then_gy(fixture_site: FixtureSite, tmp_path: Path) -> dict[str, str]:
    sources = tmp_path / "sources.toml"
    chosen = {s.id: s for s in demo_sources(fixture_site.base_url, include_faults=True)}
    sources.write_text(render_sources_toml([chosen["fixture-faults"], chosen["fixture-gy"]]), encoding="utf-8")
    env = {"PLANWATCH_DATA_DIR": str(tmp_path / "data"), "PLANWATCH_SOURCES_FILE": str(sources),
           "PLANWATCH_CRAWL_AUTOTHROTTLE": "false", "PLANWATCH_CRAWL_RETRY_BACKOFF": "0.05",
           "PLANWATCH_CRAWL_DOWNLOAD_TIMEOUT": "10"}  # /slow (5 s) is answered when nobody interrupts
    assert planwatch(env, "db", "upgrade").returncode == 0
    return env


def _assert_stopped_at_once(fixture_site: FixtureSite, env: dict[str, str], code: int, stderr: str,
                            runs_before: int) -> None:
    assert code == 130 and stderr.strip() == "interrupted", stderr
    assert not any(path.startswith("/gywjw/") for path in fixture_site.arrived), "went on with the next source"
    # at once: the crawl gave up on /slow (logged 499) instead of waiting the 5 s for its answer
    assert [entry.status for entry in fixture_site.requests if entry.path == "/slow"][-1] == 499
    runs = json.loads(planwatch(env, "runs", "--json").stdout)
    assert len(runs) == runs_before + 1
    assert (runs[0]["source_id"], runs[0]["status"], runs[0]["message"]) == (
        "fixture-faults", "interrupted", "interrupted (Ctrl-C or SIGTERM)")
    assert runs[0]["finished_at"] is not None


@pytest.mark.parametrize("command", [("crawl",), ("run", "--once", "--all", "--no-digest", "--quiet")],
                         ids=["crawl", "run-once"])
def test_ctrl_c_to_the_process_group_stops_the_scrapy_pass_at_once(
        fixture_site: FixtureSite, tmp_path: Path, command: tuple[str, ...]) -> None:
    env = _faults_then_gy(fixture_site, tmp_path)
    code, stderr = _interrupt_at_slow(fixture_site, env, *command)
    _assert_stopped_at_once(fixture_site, env, code, stderr, runs_before=0)


def test_ctrl_c_to_the_process_group_stops_the_revalidation_pass_at_once(
        fixture_site: FixtureSite, tmp_path: Path) -> None:
    env = _faults_then_gy(fixture_site, tmp_path)
    first = planwatch(env, "crawl", "--source", "fixture-faults", "--json")
    assert first.returncode == 0, first.stderr
    assert [s["mode"] for s in json.loads(first.stdout)] == ["scrapy"]
    fixture_site.clear_log()
    code, stderr = _interrupt_at_slow(fixture_site, env, "crawl")
    assert any(entry.if_none_match for entry in fixture_site.requests), "not the re-check of known pages"
    _assert_stopped_at_once(fixture_site, env, code, stderr, runs_before=1)


def _listening_ports(pid: int) -> list[int]:
    """The TCP ports process ``pid`` listens on (from /proc: its socket inodes in LISTEN state)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:["):-1])
    ports = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.append(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def test_a_crawl_listens_on_no_port_and_leaves_no_control_files(fixture_site: FixtureSite, tmp_path: Path) -> None:
    env = _faults_then_gy(fixture_site, tmp_path) | {"XDG_STATE_HOME": str(tmp_path / "state"),
                                                      "HOME": str(tmp_path / "home")}
    full = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")} | env
    process = subprocess.Popen([PLANWATCH, "crawl"], env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while "/slow" not in fixture_site.arrived:  # Scrapy's engine is running
            assert time.monotonic() < deadline and process.poll() is None, "the crawl never reached /slow"
            time.sleep(0.05)
        assert _listening_ports(process.pid) == []
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    left = [path for path in tmp_path.rglob("*") if "scrapy" in path.parts]
    assert left == [], "Scrapy wrote control files (RemoteControl job files)"


def test_without_a_terminal_each_source_gets_a_line_on_stderr_as_it_finishes(fixture_site: FixtureSite,
                                                                              tmp_path: Path) -> None:
    gy = next(s for s in demo_sources(fixture_site.base_url) if s.id == "fixture-gy")
    slow = gy.model_copy(update={"id": "slow", "start_urls": [fixture_site.url("/slow?seconds=3")]})
    sources = tmp_path / "sources.toml"
    sources.write_text(render_sources_toml([gy, slow]), encoding="utf-8")
    env = {"PLANWATCH_DATA_DIR": str(tmp_path / "data"), "PLANWATCH_SOURCES_FILE": str(sources),
           "PLANWATCH_CRAWL_AUTOTHROTTLE": "false"}
    assert planwatch(env, "db", "upgrade").returncode == 0
    full = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")} | env
    process = subprocess.Popen([PLANWATCH, "crawl", "--json"], env=full, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    first = process.stderr.readline()
    slow_answered = any(entry.path.startswith("/slow") for entry in fixture_site.requests)
    stdout, rest = process.communicate(timeout=120)
    assert process.returncode == 0, first + rest
    plans = len(plans_in("initial", "fixture-gy"))
    assert re.fullmatch(rf"fixture-gy: ok, \d+ requests, {plans} new versions, \d+\.\d s\n", first), first
    assert not slow_answered, "the line came only after the next source"
    assert re.fullmatch(r"slow: ok, \d+ requests, 0 new versions, [3-9]\.\d s", rest.splitlines()[0]), rest
    assert [s["source"] for s in json.loads(stdout)] == ["fixture-gy", "slow"]  # stdout stays JSON only
