"""Store reads the analysis needs: neighbouring versions, analysed versions, targets of a region."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from store.models import Document, Target, Version

__all__ = ["RegionTargets", "latest_analysed_version", "previous_version", "region_targets", "targets_of"]


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


@dataclass
class RegionTargets:
    """The targets (or actuals) of one other document's latest analysed version."""

    document: Document
    version_id: int
    rows: list[Target]


def _scope(document: Document) -> ColumnElement[bool] | None:
    if document.region:
        return col(Document.region) == document.region
    if document.series_id is not None:
        return col(Document.series_id) == document.series_id
    return None


def region_targets(
    session: Session, document: Document, *, kind: str, years: Collection[int], plan_years: Collection[int]
) -> list[RegionTargets]:
    """Rows of ``kind`` in other original documents of the same region (or series, without one)
    whose deadline is in ``years``, or who have none and whose plan year is in ``plan_years``;
    only each document's latest analysed version counts."""
    scope = _scope(document)
    if scope is None or not (years or plan_years):
        return []
    latest = (
        select(Version.document_id, func.max(Version.id).label("version_id"))
        .where(col(Version.analysed_at).is_not(None), col(Version.analysis_error).is_(None))
        .group_by(col(Version.document_id))
        .subquery()
    )
    statement = (
        select(Target, Document)
        .join(Document, col(Target.document_id) == col(Document.id))
        .join(latest, col(Target.version_id) == latest.c.version_id)
        .where(scope, col(Document.id) != document.id, col(Document.canonical_id).is_(None), Target.kind == kind)
        .where(or_(col(Target.deadline).in_(list(years)),
                   and_(col(Target.deadline).is_(None), col(Document.plan_year).in_(list(plan_years)))))
        .order_by(col(Document.id), col(Target.position))
    )
    found: dict[int, RegionTargets] = {}
    for target, other in session.exec(statement).all():
        found.setdefault(other.id or 0, RegionTargets(other, target.version_id, [])).rows.append(target)
    return list(found.values())
