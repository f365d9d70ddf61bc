"""Throughput of the analysis parts and the digest, in this (child) process.

``python -m bench.components extraction COUNT``  outline + targets on ~30 KB plan texts
``python -m bench.components differ COUNT``      text diff (+ target matching) of edited pairs
``python -m bench.components digest DATA_DIR N`` plan and render a digest of N stored changes
``python -m bench.components budget COUNT``      CPU per plan page of each step a crawl adds
``python -m bench.components parts DATA_DIR DOCS N`` all four in one process (what the harness runs)

Texts come from the bench site (:mod:`crawler.fixture_site.benchsite`) read exactly as the
crawler reads a page (``crawler.reading.read_page``), so they are what the store holds.
Each prints one JSON line with the figures.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["bench_texts", "crawl_budget", "differ", "digest", "extraction", "main", "parts"]

STORE_BATCH = 32  # crawler.pipelines.StorePipeline's default batch
TEXT_PAGE_BYTES = (33_000, 35_000)  # HTML around a ~30 KB (UTF-8) plan text


def bench_texts(count: int, *, edited_round: int = 0) -> list[str]:
    """``count`` plan texts of ~30 KB as the crawler stores them (optionally edited)."""
    from crawler.fixture_site.benchsite import BenchSite, bench_sources
    from crawler.items import RawCapture
    from crawler.reading import read_page

    site = BenchSite(count, page_bytes=TEXT_PAGE_BYTES)
    if edited_round:
        site.edit(1.0, edited_round)
    source = bench_sources("http://127.0.0.1:1", site)[0]
    texts = []
    for path in site.plan_paths():
        resource = site.get(path)
        assert resource is not None
        raw = RawCapture("http://127.0.0.1:1" + path, 200, [("Content-Type", resource.content_type)], resource.body)
        texts.append(read_page(source, raw).fields.text)
    return texts


def _timed(work: Any, items: list[Any]) -> tuple[float, float, list[float]]:
    """(wall, cpu, per-item seconds) of ``work`` over ``items``."""
    each = []
    wall, cpu = time.perf_counter(), time.process_time()
    for item in items:
        started = time.perf_counter()
        work(item)
        each.append(time.perf_counter() - started)
    return time.perf_counter() - wall, time.process_time() - cpu, each


def extraction(count: int) -> dict[str, Any]:
    """Documents per second for build_outline + extract_targets (what the pipeline runs)."""
    from monitor.analysis.outline import build_outline
    from monitor.analysis.targets import extract_targets

    texts = bench_texts(count)
    found: list[int] = []

    def work(text: str) -> None:
        outline = build_outline(text)
        found.append(len(extract_targets(text, outline=outline)))

    work(texts[0])  # imports and compiled tables out of the timing
    found.clear()
    wall, cpu, each = _timed(work, texts)
    sizes = [len(text.encode("utf-8")) for text in texts]
    return {"documents": count, "mean_bytes": round(statistics.mean(sizes)), "wall_s": wall, "cpu_s": cpu,
            "docs_per_s": count / wall, "docs_per_cpu_s": count / cpu, "median_ms": 1000 * statistics.median(each),
            "targets_per_doc": statistics.mean(found)}


def differ(count: int) -> dict[str, Any]:
    """Pairs per second: diff_texts alone, and diff + match_targets of the pair's targets."""
    from monitor.analysis.matching import match_targets
    from monitor.analysis.targets import extract_targets
    from monitor.analysis.textdiff import diff_texts

    old, new = bench_texts(count), bench_texts(count, edited_round=1)
    pairs = list(zip(old, new, strict=True))
    targets = [(extract_targets(a), extract_targets(b)) for a, b in pairs]
    hunks: list[int] = []
    diff_wall, diff_cpu, _ = _timed(lambda pair: hunks.append(len(diff_texts(*pair).hunks)), pairs)
    moved: list[int] = []

    def match(pair: tuple[Any, Any]) -> None:
        moved.append(sum(1 for change in match_targets(*pair) if change.change != "unchanged"))

    match_wall, match_cpu, _ = _timed(match, targets)
    return {"pairs": count, "diff_wall_s": diff_wall, "diff_cpu_s": diff_cpu, "diff_pairs_per_s": count / diff_wall,
            "match_wall_s": match_wall, "match_cpu_s": match_cpu,
            "pairs_per_s": count / (diff_wall + match_wall), "hunks_per_pair": statistics.mean(hunks),
            "moved_targets_per_pair": statistics.mean(moved)}


