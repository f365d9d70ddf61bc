"""Year-over-year tables of targets: one series (rows indicators, columns years) and one
indicator across every region that sets it (rows regions, columns years).

A cell holds the targets of the plan for that year (the latest document of the year,
its latest analysed version) and, in a series, the changes the differ recorded for
that indicator and year, so the page can mark raised/lowered/added/dropped targets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import text
from sqlmodel import Session, col, select

from reports.templating import format_value
from reports.web.targets import latest_targets
from store.errors import NotFound
from store.kinds import ChangeKind
from store.models import Change, Document, Series, Target

__all__ = ["CELL_SHOWN", "Cell", "CellTarget", "IndicatorTable", "MatrixRow", "SeriesMatrix", "indicator_table", "series_matrix", "series_plans"]


class CellTarget(NamedTuple):
    """What a matrix cell shows of a target (light: an indicator table may hold thousands)."""

    document_id: int
    value: float
    value_max: float | None
    unit: str
    cmp: str
    sentence: str

    @classmethod
    def of(cls, target: Target) -> CellTarget:
        return cls(target.document_id, target.value, target.value_max, target.unit, target.cmp, target.sentence)


@dataclass
class Cell:
    targets: list[CellTarget] = field(default_factory=list)
    document: Document | None = None
    changes: list[Change] = field(default_factory=list)
    total: int = 0  # targets in the cell when only the first few were loaded

    @property
    def count(self) -> int:
        return max(self.total, len(self.targets))

    def values(self) -> list[tuple[str, CellTarget]]:
        """Distinct values as a person reads them (≥7.86张) per plan, each with its first target."""
        seen: dict[tuple[str, int], CellTarget] = {}
        for target in self.targets:
            seen.setdefault((format_value(target.value, target.value_max, target.unit, target.cmp), target.document_id), target)
        return [(shown, target) for (shown, _), target in seen.items()]

    def change_groups(self) -> list[tuple[str, list[Change]]]:
        """The cell's changes by kind, newest first within a kind, kinds in ChangeKind order."""
        groups: dict[str, list[Change]] = {}
        for change in sorted(self.changes, key=lambda c: -(c.id or 0)):
            groups.setdefault(change.kind, []).append(change)
        order = {kind.value: n for n, kind in enumerate(ChangeKind)}
        return sorted(groups.items(), key=lambda item: order.get(item[0], len(order)))


@dataclass
class MatrixRow:
    key: str  # indicator_norm (or region, in an indicator table)
    label: str
    cells: dict[int, Cell] = field(default_factory=dict)

    def points(self) -> list[tuple[int, float]]:
        """(year, value) of the row's first target each year, for the chart."""
        return [(year, cell.targets[0].value) for year, cell in sorted(self.cells.items()) if cell.targets]

    @property
    def change_count(self) -> int:
        return sum(len(cell.changes) for cell in self.cells.values())

    @property
    def unit(self) -> str:
        return next((cell.targets[0].unit for cell in self.cells.values() if cell.targets), "")


@dataclass
class SeriesMatrix:
    series: Series
    years: list[int]
    documents: dict[int, Document]  # year → the plan shown in that column
    undated: list[Document]
    rows: list[MatrixRow]

    def row(self, key: str | None) -> MatrixRow | None:
        """The row for an indicator (when ``key`` is None: most years, then most changes)."""
        if key is None:
            return max(self.rows, key=lambda row: (len(row.points()), row.change_count), default=None)
        return next((row for row in self.rows if key in (row.key, row.label)), None)


@dataclass
class IndicatorTable:
    indicator: str
    years: list[int]
    rows: list[MatrixRow]
    series_ids: list[int]


def _by_year(documents: Sequence[Document]) -> dict[int, Document]:
    """The plan shown for each year: the latest original (a repost only if nothing else)."""
    chosen: dict[int, Document] = {}
    for document in sorted(documents, key=lambda d: (d.canonical_id is None, d.id or 0)):
        if document.plan_year is not None:
            chosen[document.plan_year] = document
    return chosen


def _add(rows: dict[str, MatrixRow], key: str, label: str, year: int, target: CellTarget, document: Document | None) -> None:
    row = rows.setdefault(key, MatrixRow(key, label))
    cell = row.cells.setdefault(year, Cell(document=document))
    cell.targets.append(target)


