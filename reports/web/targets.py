"""The targets a plan states now: those of its latest analysed version, for many plans at once.

A document's older versions keep their targets (history), so "the targets of these
documents" always means: per document, the rows of the highest ``version_id`` that
has any. Two queries per batch, whatever the number of documents.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from store.models import Target

__all__ = ["BATCH", "latest_targets"]

BATCH = 500


def _latest_versions(session: Session, document_ids: Sequence[int]) -> list[int]:
    statement = (
        select(func.max(Target.version_id))
        .where(col(Target.document_id).in_(list(document_ids)))
        .group_by(col(Target.document_id))
    )
    return [int(version_id) for version_id in session.exec(statement).all() if version_id is not None]


def latest_targets(session: Session, document_ids: Sequence[int], indicator: str | None = None) -> dict[int, list[Target]]:
    """document id → its current targets in text order (only ``indicator`` when given)."""
    found: dict[int, list[Target]] = {}
    ids = list(dict.fromkeys(document_ids))
    for start in range(0, len(ids), BATCH):
        versions = _latest_versions(session, ids[start:start + BATCH])
        if not versions:
            continue
        statement = select(Target).where(col(Target.version_id).in_(versions))
        if indicator is not None:
            statement = statement.where(Target.indicator_norm == indicator)
        for target in session.exec(statement.order_by(col(Target.version_id), col(Target.position), col(Target.id))).all():
            found.setdefault(target.document_id, []).append(target)
    return found
