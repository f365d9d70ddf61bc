"""Read a government detail page: title, date, agency, column, site, body, attachments.

One registry of strategies (STYLE.md habit 1), run in :data:`STRATEGY_ORDER`; each
fills only the fields still empty, so an earlier, more trustworthy source wins:

1. ``selectors``     the source's configured CSS/XPath (``store.sources_config.Selectors``)
2. ``meta``          government meta tags: ArticleTitle, PubDate, ContentSource,
                     ColumnName, SiteName
3. ``text_patterns`` 发布日期/发布时间/时间/来源/文章来源/信息来源 labels, 当前位置 crumbs
4. ``markup``        headings and ``<title>`` for the title, the URL path for the date
5. ``cms_body``      known CMS body containers (#zoom, .TRS_Editor, #UCAP-CONTENT, ...)
6. ``readability``   readability-lxml when no known container is on the page
7. ``chrome_filter`` drops page-chrome lines left in the body (crawler.page_chrome)

Why not trafilatura as the general extractor (``bench/page_reading.py``, the 33 plan
pages of the fixture site in both states, see bench/page_reading.md): with tables on
it leaked chrome lines (打印, 浏览次数, 相关稿件 ...) on 29 pages and flattened the GBK
layout table so 136 paragraphs lost their own line, 7.3 ms/page; with tables off it
dropped 6 of 10 indicator-table rows, 6.1 ms/page. This module: no chrome, no lost
paragraph, every row kept, 3.1 ms/page for all fields (readability-lxml alone: chrome
on 13 pages, 4.3 ms). trafilatura stays out of the dependencies.

Speed (bench/RESULTS.md, 15-40 KB plan pages): CSS selectors are compiled once
(:func:`css`; ``tree.cssselect`` re-translated each of the 30 title/body selectors on
every page) and the whole-page text for ``text_patterns`` is walked only when a field
is still missing; with html_text's single walk per table cell, reading a page went
from ~11.5 to ~7 ms of CPU.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar
from urllib.parse import urljoin

from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement

from crawler.attachments import attachment_extension, is_attachment_url
from crawler.html_text import clean_line, element_text, parse_date, parse_html, tidy_title
from crawler.page_chrome import strip_page_chrome
from store.errors import ConfigError
from store.sources_config import Selectors

__all__ = [
    "STRATEGY_ORDER",
    "FieldStrategy",
    "PageFields",
    "css",
    "read_detail_page",
]

FIELDS = ("title", "published_on", "agency", "column", "site_name", "text")


@dataclass(frozen=True)
class PageFields:
    """What a detail page says about itself; ``found_by`` names the strategy per field."""

    title: str = ""
    published_on: date | None = None
    agency: str = ""
    column: str = ""
    site_name: str = ""
    text: str = ""
    attachment_links: list[tuple[str, str]] = field(default_factory=list)
    found_by: dict[str, str] = field(default_factory=dict)


@dataclass
class Page:
    """One parsed page handed to every strategy; ``values`` is the draft being filled."""

    tree: HtmlElement
    url: str
    selectors: Selectors
    html: str
    values: dict[str, Any] = field(default_factory=dict)
    found_by: dict[str, str] = field(default_factory=dict)
    body_element: HtmlElement | None = None
    _page_text: str | None = None

    def wants(self, name: str) -> bool:
        return not self.values.get(name)

    def offer(self, name: str, value: Any, kind: str) -> None:
        """Set a field unless an earlier strategy already did."""
        if isinstance(value, str):
            value = value.strip() if name == "text" else tidy_title(value) if name == "title" else clean_line(value)
        if value and self.wants(name):
            self.values[name] = value
            self.found_by[name] = kind

    @property
    def page_text(self) -> str:
        if self._page_text is None:
            body = self.tree.find("body")
            self._page_text = element_text(body if body is not None else self.tree)
        return self._page_text


class FieldStrategy:
    """One way of finding fields; subclasses register under ``kind``."""

    kind: ClassVar[str]
    registry: ClassVar[dict[str, type[FieldStrategy]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        FieldStrategy.registry[cls.kind] = cls

    def apply(self, page: Page) -> None:
        raise NotImplementedError


@functools.lru_cache(maxsize=256)
def css(expression: str) -> CSSSelector:
    """A compiled CSS selector (``tree.cssselect`` translates CSS to XPath on every call)."""
    return CSSSelector(expression, translator="html")


def select(tree: HtmlElement, expression: str) -> list[Any]:
    """CSS, or XPath when the expression starts with / or ( (as in the sources config)."""
    try:
        if expression.lstrip().startswith(("/", "(")):
            result = tree.xpath(expression)
            return list(result) if isinstance(result, list) else [result]
        return list(tree.cssselect(expression))
    except Exception as exc:  # lxml raises several unrelated types for a bad expression
        raise ConfigError(f"selector {expression!r} is not valid CSS or XPath: {exc}") from exc


def _selected_text(items: list[Any]) -> str:
    parts = [element_text(item) if isinstance(item, HtmlElement) else str(item) for item in items]
    return "\n".join(part.strip() for part in parts if part and part.strip())


class ConfiguredSelectors(FieldStrategy):
    kind = "selectors"

    def apply(self, page: Page) -> None:
        chosen = page.selectors
        for name, expression in (("title", chosen.title), ("agency", chosen.agency)):
            if expression:
                page.offer(name, " ".join(_selected_text(select(page.tree, expression)).split()), self.kind)
        if chosen.date:
            page.offer("published_on", parse_date(_selected_text(select(page.tree, chosen.date))), self.kind)
        if chosen.body:
            items = select(page.tree, chosen.body)
            page.offer("text", _selected_text(items), self.kind)
            page.body_element = next((i for i in items if isinstance(i, HtmlElement)), None)


# meta name (lower case) -> field
META_FIELDS: dict[str, str] = {
    "articletitle": "title",
    "pubdate": "published_on",
    "contentsource": "agency",
    "columnname": "column",
    "sitename": "site_name",
}


class MetaTags(FieldStrategy):
    kind = "meta"

    def apply(self, page: Page) -> None:
        for meta in page.tree.iter("meta"):
            name = (meta.get("name") or "").strip().lower()
            target = META_FIELDS.get(name)
            content = (meta.get("content") or "").strip()
            if target and content:
                page.offer(target, parse_date(content) if target == "published_on" else content, self.kind)


_LABEL_END = r"(?=\s|$|[|｜【\[]|发布|时间|日期|浏览|点击|阅读|字体|作者|编辑)"
# (field, pattern) rows; group 1 is the value.
TEXT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("published_on", re.compile(r"(?:发布日期|发布时间|发文日期|更新时间|时间|日期)\s*(?:[:：]|\t)\s*((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})")),
    ("agency", re.compile(r"(?:文章来源|信息来源|来源|发布机构|发文机关)\s*(?:[:：]|\t)\s*([^\s:：|｜]{2,40}?)" + _LABEL_END)),
    ("column", re.compile(r"(?:当前位置|您当前所在的位置|您现在的位置|所在位置)\s*[:：]\s*([^\n]+)")),
)
_CRUMB_SPLIT = re.compile(r"\s*(?:>>|>|»|›|→|--|-|/|\\)\s*")
_CRUMB_SKIP = frozenset({"正文", "首页", "网站首页", "详情", "内容", ""})


def _last_crumb(trail: str) -> str:
    crumbs = [c.strip() for c in _CRUMB_SPLIT.split(trail)]
    useful = [c for c in crumbs if c not in _CRUMB_SKIP]
    return useful[-1] if useful else ""


class TextPatterns(FieldStrategy):
    kind = "text_patterns"

    def apply(self, page: Page) -> None:
        for name, pattern in TEXT_PATTERNS:
            if not page.wants(name):
                continue  # the page text (a walk of the whole body) only when a field is missing
            match = pattern.search(page.page_text)
            if not match:
                continue
            value: Any = match.group(1)
            if name == "published_on":
                value = parse_date(value)
            elif name == "column":
                value = _last_crumb(value)
            page.offer(name, value, self.kind)


TITLE_SELECTORS: tuple[str, ...] = (
    "h1", ".article-title", ".detail-title", ".news_title", ".title", "#title", ".bt", ".tit",
    "td.title", "h2", "h3",
)
_TITLE_SEPARATOR = re.compile(r"\s*(?:_|\||｜|--|—|–|\s-\s)\s*")
_URL_DATE = re.compile(r"/(?:t|P0?)?((?:19|20)\d{2})[-_/]?(\d{2})[-_/]?(\d{2})(?:[_/]|\d)")


def _split_title_tag(tree: HtmlElement) -> tuple[str, str]:
    """(page title, site name) from ``<title>``: "题名_贵阳市卫生健康局"."""
    node = tree.find(".//title")
    raw = " ".join((node.text_content() if node is not None else "").split())
    parts = [part for part in _TITLE_SEPARATOR.split(raw) if part]
    if len(parts) < 2:
        return raw, ""
    return parts[0], parts[-1]


class Markup(FieldStrategy):
    kind = "markup"

    def apply(self, page: Page) -> None:
        from_tag, site = _split_title_tag(page.tree)
        page.offer("site_name", site, self.kind)
        if page.wants("title"):
            page.offer("title", self._heading(page.tree, from_tag, site) or from_tag, self.kind)
        if page.wants("published_on"):
            match = _URL_DATE.search(page.url)
            if match:
                page.offer("published_on", parse_date("-".join(match.groups())), self.kind)

    @staticmethod
    def _heading(tree: HtmlElement, from_tag: str, site: str) -> str:
        """A heading that agrees with ``<title>``, else the first long one."""
        found: list[str] = []
        for expression in TITLE_SELECTORS:
            for element in css(expression)(tree):
                text = "".join(element.text_content().split())
                if len(text) >= 6 and text != site and len(text) <= 200:
                    found.append(text)
        compact = "".join(from_tag.split())
        agreeing = [t for t in found if compact and (compact in t or t in compact)]
        if agreeing:
            return max(agreeing, key=len)
        return found[0] if found and not compact else ""


# Body containers of the CMSs Chinese government sites run on, most specific first.
CMS_BODY_SELECTORS: tuple[str, ...] = (
    "#zoom", ".TRS_Editor", ".TRS_UEDITOR", "#UCAP-CONTENT", ".pages_content", ".article-content",
    "#BodyLabel", ".wzcon", ".article_con", ".detail-content", ".news_content", ".zw", "#zw",
    ".view.TRS_UEDITOR", ".content-text", "#fontzoom", "#Zoom", "article",
)
_MIN_BODY_CHARS = 20


class CmsBody(FieldStrategy):
    kind = "cms_body"

    def apply(self, page: Page) -> None:
        if not page.wants("text"):
            return
        for expression in CMS_BODY_SELECTORS:
            for element in css(expression)(page.tree):
                text = element_text(element)
                if len(text) >= _MIN_BODY_CHARS:
                    page.offer("text", text, f"{self.kind}:{expression}")
                    page.body_element = element
                    return


class Readability(FieldStrategy):
    kind = "readability"

    def apply(self, page: Page) -> None:
        if not page.wants("text"):
            return
        from readability import Document

        try:
            summary = Document(page.html).summary(html_partial=True)
        except Exception:  # readability raises on pages with no body at all
            return
        page.offer("text", element_text(parse_html(summary)), self.kind)


class ChromeFilter(FieldStrategy):
    kind = "chrome_filter"

    def apply(self, page: Page) -> None:
        text = page.values.get("text", "")
        if text:
            page.values["text"] = strip_page_chrome(text, title=page.values.get("title", ""))


STRATEGY_ORDER: tuple[str, ...] = (
    "selectors", "meta", "text_patterns", "markup", "cms_body", "readability", "chrome_filter",
)


def _in_page_frame(element: HtmlElement) -> bool:
    """True inside header/footer/nav blocks (site-wide links, not the document's)."""
    for ancestor in element.iterancestors():
        marks = f"{ancestor.get('id', '')} {ancestor.get('class', '')}".lower()
        if ancestor.tag in {"header", "footer", "nav"} or re.search(r"\b(?:footer|foot|nav|header|top)\b", marks):
            return True
    return False


def attachment_links(tree: HtmlElement, url: str) -> list[tuple[str, str]]:
    """(absolute URL, anchor text) of every file the document links, in page order."""
    base_node = tree.find(".//base[@href]")
    base = urljoin(url, base_node.get("href")) if base_node is not None else url
    found: dict[str, str] = {}
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        text = " ".join(anchor.text_content().split())
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        if not (is_attachment_url(href) or attachment_extension(text) in {"pdf", "doc", "docx", "wps", "xls", "xlsx"}):
            continue
        if _in_page_frame(anchor):
            continue
        absolute = urljoin(base, href)
        found.setdefault(absolute, text or absolute.rsplit("/", 1)[-1])
    return list(found.items())


def read_detail_page(html: str, url: str = "", selectors: Selectors | None = None) -> PageFields:
    """Every field of a detail page (decoded ``str``; see :func:`crawler.encoding.decode_html`).

    Never raises for odd pages (missing fields stay empty); a configured selector that
    is not valid CSS/XPath raises ``ConfigError``.
    """
    page = Page(tree=parse_html(html), url=url, selectors=selectors or Selectors(), html=html)
    for kind in STRATEGY_ORDER:
        FieldStrategy.registry[kind]().apply(page)
    values = {name: page.values.get(name) for name in FIELDS}
    return PageFields(
        title=values["title"] or "",
        published_on=values["published_on"],
        agency=values["agency"] or "",
        column=values["column"] or "",
        site_name=values["site_name"] or "",
        text=values["text"] or "",
        attachment_links=attachment_links(page.tree, url),
        found_by=dict(page.found_by),
    )
