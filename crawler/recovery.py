"""What an unfinished crawl leaves behind, and how the next crawl picks it up.

A crawl killed with SIGKILL, by the OOM killer or a power cut cannot record its end:
its ``CrawlRun`` stays ``running`` and only some of the documents its list pages link
were stored. Each document was written in its own transaction (``crawler.storing``),
so the store is consistent; two things still need the next crawl's help:

- **The run.** :func:`settle_dead_runs` (called at the start of every crawl) finds
  runs still ``running`` whose process is gone from this machine (or is a newer
  process that reuses the pid) and records them as ``interrupted`` with a message
  saying so. A run started on another host sharing a PostgreSQL store is left to
  that host.
- **The list pages.** The killed run already stored its list pages with their
  validators, so a conditional re-fetch would answer ``304`` and the documents it
  never reached would not be discovered until the list page changed. The same holds
  for a detail page that failed (a timeout, a 500). :func:`list_validators_trusted`
  says whether the previous run of the source ended ``ok``; when it did not, the
  crawler re-reads its list pages in full (``KnownPages.without_listing_validators``)
  and follows every link the store does not hold yet. Known documents are still
  re-checked conditionally.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.engine import session_scope
from store.kinds import RunStatus
from store.models import CrawlRun, utcnow

__all__ = ["DEAD_RUN_MESSAGE", "is_dead", "list_validators_trusted", "process_alive", "settle_dead_runs", "shown_status",
           "this_host"]

logger = logging.getLogger(__name__)

DEAD_RUN_MESSAGE = ("the crawl process (pid {pid}) ended without finishing (killed or crashed); "
                    "the pages it stored are kept and the next crawl fetches the rest")
# A process that started this long after the run did is another process reusing the pid.
_PID_REUSE_SLACK = timedelta(seconds=5)


def this_host() -> str:
    """The name recorded with a run's pid (``CrawlRun.host``)."""
    return socket.gethostname()


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (None where there is no /proc)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw.rsplit(")", 1)[-1].split()


def _started_at(fields: list[str]) -> datetime | None:
    try:
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime"))
        ticks = int(fields[19])  # field 22 of stat, counted after the command name
    except (OSError, StopIteration, IndexError, ValueError):
        return None
    return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), tz=UTC)


def process_alive(pid: int, since: datetime) -> bool:
    """True when process ``pid`` of this host still runs and was started before ``since`` (+ slack).

    A zombie (dead, not yet reaped) is not alive; a pid reused by a newer process is not
    the process that started the run.
    """
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    fields = _proc_stat(pid)
    if fields is None:
        return True
    if fields[0] in {"Z", "X"}:
        return False
    started = _started_at(fields)
    return started is None or started <= since + _PID_REUSE_SLACK


def is_dead(run: CrawlRun, host: str | None = None) -> bool:
    """True for a run still marked ``running`` whose process is gone from this host."""
    return (run.status == RunStatus.RUNNING.value and run.pid is not None and run.host == (host or this_host())
            and not process_alive(run.pid, run.started_at))


def shown_status(run: CrawlRun) -> tuple[str, str]:
    """(status, message) as ``planwatch runs`` and ``status`` show a run: a dead one as
    interrupted already, before the next crawl records it so."""
    if is_dead(run):
        return RunStatus.INTERRUPTED.value, DEAD_RUN_MESSAGE.format(pid=run.pid)
    return run.status, run.message


def settle_dead_runs(engine: Engine) -> list[int]:
    """Record runs left ``running`` by a process gone from this host as ``interrupted``; their ids."""
    host = this_host()
    settled = []
    with session_scope(engine) as session:
        running = session.exec(select(CrawlRun).where(CrawlRun.status == RunStatus.RUNNING.value)).all()
        for run in running:
            if not is_dead(run, host):
                continue
            run.status, run.finished_at = RunStatus.INTERRUPTED.value, utcnow()
            run.message = DEAD_RUN_MESSAGE.format(pid=run.pid)
            session.add(run)
            settled.append(int(run.id or 0))
    for run_id in settled:
        logger.warning("crawl run %d was left running by a process that is gone; recorded as interrupted", run_id)
    return settled


def list_validators_trusted(engine: Engine, source_id: str, before_run_id: int | None) -> bool:
    """True when the source's previous run (before ``before_run_id``) ended ``ok``.

    Only then did it follow every link of the list pages it stored; otherwise the
    list pages must be read again in full.
    """
    statement = select(CrawlRun.status).where(CrawlRun.source_id == source_id).order_by(col(CrawlRun.id).desc())
    if before_run_id is not None:
        statement = statement.where(col(CrawlRun.id) < before_run_id)
    with Session(engine) as session:
        previous = session.exec(statement.limit(1)).first()
    return previous == RunStatus.OK.value
