"""Query parameters shared by pages, exports and the API, validated in one place.

A bad value (``year=abc``, ``page=0``, a 10,000-character region) is a 422 page, not a
500. An empty value (what a form's "any" option sends) means "not given":
:class:`DropEmptyParams` removes ``name=`` pairs before routing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Query
from starlette.types import ASGIApp, Receive, Scope, Send

from store.kinds import ChangeKind

__all__ = [
    "MAX_ID",
    "MAX_PAGE",
    "ChangeFilters",
    "DocumentFilters",
    "DropEmptyParams",
    "PageParam",
    "PerPageParam",
    "change_filters",
    "document_filters",
]

MAX_PAGE = 10_000
MAX_ID = 2**31 - 1  # the id columns are 32-bit on PostgreSQL

PageParam = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")]
PerPageParam = Annotated[int, Query(ge=1, le=100, description="Items per page.")]


class DropEmptyParams:
    """ASGI middleware: ``?year=&region=贵阳市`` reaches handlers as ``?region=贵阳市``.

    It also removes NUL characters from the path and the parameters: they mean nothing
    in a URL and PostgreSQL refuses them in text (a 500 where a 404/422 belongs).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = dict(scope, path=scope["path"].replace("\x00", ""), query_string=_clean_query(scope.get("query_string", b"")))
        await self.app(scope, receive, send)


def _clean_query(raw: bytes) -> bytes:
    if not raw:
        return raw
    # latin-1 both ways keeps the bytes of percent-escapes (UTF-8 Chinese) intact
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    kept = [(name.replace("\x00", ""), value.replace("\x00", "")) for name, value in pairs]
    kept = [(name, value) for name, value in kept if value.strip() != ""]
    return urlencode(kept, encoding="latin-1").encode("latin-1")


@dataclass(frozen=True)
class ChangeFilters:
    """Filters of the changes list; series/indicator/year come from a series matrix cell."""

    kind: str | None = None
    region: str | None = None
    source: str | None = None
    series: int | None = None
    indicator: str | None = None
    year: int | None = None

    def as_query(self) -> dict[str, Any]:
        return {"kind": self.kind, "region": self.region, "source": self.source, "series": self.series,
                "indicator": self.indicator, "year": self.year}


@dataclass(frozen=True)
class DocumentFilters:
    """The documents list's filters and text query (every field optional)."""

    region: str | None = None
    year: int | None = None
    source: str | None = None
    doc_type: str | None = None
    q: str = ""

    def as_query(self) -> dict[str, Any]:
        """The filters as link parameters (``type`` is the public name of doc_type)."""
        return {"region": self.region, "year": self.year, "source": self.source, "type": self.doc_type, "q": self.q or None}

    @property
    def active(self) -> bool:
        return any(value not in (None, "") for value in self.as_query().values())


def document_filters(
    region: Annotated[str | None, Query(max_length=100, description="Region, e.g. 贵阳市.")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100, description="Plan year.")] = None,
    source: Annotated[str | None, Query(max_length=64, description="Source id.")] = None,
    doc_type: Annotated[str | None, Query(alias="type", max_length=40, description="Kind of plan, e.g. 工作要点.")] = None,
    q: Annotated[str, Query(max_length=200, description="Full-text query over every version; terms separated by spaces.")] = "",
) -> DocumentFilters:
    """FastAPI dependency: the document filters of a request."""
    return DocumentFilters(region=region, year=year, source=source, doc_type=doc_type, q=q.strip())


def change_filters(
    kind: Annotated[ChangeKind | None, Query(description="Kind of change.")] = None,
    region: Annotated[str | None, Query(max_length=100, description="Region of the change's document or source.")] = None,
    source: Annotated[str | None, Query(max_length=64, description="Source id.")] = None,
    series: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Series id.")] = None,
    indicator: Annotated[str | None, Query(max_length=200, description="Indicator (normalised name).")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100, description="Plan year the change is about.")] = None,
) -> ChangeFilters:
    """FastAPI dependency: the changes list's filters."""
    return ChangeFilters(kind.value if kind else None, region, source, series, indicator, year)
