"""Sources that failed repeatedly, turned into ``source-failing`` changes.

A source whose latest ``threshold`` finished crawl runs all ended ``failed`` is
reported once per failure streak: the change's ``dedup_key`` names the first failed
run of the streak, so recording again while the streak goes on adds nothing, and a
source that recovers and later fails again gets a new change. Runs still ``running``
are ignored. The digest calls :func:`record_failing_sources` at the start of every
digest run; the cycle may call it after each crawl too (it is idempotent).

``detail`` of a ``source-failing`` change::

    {"source_id", "source_name", "failed_runs", "first_failed_at", "last_failed_at",
     "last_error", "runs": [{"id", "started_at", "message"}, ...]}   # newest first
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from store.kinds import ChangeKind, RunStatus
from store.models import Change, CrawlRun, Source, utcnow

__all__ = ["failure_streak", "record_failing_sources"]

_LOOK_BACK_RUNS = 200
_SUMMARY_ERROR_CHARS = 120


def failure_streak(runs: Sequence[CrawlRun]) -> list[CrawlRun]:
    """The unbroken run of failed runs at the head of ``runs`` (given newest first).

    Runs still ``running`` and runs ``interrupted`` (Ctrl-C, a time limit, a stop) say
    nothing about the site, so they neither count nor end the streak: a failing source
    stays failing when someone stops one of its crawls.
    """
    streak: list[CrawlRun] = []
    for run in runs:
        if run.status in (RunStatus.RUNNING, RunStatus.INTERRUPTED):
            continue
        if run.status != RunStatus.FAILED:
            break
        streak.append(run)
    return streak


def _last_error(run: CrawlRun) -> str:
    if run.message:
        return run.message
    if run.errors:
        return ", ".join(f"{kind}: {count}" for kind, count in sorted(run.errors.items()))
    return "failed"


def _change_for(source: Source, streak: list[CrawlRun], now: datetime) -> Change:
    error = " ".join(_last_error(streak[0]).split())
    short = error if len(error) <= _SUMMARY_ERROR_CHARS else error[: _SUMMARY_ERROR_CHARS - 1] + "…"
    return Change(
        kind=ChangeKind.SOURCE_FAILING,
        created_at=now,
        source_id=source.id,
        summary=f"{source.name} 连续 {len(streak)} 次抓取失败: {short}",
        detail={
            "source_id": source.id,
            "source_name": source.name,
            "failed_runs": len(streak),
            "first_failed_at": streak[-1].started_at.isoformat(),
            "last_failed_at": streak[0].started_at.isoformat(),
            "last_error": error,
            "runs": [{"id": run.id, "started_at": run.started_at.isoformat(), "message": _last_error(run)}
                     for run in streak[:10]],
        },
        dedup_key=f"source-failing:{source.id}:{streak[-1].id}",
    )


def record_failing_sources(session: Session, *, threshold: int = 3, now: datetime | None = None) -> list[Change]:
    """Add a ``source-failing`` change for each source newly failing ``threshold`` times in a row."""
    now = now or utcnow()
    added: list[Change] = []
    for source in session.exec(select(Source).order_by(col(Source.id))).all():
        runs = session.exec(
            select(CrawlRun).where(CrawlRun.source_id == source.id)
            .order_by(col(CrawlRun.started_at).desc(), col(CrawlRun.id).desc()).limit(_LOOK_BACK_RUNS)
        ).all()
        streak = failure_streak(runs)
        if len(streak) < max(threshold, 1):
            continue
        change = _change_for(source, streak, now)
        if session.exec(select(Change.id).where(Change.dedup_key == change.dedup_key)).first() is None:
            session.add(change)
            added.append(change)
    session.flush()
    return added
