"""Read a list (column) page: which links are plan documents, which are further pages.

The spider and the revalidation pass both read list pages through
:func:`read_list_page`, so they agree on what a list page "says": its
``signature`` is the hash of the detail and page links it holds. A list page whose
signature is unchanged holds nothing new, whatever its counters and dates did.

A detail link is an anchor whose text or ``title`` attribute matches the source's
``title_filter`` — government lists often cut the text ("2024年全市卫生健康工作要…")
and keep the whole title in ``title`` — that is at least :data:`MIN_TITLE_CHARS`
long (menu entries such as 发展规划 match the filter but are columns, not plans),
outside the page's header, navigation and footer, and on one of the source's
``allowed_domains``. ``selectors.detail_links`` replaces the anchor search when set.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from crawler.html_text import parse_html
from crawler.pagers import ListPage, Pager, find_page_links
from store.errors import ConfigError
from store.sources_config import SourceConfig

__all__ = ["MIN_TITLE_CHARS", "ListLinks", "check_selectors", "in_allowed_domains", "read_list_page"]

MIN_TITLE_CHARS = 8

_FRAME_MARKS = re.compile(r"\b(?:footer|foot|nav|navbar|menu|header|top|banner|crumb|breadcrumb)\b")


@dataclass(frozen=True)
class ListLinks:
    """What one list page links to."""

    url: str
    detail_links: list[tuple[str, str]] = field(default_factory=list)  # (absolute URL, title)
    page_links: list[str] = field(default_factory=list)

    @property
    def signature(self) -> str:
        """Hash of the links: equal when the page lists the same documents and pages."""
        lines = [*sorted(url for url, _ in self.detail_links), "--", *sorted(self.page_links)]
        return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def in_allowed_domains(url: str, domains: list[str]) -> bool:
    """True when the URL's host is one of ``domains`` or below one of them."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains) if domains else True


def check_selectors(source: SourceConfig) -> None:
    """Every configured selector compiles (CSS, or XPath when it starts with / or ().

    Run before a crawl, so a typo is one clear error naming the source and the field
    instead of a crawl that finds nothing.
    """
    from cssselect import GenericTranslator, SelectorError
    from lxml import etree

    for name, expression in source.selectors.model_dump().items():
        if not expression:
            continue
        try:
            if expression.lstrip().startswith(("/", "(")):
                etree.XPath(expression)
            else:
                GenericTranslator().css_to_xpath(expression)
        except (SelectorError, etree.XPathSyntaxError) as exc:
            raise ConfigError(f"{expression!r} is not valid CSS or XPath ({exc})",
                              source_id=source.id, field=f"selectors.{name}") from exc


def _in_frame(anchor: HtmlElement) -> bool:
    for ancestor in anchor.iterancestors():
        if ancestor.tag in {"header", "footer", "nav"}:
            return True
        if _FRAME_MARKS.search(f"{ancestor.get('id', '')} {ancestor.get('class', '')}".lower()):
            return True
    return False


def _candidate_anchors(tree: HtmlElement, source: SourceConfig) -> list[HtmlElement]:
    expression = source.selectors.detail_links
    if not expression:
        return [anchor for anchor in tree.iter("a") if not _in_frame(anchor)]
    try:
        found = tree.xpath(expression) if expression.lstrip().startswith(("/", "(")) else tree.cssselect(expression)
    except Exception as exc:  # lxml raises several unrelated types for a bad expression
        raise ConfigError(f"not valid CSS or XPath: {exc}", source_id=source.id, field="selectors.detail_links") from exc
    anchors: list[HtmlElement] = []
    for item in found:
        if isinstance(item, HtmlElement):
            anchors.extend([item] if item.tag == "a" else list(item.iter("a")))
    return anchors


def _title_of(anchor: HtmlElement, pattern: re.Pattern[str]) -> str | None:
    text = "".join(anchor.text_content().split())
    title = "".join((anchor.get("title") or "").split())
    for candidate in (title, text):
        if len(candidate) >= MIN_TITLE_CHARS and pattern.search(candidate):
            return candidate
    return None


def read_list_page(html: str, url: str, source: SourceConfig, pagers: list[Pager] | None = None) -> ListLinks:
    """The detail links and further list pages of one decoded list page."""
    tree = parse_html(html)
    pages = [u for u in find_page_links(ListPage(url, tree, html, source.selectors), pagers)
             if in_allowed_domains(u, source.allowed_domains)]
    pattern = re.compile(source.title_filter)
    skip = {url, *pages}
    details: dict[str, str] = {}
    for anchor in _candidate_anchors(tree, source):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        absolute = urljoin(url, href).split("#", 1)[0]
        title = _title_of(anchor, pattern)
        if title and absolute not in skip and in_allowed_domains(absolute, source.allowed_domains):
            details.setdefault(absolute, title)
    return ListLinks(url=url, detail_links=list(details.items()), page_links=pages)