def _mark_changes(session: Session, series_id: int, rows: dict[str, MatrixRow]) -> None:
    changes = session.exec(select(Change).where(Change.series_id == series_id, col(Change.indicator).is_not(None))
                           .order_by(col(Change.id))).all()
    for change in changes:
        row = rows.get(change.indicator or "") or next((r for r in rows.values() if r.label == change.indicator), None)
        if row is None and change.indicator:  # a dropped target: its row has no target any more
            row = rows.setdefault(change.indicator, MatrixRow(change.indicator, change.indicator))
        if row is not None and change.plan_year is not None:
            row.cells.setdefault(change.plan_year, Cell()).changes.append(change)


def series_plans(session: Session, series_id: int) -> tuple[dict[int, Document], list[Document]]:
    """The plan shown for each year of a series, and its plans without a year."""
    documents = session.exec(select(Document).where(Document.series_id == series_id).order_by(col(Document.id))).all()
    undated = [document for document in documents if document.plan_year is None and document.canonical_id is None]
    return _by_year(documents), undated


def series_matrix(session: Session, series_id: int) -> SeriesMatrix:
    """The series' plans by year and their targets by indicator, with changes marked."""
    series = session.get(Series, series_id)
    if series is None:
        raise NotFound(f"没有编号为 {series_id} 的系列 (no series {series_id})")
    by_year, undated = series_plans(session, series_id)
    targets = latest_targets(session, [int(document.id or 0) for document in by_year.values()])
    rows: dict[str, MatrixRow] = {}
    for year, document in sorted(by_year.items()):
        for target in targets.get(int(document.id or 0), []):
            _add(rows, target.indicator_norm or target.indicator, target.indicator, year, CellTarget.of(target), document)
    _mark_changes(session, series_id, rows)
    ordered = sorted(rows.values(), key=lambda row: (-len(row.points()), row.label))
    return SeriesMatrix(series, sorted(by_year), by_year, undated, ordered)


# Each plan's latest target for the indicator (the covering index
# ix_target_indicator_document_version answers "latest" and the join), placed by region
# and year; only the first CELL_SHOWN rows of a cell travel, with the cell's count.
CELL_SHOWN = 4
_INDICATOR_SQL = text("""
WITH latest AS (
  SELECT document_id, max(version_id) AS version_id FROM target WHERE indicator_norm = :indicator GROUP BY document_id
), placed AS (
  SELECT d.region, d.plan_year, d.series_id, t.document_id, t.value, t.value_max, t.unit, t.cmp, t.sentence,
         row_number() OVER (PARTITION BY d.region, d.plan_year ORDER BY t.document_id DESC, t.position) AS n,
         count(*) OVER (PARTITION BY d.region, d.plan_year) AS total
  FROM latest
  JOIN target t ON t.indicator_norm = :indicator AND t.document_id = latest.document_id AND t.version_id = latest.version_id
  JOIN document d ON d.id = latest.document_id
  WHERE d.canonical_id IS NULL
)
SELECT region, plan_year, series_id, total, document_id, value, value_max, unit, cmp, sentence
FROM placed WHERE n <= :shown ORDER BY region, plan_year, n
""")


def indicator_table(session: Session, indicator: str) -> IndicatorTable:
    """Every region's targets for ``indicator`` by plan year, reposts left out.

    Each plan contributes the targets of its latest version that names the indicator;
    a cell carries its first few targets (newest plans first) and how many there are.
    """
    rows: dict[str, MatrixRow] = {}
    series_ids: set[int] = set()
    params = {"indicator": indicator, "shown": CELL_SHOWN}
    for region, year, series_id, total, *shown in session.connection().execute(_INDICATOR_SQL, params):
        label = region or "（未知地区）"
        _add(rows, label, label, year or 0, CellTarget(*shown), None)
        rows[label].cells[year or 0].total = int(total)
        if series_id:
            series_ids.add(int(series_id))
    if not rows:
        raise NotFound(f"没有指标“{indicator}”的目标 (no targets for indicator {indicator!r})")
    years = sorted({year for row in rows.values() for year in row.cells})
    return IndicatorTable(indicator, years, list(rows.values()), sorted(series_ids))
