"""End to end in real headless Chromium: crawl the fixture site (twice, the site moving
to its "next" state in between) plus a hostile page, analyse, run `planwatch serve` as
a real process, then use the archive the way a reader does: search a Chinese phrase →
open the document → compare its two versions → open its series → export CSV.

The hostile page (served on 127.0.0.1 by this module) puts ``<script>`` and
``onerror=`` into its title and text as scraped text and a live ``<script>`` into its
HTML (kept in the raw capture). Nothing of it may run: no dialog, no ``window.__pwned``,
the page title stays ours. Screenshots go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select
from web_fixtures import serve_process

from store.engine import make_engine
from store.migrate import upgrade
from store.models import Document, Version
from store.settings import load_config
from store.sources_config import SourceConfig

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium fonts-wqy-microhei)"),
]
HOSTILE_TITLE = "&lt;script&gt;document.title='pwned';window.__pwned=1&lt;/script&gt;某县2024年卫生健康工作要点&lt;img src=x onerror=alert(1)&gt;"
HOSTILE_LIST = (
    '<html><head><meta charset="utf-8"><title>通知公告</title></head><body><ul class="list">'
    '<li><a href="/hostile.html" title="某县卫生健康局2024年卫生健康工作要点">某县卫生健康局2024年卫生健康工作要点</a>'
    "<span>2024-03-01</span></li></ul></body></html>"
)
HOSTILE_PAGE = (
    f'<html><head><meta charset="utf-8"><title>{HOSTILE_TITLE}</title>'
    "<script>window.__pwned='raw'; alert('raw'); document.title='pwned';</script></head><body>"
    f"<h1>{HOSTILE_TITLE}</h1><div class=\"info\">发布时间：2024-03-01 来源：某县卫生健康局</div>"
    '<div class="TRS_Editor"><p>2024年，全县卫生健康工作要点如下。</p><p>一、总体要求</p>'
    "<p>&lt;script&gt;alert('xss')&lt;/script&gt;到2024年底，每千人口医疗卫生机构床位数达到6.2张。</p>"
    '<p>&lt;img src=x onerror="window.__pwned=2"&gt;&lt;a href="javascript:alert(3)"&gt;点我&lt;/a&gt;人均预期寿命提高到79岁。</p>'
    '<img src="x" onerror="window.__pwned=3"></div></body></html>'
)


class _Hostile(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = {"/list.html": HOSTILE_LIST, "/hostile.html": HOSTILE_PAGE}.get(self.path)
        if body is None:
            self.send_error(404)
            return
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def hostile_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, hostile_site: str) -> Path:
    """A data directory filled by two crawls of the fixture site and the hostile page, analysed."""
    from crawler.fixture_site import FixtureSite, demo_sources
    from crawler.run import crawl_sources

    pipeline = pytest.importorskip("monitor.analysis.pipeline", reason="the analysis pipeline has not landed yet")
    data_dir = tmp_path_factory.mktemp("crawled")
    config = load_config(env={"PLANWATCH_DATA_DIR": str(data_dir)})
    engine = make_engine(config.database_url)
    upgrade(engine)
    hostile = SourceConfig(id="hostile", name="某县卫健局 通知公告", agency="某县卫生健康局", region="某省/某县",
                           start_urls=[hostile_site + "/list.html"], max_pages=1)
    with FixtureSite() as site:
        sources = [source for source in demo_sources(site.start()) if source.enabled] + [hostile]
        crawl_sources(config, sources)
        site.set_state("next")
        crawl_sources(config, sources)
    pipeline.analyse_pending(engine)
    engine.dispose()
    return data_dir


@pytest.fixture(scope="module")
def server(crawled: Path) -> Iterator[str]:
    with serve_process({"PLANWATCH_DATA_DIR": str(crawled)}) as (base, _process):
        yield base


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    """Chromium via Playwright, started after the crawl (Playwright's loop would block asyncio.run)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def _edited_document(crawled: Path) -> tuple[int, str]:
    """A document the second crawl changed: its id and its title."""
    engine = make_engine(f"sqlite:///{crawled / 'planwatch.db'}", readonly=True)
    with Session(engine) as session:
        statement = (select(Document.id, Document.title).join(Version, col(Version.document_id) == Document.id)
                     .where(col(Document.series_id).is_not(None)).group_by(col(Document.id), col(Document.title))
                     .having(func.count() >= 2).order_by(col(Document.id)))
        document_id, title = session.exec(statement).first()  # type: ignore[misc]
    engine.dispose()
    return int(document_id), str(title)


def _rgb(locator: Any) -> tuple[int, ...]:
    """The computed text colour of the first element ``locator`` finds, as (r, g, b)."""
    return tuple(int(part) for part in re.findall(r"\d+", locator.first.evaluate("e => getComputedStyle(e).color"))[:3])


def test_search_open_compare_series_export(page: Any, server: str, crawled: Path, artifacts_dir: Path) -> None:
    document_id, title = _edited_document(crawled)
    page.goto(server + "/")
    assert page.locator("h2", has_text="最近的变化").count() == 1
    page.screenshot(path=str(artifacts_dir / "web-0-home.png"), full_page=True)
    page.fill("header input[name=q]", "卫生健康工作要点")
    page.click("header button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("mark", has_text="卫生健康工作要点").count() >= 1
    page.screenshot(path=str(artifacts_dir / "web-1-search.png"), full_page=True)

    page.click(f"a[href='/documents/{document_id}']")
    assert page.locator("h1").inner_text() == title
    assert page.locator("ol.timeline li").count() >= 2
    page.screenshot(path=str(artifacts_dir / "web-2-document.png"), full_page=True)

    page.click("text=与上一版本对比")
    assert "版本对比" in page.locator("h1").inner_text()
    assert page.locator("del").count() + page.locator("ins").count() >= 2
    assert page.locator("h2", has_text="指标变化").count() == 1  # the target table comes first
    assert page.locator("table.target-changes tbody tr").count() >= 1  # the fixture site's edit moves a target
    page.screenshot(path=str(artifacts_dir / "web-3-compare.png"), full_page=True)

    page.go_back()
    page.click("dl.meta a[href^='/series/']")
    assert page.locator("table.matrix tbody tr").count() >= 1
    assert page.locator("svg.chart circle").count() >= 2
    raised, lowered = (_rgb(page.locator(f"table.matrix a.tag.k-{kind}")) for kind in ("target-raised", "target-lowered"))
    assert raised[0] > raised[1] and lowered[1] > lowered[0]  # 提高 red, 降低 green, as in the digest
    page.screenshot(path=str(artifacts_dir / "web-4-series.png"), full_page=True)

    with page.expect_download() as download:
        page.click("text=CSV")
    content = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert rows and all(row["indicator"] for row in rows)
    assert {row["document_id"] for row in rows} >= {str(document_id)}
    assert download.value.suggested_filename.startswith("targets-series-")
    assert page.dialogs == []


def _hostile_document(crawled: Path) -> tuple[int, int]:
    engine = make_engine(f"sqlite:///{crawled / 'planwatch.db'}", readonly=True)
    with Session(engine) as session:
        document = session.exec(select(Document).where(Document.source_id == "hostile")).one()
        version = session.exec(select(Version).where(Version.document_id == document.id)).first()
        assert "<script>" in document.title and version is not None and version.warc_file
        ids = int(document.id or 0), int(version.id or 0)
    engine.dispose()
    return ids


def test_scripts_planted_in_scraped_content_never_run(page: Any, server: str, crawled: Path, artifacts_dir: Path) -> None:
    document_id, version_id = _hostile_document(crawled)
    for path, shot in [("/", None), ("/documents?q=某县", "web-5-hostile-search.png"), (f"/documents/{document_id}", None),
                       (f"/versions/{version_id}", "web-6-hostile-version.png"), ("/changes", None)]:
        page.goto(server + path)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__pwned") is None, path
        assert page.title() != "pwned" and "planwatch" in page.title(), path
        if shot:
            page.screenshot(path=str(artifacts_dir / shot), full_page=True)
    page.goto(server + f"/versions/{version_id}")
    frame = page.frame_locator("iframe.raw")
    assert frame.locator("h1").inner_text().startswith("<script>")  # the capture is shown, as inert HTML
    raw = next(f for f in page.frames if f.url.endswith(f"/versions/{version_id}/raw"))
    assert raw.evaluate("window.__pwned") is None  # its own <script> did not run either
    page.goto(server + f"/versions/{version_id}/raw")  # even opened directly (CSP sandbox)
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []
