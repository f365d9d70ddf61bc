"""The archive browser: a read-only web app over sources, documents, versions, diffs
and target histories. ``create_app(config)`` builds it; ``planwatch serve`` runs it."""

from __future__ import annotations

from reports.web.app import create_app

__all__ = ["create_app"]
