"""The daemon's jobs: module-level functions with plain arguments.

APScheduler keeps a job in the database as a reference (``monitor.jobs:crawl_job``)
and its arguments (a source id), so a restart finds them again. What a job needs
besides (config, engine, the sources, the stop signal) is the daemon's
:class:`Runtime`, installed once at start with :func:`install_runtime`.

Each crawl runs in a child process (:func:`run_crawl_child`): the Twisted/Scrapy
machinery and the memory of a crawl die with it, and a crash cannot take the daemon
down. The child crawls one source, then analyses what is pending. The parent waits,
and stops the child (SIGTERM, then SIGKILL after :data:`STOP_GRACE` seconds) when
the daemon stops or the crawl outlives ``crawl.time_limit``. Whatever the child could
not record itself is settled afterwards from the ``CrawlRun.pid`` column: a run left
``running`` becomes ``interrupted``, a child that died before recording anything gets
a ``failed`` run, so ``planwatch status`` and the digest see every attempt.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from monitor.logs import get_logger, log_event, setup_logging
from store.engine import session_scope
from store.kinds import RunStatus
from store.models import CrawlRun, Source, utcnow
from store.settings import Config
from store.sources_config import SourceConfig

__all__ = [
    "STOP_GRACE",
    "ChildOutcome",
    "Runtime",
    "crawl_child_main",
    "crawl_job",
    "current_runtime",
    "digest_job",
    "install_runtime",
    "limit_margin",
    "outbox_job",
    "run_crawl_child",
    "settle_child_runs",
]

STOP_GRACE = 5.0  # seconds a crawl child gets to record its run after SIGTERM
_POLL = 0.25
_log = get_logger("jobs")


@dataclass
class Runtime:
    """What the daemon's jobs share: installed once by the daemon before jobs run."""

    config: Config
    engine: Engine
    sources: dict[str, SourceConfig]
    stopping: threading.Event = field(default_factory=threading.Event)
    children: set[BaseProcess] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


_RUNTIME: Runtime | None = None


def install_runtime(runtime: Runtime | None) -> None:
    """Make ``runtime`` the one the jobs of this process use (None uninstalls it)."""
    global _RUNTIME
    _RUNTIME = runtime


def current_runtime() -> Runtime:
    """The installed runtime; a job started outside a daemon is a programming error."""
    if _RUNTIME is None:
        raise RuntimeError("monitor.jobs: no daemon runtime installed (jobs run only inside `planwatch daemon`)")
    return _RUNTIME


@dataclass
class ChildOutcome:
    """How a crawl child ended, as the parent saw it."""

    source_id: str
    pid: int | None
    exit_code: int | None
    stopped: str = ""  # "" | "daemon stopping" | "time limit"
    report: dict[str, Any] = field(default_factory=dict)


