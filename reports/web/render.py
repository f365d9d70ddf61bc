"""Pages rendered through the one Jinja2 environment (``reports/templating.py``).

Every page template extends ``web/base.html`` and gets ``urls`` (the only way it
builds links), ``href`` (scraped URLs, only when http/https), ``tz`` (dates shown in the configured timezone), ``labels`` (Chinese
names of change kinds), ``headline`` (a change in one Chinese line) and ``nav`` (the menu entry to highlight).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse

from reports.digest_view import change_headline
from reports.templating import render
from reports.web.labels import CHANGE_LABELS, CHANGE_MARKS
from reports.web.state import get_state

__all__ = ["external_href", "page"]

_LINKABLE_SCHEMES = ("http", "https")


def external_href(url: str | None) -> str | None:
    """A scraped URL when it is safe to link (http/https only; never javascript: or data:)."""
    if not url:
        return None
    scheme = urlsplit(url.strip()).scheme.lower()
    return url.strip() if scheme in _LINKABLE_SCHEMES else None


def page(request: Request, template: str, *, status: int = 200, nav: str = "", **context: Any) -> HTMLResponse:
    """Render ``web/<template>`` as an HTML response."""
    state = get_state(request)
    html = render(
        f"web/{template}",
        urls=state.urls,
        tz=state.timezone,
        labels=CHANGE_LABELS,
        headline=change_headline,
        marks=CHANGE_MARKS,
        nav=nav,
        href=external_href,
        **context,
    )
    return HTMLResponse(html, status_code=status)
