"""``planwatch daemon``: APScheduler 3.x running crawls and digests on their schedules.

Jobs come from the sources config: ``crawl:<source id>`` for each enabled source on
its cron schedule (its own or ``schedule.crawl``, with ``schedule.jitter`` seconds of
random delay), ``digest`` on ``digest.schedule`` and ``outbox`` every few minutes
(resending digests the mail server refused, once their backoff is over) unless
``digest.enabled`` is off, all in the ``timezone`` setting. Every job has ``coalesce=True``,
``max_instances=1`` and ``misfire_grace_time=schedule.misfire_grace``.

The job store is the planwatch database itself (table ``apscheduler_jobs``, which
the migrations leave alone), so a restart keeps each job's next run time: a crawl
missed while the daemon was down runs once when it comes back, within the grace
time. On start (and on SIGHUP) the stored jobs are synced with the sources file:
new sources get a job, removed or disabled ones lose theirs, changed schedules are
rescheduled, and unchanged jobs are left exactly as they were.

SIGTERM or SIGINT stop the daemon within seconds: no new job starts, running crawl
children get SIGTERM (their runs are recorded as ``interrupted``), the scheduler
shuts down and the process exits 0. Only one daemon runs per store (the ``daemon``
lock); a second exits at once with code 5.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from monitor.jobs import Runtime, crawl_job, digest_job, install_runtime, outbox_job
from monitor.locks import hold_lock
from monitor.logs import get_logger, log_event, setup_logging
from monitor.schedule import cron_trigger, interval_trigger, source_schedule, trigger_signature
from store.settings import Config
from store.sources_config import SourceConfig, load_sources

__all__ = [
    "JOBSTORE_TABLE",
    "JobSpec",
    "SyncReport",
    "build_scheduler",
    "desired_jobs",
    "run_daemon",
    "scheduled_times",
    "stop_scheduler",
    "sync_jobs",
]

JOBSTORE_TABLE = "apscheduler_jobs"
_log = get_logger("daemon")


@dataclass(frozen=True)
class JobSpec:
    """A job the config asks for: what runs, with which argument, on which trigger."""

    id: str
    func: Callable[..., Any]
    args: tuple[str, ...]
    trigger: BaseTrigger
    executor: str
    name: str
    start_now: bool = False  # --every: the first run is at once, not one interval later


@dataclass
class SyncReport:
    """What syncing the stored jobs with the config did, by job id."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _trigger(expression: str, config: Config, every: float | None, jitter: int | None) -> BaseTrigger:
    zone = str(config["timezone"])
    return interval_trigger(every, zone) if every else cron_trigger(expression, zone, jitter)


def desired_jobs(config: Config, sources: list[SourceConfig], *, every: float | None = None) -> dict[str, JobSpec]:
    """The jobs the config asks for; ``every`` (seconds) replaces every cron schedule (tests, trials)."""
    jitter = int(config["schedule.jitter"]) or None
    now = every is not None
    jobs = {
        f"crawl:{s.id}": JobSpec(f"crawl:{s.id}", crawl_job, (s.id,), _trigger(source_schedule(s, config), config, every, jitter),
                                 "crawl", f"crawl {s.id}", now)
        for s in sources if s.enabled
    }
    if config["digest.enabled"]:
        jobs["digest"] = JobSpec("digest", digest_job, (), _trigger(str(config["digest.schedule"]), config, every, None),
                                 "digest", "digest", now)
        retry = every or float(max(30, min(300, int(config["digest.retry_base_seconds"]))))
        jobs["outbox"] = JobSpec("outbox", outbox_job, (), interval_trigger(retry, str(config["timezone"])),
                                 "digest", "outbox retries")
    return jobs


def _same(job: Job, spec: JobSpec) -> bool:
    return (trigger_signature(job.trigger) == trigger_signature(spec.trigger) and tuple(job.args) == spec.args
            and job.executor == spec.executor and job.func_ref == f"{spec.func.__module__}:{spec.func.__name__}")


def sync_jobs(scheduler: BackgroundScheduler, wanted: dict[str, JobSpec]) -> SyncReport:
    """Make the stored jobs match ``wanted``; unchanged jobs keep their next run time."""
    report = SyncReport()
    existing = {job.id: job for job in scheduler.get_jobs()}
    for job_id, spec in wanted.items():
        job = existing.get(job_id)
        if job is not None and _same(job, spec):
            report.kept.append(job_id)
            continue
        first = {"next_run_time": datetime.now(UTC)} if spec.start_now else {}
        scheduler.add_job(spec.func, trigger=spec.trigger, args=spec.args, id=job_id, name=spec.name,
                          executor=spec.executor, replace_existing=True, **first)
        (report.updated if job is not None else report.added).append(job_id)
    for job_id in existing.keys() - wanted.keys():
        scheduler.remove_job(job_id)
        report.removed.append(job_id)
    return report


def build_scheduler(config: Config, engine: Engine) -> BackgroundScheduler:
    """A background scheduler on the planwatch database, with the job defaults of the brief."""
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)},
        executors={"crawl": ThreadPoolExecutor(max(1, int(config["schedule.max_parallel_crawls"]))),
                   "digest": ThreadPoolExecutor(1), "default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(config["schedule.misfire_grace"])},
        timezone=str(config["timezone"]),
    )


