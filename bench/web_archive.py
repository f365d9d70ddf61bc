"""The archive browser at scale: list, search and series pages over 100,000 versions.

Run: ``.venv/bin/python bench/web_archive.py [versions] [--pg URL] [--chars N]``
(default 100000 versions of about 1,500 characters, SQLite; ``--pg`` also runs
PostgreSQL in a new database on that server, dropped afterwards).

The store is written with bulk inserts shaped like the real one: 60 sources in 30
regions, 4 versions per document, plan years 2015–2025, 8 kinds of plan, one series
per source and kind, about 6 targets per version, a change per 2 versions. Texts are
built from plan sentences with varying numbers and place names, so no two versions
are equal and common words (卫生健康, 床位) occur everywhere, as in real plans.
Then ``index_pending`` indexes every version (timed), and each page is requested
over HTTP from the app under uvicorn on 127.0.0.1 (as ``planwatch serve`` runs it),
30 times with varied parameters, one request at a time. Prints p50/p95/max per page group; the goal is p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from reports.web import create_app  # noqa: E402
from store.engine import make_engine  # noqa: E402
from store.migrate import upgrade  # noqa: E402
from store.models import Blob, Change, Document, Series, Source, Target, Version  # noqa: E402
from store.normalise import text_hash  # noqa: E402
from store.search import index_pending  # noqa: E402
from store.settings import load_config  # noqa: E402

REGIONS = [f"{p}/{c}" for p in ("贵州省", "四川省", "湖南省", "山东省", "浙江省", "广东省")
           for c in ("甲市", "乙市", "丙市", "丁县", "戊区")]
DOC_TYPES = ("工作要点", "工作计划", "实施方案", "工作总结", "规划", "实施意见", "工作安排", "行动方案")
INDICATORS = ("每千人口医疗卫生机构床位数", "人均预期寿命", "孕产妇死亡率", "婴儿死亡率", "家庭医生签约服务覆盖率",
              "居民健康素养水平", "每千人口执业（助理）医师数", "儿童免疫规划疫苗接种率", "县域内就诊率", "每万人口全科医生数")
UNITS = ("张", "岁", "/10万", "‰", "%", "%", "人", "%", "%", "人")
SENTENCES = (
    "坚持以人民为中心的发展思想，深入推进健康{place}建设，持续深化医药卫生体制改革。",
    "到{year}年底，{ind}达到{value}{unit}，较上年提高{delta}个百分点。",
    "完善医保支付方式改革，推动分级诊疗制度落地见效，{place}县域医共体覆盖率达到{value}%。",
    "加强公共卫生服务体系建设，疾病预防控制能力明显提升，传染病报告率保持在{value}%以上。",
    "推进中医药传承创新发展，建成基层中医馆{count}个，培养中医药人才{count}名。",
    "强化卫生健康人才队伍建设，引进高层次人才{count}名，招聘基层医务人员{count}人。",
    "实施{place}智慧医院建设工程，二级以上公立医院电子病历应用水平达到{level}级。",
    "做好老年健康和医养结合服务，新增护理型床位{count}张，建设安宁疗护病区{count}个。",
)
PLACES = ("贵阳", "遂宁", "射洪", "株洲", "沂水", "金华", "韶关", "绵阳", "襄阳", "瑞金", "曲靖", "晋中")
SEARCHES_LONG = ("卫生健康", "医共体覆盖率", "床位数", "电子病历应用水平", "安宁疗护", "金华县域", "不存在的词语组合")
SEARCHES_SHORT = ("床位", "医保", "中医")
T0 = datetime(2018, 1, 1, tzinfo=UTC)


def _text(rng: random.Random, chars: int, year: int) -> str:
    parts, size = [], 0
    while size < chars:
        index = rng.randrange(len(INDICATORS))
        sentence = rng.choice(SENTENCES).format(
            place=rng.choice(PLACES), year=year, ind=INDICATORS[index], unit=UNITS[index],
            value=round(rng.uniform(1, 99), 1), delta=rng.randint(1, 5), count=rng.randint(2, 400), level=rng.randint(3, 6))
        parts.append(sentence)
        size += len(sentence)
    return "\n".join(parts)


def _batches(rows: Iterator[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(engine: Engine, model: Any, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    with engine.begin() as connection:
        for batch in _batches(rows):
            connection.execute(insert(model), batch)
            count += len(batch)
    return count


def _sources_and_series() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    sources = [{"id": f"s{n:02d}", "name": f"{REGIONS[n % 30]}卫健委 {n}", "agency": f"{REGIONS[n % 30].split('/')[1]}卫生健康局",
                "region": REGIONS[n % 30], "enabled": True, "created_at": T0, "updated_at": T0} for n in range(60)]
    series = [{"id": s * len(DOC_TYPES) + t + 1, "key": f"s{s:02d}|{DOC_TYPES[t]}", "title": f"{sources[s]['agency']} {DOC_TYPES[t]}",
               "region": sources[s]["region"], "agency": sources[s]["agency"], "doc_type": DOC_TYPES[t]}
              for s in range(60) for t in range(len(DOC_TYPES))]
    return sources, series


def build_store(engine: Engine, versions: int, chars: int, seed: int = 7) -> dict[str, Any]:
    """Bulk-write the store; returns what the page requests need (ids, names)."""
    rng = random.Random(seed)
    documents = versions // 4
    sources, series = _sources_and_series()
    _insert(engine, Source, iter(sources))
    _insert(engine, Series, iter(series))
    docs = []
    for d in range(1, documents + 1):
        s, t = rng.randrange(60), rng.randrange(len(DOC_TYPES))
        year = 2015 + rng.randrange(11)
        docs.append({"id": d, "url": f"http://127.0.0.1:1/{sources[s]['id']}/{d}.html", "source_id": sources[s]["id"],
                     "title": f"{sources[s]['agency']}{year}年{DOC_TYPES[t]}（{d}）", "agency": sources[s]["agency"],
                     "region": sources[s]["region"], "plan_year": year, "doc_type": DOC_TYPES[t],
                     "first_seen": T0 + timedelta(minutes=d), "last_seen": T0 + timedelta(minutes=d), "last_status": 200,
                     "series_id": s * len(DOC_TYPES) + t + 1, "canonical_id": None})
    _insert(engine, Document, iter(docs))
    blobs: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for v in range(1, versions + 1):
        doc = docs[(v - 1) % documents]
        body = _text(rng, chars, doc["plan_year"])
        key = text_hash(body)
        blobs.append({"hash": key, "data": zlib.compress(body.encode(), 6), "size": len(body)})
        rows.append({"id": v, "document_id": doc["id"], "fetched_at": T0 + timedelta(minutes=documents + v), "http_status": 200,
                     "content_hash": key, "text_hash": key, "title": doc["title"], "analysed_at": T0})
    _insert(engine, Blob, iter(blobs))
    _insert(engine, Version, iter(rows))
    del blobs
    targets = ({"version_id": v["id"], "document_id": v["document_id"], "position": p, "indicator": INDICATORS[i],
                "indicator_norm": INDICATORS[i], "value": round(rng.uniform(1, 99), 1), "unit": UNITS[i], "cmp": ">=",
                "deadline": None, "kind": "target", "sentence": f"{INDICATORS[i]}达到指标。", "section": "一、总体要求"}
               for v in rows for p, i in enumerate(rng.sample(range(len(INDICATORS)), 6)))
    target_count = _insert(engine, Target, targets)
    kinds = ("target-raised", "target-lowered", "target-added", "new-document", "text-edit", "target-removed")
    changes = ({"kind": kinds[n % len(kinds)], "created_at": T0 + timedelta(minutes=n), "source_id": docs[n % documents]["source_id"],
                "document_id": docs[n % documents]["id"], "version_id": n * 2 + 1, "series_id": docs[n % documents]["series_id"],
                "indicator": INDICATORS[n % 10], "plan_year": docs[n % documents]["plan_year"], "summary": f"{INDICATORS[n % 10]} 变化 {n}",
                "detail": {}, "dedup_key": f"bench|{n}"} for n in range(versions // 2))
    change_count = _insert(engine, Change, changes)
    return {"documents": documents, "targets": target_count, "changes": change_count,
            "regions": REGIONS, "series": len(series), "sources": [s["id"] for s in sources]}


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    return f"p50 {statistics.median(ordered):6.1f} ms   p95 {p95:6.1f} ms   max {ordered[-1]:6.1f} ms"


def _groups(info: dict[str, Any], rng: random.Random) -> dict[str, Callable[[], str]]:
    def region() -> str:
        return quote(rng.choice(info["regions"]))

    return {
        "home": lambda: "/",
        "sources": lambda: "/sources",
        "documents list": lambda: rng.choice([
            f"/documents?page={rng.randint(1, 50)}", f"/documents?region={region()}",
            f"/documents?region={region()}&year={rng.randint(2015, 2025)}&type={quote(rng.choice(DOC_TYPES))}",
            f"/documents?source={rng.choice(info['sources'])}&page=2"]),
        "changes list": lambda: rng.choice([
            f"/changes?page={rng.randint(1, 50)}", f"/changes?kind=target-raised&region={region()}",
            f"/changes?source={rng.choice(info['sources'])}"]),
        "search (3+ chars)": lambda: f"/documents?q={quote(rng.choice(SEARCHES_LONG))}&page={rng.randint(1, 3)}",
        "search + filters": lambda: f"/documents?q={quote(rng.choice(SEARCHES_LONG))}&region={region()}&year={rng.randint(2015, 2025)}",
        "search (2 chars)": lambda: f"/documents?q={quote(rng.choice(SEARCHES_SHORT))}",
        "search (2, rare)": lambda: f"/documents?q={quote(rng.choice(('藏医', '彝医')))}",  # a full scan: the known limit
        "series": lambda: f"/series/{rng.randint(1, info['series'])}",
        "indicator": lambda: f"/indicators/{quote(rng.choice(INDICATORS), safe='')}",
        "document": lambda: f"/documents/{rng.randint(1, info['documents'])}",
        "version": lambda: f"/versions/{rng.randint(1, info['documents'] * 4)}",
        "compare": lambda: f"/compare/{(d := rng.randint(1, info['documents']))}/{d + info['documents']}",
    }


def measure(client: httpx.Client, info: dict[str, Any], repeat: int = 30, only: list[str] | None = None) -> None:
    """Wall time per request, and the CPU time this process spent on it (server and
    client share the process): on a busy machine wall time grows, CPU time hardly."""
    rng = random.Random(11)
    print(f"  load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    for name, make in _groups(info, rng).items():
        if only and name not in only:
            continue
        client.get(make())  # warm-up
        wall, cpu = [], []
        for _ in range(repeat):
            path = make()
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        print(f"  {name:18} wall {_percentiles(wall)}   | cpu p95 {sorted(cpu)[int(len(cpu) * 0.95) - 1]:6.1f} ms")


@contextmanager
def _postgres(base: str) -> Iterator[str]:
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    name = f"pw_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(url: str, data_dir: Path, versions: int, chars: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    info = build_store(engine, versions, chars)
    print(f"  built {versions} versions, {info['documents']} documents, {info['targets']} targets, "
          f"{info['changes']} changes in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    with Session(engine) as session:
        indexed = index_pending(session)
        session.commit()
    print(f"  indexed {indexed} versions in {time.perf_counter() - started:.0f} s")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    readonly = make_engine(url, readonly=True)
    config = load_config(env={"PLANWATCH_DATA_DIR": str(data_dir)})
    with _server(create_app(config, engine=readonly)) as base, httpx.Client(base_url=base, timeout=60) as client:
        measure(client, info)
    readonly.dispose()
    engine.dispose()


@contextmanager
def _server(app: Any) -> Iterator[str]:
    """The app under uvicorn on a free 127.0.0.1 port, in a thread (as `planwatch serve` runs it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", type=int, nargs="?", default=100_000)
    parser.add_argument("--chars", type=int, default=1500, help="approximate characters per version text")
    parser.add_argument("--pg", help="a PostgreSQL server URL; a new database is created there and dropped")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_sqlite:
            print(f"SQLite ({args.versions} versions)")
            run(f"sqlite:///{tmp}/bench.db", Path(tmp), args.versions, args.chars)
        if args.pg:
            with _postgres(args.pg) as url:
                print(f"PostgreSQL ({args.versions} versions)")
                run(url, Path(tmp), args.versions, args.chars)


if __name__ == "__main__":
    main()
