"""The bundled government-style fixture site: tests, the demo and the bench crawl it.

Public surface (used by the spider, the demo and the tests)::

    FixtureSite(state="initial", synthetic_pages=0)   .start(port=0) -> base_url, .stop(),
        .set_state("next"), .requests (LoggedRequest log), .arrived (paths, on arrival),
        .clear_log(), .url(path),
        context manager
    MANIFEST        tuple[PlanDoc, ...]: every plan on the site and what must be read from it
    SECTIONS        tuple[Section, ...]: list pages, pager style, charset per source id
    OTHER_ITEMS     non-plan items the title filter must skip
    demo_sources(base_url, include_faults=False) -> list[SourceConfig]
    synthetic_source(base_url, pages) -> SourceConfig
"""

from __future__ import annotations

from crawler.fixture_site.manifest import (
    MANIFEST,
    OTHER_ITEMS,
    SECTIONS,
    STATES,
    AttachmentSpec,
    ExpectedTarget,
    ListItem,
    PlanDoc,
    Section,
    plans_in,
    section,
)
from crawler.fixture_site.pages import FAULT_LINKS, REDIRECT_TARGET, ROBOTS_TXT
from crawler.fixture_site.server import FixtureSite, LoggedRequest
from crawler.fixture_site.sources import (
    DEMO_BASE_URL,
    demo_sources,
    render_sources_toml,
    synthetic_source,
)

__all__ = [
    "DEMO_BASE_URL",
    "FAULT_LINKS",
    "MANIFEST",
    "OTHER_ITEMS",
    "REDIRECT_TARGET",
    "ROBOTS_TXT",
    "SECTIONS",
    "STATES",
    "AttachmentSpec",
    "ExpectedTarget",
    "FixtureSite",
    "ListItem",
    "LoggedRequest",
    "PlanDoc",
    "Section",
    "demo_sources",
    "plans_in",
    "render_sources_toml",
    "section",
    "synthetic_source",
]
