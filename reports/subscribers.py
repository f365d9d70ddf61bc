"""Subscribers: add, list, remove, unsubscribe by token.

Removing a subscriber keeps the row (inactive) with its digests, so their high-water
mark survives: subscribing the same address again starts from the later of that
mark and the new subscription date minus ``digest.first_lookback_days``, and no
change is mailed to them twice. Each subscriber gets a random token for the
List-Unsubscribe link; :func:`unsubscribe` is what the archive's
``/unsubscribe?token=...`` page calls.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from reports.filters import expand_kinds
from reports.mailer import is_address
from store.errors import InputError, NotFound
from store.kinds import DigestStatus
from store.models import Digest, Source, Subscriber, utcnow

__all__ = ["SubscriberRow", "add_subscriber", "list_subscribers", "remove_subscriber", "unknown_sources", "unsubscribe"]


def _clean(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(value.strip() for value in values if value.strip()))


def _find(session: Session, email: str) -> Subscriber | None:
    return session.exec(select(Subscriber).where(func.lower(Subscriber.email) == email.strip().lower())).first()


def add_subscriber(
    session: Session, email: str, *, regions: Sequence[str] = (), sources: Sequence[str] = (),
    keywords: Sequence[str] = (), kinds: Sequence[str] = (), send_empty: bool = False, now: datetime | None = None,
) -> Subscriber:
    """Subscribe ``email`` with these filters (or re-subscribe a removed one)."""
    email = email.strip()
    if not is_address(email):
        raise InputError(f"{email!r} is not a mail address", hint="give it as name@example.org")
    subscriber = _find(session, email)
    if subscriber is not None and subscriber.active:
        raise InputError(f"{email} is already subscribed",
                         hint="`planwatch subscribers remove` it first to change its filters")
    subscriber = subscriber or Subscriber(email=email, token=secrets.token_urlsafe(18))
    subscriber.regions, subscriber.sources = _clean(regions), _clean(sources)
    subscriber.keywords, subscriber.kinds = _clean(keywords), expand_kinds(_clean(kinds))
    subscriber.send_empty, subscriber.active, subscriber.created_at = send_empty, True, now or utcnow()
    session.add(subscriber)
    session.flush()
    return subscriber


def unknown_sources(session: Session, sources: Sequence[str]) -> list[str]:
    """Source ids not (yet) in the store: a likely typo, or sources never crawled."""
    known = set(session.exec(select(Source.id)).all())
    return [source for source in sources if source not in known]


def remove_subscriber(session: Session, email: str) -> Subscriber:
    """Stop mailing ``email``; its digests and mark are kept."""
    subscriber = _find(session, email)
    if subscriber is None or not subscriber.active:
        raise NotFound(f"{email} is not subscribed", hint="see `planwatch subscribers list`")
    subscriber.active = False
    session.add(subscriber)
    return subscriber


def unsubscribe(session: Session, token: str) -> Subscriber | None:
    """The List-Unsubscribe action: deactivate the subscriber holding ``token`` (None if unknown)."""
    if not token:
        return None
    subscriber = session.exec(select(Subscriber).where(Subscriber.token == token)).first()
    if subscriber is not None:
        subscriber.active = False
        session.add(subscriber)
    return subscriber


@dataclass(frozen=True)
class SubscriberRow:
    """A subscriber with the state of its outbox, for listings."""

    subscriber: Subscriber
    last_delivered_at: datetime | None
    waiting: int

    def as_dict(self) -> dict[str, Any]:
        s = self.subscriber
        return {"email": s.email, "active": s.active, "regions": s.regions, "sources": s.sources,
                "keywords": s.keywords, "kinds": s.kinds, "send_empty": s.send_empty, "created_at": s.created_at,
                "last_delivered_at": self.last_delivered_at, "waiting_in_outbox": self.waiting}


def list_subscribers(session: Session, *, include_removed: bool = False) -> list[SubscriberRow]:
    """Subscribers (active ones unless ``include_removed``) with their last delivery and waiting digests."""
    statement = select(Subscriber).order_by(col(Subscriber.id))
    if not include_removed:
        statement = statement.where(col(Subscriber.active).is_(True))
    delivered = dict(session.exec(
        select(Digest.subscriber_id, func.max(Digest.delivered_at)).group_by(col(Digest.subscriber_id))).all())
    waiting = dict(session.exec(
        select(Digest.subscriber_id, func.count()).where(
            col(Digest.status).in_([DigestStatus.PENDING.value, DigestStatus.SENDING.value]))
        .group_by(col(Digest.subscriber_id))).all())
    return [SubscriberRow(s, delivered.get(s.id), int(waiting.get(s.id, 0))) for s in session.exec(statement).all()]
