"""One planwatch phase in this (child) process: a crawl of the bench sources, or the analysis.

``python -m bench.cycles crawl DATA_DIR SOURCES_JSON`` crawls the bench site's three
sources (a JSON list the harness writes with :func:`write_sources`, so the measured
process imports neither the bench site nor anything ``planwatch crawl`` would not) with
``crawler.run.crawl_sources`` exactly as ``planwatch crawl`` does (an empty store gets
Scrapy; a known one the lean revalidation pass, Scrapy only for what is new). The
schema is migrated only when the store is not at the head revision yet, as a user runs
``planwatch db upgrade`` once;
``python -m bench.cycles analyse DATA_DIR [LIMIT]`` runs ``analyse_pending`` (outline,
targets, series, reposts, changes) over what the crawls stored, oldest plan years first,
at most LIMIT versions (0: all). Analysis is never
inside the measured crawl: the harness runs and reports it as its own phase.

Settings: defaults except AutoThrottle off and 16 requests per domain (the same
concurrency the bare Scrapy baseline gets). The last stdout line is JSON: wall and CPU
seconds of the work alone (after imports), the run's counters, and what the store and
the WARC files grew by (see :func:`store_sizes`).
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["BENCH_ENV", "bench_config", "main", "store_sizes", "write_sources"]

BENCH_ENV = {
    "PLANWATCH_CRAWL_AUTOTHROTTLE": "false",
    "PLANWATCH_CRAWL_CONCURRENCY": "16",
    "PLANWATCH_CRAWL_PER_DOMAIN_CONCURRENCY": "16",
    "PLANWATCH_CRAWL_CONCURRENT_ITEMS": "16",
    "PLANWATCH_LOG_LEVEL": "WARNING",
}
_COUNTED_TABLES = ("document", "version", "crawlrun", "target", "change", "blob", "listingpage")


def bench_config(data_dir: str) -> Any:
    from store.settings import load_config

    return load_config(env={**BENCH_ENV, "PLANWATCH_DATA_DIR": data_dir})


def _file_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def store_sizes(data_dir: Path, *, checkpoint: bool) -> dict[str, int]:
    """Bytes on disk: the SQLite file, its WAL, the WARC files, and row counts.

    With ``checkpoint`` the WAL is first folded into the main file and truncated
    (``PRAGMA wal_checkpoint(TRUNCATE)``), so ``db`` is what the store really holds.
    """
    database = data_dir / "planwatch.db"
    rows: dict[str, int] = {}
    if database.exists():
        with sqlite3.connect(database) as connection:
            if checkpoint:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            for table in _COUNTED_TABLES:
                try:
                    rows[table] = int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
                except sqlite3.OperationalError:
                    rows[table] = 0
        connection.close()
    warc = sum(_file_size(path) for path in (data_dir / "warc").glob("*.warc.gz"))
    return {"db": _file_size(database), "wal": _file_size(data_dir / "planwatch.db-wal"), "warc": warc,
            **{f"rows_{name}": count for name, count in rows.items()}}


def _growth(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {key: after.get(key, 0) - before.get(key, 0) for key in after}


def write_sources(path: Path, base_url: str, pages: int) -> Path:
    """The bench site's sources for ``crawl``, as JSON at ``path``."""
    from crawler.fixture_site.benchsite import BenchSite, bench_sources

    sources = [source.model_dump(mode="json") for source in bench_sources(base_url, BenchSite(pages))]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sources, ensure_ascii=False), encoding="utf-8")
    return path


def _ready_store(url: str) -> None:
    from store.engine import make_engine
    from store.errors import SchemaOutdated
    from store.migrate import require_current

    engine = make_engine(url)
    try:
        require_current(engine)
    except SchemaOutdated:
        from store.migrate import upgrade

        upgrade(engine)
    engine.dispose()


def _crawl(data_dir: Path, sources_json: Path) -> dict[str, Any]:
    from crawler.run import crawl_sources
    from store.sources_config import SourceConfig

    config = bench_config(str(data_dir))
    config.ensure_data_dir()
    _ready_store(config.database_url)
    sources = [SourceConfig.model_validate(raw) for raw in json.loads(sources_json.read_text(encoding="utf-8"))]
    before = store_sizes(data_dir, checkpoint=True)
    wall, cpu = time.perf_counter(), time.process_time()
    summaries = crawl_sources(config, sources, trigger="bench")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    raw = store_sizes(data_dir, checkpoint=False)
    settled = store_sizes(data_dir, checkpoint=True)
    counts: dict[str, int] = {}
    for summary in summaries:
        for key, value in summary.counts.items():
            if isinstance(value, int):
                counts[key] = counts.get(key, 0) + value
    return {"wall_s": wall, "cpu_s": cpu, "modes": [s.mode for s in summaries],
            "statuses": [s.status.value for s in summaries], "counts": counts,
            "added_raw": _growth(before, raw), "added": _growth(before, settled), "sizes": settled}


def _analyse(data_dir: Path, limit: int) -> dict[str, Any]:
    from monitor.analysis.pipeline import analyse_pending
    from store.engine import make_engine

    config = bench_config(str(data_dir))
    engine = make_engine(config.database_url)
    before = store_sizes(data_dir, checkpoint=True)
    wall, cpu = time.perf_counter(), time.process_time()
    summary = analyse_pending(engine, limit=limit or None)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    engine.dispose()
    settled = store_sizes(data_dir, checkpoint=True)
    with sqlite3.connect(data_dir / "planwatch.db") as connection:
        left = int(connection.execute("SELECT count(*) FROM version WHERE analysed_at IS NULL").fetchone()[0])
    connection.close()
    return {"wall_s": wall, "cpu_s": cpu, "analysed": summary.analysed, "failed": summary.failed, "left_pending": left,
            "changes": dict(summary.changes), "added": _growth(before, settled), "sizes": settled}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["crawl"] and len(args) == 3:
        result = _crawl(Path(args[1]), Path(args[2]))
    elif args[:1] == ["analyse"] and len(args) in (2, 3):
        result = _analyse(Path(args[1]), int(args[2]) if len(args) == 3 else 0)
    else:
        raise SystemExit("usage: python -m bench.cycles crawl DATA_DIR SOURCES_JSON | analyse DATA_DIR [LIMIT]")
    from bench.measure import peak_rss_mb

    print(json.dumps({**result, "peak_rss_mb": peak_rss_mb()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
