"""Analyse stored versions: outline, targets, series, reposts, then Changes.

:func:`analyse_pending` takes every ``Version`` with ``analysed_at IS NULL`` (older plan
years first, then in id order: see :func:`pending_version_ids`), one transaction per version:

1. the outline (``Version.outline``) and the targets (``Target`` rows, with
   ``indicator_norm``); missing plan year / kind of plan filled from title and text;
2. the series (``Document.series_id``, a ``Series`` row created on first sight);
3. the repost check on a document's first version (``Document.canonical_id``), and the
   document's MinHash signature;
4. Changes: ``new-document`` (first version, not a repost) or ``repost``; ``text-edit``
   against the previous version unless the difference is noise; target changes against
   the previous version (scope ``version``) and, for a new document, against the
   previous year's document of its series (scope ``series``); ``target-met/missed``
   where this version reports actuals for targets earlier documents set for that year.

Change rows (built in :mod:`monitor.analysis.change_rows`; the digest and the archive
rely on this shape): ``kind, source_id, document_id, version_id, old_document_id,
old_version_id, series_id, indicator, plan_year, summary, detail, dedup_key`` with
``detail`` by kind (a target is ``ExtractedTarget.to_json()``):

- ``new-document``: ``{"title", "url", "agency", "region", "plan_year", "doc_type", "published_on", "target_count"}``
- ``repost``: ``{"canonical_document_id", "canonical_url", "similarity", "url", "title"}``
- ``text-edit``: ``{"hunks": [{"section", "old", "new"}, …at most 5], "hunk_count", "inserted_chars", "deleted_chars"}``
- ``target-added|removed|raised|lowered|changed``: ``{"old", "new", "old_year", "new_year",
  "scope": "version"|"series", "reasons": [...], "verdict"}``; ``target-raised`` means more
  ambitious (for a ceiling, a smaller number), ``verdict`` says it in words
  ("tightened (lower is better)")
- ``target-met|missed``: ``{"target", "actual", "year", "target_document_id"}``; the row's
  document is the one reporting the actual, ``old_document_id`` the one that set the target.
``Change.dedup_key`` is unique and the version's ``analysed_at`` is written in the same
transaction as its rows, so a crash leaves the version pending and a re-run writes each
finding once. A version whose analysis raises gets ``analysis_error`` (and
``analysed_at``) and is skipped; the run goes on.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from store.engine import session_scope
from store.errors import StoreError
from store.models import Document, Version, utcnow
from store.search import index_pending

if TYPE_CHECKING:  # imported where a version is analysed: datasketch and numpy cost ~0.5 s to import
    from monitor.analysis.version_analysis import AnalysisRun, VersionAnalysis

__all__ = ["AnalysisSummary", "Progress", "analyse_pending", "pending_version_ids"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (versions done, versions pending at the start)
_ERROR_CHARS = 2000


@dataclass
class AnalysisSummary:
    """What one run of the analysis did."""

    analysed: int = 0
    failed: int = 0
    skipped: int = 0  # analysed meanwhile by another process
    changes: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (version id, one line)

    @property
    def change_count(self) -> int:
        return sum(self.changes.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "analysed": self.analysed, "failed": self.failed, "skipped": self.skipped,
            "changes": dict(sorted(self.changes.items())),
            "errors": [{"version_id": vid, "error": message} for vid, message in self.errors],
        }


def pending_version_ids(session: Session) -> list[int]:
    """Versions not analysed yet: older plan years first, then in id order.

    A document's versions keep their id order (they share its plan year); across
    documents, a first crawl that stored the 2024 plan before the 2022 one still
    compares each year with the year before, not 2022 with 2024.
    """
    statement = (
        select(Version.id)
        .join(Document, col(Document.id) == col(Version.document_id))
        .where(col(Version.analysed_at).is_(None))
        .order_by(func.coalesce(col(Document.plan_year), 0), col(Version.id))
    )
    return [vid for vid in session.exec(statement).all() if vid is not None]


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:_ERROR_CHARS]


def _record_failure(engine: Engine, version_id: int, message: str) -> None:
    with session_scope(engine) as session:
        version = session.get(Version, version_id)
        if version is not None:
            version.analysis_error = message
            version.analysed_at = utcnow()
            session.add(version)


def _analyse_one(engine: Engine, version_id: int, run: AnalysisRun) -> VersionAnalysis | None:
    """Analyse one version in its own transaction; None when another process got there first."""
    from monitor.analysis.version_analysis import analyse_version

    with session_scope(engine) as session:
        version = session.exec(select(Version).where(Version.id == version_id).with_for_update()).first()
        if version is None or version.analysed_at is not None:
            return None
        return analyse_version(session, version, run)


def _count(summary: AnalysisSummary, run: AnalysisRun, result: VersionAnalysis | None) -> None:
    if result is None:
        summary.skipped += 1
        return
    run.apply(result)
    summary.analysed += 1
    summary.changes.update(result.change_kinds)


def _fail(engine: Engine, summary: AnalysisSummary, version_id: int, exc: Exception) -> None:
    message = _one_line(exc)
    log.warning("analysis of version %s failed: %s", version_id, message)
    _record_failure(engine, version_id, message)
    summary.failed += 1
    summary.errors.append((version_id, message))


def analyse_pending(engine: Engine, *, progress: Progress | None = None, limit: int | None = None) -> AnalysisSummary:
    """Analyse every pending version (at most ``limit``), one transaction each.

    A version that fails is recorded and skipped; only a failing database ends the run.
    """
    with Session(engine) as session:
        pending = pending_version_ids(session)[:limit]
    summary = AnalysisSummary()
    if pending:  # what the versions share: the repost index, the region targets (version_analysis)
        from monitor.analysis.version_analysis import AnalysisRun

        run = AnalysisRun(engine)
    for done, version_id in enumerate(pending, 1):
        try:
            _count(summary, run, _analyse_one(engine, version_id, run))
        except IntegrityError:  # another process wrote the same findings first
            summary.skipped += 1
        except (StoreError, OperationalError):
            raise  # the database itself is failing: stop; every committed version is complete
        except Exception as exc:
            _fail(engine, summary, version_id, exc)
        if progress is not None:
            progress(done, len(pending))
    with session_scope(engine) as session:  # full-text index of every stored version (store.search)
        index_pending(session)
    return summary
