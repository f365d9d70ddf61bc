"""The benchmark's synthetic site: thousands of plan pages rendered on demand.

``/synthetic/index.html``, ``index_1.html`` ... list 20 documents each with a plain
下一页 link; ``/synthetic/doc/{n}.html`` is document n (0-based), a short plan with
government meta tags and a ``#zoom`` body. Pages are rendered on first request and
kept, so a second crawl costs no rendering; every page is the same in every state.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta

from crawler.fixture_site.pages import Resource, render

__all__ = ["SYNTHETIC_PREFIX", "SyntheticSite"]

SYNTHETIC_PREFIX = "/synthetic/"
PER_PAGE = 20
_COUNTIES = ("南明区", "云岩区", "花溪区", "乌当区", "白云区", "观山湖区", "清镇市", "修文县", "息烽县", "开阳县")
_LIST = re.compile(r"^/synthetic/index(?:_(\d+))?\.html$")
_DOC = re.compile(r"^/synthetic/doc/(\d+)\.html$")
_MODIFIED = datetime(2024, 4, 10, tzinfo=UTC)


class SyntheticSite:
    """``pages`` documents behind ``ceil(pages / 20)`` list pages."""

    def __init__(self, pages: int) -> None:
        self.pages = pages
        self.list_pages = max(1, -(-pages // PER_PAGE))
        self._cache: dict[str, Resource] = {}
        self._lock = threading.Lock()

    @staticmethod
    def list_path(number: int) -> str:
        """Path of list page ``number`` (0-based): index.html, index_1.html, ..."""
        return f"{SYNTHETIC_PREFIX}index.html" if number == 0 else f"{SYNTHETIC_PREFIX}index_{number}.html"

    def _document(self, number: int) -> tuple[str, str, str]:
        county = _COUNTIES[number % len(_COUNTIES)]
        year = 2020 + number % 6
        day = (date(year, 3, 1) + timedelta(days=number % 28)).isoformat()
        return f"{county}卫生健康局{year}年工作要点（第{number}号）", day, f"{county}卫生健康局"

    def _render(self, path: str) -> Resource | None:
        listing, doc = _LIST.match(path), _DOC.match(path)
        if listing:
            page = int(listing.group(1) or 0)
            if page >= self.list_pages:
                return None
            numbers = range(page * PER_PAGE, min(self.pages, (page + 1) * PER_PAGE))
            items = [(n, *self._document(n)[:2]) for n in numbers]
            next_href = self.list_path(page + 1) if page + 1 < self.list_pages else ""
            text = render("synthetic_list.html", items=items, page=page + 1, pages=self.list_pages, next_href=next_href)
        elif doc and int(doc.group(1)) < self.pages:
            number = int(doc.group(1))
            title, day, agency = self._document(number)
            lines = [f"{n + 1}.居民健康素养水平达到{20 + (number + n) % 10}%，家庭医生签约服务覆盖率达到{40 + n}%。" for n in range(12)]
            text = render("synthetic_detail.html", title=title, day=day, agency=agency, number=number, lines=lines)
        else:
            return None
        return Resource(text.encode("utf-8"), modified=_MODIFIED)

    def get(self, path: str) -> Resource | None:
        """The page at ``path``, rendered once (None outside the synthetic site)."""
        if not path.startswith(SYNTHETIC_PREFIX):
            return None
        with self._lock:
            cached = self._cache.get(path)
        if cached is None:
            cached = self._render(path)
            if cached is not None:
                with self._lock:
                    self._cache[path] = cached
        return cached
