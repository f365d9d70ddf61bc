"""How each source is doing: last run, its result, failures in a row, next scheduled time.

``planwatch status`` shows this. A source whose last ``digest.failing_after_runs``
(3) finished runs all failed is flagged ``failing``; the streak is counted exactly as
the digest counts it (:func:`monitor.analysis.failing.failure_streak`: runs still
``running`` or ``interrupted`` are skipped, anything else but ``failed`` ends the streak).

The next scheduled time comes from the daemon's job store when it holds the
source's job (the daemon decides, jitter included), else from the cron schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from crawler.recovery import shown_status
from monitor.analysis.failing import failure_streak
from monitor.daemon import scheduled_times
from monitor.schedule import next_fire, source_schedule
from store.kinds import RunStatus
from store.models import CrawlRun, Digest, ScheduleMark, Source
from store.settings import Config
from store.sources_config import SourceConfig

__all__ = ["SourceHealth", "StoreHealth", "is_running", "source_health", "store_health"]

_LOOK_BACK_RUNS = 200
_OVERDUE = timedelta(minutes=2)


@dataclass(frozen=True)
class SourceHealth:
    """One source's state for ``planwatch status``."""

    source_id: str
    name: str
    enabled: bool
    in_config: bool
    schedule: str
    last_started: datetime | None
    last_finished: datetime | None
    last_status: str | None
    last_message: str
    consecutive_failures: int
    failing: bool
    next_run: datetime | None
    next_run_from: str  # "daemon" | "schedule" | ""
    overdue: bool = False  # the daemon's time has passed: is the daemon running?

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source_id, "name": self.name, "enabled": self.enabled, "in_config": self.in_config,
            "schedule": self.schedule, "last_run": {"started_at": self.last_started, "finished_at": self.last_finished,
                                                    "status": self.last_status, "message": self.last_message},
            "consecutive_failures": self.consecutive_failures, "failing": self.failing,
            "next_run": self.next_run, "next_run_from": self.next_run_from, "next_run_overdue": self.overdue,
        }


@dataclass(frozen=True)
class StoreHealth:
    """The daemon's and cron mode's own times: next digest, last digest, last cycle.

    ``last_digest`` is the later of the last scheduled digest run (daemon or ``run
    --once``) and the last digest a server accepted, however it was sent (``digest --send``
    by hand included).
    """

    daemon_jobs: int
    next_digest: datetime | None
    next_digest_from: str
    last_digest: datetime | None
    last_cycle: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {"daemon_jobs": self.daemon_jobs, "next_digest": self.next_digest,
                "next_digest_from": self.next_digest_from, "last_digest": self.last_digest,
                "last_cycle": self.last_cycle}


def _runs(session: Session, source_id: str) -> list[CrawlRun]:
    statement = (select(CrawlRun).where(CrawlRun.source_id == source_id)
                 .order_by(col(CrawlRun.started_at).desc(), col(CrawlRun.id).desc()).limit(_LOOK_BACK_RUNS))
    return list(session.exec(statement).all())


def _next(job_id: str, expression: str, enabled: bool, jobs: dict[str, datetime], config: Config,
          now: datetime) -> tuple[datetime | None, str]:
    if not enabled:
        return None, ""
    if job_id in jobs:
        return jobs[job_id], "daemon"
    return next_fire(expression, str(config["timezone"]), now), "schedule"


@dataclass(frozen=True)
class _Entry:
    source_id: str
    name: str
    enabled: bool
    schedule: str
    in_config: bool


def _one(session: Session, config: Config, entry: _Entry, jobs: dict[str, datetime], now: datetime) -> SourceHealth:
    runs = _runs(session, entry.source_id)
    last = runs[0] if runs else None
    status, message = shown_status(last) if last else (None, "")  # a run whose process is gone: interrupted
    streak = len(failure_streak(runs))
    next_run, origin = _next(f"crawl:{entry.source_id}", entry.schedule, entry.enabled and entry.in_config, jobs,
                             config, now)
    return SourceHealth(
        entry.source_id, entry.name, entry.enabled, entry.in_config, entry.schedule,
        last.started_at if last else None, last.finished_at if last else None,
        status, message,
        streak, streak >= max(1, int(config["digest.failing_after_runs"])), next_run, origin,
        next_run is not None and next_run < now - _OVERDUE,
    )


def _entries(session: Session, config: Config, sources: list[SourceConfig]) -> list[_Entry]:
    """The configured sources, then those the store knows that the config no longer names."""
    entries = [_Entry(s.id, s.name, s.enabled, source_schedule(s, config), True) for s in sources]
    known = {s.id for s in sources}
    rows = session.exec(select(Source).order_by(col(Source.id))).all()
    entries += [_Entry(row.id, row.name, False, "", False) for row in rows if row.id not in known]
    return entries


def source_health(config: Config, engine: Engine, sources: list[SourceConfig], now: datetime) -> list[SourceHealth]:
    """Every configured source, then any the store knows that the config no longer names."""
    jobs = scheduled_times(engine)
    with Session(engine) as session:
        return [_one(session, config, entry, jobs, now) for entry in _entries(session, config, sources)]


def store_health(config: Config, engine: Engine, now: datetime) -> StoreHealth:
    """When the next digest goes out, and when the last digest and cron cycle ran."""
    jobs = scheduled_times(engine)
    with Session(engine) as session:
        digest = session.get(ScheduleMark, "digest")
        cycle = session.get(ScheduleMark, "cycle")
        delivered: datetime | None = session.exec(select(func.max(Digest.delivered_at))).one()
    next_digest, origin = _next("digest", str(config["digest.schedule"]), bool(config["digest.enabled"]), jobs,
                                config, now)
    times = [moment for moment in (digest.last_run_at if digest else None, delivered) if moment is not None]
    return StoreHealth(len(jobs), next_digest, origin, max(times, default=None),
                       cycle.last_run_at if cycle else None)


def is_running(health: SourceHealth) -> bool:
    """True while the latest run has not finished."""
    return health.last_status == RunStatus.RUNNING.value
