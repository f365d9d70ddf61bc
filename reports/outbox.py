"""The outbox: a digest is delivered once the server accepted it, and retried until then.

Life of a digest row (``Digest.status``)::

    pending ──claim──▶ sending ──server accepted──▶ delivered
       ▲                  │
       └──refused/outage──┘  (attempts+1, last_error, next_attempt_at = now + backoff)

* **Built once, frozen.** A digest is built in one transaction with its DigestItems
  and its complete message (headers, Message-ID, Date, both parts) stored as a blob
  (``Digest.message_hash``). Every attempt sends exactly those bytes.
* **Claim before DATA.** Before talking to the server the digest is set to
  ``sending`` (attempts + 1, ``next_attempt_at`` = now + ``digest.sending_lease_seconds``)
  in its own committed transaction, by a compare-and-set on its status and due time,
  so two processes never send the same digest at once.
* **Mark after acceptance.** Only when the server answered 250 to DATA does the row
  become ``delivered``. A refusal (4xx/5xx), an outage or a timeout puts it back to
  ``pending`` with ``last_error`` and ``next_attempt_at`` = now + retry_base × 2^(attempts−1),
  capped at ``digest.retry_max_seconds``; the next run after that time tries again
  (``planwatch digest --send --retry-now`` tries a refused digest at once).
* **Crash recovery.** A process killed while a digest is ``sending`` leaves it
  ``sending``; once its lease ran out, the next run sends it again, same bytes.

The guarantee (README-ready): *Every change is placed in exactly one digest per
subscriber (a unique constraint on subscriber and change), and that digest stays in
the outbox until an SMTP server has accepted it — a change is never lost and never
placed in a second digest. Delivery is at-least-once: if planwatch dies, or the
connection drops, after the server accepted a digest but before planwatch recorded
it, the same digest is sent again after ``digest.sending_lease_seconds``, byte for
byte identical with the same Message-ID, so mail clients and servers that de-duplicate
by Message-ID show one message. That window is the only way a message arrives twice;
a refusal or an outage before acceptance never causes a duplicate.*
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from reports.channels import Channel
from reports.mailer import envelope_address
from store.engine import session_scope
from store.errors import DeliveryError
from store.kinds import DigestStatus
from store.models import Digest, Subscriber
from store.settings import Config
from store.texts import get_text

__all__ = ["Delivery", "RetryPolicy", "deliver_due", "due_digest_ids", "outbox_counts"]

log = logging.getLogger("planwatch.outbox")

_WAITING = (DigestStatus.PENDING.value, DigestStatus.SENDING.value)


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff between attempts, and how long a ``sending`` claim holds."""

    base_seconds: int = 300
    max_seconds: int = 21600
    lease_seconds: int = 600

    @classmethod
    def from_config(cls, config: Config) -> RetryPolicy:
        return cls(int(config["digest.retry_base_seconds"]), int(config["digest.retry_max_seconds"]),
                   int(config["digest.sending_lease_seconds"]))

    def delay(self, attempts: int) -> timedelta:
        """Wait before the next attempt after ``attempts`` failed ones: base × 2^(n−1), capped."""
        exponent = min(max(attempts, 1) - 1, 30)
        return timedelta(seconds=min(self.base_seconds * 2**exponent, self.max_seconds))


@dataclass(frozen=True)
class Delivery:
    """What one attempt did: delivered, or back to pending with the server's answer."""

    digest_id: int
    recipient: str
    status: DigestStatus
    attempts: int
    change_count: int
    message_id: str
    receipt: str = ""
    error: str | None = None
    next_attempt_at: datetime | None = None


@dataclass(frozen=True)
class _Claim:
    digest_id: int
    recipient: str
    message_id: str
    attempts: int
    change_count: int
    raw: bytes | None


def _due(now: datetime, force: bool) -> ColumnElement[bool]:
    """Whose time has come; with ``force`` also every refused (pending) digest, but never one
    another process holds as ``sending`` before its lease ran out."""
    due = or_(col(Digest.next_attempt_at).is_(None), col(Digest.next_attempt_at) <= now)
    return or_(due, col(Digest.status) == DigestStatus.PENDING.value) if force else due


