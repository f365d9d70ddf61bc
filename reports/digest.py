"""Digests: which changes each subscriber gets, built once into the outbox, written as HTML.

A subscriber's next digest holds the changes above their high-water mark (the highest
``Digest.last_change_id`` of their digests, in any status) that pass their filters
(:class:`reports.filters.ChangeFilter`) and are not older than their subscription
minus ``digest.first_lookback_days``. Every change looked at moves the mark, matching
or not, so nothing is examined twice. While a subscriber has a digest waiting in the
outbox no new one is built for them: new changes wait above the mark for the next
run, so digests arrive in order and a change is never in two of them (the unique
(subscriber, change) constraint on DigestItem guards the same rule in the database).

Nothing new means no email: an ``empty`` row records the moved mark instead, unless
``digest.send_empty`` or the subscriber's ``send_empty`` asks for a heartbeat.

Every built digest is also written to ``<data_dir>/digests/digest-<id>.html`` with an
``index.html`` beside it, so digests can be read without a mail client. Previews
(``planwatch digest`` without ``--send``) go to ``preview-<who>.html`` and change
nothing in the store.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from reports.changes import ChangePool, LoadedChange
from reports.digest_view import DigestView, build_view, render_html, render_text
from reports.filters import ChangeFilter
from reports.mailer import build_message, message_id_for
from reports.templating import render
from reports.urls import ArchiveUrls
from store.kinds import DigestStatus
from store.models import Digest, DigestItem, Subscriber
from store.settings import Config
from store.texts import put_text

__all__ = [
    "DigestPlan",
    "Recipient",
    "build_digest",
    "digest_view",
    "high_water_mark",
    "plan_digest",
    "subscriber_filter",
    "waiting_digest",
    "write_digest_file",
    "write_index",
]


@dataclass(frozen=True)
class Recipient:
    """Who a digest is for: a subscriber with filters, or an ad-hoc address (no filters)."""

    email: str
    subscriber: Subscriber | None = None

    @property
    def filter(self) -> ChangeFilter:
        return subscriber_filter(self.subscriber) if self.subscriber else ChangeFilter()

    @property
    def slug(self) -> str:
        """A file-name-safe name: the subscriber id, the address, or ``all``."""
        if self.subscriber is not None:
            return f"subscriber-{self.subscriber.id}"
        return re.sub(r"[^\w.@-]+", "_", self.email) or "all"


@dataclass(frozen=True)
class DigestPlan:
    """The changes a digest would hold, and the mark it would leave."""

    recipient: Recipient
    items: list[LoadedChange]
    last_change_id: int | None
    previous_mark: int | None
    since: datetime | None

    @property
    def moved_mark(self) -> bool:
        return self.last_change_id != self.previous_mark


def subscriber_filter(subscriber: Subscriber) -> ChangeFilter:
    return ChangeFilter(regions=tuple(subscriber.regions), sources=tuple(subscriber.sources),
                        keywords=tuple(subscriber.keywords), kinds=tuple(subscriber.kinds))


def high_water_mark(session: Session, subscriber_id: int) -> int | None:
    """The highest change id any digest of this subscriber looked at (None before the first)."""
    mark = session.exec(select(func.max(Digest.last_change_id)).where(Digest.subscriber_id == subscriber_id)).one()
    return int(mark) if mark is not None else None


def waiting_digest(session: Session, subscriber_id: int) -> Digest | None:
    """The oldest digest of this subscriber still pending or sending (None when the outbox holds none)."""
    waiting = (DigestStatus.PENDING.value, DigestStatus.SENDING.value)
    statement = (select(Digest).where(Digest.subscriber_id == subscriber_id, col(Digest.status).in_(waiting))
                 .order_by(col(Digest.id)))
    return session.exec(statement).first()


def _lookback_start(config: Config, start: datetime) -> datetime | None:
    days = int(config["digest.first_lookback_days"])
    return start - timedelta(days=days) if days > 0 else None


def plan_digest(
    session: Session, config: Config, recipient: Recipient, *, now: datetime, since: datetime | None = None,
    pool: ChangePool | None = None,
) -> DigestPlan:
    """The changes the recipient's next digest holds; ``since`` replaces mark and lookback.

    ``pool`` shares the changes read once among all recipients of a run.
    """
    subscriber = recipient.subscriber
    mark = high_water_mark(session, int(subscriber.id or 0)) if subscriber else None
    after: int | None = None
    start: datetime | None = since
    if since is None:
        after = mark
        start = _lookback_start(config, subscriber.created_at if subscriber else now)
    items, highest = (pool or ChangePool()).matching(session, recipient.filter, after_id=after, since=start)
    return DigestPlan(recipient, items, highest if highest is not None else mark, mark, start)


def _unsubscribe_targets(config: Config, urls: ArchiveUrls, subscriber: Subscriber | None) -> list[str]:
    if subscriber is None or not subscriber.token:
        return []
    targets = [urls.unsubscribe(subscriber.token)]
    mailto = str(config["digest.unsubscribe_mailto"]).strip()
    if mailto:
        targets.append(f"mailto:{mailto}?subject={quote('unsubscribe ' + subscriber.token)}")
    return targets


def digest_view(config: Config, plan: DigestPlan, *, now: datetime, digest_id: int | None = None) -> DigestView:
    """The view of ``plan`` as the templates show it."""
    urls = ArchiveUrls(str(config["digest.archive_base_url"]))
    unsubscribe = _unsubscribe_targets(config, urls, plan.recipient.subscriber)
    return build_view(
        plan.items, urls=urls, recipient=plan.recipient.email, generated_at=now, timezone=str(config["timezone"]),
        max_per_section=int(config["digest.max_items_per_section"]), since=plan.since,
        unsubscribe_link=unsubscribe[0] if unsubscribe else "",
        filter_text="" if plan.recipient.filter.is_empty else plan.recipient.filter.describe(), digest_id=digest_id,
    )


def write_digest_file(config: Config, name: str, html: str) -> Path:
    """Write ``html`` to ``<data_dir>/digests/<name>`` atomically; returns the path."""
    folder = config.ensure_data_dir() / "digests"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    partial = path.with_name(path.name + ".part")
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, path)
    return path


def _wants_empty(config: Config, recipient: Recipient) -> bool:
    return bool(config["digest.send_empty"]) or bool(recipient.subscriber and recipient.subscriber.send_empty)


def build_digest(session: Session, config: Config, plan: DigestPlan, *, now: datetime) -> Digest | None:
    """Put ``plan`` into the outbox: the Digest, its items, its frozen message and HTML file.

    Returns None when there is nothing to send (after recording an ``empty`` row if the
    mark moved). Raises IntegrityError if another run placed one of these changes first.
    """
    recipient, subscriber = plan.recipient, plan.recipient.subscriber
    if not plan.items and not _wants_empty(config, recipient):
        if subscriber is not None and plan.moved_mark:
            session.add(Digest(subscriber_id=subscriber.id, recipient=recipient.email, created_at=now,
                               status=DigestStatus.EMPTY.value, last_change_id=plan.last_change_id))
            session.flush()
        return None
    digest = Digest(subscriber_id=subscriber.id if subscriber else None, recipient=recipient.email,
                    created_at=now, status=DigestStatus.PENDING.value, change_count=len(plan.items),
                    last_change_id=plan.last_change_id)
    session.add(digest)
    session.flush()
    digest_id = int(digest.id or 0)
    if plan.items:  # one executemany: thousands of items cost milliseconds, not ORM objects
        session.execute(insert(DigestItem), [{"digest_id": digest_id, "change_id": item.id,
                                              "subscriber_id": digest.subscriber_id} for item in plan.items])
    view = digest_view(config, plan, now=now, digest_id=digest_id)
    html = render_html(view)
    fingerprint = f"{recipient.email}|{plan.last_change_id}|{','.join(str(item.id) for item in plan.items)}"
    message = build_message(
        sender=str(config["smtp.from_addr"]), to=recipient.email, subject=view.subject, text=render_text(view),
        html=html, message_id=message_id_for(digest_id, fingerprint, str(config["smtp.from_addr"])),
        date=now, timezone=str(config["timezone"]),
        unsubscribe=_unsubscribe_targets(config, ArchiveUrls(str(config["digest.archive_base_url"])), subscriber),
    )
    digest.subject, digest.message_id = view.subject, str(message["Message-ID"])
    digest.message_hash = put_text(session, message.as_bytes().decode("ascii"))
    path = write_digest_file(config, f"digest-{digest_id:06d}.html", html)
    digest.html_path = str(path.relative_to(config.data_dir)) if path.is_relative_to(config.data_dir) else str(path)
    session.add(digest)
    session.flush()
    return digest


def write_index(session: Session, config: Config) -> Path:
    """``<data_dir>/digests/index.html``: every digest built, newest first, linked to its file."""
    digests: Sequence[Digest] = session.exec(
        select(Digest).where(col(Digest.html_path).is_not(None)).order_by(col(Digest.id).desc()).limit(500)
    ).all()
    rows = [(d, Path(d.html_path or "").name) for d in digests]
    html = render("digest/index.html", rows=rows, timezone=str(config["timezone"]))
    return write_digest_file(config, "index.html", html)
