"""Full-text search over stored versions: Chinese phrases, short-term fallback, filters,
snippets, pagination, idempotent indexing, on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm)."""

from __future__ import annotations

from pathlib import Path

import pytest
from archive_data import EVIL_TITLE, fill_archive
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

import store.search
import store.search_backends
from store.search import (
    INDEX_TABLE,
    IndexStatus,
    SearchFilters,
    backend_for,
    index_pending,
    index_status,
    make_snippet,
    parse_query,
    search,
)
from store.versions import FetchedPage, record_fetch


@pytest.fixture
def archive(any_engine: Engine, data_dir: Path):  # type: ignore[no-untyped-def]
    return fill_archive(any_engine, data_dir)


def _docs(engine: Engine, query: str, **filters: object) -> list[int]:
    with Session(engine) as session:
        return [hit.document_id for hit in search(session, query, SearchFilters(**filters), per_page=50).hits]  # type: ignore[arg-type]


def test_chinese_phrase_finds_every_document_holding_it_newest_first(any_engine: Engine, archive) -> None:  # type: ignore[no-untyped-def]
    found = _docs(any_engine, "家庭医生签约")
    assert found == [archive.documents["2024"]]  # only the edited second version says it
    plans = _docs(any_engine, "医疗卫生机构床位数")
    # newest stored matching version first: the repost was stored after the 2024 edit
    assert plans == [archive.documents[name] for name in ("repost", "2024", "2023", "2022")]


def test_a_document_appears_once_with_its_newest_matching_version(any_engine: Engine, archive) -> None:  # type: ignore[no-untyped-def]
    with Session(any_engine) as session:
        hits = search(session, "工作要点", SearchFilters(year=2024)).hits
    assert [(hit.document_id, hit.version_id) for hit in hits] == [(archive.documents["2024"], archive.versions["2024b"])]


def test_old_version_text_is_still_found(any_engine: Engine, archive) -> None:  # type: ignore[no-untyped-def]
    with Session(any_engine) as session:
        hits = search(session, "床位数达到7.5张").hits
    assert [(hit.document_id, hit.version_id) for hit in hits] == [(archive.documents["2024"], archive.versions["2024"])]


@pytest.mark.parametrize("query", ["床位", "医保", "张"])
def test_terms_shorter_than_a_trigram_fall_back_to_like(any_engine: Engine, archive, query: str) -> None:  # type: ignore[no-untyped-def]
    with Session(any_engine) as session:
        page = search(session, query, per_page=50)
    assert page.fallback
    expected = {archive.documents[name] for name in ("2022", "2023", "2024", "repost")}
    if query != "医保":
        expected.add(archive.documents["evil"])
    assert {hit.document_id for hit in page.hits} == expected


def test_all_terms_must_occur_mixing_long_and_short(any_engine: Engine, archive) -> None:  # type: ignore[no-untyped-def]
    assert _docs(any_engine, "医保 家庭医生") == [archive.documents["2024"]]
    assert _docs(any_engine, "医保 恶意") == []


