"""Scraped content that carries scripts never runs in the archive, checked in real Chromium.

A hostile column on 127.0.0.1 publishes two yearly plans (so there are a series, a
comparison and target changes) whose titles, text, table cells and attachment carry
``<script>``, event handlers, attribute break-outs, ``javascript:`` and ``data:``
links, ``srcdoc`` iframes and mXSS shapes as *text* (so the crawler stores them), and
live scripts and handlers in the HTML (kept in the raw WARC capture). They are
crawled and analysed by the real pipeline into a store that also holds the hand-made
hostile rows of ``archive_data`` (a ``javascript:`` attachment URL, a formula
indicator), then ``planwatch serve`` runs as a real process.

Chromium visits every page reachable from the home page plus hostile reflected URLs
twice: once as a user would (the Content-Security-Policy on), and once with the CSP
bypassed, so that escaping alone must keep everything inert. On every page: no
dialog, ``window.__pwned`` stays unset, no element carries an ``on*`` attribute, no
link or source uses ``javascript:``/``data:``/``vbscript:``, no ``<script>`` element,
every iframe sandboxed without scripts. A canary page proves the probe would notice.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from archive_data import fill_archive
from fault_site import FaultSite, Page, fault_site, list_html
from web_fixtures import serve_process

from store.engine import make_engine
from store.migrate import upgrade
from store.settings import load_config
from store.sources_config import SourceConfig

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium fonts-wqy-microhei)"),
]

# Each would set window.__pwned (or open a dialog) if it ever became markup.
PAYLOADS = (
    '<script>window.__pwned="script";alert("script")</script>',
    '<img src=x onerror="window.__pwned=\'img\';alert(\'img\')">',
    '<svg onload="window.__pwned=\'svg\'"></svg>',
    '"><script>window.__pwned="attr"</script><x y="',
    "'><b onmouseover=\"window.__pwned='hover'\">悬停</b>",
    '<a href="javascript:window.__pwned=\'link\'">点我</a>',
    '<iframe srcdoc="<script>parent.__pwned=\'iframe\'</script>"></iframe>',
    '</textarea></title></style><script>window.__pwned="breakout"</script>',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=\'mxss\'">',
    '<input autofocus onfocus="window.__pwned=\'focus\'">',
    '<a href="data:text/html,<script>alert(1)</script>">数据</a><a href="vbscript:msgbox(1)">vb</a>',
    "{{7*7}}${7*7}<%= 7*7 %>",
)
LIVE = ('<script>window.__pwned="live";alert("live")</script>', '<img src=x onerror="window.__pwned=\'live-img\'">',
        '<a href="javascript:window.__pwned=\'live-link\'">链接</a>')
TITLE = "某县卫生健康局{year}年卫生健康工作要点"


def _plan_page(year: int, beds: str) -> str:
    """A plan whose scraped text carries every payload, and whose markup carries live ones."""
    title = html.escape(PAYLOADS[0]) + TITLE.format(year=year) + html.escape(PAYLOADS[3])
    rows = "".join(f"<tr><td>{html.escape(p)}指标{n}</td><td>{n + 1}%</td></tr>" for n, p in enumerate(PAYLOADS[4:8]))
    paragraphs = [f"{year}年全县卫生健康工作要点如下。", "一、主要目标"]
    paragraphs += [f"{html.escape(p)}到{year}年底，每千人口医疗卫生机构床位数达到{beds}张。" for p in PAYLOADS[:3]]
    paragraphs += [f"{html.escape(p)}人均预期寿命提高到{79 + n % 3}岁。" for n, p in enumerate(PAYLOADS[3:])]
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (f'<html><head><meta charset="utf-8"><title>{title}</title>{LIVE[0]}</head><body>'
            f'<h1>{title}</h1><div class="info">发布时间：{year}-03-01 来源：{html.escape(PAYLOADS[1])}某县卫生健康局</div>'
            f'<div id="zoom">{body}<table><tr><th>指标</th><th>目标</th></tr>{rows}</table>{LIVE[1]}{LIVE[2]}'
            f'<p><a href="/files/{year}.txt">{html.escape(PAYLOADS[5])}附件{year}.txt</a></p></div></body></html>')


@pytest.fixture(scope="module")
def hostile_site() -> Iterator[FaultSite]:
    with fault_site() as site:
        site.put("/list.html", list_html([(f"/plan/{year}.html", TITLE.format(year=year)) for year in (2023, 2024)]))
        for year, beds in ((2023, "6.2"), (2024, "6.8")):
            site.put(f"/plan/{year}.html", _plan_page(year, beds))
            attachment = "\n".join(PAYLOADS) + f"\n{year}年孕产妇死亡率控制在12/10万以内。"
            site.put(f"/files/{year}.txt", Page(attachment.encode(), "text/plain; charset=utf-8"))
        yield site


@pytest.fixture(scope="module")
def archive_dir(tmp_path_factory: pytest.TempPathFactory, hostile_site: FaultSite) -> Path:
    """A store with the hand-made hostile rows and the hostile column crawled and analysed."""
    from crawler.run import crawl_sources
    from monitor.analysis.pipeline import analyse_pending

    data_dir = tmp_path_factory.mktemp("hostile-archive")
    config = load_config(env={"PLANWATCH_DATA_DIR": str(data_dir), "PLANWATCH_CRAWL_AUTOTHROTTLE": "false"})
    engine = make_engine(config.database_url)
    upgrade(engine)
    fill_archive(engine, data_dir)
    source = SourceConfig(id="hostile", name=html.unescape("某县卫健局 &lt;script&gt;通知公告"), agency="某县卫生健康局",
                          region="某省/某县", start_urls=[hostile_site.url("/list.html")])
    (summary,) = crawl_sources(config, [source])
    assert summary.new_documents == 2, summary
    assert analyse_pending(engine).failed == 0
    engine.dispose()
    return data_dir


@pytest.fixture(scope="module")
def server(archive_dir: Path) -> Iterator[str]:
    with serve_process({"PLANWATCH_DATA_DIR": str(archive_dir)}) as (base, _process):
        yield base


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    """Chromium via Playwright, started after the crawl (Playwright's loop would block asyncio.run)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


PROBE = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const name of el.getAttributeNames()) {
      if (name.toLowerCase().startsWith('on')) bad.push(`${el.tagName.toLowerCase()} has ${name}`);
    }
  }
  const scheme = (url) => {
    try { return new URL(url, document.baseURI).protocol; } catch (e) { return (String(url).trim().match(/^[a-z]+:/i) || [''])[0]; }
  };
  const unsafe = (url) => /^(javascript|data|vbscript):$/i.test(scheme(url));
  for (const a of document.querySelectorAll('a[href], area[href]')) {
    if (unsafe(a.getAttribute('href'))) bad.push(`live link ${a.getAttribute('href')}`);
  }
  for (const el of document.querySelectorAll('[src], [action], [formaction], object[data]')) {
    const url = el.getAttribute('src') || el.getAttribute('action') || el.getAttribute('formaction') || el.getAttribute('data');
    if (unsafe(url)) bad.push(`${el.tagName.toLowerCase()} loads ${url}`);
  }
  const scripts = document.querySelectorAll('script').length;
  if (scripts) bad.push(`${scripts} <script> elements`);
  for (const frame of document.querySelectorAll('iframe')) {
    if (!frame.hasAttribute('sandbox') || frame.sandbox.contains('allow-scripts') || frame.hasAttribute('srcdoc')) {
      bad.push(`iframe ${frame.outerHTML.slice(0, 80)}`);
    }
  }
  if (window.__pwned !== undefined) bad.push(`window.__pwned = ${window.__pwned}`);
  if (document.title === 'pwned') bad.push('title set by a script');
  return bad;
}"""

HOSTILE_URLS = (
    "/documents?q=" + quote('<script>window.__pwned="q"</script>'),
    "/documents?q=" + quote('"><img src=x onerror=window.__pwned="q2">'),
    "/documents?year=" + quote("<script>alert(1)</script>"),
    "/changes?kind=" + quote('"><script>alert(1)</script>'),
    "/indicators/" + quote('<img src=x onerror="alert(1)">', safe=""),
    "/sources/" + quote("<script>alert(1)</script>", safe=""),
    "/no/such/" + quote("<script>alert(1)</script>", safe=""),
)
_SKIP = ("/export/", "/api/", "/feeds/", "/openapi", "/docs", "/redoc")


def _links(page: Any, base: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    origin = urlsplit(base).netloc
    return [h.split("#", 1)[0] for h in hrefs if urlsplit(h).netloc == origin and not urlsplit(h).path.startswith(_SKIP)]


def _visit_all(context: Any, base: str, *, limit: int = 90) -> dict[str, list[str]]:
    """Every page reachable from home (and the hostile URLs): path → what the probe found."""
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    queue = [base + "/", *(base + url for url in HOSTILE_URLS)]
    seen: set[str] = set()
    found: dict[str, list[str]] = {}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        page.goto(url, wait_until="load")
        path = url.removeprefix(base)
        found[path] = page.evaluate(PROBE) + [f"dialog: {message}" for message in dialogs]
        dialogs.clear()
        queue.extend(link for link in _links(page, base) if link not in seen)
    page.close()
    assert len(found) >= 40, f"only {len(found)} pages reached"
    return found


@pytest.mark.parametrize("csp", ["csp-on", "csp-bypassed"])
def test_no_scraped_script_runs_on_any_page(browser: Any, server: str, csp: str) -> None:
    context = browser.new_context(bypass_csp=csp == "csp-bypassed", locale="zh-CN")
    try:
        found = _visit_all(context, server)
    finally:
        context.close()
    problems = {path: issues for path, issues in found.items() if issues}
    assert problems == {}
    paths = set(found)
    assert any(p.startswith("/compare/") for p in paths) and any(p.startswith("/series/") for p in paths)
    assert any(p.startswith("/indicators/") for p in paths) and any(p.startswith("/versions/") for p in paths)


def test_the_payloads_are_shown_as_text(browser: Any, server: str, archive_dir: Path) -> None:
    context = browser.new_context(bypass_csp=True, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(server + "/documents?q=" + quote("某县卫生健康局2024年"))
        page.click("text=" + TITLE.format(year=2024))
        heading = page.locator("h1").inner_text()
        assert heading.startswith(PAYLOADS[0]) and TITLE.format(year=2024) in heading  # the title, as text
        body = page.locator("body").inner_text()
        assert PAYLOADS[2] in body or PAYLOADS[1] in body  # a payload from the text or the agency, as text
        assert page.evaluate(PROBE) == []
    finally:
        context.close()


def test_the_probe_notices_a_script_that_runs(browser: Any) -> None:
    """The canary: the same probe on a page where an injection did happen reports it."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.set_content("<p>" + PAYLOADS[1] + PAYLOADS[5] + "</p>")
        page.wait_for_function("window.__pwned !== undefined")
        issues = page.evaluate(PROBE)
    finally:
        context.close()
    assert "window.__pwned = img" in issues and "img has onerror" in issues
    assert any(issue.startswith("live link javascript:") for issue in issues) and dialogs == ["img"]
