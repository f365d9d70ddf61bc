"""Pagination rules for list (column) pages: one registered class per pager style.

Government CMSs draw their pager in a few ways; every rule below is tried on every
list page and the union of the URLs they find is followed (the spider's duplicate
filter and ``max_pages`` bound the walk):

==================  ==========================================================
``links``           plain anchors: 下一页 / 下页 / 后页 (and 尾页 / 末页 when it
                    is an ``index_N`` URL, which names the whole sequence)
``index_n``         numbered ``index_1.html`` … ``index_N.html`` links beside the
                    current page, and 共N页 / 共 N 页 text next to them
``create_page_html`` the TRS/WCM script ``createPageHTML(total, current, "index", "html")``
                    (literal numbers or ``var countPage = 7`` variables; the newer
                    ``createPageHTML("page_div", total, current, "index", "html", n)``)
``selector``        the source's ``selectors.next_page`` (CSS or XPath) when set
==================  ==========================================================

An unknown pager name is a :class:`~store.errors.ConfigError` listing the valid ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from store.errors import ConfigError
from store.sources_config import Selectors

__all__ = ["PAGERS", "ListPage", "Pager", "find_page_links", "pagers_named"]


@dataclass(frozen=True)
class ListPage:
    """A parsed list page as every pager sees it."""

    url: str
    tree: HtmlElement
    html: str
    selectors: Selectors


class Pager:
    """One pagination style; subclasses register under ``kind``."""

    kind: ClassVar[str]
    registry: ClassVar[dict[str, type[Pager]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Pager.registry[cls.kind] = cls

    def page_links(self, page: ListPage) -> list[str]:
        """Absolute URLs of further list pages this style points to."""
        raise NotImplementedError


def _anchors(tree: HtmlElement) -> list[tuple[str, str]]:
    found = []
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if href and not href.startswith(("javascript:", "#", "mailto:")):
            found.append((href, "".join(anchor.text_content().split()) or (anchor.get("title") or "").strip()))
    return found


# index.html, index_3.html, list_12.shtml ... : (directory, stem, number, extension)
_SEQUENCE = re.compile(r"^(?P<dir>.*/)(?P<stem>[A-Za-z]+)(?:_(?P<n>\d+))?\.(?P<ext>s?html?)$")


def _sequence(url: str) -> tuple[str, str, int, str] | None:
    path = urlsplit(url).path
    if path.endswith("/"):
        path += "index.html"
    match = _SEQUENCE.match(path)
    if not match:
        return None
    return match["dir"], match["stem"], int(match["n"] or 0), match["ext"]


def _sequence_urls(base: str, stem: str, ext: str, last: int) -> list[str]:
    """index.html (page 0) … index_<last>.html, as the TRS family numbers them."""
    return [urljoin(base, f"{stem}.{ext}" if n == 0 else f"{stem}_{n}.{ext}") for n in range(last + 1)]


_NEXT_TEXT = re.compile(r"^(?:下一页|下页|后页|下一頁|next|›|»|>)$", re.I)
_LAST_TEXT = re.compile(r"^(?:尾页|末页|最后一页|尾頁|last)$", re.I)


class LinkPager(Pager):
    kind = "links"

    def page_links(self, page: ListPage) -> list[str]:
        urls = []
        for href, text in _anchors(page.tree):
            absolute = urljoin(page.url, href)
            if _NEXT_TEXT.match(text):
                urls.append(absolute)
            elif _LAST_TEXT.match(text):
                urls.append(absolute)
                urls.extend(self._through_last(page.url, absolute))
        return urls

    @staticmethod
    def _through_last(current: str, last: str) -> list[str]:
        here, end = _sequence(current), _sequence(last)
        if here is None or end is None or here[:2] != end[:2] or here[3] != end[3]:
            return []
        return _sequence_urls(last, end[1], end[3], end[2])


_TOTAL_PAGES = re.compile(r"共\s*(\d{1,4})\s*页")


class IndexSequencePager(Pager):
    kind = "index_n"

    def page_links(self, page: ListPage) -> list[str]:
        here = _sequence(page.url)
        if here is None:
            return []
        directory, stem, _, ext = here
        numbers = []
        for href, _text in _anchors(page.tree):
            other = _sequence(urljoin(page.url, href))
            if other is not None and other[0] == directory and other[1] == stem and other[3] == ext:
                numbers.append(other[2])
        if not numbers:
            return []
        total = _TOTAL_PAGES.search(page.tree.text_content())
        last = max([*numbers, int(total.group(1)) - 1 if total else 0])
        return _sequence_urls(page.url, stem, ext, last)


_CALL = re.compile(r"createPageHTML\s*\(([^)]*)\)")
_VAR = re.compile(r"(?:var|let|const)?\s*([A-Za-z_$][\w$]*)\s*=\s*['\"]?(\d+)['\"]?")


def _script_args(raw: str, variables: dict[str, int]) -> list[int | str]:
    args: list[int | str] = []
    for part in raw.split(","):
        token = part.strip()
        if token.startswith(("'", '"')):
            args.append(token.strip("'\""))
        elif token.isdigit():
            args.append(int(token))
        elif token in variables:
            args.append(variables[token])
        else:
            args.append(token)
    return args


class CreatePageHtmlPager(Pager):
    kind = "create_page_html"

    def page_links(self, page: ListPage) -> list[str]:
        call = _CALL.search(page.html)
        if call is None:
            return []
        variables = {name: int(value) for name, value in _VAR.findall(page.html[: call.start()])}
        args = _script_args(call.group(1), variables)
        for i in range(len(args) - 3):
            total, _current, stem, ext = args[i : i + 4]
            if isinstance(total, int) and isinstance(_current, int) and isinstance(stem, str) and isinstance(ext, str):
                return _sequence_urls(page.url, stem, ext, total - 1) if total > 1 else []
        return []


class SelectorPager(Pager):
    kind = "selector"

    def page_links(self, page: ListPage) -> list[str]:
        expression = page.selectors.next_page
        if not expression:
            return []
        try:
            if expression.lstrip().startswith(("/", "(")):
                found = page.tree.xpath(expression)
            else:
                found = page.tree.cssselect(expression)
        except Exception as exc:  # lxml raises several unrelated types for a bad expression
            raise ConfigError(f"selectors.next_page {expression!r} is not valid CSS or XPath: {exc}") from exc
        hrefs = [item.get("href") if isinstance(item, HtmlElement) else str(item) for item in found]
        return [urljoin(page.url, href.strip()) for href in hrefs if href and href.strip()]


PAGERS: tuple[str, ...] = ("selector", "links", "index_n", "create_page_html")


def pagers_named(names: tuple[str, ...] = PAGERS) -> list[Pager]:
    """Instances of the named pagers; an unknown name is a ConfigError listing the valid ones."""
    unknown = [name for name in names if name not in Pager.registry]
    if unknown:
        valid = ", ".join(sorted(Pager.registry))
        raise ConfigError(f"unknown pager {unknown[0]!r}; valid: {valid}")
    return [Pager.registry[name]() for name in names]


def _same_page(one: str, other: str) -> bool:
    a, b = urlsplit(one), urlsplit(other)
    return (a.netloc, a.query) == (b.netloc, b.query) and _sequence(one) == _sequence(other)


def find_page_links(page: ListPage, pagers: list[Pager] | None = None) -> list[str]:
    """Further list pages, in a stable order, without the page itself or duplicates."""
    seen = {page.url}
    here = _sequence(page.url)
    found = []
    for pager in pagers if pagers is not None else pagers_named():
        for url in pager.page_links(page):
            url = url.split("#", 1)[0]
            if here is not None and _same_page(url, page.url):
                continue  # /col/ and /col/index.html are one page
            if url not in seen:
                seen.add(url)
                found.append(url)
    return found
