"""The archive's HTML pages: one handler per page, each loading through the data
modules and rendering one template. Routes are the paths :class:`ArchiveUrls` builds.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from reports.diff_html import excerpt_html
from reports.web import detail, listing
from reports.web.cache import store_stamp
from reports.web.chart import line_chart
from reports.web.compare import compare_versions
from reports.web.labels import detail_template
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
from reports.web.render import page
from reports.web.security import RAW_CSP
from reports.web.state import WebState, get_session, get_state
from store.errors import NotFound
from store.kinds import ChangeKind
from store.models import Change, Document
from store.search import index_status

__all__ = ["router"]

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

Db = Annotated[Session, Depends(get_session)]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Name = Annotated[str, Path(min_length=1, max_length=200)]


def _facets(request: Request, session: Session) -> listing.Facets:
    """The filters' choices, read again only when the store has changed."""
    return get_state(request).cache.get("facets", store_stamp(session), lambda: listing.facets(session))


@router.get("/")
def home(request: Request, session: Db) -> Response:
    """Recent changes, newest plans, sources whose last crawl failed."""
    changes = session.exec(select(Change).order_by(col(Change.id).desc()).limit(15)).all()
    documents = session.exec(select(Document).order_by(col(Document.id).desc()).limit(10)).all()
    related = listing.documents_by_id(session, [c.document_id for c in changes if c.document_id])
    return page(request, "home.html", nav="home", changes=changes, related=related, documents=documents,
                problems=listing.problem_sources(session), index=index_status(session))


@router.get("/sources")
def sources(request: Request, session: Db) -> Response:
    return page(request, "sources.html", nav="sources", rows=listing.source_rows(session))


@router.get("/sources/{source_id}")
def source(request: Request, session: Db, source_id: Annotated[str, Path(max_length=64)], page_no: Annotated[PageParam, Query(alias="page")] = 1) -> Response:
    rows = listing.source_rows(session, source_id)
    if not rows:
        raise NotFound(f"没有来源 {source_id} (no source {source_id!r})")
    documents = listing.list_documents(session, DocumentFilters(source=source_id), page_no)
    changes = listing.list_changes(session, ChangeFilters(source=source_id), 1, 10).rows
    related = listing.documents_by_id(session, [c.document_id for c in changes if c.document_id])
    return page(request, "source.html", nav="sources", row=rows[0], documents=documents, changes=changes, related=related)


@router.get("/documents")
def documents(request: Request, session: Db, filters: Annotated[DocumentFilters, Depends(document_filters)],
              page_no: Annotated[PageParam, Query(alias="page")] = 1, per_page: PerPageParam = 20) -> Response:
    """Filtered list, or full-text search results with highlighted snippets."""
    result = listing.list_documents(session, filters, page_no, per_page)
    return page(request, "documents.html", nav="documents", filters=filters, result=result, facets=_facets(request, session),
                per_page=per_page if per_page != 20 else None)


@router.get("/documents/{document_id}")
def document(request: Request, session: Db, document_id: Id) -> Response:
    return page(request, "document.html", nav="documents", view=detail.document_view(session, document_id))


@router.get("/versions/{version_id}")
def version(request: Request, session: Db, version_id: Id) -> Response:
    return page(request, "version.html", nav="documents", view=detail.version_view(session, version_id))


@router.get("/versions/{version_id}/raw")
def raw(session: Db, version_id: Id, state: Annotated[WebState, Depends(get_state)]) -> Response:
    """The capture as fetched, inert: a sandboxing CSP, so its scripts never run."""
    capture = detail.raw_capture(session, state.data_dir, version_id)
    headers = {"Content-Security-Policy": RAW_CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}
    return Response(capture.body, media_type=capture.content_type, headers=headers)


@router.get("/compare/{old_version_id}/{new_version_id}")
def compare(request: Request, session: Db, old_version_id: Id, new_version_id: Id) -> Response:
    """Two versions (usually of one document) inline and side by side."""
    return page(request, "compare.html", nav="documents", view=compare_versions(session, old_version_id, new_version_id))


@router.get("/series/{series_id}")
def series(request: Request, session: Db, series_id: Id,
           indicator: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """Year-over-year matrix of the series' targets and a chart of one indicator."""
    matrix = series_matrix(session, series_id)
    row = matrix.row(indicator)
    chart = line_chart(row.points(), row.unit) if row else None
    return page(request, "series.html", nav="documents", matrix=matrix, chosen=row, chart=chart)


@router.get("/indicators/{name:path}")
def indicator(request: Request, session: Db, name: Name, state: Annotated[WebState, Depends(get_state)]) -> Response:
    table = state.cache.get(("indicator", name), store_stamp(session), lambda: indicator_table(session, name))
    return page(request, "indicator.html", nav="documents", table=table)


@router.get("/changes")
def changes(request: Request, session: Db, filters: Annotated[ChangeFilters, Depends(change_filters)],
            page_no: Annotated[PageParam, Query(alias="page")] = 1, per_page: PerPageParam = 30) -> Response:
    result = listing.list_changes(session, filters, page_no, per_page)
    related = listing.documents_by_id(session, [c.document_id for c in result.rows if c.document_id])
    return page(request, "changes.html", nav="changes", filters=filters, result=result, related=related,
                per_page=per_page if per_page != 30 else None,
                kinds=[k.value for k in ChangeKind], facets=_facets(request, session))


@router.get("/changes/{change_id}")
def change(request: Request, session: Db, change_id: Id) -> Response:
    view = detail.change_view(session, change_id)
    return page(request, "change.html", nav="changes", view=view, detail_template=detail_template(view.change.kind),
                excerpt=excerpt_html)
