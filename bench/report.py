"""bench/RESULTS.md from the results of one run (:func:`render_report`).

Figures: *process* = the whole child process (interpreter start, imports, the work)
from ``wait4``; *work* = what the child timed around the crawl or analysis alone.
Targets are judged on CPU seconds where the machine is shared (wall seconds are shown
beside them with the load average), see :data:`TARGETS`. The hand-written analysis in
``bench/NOTES.md`` (what limits each figure, what was fixed) is appended.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["TARGETS", "render_report"]

NOTES = Path(__file__).resolve().parent / "NOTES.md"
_CYCLE_ROWS = (
    ("bare-scrapy-reactor", "bare Scrapy, first crawl (CrawlerProcess, asyncio reactor)"),
    ("bare-scrapy-reactorless", "bare Scrapy, first crawl (reactorless, as planwatch runs it)"),
    ("planwatch-first", "planwatch first crawl, empty store"),
    ("planwatch-first-analysis", "planwatch analysis of the first crawl"),
    ("planwatch-unchanged", "planwatch re-crawl, nothing changed"),
    ("planwatch-unchanged-analysis", "planwatch analysis after it (nothing pending)"),
    ("planwatch-edited", "planwatch re-crawl, 5 % of plans edited"),
    ("planwatch-edited-analysis", "planwatch analysis of the edits"),
    ("urlwatch-first", "urlwatch first run (empty cache)"),
    ("urlwatch-unchanged", "urlwatch re-run, nothing changed"),
    ("urlwatch-edited", "urlwatch re-run, 5 % edited"),
)


def _n(value: Any, digits: int = 2) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _work(phase: dict[str, Any]) -> tuple[float | None, float | None]:
    report = phase.get("report", {})
    return report.get("wall_s"), report.get("cpu_s")


def _requests(name: str, phase: dict[str, Any], pages: int) -> int | None:
    report = phase.get("report", {})
    if name.startswith("urlwatch"):
        return pages
    if "requests" in report:
        return int(report["requests"])
    counts = report.get("counts", {})
    return int(counts["requests"]) if "requests" in counts else None


def _cycle_table(size: dict[str, Any]) -> list[str]:
    lines = [
        "| phase | requests | process wall s | process CPU s | work wall s | work CPU s | peak RSS MB | pages/s (work wall) | DB bytes added | WAL bytes before checkpoint | WARC bytes added | new (analysed) versions | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, label in _CYCLE_ROWS:
        phase = size["phases"].get(name)
        if phase is None:
            continue
        wall, cpu = _work(phase)
        requests = _requests(name, phase, size["pages"])
        rate = (requests / (wall or phase["wall_s"])) if requests else None
        report = phase.get("report", {})
        added, raw = report.get("added", {}), report.get("added_raw", {})
        new_versions = report.get("counts", {}).get("new_versions", report.get("analysed"))
        if report.get("left_pending"):
            new_versions = f"{_n(new_versions)} analysed, {_n(report['left_pending'])} left"
        lines.append(
            f"| {label} | {_n(requests)} | {_n(phase['wall_s'])} | {_n(phase['cpu_s'])} | {_n(wall)} | {_n(cpu)} | "
            f"{_n(phase['rss_mb'], 0)} | {_n(rate, 0)} | {_n(added.get('db'))} | {_n(raw.get('wal'))} | "
            f"{_n(added.get('warc'))} | {_n(new_versions)} | {_n(phase['load'][0], 1)} |"
        )
    return lines


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top and bottom else None


Check = Callable[[dict[str, Any], dict[str, Any]], tuple[str, bool | None]]


def _first_vs_bare(size: dict[str, Any], _: dict[str, Any]) -> tuple[str, bool | None]:
    phases = size["phases"]
    first, bare = phases.get("planwatch-first"), phases.get("bare-scrapy-reactor")
    if not first or not bare:
        return "not measured", None
    cpu = _ratio(_work(first)[1], _work(bare)[1])
    wall = _ratio(_work(first)[0], _work(bare)[0])
    pcpu = _ratio(first["cpu_s"], bare["cpu_s"])
    return f"{_n(cpu)}× CPU (wall {_n(wall)}×; whole process CPU {_n(pcpu)}×)", cpu is not None and cpu <= 1.2


def _unchanged_vs_first(size: dict[str, Any], _: dict[str, Any]) -> tuple[str, bool | None]:
    phases = size["phases"]
    first, again = phases.get("planwatch-first"), phases.get("planwatch-unchanged")
    if not first or not again:
        return "not measured", None
    cpu = _ratio(_work(first)[1], _work(again)[1])
    wall = _ratio(_work(first)[0], _work(again)[0])
    return f"{_n(cpu, 1)}× less CPU (wall {_n(wall, 1)}×)", cpu is not None and cpu >= 10


def _zero_bytes(size: dict[str, Any], _: dict[str, Any]) -> tuple[str, bool | None]:
    again = size["phases"].get("planwatch-unchanged")
    if not again:
        return "not measured", None
    added = again.get("report", {}).get("added", {})
    raw = again.get("report", {}).get("added_raw", {})
    db, warc, wal = added.get("db"), added.get("warc"), raw.get("wal")
    text = f"DB {_n(db)} B after checkpoint (WAL {_n(wal)} B before it), WARC {_n(warc)} B, crawl-run rows +{_n(added.get('rows_crawlrun'))}"
    return text, db == 0 and warc == 0


def _vs_urlwatch(size: dict[str, Any], _: dict[str, Any]) -> tuple[str, bool | None]:
    phases = size["phases"]
    again, watch = phases.get("planwatch-unchanged"), phases.get("urlwatch-unchanged")
    if not again or not watch:
        return "not measured (urlwatch unavailable)", None
    cpu = _ratio(watch["cpu_s"], again["cpu_s"])
    wall = _ratio(watch["wall_s"], again["wall_s"])
    work = _ratio(watch["cpu_s"], _work(again)[1])
    return f"{_n(cpu, 1)}× less CPU, whole processes (wall {_n(wall, 1)}×; planwatch work alone {_n(work, 1)}×)", cpu is not None and cpu >= 3


def _rss(size: dict[str, Any], _: dict[str, Any]) -> tuple[str, bool | None]:
    phases = [p for n, p in size["phases"].items() if n.startswith("planwatch") and "analysis" not in n]
    if not phases:
        return "not measured", None
    peak = max(p["rss_mb"] for p in phases)
    return f"{_n(peak, 0)} MB (largest planwatch crawl process)", peak < 300 if size["pages"] >= 5000 else None


TARGETS: tuple[tuple[str, Check], ...] = (
    ("first crawl within 1.2× bare Scrapy", _first_vs_bare),
    ("unchanged re-cycle ≥ 10× faster than the first crawl", _unchanged_vs_first),
    ("unchanged re-cycle adds zero bytes (DB, WARC)", _zero_bytes),
    ("unchanged re-cycle ≥ 3× faster than urlwatch's re-run", _vs_urlwatch),
    ("peak RSS < 300 MB for a 5,000-page crawl", _rss),
)


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**missed**")


def _part_lines(parts: dict[str, Any]) -> list[str]:
    lines = ["## Parts", ""]
    together = parts.get("parts", {}).get("report", {})
    extraction = together.get("extraction", {})
    if extraction:
        ok = extraction["docs_per_cpu_s"] >= 200
        lines += [f"- **Extraction** (build_outline + extract_targets), {extraction['documents']} texts of "
                  f"{_n(extraction['mean_bytes'])} bytes mean, {_n(extraction['targets_per_doc'], 1)} targets each: "
                  f"**{_n(extraction['docs_per_cpu_s'], 0)} documents per CPU second** "
                  f"({_n(extraction['docs_per_s'], 0)} per wall second; median {_n(extraction['median_ms'], 1)} ms). "
                  f"Target ≥ 200: {_verdict(ok)}."]
    differ = together.get("differ", {})
    if differ:
        lines += [f"- **Differ**, {differ['pairs']} pairs of ~30 KB texts with one target edited: diff_texts "
                  f"{_n(differ['pairs'] / differ['diff_cpu_s'], 0)} pairs per CPU second; diff + match_targets "
                  f"{_n(differ['pairs'] / (differ['diff_cpu_s'] + differ['match_cpu_s']), 0)} pairs per CPU second "
                  f"({_n(differ['pairs_per_s'], 0)} per wall second); {_n(differ['hunks_per_pair'], 1)} hunks and "
                  f"{_n(differ['moved_targets_per_pair'], 1)} moved target per pair."]
    digest = together.get("digest", {})
    if digest:
        lines += [f"- **Digest** of {_n(digest['changes'])} stored changes ({_n(digest['shown'])} shown): "
                  f"reading them {_n(digest['plan_s'])} s, rendering HTML + text {_n(digest['render_s'])} s "
                  f"({_n(digest['render_cpu_s'])} s CPU; {_n(digest['html_bytes'])} bytes of HTML)."]
    budget = together.get("crawl_budget", {})
    if budget:
        lines += [f"- **Per-page CPU a crawl adds to fetching** ({budget['pages']} bench pages of "
                  f"{_n(budget['mean_bytes'])} bytes, outside Scrapy): reading fields and body "
                  f"{_n(budget['read_page_ms'], 1)} ms, content hash {_n(budget['content_hash_ms'], 1)} ms, WARC record "
                  f"{_n(budget['warc_ms'], 1)} ms, store (save_batch, 32 pages per SQLite transaction) "
                  f"{_n(budget['store_ms'], 1)} ms."]
    lines += ["", *_archive_lines(parts)]
    return lines


def _archive_lines(parts: dict[str, Any]) -> list[str]:
    lines = ["### Archive latency (in-process ASGI: FastAPI app through httpx.ASGITransport, full request path, no socket)", "",
             "| backend | versions | load s | page | requests | median ms | p95 ms | max ms | p95 < 100 ms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for backend in ("sqlite", "postgresql"):
        phase = parts.get(f"archive-{backend}")
        if not phase:
            continue
        if "skipped" in phase:
            lines.append(f"| {backend} | – | – | skipped: {phase['skipped']} | | | | | |")
            continue
        load = phase.get("report", {}).get("load", {})
        for kind, figures in phase.get("report", {}).get("latency", {}).items():
            lines.append(f"| {backend} | {_n(load.get('versions'))} | {_n(load.get('fill_s'), 1)} | {kind} | "
                         f"{figures['requests']} | {_n(figures['median_ms'], 1)} | {_n(figures['p95_ms'], 1)} | "
                         f"{_n(figures['max_ms'], 1)} | {_verdict(figures['p95_ms'] < 100)} |")
    return lines


def _machine_lines(results: dict[str, Any]) -> list[str]:
    machine = results["machine"]
    return [
        f"- Command: `{results['command']}`", f"- Started {results['started']}, finished {results.get('finished', '?')} (UTC)",
        f"- CPU: {machine['cpu']}, {machine['cores']} cores, {machine['ram_gib']} GiB RAM, {machine['os']}",
        f"- Python {machine['python']}, Scrapy {machine['scrapy']} (Twisted {machine['twisted']}), "
        f"SQLite {machine['sqlite']}, PostgreSQL {machine['postgresql']}, urlwatch {results['urlwatch']}",
        f"- 1-minute load average at start {_n(results['load_start'], 1)}, at end {_n(results.get('load_end'), 1)} "
        "(other developers' test runs share this machine; the load column shows it per phase)",
        *(f"- Re-measured later: the cycle at {', '.join(f'{int(k):,}' for k in rerun['sizes'])} plan pages "
          f"(`{rerun['command']}`, commit {rerun.get('commit') or '?'}, {rerun['started']} to {rerun.get('finished', '?')}, "
          f"load {_n(rerun.get('load_start'), 1)} to {_n(rerun.get('load_end'), 1)}); every other figure is from the run above"
          for rerun in results.get("reruns", [])),
    ]


def render_report(results: dict[str, Any]) -> str:
    """The whole RESULTS.md."""
    lines = ["# planwatch benchmark results", "", *_machine_lines(results), "",
             "Process figures come from `wait4` on each phase's own child process (user + system CPU of the process "
             "tree, peak RSS); *work* figures are timed by the child around the crawl or the analysis alone (after "
             "imports). The bench site runs in a separate process and is never counted. Analysis (extraction + diff) "
             "is **not** inside the measured crawl: it is its own phase below each crawl. DB bytes are the SQLite "
             "file's growth after `PRAGMA wal_checkpoint(TRUNCATE)`.", ""]
    for key, size in results["sizes"].items():
        lines += [f"## Cycle at {int(key):,} plan pages (+{size['list_pages']} list pages, "
                  f"{size['edited']} edited in the 5 % round)", "", *_cycle_table(size), "",
                  "| target | measured | verdict |", "|---|---|---|"]
        for label, check in TARGETS:
            text, ok = check(size, results)
            lines.append(f"| {label} | {text} | {_verdict(ok)} |")
        lines.append("")
    lines += _part_lines(results.get("parts", {}))
    if NOTES.exists():
        lines += ["", NOTES.read_text(encoding="utf-8").strip()]
    return "\n".join(lines) + "\n"
