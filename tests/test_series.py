"""Plan series: titles normalised row by row, one series per plan over the years, neighbours."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from monitor.analysis.series import (
    TITLE_RULES,
    assign_series,
    next_in_series,
    normalise_title,
    previous_in_series,
    region_words,
    series_key,
)
from store.engine import session_scope
from store.models import Document, Source


@pytest.mark.parametrize("rule", TITLE_RULES, ids=[rule.name for rule in TITLE_RULES])
def test_each_title_rule_does_what_its_example_shows(rule: object) -> None:
    assert rule.pattern.sub(rule.replacement, rule.example) == rule.expected  # type: ignore[attr-defined]


GUIYANG = ("贵州省/贵阳市", "贵阳市卫生健康局")


@pytest.mark.parametrize(
    ("title", "where"),
    [
        ("2021年贵阳市、贵安新区卫生健康工作要点", GUIYANG),
        ("贵阳市卫生健康局|2021年贵阳市、贵安新区卫生健康工作要点", ("", "")),
        ("2022年贵阳市卫生健康工作要点", GUIYANG),
        ("关于印发2023年全市卫生健康工作要点的通知", GUIYANG),
        ("贵阳市卫生健康局关于印发《2024年贵阳市卫生健康工作要点》的通知", GUIYANG),
        ("清溪县卫生健康局关于印发2024年全县卫生健康工作要点的通知", ("贵州省/清溪县", "清溪县卫生健康局")),
        ("2024年全县卫生健康工作要点_清溪县卫生健康局", ("", "")),
        ("清溪县卫生健康局|2024年全县卫生健康工作要点 - 健康资讯网", ("", "")),
        ("遂宁市卫生健康委员会关于印发2022年 全市卫生健康工作要点的通知", ("四川省/遂宁市", "遂宁市卫生健康委员会")),
        ("2025年度全市卫生健康工作要点", GUIYANG),
    ],
)
def test_titles_of_one_plan_over_the_years_normalise_alike(title: str, where: tuple[str, str]) -> None:
    assert normalise_title(title, region=where[0], agency=where[1]) == "卫生健康工作要点"


def test_other_plans_keep_what_tells_them_apart() -> None:
    assert normalise_title("市人民政府办公厅印发关于进一步完善贵阳贵安医疗卫生服务体系实施方案的通知",
                           region="贵州省/贵阳市", agency="贵阳市人民政府办公厅") == "完善贵安医疗卫生服务体系实施方案"
    assert normalise_title("健康贵阳行动实施方案(2021-2025年)", region="贵州省/贵阳市") == "健康行动实施方案"
    # a county's own plan on the city's site keeps the county's name: another series
    assert normalise_title("乌当区2024年卫生健康工作要点", region=GUIYANG[0], agency=GUIYANG[1]) == "乌当区卫生健康工作要点"
    assert normalise_title("关于推进城市医疗集团建设的实施方案", region="贵州省/贵阳市") == "推进城市医疗集团建设的实施方案"


def test_region_words_cover_each_place_with_and_without_its_suffix() -> None:
    assert region_words("贵州省/贵阳市", "贵阳市卫生健康局") == ["贵州省", "贵阳市", "贵州", "贵阳"]
    assert region_words("", "健康资讯网") == []


def test_series_key_joins_region_agency_title_and_kind() -> None:
    key = series_key(title="关于印发2023年全市卫生健康工作要点的通知", region="贵州省/贵阳市", agency="贵阳市卫生健康局", doc_type="")
    assert key == "贵州省/贵阳市|贵阳市卫生健康局|卫生健康工作要点|工作要点"
    other_kind = series_key(title="2023年全市卫生健康工作总结", region="贵州省/贵阳市", agency="贵阳市卫生健康局", doc_type="")
    assert other_kind != key


def _document(session: Session, n: int, title: str, year: int, **extra: object) -> Document:
    document = Document(url=f"http://gov.example/{n}.html", source_id="gy", title=title, plan_year=year,
                        region="贵州省/贵阳市", agency="贵阳市卫生健康局", doc_type="工作要点", **extra)
    session.add(document)
    session.flush()
    return document


def test_documents_of_one_plan_share_a_series_and_find_their_neighbours(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        session.add(Source(id="gy", name="贵阳市卫生健康局", agency="贵阳市卫生健康局", region="贵州省/贵阳市"))
        session.flush()
        d2021 = _document(session, 1, "2021年贵阳市、贵安新区卫生健康工作要点", 2021)
        d2023 = _document(session, 2, "关于印发2023年全市卫生健康工作要点的通知", 2023)
        d2022 = _document(session, 3, "2022年贵阳市卫生健康工作要点", 2022)
        other = _document(session, 4, "2022年贵阳市卫生健康工作总结", 2022)
        other.doc_type = "工作总结"
        series = [assign_series(session, d) for d in (d2021, d2023, d2022, other)]
        assert series[0] is not None and series[0].id == series[1].id == series[2].id != series[3].id
        assert series[0].title == "卫生健康工作要点" and series[0].doc_type == "工作要点"
        assert previous_in_series(session, d2023).id == d2022.id
        assert next_in_series(session, d2021).id == d2022.id
        assert previous_in_series(session, d2021) is None and next_in_series(session, d2023) is None


def test_reposts_are_not_neighbours_and_untitled_documents_get_no_series(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        session.add(Source(id="gy", name="贵阳市卫生健康局", agency="贵阳市卫生健康局", region="贵州省/贵阳市"))
        session.flush()
        d2022 = _document(session, 1, "2022年贵阳市卫生健康工作要点", 2022)
        copy = _document(session, 2, "2023年贵阳市卫生健康工作要点", 2023)
        d2024 = _document(session, 3, "2024年贵阳市卫生健康工作要点", 2024)
        for document in (d2022, copy, d2024):
            assign_series(session, document)
        copy.canonical_id = d2022.id
        session.flush()
        assert previous_in_series(session, d2024).id == d2022.id
        assert assign_series(session, _document(session, 4, "", 2024)) is None
