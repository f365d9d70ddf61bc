"""What every request handler shares: the engine, the config, links, the timezone.

Handlers get a read-only :class:`~sqlmodel.Session` from :func:`get_session`; it is
never committed (closing it rolls back), so the archive cannot write even by mistake.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from reports.urls import ArchiveUrls
from reports.web.cache import StampedCache
from store.settings import Config

__all__ = ["WebState", "get_session", "get_state"]


@dataclass(frozen=True)
class WebState:
    """Built once by ``create_app``; kept on ``app.state.web``."""

    config: Config
    engine: Engine
    urls: ArchiveUrls
    timezone: str
    cache: StampedCache = field(default_factory=StampedCache)

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir


def get_state(request: Request) -> WebState:
    """The app's shared state (a FastAPI dependency)."""
    state: WebState = request.app.state.web
    return state


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request, rolled back at the end: the archive only reads."""
    session = Session(get_state(request).engine, expire_on_commit=False, autoflush=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()
