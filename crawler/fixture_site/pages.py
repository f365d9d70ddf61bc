"""Render every page of the fixture site for one state into bytes with HTTP metadata.

Pages come from the Jinja2 templates in ``templates/`` (autoescaped: the site's
text is treated like any scraped content) and the plan texts in ``content/``. A
plan text is one paragraph per line; lines starting with ``|`` are table rows.
The result is a plain ``{path: Resource}`` map the server looks requests up in;
rendering the whole site takes a few milliseconds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from email.utils import format_datetime
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from crawler.fixture_site.manifest import (
    MANIFEST,
    OTHER_ITEMS,
    SECTIONS,
    STATES,
    AttachmentSpec,
    PlanDoc,
    Section,
)

__all__ = [
    "FAULT_LINKS",
    "REDIRECT_TARGET",
    "ROBOTS_TXT",
    "Block",
    "Resource",
    "build_site",
    "list_page_paths",
    "read_blocks",
    "render",
]

PACKAGE = "crawler.fixture_site"
LIST_TIME = datetime(2024, 4, 10, 0, 0, tzinfo=UTC)
# When each later state was "published": Last-Modified of the pages it changed.
STATE_TIMES: dict[str, datetime] = {"next": datetime(2025, 3, 10, 2, 0, tzinfo=UTC)}
VIEW_GROWTH = 47  # what a "counter" page's 浏览次数 grows by in the next state

REDIRECT_TARGET = "/faults/moved/t20240301_9.html"
ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"
# (href, anchor) on the faults list: every link's title passes the default filter.
FAULT_LINKS: tuple[tuple[str, str], ...] = (
    ("/faults/missing-plan.html", "船山区卫生健康局2021年工作要点（已撤销）"),
    ("/status/500", "船山区卫生健康局2022年工作要点"),
    ("/slow", "船山区卫生健康局2023年工作计划"),
    ("/redirect/3", "船山区卫生健康局2024年工作要点"),
    ("/redirect-loop/a", "船山区卫生健康局2020年工作要点"),
    ("/huge", "船山区卫生健康局工作要点汇编"),
    ("/private/t20240101_1.html", "船山区卫生健康局2024年工作安排（内部）"),
)
_CREATE_PAGE_JS = (
    "function createPageHTML(total, current, prefix, suffix) {\n"
    "  for (var i = 0; i < total; i++) {\n"
    "    var href = i == 0 ? prefix + '.' + suffix : prefix + '_' + i + '.' + suffix;\n"
    "    document.write(i == current ? '<b>' + (i + 1) + '</b> ' : '<a href=\"' + href + '\">' + (i + 1) + '</a> ');\n"
    "  }\n}\n"
)


@dataclass(frozen=True)
class Resource:
    """One response: body bytes, Content-Type header, status and Last-Modified."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    modified: datetime = LIST_TIME

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'

    @property
    def last_modified(self) -> str:
        return format_datetime(self.modified, usegmt=True)


@dataclass(frozen=True)
class Block:
    """A paragraph (``text``) or a table (``rows``, first row the header)."""

    kind: str
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


def read_blocks(text: str) -> list[Block]:
    """Paragraphs and tables from a content file (``| a | b |`` lines are table rows)."""
    blocks: list[Block] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if blocks and blocks[-1].kind == "table":
                blocks[-1].rows.append(cells)
            else:
                blocks.append(Block("table", rows=[cells]))
        else:
            blocks.append(Block("p", text=line))
    return blocks


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader(PACKAGE, "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> str:
    """One template of the site rendered with ``context``."""
    return _environment().get_template(template).render(**context)


@cache
def content_text(name: str) -> str:
    return resources.files(PACKAGE).joinpath("content", name).read_text(encoding="utf-8")


@cache
def asset_bytes(name: str) -> bytes:
    return resources.files(PACKAGE).joinpath("assets", name).read_bytes()


def _html(text: str, charset: str = "utf-8", declared: str = "header", modified: datetime = LIST_TIME) -> Resource:
    header = "text/html; charset=" + charset if declared == "header" else "text/html"
    return Resource(text.encode(charset), header, modified=modified)


def list_page_paths(section: Section, pages: int) -> list[str]:
    """The URL paths of a section's list pages, page 1 first, in its pager's style."""
    if section.pager == "links":
        return [section.list_path] + [f"{section.list_path}?page={n}" for n in range(2, pages + 1)]
    if section.pager in {"index_n", "create_page_html"}:
        folder = section.list_path.rsplit("/", 1)[0]
        return [section.list_path] + [f"{folder}/index_{n}.html" for n in range(1, pages)]
    return [section.list_path]


def _listed_items(section: Section, state: str) -> list[Any]:
    plans = [p for p in MANIFEST if p.source_id == section.source_id and state in p.states and p.listed]
    others = [item for item in OTHER_ITEMS if item.source_id == section.source_id]
    return sorted([*plans, *others], key=lambda item: (item.published_on, item.path), reverse=True)


def _list_pages(section: Section, state: str) -> dict[str, Resource]:
    if section.source_id == "fixture-faults":
        return {section.list_path: _html(render(section.list_layout, links=FAULT_LINKS))}
    items = _listed_items(section, state)
    size = section.page_size if section.pager != "single" else max(len(items), 1)
    pages = max(1, -(-len(items) // size))
    paths = list_page_paths(section, pages)
    out = {}
    for number, path in enumerate(paths, start=1):
        text = render(
            section.list_layout, items=items[(number - 1) * size : number * size], page=number, pages=pages,
            total=len(items), page_url=lambda n: paths[n - 1], column=_column(section),
            site_name=section.agency,
        )
        out[path] = _html(text, section.charset)
    return out


def _column(section: Section) -> str:
    return section.name.split(" ", 1)[-1]


def _related(plan: PlanDoc) -> list[tuple[str, str]]:
    """Other plans of the section present in every state (so the page never changes)."""
    others = [p for p in MANIFEST if p.source_id == plan.source_id and p.path != plan.path and p.states == STATES]
    return [(p.path, p.title) for p in sorted(others, key=lambda p: p.path)[:3]]


def _plan_context(plan: PlanDoc, section: Section, state: str) -> dict[str, Any]:
    text = content_text(plan.content)
    if plan.edit is not None and state != "initial" and plan.next_change == "edited":
        text = text.replace(*plan.edit)
    views = plan.views + (VIEW_GROWTH if plan.next_change == "counter" and state != "initial" else 0)
    return {
        "title": plan.title, "agency": plan.agency, "site_name": section.agency, "column": _column(section),
        "published_on": plan.published_on.isoformat(), "views": views, "blocks": read_blocks(text),
        "attachments": [(a.path, a.anchor) for a in plan.attachments], "meta_tags": plan.meta_tags,
        "charset_meta": "gb2312" if plan.charset == "meta" else "", "related": _related(plan),
        "index_no": f"008642145/{plan.published_on.year}-{plan.path[-9:-5]}", "short_agency": "遂宁市卫健委",
        "lead": text.split("\n", 1)[0][:80],
    }


def _published(day: date) -> datetime:
    return datetime.combine(day, time(2, 0), tzinfo=UTC)


def _plan_pages(state: str) -> dict[str, Resource]:
    out = {}
    for plan in MANIFEST:
        if state not in plan.states:
            continue
        section = next(s for s in SECTIONS if s.source_id == plan.source_id)
        text = render(plan.layout or section.detail_layout, **_plan_context(plan, section, state))
        declared = plan.charset if section.charset != "utf-8" else "header"
        out[plan.path] = _html(text, section.charset, declared, _published(plan.published_on))
        out.update(_attachment_pages(plan.attachments, _published(plan.published_on)))
    return out


def _attachment_pages(specs: tuple[AttachmentSpec, ...], modified: datetime) -> dict[str, Resource]:
    out = {}
    for spec in specs:
        body = asset_bytes(spec.asset) if spec.asset else render("not_found.html", path=spec.path).encode()
        out[spec.path] = Resource(body, spec.media_type, modified=modified)
    return out


def _other_pages() -> dict[str, Resource]:
    out = {}
    for item in OTHER_ITEMS:
        section = next(s for s in SECTIONS if s.source_id == item.source_id)
        text = render("simple_detail.html", title=item.title, published_on=item.published_on.isoformat(),
                      agency=section.agency, column=_column(section), views=33,
                      blocks=read_blocks(content_text(item.content)))
        out[item.path] = _html(text, section.charset, "header", _published(item.published_on))
    private = render("simple_detail.html", title=FAULT_LINKS[-1][1], published_on="2024-01-01", agency="船山区卫生健康局",
                     column="工作计划", views=1, blocks=read_blocks("内部工作安排，robots.txt 禁止抓取。"))
    out["/private/t20240101_1.html"] = _html(private)
    out["/robots.txt"] = Resource(ROBOTS_TXT.encode(), "text/plain; charset=utf-8")
    out["/shxwjw/js/createPageHTML.js"] = Resource(_CREATE_PAGE_JS.encode(), "application/javascript")
    return out


def build_site(state: str) -> dict[str, Resource]:
    """Every page of the site in ``state``; a page equal to its initial rendering keeps its date."""
    if state not in STATES:
        raise ValueError(f"unknown fixture site state {state!r}; known: {', '.join(STATES)}")
    site = _other_pages()
    for section in SECTIONS:
        site.update(_list_pages(section, state))
    site.update(_plan_pages(state))
    if state != STATES[0]:
        initial = build_site(STATES[0])
        for path, resource in site.items():
            if path not in initial or initial[path].body != resource.body:
                site[path] = Resource(resource.body, resource.content_type, resource.status, STATE_TIMES[state])
    return site


