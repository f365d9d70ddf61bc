"""The JSON API under ``/api`` and the CSV/JSON target exports under ``/export``.

The API answers the same questions as the pages (same loaders, same filters); its
description is ``/openapi.json``. Errors are JSON: ``{"detail": ...}`` with 404/422.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlmodel import Session

from reports.web import detail, listing
from reports.web.cache import store_stamp
from reports.web.export import TargetScope, target_rows, to_csv
from reports.web.matrix import indicator_table, series_matrix
from reports.web.params import (
    MAX_ID,
    ChangeFilters,
    DocumentFilters,
    PageParam,
    PerPageParam,
    change_filters,
    document_filters,
)
from reports.web.schemas import (
    AttachmentOut,
    ChangeOut,
    ChangePage,
    DocumentDetail,
    DocumentOut,
    DocumentPageOut,
    IndicatorOut,
    MatrixRowOut,
    SeriesOut,
    SourceOut,
    TargetOut,
    VersionDetail,
    VersionOut,
)
from reports.web.state import WebState, get_session, get_state

__all__ = ["export_router", "router", "target_scope"]

router = APIRouter(prefix="/api", tags=["archive"])
export_router = APIRouter(prefix="/export", tags=["export"])

Db = Annotated[Session, Depends(get_session)]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


def target_scope(
    filters: Annotated[DocumentFilters, Depends(document_filters)],
    document: Annotated[int | None, Query(ge=1, le=MAX_ID, description="One document's targets.")] = None,
    series: Annotated[int | None, Query(ge=1, le=MAX_ID, description="The targets of a series' plans.")] = None,
    indicator: Annotated[str | None, Query(max_length=200, description="One indicator (normalised name) everywhere.")] = None,
) -> TargetScope:
    """FastAPI dependency: which targets an export or /api/targets call means."""
    return TargetScope(document=document, series=series, indicator=indicator, filters=filters)


@router.get("/sources", response_model=list[SourceOut], summary="Sources with documents count and last crawl")
def api_sources(session: Db) -> list[SourceOut]:
    return [SourceOut.of(row) for row in listing.source_rows(session)]


@router.get("/documents", response_model=DocumentPageOut, summary="Documents by filter or full-text query")
def api_documents(session: Db, filters: Annotated[DocumentFilters, Depends(document_filters)],
                  page: PageParam = 1, per_page: PerPageParam = 20) -> DocumentPageOut:
    result = listing.list_documents(session, filters, page, per_page)
    return DocumentPageOut(page=result.page, per_page=result.per_page, has_next=result.has_next, total=result.total,
                           items=[DocumentOut.of_row(row) for row in result.rows])


@router.get("/documents/{document_id}", response_model=DocumentDetail, summary="One document with versions and targets")
def api_document(session: Db, document_id: Id) -> DocumentDetail:
    view = detail.document_view(session, document_id)
    return DocumentDetail(
        document=DocumentOut.of(view.document, len(view.versions)),
        versions=[VersionOut.of(v) for v in view.versions],
        attachments=[AttachmentOut.of(a) for a in view.attachments],
        targets=[TargetOut.of(t) for t in view.targets],
        outline=view.outline,
        reposts=[int(d.id or 0) for d in view.reposts],
    )


@router.get("/versions/{version_id}", response_model=VersionDetail, summary="One version's text and targets")
def api_version(session: Db, version_id: Id) -> VersionDetail:
    view = detail.version_view(session, version_id)
    return VersionDetail(version=VersionOut.of(view.version), text="".join(piece.text for piece in view.pieces),
                         targets=[TargetOut.of(t) for t in view.targets], attachments=[AttachmentOut.of(a) for a in view.attachments])


@router.get("/targets", summary="Current targets of a document, series, indicator or filtered document list")
def api_targets(session: Db, scope: Annotated[TargetScope, Depends(target_scope)]) -> list[dict[str, object]]:
    return target_rows(session, scope)


@router.get("/series/{series_id}", response_model=SeriesOut, summary="Year-over-year matrix of a series' targets")
def api_series(session: Db, series_id: Id) -> SeriesOut:
    matrix = series_matrix(session, series_id)
    series = matrix.series
    return SeriesOut(id=int(series.id or 0), title=series.title, region=series.region, agency=series.agency,
                     doc_type=series.doc_type, years=matrix.years,
                     documents={year: int(d.id or 0) for year, d in matrix.documents.items()},
                     rows=[MatrixRowOut.of(row) for row in matrix.rows])


@router.get("/indicators/{name:path}", response_model=IndicatorOut, summary="One indicator's targets in every region")
def api_indicator(session: Db, name: Annotated[str, Path(min_length=1, max_length=200)],
                  state: Annotated[WebState, Depends(get_state)]) -> IndicatorOut:
    table = state.cache.get(("indicator", name), store_stamp(session), lambda: indicator_table(session, name))
    return IndicatorOut(indicator=table.indicator, years=table.years, rows=[MatrixRowOut.of(r) for r in table.rows],
                        series=table.series_ids)


@router.get("/changes", response_model=ChangePage, summary="Changes, newest first")
def api_changes(session: Db, filters: Annotated[ChangeFilters, Depends(change_filters)],
                page: PageParam = 1, per_page: PerPageParam = 30) -> ChangePage:
    result = listing.list_changes(session, filters, page, per_page)
    return ChangePage(page=result.page, per_page=result.per_page, has_next=result.has_next,
                      items=[ChangeOut.of(c) for c in result.rows])


@router.get("/changes/{change_id}", response_model=ChangeOut, summary="One change")
def api_change(session: Db, change_id: Id) -> ChangeOut:
    return ChangeOut.of(detail.change_view(session, change_id).change)


@export_router.get("/targets.{fmt}", summary="Download targets as CSV or JSON (same scope parameters as /api/targets)")
def export_targets(session: Db, fmt: Literal["csv", "json"], scope: Annotated[TargetScope, Depends(target_scope)]) -> Response:
    rows = target_rows(session, scope)
    disposition = {"Content-Disposition": f'attachment; filename="{scope.name}.{fmt}"'}
    if fmt == "csv":
        return Response(to_csv(rows), media_type="text/csv; charset=utf-8", headers=disposition)
    body = json.dumps(rows, ensure_ascii=False, indent=1)
    return Response(body, media_type="application/json; charset=utf-8", headers=disposition)