def due_digest_ids(session: Session, now: datetime, only: Collection[int] | None = None, *,
                   force: bool = False) -> list[int]:
    """Digests waiting to go out whose time has come (active subscribers or ad-hoc), oldest first.

    ``force`` (``planwatch digest --send --retry-now``) ignores the backoff of refused digests.
    """
    statement = (
        select(Digest.id).outerjoin(Subscriber, col(Subscriber.id) == col(Digest.subscriber_id))
        .where(col(Digest.status).in_(_WAITING))
        .where(_due(now, force))
        .where(or_(col(Digest.subscriber_id).is_(None), col(Subscriber.active).is_(True)))
        .order_by(col(Digest.id))
    )
    if only is not None:
        statement = statement.where(col(Digest.id).in_(list(only)))
    return [int(digest_id) for digest_id in session.exec(statement).all() if digest_id is not None]


def _claim(engine: Engine, digest_id: int, now: datetime, policy: RetryPolicy, force: bool = False) -> _Claim | None:
    """Set the digest to ``sending`` in its own committed transaction, unless another process did."""
    with session_scope(engine) as session:
        claimed = session.execute(
            update(Digest)
            .where(col(Digest.id) == digest_id, col(Digest.status).in_(_WAITING))
            .where(_due(now, force))
            .values(status=DigestStatus.SENDING.value, attempts=col(Digest.attempts) + 1, sent_at=now,
                    next_attempt_at=now + timedelta(seconds=policy.lease_seconds))
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        digest = session.get(Digest, digest_id)
        assert digest is not None
        raw = get_text(session, digest.message_hash).encode("ascii") if digest.message_hash else None
        return _Claim(digest_id, digest.recipient, digest.message_id, digest.attempts, digest.change_count, raw)


def _finish(engine: Engine, claim: _Claim, now: datetime, outcome: tuple[str, str | None],
            policy: RetryPolicy) -> Delivery:
    receipt, error = outcome
    retry_at = None if error is None else now + policy.delay(claim.attempts)
    values = (
        {"status": DigestStatus.DELIVERED.value, "delivered_at": now, "last_error": None, "next_attempt_at": None}
        if error is None
        else {"status": DigestStatus.PENDING.value, "last_error": error, "next_attempt_at": retry_at}
    )
    with session_scope(engine) as session:
        session.execute(
            update(Digest).where(col(Digest.id) == claim.digest_id).values(**values)
            .execution_options(synchronize_session=False)
        )
    status = DigestStatus.DELIVERED if error is None else DigestStatus.PENDING
    return Delivery(claim.digest_id, claim.recipient, status, claim.attempts, claim.change_count,
                    claim.message_id, receipt=receipt, error=error, next_attempt_at=retry_at)


def _attempt(channel: Channel, claim: _Claim, sender: str) -> tuple[str, str | None]:
    if claim.raw is None:
        return "", "the stored message is missing; rebuild with `planwatch digest --send`"
    try:
        receipt = channel.deliver(claim.raw, sender=sender, recipients=[claim.recipient],
                                  message_id=claim.message_id)
    except DeliveryError as exc:  # keep a hint the user can act on (not the generic "stays in the outbox")
        hint = exc.hint if exc.hint and exc.hint != DeliveryError.default_hint else ""
        return "", f"{exc.message} ({hint})" if hint else exc.message
    except Exception as exc:  # a failed mail is an outcome, never the end of the run
        log.exception("digest %s: unexpected delivery failure", claim.digest_id)
        return "", f"{type(exc).__name__}: {exc}"
    return receipt, None


def deliver_due(
    config: Config, engine: Engine, channel: Channel, *, now: datetime, only: Collection[int] | None = None,
    force: bool = False,
) -> list[Delivery]:
    """Send every due digest (or those in ``only``; with ``force`` every refused one too) through ``channel``."""
    policy = RetryPolicy.from_config(config)
    sender = envelope_address(str(config["smtp.from_addr"]))
    with Session(engine) as session:
        ids = due_digest_ids(session, now, only, force=force)
    outcomes = []
    for digest_id in ids:
        claim = _claim(engine, digest_id, now, policy, force)
        if claim is None:
            continue
        delivery = _finish(engine, claim, now, _attempt(channel, claim, sender), policy)
        outcomes.append(delivery)
        log.info("digest %s to %s: %s", digest_id, claim.recipient, delivery.error or delivery.receipt)
    return outcomes


def outbox_counts(session: Session) -> dict[str, int]:
    """How many digests are in each status (for the CLI and the daemon's status line)."""
    rows = session.exec(select(Digest.status, func.count()).group_by(col(Digest.status))).all()
    return {str(status): int(count) for status, count in rows}
