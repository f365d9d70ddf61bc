"""Subscribers: add, list, remove, unsubscribe by token.

Removing a subscriber keeps the row (inactive) with its digests, so their high-water
mark survives: subscribing the same address again starts from the later of that
mark and the new subscription date minus ``digest.first_lookback_days``, and no
change is mailed to them twice. Each subscriber gets a random token for the
List-Unsubscribe link; :func:`find_by_token` and :func:`unsubscribe` are what the
archive's ``/unsubscribe?token=...`` page (``reports/web/unsubscribe.py``) calls, and
:func:`masked_email` is how that page shows the address.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from reports.filters import expand_kinds
from reports.mailer import is_address
from store.errors import InputError, NotFound
from store.kinds import DigestStatus
from store.models import Digest, Source, Subscriber, utcnow

__all__ = [
    "SubscriberRow", "Unsubscribed", "add_subscriber", "find_by_token", "list_subscribers", "masked_email",
    "remove_subscriber", "unknown_sources", "unsubscribe",
]

MAX_TOKEN_LENGTH = 100  # tokens are 24 characters; anything much longer is not one of ours


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


def find_by_token(session: Session, token: str) -> Subscriber | None:
    """The subscriber holding ``token`` (None for an empty, oversized or unknown token)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return session.exec(select(Subscriber).where(Subscriber.token == token)).first()


@dataclass(frozen=True)
class Unsubscribed:
    """What :func:`unsubscribe` did: the address, and whether it was still subscribed."""

    email: str
    was_active: bool


def unsubscribe(session: Session, token: str) -> Unsubscribed | None:
    """The List-Unsubscribe action: deactivate the subscriber holding ``token`` (None if unknown).

    The UPDATE comes first, so on SQLite the transaction takes the write lock at once
    (waiting out a busy writer) instead of failing to upgrade a read. Unsubscribing
    twice is harmless: the second call reports ``was_active=False``.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    changed = session.execute(
        update(Subscriber).where(col(Subscriber.token) == token, col(Subscriber.active).is_(True))
        .values(active=False).execution_options(synchronize_session=False))
    subscriber = find_by_token(session, token)
    if subscriber is None:
        return None
    return Unsubscribed(subscriber.email, changed.rowcount == 1)  # type: ignore[attr-defined]


def masked_email(email: str) -> str:
    """``zhang.san@example.org`` → ``z***@example.org``: enough to recognise, not to harvest."""
    local, at, domain = email.strip().rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


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