@pytest.mark.parametrize("strategy", ["filter-driven", "term-driven", "term-driven, index phase"])
def test_filters_narrow_results(any_engine: Engine, archive, strategy: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    if strategy.startswith("term-driven"):  # as for a broad filter on a large archive
        monkeypatch.setattr(store.search, "CANDIDATE_LIMIT", 0)
    if strategy.endswith("index phase"):  # PostgreSQL: past the newest rows, the trigram index
        monkeypatch.setattr(store.search_backends, "PROBE_ROWS", 1)
    assert _docs(any_engine, "床位数", region="遂宁市") == [archive.documents["evil"], archive.documents["repost"]]
    assert _docs(any_engine, "床位数", year=2023, source_id="gy") == [archive.documents["2023"]]
    assert _docs(any_engine, "床位数", doc_type="实施方案") == []


def test_like_wildcards_in_a_query_are_literal(any_engine: Engine, archive) -> None:  # type: ignore[no-untyped-def]
    assert _docs(any_engine, "%") == []
    assert _docs(any_engine, "_") == [archive.documents["evil"]]  # only it holds an underscore (__pwned)
    assert _docs(any_engine, "医_") == []
    assert _docs(any_engine, '"床位数') == []  # a quote is a character, not FTS syntax


def test_pagination_has_next_and_disjoint_pages(any_engine: Engine, archive) -> None:  # type: ignore[no-untyped-def]
    with Session(any_engine) as session:
        first = search(session, "床位数", page=1, per_page=2)
        second = search(session, "床位数", page=2, per_page=2)
        third = search(session, "床位数", page=3, per_page=2)
    assert first.has_next and second.has_next and not third.has_next
    ids = [hit.document_id for page in (first, second, third) for hit in page.hits]
    assert len(ids) == len(set(ids)) == 5


def test_snippet_marks_hits_and_keeps_scraped_markup_as_text(any_engine: Engine, archive) -> None:  # type: ignore[no-untyped-def]
    with Session(any_engine) as session:
        hit = search(session, "恶意标题").hits[0]
    assert ("恶意标题", True) in hit.snippet
    joined = "".join(part for part, _ in hit.snippet)
    assert "<script>" in joined  # plain text here; the template escapes it
    assert EVIL_TITLE.startswith("<script>")


def test_snippet_window_and_ellipses() -> None:
    body = "甲" * 100 + "床位数" + "乙" * 200 + "床位数" + "丙" * 10
    segments = make_snippet(body, ["床位数"], context=10)
    assert segments[0] == ("…", False) and segments[-1] == ("…", False)
    assert [part for part, hit in segments if hit] == ["床位数"]
    assert make_snippet("Hello World", ["world"]) == (("Hello ", False), ("World", True))


def test_parse_query_dedupes_and_strips_private_use_markers() -> None:
    assert parse_query("  床位  床位 \ue000医保 ") == ("床位", "医保")
    assert parse_query("   ") == ()


def test_indexing_is_idempotent_and_picks_up_new_versions(any_engine: Engine, archive) -> None:  # type: ignore[no-untyped-def]
    with Session(any_engine) as session:
        status = index_status(session)
        assert status.ready and status.behind == 0 and status.indexed_through == archive.versions["evil"]
        assert index_pending(session) == 0
        record_fetch(session, FetchedPage(url="http://127.0.0.1:1/new.html", source_id="gy", text="新增的疾控体系建设方案", title="新方案"))
        assert index_status(session).behind == 1
        assert index_pending(session) == 1
        assert index_pending(session) == 0
        session.commit()
    assert len(_docs(any_engine, "疾控体系")) == 1


def test_readers_without_an_index_get_an_empty_page_not_an_error(any_engine: Engine) -> None:
    with Session(any_engine) as session:
        page = search(session, "床位数")
        assert page.hits == [] and not page.index_ready
        assert index_status(session) == IndexStatus(False, 0, 0)


def test_the_sqlite_index_is_an_fts5_trigram_table(sqlite_engine: Engine, data_dir: Path) -> None:
    fill_archive(sqlite_engine, data_dir)
    with sqlite_engine.connect() as connection:
        sql = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": INDEX_TABLE}).scalar()
    assert "fts5" in sql and "trigram" in sql


def test_the_postgres_index_is_a_gin_trigram_index(pg_engine: Engine, data_dir: Path) -> None:
    fill_archive(pg_engine, data_dir)
    with pg_engine.connect() as connection:
        definition = connection.execute(text("SELECT indexdef FROM pg_indexes WHERE tablename = :n AND indexdef LIKE '%gin%'"),
                                        {"n": INDEX_TABLE}).scalar()
    assert "gin_trgm_ops" in definition


def test_unsupported_dialect_is_a_config_error() -> None:
    from sqlalchemy import create_engine

    from store.errors import ConfigError

    engine = create_engine("sqlite://")
    engine.dialect.name = "oracle"  # what backend_for sees for another database
    with engine.connect() as connection, pytest.raises(ConfigError, match="supported: postgresql, sqlite"):
        backend_for(connection)


def test_a_damaged_text_is_indexed_by_title_and_does_not_stop_indexing(any_engine: Engine) -> None:
    from sqlalchemy import update

    from store.models import Blob, Source

    with Session(any_engine) as session:
        session.add(Source(id="gy", name="贵阳"))
        session.flush()
        bad = record_fetch(session, FetchedPage(url="http://127.0.0.1:1/bad.html", source_id="gy", text="损坏的正文内容", title="损坏页面标题"))
        good = record_fetch(session, FetchedPage(url="http://127.0.0.1:1/ok.html", source_id="gy", text="完好的正文内容", title="完好"))
        assert bad.version is not None and good.version is not None
        session.exec(update(Blob).where(Blob.hash == bad.version.text_hash).values(data=b"not zlib"))  # type: ignore[call-overload]
        assert index_pending(session) == 2
        session.commit()
    assert len(_docs(any_engine, "损坏页面标题")) == 1 and _docs(any_engine, "损坏的正文") == []
    assert len(_docs(any_engine, "完好的正文")) == 1


def test_analysis_leaves_every_stored_version_searchable(any_engine: Engine) -> None:
    from monitor.analysis.pipeline import analyse_pending
    from store.models import Source

    with Session(any_engine) as session:
        session.add(Source(id="qx", name="黔西"))
        session.flush()
        record_fetch(session, FetchedPage(url="http://127.0.0.1:1/qx/2024.html", source_id="qx", title="2024年卫生健康工作要点",
                                          text="到2024年底，每千人口医疗卫生机构床位数达到7.2张，推进紧密型县域医共体建设。"))
        session.commit()
    analyse_pending(any_engine)
    with Session(any_engine) as session:
        status = index_status(session)
        assert status.ready and status.behind == 0
    assert len(_docs(any_engine, "紧密型县域医共体")) == 1


@pytest.mark.parametrize("query", ["医疗卫生机构床位数", "床位", "医保 家庭医生", "张", "恶意标题", "工作要点 80岁", "HYPERLINK"])
def test_both_search_phases_find_the_same(any_engine: Engine, archive, query: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Reading the newest versions first, then the index, gives what either alone gives."""
    expected = _docs(any_engine, query)
    for probe in (0, 1, 2, 3):
        monkeypatch.setattr(store.search_backends, "PROBE_ROWS", probe)
        assert _docs(any_engine, query) == expected, probe


def test_latin_letters_match_in_any_case(any_engine: Engine, archive) -> None:  # type: ignore[no-untyped-def]
    assert _docs(any_engine, "hyperlink") == _docs(any_engine, "HYPERLINK") == []  # a target's text, not a version's
    assert _docs(any_engine, "PWNED") == _docs(any_engine, "pwned") == [archive.documents["evil"]]
