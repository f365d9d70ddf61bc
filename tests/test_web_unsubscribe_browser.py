"""The 退订 page in real headless Chromium, against `planwatch serve` as a real process
with basic auth on: a reader without the archive password opens the link from a
digest, sees the masked address, presses 确认退订 (a form under the archive's CSP),
and is unsubscribed. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select
from web_fixtures import serve_process

from reports.subscribers import add_subscriber
from store.engine import make_engine, session_scope
from store.migrate import upgrade
from store.models import Subscriber

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium fonts-wqy-microhei)"),
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A store with one subscriber; yields (data dir, the subscriber's token)."""
    data_dir = tmp_path / "data"
    engine = make_engine(f"sqlite:///{data_dir / 'planwatch.db'}")
    upgrade(engine)
    with session_scope(engine) as session:
        token = add_subscriber(session, "wang.fang@example.org").token
    engine.dispose()
    yield data_dir, token


def _active(data_dir: Path) -> bool:
    engine = make_engine(f"sqlite:///{data_dir / 'planwatch.db'}", readonly=True)
    with Session(engine) as session:
        active = session.exec(select(Subscriber.active)).one()
    engine.dispose()
    return bool(active)


def test_a_reader_unsubscribes_in_the_browser_without_the_archive_password(store: tuple[Path, str],
                                                                          artifacts_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    data_dir, token = store
    env = {"PLANWATCH_DATA_DIR": str(data_dir), "PLANWATCH_WEB_AUTH_USER": "editor",
           "PLANWATCH_WEB_AUTH_PASSWORD": "archive-pw"}
    with serve_process(env) as (base, _process), sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 1000, "height": 700}, locale="zh-CN")
        page = context.new_page()
        assert context.request.get(f"{base}/").status == 401  # the archive itself asks for its password
        response = page.goto(f"{base}/unsubscribe?token={token}")
        assert response.status == 200 and page.title().startswith("退订摘要邮件")
        assert "w***@example.org" in page.inner_text("main") and "wang.fang" not in page.content()
        page.screenshot(path=str(artifacts_dir / "unsubscribe-1-confirm.png"), full_page=True)
        assert _active(data_dir)  # opening the page changed nothing

        with page.expect_navigation():
            page.get_by_role("button", name="确认退订").click()
        assert page.locator("h1").inner_text() == "已退订" and "w***@example.org" in page.inner_text("main")
        page.screenshot(path=str(artifacts_dir / "unsubscribe-2-done.png"), full_page=True)
        assert not _active(data_dir)

        page.goto(f"{base}/unsubscribe?token=not-{token}")
        assert "退订链接无效" in page.inner_text("h1")
        context.close()
        browser.close()
