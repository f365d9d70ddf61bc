"""Store reads the analysis needs: neighbouring versions, analysed versions, targets of a region.

Met/missed needs, for every analysed version, the targets (or actuals) other documents
of its region set for some years. Reading them per version grouped the whole ``version``
table and read every target of the region each time (bench/NOTES.md: the cost per
version grew with the store). :class:`RegionTargetCache` reads each (region, kind, year)
once per analysis run, for the documents of that region only, and is kept current by the
run itself (:meth:`RegionTargetCache.record` after each commit). Should another process
analyse versions meanwhile (a newer ``analysed_at`` than this run's own), the cache is
dropped and read again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import ColumnElement, func
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from monitor.analysis.matchrules import comparator_of
from monitor.analysis.targets import ExtractedTarget
from store.kinds import TargetKind
from store.models import Document, Target, Version

__all__ = [
    "RegionTargetCache",
    "RegionTargets",
    "as_stored",
    "latest_analysed_version",
    "previous_version",
    "targets_of",
]

INDICATOR_CHARS = 500  # Target.indicator as stored
SECTION_CHARS = 1000  # Target.section as stored


def previous_version(session: Session, version: Version) -> Version | None:
    """The version of the same document just before ``version``."""
    statement = (
        select(Version)
        .where(Version.document_id == version.document_id, col(Version.id) < (version.id or 0))
        .order_by(col(Version.id).desc())
    )
    return session.exec(statement).first()


def latest_analysed_version(session: Session, document_id: int) -> Version | None:
    """The newest version of a document whose analysis succeeded."""
    statement = (
        select(Version)
        .where(Version.document_id == document_id)
        .where(col(Version.analysed_at).is_not(None), col(Version.analysis_error).is_(None))
        .order_by(col(Version.id).desc())
    )
    return session.exec(statement).first()


def targets_of(session: Session, version_id: int) -> Sequence[Target]:
    statement = select(Target).where(Target.version_id == version_id).order_by(col(Target.position))
    return session.exec(statement).all()


def as_stored(target: ExtractedTarget) -> ExtractedTarget:
    """The target as its stored row reads back (indicator and section cut to their column sizes)."""
    if len(target.indicator) <= INDICATOR_CHARS and len(target.section) <= SECTION_CHARS:
        return target
    return replace(target, indicator=target.indicator[:INDICATOR_CHARS], section=target.section[:SECTION_CHARS])


@dataclass
class RegionTargets:
    """The targets (or actuals) of one other document's latest analysed version."""

    document_id: int
    version_id: int
    plan_year: int | None
    doc_type: str
    targets: list[ExtractedTarget] = field(default_factory=list)


Scope = tuple[str, str]  # ("region", name) or ("series", id)
_Year = tuple[bool, int]  # (dated: the deadline is the year; undated: the plan year is), year
_Rows = dict[int, tuple[RegionTargets, list[int]]]  # document id -> (targets, their positions)
_Years = dict[_Year, _Rows]


def _scope(document: Document) -> Scope | None:
    if document.region:
        return ("region", document.region)
    if document.series_id is not None:
        return ("series", str(document.series_id))
    return None


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    kind, value = scope
    return col(Document.region) == value if kind == "region" else col(Document.series_id) == int(value)


_COLUMNS = [col(column) for column in (
    Target.document_id, Target.version_id, Target.position, Target.indicator, Target.value, Target.value_max,
    Target.unit, Target.cmp, Target.deadline, Target.kind, Target.sentence, Target.section, Target.responsible,
    Document.plan_year, Document.doc_type)]


