"""Run one measured phase in a child process: wall, CPU of its process tree, peak RSS.

Every crawl (planwatch's, bare Scrapy's, urlwatch's) runs in a fresh child process so
its peak RSS is its own and its CPU is counted from ``wait4`` (user + system of the
child and every descendant it waited for); the site runs in yet another process and is
never counted. A child that speaks the bench protocol prints one JSON line last: its
in-process figures (the work alone, after imports), kept beside the process figures.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "bench" / "work"

__all__ = ["REPO", "WORK", "Measured", "load_average", "machine_facts", "peak_rss_mb", "run_measured"]


@dataclass
class Measured:
    """A finished child: process figures from wait4 and what it reported about itself."""

    label: str
    wall_s: float
    cpu_s: float
    rss_mb: float  # the child's own VmHWM when it reports one (see peak_rss_mb)
    returncode: int
    report: dict[str, Any] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after
    stderr_tail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "wall_s": round(self.wall_s, 3), "cpu_s": round(self.cpu_s, 3),
                "rss_mb": round(self.rss_mb, 1), "returncode": self.returncode, "report": self.report,
                "load": self.load}


def load_average() -> float:
    """The machine's 1-minute load average (other work competing for the cores)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM), for children to report.

    ``wait4``'s ``ru_maxrss`` is no good here: Linux carries the parent's high-water
    mark into a forked child across ``exec``, so every child would look at least as
    large as the harness. VmHWM belongs to the child's own address space.
    """
    try:
        found = re.search(r"^VmHWM:\s*(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    except OSError:
        found = None
    if found is None:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return int(found.group(1)) / 1024


def run_measured(label: str, argv: list[str], *, env: dict[str, str] | None = None, cwd: Path = REPO,
                 timeout: float = 3600) -> Measured:
    """Run ``argv`` to the end; its last stdout line is parsed as JSON when it is JSON."""
    before = load_average()
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    out, err = _drain(child, timeout)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    report = _last_json(out)
    rss = float(report.get("peak_rss_mb") or usage.ru_maxrss / 1024)
    return Measured(label, wall, usage.ru_utime + usage.ru_stime, rss, child.returncode,
                    report, (before, load_average()), err[-2000:])


def _drain(child: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """Read both pipes to the end without reaping the child (wait4 does that)."""
    import threading

    chunks: dict[str, str] = {}

    def read(name: str, stream: Any) -> None:
        chunks[name] = stream.read()

    threads = [threading.Thread(target=read, args=(name, stream), daemon=True)
               for name, stream in (("out", child.stdout), ("err", child.stderr))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return chunks.get("out", ""), chunks.get("err", "")


def _last_json(out: str) -> dict[str, Any]:
    for line in reversed(out.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            return value if isinstance(value, dict) else {}
    return {}


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return found.group(1).strip() if found else platform.processor() or "unknown"


def _ram_gib() -> float:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return 0.0
    found = re.search(r"^MemTotal:\s*(\d+) kB", text, re.M)
    return round(int(found.group(1)) / 1024 / 1024, 1) if found else 0.0


def _postgres_version(url: str | None) -> str:
    if not url:
        return "not measured (no PostgreSQL URL)"
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as connection:
            version = str(connection.execute(text("SHOW server_version")).scalar())
        engine.dispose()
        return version
    except Exception as exc:  # the report says why instead of failing the whole run
        return f"unavailable ({type(exc).__name__})"


def machine_facts(pg_url: str | None) -> dict[str, Any]:
    """CPU model, cores, RAM, Python / Scrapy / SQLite / PostgreSQL versions."""
    import sqlite3

    import scrapy
    import twisted

    return {
        "cpu": _cpu_model(), "cores": os.cpu_count(), "ram_gib": _ram_gib(),
        "python": platform.python_version(), "scrapy": scrapy.__version__, "twisted": twisted.__version__,
        "sqlite": sqlite3.sqlite_version, "postgresql": _postgres_version(pg_url),
        "os": f"{platform.system()} {platform.release()}", "executable": sys.executable,
    }
