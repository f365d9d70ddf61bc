"""``python -m bench``: every measurement in one go, written to bench/RESULTS.md.

For each size (plan pages; list pages are one per 20) a fresh bench site is started in
its own process (:mod:`bench.sitectl`) and these phases run, each in a fresh child
process (:mod:`bench.measure`):

1. bare Scrapy, standard (Twisted asyncio reactor) and reactorless, first crawl;
2. planwatch first crawl into an empty store, then its analysis as a separate phase;
3. planwatch re-crawl with nothing changed, and its (empty) analysis;
4. urlwatch first run and unchanged re-run over the same plan-page URLs;
5. the site edits 5 % of the plans (one target value each); planwatch re-crawl and
   analysis; urlwatch re-run.

Then the parts: extraction (outline + targets on ~30 KB texts), the differ (pairs),
the digest (1,000 stored changes of the first size's store), and the archive
(latency at ``--archive-versions`` versions on SQLite and on a PostgreSQL bench
database that is created and dropped). ``--quick`` shrinks the parts for CI.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.measure import REPO, WORK, Measured, load_average, machine_facts, run_measured

__all__ = ["main", "merge_rerun", "run_all"]

EDIT_FRACTION = 0.05
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _python(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]


def _phase(results: dict[str, Any], measured: Measured) -> Measured:
    results[measured.label] = measured.as_dict()
    ok = "ok" if measured.returncode == 0 else f"exit {measured.returncode}"
    print(f"  {measured.label:<28} {measured.wall_s:7.2f} s wall {measured.cpu_s:7.2f} s CPU "
          f"{measured.rss_mb:6.0f} MB  {ok}", file=sys.stderr, flush=True)
    if measured.returncode != 0:
        print(measured.stderr_tail, file=sys.stderr)
    return measured


def _cycle_size(pages: int, urlwatch: Path | None, quick: bool, work: Path, analysis_limit: int) -> dict[str, Any]:
    from bench.baselines.urlwatch_run import prepare, run_urlwatch
    from bench.cycles import write_sources
    from bench.sitectl import SiteProcess
    from crawler.fixture_site.benchsite import BenchSite, bench_sources

    phases: dict[str, Any] = {}
    data_dir = work / f"cycle-{pages}"
    shutil.rmtree(data_dir, ignore_errors=True)
    shape = BenchSite(pages)
    with SiteProcess(pages) as site:
        starts = [source.start_urls[0] for source in bench_sources(site.base_url, shape)]
        sources = write_sources(work / f"sources-{pages}.json", site.base_url, pages)
        crawl = _python("bench.cycles", "crawl", str(data_dir), str(sources))
        analyse = _python("bench.cycles", "analyse", str(data_dir), str(analysis_limit))
        for mode in ("reactor",) if quick else ("reactor", "reactorless"):
            _phase(phases, run_measured(f"bare-scrapy-{mode}", _python("bench.baselines.bare_scrapy", mode, *starts)))
        _phase(phases, run_measured("planwatch-first", crawl))
        _phase(phases, run_measured("planwatch-first-analysis", analyse))
        _phase(phases, run_measured("planwatch-unchanged", crawl))
        if not quick:
            _phase(phases, run_measured("planwatch-unchanged-analysis", analyse))
        folder = prepare(site.base_url, shape.plan_paths(), pages, work) if urlwatch else None
        if urlwatch and folder:
            _phase(phases, run_urlwatch("urlwatch-first", urlwatch, folder))
            _phase(phases, run_urlwatch("urlwatch-unchanged", urlwatch, folder))
        edited = site.edit(EDIT_FRACTION, 1)
        _phase(phases, run_measured("planwatch-edited", crawl))
        _phase(phases, run_measured("planwatch-edited-analysis", analyse))
        if urlwatch and folder and not quick:
            _phase(phases, run_urlwatch("urlwatch-edited", urlwatch, folder))
        served = site.bytes_held
    return {"pages": pages, "list_pages": shape.list_pages, "edited": edited, "site_bytes": served,
            "data_dir": str(data_dir), "phases": phases}


def _archive(results: dict[str, Any], versions: int, requests: int, pg_url: str | None, work: Path) -> None:
    folder = work / "archive-sqlite"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    url = f"sqlite:///{folder / 'planwatch.db'}"
    _phase(results, run_measured("archive-sqlite", _python("bench.archive", url, str(versions), str(requests), str(folder))))
    if not pg_url:
        return
    from bench.pgdb import bench_database

    try:
        with bench_database(pg_url) as bench_url:
            _phase(results, run_measured("archive-postgresql",
                                         _python("bench.archive", bench_url, str(versions), str(requests), str(folder))))
    except Exception as exc:  # an unreachable server is reported, not fatal
        results["archive-postgresql"] = {"skipped": f"{type(exc).__name__}: {exc}"}


def _commit() -> str:
    import subprocess

    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def run_all(args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement; returns the results the report is written from."""
    from bench.baselines.urlwatch_run import ensure_urlwatch

    started = datetime.now(UTC)
    urlwatch, why = (None, "skipped (--skip-urlwatch)") if args.skip_urlwatch else ensure_urlwatch()
    pg_url = None if args.skip_postgres else (os.environ.get("PLANWATCH_TEST_DATABASE_URL") or DEFAULT_PG)
    results: dict[str, Any] = {"started": started.isoformat(timespec="seconds"), "quick": args.quick, "commit": _commit(),
                               "command": args.command, "machine": machine_facts(pg_url), "urlwatch": why or "2.29",
                               "load_start": load_average(), "analysis_limit": args.analysis_limit,
                               "sizes": {}, "parts": {}}
    for pages in args.sizes:
        print(f"== {pages} plan pages", file=sys.stderr, flush=True)
        results["sizes"][str(pages)] = _cycle_size(pages, urlwatch, args.quick, args.work, args.analysis_limit)
    if args.cycles_only:
        results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        results["load_end"] = load_average()
        return results
    print("== parts", file=sys.stderr, flush=True)
    parts = results["parts"]
    documents = 20 if args.quick else 200
    first = results["sizes"][str(args.sizes[0])]
    _phase(parts, run_measured("parts", _python("bench.components", "parts", first["data_dir"], str(documents), "1000")))
    _archive(parts, args.archive_versions, 10 if args.quick else 60, pg_url, args.work)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["load_end"] = load_average()
    return results


