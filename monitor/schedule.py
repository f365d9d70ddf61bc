"""When each source is crawled: cron schedules, "is it due?", and the next time.

One place answers these for the daemon (its job triggers), ``run --once`` (which
sources are due) and ``planwatch status`` (the next scheduled time when no daemon
job store says otherwise). A source's schedule is its own ``schedule`` or the
``schedule.crawl`` setting, read in the ``timezone`` setting (Asia/Shanghai).

A source is *due* when its schedule fired since its last crawl run started, or when
it never ran: a cron cycle every 15 minutes crawls a daily source once a day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func
from sqlmodel import Session, col, select

from store.cron import crontab_trigger, crontab_weekdays
from store.errors import ConfigError
from store.models import CrawlRun
from store.settings import Config
from store.sources_config import SourceConfig

__all__ = [
    "cron_trigger",
    "crontab_weekdays",
    "interval_trigger",
    "is_due",
    "last_started",
    "next_fire",
    "source_schedule",
    "trigger_signature",
]


def source_schedule(source: SourceConfig, config: Config) -> str:
    """The cron expression a source is crawled on: its own, else ``schedule.crawl``."""
    return source.schedule or str(config["schedule.crawl"])


def cron_trigger(expression: str, timezone: str, jitter: int | None = None) -> CronTrigger:
    """A 5-field crontab expression (crontab weekdays: 0/7 = Sunday) as a trigger; ConfigError when malformed."""
    try:
        trigger = crontab_trigger(expression, timezone)
    except ValueError as exc:
        raise ConfigError(f"schedule {expression!r} is not a cron expression ({exc})",
                          hint="five fields: minute hour day month weekday, e.g. '0 6 * * *'") from exc
    if jitter:
        trigger.jitter = jitter
    return trigger


def interval_trigger(seconds: float, timezone: str) -> IntervalTrigger:
    """Every ``seconds`` (the daemon's ``--every``, for tests and trials)."""
    return IntervalTrigger(seconds=seconds, timezone=timezone)


def trigger_signature(trigger: BaseTrigger) -> str:
    """What makes two triggers the same schedule (a restart keeps a job whose signature is unchanged)."""
    zone = getattr(trigger, "timezone", "")
    jitter = getattr(trigger, "jitter", None)
    return f"{type(trigger).__name__}|{trigger}|{zone}|{jitter}"


def next_fire(expression: str, timezone: str, after: datetime) -> datetime | None:
    """The first time the schedule fires strictly after ``after`` (aware), without jitter."""
    trigger = cron_trigger(expression, timezone)
    fire: datetime | None = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    return fire


def is_due(expression: str, timezone: str, last_start: datetime | None, now: datetime) -> bool:
    """True when the schedule fired after ``last_start`` and by ``now`` (always, if it never ran)."""
    if last_start is None:
        return True
    fire = next_fire(expression, timezone, last_start)
    return fire is not None and fire <= now


def last_started(session: Session) -> dict[str, datetime]:
    """When each source's latest crawl run started (sources that never ran are absent)."""
    statement = select(CrawlRun.source_id, func.max(CrawlRun.started_at)).group_by(col(CrawlRun.source_id))
    rows = session.exec(statement).all()
    return {source_id: _aware(started) for source_id, started in rows if source_id is not None and started}


def _aware(value: datetime) -> datetime:
    """A naive value from an aggregate is UTC (the store's clock): make it aware."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