def limit_margin(time_limit: int) -> float:
    """Extra seconds past ``crawl.time_limit`` before the parent stops a child itself.

    The crawler stops its own crawl at the limit and records it; the margin lets it do
    so (and run the analysis) before the parent steps in.
    """
    return float(min(60, max(5, time_limit // 10)))


def _child_signals() -> None:
    """In the child: the first SIGTERM ends the crawl like Ctrl-C; later signals wait for the cleanup.

    SIGINT is ignored: Ctrl-C at a terminal reaches the whole process group, and the
    daemon decides how its children stop.
    """

    def _interrupt(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _interrupt)


def _crawl_and_analyse(config: Config, source: SourceConfig) -> dict[str, Any]:
    from crawler.run import crawl_sources  # Scrapy is imported only in the child
    from monitor.cycle import analyse_step
    from store.database import open_store

    outcome: dict[str, Any] = {
        "runs": [summary.as_dict() for summary in crawl_sources(config, [source], trigger="daemon")]}
    engine = open_store(config)
    try:
        outcome["analysis"] = analyse_step(config, engine)
    except Exception as exc:  # the crawl is stored; the analysis catches up next time
        log_event(_log, "analysis.failed", logging.ERROR, exc_info=True, source=source.id)
        outcome["analysis_error"] = f"{type(exc).__name__}: {exc}"
    finally:
        engine.dispose()
    return outcome


def crawl_child_main(config: Config, source: SourceConfig, report: Connection) -> None:
    """Entry point of a crawl child process: crawl one source, analyse, report back.

    SIGTERM at any point (even while Scrapy is still being imported) ends it quietly;
    a crawl under way records its run as ``interrupted`` first.
    """
    _child_signals()
    outcome: dict[str, Any] = {}
    try:
        setup_logging(config)
        outcome = _crawl_and_analyse(config, source)
    except KeyboardInterrupt:
        outcome["interrupted"] = True
    try:
        report.send(outcome)
    except OSError:
        pass  # the daemon stopped listening
    finally:
        report.close()


def _wait_for_child(process: BaseProcess, runtime: Runtime, deadline: float) -> str:
    """Wait until the child exits; the reason to stop it early, or ""."""
    while process.is_alive():
        if runtime.stopping.is_set():
            return "daemon stopping"
        if time.monotonic() > deadline:
            return "time limit"
        wait([process.sentinel], timeout=_POLL)
    return ""


def _stop_child(process: BaseProcess) -> None:
    process.terminate()  # SIGTERM: the crawl records itself as interrupted
    process.join(STOP_GRACE)
    if process.is_alive():
        process.kill()
        process.join()


def run_crawl_child(runtime: Runtime, source: SourceConfig) -> ChildOutcome:
    """Crawl ``source`` in a child process and wait for it (or stop it); settle its runs."""
    spawn = multiprocessing.get_context("spawn")
    receive, send = spawn.Pipe(duplex=False)
    process = spawn.Process(target=crawl_child_main, args=(runtime.config, source, send),
                            name=f"planwatch-crawl-{source.id}", daemon=False)
    started = utcnow()
    limit = int(runtime.config["crawl.time_limit"])
    with runtime.lock:
        process.start()
        runtime.children.add(process)
    send.close()
    log_event(_log, "crawl.child_started", source=source.id, child_pid=process.pid)
    try:
        stopped = _wait_for_child(process, runtime, time.monotonic() + limit + limit_margin(limit))
        if stopped:
            log_event(_log, "crawl.child_stopping", logging.WARNING, source=source.id, child_pid=process.pid, reason=stopped)
            _stop_child(process)
        process.join()
    finally:
        with runtime.lock:
            runtime.children.discard(process)
    report = _read_report(receive)
    outcome = ChildOutcome(source.id, process.pid, process.exitcode, stopped, report)
    settle_child_runs(runtime.engine, outcome, started, limit)
    return outcome


def _read_report(receive: Connection) -> dict[str, Any]:
    """What the child sent before it ended; {} when it died first (EOF) or sent nothing."""
    try:
        report: dict[str, Any] = receive.recv() if receive.poll() else {}
    except (EOFError, OSError):
        report = {}
    finally:
        receive.close()
    return report


def _child_message(outcome: ChildOutcome, limit: int) -> str:
    if outcome.stopped == "time limit":
        return f"stopped after crawl.time_limit ({limit} s)"
    if outcome.stopped:
        return "stopped: the daemon was shutting down"
    return f"the crawl process ended with exit code {outcome.exit_code} before finishing"


def settle_child_runs(engine: Engine, outcome: ChildOutcome, started: datetime, limit: int) -> list[int]:
    """Close what the child left open: ``running`` runs become ``interrupted``; none at all: a ``failed`` run.

    Returns the ids of the runs changed or added.
    """
    message = _child_message(outcome, limit)
    with session_scope(engine) as session:
        runs = session.exec(select(CrawlRun).where(CrawlRun.pid == outcome.pid, col(CrawlRun.started_at) >= started,
                                                   CrawlRun.source_id == outcome.source_id)).all()
        changed = []
        for run in runs:
            if run.status == RunStatus.RUNNING or (outcome.stopped == "time limit" and run.status == RunStatus.INTERRUPTED):
                run.status, run.message = RunStatus.INTERRUPTED.value, message
                run.finished_at = run.finished_at or utcnow()
                changed.append(run)
        known = session.exec(select(Source.id).where(Source.id == outcome.source_id)).first() is not None
        if not runs and (outcome.stopped or outcome.exit_code != 0) and known:
            status = RunStatus.INTERRUPTED if outcome.stopped else RunStatus.FAILED
            changed.append(CrawlRun(source_id=outcome.source_id, trigger="daemon", pid=outcome.pid, started_at=started,
                                    finished_at=utcnow(), status=status.value, message=message))
        for run in changed:
            session.add(run)
        session.flush()
        ids = [int(run.id or 0) for run in changed]
    for run_id in ids:
        log_event(_log, "crawl.run_settled", logging.WARNING, source=outcome.source_id, run_id=run_id, message=message)
    return ids


def crawl_job(source_id: str) -> dict[str, Any]:
    """The scheduled crawl of one source (in a child process), then analysis of what changed."""
    runtime = current_runtime()
    source = runtime.sources.get(source_id)
    if source is None or runtime.stopping.is_set():
        reason = "the daemon is stopping" if source else "not in the sources file any more"
        log_event(_log, "crawl.skipped", source=source_id, reason=reason)
        return {"source": source_id, "skipped": reason}
    outcome = run_crawl_child(runtime, source)
    runs = outcome.report.get("runs", [])
    log_event(_log, "crawl.finished", source=source_id, exit_code=outcome.exit_code, stopped=outcome.stopped,
              status=[run.get("status") for run in runs], new_versions=sum(int(run.get("new_versions", 0)) for run in runs))
    return {"source": source_id, "exit_code": outcome.exit_code, "stopped": outcome.stopped, **outcome.report}


def digest_job() -> dict[str, Any]:
    """The scheduled digest: build and send; remembered as ScheduleMark ``digest``."""
    runtime = current_runtime()
    if runtime.stopping.is_set():
        return {"skipped": "the daemon is stopping"}
    from monitor.cycle import mark_ran
    from reports.digest_run import run_digests

    now = utcnow()
    summary = run_digests(runtime.config, runtime.engine, send=True, now=now)
    mark_ran(runtime.engine, "digest", now, "failed" if summary.failed else "ok")
    log_event(_log, "digest.finished", delivered=summary.delivered, empty=summary.empty, failed=len(summary.failed))
    return {"delivered": summary.delivered, "empty": summary.empty, "failed": len(summary.failed)}


def outbox_job() -> dict[str, Any]:
    """Between digest times: resend digests the mail server refused, once their backoff is over."""
    runtime = current_runtime()
    if runtime.stopping.is_set():
        return {"skipped": "the daemon is stopping"}
    from reports.digest_run import retry_outbox

    summary = retry_outbox(runtime.config, runtime.engine)
    if summary.results:
        log_event(_log, "outbox.retried", retried=len(summary.results), delivered=summary.delivered,
                  failed=len(summary.failed))
    return {"retried": len(summary.results), "delivered": summary.delivered, "failed": len(summary.failed)}
