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
from typing import Any

from sqlmodel import Session, col, select

from reports.filters import ChangeFacts, ChangeFilter
from store.models import Change, Document, Source

__all__ = ["LoadedChange", "iter_matching", "load_changes", "matching_since"]

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

    @property
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


def matching_since(
    session: Session, flt: ChangeFilter, *, after_id: int | None, since: datetime | None
) -> tuple[list[LoadedChange], int | None]:
    """Changes above ``after_id`` (and created at or after ``since``) that pass ``flt``,
    oldest first, and the highest change id looked at (the next high-water mark)."""
    statement = select(Change).order_by(col(Change.id))
    if after_id is not None:
        statement = statement.where(col(Change.id) > after_id)
    if since is not None:
        statement = statement.where(col(Change.created_at) >= since)
    changes = session.exec(statement).all()
    highest = max((int(c.id or 0) for c in changes), default=after_id)
    loaded = load_changes(session, changes)
    return [item for item in loaded if flt.matches(item.facts)], highest


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
