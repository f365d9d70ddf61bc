"""The Atom feed of changes at ``ArchiveUrls.feed(...)``, built by :mod:`reports.feeds`.

Filters use the feed's own query form (comma-separated lists, as
:func:`reports.feeds.feed_query` writes them): ``region``, ``source``, ``keyword``,
``kind`` (kind values or groups such as ``targets``). Links inside the feed are
absolute, made from the address the reader used to reach the archive.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from reports.feeds import build_feed
from reports.filters import ChangeFilter, expand_kinds
from reports.urls import ArchiveUrls
from reports.web.state import get_session
from store.errors import ConfigError, InputError

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

ListParam = Annotated[str | None, Query(max_length=500)]


# Characters XML 1.0 cannot hold: they mean nothing in a filter and would break the feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _split(value: str | None) -> tuple[str, ...]:
    parts = (_NOT_XML.sub("", part).strip() for part in (value or "").split(","))
    return tuple(part for part in parts if part)


@router.get("/feeds/changes.atom")
def changes_feed(request: Request, session: Annotated[Session, Depends(get_session)], region: ListParam = None,
                 source: ListParam = None, keyword: ListParam = None, kind: ListParam = None,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Response:
    """The newest changes passing the filters, as Atom (subscribe in any feed reader)."""
    try:
        kinds = tuple(expand_kinds(_split(kind)))
    except ConfigError as exc:
        raise InputError(exc.message) from exc
    flt = ChangeFilter(regions=_split(region), sources=_split(source), keywords=_split(keyword), kinds=kinds)
    atom = build_feed(session, ArchiveUrls(str(request.base_url).rstrip("/")), flt, limit=limit)
    return Response(atom, media_type="application/atom+xml; charset=utf-8")
