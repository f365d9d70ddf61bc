"""The archive's lists: documents (filtered or searched), changes, sources, the home page.

Every list is one page at a time, newest first by id, so each page is an index walk
that stops after ``per_page + 1`` rows (``has_next``); only the unsearched documents
list also counts its total. Related rows (sources, version counts, documents of
changes) are loaded for the whole page in one query each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from reports.web.params import ChangeFilters, DocumentFilters
from store.kinds import RunStatus
from store.models import Change, CrawlRun, Document, Source, Version
from store.search import SearchFilters, SearchHit, search

__all__ = [
    "DocumentPage",
    "DocumentRow",
    "Facets",
    "ListPage",
    "SourceRow",
    "apply_filters",
    "documents_by_id",
    "facets",
    "list_changes",
    "list_documents",
    "problem_sources",
    "source_rows",
]


@dataclass
class ListPage:
    """One page of any list."""

    rows: list[Any]
    page: int
    per_page: int
    has_next: bool
    total: int | None = None

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max((self.total + self.per_page - 1) // self.per_page, 1)


@dataclass
class DocumentRow:
    document: Document
    source_name: str
    versions: int
    hit: SearchHit | None = None


@dataclass
class DocumentPage(ListPage):
    search_used: bool = False
    fallback: bool = False
    index_ready: bool = True


@dataclass(frozen=True)
class Facets:
    """The values the documents filters offer."""

    regions: list[str]
    years: list[int]
    doc_types: list[str]
    sources: list[tuple[str, str]]


@dataclass
class SourceRow:
    source: Source
    documents: int
    last_run: CrawlRun | None
    problems: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return self.last_run is not None and (self.last_run.status in (RunStatus.FAILED, RunStatus.PARTIAL) or self.last_run.error_count > 0)


def documents_by_id(session: Session, ids: Sequence[int]) -> dict[int, Document]:
    if not ids:
        return {}
    rows = session.exec(select(Document).where(col(Document.id).in_(list(set(ids))))).all()
    return {int(row.id or 0): row for row in rows}


def _source_names(session: Session, ids: Sequence[str]) -> dict[str, str]:
    if not ids:
        return {}
    return dict(session.exec(select(Source.id, Source.name).where(col(Source.id).in_(list(set(ids))))).all())


def _version_counts(session: Session, ids: Sequence[int]) -> dict[int, int]:
    if not ids:
        return {}
    statement = select(Version.document_id, func.count()).where(col(Version.document_id).in_(list(ids))).group_by(col(Version.document_id))
    return {int(document_id): int(count) for document_id, count in session.exec(statement).all()}


def _rows(session: Session, documents: list[Document], hits: dict[int, SearchHit] | None = None) -> list[DocumentRow]:
    ids = [int(document.id or 0) for document in documents]
    names = _source_names(session, [document.source_id for document in documents])
    counts = _version_counts(session, ids)
    return [
        DocumentRow(document, names.get(document.source_id, document.source_id), counts.get(int(document.id or 0), 0),
                    (hits or {}).get(int(document.id or 0)))
        for document in documents
    ]


def apply_filters(statement: Any, filters: DocumentFilters) -> Any:
    for column, value in ((Document.region, filters.region), (Document.plan_year, filters.year),
                          (Document.source_id, filters.source), (Document.doc_type, filters.doc_type)):
        if value is not None:
            statement = statement.where(column == value)
    return statement


def list_documents(session: Session, filters: DocumentFilters, page: int = 1, per_page: int = 20) -> DocumentPage:
    """Documents matching ``filters``: by full-text query when ``q`` is given, else newest first."""
    if filters.q:
        return _searched(session, filters, page, per_page)
    statement = apply_filters(select(Document), filters).order_by(col(Document.id).desc())
    found = list(session.exec(statement.offset((page - 1) * per_page).limit(per_page + 1)).all())
    total = int(session.exec(apply_filters(select(func.count()).select_from(Document), filters)).one())
    return DocumentPage(_rows(session, found[:per_page]), page, per_page, len(found) > per_page, total)


def _searched(session: Session, filters: DocumentFilters, page: int, per_page: int) -> DocumentPage:
    result = search(session, filters.q, SearchFilters(filters.region, filters.year, filters.source, filters.doc_type),
                    page=page, per_page=per_page)
    by_id = documents_by_id(session, [hit.document_id for hit in result.hits])
    hits = {hit.document_id: hit for hit in result.hits}
    documents = [by_id[hit.document_id] for hit in result.hits if hit.document_id in by_id]
    return DocumentPage(_rows(session, documents, hits), page, per_page, result.has_next, None,
                        search_used=True, fallback=result.fallback, index_ready=result.index_ready)


def facets(session: Session) -> Facets:
    """Distinct regions, years, kinds of plan and sources (each an index-only scan)."""
    regions = session.exec(select(Document.region).distinct().where(Document.region != "").order_by(col(Document.region))).all()
    years = session.exec(select(Document.plan_year).distinct().where(col(Document.plan_year).is_not(None)).order_by(col(Document.plan_year).desc())).all()
    types = session.exec(select(Document.doc_type).distinct().where(Document.doc_type != "").order_by(col(Document.doc_type))).all()
    sources = session.exec(select(Source.id, Source.name).order_by(col(Source.id))).all()
    return Facets(list(regions), [int(year) for year in years if year is not None], list(types), [(str(a), str(b)) for a, b in sources])


def list_changes(session: Session, filters: ChangeFilters, page: int = 1, per_page: int = 30) -> ListPage:
    """Changes newest first, by kind, region (of their document or source) and source."""
    statement = select(Change).order_by(col(Change.id).desc())
    if filters.kind:
        statement = statement.where(Change.kind == filters.kind)
    for column, value in ((Change.source_id, filters.source), (Change.series_id, filters.series),
                          (Change.indicator, filters.indicator), (Change.plan_year, filters.year)):
        if value is not None:
            statement = statement.where(column == value)
    if filters.region:
        in_region = select(Document.id).where(Document.region == filters.region)
        source_in_region = select(Source.id).where(Source.region == filters.region)
        statement = statement.where(col(Change.document_id).in_(in_region) | (col(Change.document_id).is_(None) & col(Change.source_id).in_(source_in_region)))
    found = list(session.exec(statement.offset((page - 1) * per_page).limit(per_page + 1)).all())
    return ListPage(found[:per_page], page, per_page, len(found) > per_page)


def _last_runs(session: Session) -> dict[str, CrawlRun]:
    latest = select(func.max(CrawlRun.id)).where(col(CrawlRun.source_id).is_not(None)).group_by(col(CrawlRun.source_id))
    runs = session.exec(select(CrawlRun).where(col(CrawlRun.id).in_(latest))).all()
    return {str(run.source_id): run for run in runs}


def source_rows(session: Session, source_id: str | None = None) -> list[SourceRow]:
    """Every source (or one) with its documents count and last crawl."""
    statement = select(Source).order_by(col(Source.id))
    if source_id is not None:
        statement = statement.where(Source.id == source_id)
    sources = session.exec(statement).all()
    counts = dict(session.exec(select(Document.source_id, func.count()).group_by(col(Document.source_id))).all())
    runs = _last_runs(session)
    return [SourceRow(source, int(counts.get(source.id, 0)), runs.get(source.id)) for source in sources]


def problem_sources(session: Session) -> list[SourceRow]:
    """Sources whose last crawl failed or had errors (the home page's warning list)."""
    return [row for row in source_rows(session) if row.failing]
