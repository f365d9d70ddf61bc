"""Archive latency at scale: a store of N versions written by bulk inserts, then HTTP timings.

``python -m bench.archive URL VERSIONS REQUESTS`` (URL: ``sqlite:///…`` or
``postgresql+psycopg://…``; the harness creates and drops a bench database on
PostgreSQL) migrates an empty store, fills it with SQLAlchemy Core ``executemany``
inserts (no ORM, no analysis): 20 sources, one series per 10 documents, 5 versions per
document, a ~1.5 KB text per version drawn from the bench site's sentence tables
(distinct numbers in each), 6 targets per version, one change per document, and the
full-text index rows (``store.search``'s own backend insert). Then it times the
archive app **in-process** (FastAPI's ASGI app through ``httpx.ASGITransport``: the
full request path, routing, session, queries, templates; no socket) for the document
list (newest first, a deep page, a filtered list), full-text search (a 4-character
and a 2-character term, the latter the LIKE fallback) and series pages. Prints JSON:
median / p95 milliseconds per kind and the seconds the bulk load took.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import time
import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

__all__ = ["fill", "main", "measure"]

VERSIONS_PER_DOCUMENT = 5
DOCUMENTS_PER_SERIES = 10
TARGETS_PER_VERSION = 6
_CHUNK = 5000
_REGIONS = ("贵州省/贵阳市", "贵州省/遵义市", "四川省/遂宁市", "山西省/晋中市", "内蒙古/包头市", "云南省/曲靖市",
            "甘肃省/天水市", "黑龙江省/齐齐哈尔市", "湖南省/长沙市", "贵州省/六盘水市")
_KINDS = ("工作要点", "实施方案", "工作计划", "工作总结")


def _text(rng: random.Random, title: str, number: int) -> tuple[str, list[tuple[str, float, str]]]:
    """A ~1.5 KB plan text and the targets it states (indicator, value, sentence)."""
    from crawler.fixture_site.benchsite import TARGET_SENTENCES, TASK_SENTENCES

    lines, targets = [title, "一、主要目标"], []
    for _ in range(TARGETS_PER_VERSION):
        phrase, low, high, decimals = rng.choice(TARGET_SENTENCES)
        value = round(rng.uniform(low, high), decimals)
        sentence = phrase.replace("{v}", f"{value:g}") + "。"
        lines.append(sentence)
        targets.append((phrase.split("{v}")[0], value, sentence))
    lines.append("二、重点任务")
    lines += [rng.choice(TASK_SENTENCES).replace("{county}", "全市") + f"（第{number}项）。" for _ in range(8)]
    return "\n".join(lines), targets


def _insert(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    from sqlalchemy import insert

    for start in range(0, len(rows), _CHUNK):
        connection.execute(insert(table), rows[start : start + _CHUNK])


def _documents(count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    now = datetime.now(UTC)
    sources = [{"id": f"src-{n}", "name": f"来源{n}", "agency": f"机构{n}", "region": _REGIONS[n % len(_REGIONS)],
                "enabled": True, "created_at": now, "updated_at": now} for n in range(20)]
    series, documents = [], []
    for n in range(count):
        region = _REGIONS[n % len(_REGIONS)]
        kind = _KINDS[(n // len(_REGIONS)) % len(_KINDS)]
        series_id = n // DOCUMENTS_PER_SERIES + 1
        if n % DOCUMENTS_PER_SERIES == 0:
            series.append({"id": series_id, "key": f"{region}|机构{series_id}|{kind}", "title": f"机构{series_id}{kind}",
                           "region": region, "agency": f"机构{series_id}", "doc_type": kind})
        year = 2016 + n % DOCUMENTS_PER_SERIES
        documents.append({"id": n + 1, "url": f"http://127.0.0.1:1/doc/{n}.html", "source_id": f"src-{n % 20}",
                          "title": f"{region.split('/')[-1]}机构{series_id}{year}年{kind}", "agency": f"机构{series_id}",
                          "region": region, "plan_year": year, "doc_type": kind, "published_on": date(year, 3, 1),
                          "first_seen": now, "last_seen": now, "last_status": 200, "series_id": series_id})
    return sources, series, documents


def fill(url: str, versions: int, seed: int = 1) -> dict[str, Any]:
    """Migrate an empty store at ``url`` and bulk-load ``versions`` versions; returns counts and seconds."""
    from store.engine import make_engine
    from store.migrate import upgrade
    from store.models import Blob, Change, Document, Series, Source, Target, Version
    from store.search import backend_for

    started = time.perf_counter()
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(seed)
    sources, series, documents = _documents(max(1, versions // VERSIONS_PER_DOCUMENT))
    with engine.begin() as connection:
        for table, rows in ((Source, sources), (Series, series), (Document, documents)):
            _insert(connection, table.__table__, rows)  # type: ignore[attr-defined]
        backend = backend_for(connection)
        backend.create(connection)
        for start in range(0, versions, _CHUNK):
            _version_chunk(connection, backend, rng, documents, range(start, min(versions, start + _CHUNK)),
                           (Blob, Version, Target))
        changes = [{"kind": "new-document", "created_at": datetime.now(UTC), "source_id": d["source_id"],
                    "document_id": d["id"], "series_id": d["series_id"], "plan_year": d["plan_year"],
                    "summary": f"新文件：{d['title']}", "detail": {}, "dedup_key": f"bench:{d['id']}"} for d in documents]
        _insert(connection, Change.__table__, changes)  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {"versions": versions, "documents": len(documents), "series": len(series),
            "targets": versions * TARGETS_PER_VERSION, "fill_s": time.perf_counter() - started}


def _version_chunk(connection: Any, backend: Any, rng: random.Random, documents: list[dict[str, Any]],
                   numbers: range, tables: tuple[Any, Any, Any]) -> None:
    from store.normalise import content_hash, text_hash

    blob, version, target = tables
    blobs, versions, targets, indexed = [], [], [], []
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for number in numbers:
        document = documents[number // VERSIONS_PER_DOCUMENT]
        text, found = _text(rng, document["title"], number)
        key = text_hash(text)
        blobs.append({"hash": key, "data": zlib.compress(text.encode("utf-8"), 6), "size": len(text)})
        versions.append({"id": number + 1, "document_id": document["id"], "fetched_at": base + timedelta(minutes=number),
                         "http_status": 200, "content_hash": content_hash(text), "text_hash": key,
                         "title": document["title"], "published_on": document["published_on"],
                         "analysed_at": base + timedelta(minutes=number)})
        targets += [{"version_id": number + 1, "document_id": document["id"], "position": position,
                     "indicator": name, "indicator_norm": name, "value": value, "unit": "", "cmp": ">=",
                     "deadline": document["plan_year"], "kind": "target", "sentence": sentence, "section": "一、主要目标"}
                    for position, (name, value, sentence) in enumerate(found)]
        indexed.append({"version_id": number + 1, "document_id": document["id"], "body": f"{document['title']}\n{text}"})
    _insert(connection, blob.__table__, blobs)
    _insert(connection, version.__table__, versions)
    _insert(connection, target.__table__, targets)
    backend.insert(connection, indexed)


def _paths(rng: random.Random, requests: int, documents: int) -> dict[str, list[str]]:
    pages = max(1, documents // 20)
    series = max(1, documents // DOCUMENTS_PER_SERIES)
    listing = ["/documents", f"/documents?page={pages // 2}", "/documents?region=贵州省/贵阳市&year=2020"]
    search = ["/documents?q=家庭医生签约", "/documents?q=床位", "/documents?q=托育机构 贵阳市", "/documents?q=窝沟封闭率"]
    return {
        "document list": [listing[n % len(listing)] for n in range(requests)],
        "full-text search": [search[n % len(search)] for n in range(requests)],
        "series page": [f"/series/{rng.randint(1, series)}" for _ in range(requests)],
    }


async def _timings(app: Any, paths: dict[str, list[str]]) -> dict[str, Any]:
    import httpx

    transport = httpx.ASGITransport(app=app)
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
        for kind, urls in paths.items():
            await client.get(urls[0])  # warm: templates compiled, caches filled
            each, statuses = [], set()
            for url in urls:
                started = time.perf_counter()
                response = await client.get(url)
                each.append(1000 * (time.perf_counter() - started))
                statuses.add(response.status_code)
            each.sort()
            out[kind] = {"requests": len(each), "median_ms": statistics.median(each),
                         "p95_ms": each[min(len(each) - 1, int(0.95 * len(each)))], "max_ms": each[-1],
                         "statuses": sorted(statuses)}
    return out


def measure(url: str, versions: int, requests: int, data_dir: str) -> dict[str, Any]:
    """Latency of the archive app over the store at ``url``."""
    from reports.web.app import create_app
    from store.engine import make_engine
    from store.settings import load_config

    config = load_config(env={"PLANWATCH_DATA_DIR": data_dir, "PLANWATCH_LOG_LEVEL": "WARNING"})
    engine = make_engine(url, readonly=True)
    app = create_app(config, engine=engine)
    rng = random.Random(7)
    result = asyncio.run(_timings(app, _paths(rng, requests, max(1, versions // VERSIONS_PER_DOCUMENT))))
    engine.dispose()
    return result


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 4:
        raise SystemExit("usage: python -m bench.archive DATABASE_URL VERSIONS REQUESTS DATA_DIR")
    url, versions, requests, data_dir = args[0], int(args[1]), int(args[2]), args[3]
    loaded = fill(url, versions)
    from bench.measure import peak_rss_mb

    latency = measure(url, versions, requests, data_dir)
    print(json.dumps({"load": loaded, "latency": latency, "peak_rss_mb": peak_rss_mb()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