def _read(session: Session, scope: Scope, kind: str) -> _Years:
    """Rows of one kind in the scope's original documents' latest analysed versions, by year.

    One query per scope and kind: without an index on the kind or deadline of a target,
    every such query reads all targets of the scope, whatever years it asks for.
    """
    latest = (
        select(Version.document_id, func.max(Version.id).label("version_id"))
        .join(Document, col(Document.id) == col(Version.document_id))
        .where(_in_scope(scope), col(Version.analysed_at).is_not(None), col(Version.analysis_error).is_(None))
        .group_by(col(Version.document_id))
        .subquery()
    )
    statement = (  # from each latest version to its document and targets: linear whatever the planner's estimates
        select_columns(*_COLUMNS)
        .select_from(latest)
        .join(Document, col(Document.id) == latest.c.document_id)
        .join(Target, col(Target.version_id) == latest.c.version_id)
        .where(col(Document.canonical_id).is_(None), col(Target.kind) == kind)
        .order_by(col(Target.document_id), col(Target.position))
    )
    years: _Years = {}
    for (document_id, version_id, position, indicator, value, value_max, unit, cmp, deadline, row_kind, sentence,
         section, responsible, plan_year, doc_type) in session.execute(statement).all():
        target = ExtractedTarget(indicator, value, value_max, unit, comparator_of(cmp), deadline,
                                 TargetKind.ACTUAL if row_kind == TargetKind.ACTUAL.value else TargetKind.TARGET,
                                 sentence, section, responsible)
        _add(years, RegionTargets(document_id, version_id, plan_year, doc_type), position, target)
    return years


def _add(years: _Years, owner: RegionTargets, position: int, target: ExtractedTarget) -> None:
    """File one row under its year: its deadline, else (undated) its document's plan year."""
    dated = target.deadline is not None
    year = target.deadline if dated else owner.plan_year
    if year is None:
        return  # neither: no year can judge it
    entry, positions = years.setdefault((dated, year), {}).setdefault(owner.document_id, (replace(owner, targets=[]), []))
    entry.targets.append(target)
    positions.append(position)


class RegionTargetCache:
    """Per analysis run: other documents' latest analysed targets and actuals, by scope, kind and year."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[Scope, str], _Years] = {}
        self._mark: datetime | None = None  # the newest analysed_at this cache has seen

    def expire_if_changed(self, session: Session) -> None:
        """Drop everything read when another process analysed a version since this run last looked."""
        newest = session.exec(select(func.max(col(Version.analysed_at)))).one()
        if newest is not None and self._mark is not None and newest > self._mark:
            self._loaded.clear()
        if newest is not None and (self._mark is None or newest > self._mark):
            self._mark = newest

    def find(
        self, session: Session, document: Document, *, kind: str, years: Collection[int], plan_years: Collection[int]
    ) -> list[RegionTargets]:
        """Rows of ``kind`` in other original documents of the same region (or series, without one)
        whose deadline is in ``years``, or who have none and whose plan year is in ``plan_years``;
        only each document's latest analysed version counts. In document order, rows in text order."""
        scope = _scope(document)
        if scope is None or not (years or plan_years):
            return []
        if (scope, kind) not in self._loaded:
            self._loaded[scope, kind] = _read(session, scope, kind)
        stored = self._loaded[scope, kind]
        merged: dict[int, list[tuple[int, ExtractedTarget]]] = {}
        found: dict[int, RegionTargets] = {}
        for key in [(True, year) for year in years] + [(False, year) for year in plan_years]:
            for document_id, (entry, positions) in stored.get(key, {}).items():
                if document_id != document.id:
                    found.setdefault(document_id, entry)
                    merged.setdefault(document_id, []).extend(zip(positions, entry.targets, strict=True))
        return [replace(found[document_id], targets=[target for _, target in sorted(merged[document_id], key=_first)])
                for document_id in sorted(found)]

    def record(self, document: Document, version: Version, targets: Iterable[ExtractedTarget]) -> None:
        """A version's analysis was committed: its document's rows now come from it (none for a repost)."""
        if version.analysed_at is not None and (self._mark is None or version.analysed_at > self._mark):
            self._mark = version.analysed_at
        for loaded in self._loaded.values():
            for rows in loaded.values():
                rows.pop(document.id or 0, None)
        scope = _scope(document)
        if scope is None or document.canonical_id is not None:
            return
        owner = RegionTargets(document.id or 0, version.id or 0, document.plan_year, document.doc_type)
        for position, target in enumerate(targets):
            years = self._loaded.get((scope, target.kind.value))
            if years is not None:  # a kind not read yet will read this version from the store
                _add(years, owner, position, as_stored(target))


def _first(item: tuple[int, ExtractedTarget]) -> int:
    return item[0]
