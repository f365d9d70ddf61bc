"""The lean revalidation pass on a small local site whose pages a test rewrites at will.

What the fixture site cannot do mid-test: a list page that disappears, a plan taken
down, robots.txt closing a known page, a server answering 503 once, a page whose
attachment link changes.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from sqlmodel import Session, select

from crawler.run import crawl_sources
from store.engine import make_engine
from store.migrate import upgrade
from store.models import Attachment, Document, ListingPage, Version
from store.normalise import NOISE_PATTERNS, content_hash
from store.settings import Config, load_config
from store.sources_config import SourceConfig

PLAN = ("<html><head><meta name='ArticleTitle' content='{title}'><meta name='PubDate' content='2024-03-01'></head>"
        "<body><div id='zoom'><p>{body}</p>{links}</div><div class='footer'>备案号：黔ICP备1号 浏览次数：{views}</div>"
        "</body></html>")


@dataclass
class MiniSite:
    """Pages by path (str HTML or bytes), ETags from content, a request log, scripted 503s."""

    pages: dict[str, str | bytes] = field(default_factory=dict)
    log: list[tuple[str, str | None]] = field(default_factory=list)
    fail_once: set[str] = field(default_factory=set)
    redirects: dict[str, str] = field(default_factory=dict)
    base_url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.log.append((request.path_qs, request.headers.get("If-None-Match")))
        if request.path_qs in self.redirects:
            raise web.HTTPFound(self.redirects[request.path_qs])
        if request.path_qs in self.fail_once:
            self.fail_once.discard(request.path_qs)
            return web.Response(status=503)
        body = self.pages.get(request.path_qs)
        if body is None:
            return web.Response(status=404, text="not found")
        data = body.encode("utf-8") if isinstance(body, str) else body
        etag = '"' + hashlib.md5(data).hexdigest() + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        kind = "text/plain; charset=utf-8" if request.path.endswith((".txt", "robots.txt")) else "text/html; charset=utf-8"
        return web.Response(body=data, headers={"ETag": etag, "Content-Type": kind})

    def paths(self) -> list[str]:
        return [path for path, _ in self.log]


@pytest.fixture
def mini_site() -> Iterator[MiniSite]:
    site = MiniSite()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    runner_box: list[web.AppRunner] = []

    async def start() -> None:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", site.handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        tcp = web.TCPSite(runner, "127.0.0.1", 0)
        await tcp.start()
        site.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        runner_box.append(runner)

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    yield site
    asyncio.run_coroutine_threadsafe(runner_box[0].cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def _list(*links: tuple[str, str], next_page: str = "") -> str:
    items = "".join(f"<li><a href='{href}'>{title}</a></li>" for href, title in links)
    pager = f"<div class='page'><a href='{next_page}'>下一页</a></div>" if next_page else ""
    return f"<html><body><ul>{items}</ul>{pager}</body></html>"


def _plan(title: str, body: str, views: int = 1, attachment: str = "") -> str:
    links = f"<p><a href='{attachment}'>附件：指标.txt</a></p>" if attachment else ""
    return PLAN.format(title=title, body=body, views=views, links=links)


def _setup(site: MiniSite, data_dir: Path) -> tuple[Config, list[SourceConfig]]:
    site.pages.update({
        "/robots.txt": "User-agent: *\nDisallow: /private/\n",
        "/col/index.html": _list(("/doc/1.html", "2024年全市卫生健康工作要点"), next_page="/col/index_1.html"),
        "/col/index_1.html": _list(("/doc/2.html", "2023年全市卫生健康工作要点")),
        "/doc/1.html": _plan("2024年全市卫生健康工作要点", "孕产妇死亡率控制在12/10万以内。", attachment="/files/a.txt"),
        "/doc/2.html": _plan("2023年全市卫生健康工作要点", "孕产妇死亡率控制在13/10万以内。"),
        "/files/a.txt": "居民健康素养水平达到28%",
    })
    config = load_config(env={"PLANWATCH_DATA_DIR": str(data_dir), "PLANWATCH_CRAWL_AUTOTHROTTLE": "false",
                              "PLANWATCH_CRAWL_RETRY_BACKOFF": "0.05", "PLANWATCH_CRAWL_DOWNLOAD_TIMEOUT": "2"})
    upgrade(make_engine(config.database_url))
    source = SourceConfig(id="mini", name="迷你站", agency="某市卫生健康局", region="某省/某市",
                          start_urls=[site.base_url + "/col/index.html"])
    (first,) = crawl_sources(config, [source])
    assert (first.mode, first.new_versions) == ("scrapy", 2)
    site.log.clear()
    return config, [source]


def _versions(config: Config, path_suffix: str) -> int:
    with Session(make_engine(config.database_url)) as session:
        document = session.exec(select(Document).where(Document.url.endswith(path_suffix))).one()  # type: ignore[attr-defined]
        return len(session.exec(select(Version).where(Version.document_id == document.id)).all())


def test_a_counter_only_change_is_read_but_attachments_are_not_fetched_again(mini_site: MiniSite, data_dir: Path) -> None:
    config, sources = _setup(mini_site, data_dir)
    mini_site.pages["/doc/1.html"] = _plan("2024年全市卫生健康工作要点", "孕产妇死亡率控制在12/10万以内。", views=99,
                                           attachment="/files/a.txt")
    (run,) = crawl_sources(config, sources)
    assert (run.mode, run.new_versions, run.counts["outcomes"]) == ("revalidate", 0, {"not-modified": 1, "unchanged": 1})
    assert "/files/a.txt" not in mini_site.paths()
    assert _versions(config, "/doc/1.html") == 1


def test_a_new_attachment_link_means_a_new_version_with_the_new_text(mini_site: MiniSite, data_dir: Path) -> None:
    config, sources = _setup(mini_site, data_dir)
    mini_site.pages["/files/b.txt"] = "居民健康素养水平达到30%"
    mini_site.pages["/doc/1.html"] = _plan("2024年全市卫生健康工作要点", "孕产妇死亡率控制在12/10万以内。",
                                           attachment="/files/b.txt")
    (run,) = crawl_sources(config, sources)
    assert (run.mode, run.new_versions) == ("revalidate", 1)
    with Session(make_engine(config.database_url)) as session:
        latest = session.exec(select(Attachment).order_by(Attachment.id.desc())).first()  # type: ignore[union-attr]
    assert latest is not None and latest.url.endswith("/files/b.txt") and latest.warc_file


def test_a_plan_taken_down_keeps_its_versions_and_is_counted(mini_site: MiniSite, data_dir: Path) -> None:
    config, sources = _setup(mini_site, data_dir)
    del mini_site.pages["/doc/2.html"]
    (run,) = crawl_sources(config, sources)
    assert (run.status.value, run.counts["errors"]) == ("partial", {"http-404": 1})
    with Session(make_engine(config.database_url)) as session:
        gone = session.exec(select(Document).where(Document.url.endswith("/doc/2.html"))).one()  # type: ignore[attr-defined]
    assert gone.last_status == 404 and _versions(config, "/doc/2.html") == 1


def test_a_vanished_list_page_is_counted_once_then_forgotten(mini_site: MiniSite, data_dir: Path) -> None:
    config, sources = _setup(mini_site, data_dir)
    del mini_site.pages["/col/index_1.html"]  # the column lost its second page ...
    (first,) = crawl_sources(config, sources)
    mini_site.pages["/col/index.html"] = _list(("/doc/1.html", "2024年全市卫生健康工作要点"))  # ... and its pager
    (second,) = crawl_sources(config, sources)
    assert first.counts["errors"] == {"http-404": 1} and second.counts["errors"] == {}
    with Session(make_engine(config.database_url)) as session:
        assert [url.rsplit("/", 1)[-1] for url in session.exec(select(ListingPage.url)).all()] == ["index.html"]


def test_robots_txt_closing_a_known_page_stops_its_revalidation(mini_site: MiniSite, data_dir: Path) -> None:
    config, sources = _setup(mini_site, data_dir)
    mini_site.pages["/robots.txt"] = "User-agent: *\nDisallow: /doc/2.html\n"
    (run,) = crawl_sources(config, sources)
    assert run.counts["errors"] == {"robots-disallowed": 1} and run.status.value == "ok"
    assert "/doc/2.html" not in mini_site.paths()


def test_a_503_is_retried_after_a_backoff_and_then_counts_as_a_304(mini_site: MiniSite, data_dir: Path) -> None:
    config, sources = _setup(mini_site, data_dir)
    mini_site.fail_once.add("/doc/2.html")
    (run,) = crawl_sources(config, sources)
    assert mini_site.paths().count("/doc/2.html") == 2
    assert (run.status.value, run.counts["errors"], run.counts["outcomes"]) == ("ok", {}, {"not-modified": 2})


def test_a_new_plan_on_a_new_list_page_starts_scrapy_for_the_new_links_only(mini_site: MiniSite, data_dir: Path) -> None:
    config, sources = _setup(mini_site, data_dir)
    mini_site.pages["/col/index_1.html"] = _list(("/doc/2.html", "2023年全市卫生健康工作要点"), next_page="/col/index_2.html")
    mini_site.pages["/col/index_2.html"] = _list(("/doc/0.html", "2022年全市卫生健康工作要点"))
    mini_site.pages["/doc/0.html"] = _plan("2022年全市卫生健康工作要点", "孕产妇死亡率控制在14/10万以内。")
    (run,) = crawl_sources(config, sources)
    assert (run.mode, run.new_documents, run.new_versions) == ("revalidate+scrapy", 1, 1)
    assert mini_site.paths().count("/doc/1.html") == 1 and mini_site.paths().count("/doc/2.html") == 1


def test_a_redirected_start_url_is_known_by_the_url_in_the_config(mini_site: MiniSite, data_dir: Path) -> None:
    _setup(mini_site, data_dir / "pages-only")  # the site's pages; this test's store is another one
    config = load_config(env={"PLANWATCH_DATA_DIR": str(data_dir), "PLANWATCH_CRAWL_AUTOTHROTTLE": "false"})
    upgrade(make_engine(config.database_url))
    mini_site.redirects["/start.html"] = "/col/index.html"
    moved = SourceConfig(id="moved", name="迁移站", agency="某市卫生健康局", region="某省/某市",
                         start_urls=[mini_site.base_url + "/start.html"])
    (first,) = crawl_sources(config, [moved])
    (second,) = crawl_sources(config, [moved])
    assert (first.mode, first.new_versions) == ("scrapy", 2)
    assert (second.mode, second.new_versions, second.counts["not_modified"]) == ("revalidate", 0, 4)  # both list pages, both plans
    with Session(make_engine(config.database_url)) as session:
        pages = session.exec(select(ListingPage.url).where(ListingPage.source_id == "moved")).all()
    assert sorted(url.rsplit("/", 1)[-1] for url in pages) == ["index_1.html", "start.html"]


# Start-up is most of an unchanged cycle's cost: none of these may be imported by one.
_NOT_FOR_AN_UNCHANGED_CYCLE = {"scrapy", "twisted", "alembic", "mako", "datasketch", "scipy", "numpy", "jinja2", "fastapi"}


def test_an_unchanged_cycle_imports_neither_scrapy_nor_alembic_nor_the_analysis(mini_site: MiniSite, data_dir: Path) -> None:
    import json
    import subprocess
    import sys

    from monitor.analysis.pipeline import analyse_pending

    config, sources = _setup(mini_site, data_dir)
    assert analyse_pending(make_engine(config.database_url)).analysed == 2  # nothing left for the cycles below
    sources_file = data_dir / "sources.toml"
    sources_file.write_text("[[sources]]\n" + "\n".join(
        f"{key} = {json.dumps(value, ensure_ascii=False)}"
        for key, value in sources[0].model_dump(mode="json", exclude_defaults=True).items()) + "\n", encoding="utf-8")
    script = (  # each command as a user runs it, the modules it loaded printed after it
        "import json, sys\n"
        "from monitor.cli import main\n"
        "for command in (['crawl', '--json'], ['run', '--once', '--all', '--no-digest', '--json']):\n"
        "    code = main(command)\n"
        "    print('loaded', json.dumps([code, sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1:]))]))\n"
    )
    env = {**os.environ, "PLANWATCH_DATA_DIR": str(config.data_dir), "PLANWATCH_CRAWL_AUTOTHROTTLE": "false",
           "PLANWATCH_SOURCES_FILE": str(sources_file)}
    out = subprocess.run([sys.executable, "-c", script, *sorted(_NOT_FOR_AN_UNCHANGED_CYCLE)],
                         capture_output=True, text=True, check=True, timeout=120, env=env)
    lines = out.stdout.strip().splitlines()
    loaded = [json.loads(line.removeprefix("loaded ")) for line in lines if line.startswith("loaded ")]
    assert loaded == [[0, []], [0, []]], out.stderr
    assert out.stdout.count('"mode": "revalidate"') == 2 and '"new_versions": 0' in out.stdout


@pytest.mark.parametrize(("attempt", "seconds"), [(1, 0.5), (2, 1.0), (3, 2.0), (10, 60.0)])
def test_backoff_doubles_up_to_a_minute(attempt: int, seconds: float) -> None:
    from crawler.politeness import backoff_delay

    assert backoff_delay(0.5, attempt) == seconds


@pytest.mark.parametrize("noise", ["", *(pattern.example for pattern in NOISE_PATTERNS)],
                         ids=["plain", *(pattern.name for pattern in NOISE_PATTERNS)])
def test_a_page_without_attachment_links_keeps_the_page_hash_stored_before(noise: str) -> None:
    """Page hashes were taken over text + "\\n" + links; without links the reader now hashes
    the text alone (and reuses it for the version). Stored hashes must still match, or the
    first cycle after an upgrade would re-read every page; a text ending in noise too."""
    from crawler.items import RawCapture
    from crawler.reading import read_page

    body = "</p><p>".join(["一、总体要求。全面推进健康城市建设，孕产妇死亡率控制在12/10万以内。",
                           "二、重点任务。建成16个社区医院，居民健康素养水平达到28%。",
                           "三、保障措施。各区县卫生健康部门要加强组织领导，确保各项任务落实到位。"])
    html = _plan("2024年工作要点", body)
    source = SourceConfig(id="mini", name="迷你站", agency="某市卫生健康局", region="某省/某市",
                          start_urls=["http://127.0.0.1/col/index.html"])
    read = read_page(source, RawCapture("http://127.0.0.1/doc/1.html", 200, [("Content-Type", "text/html; charset=utf-8")],
                                        html.encode("utf-8")))
    assert "12/10万" in read.fields.text
    assert read.page_hash == content_hash(read.fields.text + "\n") == read.text_content_hash
    text = read.fields.text + "\n" + noise
    assert content_hash(text) == content_hash(text + "\n")


def test_the_characters_skipped_by_the_binary_sniff_are_never_odd() -> None:
    import unicodedata

    from crawler.reading import _ODD_CATEGORIES, _PLAIN, looks_binary

    plain = [chr(n) for n in range(0x30000) if _PLAIN.fullmatch(chr(n))]
    assert len(plain) > 20000
    assert [c for c in plain if c == "\ufffd" or (unicodedata.category(c) in _ODD_CATEGORIES and c not in "\t\n\r\f")] == []
    assert looks_binary(bytes(range(256)).decode("latin-1") * 4) and not looks_binary(_plan("2024年工作要点", "正文") * 4)
