"""One digest run, as the CLI, ``run --once`` and the daemon call it: :func:`run_digests`.

With ``send=True`` a run (1) records sources that failed repeatedly as changes, (2)
retries digests waiting in the outbox whose time has come (every refused one with
``retry_now``), (3) builds a digest for
each active subscriber without one waiting, and (4) sends those. With ``send=False`` it
renders previews into ``<data_dir>/digests/preview-*.html`` and marks nothing (step 1
still runs: sources failing repeatedly are facts of the crawl history, recorded once).
Failed deliveries are outcomes in the summary, never exceptions.

The daemon and ``run --once`` call ``run_digests(config, engine, send=True, now=...)``
and read ``delivered``, ``empty`` and ``failed`` of the summary; :func:`retry_outbox`
retries refused digests without building new ones.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from monitor.analysis.failing import record_failing_sources
from reports.changes import ChangePool
from reports.channels import channel_for
from reports.digest import (
    Recipient,
    build_digest,
    digest_view,
    plan_digest,
    waiting_digest,
    write_digest_file,
    write_index,
)
from reports.digest_view import render_html
from reports.mailer import is_address
from reports.outbox import Delivery, deliver_due
from store.engine import session_scope
from store.errors import InputError
from store.kinds import DigestStatus
from store.models import Digest, Subscriber, utcnow
from store.settings import Config

__all__ = ["DigestResult", "DigestRunSummary", "resolve_recipients", "retry_outbox", "run_digests"]

@dataclass(frozen=True)
class DigestResult:
    """What a run did for one recipient (or one retried digest)."""

    recipient: str
    status: str  # preview | empty | waiting | pending | delivered
    digest_id: int | None = None
    change_count: int = 0
    html_path: str | None = None
    message_id: str = ""
    detail: str = ""
    retried: bool = False
    next_attempt_at: datetime | None = None  # when a digest still in the outbox is tried again


@dataclass
class DigestRunSummary:
    """Every result of one run; counts for status lines and exit codes."""

    send: bool
    started_at: datetime
    results: list[DigestResult] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def delivered(self) -> int:
        return self._count(DigestStatus.DELIVERED.value)

    @property
    def failed(self) -> list[DigestResult]:
        """Digests tried in this run and still in the outbox."""
        return [r for r in self.results if r.status == DigestStatus.PENDING.value and r.detail]

    @property
    def empty(self) -> int:
        return self._count(DigestStatus.EMPTY.value)

    def as_dict(self) -> dict[str, Any]:
        return {"send": self.send, "started_at": self.started_at.isoformat(), "delivered": self.delivered,
                "failed": len(self.failed), "empty": self.empty, "results": [asdict(r) for r in self.results]}


def resolve_recipients(session: Session, to: str | None, *, preview: bool) -> list[Recipient]:
    """``to`` (a subscriber, else an ad-hoc address), or every active subscriber.

    A preview with no subscribers renders one unfiltered digest (recipient "").
    """
    if to is not None:
        if not is_address(to.strip()):
            raise InputError(f"{to!r} is not a mail address", hint="give it as name@example.org")
        found = session.exec(select(Subscriber).where(func.lower(Subscriber.email) == to.strip().lower())).first()
        return [Recipient(found.email, found) if found and found.active else Recipient(to.strip())]
    subscribers = session.exec(select(Subscriber).where(col(Subscriber.active).is_(True)).order_by(col(Subscriber.id))).all()
    recipients = [Recipient(s.email, s) for s in subscribers]
    return recipients or ([Recipient("")] if preview else [])


def _build_one(config: Config, engine: Engine, recipient: Recipient, now: datetime, pool: ChangePool) -> DigestResult:
    subscriber = recipient.subscriber
    try:
        with session_scope(engine) as session:
            if subscriber is not None:
                session.exec(select(Subscriber).where(Subscriber.id == subscriber.id).with_for_update()).first()
                waiting = waiting_digest(session, int(subscriber.id or 0))
                if waiting is not None:
                    return _waiting_result(config, recipient.email, waiting)
            plan = plan_digest(session, config, recipient, now=now, pool=pool)
            digest = build_digest(session, config, plan, now=now)
            if digest is None:
                return DigestResult(recipient.email, DigestStatus.EMPTY.value, detail="nothing new; no mail")
            return DigestResult(recipient.email, DigestStatus.PENDING.value, int(digest.id or 0), digest.change_count,
                                str(config.data_dir / (digest.html_path or "")), digest.message_id)
    except IntegrityError:
        return DigestResult(recipient.email, "waiting", detail="another digest run placed these changes first")


def _waiting_result(config: Config, email: str, digest: Digest) -> DigestResult:
    """A subscriber whose earlier digest is still in the outbox: when it is tried again, and how to force it."""
    when = digest.next_attempt_at
    at = when.astimezone(ZoneInfo(str(config["timezone"]))).strftime("%Y-%m-%d %H:%M %Z") if when else "the next run"
    if digest.status == DigestStatus.SENDING.value:
        detail = f"digest {digest.id} is being sent by another run (its claim lasts until {at})"
    else:
        refused = f" (last attempt: {digest.last_error})" if digest.last_error else ""
        detail = (f"an earlier digest ({digest.id}) is still in the outbox; next attempt {at}{refused}; "
                  "`planwatch digest --send --retry-now` retries it now")
    return DigestResult(email, "waiting", digest.id, digest.change_count, message_id=digest.message_id,
                        detail=detail, next_attempt_at=when)


def _as_result(delivery: Delivery, *, retried: bool) -> DigestResult:
    detail = delivery.error or delivery.receipt
    return DigestResult(delivery.recipient, delivery.status.value, delivery.digest_id, delivery.change_count,
                        message_id=delivery.message_id, detail=detail, retried=retried,
                        next_attempt_at=delivery.next_attempt_at)


def _waiting_ids(engine: Engine, to: str | None) -> list[int] | None:
    if to is None:
        return None
    with Session(engine) as session:
        statement = select(Digest.id).where(func.lower(Digest.recipient) == to.strip().lower())
        return [int(i) for i in session.exec(statement).all() if i is not None]


def _send(config: Config, engine: Engine, recipients: list[Recipient], now: datetime, to: str | None,
          retry_now: bool = False) -> list[DigestResult]:
    channel = channel_for(config)
    retried = deliver_due(config, engine, channel, now=now, only=_waiting_ids(engine, to), force=retry_now)
    results = [_as_result(d, retried=True) for d in retried]
    pool = ChangePool()
    built = [_build_one(config, engine, recipient, now, pool) for recipient in recipients]
    fresh = {d.digest_id: d for d in deliver_due(
        config, engine, channel, now=now, only=[r.digest_id for r in built if r.digest_id is not None])}
    for result in built:
        delivery = fresh.get(result.digest_id) if result.digest_id is not None else None
        if delivery is not None:
            result = replace(result, status=delivery.status.value, detail=delivery.error or delivery.receipt,
                             next_attempt_at=delivery.next_attempt_at)
        results.append(result)
    with Session(engine) as session:
        write_index(session, config)
    return results


def _preview(config: Config, engine: Engine, recipients: list[Recipient], now: datetime,
             since: datetime | None) -> list[DigestResult]:
    results = []
    pool = ChangePool()
    for recipient in recipients:
        with Session(engine) as session:
            plan = plan_digest(session, config, recipient, now=now, since=since, pool=pool)
        html = render_html(digest_view(config, plan, now=now))
        path = write_digest_file(config, f"preview-{recipient.slug}.html", html)
        results.append(DigestResult(recipient.email or "(all changes)", "preview",
                                    change_count=len(plan.items), html_path=str(path)))
    return results


def run_digests(
    config: Config, engine: Engine, *, send: bool, now: datetime | None = None,
    to: str | None = None, since: datetime | None = None, out: Path | None = None, retry_now: bool = False,
) -> DigestRunSummary:
    """Build and (with ``send``) deliver digests; see the module docstring for the steps.

    ``retry_now`` (``planwatch digest --send --retry-now``) retries refused digests of the
    outbox at once instead of at their ``next_attempt_at``.
    """
    now = now or utcnow()
    with session_scope(engine) as session:
        record_failing_sources(session, threshold=int(config["digest.failing_after_runs"]), now=now)
        recipients = resolve_recipients(session, to, preview=not send)
    if send and since is not None and any(r.subscriber is not None for r in recipients):
        raise InputError("--since only previews for subscribers; --send always starts at each subscriber's last digest",
                         hint="drop --send to render, or send to an ad-hoc address with --to")
    if out is not None and len(recipients) > 1:
        raise InputError(f"--out takes one digest, but {len(recipients)} subscribers would get one",
                         hint="name one with --to EMAIL")
    if send:
        results = _send(config, engine, recipients, now, to, retry_now) if since is None else _send_ad_hoc(
            config, engine, recipients, now, since)
    else:
        results = _preview(config, engine, recipients, now, since)
    summary = DigestRunSummary(send=send, started_at=now, results=results)
    if out is not None:
        _copy_out(summary, out)
    return summary


def _send_ad_hoc(config: Config, engine: Engine, recipients: list[Recipient], now: datetime,
                 since: datetime) -> list[DigestResult]:
    """--send --to ADDRESS --since DATE: one unfiltered digest to an address that is no subscriber."""
    results = []
    for recipient in recipients:
        with session_scope(engine) as session:
            digest = build_digest(session, config, plan_digest(session, config, recipient, now=now, since=since), now=now)
        if digest is None:
            results.append(DigestResult(recipient.email, DigestStatus.EMPTY.value, detail="nothing new; no mail"))
            continue
        for delivery in deliver_due(config, engine, channel_for(config), now=now, only=[int(digest.id or 0)]):
            results.append(replace(_as_result(delivery, retried=False),
                                   html_path=str(config.data_dir / (digest.html_path or ""))))
    return results


def _copy_out(summary: DigestRunSummary, out: Path) -> None:
    paths = [r.html_path for r in summary.results if r.html_path and not r.retried]
    if len(paths) == 1:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(paths[0], out)


def retry_outbox(config: Config, engine: Engine, *, now: datetime | None = None) -> DigestRunSummary:
    """Only retry digests waiting in the outbox whose time has come; build nothing new.

    For a scheduler that wants refused digests retried sooner than the next digest run
    (the backoff in ``digest.retry_base_seconds`` decides when each is due).
    """
    now = now or utcnow()
    deliveries = deliver_due(config, engine, channel_for(config), now=now)
    return DigestRunSummary(send=True, started_at=now, results=[_as_result(d, retried=True) for d in deliveries])
