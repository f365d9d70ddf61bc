"""Targets as CSV and JSON for any list view: a document, a series, an indicator, or
the documents list with its filters and text query.

One row shape (:data:`COLUMNS`) serves the CSV download, the JSON download and the
``/api/targets`` endpoint. CSV is UTF-8 with a byte-order mark so spreadsheet programs
read the Chinese, and text cells that a spreadsheet would run as a formula (scraped
text starting with ``= + - @``) are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from reports.templating import format_value
from reports.web.listing import apply_filters
from reports.web.matrix import series_plans
from reports.web.params import DocumentFilters
from reports.web.targets import latest_targets
from store.models import Document, Target, Version
from store.search import SearchFilters, search

__all__ = ["COLUMNS", "EXPORT_DOCUMENT_LIMIT", "TargetScope", "target_rows", "to_csv"]

EXPORT_DOCUMENT_LIMIT = 5000

COLUMNS: tuple[str, ...] = (
    "document_id", "document_title", "region", "agency", "plan_year", "doc_type", "url",
    "version_id", "fetched_at", "position", "indicator", "indicator_norm", "display",
    "value", "value_max", "unit", "cmp", "deadline", "kind", "section", "sentence", "responsible",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class TargetScope:
    """Which targets: one document, one series, one indicator, else the documents filter."""

    document: int | None = None
    series: int | None = None
    indicator: str | None = None
    filters: DocumentFilters = field(default_factory=DocumentFilters)

    def as_query(self) -> dict[str, Any]:
        return {"document": self.document, "series": self.series, "indicator": self.indicator, **self.filters.as_query()}

    @property
    def name(self) -> str:
        """A file name stem for downloads."""
        for label, value in (("document", self.document), ("series", self.series), ("indicator", self.indicator)):
            if value is not None:
                return f"targets-{label}-{value}" if label != "indicator" else "targets-indicator"
        return "targets"


def _document_ids(session: Session, scope: TargetScope) -> list[int]:
    if scope.document is not None:
        return [scope.document]
    if scope.series is not None:  # the plans the series page shows, year by year
        by_year, undated = series_plans(session, scope.series)
        return [int(d.id or 0) for _, d in sorted(by_year.items())] + [int(d.id or 0) for d in undated]
    if scope.indicator is not None:
        statement = select(Target.document_id).distinct().where(Target.indicator_norm == scope.indicator).limit(EXPORT_DOCUMENT_LIMIT)
        return sorted(int(i) for i in session.exec(statement).all())
    if scope.filters.q:
        filters = scope.filters
        page = search(session, filters.q, SearchFilters(filters.region, filters.year, filters.source, filters.doc_type),
                      per_page=EXPORT_DOCUMENT_LIMIT)
        return [hit.document_id for hit in page.hits]
    statement = apply_filters(select(Document.id), scope.filters).order_by(col(Document.id).desc()).limit(EXPORT_DOCUMENT_LIMIT)
    return [int(i) for i in session.exec(statement).all()]


def _row(target: Target, document: Document, version: Version | None) -> dict[str, Any]:
    return {
        "document_id": document.id, "document_title": document.title, "region": document.region,
        "agency": document.agency, "plan_year": document.plan_year, "doc_type": document.doc_type, "url": document.url,
        "version_id": target.version_id, "fetched_at": version.fetched_at.isoformat() if version else None,
        "position": target.position, "indicator": target.indicator, "indicator_norm": target.indicator_norm,
        "display": format_value(target.value, target.value_max, target.unit, target.cmp),
        "value": target.value, "value_max": target.value_max, "unit": target.unit, "cmp": target.cmp,
        "deadline": target.deadline, "kind": target.kind, "section": target.section, "sentence": target.sentence,
        "responsible": target.responsible,
    }


def target_rows(session: Session, scope: TargetScope) -> list[dict[str, Any]]:
    """The current targets of every document in ``scope``, one dict per target (:data:`COLUMNS`)."""
    ids = _document_ids(session, scope)
    targets = latest_targets(session, ids, indicator=scope.indicator)
    documents = {int(d.id or 0): d for d in session.exec(select(Document).where(col(Document.id).in_(list(targets)))).all()}
    version_ids = {t.version_id for rows in targets.values() for t in rows}
    versions = {int(v.id or 0): v for v in session.exec(select(Version).where(col(Version.id).in_(list(version_ids)))).all()}
    return [
        _row(target, documents[document_id], versions.get(target.version_id))
        for document_id in ids if document_id in targets and document_id in documents
        for target in targets[document_id]
    ]


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """CSV text with a header row and a BOM; formula-like text cells neutralised."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in COLUMNS])
    return buffer.getvalue()
