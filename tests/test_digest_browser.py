"""The HTML digest in real headless Chromium: it renders, fits a desktop and a phone,
uses the CJK font stack, runs no script and fetches nothing from anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from digest_seed import ARCHIVE, NOW, seed_store
from sqlalchemy.engine import Engine
from sqlmodel import Session

from reports.digest import Recipient, digest_view, plan_digest
from reports.digest_view import render_html
from store.settings import Config

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
PAGE_URL = "http://127.0.0.1:9/digest.html"  # never reached: the route below answers it


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (tests/run.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


@pytest.fixture
def digest_html(sqlite_engine: Engine, config: Config) -> str:
    seed_store(sqlite_engine)
    config.values.update({"digest.archive_base_url": ARCHIVE, "digest.first_lookback_days": 0})
    with Session(sqlite_engine) as session:
        plan = plan_digest(session, config, Recipient("reader@example.org"), now=NOW)
    return render_html(digest_view(config, plan, now=NOW, digest_id=1))


def _open(browser: Any, html: str, width: int, height: int) -> tuple[Any, Any, list[str]]:
    """A page showing ``html``; every other request is aborted and recorded."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    page = context.new_page()
    elsewhere: list[str] = []

    def answer(route: Any) -> None:
        if route.request.url == PAGE_URL:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", answer)
    page.goto(PAGE_URL, wait_until="load")
    return context, page, elsewhere


def test_digest_renders_on_desktop_with_no_external_requests(browser: Any, digest_html: str, artifacts_dir: Path) -> None:
    context, page, elsewhere = _open(browser, digest_html, 1024, 900)
    try:
        page.screenshot(path=str(artifacts_dir / "digest-desktop.png"), full_page=True)
        (artifacts_dir / "digest.html").write_text(digest_html, encoding="utf-8")
        assert elsewhere == []
        assert page.evaluate("document.scripts.length") == 0
        assert page.title().startswith("planwatch 摘要 2024-03-05")
        text = page.inner_text("body")
        for expected in ("卫生健康规划变化摘要", "新发布的计划 (1)", "每千人口医疗卫生机构床位数", "≥8.2张 ▲", "≤12/10万 ▼", "要求降低 (越低越好)",
                         "人均预期寿命", "二、新增一段。"):
            assert expected in text
        card = page.evaluate("document.querySelectorAll('table')[1].getBoundingClientRect().width")
        assert 600 <= card <= 640
        font = page.evaluate("getComputedStyle(document.querySelectorAll('table')[1]).fontFamily")
        assert font.startswith('"PingFang SC"') and "WenQuanYi Micro Hei" in font
        raised = page.locator("span", has_text="≥8.2张 ▲").first
        assert raised.evaluate("e => getComputedStyle(e).color") == "rgb(185, 28, 28)"
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        assert links and all(link.startswith((ARCHIVE, PAGE_URL + "#", "http://127.0.0.1:8765/")) for link in links)
    finally:
        context.close()


def test_digest_fits_a_phone_without_sideways_scrolling(browser: Any, digest_html: str, artifacts_dir: Path) -> None:
    context, page, elsewhere = _open(browser, digest_html, 375, 740)
    try:
        page.screenshot(path=str(artifacts_dir / "digest-phone.png"), full_page=True)
        assert elsewhere == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
        assert size >= 18
    finally:
        context.close()