def stop_scheduler(scheduler: BackgroundScheduler, *, wait: bool = True) -> None:
    """Stop ``scheduler`` and leave its stored jobs exactly as they are.

    APScheduler 3 makes one more pass over its job stores after ``shutdown()`` began,
    with the executors already closed: a job due at that moment fails to start and is
    moved on to its next time, so the run would be lost. Pausing and detaching the job
    store first (its rows stay in the database) leaves that pass nothing to do.
    """
    if not scheduler.running:
        return
    scheduler.pause()
    scheduler.remove_jobstore("default", shutdown=True)
    scheduler.shutdown(wait=wait)


def scheduled_times(engine: Engine) -> dict[str, datetime]:
    """Next run time of every job in the daemon's job store (empty when there is none)."""
    if not inspect(engine).has_table(JOBSTORE_TABLE):
        return {}
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT id, next_run_time FROM {JOBSTORE_TABLE}")).all()
    return {str(job_id): datetime.fromtimestamp(float(when), UTC) for job_id, when in rows if when is not None}


def _on_job_event(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_ERROR:
        log_event(_log, "job.failed", logging.ERROR, job=event.job_id, error=f"{type(event.exception).__name__}: {event.exception}",
                  traceback=event.traceback or "")
    elif event.code == EVENT_JOB_MISSED:
        log_event(_log, "job.missed", logging.WARNING, job=event.job_id, scheduled=event.scheduled_run_time.isoformat())
    elif event.code == EVENT_JOB_MAX_INSTANCES:
        log_event(_log, "job.still_running", logging.WARNING, job=event.job_id,
                  note="the previous run has not finished; this one is skipped")
    else:
        log_event(_log, "job.done", job=event.job_id)


@dataclass
class _Signals:
    """Signals turned into flags the main loop reads (handlers must do almost nothing)."""

    stop: threading.Event = field(default_factory=threading.Event)
    reload: threading.Event = field(default_factory=threading.Event)
    received: str = ""

    def install(self) -> None:
        def _stop(signum: int, frame: FrameType | None) -> None:
            self.received = signal.Signals(signum).name
            self.stop.set()

        def _reload(signum: int, frame: FrameType | None) -> None:
            self.reload.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGHUP, _reload)


def _sync(scheduler: BackgroundScheduler, runtime: Runtime, sources_file: Path, every: float | None) -> SyncReport:
    from crawler.storing import sync_sources  # Source rows for status and for settling runs

    sources = load_sources(sources_file)
    sync_sources(runtime.engine, sources)
    runtime.sources = {source.id: source for source in sources}
    report = sync_jobs(scheduler, desired_jobs(runtime.config, sources, every=every))
    log_event(_log, "daemon.jobs_synced", added=report.added, updated=report.updated, removed=report.removed,
              kept=len(report.kept))
    return report


def _next_runs(scheduler: BackgroundScheduler) -> dict[str, str]:
    return {job.id: job.next_run_time.isoformat() for job in scheduler.get_jobs() if job.next_run_time}


def _serve(scheduler: BackgroundScheduler, runtime: Runtime, signals: _Signals, sources_file: Path,
           every: float | None, on_ready: Callable[[dict[str, str]], None] | None) -> None:
    scheduler.start(paused=True)
    _sync(scheduler, runtime, sources_file, every)
    scheduler.resume()
    next_runs = _next_runs(scheduler)
    log_event(_log, "daemon.started", jobs=len(next_runs), every=every)
    if on_ready is not None:
        on_ready(next_runs)
    while not signals.stop.wait(0.5):
        if signals.reload.is_set():
            signals.reload.clear()
            _sync(scheduler, runtime, sources_file, every)


def run_daemon(
    config: Config,
    engine: Engine,
    *,
    sources_file: Path | None = None,
    every: float | None = None,
    on_ready: Callable[[dict[str, str]], None] | None = None,
) -> int:
    """Run until SIGTERM/SIGINT; returns the exit code (0 after a clean stop)."""
    setup_logging(config)
    signals = _Signals()
    signals.install()
    with hold_lock("daemon", config, engine, what="planwatch daemon"):
        scheduler = build_scheduler(config, engine)
        scheduler.add_listener(_on_job_event, EVENT_JOB_ERROR | EVENT_JOB_EXECUTED | EVENT_JOB_MISSED
                               | EVENT_JOB_MAX_INSTANCES)
        runtime = Runtime(config, engine, {})
        install_runtime(runtime)
        try:
            _serve(scheduler, runtime, signals, sources_file or config.sources_file, every, on_ready)
        finally:
            log_event(_log, "daemon.stopping", signal=signals.received, running_crawls=len(runtime.children))
            if scheduler.running:
                scheduler.pause()  # nothing new is handed to the executors while they wind down
            runtime.stopping.set()  # running crawl jobs stop their children
            stop_scheduler(scheduler)
            install_runtime(None)
    log_event(_log, "daemon.stopped")
    return 0
