"""Every link into the archive browser, built in one place.

Digests, feeds and the web app all link through :class:`ArchiveUrls`, so a route can
change in one spot. ``base`` is the ``digest.archive_base_url`` setting for mail and
feeds, and "" (relative links) inside the web app.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

__all__ = ["ArchiveUrls"]


@dataclass(frozen=True)
class ArchiveUrls:
    base: str = ""

    def _url(self, path: str, **query: object) -> str:
        params = {key: value for key, value in query.items() if value not in (None, "")}
        suffix = f"?{urlencode(params)}" if params else ""
        return f"{self.base.rstrip('/')}{path}{suffix}"

    def home(self) -> str:
        return self._url("/")

    def sources(self) -> str:
        return self._url("/sources")

    def source(self, source_id: str, **query: object) -> str:
        return self._url(f"/sources/{quote(source_id, safe='')}", **query)

    def documents(self, **filters: object) -> str:
        return self._url("/documents", **filters)

    def document(self, document_id: int) -> str:
        return self._url(f"/documents/{document_id}")

    def version(self, version_id: int) -> str:
        return self._url(f"/versions/{version_id}")

    def raw_capture(self, version_id: int) -> str:
        return self._url(f"/versions/{version_id}/raw")

    def compare(self, old_version_id: int, new_version_id: int) -> str:
        return self._url(f"/compare/{old_version_id}/{new_version_id}")

    def series(self, series_id: int, indicator: str | None = None) -> str:
        return self._url(f"/series/{series_id}", indicator=indicator)

    def indicator(self, name: str) -> str:
        return self._url(f"/indicators/{quote(name, safe='')}")

    def change(self, change_id: int) -> str:
        return self._url(f"/changes/{change_id}")

    def changes(self, **filters: object) -> str:
        return self._url("/changes", **filters)

    def feed(self, **filters: object) -> str:
        return self._url("/feeds/changes.atom", **filters)

    def export_targets(self, fmt: str, **scope: object) -> str:
        """Targets as a CSV or JSON download; scope: document, series, indicator or document filters."""
        return self._url(f"/export/targets.{fmt}", **scope)

    def api_targets(self, **scope: object) -> str:
        return self._url("/api/targets", **scope)

    def unsubscribe(self, token: str) -> str:
        """The one-click unsubscribe page for a subscriber's token (List-Unsubscribe)."""
        return self._url("/unsubscribe", token=token)
