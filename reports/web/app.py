"""``create_app(config)``: the archive browser as a FastAPI application.

Read-only by construction: it opens the store with ``readonly=True`` (or uses the
engine it is given) and its sessions are never committed. The one exception is
``POST /unsubscribe`` (``reports/web/unsubscribe.py``), which sets one subscriber's
``active`` flag to false for the holder of that subscriber's token. Pages are server-rendered
Jinja2 (no scripts at all), the JSON API is described at ``/openapi.json``; the
interactive ``/docs`` page is off because it loads its assets from a CDN.

Routers are mounted from :data:`ROUTERS`, a table of ``"module:attribute"`` entries:
another part adds one row there (as the Atom feed of ``reports/feeds.py`` is served
by ``reports.web.feed``) and uses :func:`reports.web.state.get_session` /
:func:`~reports.web.state.get_state` for the read-only session and the config.
"""

from __future__ import annotations

import importlib

from fastapi import APIRouter, FastAPI
from sqlalchemy.engine import Engine

from reports.urls import ArchiveUrls
from reports.web.errors import install_error_handlers
from reports.web.params import DropEmptyParams
from reports.web.security import Credentials, security_middleware
from reports.web.state import WebState
from store.settings import Config

__all__ = ["ROUTERS", "create_app", "load_router"]

# Order matters only for overlapping paths (none today).
ROUTERS: tuple[str, ...] = (
    "reports.web.pages:router",
    "reports.web.api:router",
    "reports.web.api:export_router",
    "reports.web.feed:router",  # the Atom feed of reports/feeds.py
    "reports.web.unsubscribe:router",  # the one write: a digest's 退订 link (List-Unsubscribe)
)


def load_router(entry: str) -> APIRouter:
    """Import ``module:attribute`` and return the router it names."""
    module_name, _, attribute = entry.partition(":")
    router = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(router, APIRouter):
        raise TypeError(f"{entry} is not an APIRouter")
    return router


def create_app(config: Config, *, engine: Engine | None = None) -> FastAPI:
    """The archive app over ``engine`` (default: the config's store, opened read-only)."""
    if engine is None:
        from store.database import open_store

        engine = open_store(config, readonly=True)
    credentials = Credentials.from_config(config)
    app = FastAPI(
        title="planwatch archive",
        summary="Read-only JSON API over the sources, documents, versions, targets and changes planwatch stored.",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.web = WebState(config=config, engine=engine, urls=ArchiveUrls(""), timezone=str(config["timezone"]))
    for entry in ROUTERS:
        app.include_router(load_router(entry))
    install_error_handlers(app)
    app.middleware("http")(security_middleware(credentials))
    app.add_middleware(DropEmptyParams)
    return app
