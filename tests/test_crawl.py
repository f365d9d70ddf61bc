"""The crawler against the bundled fixture site (real HTTP on 127.0.0.1, real SQLite).

One first crawl of every section is shared by the read-only tests of this module;
tests that move the site to its next state or crawl twice use their own data dir.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from warcio.archiveiterator import ArchiveIterator

from crawler.fixture_site import (
    MANIFEST,
    OTHER_ITEMS,
    REDIRECT_TARGET,
    SECTIONS,
    FixtureSite,
    LoggedRequest,
    PlanDoc,
    plans_in,
)
from crawler.fixture_site.pages import read_blocks
from crawler.run import CrawlSummary, crawl_sources
from store.engine import make_engine
from store.kinds import RunStatus
from store.migrate import upgrade
from store.models import Attachment, CrawlRun, Document, ListingPage, Version
from store.queries import latest_version, versions_of
from store.settings import Config, load_config
from store.sources_config import SourceConfig
from store.texts import get_text
from store.warc import warc_dir

CONTENT = Path(__file__).resolve().parent.parent / "crawler" / "fixture_site" / "content"
# Page chrome the body must not keep (unless the plan text itself says it).
CHROME = ("放大字体", "缩小字体", "打印本页", "关闭窗口", "分享到", "扫一扫", "备案号", "浏览次数", "热搜", "相关稿件",
          "当前位置", "ICP备")


def crawl_config(data_dir: Path, **overrides: str) -> Config:
    """Defaults, but fast against a local site: no AutoThrottle, short timeouts and backoff."""
    env = {
        "PLANWATCH_DATA_DIR": str(data_dir),
        "PLANWATCH_CRAWL_AUTOTHROTTLE": "false",
        "PLANWATCH_CRAWL_DOWNLOAD_TIMEOUT": "1",
        "PLANWATCH_CRAWL_RETRY_TIMES": "1",
        "PLANWATCH_CRAWL_RETRY_BACKOFF": "0.05",
        "PLANWATCH_CRAWL_MAX_RESPONSE_BYTES": "1000000",
        **{f"PLANWATCH_{key.upper()}": value for key, value in overrides.items()},
    }
    return load_config(env=env)


def site_sources(site: FixtureSite, *ids: str) -> list[SourceConfig]:
    chosen = [s for s in SECTIONS if not ids or s.source_id in ids]
    return [SourceConfig(id=s.source_id, name=s.name, agency=s.agency, region=s.region,
                         start_urls=[site.url(s.list_path)]) for s in chosen]


@dataclass
class Crawled:
    site: FixtureSite
    config: Config
    engine: Engine
    summaries: list[CrawlSummary]
    requests: list[LoggedRequest]

    @property
    def log(self) -> list[tuple[str, int]]:
        return [(entry.path, entry.status) for entry in self.requests]

    def document(self, session: Session, plan: PlanDoc) -> Document:
        found = session.exec(select(Document).where(Document.url == self.site.url(plan.path))).first()
        assert found is not None, f"{plan.title} ({plan.path}) was not stored"
        return found

    def text(self, session: Session, plan: PlanDoc) -> str:
        version = latest_version(session, self.document(session, plan).id or 0)
        assert version is not None
        return get_text(session, version.text_hash)


def _store(config: Config) -> Engine:
    engine = make_engine(config.database_url)
    upgrade(engine)
    return engine


@pytest.fixture(scope="module")
def crawled(fixture_site: FixtureSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    fixture_site.set_state("initial")
    fixture_site.clear_log()
    config = crawl_config(tmp_path_factory.mktemp("first-crawl"))
    engine = _store(config)
    summaries = crawl_sources(config, site_sources(fixture_site))
    yield Crawled(fixture_site, config, engine, summaries, fixture_site.requests)
    engine.dispose()


def _paragraphs(plan: PlanDoc) -> list[str]:
    return [block.text for block in read_blocks((CONTENT / plan.content).read_text(encoding="utf-8")) if block.kind == "p"]


@pytest.mark.parametrize("plan", plans_in("initial"), ids=lambda p: p.path.rsplit("/", 1)[-1])
def test_first_crawl_stores_every_plan_with_its_fields(crawled: Crawled, plan: PlanDoc) -> None:
    with Session(crawled.engine) as session:
        document = crawled.document(session, plan)
        assert (document.title, document.published_on, document.agency, document.region, document.plan_year,
                document.doc_type) == (plan.title, plan.published_on, plan.agency, plan.region, plan.plan_year,
                                       plan.doc_type)
        assert len(versions_of(session, document.id or 0)) == 1


@pytest.mark.parametrize("plan", plans_in("initial"), ids=lambda p: p.path.rsplit("/", 1)[-1])
def test_body_text_is_the_plan_without_page_chrome(crawled: Crawled, plan: PlanDoc) -> None:
    with Session(crawled.engine) as session:
        text = crawled.text(session, plan)
    page_text = text.split("【附件】", 1)[0]
    compact = re.sub(r"\s+", "", page_text)
    for paragraph in _paragraphs(plan):
        assert re.sub(r"\s+", "", paragraph) in compact, paragraph
    source_text = (CONTENT / plan.content).read_text(encoding="utf-8")
    leaked = [phrase for phrase in CHROME if phrase in page_text and phrase not in source_text]
    assert not leaked, leaked
    assert "\ufffd" not in text


ATTACHMENTS = [(plan, spec) for plan in plans_in("initial") for spec in plan.attachments]


@pytest.mark.parametrize(("plan", "spec"), ATTACHMENTS, ids=[spec.path.rsplit("/", 1)[-1] for _, spec in ATTACHMENTS])
def test_attachments_are_read_or_recorded_with_the_reason(crawled: Crawled, plan: PlanDoc, spec: object) -> None:
    from crawler.fixture_site import AttachmentSpec

    assert isinstance(spec, AttachmentSpec)
    with Session(crawled.engine) as session:
        version = latest_version(session, crawled.document(session, plan).id or 0)
        assert version is not None
        row = session.exec(select(Attachment).where(Attachment.version_id == version.id,
                                                    Attachment.url == crawled.site.url(spec.path))).one()
        text = get_text(session, version.text_hash)
    assert row.filename == spec.anchor
    if spec.readable:
        assert row.error is None and row.text_hash is not None
        assert spec.expect_text in text.split("【附件】", 1)[1]
    else:
        assert row.text_hash is None and row.error, "an unreadable attachment keeps its reason"


def test_non_plan_items_are_not_followed_or_stored(crawled: Crawled) -> None:
    fetched = {path for path, _ in crawled.log}
    with Session(crawled.engine) as session:
        stored = set(session.exec(select(Document.url)).all())
    for item in OTHER_ITEMS:
        assert item.path not in fetched, item.title
        assert crawled.site.url(item.path) not in stored
    assert len(stored) == len(plans_in("initial"))


@pytest.mark.parametrize("section", [s for s in SECTIONS if s.pager != "single"], ids=lambda s: s.pager)
def test_every_pagination_style_reaches_the_later_list_pages(crawled: Crawled, section: object) -> None:
    from crawler.fixture_site import Section

    assert isinstance(section, Section)
    with Session(crawled.engine) as session:
        pages = session.exec(select(ListingPage.url).where(ListingPage.source_id == section.source_id)).all()
    plans = plans_in("initial", section.source_id)
    items = len(plans) + len([i for i in OTHER_ITEMS if i.source_id == section.source_id])
    assert len(pages) == -(-items // section.page_size) >= 2, pages


def test_error_pages_are_counted_by_kind_and_the_crawl_completes(crawled: Crawled) -> None:
    faults = next(s for s in crawled.summaries if s.source_id == "fixture-faults")
    assert faults.status is RunStatus.PARTIAL
    with Session(crawled.engine) as session:
        run = session.get(CrawlRun, faults.run_id)
        assert run is not None and run.finished_at is not None
        assert run.errors == {"http-404": 1, "http-500": 1, "redirect-loop": 1, "robots-disallowed": 1,
                              "timeout": 1, "too-large": 1}
        assert run.error_count == 5  # robots.txt refusals are counted but are not failures
        moved = session.exec(select(Document).where(Document.url == crawled.site.url(REDIRECT_TARGET))).one()
        assert moved.title == "船山区卫生健康局2024年工作要点"
    others = [s for s in crawled.summaries if s.source_id != "fixture-faults"]
    assert [s.status for s in others] == [RunStatus.OK] * len(others)
    assert sum(1 for path, status in crawled.log if path.startswith("/status/500") and status == 500) == 2  # retried once


def test_gbk_pages_decode_with_and_without_a_charset_header(crawled: Crawled) -> None:
    gbk = [plan for plan in plans_in("initial", "fixture-sn")]
    assert {plan.charset for plan in gbk} >= {"header", "meta", "none"}
    with Session(crawled.engine) as session:
        for plan in gbk:
            text = crawled.text(session, plan)
            assert crawled.document(session, plan).title == plan.title
            assert _paragraphs(plan)[0].replace(" ", "") in text.replace(" ", ""), plan.charset


def test_robots_txt_is_fetched_first_and_obeyed(crawled: Crawled) -> None:
    paths = [path for path, _ in crawled.log]
    assert paths[0] == "/robots.txt"
    assert not [path for path in paths if path.startswith("/private/")]


def test_requests_name_planwatch_and_the_contact_url(crawled: Crawled) -> None:
    expected = crawled.config.user_agent
    assert "planwatch" in expected and crawled.config["crawl.contact_url"] in expected
    assert {entry.user_agent for entry in crawled.requests} == {expected}


def test_warc_records_hold_what_was_fetched_at_the_stored_offset(crawled: Crawled) -> None:
    with Session(crawled.engine) as session:
        rows = session.exec(select(Version, Document.url).join(Document, col(Document.id) == col(Version.document_id))).all()
    assert len(rows) == len(plans_in("initial"))
    assert len({version.warc_file for version, _ in rows}) == 1  # one crawl_sources call, one (small) file
    for version, url in rows:
        assert version.warc_file and version.warc_offset is not None
        with (warc_dir(crawled.config.data_dir) / version.warc_file).open("rb") as handle:
            handle.seek(version.warc_offset)
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == url
            assert record.http_headers is not None and record.http_headers.get_statuscode() == "200"
            body = record.content_stream().read()
        assert int(record.http_headers.get_header("Content-Length")) == len(body)
        assert version.title.encode("utf-8") in body or version.title.encode("gb18030") in body


def test_second_crawl_of_an_unchanged_site_sends_validators_and_stores_nothing_new(
    fixture_site: FixtureSite, tmp_path: Path
) -> None:
    config = crawl_config(tmp_path)
    engine = _store(config)
    sources = site_sources(fixture_site, "fixture-gy", "fixture-sn", "fixture-shx")
    crawl_sources(config, sources)
    fixture_site.clear_log()
    again = crawl_sources(config, sources)
    assert [(s.status, s.mode, s.new_versions) for s in again] == [(RunStatus.OK, "revalidate", 0)] * 3
    pages = [entry for entry in fixture_site.requests if entry.path != "/robots.txt"]
    with Session(engine) as session:
        known = set(session.exec(select(Document.url)).all()) | set(session.exec(select(ListingPage.url)).all())
        assert len(session.exec(select(Version)).all()) == len(plans_in("initial")) - 2  # no news, no faults
    assert {fixture_site.url(entry.path) for entry in pages} == known
    assert all(entry.if_none_match for entry in pages), [e.path for e in pages if not e.if_none_match]
    assert {entry.status for entry in pages} == {304}


def test_next_state_gives_new_versions_to_exactly_the_edited_and_new_plans(
    fixture_site: FixtureSite, tmp_path: Path
) -> None:
    config = crawl_config(tmp_path)
    engine = _store(config)
    sources = site_sources(fixture_site, "fixture-gy", "fixture-sn", "fixture-shx")
    crawl_sources(config, sources)
    fixture_site.set_state("next")
    summaries = crawl_sources(config, sources)
    changed = {p.path for p in MANIFEST if p.next_change in {"edited", "new"} and p.source_id in {s.id for s in sources}}
    with Session(engine) as session:
        counts = {url: len(versions_of(session, doc_id))
                  for doc_id, url in session.exec(select(Document.id, Document.url)).all() if doc_id is not None}
        edited = next(p for p in MANIFEST if p.next_change == "edited")
        assert edited.edit is not None
        latest = latest_version(session, _id(session, fixture_site.url(edited.path)))
        assert latest is not None
        text = get_text(session, latest.text_hash)
        new_plan = next(p for p in MANIFEST if p.next_change == "new")
        document = session.exec(select(Document).where(Document.url == fixture_site.url(new_plan.path))).one()
        assert (document.title, document.plan_year, document.published_on) == (new_plan.title, new_plan.plan_year,
                                                                               new_plan.published_on)
    with_new_versions = {url for url, n in counts.items() if n > 1 or url.endswith(new_plan.path)}
    assert with_new_versions == {fixture_site.url(path) for path in changed}
    assert edited.edit[1] in text and edited.edit[0] not in text
    assert sum(s.new_versions for s in summaries) == len(changed)
    counter = next(p for p in MANIFEST if p.next_change == "counter")
    assert counts[fixture_site.url(counter.path)] == 1
    assert {s.source_id: s.mode for s in summaries}["fixture-gy"] == "revalidate+scrapy"


def _id(session: Session, url: str) -> int:
    document = session.exec(select(Document).where(Document.url == url)).one()
    assert document.id is not None
    return document.id


def test_full_scrapy_recrawl_sends_validators_when_revalidation_is_off(fixture_site: FixtureSite, tmp_path: Path) -> None:
    config = crawl_config(tmp_path, crawl_revalidate="false")
    engine = _store(config)
    sources = site_sources(fixture_site, "fixture-shx")
    crawl_sources(config, sources)
    fixture_site.clear_log()
    (again,) = crawl_sources(config, sources)
    assert (again.mode, again.status, again.new_versions) == ("scrapy", RunStatus.OK, 0)
    pages = [entry for entry in fixture_site.requests if entry.path != "/robots.txt"]
    with Session(engine) as session:
        documents = set(session.exec(select(Document.url)).all())
    asked = {fixture_site.url(entry.path): entry for entry in pages}
    assert documents <= set(asked)
    assert all(asked[url].if_none_match and asked[url].status == 304 for url in documents)
    assert again.counts["not_modified"] >= len(documents)


def test_an_unreachable_source_is_a_failed_run_and_others_still_crawl(fixture_site: FixtureSite, tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    config = crawl_config(tmp_path)
    _store(config)
    dead = SourceConfig(id="dead", name="无法访问", agency="某局", region="某省", start_urls=[f"http://127.0.0.1:{closed_port}/x.html"])
    summaries = crawl_sources(config, [dead, *site_sources(fixture_site, "fixture-news")])
    assert [(s.source_id, s.status) for s in summaries] == [("dead", RunStatus.FAILED), ("fixture-news", RunStatus.OK)]
    assert summaries[0].counts["errors"] == {"connection": 1}


def test_a_start_page_answering_500_is_a_failed_run_not_a_partial_one(fixture_site: FixtureSite, tmp_path: Path) -> None:
    """robots.txt answered 200, but no page of the source could be fetched: the user must see "failed"."""
    config = crawl_config(tmp_path)
    _store(config)
    broken = SourceConfig(id="broken", name="栏目出错", agency="某局", region="某省",
                          start_urls=[fixture_site.url("/status/500")])
    (summary,) = crawl_sources(config, [broken])
    assert summary.status is RunStatus.FAILED
    assert summary.counts["errors"] == {"http-500": 1}
    assert summary.message.startswith("no page could be fetched: http-500")


def test_an_interrupted_crawl_is_recorded_as_interrupted(fixture_site: FixtureSite, tmp_path: Path) -> None:
    config = crawl_config(tmp_path)
    engine = _store(config)
    sources = site_sources(fixture_site, "fixture-sn")
    crawl_sources(config, sources)

    def press_ctrl_c(source_id: str, tally: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        crawl_sources(config, sources, progress=press_ctrl_c)
    with Session(engine) as session:
        last = session.exec(select(CrawlRun).order_by(col(CrawlRun.id).desc())).first()
    assert last is not None and last.status == "interrupted" and last.finished_at is not None


def test_crawl_and_revalidation_on_postgresql(fixture_site: FixtureSite, tmp_path: Path, pg_url: str) -> None:
    config = crawl_config(tmp_path, database_url=pg_url)
    engine = _store(config)
    sources = site_sources(fixture_site, "fixture-gy", "fixture-sn")
    first = crawl_sources(config, sources)
    again = crawl_sources(config, sources)
    fixture_site.set_state("next")
    third = crawl_sources(config, sources)
    expected = [len(plans_in("initial", s.id)) for s in sources]
    assert [s.new_versions for s in first] == expected
    assert [(s.mode, s.new_versions) for s in again] == [("revalidate", 0), ("revalidate", 0)]
    assert [s.new_versions for s in third] == [2, 0]  # fixture-gy: the edited and the new plan
    with Session(engine) as session:
        titles = set(session.exec(select(Document.title)).all())
    assert {p.title for p in plans_in("next") if p.source_id in {"fixture-gy", "fixture-sn"}} <= titles
    engine.dispose()


def test_a_crawl_over_its_time_limit_stops_and_is_recorded_as_interrupted(fixture_site: FixtureSite, tmp_path: Path) -> None:
    config = crawl_config(tmp_path, crawl_time_limit="1", crawl_download_timeout="30")
    engine = _store(config)
    (summary,) = crawl_sources(config, site_sources(fixture_site, "fixture-faults"))  # /slow takes 5 s
    assert (summary.status, summary.message) == (RunStatus.INTERRUPTED, "stopped: closespider_timeout")
    with Session(engine) as session:
        run = session.get(CrawlRun, summary.run_id)
    assert run is not None and run.status == "interrupted"


def test_selector_mistakes_fail_that_source_clearly_and_the_others_still_crawl(fixture_site: FixtureSite, tmp_path: Path) -> None:
    config = crawl_config(tmp_path)
    _store(config)
    by_id = {source.id: source for source in site_sources(fixture_site, "fixture-news", "fixture-shx")}
    news, shx = by_id["fixture-news"], by_id["fixture-shx"]
    typo = news.model_copy(update={"selectors": news.selectors.model_copy(update={"title": "h1[["})})
    evaluates_badly = shx.model_copy(update={"selectors": shx.selectors.model_copy(update={"title": "//*[foo()]"})})
    first, second = crawl_sources(config, [typo, evaluates_badly])
    assert first.status is RunStatus.FAILED and "field 'selectors.title'" in first.message
    assert first.counts["requests"] == 0  # nothing fetched for a source whose config is wrong
    assert second.status is RunStatus.PARTIAL and second.counts["errors"] == {"spider-error": 4}  # each plan page
    assert second.new_versions == 0