def merge_rerun(earlier: dict[str, Any], rerun: dict[str, Any]) -> dict[str, Any]:
    """``earlier`` with the sizes ``rerun`` measured replaced, and the re-run noted in ``reruns``."""
    merged = {**earlier, "sizes": {**earlier["sizes"], **rerun["sizes"]}}
    note = {key: rerun.get(key) for key in ("command", "started", "finished", "load_start", "load_end", "commit")}
    merged["reruns"] = [*earlier.get("reruns", []), {**note, "sizes": sorted(rerun["sizes"], key=int)}]
    return merged


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,5000", help="plan pages per run, comma-separated (default 1000,5000)")
    parser.add_argument("--quick", action="store_true", help="small part benchmarks (CI keeps the harness working)")
    parser.add_argument("--archive-versions", type=int, default=None, help="versions in the archive store (default 100000; 2000 with --quick)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS.md", help="where the report goes")
    parser.add_argument("--skip-urlwatch", action="store_true", help="leave urlwatch out")
    parser.add_argument("--skip-postgres", action="store_true", help="archive on SQLite only")
    parser.add_argument("--work", type=Path, default=WORK, help="scratch folder for stores, WARCs, urlwatch caches (default bench/work)")
    parser.add_argument("--analysis-limit", type=int, default=1000,
                        help="analyse at most this many versions per analysis phase (0: all; default 1000, see NOTES.md)")
    parser.add_argument("--cycles-only", action="store_true",
                        help="measure the crawl cycles of --sizes only (no parts, no archive)")
    parser.add_argument("--merge-into", type=Path, default=None, metavar="JSON",
                        help="put the sizes measured into this earlier results file (its other figures kept, the "
                             "re-run listed at the top of the report) and write the report from it")
    parser.add_argument("--render", type=Path, default=None, metavar="JSON",
                        help="measure nothing: write the report again from a results file (bench/work/last-results.json)")
    return parser


def main(argv: list[str] | None = None) -> None:
    from bench.report import render_report

    raw = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(raw)
    if args.render is not None:
        results = json.loads(args.render.read_text(encoding="utf-8"))
        args.out.write_text(render_report(results), encoding="utf-8")
        print(f"wrote {args.out} from {args.render}", file=sys.stderr)
        return
    args.sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    if args.archive_versions is None:
        args.archive_versions = 2000 if args.quick else 100_000
    args.command = shlex.join(["bash", "bench/run.sh", *raw])
    results = run_all(args)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.merge_into is not None:
        (args.work / "rerun-results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        results = merge_rerun(json.loads(args.merge_into.read_text(encoding="utf-8")), results)
        args.merge_into.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_report(results), encoding="utf-8")
    args.work.mkdir(parents=True, exist_ok=True)
    (args.work / "last-results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.out == REPO / "bench" / "RESULTS.md":  # the committed report keeps its measurements beside it
        (REPO / "bench" / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
