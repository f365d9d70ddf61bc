"""Analysis cost per version against the size of the store it analyses into.

``python -m bench.analysis_scaling [--stored 200,1000,3000] [--analysed 100] [--profile]``

For each store size S: a fresh store receives the bench site's first S plan pages
(:mod:`crawler.fixture_site.benchsite`, read as the crawler reads them and stored in
batches of 32 as its store pipeline stores them, no crawl) and ``analyse_pending``
analyses them (the *preparation*: a first crawl's backlog). Then the same ``--analysed``
plans (the pages after the largest S, so every size analyses identical texts) are
stored and analysed: that run is the measurement, CPU milliseconds per analysed version
in this process (SQLite runs in-process, so its work counts; on PostgreSQL,
``--database-url``, the server's CPU is not counted and wall time is shown beside it).

``--profile`` analyses the largest size's versions a second time from a copy of the
store taken before the measurement, under pyinstrument sampling this process's CPU time
(not wall time, which other work on a shared machine inflates), and writes the profile as text
and HTML next to the results (``bench/work/analysis-scaling/``). The last stdout line is
the JSON of every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from bench.measure import WORK, load_average

__all__ = ["main", "measure_size", "stored_items"]

STORE_BATCH = 32  # crawler.pipelines.StorePipeline's default batch
BASE_URL = "http://127.0.0.1:1"


def stored_items(numbers: Sequence[int], total: int) -> list[tuple[str, Any]]:
    """(source id, DocumentItem) of the bench site's plans ``numbers``, as the crawler stores them."""
    from crawler.fixture_site.benchsite import COLUMNS, PER_PAGE, BenchSite, bench_sources
    from crawler.items import DocumentItem, RawCapture
    from crawler.reading import fetched_page, read_page

    site = BenchSite(total)
    sources = {source.id: source for source in bench_sources(BASE_URL, site)}
    paths = site.plan_paths()
    items = []
    for number in numbers:
        source = sources[f"bench-{COLUMNS[(number // PER_PAGE) % len(COLUMNS)].slug}"]
        resource = site.get(paths[number])
        assert resource is not None
        headers = [("Content-Type", resource.content_type), ("ETag", resource.etag),
                   ("Last-Modified", resource.last_modified)]
        raw = RawCapture(BASE_URL + paths[number], 200, headers, resource.body)
        items.append((source.id, DocumentItem(page=fetched_page(source, read_page(source, raw), raw, []))))
    return items


def _store(engine: Any, items: list[tuple[str, Any]]) -> None:
    from crawler.storing import DocumentStore

    by_source: dict[str, list[Any]] = {}
    for source_id, item in items:
        by_source.setdefault(source_id, []).append(item)
    for source_id, batch in by_source.items():
        store = DocumentStore(engine, source_id)
        for start in range(0, len(batch), STORE_BATCH):
            failed = [r for r in store.save_batch(batch[start : start + STORE_BATCH]) if isinstance(r, Exception)]
            if failed:
                raise failed[0]


def _analyse(engine: Any, wrap: Callable[[], Any] = nullcontext) -> dict[str, Any]:
    from monitor.analysis.pipeline import analyse_pending

    with wrap():
        wall, cpu = time.perf_counter(), time.process_time()
        summary = analyse_pending(engine)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    done = max(1, summary.analysed)
    return {"analysed": summary.analysed, "failed": summary.failed, "cpu_s": round(cpu, 3), "wall_s": round(wall, 3),
            "cpu_ms_per_version": round(1000 * cpu / done, 1), "wall_ms_per_version": round(1000 * wall / done, 1),
            "changes": dict(sorted(summary.changes.items()))}


@contextmanager
def _database(folder: Path, admin_url: str | None) -> Iterator[str]:
    if admin_url is None:
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob("planwatch.db*"):
            leftover.unlink()
        yield f"sqlite:///{folder}/planwatch.db"
        return
    from bench.pgdb import bench_database

    with bench_database(admin_url) as url:
        yield url


