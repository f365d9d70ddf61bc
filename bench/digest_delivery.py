"""Digest building, sending and feeds at scale, against a real SMTP server on 127.0.0.1.

Run: ``.venv/bin/python bench/digest_delivery.py [changes] [subscribers]`` (default 2000, 50).

A fresh SQLite store gets ``changes`` changes spread over two sources (target moves,
additions, new plans, text edits) and ``subscribers`` subscribers, half unfiltered and
half filtered to one province. Measures, wall clock and CPU:

1. ``preview``  render every subscriber's digest, mark nothing
2. ``send``     build every digest into the outbox and deliver it (aiosmtpd capture)
3. ``again``    the next run: nothing new, no mail (empty rows only)
4. ``feed``     an Atom feed of the newest 500 changes, all and filtered

and prints the sizes of the largest message and feed.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from digest_seed import make_config, seed_store, target  # noqa: E402
from sqlmodel import Session  # noqa: E402

from reports.digest_run import run_digests  # noqa: E402
from reports.feeds import build_feed  # noqa: E402
from reports.filters import ChangeFilter  # noqa: E402
from reports.smtp_capture import CaptureServer  # noqa: E402
from reports.urls import ArchiveUrls  # noqa: E402
from store.engine import make_engine, session_scope  # noqa: E402
from store.kinds import ChangeKind  # noqa: E402
from store.migrate import upgrade  # noqa: E402
from store.models import Change, Subscriber  # noqa: E402

NOW = datetime(2024, 3, 5, tzinfo=UTC)
KINDS = (ChangeKind.TARGET_RAISED, ChangeKind.TARGET_LOWERED, ChangeKind.TARGET_ADDED, ChangeKind.NEW_DOCUMENT,
         ChangeKind.TEXT_EDIT)


def _timed(label: str, action: Callable[[], Any]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    print(f"{label:<10} {time.perf_counter() - wall:7.2f} s wall {time.process_time() - cpu:7.2f} s CPU")
    return result


def _populate(engine: Any, changes: int, subscribers: int) -> None:
    seeded = seed_store(engine, when=NOW - timedelta(days=2))
    with session_scope(engine) as session:
        for i in range(changes):
            kind = KINDS[i % len(KINDS)]
            source, document = ("gy-wjw", seeded.documents["gy24"]) if i % 2 else ("sn-wjw", seeded.documents["sn"])
            session.add(Change(
                kind=kind, created_at=NOW - timedelta(hours=1), source_id=source, document_id=document,
                indicator=f"指标{i}", summary=f"变化 {i}", dedup_key=f"bench:{i}",
                detail={"old": target(f"指标{i}", i, "%"), "new": target(f"指标{i}", i + 1, "%"), "reasons": [],
                        "hunks": [{"section": "一、", "old": f"达到{i}%以上。" * 5, "new": f"达到{i + 1}%以上。" * 5}],
                        "hunk_count": 1, "title": f"计划{i}", "url": f"http://127.0.0.1:8765/{i}.html"}))
        for i in range(subscribers):
            session.add(Subscriber(email=f"reader{i}@example.org", token=f"t{i}", created_at=NOW - timedelta(days=3),
                                   regions=["贵州省"] if i % 2 else []))


def main(changes: int = 2000, subscribers: int = 50) -> None:
    with tempfile.TemporaryDirectory() as tmp, CaptureServer() as server:
        config = make_config(Path(tmp), server.port)
        engine = make_engine(config.database_url)
        upgrade(engine)
        _populate(engine, changes, subscribers)
        print(f"{changes} changes, {subscribers} subscribers (half filtered to 贵州省), "
              f"{config['digest.max_items_per_section']} items per section shown")
        _timed("preview", lambda: run_digests(config, engine, send=False, now=NOW))
        summary = _timed("send", lambda: run_digests(config, engine, send=True, now=NOW))
        _timed("again", lambda: run_digests(config, engine, send=True, now=NOW + timedelta(days=1)))
        with Session(engine) as session:
            feed = _timed("feed", lambda: build_feed(session, ArchiveUrls("http://a"), limit=500))
            _timed("feed 贵州", lambda: build_feed(session, ArchiveUrls("http://a"), ChangeFilter(regions=["贵州省"]),
                                                 limit=500))
        largest = max(len(m.data) for m in server.messages)
        print(f"delivered {summary.delivered} of {len(summary.results)}; messages {len(server.messages)}; "
              f"largest {largest / 1024:.0f} KiB; feed of 500 entries {len(feed) / 1024:.0f} KiB")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
