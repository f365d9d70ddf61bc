"""First crawl vs unchanged re-crawl of the synthetic site: Scrapy, then the lean revalidation.

Run: ``.venv/bin/python bench/crawl_revalidation.py [pages] [repeats]`` (default 2000, 1).

The fixture site runs in its own process (``python -m crawler.fixture_site``) so the
server does not share the crawler's CPU. Each phase runs in a fresh child process
(``--phase``) so its peak RSS is its own; all phases share one data directory:

1. ``first``        plain Scrapy crawl of every list and document page (empty store)
2. ``revalidate``   unchanged re-crawl: aiohttp conditional GETs, bulk 304s, no Scrapy
3. ``scrapy-recrawl`` unchanged re-crawl with ``crawl.revalidate=false``: Scrapy with
                    If-None-Match on every known page

Settings are the defaults except AutoThrottle off and 16 requests per domain (the
site is local; AutoThrottle would measure its own start delay). Prints wall and CPU
seconds, peak RSS and pages per second for each phase.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PHASES = ("first", "revalidate", "scrapy-recrawl")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the fixture site did not answer at {url}")


def run_phase(phase: str, base_url: str, pages: int, data_dir: str) -> dict[str, object]:
    """One phase in this process; returns its measurements."""
    from crawler.fixture_site import synthetic_source
    from crawler.run import crawl_sources
    from store.engine import make_engine
    from store.migrate import upgrade
    from store.settings import load_config

    env = {"PLANWATCH_DATA_DIR": data_dir, "PLANWATCH_CRAWL_AUTOTHROTTLE": "false",
           "PLANWATCH_CRAWL_PER_DOMAIN_CONCURRENCY": "16",
           "PLANWATCH_CRAWL_REVALIDATE": "false" if phase == "scrapy-recrawl" else "true"}
    config = load_config(env=env)
    upgrade(make_engine(config.database_url))
    source = synthetic_source(base_url, pages)
    wall, cpu = time.perf_counter(), time.process_time()
    (summary,) = crawl_sources(config, [source], trigger="bench")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    requests = int(summary.counts["requests"])
    return {"phase": phase, "mode": summary.mode, "status": summary.status.value, "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2), "rss_mb": round(rss_mb), "requests": requests,
            "pages_per_s": round(requests / wall), "new_versions": summary.new_versions,
            "not_modified": summary.counts["not_modified"]}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        _, _, phase, base_url, pages, data_dir = sys.argv
        print(json.dumps(run_phase(phase, base_url, int(pages), data_dir)))
        return
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "crawler.fixture_site", "--port", str(port),
                               "--synthetic-pages", str(pages)], cwd=REPO, stdout=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base_url + "/synthetic/index.html")
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as data_dir:
                for phase in PHASES:
                    out = subprocess.run([sys.executable, __file__, "--phase", phase, base_url, str(pages), data_dir],
                                         capture_output=True, text=True, cwd=REPO, env=os.environ, check=True)
                    print(out.stdout.strip().splitlines()[-1], flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
