"""Changes with what a reader needs around them: the document, the source, the facts
a filter looks at. Shared by the digest and the feed, so both choose the same way.

Loading is batched (one query per table for a whole list of changes), and the
lookups prefer the document row, then the change's own ``detail``, then the source:
a ``source-failing`` change has no document, a ``repost`` names its own URL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlmodel import Session, col, func, select

from reports.filters import ChangeFacts, ChangeFilter
from store.models import Change, Document, Source

__all__ = ["ChangePool", "LoadedChange", "iter_matching", "load_changes", "matching_since"]

_BATCH = 500


@dataclass(frozen=True)
class LoadedChange:
    """One change with its document, its older document (year over year) and its source."""

    change: Change
    document: Document | None
    old_document: Document | None
    source: Source | None

    @property
    def id(self) -> int:
        return int(self.change.id or 0)

    def _detail(self, key: str) -> Any:
        return self.change.detail.get(key) if isinstance(self.change.detail, dict) else None

    @property
    def title(self) -> str:
        for candidate in (self.document and self.document.title, self._detail("title"),
                          self.old_document and self.old_document.title, self.source and self.source.name):
            if candidate:
                return str(candidate)
        return ""

    @property
    def region(self) -> str:
        for candidate in (self.document and self.document.region, self._detail("region"),
                          self.source and self.source.region):
            if candidate:
                return str(candidate)
        return ""

    @property
    def agency(self) -> str:
        for candidate in (self.document and self.document.agency, self._detail("agency"),
                          self.source and self.source.agency):
            if candidate:
                return str(candidate)
        return ""

    def indicators(self) -> list[str]:
        """Every indicator name the change mentions (its own, and its targets')."""
        names = [self.change.indicator or ""]
        for key in ("old", "new", "target", "actual"):
            target = self._detail(key)
            if isinstance(target, dict):
                names.append(str(target.get("indicator") or ""))
        return [name for name in dict.fromkeys(names) if name]

    @cached_property
    def facts(self) -> ChangeFacts:
        titles = [self.title, self.old_document.title if self.old_document else ""]
        return ChangeFacts(
            change_id=self.id,
            kind=self.change.kind,
            source_id=self.change.source_id or (self.document.source_id if self.document else None),
            region=self.region,
            texts=tuple(text for text in (*titles, *self.indicators()) if text),
        )


def load_changes(session: Session, changes: Sequence[Change]) -> list[LoadedChange]:
    """Attach documents and sources to ``changes`` with one query per table."""
    document_ids = {i for c in changes for i in (c.document_id, c.old_document_id) if i is not None}
    documents = {d.id: d for d in session.exec(select(Document).where(col(Document.id).in_(document_ids)))} \
        if document_ids else {}
    source_ids = {c.source_id for c in changes if c.source_id} | {d.source_id for d in documents.values()}
    sources = {s.id: s for s in session.exec(select(Source).where(col(Source.id).in_(source_ids)))} \
        if source_ids else {}
    loaded = []
    for change in changes:
        document = documents.get(change.document_id) if change.document_id else None
        source_id = change.source_id or (document.source_id if document else None)
        loaded.append(LoadedChange(
            change=change,
            document=document,
            old_document=documents.get(change.old_document_id) if change.old_document_id else None,
            source=sources.get(source_id) if source_id else None,
        ))
    return loaded


def _first_id_since(session: Session, since: datetime, after_id: int | None) -> int | None:
    statement = select(func.min(Change.id)).where(col(Change.created_at) >= since)
    if after_id is not None:
        statement = statement.where(col(Change.id) > after_id)
    first = session.exec(statement).one()
    return int(first) if first is not None else None


def matching_since(
    session: Session, flt: ChangeFilter, *, after_id: int | None, since: datetime | None
) -> tuple[list[LoadedChange], int | None]:
    """Changes above ``after_id`` (and created at or after ``since``) that pass ``flt``,
    oldest first, and the highest change id looked at (the next high-water mark)."""
    return ChangePool().matching(session, flt, after_id=after_id, since=since)


class ChangePool:
    """Changes read once and shared by every selection of one digest run.

    Holds every change above the lowest floor asked for so far; a lower floor reads only
    the missing older rows. Changes written after the first read have higher ids than any
    mark the pool hands out, so they wait for the next run. A ``since`` time becomes an
    id floor (the first change created at or after it), then is applied exactly.
    """

    def __init__(self) -> None:
        self._items: list[LoadedChange] = []
        self._loaded = False
        self._floor: int | None = None  # everything above this id is loaded
        self._ceiling: int | None = None  # the highest id at the first read

    def _covers(self, floor: int | None) -> bool:
        return self._loaded and (self._floor is None or (floor is not None and floor >= self._floor))

    def _load(self, session: Session, floor: int | None) -> None:
        if self._covers(floor):
            return
        statement = select(Change).order_by(col(Change.id))
        if floor is not None:
            statement = statement.where(col(Change.id) > floor)
        if self._loaded:
            statement = statement.where(col(Change.id) <= (self._floor or 0))
        elif self._ceiling is None:
            self._ceiling = session.exec(select(func.max(Change.id))).one()
        if self._ceiling is not None:
            statement = statement.where(col(Change.id) <= self._ceiling)
        self._items = load_changes(session, session.exec(statement).all()) + self._items
        self._floor, self._loaded = floor, True

    def matching(
        self, session: Session, flt: ChangeFilter, *, after_id: int | None, since: datetime | None
    ) -> tuple[list[LoadedChange], int | None]:
        """Like :func:`matching_since`; reads what the pool lacks through ``session``."""
        floor = after_id
        if since is not None:
            first = _first_id_since(session, since, after_id)
            if first is None:
                return [], after_id
            floor = first - 1
        self._load(session, floor)
        scanned = [item for item in self._items if (after_id is None or item.id > after_id)
                   and (since is None or item.change.created_at >= since)]
        highest = max((item.id for item in scanned), default=after_id)
        return [item for item in scanned if flt.matches(item.facts)], highest


def iter_matching(session: Session, flt: ChangeFilter) -> Iterator[LoadedChange]:
    """Every change passing ``flt``, newest first, read in batches (for feeds)."""
    boundary: int | None = None
    while True:
        statement = select(Change).order_by(col(Change.id).desc()).limit(_BATCH)
        if boundary is not None:
            statement = statement.where(col(Change.id) < boundary)
        batch = session.exec(statement).all()
        if not batch:
            return
        for item in load_changes(session, batch):
            if flt.matches(item.facts):
                yield item
        boundary = int(batch[-1].id or 0)
