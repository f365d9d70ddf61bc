"""Pager rules and list-page reading: each pagination style, the title filter, the frame."""

from __future__ import annotations

import pytest

from crawler.html_text import parse_html
from crawler.listing import read_list_page
from crawler.pagers import PAGERS, ListPage, Pager, find_page_links, pagers_named
from store.errors import ConfigError
from store.sources_config import Selectors, SourceConfig

BASE = "http://127.0.0.1:8000/col/"


def _links(html: str, url: str = BASE + "index.html", selectors: Selectors | None = None) -> list[str]:
    return find_page_links(ListPage(url, parse_html(html), html, selectors or Selectors()))


# (id, page URL, HTML, expected further pages); one row per pager style and variant.
PAGER_CASES = [
    ("next-link", BASE + "list.html", "<a href='list.html?page=2'>下一页</a><a href='list.html?page=1'>首页</a>",
     [BASE + "list.html?page=2"]),
    ("last-link-index-n", BASE + "index.html", "<a href='index_1.html'>下一页</a><a href='index_3.html'>尾页</a>",
     [BASE + "index_1.html", BASE + "index_3.html", BASE + "index_2.html"]),
    ("numbered-index-n-with-total", BASE + "index.html",
     "<a href='index_1.html'>2</a><span>共 5 页</span>",
     [BASE + "index_1.html", BASE + "index_2.html", BASE + "index_3.html", BASE + "index_4.html"]),
    ("index-n-from-a-later-page", BASE + "index_2.html", "<a href='index.html'>1</a><a href='index_1.html'>2</a>",
     [BASE + "index.html", BASE + "index_1.html"]),
    ("create-page-html-literals", BASE + "index.html",
     "<script>createPageHTML(3, 0, \"index\", \"html\");</script>",
     [BASE + "index_1.html", BASE + "index_2.html"]),
    ("create-page-html-variables", BASE + "index.html",
     "<script>var countPage = 3//共多少页\nvar currentPage = 0;\ncreatePageHTML(countPage, currentPage, 'index', 'shtml');</script>",
     [BASE + "index.shtml", BASE + "index_1.shtml", BASE + "index_2.shtml"]),
    ("create-page-html-six-arguments", BASE + "index.html",
     "<script>createPageHTML('page_div', 2, 1, 'index', 'html', 31);</script>",
     [BASE + "index_1.html"]),
    ("single-page", BASE + "index.html", "<script>createPageHTML(1, 0, 'index', 'html');</script><a href='x.html'>2024年工作要点</a>",
     []),
]


@pytest.mark.parametrize(("url", "html", "expected"), [c[1:] for c in PAGER_CASES], ids=[c[0] for c in PAGER_CASES])
def test_pager_styles(url: str, html: str, expected: list[str]) -> None:
    assert _links(html, url) == expected


def test_configured_next_page_selector_css_and_xpath() -> None:
    html = "<div class='pg'><a href='p2.html'>›</a></div><a class='more' href='p9.html'>更多</a>"
    assert _links(html, selectors=Selectors(next_page="a.more")) == [BASE + "p9.html", BASE + "p2.html"]
    assert _links(html, selectors=Selectors(next_page="//a[@class='more']/@href"))[0] == BASE + "p9.html"
    with pytest.raises(ConfigError, match="next_page"):
        _links(html, selectors=Selectors(next_page="a[[["))


def test_every_pager_is_registered_and_unknown_names_list_the_valid_ones() -> None:
    assert set(PAGERS) == set(Pager.registry)
    with pytest.raises(ConfigError, match="valid: create_page_html, index_n, links, selector"):
        pagers_named(("links", "infinite_scroll"))


def _source(**kwargs: object) -> SourceConfig:
    base: dict[str, object] = dict(id="t", name="t", agency="贵阳市卫生健康局", region="贵州省/贵阳市",
                                   start_urls=[BASE + "index.html"])
    base.update(kwargs)
    return SourceConfig.model_validate(base)


LIST_HTML = """<html><body>
<div class="nav"><a href="/ghjh/">发展规划</a><a href="/gzyd/">工作要点专栏目录汇总</a></div>
<ul class="list">
<li><a href="t1.html">2024年全市卫生健康工作要点</a></li>
<li><a href="t2.html" title="贵阳市卫生健康局2023年工作总结">贵阳市卫生健康局2023年工...</a></li>
<li><a href="t3.html">关于召开2024年全市卫生健康工作会议的通知</a></li>
<li><a href="http://other.example.org/t4.html">2024年某省卫生健康工作要点</a></li>
<li><a href="t1.html#top">2024年全市卫生健康工作要点</a></li>
</ul>
<div class="page"><a href="index_1.html">下一页</a></div>
<div class="footer"><a href="/gk/">信息公开年度工作要点汇编说明</a></div>
</body></html>"""


def test_list_page_detail_links_title_filter_title_attribute_and_frame() -> None:
    links = read_list_page(LIST_HTML, BASE + "index.html", _source())
    assert links.detail_links == [
        (BASE + "t1.html", "2024年全市卫生健康工作要点"),
        (BASE + "t2.html", "贵阳市卫生健康局2023年工作总结"),
    ]
    assert links.page_links == [BASE + "index_1.html"]


def test_list_page_filter_override_and_detail_link_selector() -> None:
    notices = read_list_page(LIST_HTML, BASE + "index.html", _source(title_filter="通知"))
    assert [url for url, _ in notices.detail_links] == [BASE + "t3.html"]
    chosen = read_list_page(LIST_HTML, BASE + "index.html", _source(selectors=Selectors(detail_links="li:nth-child(2)")))
    assert [url for url, _ in chosen.detail_links] == [BASE + "t2.html"]


def test_signature_changes_only_with_the_links() -> None:
    source = _source()
    before = read_list_page(LIST_HTML, BASE + "index.html", source).signature
    recounted = LIST_HTML.replace("</ul>", "</ul><span>浏览次数：99</span>")
    assert read_list_page(recounted, BASE + "index.html", source).signature == before
    added = LIST_HTML.replace("<ul class=\"list\">", "<ul class=\"list\"><li><a href='t9.html'>2025年全市卫生健康工作要点</a></li>")
    assert read_list_page(added, BASE + "index.html", source).signature != before


@pytest.mark.parametrize(
    ("field", "expression"),
    [("title", "h1[["), ("date", "//span[@class='date'"), ("detail_links", "ul > > a"), ("next_page", "(//a")],
    ids=["css-title", "xpath-date", "css-links", "xpath-pager"],
)
def test_a_selector_that_does_not_compile_names_the_source_and_field(field: str, expression: str) -> None:
    from crawler.listing import check_selectors

    source = _source(selectors=Selectors(**{field: expression}))
    with pytest.raises(ConfigError, match=rf"source 't'.*field 'selectors\.{field}'.*not valid CSS or XPath"):
        check_selectors(source)
    check_selectors(_source(selectors=Selectors(title="h1.title", date="//span[@class='date']/text()")))
