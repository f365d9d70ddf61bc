"""Body extraction on the fixture site's layouts: our strategies vs readability vs trafilatura.

Run: ``.venv/bin/python bench/page_reading.py`` (prints a table; paste it into
bench/page_reading.md when the numbers move). For each plan page of the fixture
site, in both states, each extractor's text is scored on:

* chrome    lines of page chrome that leaked in (放大字体, 打印, 分享到, 浏览次数, 相关稿件, 备案号 ...)
* missing   body paragraphs of the plan (from ``content/``) that are not a line of the output
* rows      indicator-table rows kept as one line with their cells (贵阳 2024 has 5)

and timed (best of 5 runs, ms per page).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from crawler.encoding import decode_html
from crawler.fixture_site import STATES, plans_in
from crawler.fixture_site.pages import build_site, content_text, read_blocks
from crawler.html_text import element_text, parse_html
from crawler.page_fields import read_detail_page

CHROME = re.compile(r"放大字体|缩小字体|打印|关闭|分享到|扫一扫|相关稿件|备案号|ICP备|浏览次数|点击数|热搜|当前位置|上一篇|核心提示|\d+次")


def ours(html: str) -> str:
    return read_detail_page(html).text


def readability_only(html: str) -> str:
    from readability import Document

    return element_text(parse_html(Document(html).summary(html_partial=True)))


def trafilatura_tables(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_tables=True, include_comments=False) or ""


def trafilatura_no_tables(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_tables=False, include_comments=False) or ""


EXTRACTORS: dict[str, Callable[[str], str]] = {
    "planwatch read_detail_page": ours,
    "readability-lxml alone": readability_only,
    "trafilatura (tables on)": trafilatura_tables,
    "trafilatura (tables off)": trafilatura_no_tables,
}


def _pages() -> list[tuple[str, str, list[str], list[list[str]]]]:
    pages = []
    for state in STATES:
        site = build_site(state)
        for plan in plans_in(state):
            resource = site[plan.path]
            text = content_text(plan.content)
            if plan.edit is not None and state != "initial":
                text = text.replace(*plan.edit)
            blocks = read_blocks(text)
            paragraphs = [b.text for b in blocks if b.kind == "p"]
            rows = [row for b in blocks if b.kind == "table" for row in b.rows]
            pages.append((plan.path, decode_html(resource.body, resource.content_type), paragraphs, rows))
    return pages


def _score(text: str, paragraphs: list[str], rows: list[list[str]]) -> tuple[int, int, int]:
    lines = [line.strip() for line in text.split("\n")]
    chrome = sum(1 for line in lines if CHROME.search(line) and line not in paragraphs)
    missing = sum(1 for p in paragraphs if p not in lines)
    kept = sum(1 for row in rows if any(all(cell in line for cell in row) for line in lines))
    return chrome, missing, kept


def main() -> None:
    pages = _pages()
    total_rows = sum(len(rows) for *_, rows in pages)
    print(f"{len(pages)} pages, {sum(len(p) for _, _, p, _ in pages)} paragraphs, {total_rows} table rows")
    print("| extractor | pages with chrome | chrome lines | missing paragraphs | table rows kept | ms/page |")
    print("|---|---|---|---|---|---|")
    for name, extract in EXTRACTORS.items():
        scores = [_score(extract(html), paragraphs, rows) for _, html, paragraphs, rows in pages]
        best = min(_timed(extract, pages) for _ in range(5))
        print(f"| {name} | {sum(1 for s in scores if s[0])} | {sum(s[0] for s in scores)} | "
              f"{sum(s[1] for s in scores)} | {sum(s[2] for s in scores)}/{total_rows} | {best:.1f} |")


def _timed(extract: Callable[[str], str], pages: list[tuple[str, str, list[str], list[list[str]]]]) -> float:
    start = time.perf_counter()
    for _, html, _, _ in pages:
        extract(html)
    return (time.perf_counter() - start) * 1000 / len(pages)


if __name__ == "__main__":
    main()