def digest(data_dir: str, wanted: int) -> dict[str, Any]:
    """Seconds to plan (read) and render (HTML + text) one digest of ``wanted`` stored changes."""
    from sqlmodel import Session

    from bench.cycles import bench_config
    from reports.digest import Recipient, digest_view, plan_digest
    from reports.digest_view import render_html, render_text
    from store.engine import make_engine

    config = bench_config(data_dir)
    config.values["digest.max_items_per_section"] = wanted
    engine = make_engine(config.database_url, readonly=True)
    now = datetime.now(UTC)
    with Session(engine) as session:
        started = time.perf_counter()
        plan = plan_digest(session, config, Recipient("bench@example.org"), now=now, since=datetime(2000, 1, 1, tzinfo=UTC))
        planned = time.perf_counter() - started
        plan = type(plan)(plan.recipient, plan.items[:wanted], plan.last_change_id, plan.previous_mark, plan.since)
        started, cpu = time.perf_counter(), time.process_time()
        view = digest_view(config, plan, now=now)
        html, text = render_html(view), render_text(view)
        rendered, render_cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return {"changes": len(plan.items), "plan_s": planned, "render_s": rendered, "render_cpu_s": render_cpu,
            "html_bytes": len(html.encode("utf-8")), "text_bytes": len(text.encode("utf-8")),
            "shown": sum(len(section.entries) for section in view.sections)}


def _pages(count: int) -> tuple[Any, list[Any]]:
    from crawler.fixture_site.benchsite import BenchSite, bench_sources
    from crawler.items import RawCapture

    site = BenchSite(count)
    source = bench_sources("http://127.0.0.1:1", site)[0]
    raws = []
    for path in site.plan_paths():
        resource = site.get(path)
        assert resource is not None
        headers = [("Content-Type", resource.content_type), ("ETag", resource.etag), ("Last-Modified", resource.last_modified)]
        raws.append(RawCapture("http://127.0.0.1:1" + path, 200, headers, resource.body))
    return source, raws


def crawl_budget(count: int) -> dict[str, Any]:
    """CPU milliseconds per plan page of each step planwatch adds to fetching (first crawl).

    The bench site's own 15-40 KB pages, outside Scrapy: parse + read fields and body
    (``read_page``), the store's content hash, the WARC record, and the store write into
    a fresh SQLite store in batches of 32 (``DocumentStore.save_batch``, as the crawler's
    store pipeline writes).
    """
    import tempfile

    from crawler.items import DocumentItem
    from crawler.pipelines import capture
    from crawler.reading import fetched_page, read_page
    from crawler.storing import DocumentStore, sync_sources
    from store.engine import make_engine
    from store.migrate import upgrade
    from store.normalise import content_hash
    from store.warc import WarcWriter

    source, raws = _pages(count)
    out: dict[str, Any] = {"pages": count, "mean_bytes": round(statistics.mean(len(raw.body) for raw in raws))}
    cpu = time.process_time()
    reads = [read_page(source, raw) for raw in raws]
    out["read_page_ms"] = 1000 * (time.process_time() - cpu) / count
    cpu = time.process_time()
    for read in reads:
        content_hash(read.fields.text)
    out["content_hash_ms"] = 1000 * (time.process_time() - cpu) / count
    with tempfile.TemporaryDirectory() as folder:
        with WarcWriter(Path(folder)) as writer:
            cpu = time.process_time()
            refs = [capture(writer, raw) for raw in raws]
            out["warc_ms"] = 1000 * (time.process_time() - cpu) / count
        engine = make_engine(f"sqlite:///{folder}/planwatch.db")
        upgrade(engine)
        sync_sources(engine, [source])
        items = [DocumentItem(page=fetched_page(source, read, raw, [])) for read, raw in zip(reads, raws, strict=True)]
        for item, ref in zip(items, refs, strict=True):
            item.page.warc = ref
        store = DocumentStore(engine, source.id)
        cpu = time.process_time()
        for start in range(0, count, STORE_BATCH):
            store.save_batch(items[start : start + STORE_BATCH])
        out["store_ms"] = 1000 * (time.process_time() - cpu) / count
        engine.dispose()
    return out


def parts(data_dir: str, documents: int, changes: int) -> dict[str, Any]:
    """Extraction, differ, digest and the crawl budget in one process (one interpreter start)."""
    return {"extraction": extraction(documents), "differ": differ(max(1, documents // 2)),
            "digest": digest(data_dir, changes), "crawl_budget": crawl_budget(documents)}


def main(argv: list[str] | None = None) -> None:
    from bench.measure import peak_rss_mb

    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["parts"] and len(args) == 4:
        result = parts(args[1], int(args[2]), int(args[3]))
    elif args[:1] == ["budget"] and len(args) == 2:
        result = crawl_budget(int(args[1]))
    elif args[:1] == ["extraction"] and len(args) == 2:
        result = extraction(int(args[1]))
    elif args[:1] == ["differ"] and len(args) == 2:
        result = differ(int(args[1]))
    elif args[:1] == ["digest"] and len(args) == 3:
        result = digest(str(Path(args[1])), int(args[2]))
    else:
        raise SystemExit("usage: python -m bench.components parts DATA_DIR DOCS CHANGES | extraction N | differ N | digest DATA_DIR N")
    print(json.dumps({**result, "peak_rss_mb": peak_rss_mb()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
