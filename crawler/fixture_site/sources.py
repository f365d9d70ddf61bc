"""Sources configs pointing at the fixture site, for tests, the demo and the bench.

``demo_sources(base_url)`` builds the configs in code, so nothing parses and
rewrites a TOML file to change the port; ``deploy/sources.demo.toml`` is
:func:`render_sources_toml` of ``demo_sources("http://127.0.0.1:8765")`` and a test
keeps the two equal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from crawler.fixture_site.manifest import SECTIONS
from crawler.fixture_site.synthetic import SyntheticSite
from store.sources_config import SourceConfig

__all__ = ["DEMO_BASE_URL", "DEMO_PORT", "demo_sources", "render_sources_toml", "synthetic_source"]

DEMO_PORT = 8765
DEMO_BASE_URL = f"http://127.0.0.1:{DEMO_PORT}"
_NOTES = {
    "fixture-faults": "404, 500, slow, redirect chain and loop, huge page, a robots.txt-disallowed link",
    "fixture-news": "an unrelated news site republishing 贵阳's 2023 plan (repost detection)",
    "fixture-sn": "served in GBK: charset in the header, only in <meta>, or nowhere",
}


def demo_sources(base_url: str = DEMO_BASE_URL, *, include_faults: bool = False) -> list[SourceConfig]:
    """One source per fixture-site section; the faults section is disabled unless asked for."""
    base = base_url.rstrip("/")
    return [
        SourceConfig(
            id=section.source_id, name=section.name, agency=section.agency, region=section.region,
            start_urls=[base + section.list_path], max_pages=10,
            enabled=include_faults or section.source_id != "fixture-faults",
            notes=_NOTES.get(section.source_id, "bundled fixture site"),
        )
        for section in SECTIONS
    ]


def synthetic_source(base_url: str, pages: int) -> SourceConfig:
    """The benchmark's source over a site started with ``FixtureSite(synthetic_pages=pages)``."""
    site = SyntheticSite(pages)
    return SourceConfig(
        id="fixture-synthetic", name="合成测试站 工作计划", agency="合成测试站", region="贵州省/贵阳市",
        start_urls=[base_url.rstrip("/") + site.list_path(0)], max_pages=site.list_pages,
        notes=f"{pages} synthetic plan pages for the benchmark",
    )


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


_FIELDS = ("id", "name", "agency", "region", "start_urls", "max_pages", "enabled", "verified", "notes")


def render_sources_toml(sources: Sequence[SourceConfig], header: str = "") -> str:
    """A sources file (``[[sources]]`` tables) that ``load_sources`` reads back equal."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for source in sources:
        lines += ["", "[[sources]]"]
        lines += [f"{name} = {_toml_value(getattr(source, name))}" for name in _FIELDS]
    return "\n".join(lines).lstrip("\n") + "\n"
