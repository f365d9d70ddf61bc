"""``/unsubscribe?token=…``: the one place the archive writes (a subscriber's ``active`` flag).

* ``GET`` only shows a confirmation page (the address masked, one button). It never
  writes: mail scanners and link previewers fetch every link in a message.
* ``POST`` unsubscribes. The token comes from the query string, so the page's button,
  a plain ``curl -X POST`` and the RFC 8058 one-click POST a mail client sends
  (``List-Unsubscribe=One-Click`` as the body, form-encoded or multipart) all work the
  same way, whatever the body. A second POST is harmless ("已退订").
* An empty token is a 400 page, an unknown or forged one a 404 page.

Why this is safe enough without a CSRF cookie: the token (144 random bits, one per
subscriber) is the secret. A forged cross-site POST needs it, and whoever holds it can
unsubscribe anyway; that is what the link in the mail is for. The route is exempt from
the archive's basic auth / bearer token (``reports/web/security.py``), because a reader
of the digest has no archive password. Responses are ``no-store`` and send no referrer,
so the token does not leak into caches or to other sites.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from reports.subscribers import find_by_token, masked_email, unsubscribe
from reports.web.render import page
from reports.web.state import get_session, get_state
from store.engine import session_scope

__all__ = ["PATH", "router"]

PATH = "/unsubscribe"

router = APIRouter(include_in_schema=False)

TokenParam = Annotated[str, Query(max_length=1000)]

_NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _respond(request: Request, state: str, *, status: int = 200, token: str = "", email: str = "") -> HTMLResponse:
    response = page(request, "unsubscribe.html", status=status, state=state, token=token, email=email)
    response.headers.update(_NO_STORE)
    return response


def _invalid(request: Request, token: str) -> HTMLResponse:
    """400 for a link without its token, 404 for a token nobody holds."""
    status = 400 if not token else 404
    return _respond(request, "missing" if not token else "unknown", status=status)


@router.get(PATH)
def confirm(request: Request, session: Annotated[Session, Depends(get_session)], token: TokenParam = "") -> HTMLResponse:
    """The confirmation page: who is unsubscribed, and the button that does it (reads only)."""
    subscriber = find_by_token(session, token.strip())
    if subscriber is None:
        return _invalid(request, token.strip())
    state = "confirm" if subscriber.active else "already"
    return _respond(request, state, token=token.strip(), email=masked_email(subscriber.email))


@router.post(PATH)
def unsubscribe_post(request: Request, token: TokenParam = "") -> HTMLResponse:
    """Unsubscribe the holder of ``token`` (the button, or an RFC 8058 one-click POST)."""
    with session_scope(get_state(request).engine) as session:
        done = unsubscribe(session, token.strip())
    if done is None:
        return _invalid(request, token.strip())
    return _respond(request, "done" if done.was_active else "already", email=masked_email(done.email))
