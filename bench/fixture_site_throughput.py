"""How fast the fixture site serves the benchmark's synthetic site (5,000 plan pages).

Run: ``.venv/bin/python bench/fixture_site_throughput.py [pages] [concurrency]``.
Fetches every list page and every document twice (first: rendered on demand; second:
cached) with an aiohttp client on 127.0.0.1, and prints requests per second. The
crawler benchmark needs the server to be much faster than the crawler.
"""

from __future__ import annotations

import asyncio
import sys
import time

import aiohttp

from crawler.fixture_site import FixtureSite
from crawler.fixture_site.synthetic import SyntheticSite


async def _fetch_all(base: str, paths: list[str], concurrency: int) -> int:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    done = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal done
        while not queue.empty():
            async with session.get(base + queue.get_nowait()) as response:
                await response.read()
                done += response.status == 200

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return done


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    shape = SyntheticSite(pages)
    paths = [shape.list_path(n) for n in range(shape.list_pages)] + [f"/synthetic/doc/{n}.html" for n in range(pages)]
    with FixtureSite(synthetic_pages=pages) as site:
        for label in ("first pass (render)", "second pass (cached)"):
            start = time.perf_counter()
            ok = asyncio.run(_fetch_all(site.base_url, paths, concurrency))
            elapsed = time.perf_counter() - start
            print(f"{label}: {ok}/{len(paths)} pages in {elapsed:.2f} s, {ok / elapsed:.0f} requests/s")


if __name__ == "__main__":
    main()
