"""One full cycle for cron mode (``planwatch run --once``): crawl, analyse, digest.

A cycle is a table of steps run in order (:data:`STEPS`); each step's failure is
recorded in the summary and the next steps still run: analysis picks up versions an
earlier crawl left, and the digest still retries its outbox when a crawl crashed.

- **crawl** the *due* sources: a source is due when its cron schedule (its own or
  ``schedule.crawl``) fired since its last crawl run started, or when it never ran;
  ``force_all`` crawls every enabled source. Crawls run in this process, one after
  another (``crawler.run.crawl_sources``), each stopping itself at ``crawl.time_limit``.
- **analyse** what the crawls stored (targets, series, changes), under the
  ``analysis`` lock so a daemon crawl finishing at the same moment waits its turn.
- **digest**: build and send digests when ``digest.schedule`` fired since the last
  digest (:class:`store.models.ScheduleMark` ``digest``), unless switched off; in
  between, only resend digests the mail server refused once their backoff is over.

:func:`run_once` holds the ``cycle`` lock around it all (see :mod:`monitor.locks`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from monitor.locks import hold_lock, lock_for
from monitor.logs import get_logger, log_event
from monitor.schedule import is_due, last_started, source_schedule
from store.engine import session_scope
from store.errors import DatabaseUnavailable, LockHeld
from store.models import ScheduleMark, utcnow
from store.settings import Config
from store.sources_config import SourceConfig

__all__ = [
    "STEPS",
    "CycleOptions",
    "CycleSummary",
    "Step",
    "StepOutcome",
    "analyse_step",
    "digest_due",
    "due_sources",
    "mark_ran",
    "run_cycle",
    "run_once",
]

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
_log = get_logger("cycle")


@dataclass
class StepOutcome:
    """How one step of a cycle ended: ok, failed (with the error) or skipped (with why)."""

    name: str
    status: str
    detail: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass
class CycleOptions:
    """What ``run --once`` was asked for."""

    force_all: bool = False
    digest: bool = True
    now: datetime | None = None
    progress: Callable[[str, Any], None] | None = None  # crawl progress (source id, tally)
    on_step: Callable[[StepOutcome], None] | None = None


@dataclass
class CycleSummary:
    """A finished cycle: which sources were due, and every step's outcome."""

    started_at: datetime
    finished_at: datetime | None = None
    due: list[str] = field(default_factory=list)
    not_due: list[str] = field(default_factory=list)
    steps: list[StepOutcome] = field(default_factory=list)

    @property
    def failed_steps(self) -> list[str]:
        return [step.name for step in self.steps if step.status == FAILED]

    def step(self, name: str) -> StepOutcome | None:
        return next((step for step in self.steps if step.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        return {"started_at": self.started_at, "finished_at": self.finished_at, "due": self.due,
                "not_due": self.not_due, "failed_steps": self.failed_steps,
                "steps": [{"name": s.name, "status": s.status, "error": s.error, **s.detail} for s in self.steps]}


@dataclass
class _Cycle:
    config: Config
    engine: Engine
    sources: list[SourceConfig]
    options: CycleOptions
    now: datetime
    summary: CycleSummary


def due_sources(
    config: Config, engine: Engine, sources: list[SourceConfig], *, now: datetime, force_all: bool = False
) -> tuple[list[SourceConfig], list[SourceConfig]]:
    """(due, not due) among the enabled sources; ``force_all`` makes every enabled one due."""
    enabled = [source for source in sources if source.enabled]
    if force_all:
        return enabled, []
    with Session(engine) as session:
        started = last_started(session)
    zone = str(config["timezone"])
    due = [s for s in enabled if is_due(source_schedule(s, config), zone, started.get(s.id), now)]
    return due, [s for s in enabled if s not in due]


def _crawl_step(cycle: _Cycle) -> StepOutcome:
    due, not_due = due_sources(cycle.config, cycle.engine, cycle.sources, now=cycle.now,
                               force_all=cycle.options.force_all)
    cycle.summary.due, cycle.summary.not_due = [s.id for s in due], [s.id for s in not_due]
    log_event(_log, "cycle.due", due=cycle.summary.due, not_due=cycle.summary.not_due)
    if not due:
        return StepOutcome("crawl", SKIPPED, {"reason": "no source is due"})
    from crawler.run import crawl_sources  # Scrapy only when something is crawled

    runs = crawl_sources(cycle.config, due, trigger="cron", progress=cycle.options.progress)
    for run in runs:
        log_event(_log, "crawl.finished", source=run.source_id, status=run.status.value, mode=run.mode,
                  new_versions=run.new_versions, message=run.message)
    return StepOutcome("crawl", OK, {"runs": [run.as_dict() for run in runs]})


def analyse_step(config: Config, engine: Engine) -> dict[str, Any]:
    """Analyse every stored version not analysed yet, one analyser at a time."""
    from monitor.analysis.pipeline import analyse_pending

    with hold_lock("analysis", config, engine, wait=True, what="analysis"):
        result = analyse_pending(engine)
    detail: dict[str, Any] = result.to_json()
    log_event(_log, "analysis.finished", **detail)
    return detail


def _analyse_step(cycle: _Cycle) -> StepOutcome:
    return StepOutcome("analyse", OK, analyse_step(cycle.config, cycle.engine))


def digest_due(config: Config, engine: Engine, now: datetime) -> bool:
    """Has ``digest.schedule`` fired since the last digest run (or was there none)?"""
    with Session(engine) as session:
        mark = session.get(ScheduleMark, "digest")
    last = mark.last_run_at if mark is not None else None
    return is_due(str(config["digest.schedule"]), str(config["timezone"]), last, now)


def mark_ran(engine: Engine, name: str, when: datetime, status: str) -> None:
    """Remember that the scheduled task ``name`` ran at ``when``."""
    with session_scope(engine) as session:
        mark = session.get(ScheduleMark, name) or ScheduleMark(name=name)
        mark.last_run_at, mark.last_status = when, status
        session.add(mark)


def _delivery_outcome(result: Any, status: str, detail: dict[str, Any]) -> StepOutcome:
    detail.update(delivered=result.delivered, failed_deliveries=len(result.failed))
    log_event(_log, "digest.finished", **detail)
    error = "; ".join(f"{r.recipient}: {r.detail}" for r in result.failed)
    return StepOutcome("digest", FAILED if result.failed else status, detail, error)


def _retry_outbox(cycle: _Cycle) -> StepOutcome:
    """Between digest times: only resend digests the server refused, once their backoff is over."""
    from reports.digest_run import retry_outbox

    reason = "digest.schedule has not fired since the last digest"
    result = retry_outbox(cycle.config, cycle.engine, now=cycle.now)
    if not result.results:
        return StepOutcome("digest", SKIPPED, {"reason": reason})
    return _delivery_outcome(result, OK, {"reason": reason, "outbox_retried": len(result.results)})


def _digest_step(cycle: _Cycle) -> StepOutcome:
    if not cycle.options.digest:
        return StepOutcome("digest", SKIPPED, {"reason": "--no-digest"})
    if not cycle.config["digest.enabled"]:
        return StepOutcome("digest", SKIPPED, {"reason": "digest.enabled is false"})
    if not digest_due(cycle.config, cycle.engine, cycle.now):
        return _retry_outbox(cycle)
    from reports.digest_run import run_digests

    result = run_digests(cycle.config, cycle.engine, send=True, now=cycle.now)
    mark_ran(cycle.engine, "digest", cycle.now, FAILED if result.failed else OK)
    return _delivery_outcome(result, OK, {"empty": result.empty})


STEPS: tuple[tuple[str, Callable[[_Cycle], StepOutcome]], ...] = (
    ("crawl", _crawl_step),
    ("analyse", _analyse_step),
    ("digest", _digest_step),
)


def _run_step(name: str, step: Step, cycle: _Cycle) -> StepOutcome:
    """Run one step; its failure is recorded, except the store's own: without a database
    nothing can be recorded, so the cycle ends there with one line (exit 3)."""
    try:
        outcome = step(cycle)
    except DatabaseUnavailable:
        raise
    except Exception as exc:
        log_event(_log, "cycle.step_failed", logging.ERROR, exc_info=True, step=name)
        outcome = StepOutcome(name, FAILED, error=f"{type(exc).__name__}: {' '.join(str(exc).split())}")
    if cycle.options.on_step is not None:
        cycle.options.on_step(outcome)
    return outcome


Step = Callable[[_Cycle], StepOutcome]


def run_cycle(
    config: Config,
    engine: Engine,
    sources: list[SourceConfig],
    options: CycleOptions,
    steps: tuple[tuple[str, Step], ...] = STEPS,
) -> CycleSummary:
    """Run every step once; a failed step is recorded and the next one still runs."""
    now = options.now or utcnow()
    summary = CycleSummary(started_at=now)
    cycle = _Cycle(config, engine, sources, options, now, summary)
    log_event(_log, "cycle.started", force_all=options.force_all, digest=options.digest)
    for name, step in steps:
        summary.steps.append(_run_step(name, step, cycle))
    summary.finished_at = utcnow()
    mark_ran(engine, "cycle", now, FAILED if summary.failed_steps else OK)
    log_event(_log, "cycle.finished", due=summary.due, failed_steps=summary.failed_steps,
              seconds=round((summary.finished_at - now).total_seconds(), 1))
    return summary


def run_once(
    config: Config,
    engine: Engine,
    sources: list[SourceConfig],
    options: CycleOptions,
    *,
    wait: bool = False,
    on_wait: Callable[[str], None] | None = None,
) -> CycleSummary:
    """One cycle under the ``cycle`` lock: LockHeld (exit 5) when another runs, unless ``wait``.

    Also LockHeld when a daemon runs on this store: the two modes would crawl the same
    sources side by side.
    """
    _refuse_beside_daemon(config, engine)
    with hold_lock("cycle", config, engine, wait=wait, on_wait=on_wait):
        return run_cycle(config, engine, sources, options)


def _refuse_beside_daemon(config: Config, engine: Engine) -> None:
    daemon = lock_for("daemon", config, engine)
    if not daemon.try_acquire():
        raise LockHeld(f"a planwatch daemon is running on this store (lock: {daemon.where})",
                       hint="use either the daemon or run --once from cron, not both")
    daemon.release()