def _checkpoint(folder: Path) -> Path:
    """Fold the WAL into the SQLite file and copy it aside (the profile starts from the copy)."""
    database = folder / "planwatch.db"
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    copy = folder / "before-analysis.db"
    shutil.copyfile(database, copy)
    return copy


def _profile(folder: Path, copy: Path, out: Path) -> dict[str, Any]:
    from pyinstrument import Profiler
    from pyinstrument.stack_sampler import get_stack_sampler

    from store.engine import make_engine

    for leftover in folder.glob("planwatch.db-*"):
        leftover.unlink()
    shutil.copyfile(copy, folder / "planwatch.db")
    engine = make_engine(f"sqlite:///{folder}/planwatch.db")
    get_stack_sampler().timer_func = time.process_time  # sample CPU time: the machine is shared
    profiler = Profiler(interval=0.002)
    figures = _analyse(engine, lambda: profiler)
    engine.dispose()
    out.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
    out.with_suffix(".html").write_text(profiler.output_html(), encoding="utf-8")
    return {**figures, "text": str(out.with_suffix(".txt")), "html": str(out.with_suffix(".html"))}


def measure_size(stored: int, analysed: list[tuple[str, Any]], base: list[tuple[str, Any]], *,
                 work: Path, admin_url: str | None, profile: Path | None, total: int) -> dict[str, Any]:
    """Store ``stored`` plans and analyse them, then store and analyse ``analysed``: figures of both."""
    from crawler.fixture_site.benchsite import BenchSite, bench_sources
    from crawler.storing import sync_sources
    from store.engine import make_engine
    from store.migrate import upgrade

    folder = work / f"stored-{stored}"
    with _database(folder, admin_url) as url:
        engine = make_engine(url)
        upgrade(engine)
        sync_sources(engine, bench_sources(BASE_URL, BenchSite(total)))
        _store(engine, base[:stored])
        load = load_average()
        prepare = _analyse(engine)
        _store(engine, analysed)
        engine.dispose()
        copy = _checkpoint(folder) if profile is not None and admin_url is None else None
        engine = make_engine(url)
        measured = _analyse(engine)
        engine.dispose()
        result = {"stored": stored, "load_1min": [load, load_average()], "prepare": prepare, "measured": measured}
        if copy is not None and profile is not None:
            result["profile"] = _profile(folder, copy, profile)
    return result


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.analysis_scaling", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stored", default="200,1000,3000", help="plans stored (and analysed) first, comma-separated")
    parser.add_argument("--analysed", type=int, default=100, help="plans then stored and measured (default 100)")
    parser.add_argument("--profile", action="store_true", help="pyinstrument profile of the largest size (SQLite)")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL server URL: one throw-away database per size instead of SQLite")
    parser.add_argument("--work", type=Path, default=WORK / "analysis-scaling", help="scratch folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    args = _arguments(argv)
    sizes = sorted(int(size) for size in args.stored.split(","))
    total = sizes[-1] + args.analysed
    started = time.process_time()
    base = stored_items(range(sizes[-1]), total)
    analysed = stored_items(range(sizes[-1], total), total)
    read_s = time.process_time() - started
    rows = []
    for stored in sizes:
        profile = args.work / f"profile-{stored}" if args.profile and stored == sizes[-1] else None
        rows.append(measure_size(stored, analysed, base, work=args.work, admin_url=args.database_url, profile=profile,
                                 total=total))
        measured = rows[-1]["measured"]
        print(f"stored {stored:>5}: {measured['cpu_ms_per_version']:>6} ms CPU / version "
              f"({measured['wall_ms_per_version']} ms wall; preparing: {rows[-1]['prepare']['cpu_ms_per_version']} ms)",
              file=sys.stderr, flush=True)
    per_version = [row["measured"]["cpu_ms_per_version"] for row in rows]
    summary = {"analysed": args.analysed, "backend": "postgresql" if args.database_url else "sqlite",
               "pages_read_cpu_s": round(read_s, 1), "pid": os.getpid(), "sizes": rows,
               "cpu_ms_per_version": dict(zip(map(str, sizes), per_version, strict=True)),
               "spread": round(max(per_version) / max(0.1, statistics.mean(per_version)), 2)}
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
