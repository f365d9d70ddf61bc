"""Every page of the archive browser through FastAPI's test client, on SQLite and
PostgreSQL: status, what a reader sees, links between pages, 404/422 pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import lxml.html
import pytest
from archive_data import SLASHED
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session
from web_fixtures import Web

from reports.web import create_app
from store.models import Source, Target
from store.settings import Config
from store.versions import FetchedPage, record_fetch

pytest_plugins = ("web_fixtures",)

BEDS = "每千人口医疗卫生机构床位数"


def _doc(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(html)


def _text(html: str) -> str:
    return " ".join(_doc(html).text_content().split())


def _rows(html: str, selector: str = "table tbody tr") -> list[str]:
    return [" ".join(row.text_content().split()) for row in _doc(html).cssselect(selector)]


def _links(html: str) -> list[str]:
    return [str(a.get("href")) for a in _doc(html).cssselect("a[href]")]


def test_home_shows_recent_changes_newest_plans_and_failing_sources(web: Web) -> None:
    response = web.client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    text = _text(response.text)
    assert "每千人口医疗卫生机构床位数：≥7张 → ≥7.5张，要求提高" in text  # a change, as a Chinese headline
    assert "要求提高" in text  # its kind, in Chinese
    assert "贵阳市卫生健康局2024年工作要点" in text  # a newest plan
    problems = _rows(response.text.split("抓取出错的来源")[1].split("</table>")[0])
    assert len(problems) == 1 and "坏掉的站点" in problems[0] and "failed" in problems[0]
    assert f"/changes/{web.archive.changes['raised']}" in _links(response.text)


def test_sources_list_region_agency_last_crawl_status_and_counts(web: Web) -> None:
    rows = _rows(web.client.get("/sources").text)
    by_name = {row.split()[0]: row for row in rows}
    assert len(rows) == 3
    assert "贵阳市" in by_name["贵阳市卫健局"] and "贵阳市卫生健康局" in by_name["贵阳市卫健局"]
    assert by_name["贵阳市卫健局"].endswith(" 3") and "ok" in by_name["贵阳市卫健局"]  # 2022, 2023, 2024
    assert by_name["遂宁市卫健委"].endswith(" 2") and "从未抓取" in by_name["遂宁市卫健委"]
    assert "failed" in by_name["坏掉的站点"] and "3 个错误" in by_name["坏掉的站点"]


def test_one_source_lists_its_documents_and_errors(web: Web) -> None:
    gy = web.client.get("/sources/gy")
    assert gy.status_code == 200
    assert "贵阳市卫生健康局2023年工作要点" in gy.text and "转载" not in _text(gy.text).split("文件", 1)[1].split("最近的变化")[0]
    broken = _text(web.client.get("/sources/broken").text)
    assert "timeout" in broken and "没有符合条件的文件" in broken
    assert web.client.get("/sources/nope").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=遂宁市", {"repost", "evil"}),
        ("year=2023", {"2023", "repost"}),
        ("year=2023&source=gy", {"2023"}),
        ("type=工作要点&region=贵阳市", {"2022", "2023", "2024"}),
        ("type=实施方案", set()),
        ("year=&region=&type=", {"2022", "2023", "2024", "repost", "evil"}),  # a form's "any" options
    ],
)
def test_documents_filters(web: Web, query: str, expected: set[str]) -> None:
    html = web.client.get(f"/documents?{query}").text
    shown = {href for href in _links(html) if re.fullmatch(r"/documents/\d+", href)}
    assert shown == {f"/documents/{web.archive.documents[name]}" for name in expected}
    assert f"共 {len(expected)} 个文件" in _text(html)


def test_documents_pagination_links(web: Web) -> None:
    first = web.client.get("/documents?per_page=2").text
    second = web.client.get("/documents?per_page=2&page=2").text
    assert "下一页" in first and "上一页" not in first and "共 3 页" in first
    assert "上一页" in second and "per_page=2" in " ".join(_links(second))
    ids = lambda html: {h for h in _links(html) if re.fullmatch(r"/documents/\d+", h)}  # noqa: E731
    assert len(ids(first)) == len(ids(second)) == 2 and not ids(first) & ids(second)


def test_full_text_search_marks_hits_in_snippets(web: Web) -> None:
    html = web.client.get("/documents", params={"q": "家庭医生签约"}).text
    assert "<mark>家庭医生签约</mark>" in html
    assert f"/documents/{web.archive.documents['2024']}" in _links(html)
    assert f"/versions/{web.archive.versions['2024b']}" in _links(html)  # the version that matched
    assert f"/documents/{web.archive.documents['2022']}" not in _links(html)


def test_short_chinese_terms_search_too(web: Web) -> None:
    html = web.client.get("/documents", params={"q": "医保", "region": "贵阳市"}).text
    assert html.count("<mark>医保</mark>") == 3  # 2022, 2023, 2024
    assert "少于 3 个字" in html
    assert "没有符合条件的文件" in web.client.get("/documents", params={"q": "核酸检测点"}).text


def test_document_page(web: Web) -> None:
    html = web.client.get(f"/documents/{web.archive.documents['2024']}").text
    text = _text(html)
    assert "贵阳市卫生健康局2024年工作要点" in text and "贵阳市卫生健康局" in text and "2024 · 工作要点" in text
    assert "版本（2）" in text
    compare = f"/compare/{web.archive.versions['2024']}/{web.archive.versions['2024b']}"
    assert compare in _links(html)
    assert "无法读取 legacy .doc: antiword is not installed" in text  # attachment with its reason
    assert "≥7.86张" in text and "人均预期寿命" in text  # targets of the latest analysed version
    assert "一、总体要求" in text and "（一）完善医保支付方式改革" in text  # outline
    assert f"/series/{web.archive.series_id}" in _links(html)
    assert f"/indicators/{quote(BEDS, safe='')}" in _links(html)


def test_reposts_link_both_ways(web: Web) -> None:
    original = web.client.get(f"/documents/{web.archive.documents['2023']}").text
    repost = web.client.get(f"/documents/{web.archive.documents['repost']}").text
    assert "被转载" in original and f"/documents/{web.archive.documents['repost']}" in _links(original)
    assert "转载自" in repost and f"/documents/{web.archive.documents['2023']}" in _links(repost)


def test_version_page_marks_targets_in_place_and_frames_the_raw_capture(web: Web) -> None:
    edited = web.client.get(f"/versions/{web.archive.versions['2024b']}").text
    marked = _doc(edited).cssselect("div.text mark.target")
    assert any(BEDS in m.text_content() for m in marked)
    assert [m.text_content() for m in _doc(edited).cssselect("div.text mark.num")] == ["7.86", "80"]
    assert '<a href="#t1">[1]</a>' in edited and 'id="t1"' in edited
    assert "第 2 / 2 版" in _text(edited)
    assert not _doc(edited).cssselect("iframe") and "没有保存原始抓取记录" in edited  # no raw capture
    first = _doc(web.client.get(f"/versions/{web.archive.versions['2024']}").text)
    frame = first.cssselect("iframe")[0]
    assert frame.get("sandbox") == "" and frame.get("src") == f"/versions/{web.archive.versions['2024']}/raw"


def test_version_marks_the_number_not_a_year_holding_it(web: Web) -> None:
    html = web.client.get(f"/versions/{web.archive.versions['2022']}").text
    numbers = [m.text_content() for m in _doc(html).cssselect("div.text mark.num")]
    assert numbers == ["6.5", "80"]


def test_raw_capture_is_served_as_captured(web: Web) -> None:
    response = web.client.get(f"/versions/{web.archive.versions['2024']}/raw")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=gbk"
    assert response.content.decode("gbk").count("贵阳市卫生健康局2024年工作要点（原始页面）") == 1
    assert web.client.get(f"/versions/{web.archive.versions['2024b']}/raw").status_code == 404


def test_compare_side_by_side_and_inline(web: Web) -> None:
    old, new = web.archive.versions["2024"], web.archive.versions["2024b"]
    html = web.client.get(f"/compare/{old}/{new}").text
    assert "并排对比" in html and "行内对比" in html
    assert html.count(">7.5</del>") == 2 and html.count(">7.86</ins>") == 2  # once per view
    assert ">新增家庭医生签约服务。</ins>" in html or "家庭医生签约服务" in html
    assert f"/versions/{old}" in _links(html) and f"/versions/{new}" in _links(html)
    same = web.client.get(f"/compare/{new}/{new}").text
    assert "没有实质差别" in same


def test_compare_a_repost_with_its_original(web: Web) -> None:
    html = web.client.get(f"/compare/{web.archive.versions['2023']}/{web.archive.versions['repost']}").text
    assert "没有实质差别" in html and "来自" in html


def test_series_matrix_marks_changes_and_draws_a_chart(web: Web) -> None:
    html = web.client.get(f"/series/{web.archive.series_id}").text
    doc = _doc(html)
    assert [th.text_content() for th in doc.cssselect("table.matrix thead th")] == ["指标", "2022", "2023", "2024"]
    beds = next(row for row in _rows(html, "table.matrix tbody tr") if row.startswith(BEDS))
    assert re.search(r"≥6\.5张 ≥7张 ≥7\.86张 ↑ 要求提高 ×2", beds)  # two raised changes, one tag
    cell_link = "/changes?" + urlencode({"kind": "target-raised", "series": web.archive.series_id, "indicator": BEDS, "year": 2024})
    assert cell_link in _links(html)
    listed = web.client.get(cell_link).text
    assert {h for h in _links(listed) if re.fullmatch(r"/changes/\d+", h)} == {
        f"/changes/{web.archive.changes[name]}" for name in ("raised", "raised2")}
    assert "只看" in listed and "2024 年" in listed
    # the repost is filed under the series too, but the 2023 column shows the original
    assert f"/documents/{web.archive.documents['2023']}" in _links(html)
    assert f"/documents/{web.archive.documents['repost']}" not in _links(html)
    svg = doc.cssselect("svg.chart")[0]
    assert len(svg.cssselect("circle")) == 3 and svg.cssselect("polyline")
    assert BEDS in svg.cssselect("title")[0].text_content()
    assert "http" not in html.split("<svg", 1)[1].split("</svg>")[0].replace("http://www.w3.org/2000/svg", "")


def test_series_chart_of_another_indicator(web: Web) -> None:
    html = web.client.get(f"/series/{web.archive.series_id}", params={"indicator": "人均预期寿命"}).text
    assert "趋势：人均预期寿命" in html and "80岁" in _doc(html).cssselect("svg.chart")[0].text_content()


def test_indicator_across_regions(web: Web) -> None:
    html = web.client.get(f"/indicators/{quote(BEDS, safe='')}").text
    rows = _rows(html, "table.matrix tbody tr")
    assert [row.split()[0] for row in rows] == ["贵阳市", "遂宁市"]
    assert "≥6.5张 ≥7张 ≥7.86张" in rows[0]
    assert "≥6张" in rows[1] and "≥7张" not in rows[1]  # the repost is not counted as 遂宁's own target
    assert web.client.get("/indicators/没有这个指标").status_code == 404
    slashed = web.client.get(f"/indicators/{quote(SLASHED, safe='')}")
    assert slashed.status_code == 200 and "≥12/10万" in _text(slashed.text)
    assert web.client.get(f"/api/indicators/{quote(SLASHED, safe='')}").json()["indicator"] == SLASHED


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", {"new", "raised", "raised2", "edit", "evil"}), ("kind=target-raised", {"raised", "raised2"}), ("region=遂宁市", {"evil"}),
     ("source=gy&kind=text-edit", {"edit"}), ("series=1&year=2024&indicator=人均预期寿命", set()), ("year=2024&kind=new-document", {"new"})],
)
def test_changes_list_filters(web: Web, query: str, expected: set[str]) -> None:
    html = web.client.get(f"/changes?{query}").text
    shown = {href for href in _links(html) if re.fullmatch(r"/changes/\d+", href)}
    assert shown == {f"/changes/{web.archive.changes[name]}" for name in expected}


def test_one_change(web: Web) -> None:
    html = web.client.get(f"/changes/{web.archive.changes['edit']}").text
    title = _doc(html).cssselect("h1")[0].text_content()
    assert "页面修改：贵阳市卫生健康局2024年工作要点" in title  # the headline, in Chinese
    assert "已发布页面被修改" in _text(html)  # the differ's own summary below it
    assert f"/compare/{web.archive.versions['2024']}/{web.archive.versions['2024b']}" in _links(html)
    assert "1 处修改：删去 3 字，新增 4 字" in _text(html)
    assert re.search(r"<del[^>]*>7\.5</del>", html) and re.search(r"<ins[^>]*>7\.86</ins>", html)  # the differ's excerpt


def test_a_target_change_shows_old_and_new(web: Web) -> None:
    html = web.client.get(f"/changes/{web.archive.changes['raised']}").text
    rows = _rows(html)
    assert "目标值≥7张≥7.5张" in rows and "原句床位数达到7张。床位数达到7.5张。" in rows
    assert "之前（2023）" in html and "之后（2024）" in html and "与上一年度计划相比" in html
    assert "2024 年" in _text(html)


def test_a_new_document_change_shows_its_facts_escaped(web: Web) -> None:
    html = web.client.get(f"/changes/{web.archive.changes['evil']}").text
    assert "量化目标2 个" in _text(html) and "&lt;b&gt;机构&lt;/b&gt;" in html
    assert "javascript:" not in " ".join(_links(html))


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/documents/999999", 404), ("/documents/abc", 422), ("/documents/0", 422),
        ("/documents/99999999999999999999", 422), ("/versions/999999", 404), ("/versions/999999/raw", 404),
        ("/compare/1/999999", 404), ("/series/999999", 404), ("/changes/999999", 404), ("/changes?kind=bogus", 422),
        ("/documents?year=abc", 422), ("/documents?year=1066", 422), ("/documents?page=0", 422),
        ("/documents?per_page=100000", 422), ("/documents?q=" + "床" * 300, 422), ("/no/such/page", 404),
    ],
)
def test_bad_ids_and_parameters_get_an_html_error_page(web_sqlite: Web, path: str, status: int) -> None:
    response = web_sqlite.client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{status} ·" in response.text and "返回首页" in response.text


def test_a_422_page_names_the_bad_parameter(web_sqlite: Web) -> None:
    text = _text(web_sqlite.client.get("/documents?year=abc").text)
    assert "year:" in text and "invalid parameters" in text


def test_only_get_is_allowed(web_sqlite: Web) -> None:
    assert web_sqlite.client.post("/documents").status_code == 405
    assert web_sqlite.client.delete(f"/documents/{web_sqlite.archive.documents['2024']}").status_code == 405


def _target_rows(html: str) -> dict[str, tuple[str, str]]:
    """The compare page's target table: indicator → (old → new, verdict)."""
    rows = _doc(html).cssselect("table.target-changes tbody tr")
    return {" ".join(cells[0].text_content().split()): (" ".join(cells[1].text_content().split()),
                                                       " ".join(cells[2].text_content().split()))
            for cells in (row.cssselect("td") for row in rows)}


def test_compare_shows_the_target_changes_of_an_edit_above_the_text_diff(web: Web) -> None:
    html = web.client.get(f"/compare/{web.archive.versions['2024']}/{web.archive.versions['2024b']}").text
    assert _target_rows(html) == {BEDS: ("≥7.5张 → ≥7.86张", "▲ 要求提高")}
    assert html.index("指标变化") < html.index("并排对比")
    folded = _doc(html).cssselect("details.unchanged-targets")
    assert len(folded) == 1 and "未变的指标 1 项" in folded[0].text_content() and "人均预期寿命" in folded[0].text_content()
    assert "人均预期寿命" not in _target_rows(html)


def test_compare_two_plans_of_a_series_pairs_their_targets(web: Web) -> None:
    html = web.client.get(f"/compare/{web.archive.versions['2022']}/{web.archive.versions['2023']}").text
    assert _target_rows(html) == {BEDS: ("≥6.5张 → ≥7张", "▲ 要求提高"), SLASHED: ("≥12/10万 → —", "− 删除")}
    repost = web.client.get(f"/compare/{web.archive.versions['2023']}/{web.archive.versions['repost']}").text
    assert _target_rows(repost) == {} and "两边的量化指标没有变化" in repost and "未变的指标 2 项" in repost


@pytest.fixture
def edited_plan(any_engine: Engine, config: Config) -> Iterator[tuple[TestClient, list[int]]]:
    """One plan page stored three times: analysed twice (a ceiling tightened, a floor cut, a
    scraped indicator carrying markup added), then a version the analysis has not reached."""
    versions: list[int] = []
    with Session(any_engine, expire_on_commit=False) as session:
        for days, text in enumerate(("第一稿。", "第二稿。", "第三稿。")):
            page = FetchedPage(url="http://127.0.0.1:1/gy/edit.html", source_id="gy", text=text, title="2025年工作要点",
                               region="贵阳市", agency="贵阳市卫生健康局", plan_year=2025,
                               fetched_at=datetime(2025, 3, 1, tzinfo=UTC) + timedelta(days=days))
            if not days:
                session.add(Source(id="gy", name="贵阳", agency="贵阳市卫生健康局", region="贵阳市"))
                session.flush()
            version = record_fetch(session, page).version
            assert version is not None
            versions.append(version.id or 0)
            document_id = version.document_id
        rows = [(0, "孕产妇死亡率", 12, "/10万", "<="), (0, "每千人口医疗卫生机构床位数", 8, "张", ">="),
                (1, "孕产妇死亡率", 10, "/10万", "<="), (1, "每千人口医疗卫生机构床位数", 7.5, "张", ">="),
                (1, EVIL, 3, "个", ">=")]
        for position, (side, indicator, value, unit, cmp) in enumerate(rows):
            session.add(Target(version_id=versions[side], document_id=document_id, position=position, indicator=indicator,
                               value=value, unit=unit, cmp=cmp, sentence=indicator))
        session.commit()
    yield TestClient(create_app(config, engine=any_engine)), versions


EVIL = '<script>window.__pwned=1</script>指标<img src=x onerror="alert(1)">'


def test_compare_words_a_tightened_ceiling_like_the_digest_and_escapes_indicators(edited_plan: tuple[TestClient, list[int]]) -> None:
    client, (first, second, third) = edited_plan
    html = client.get(f"/compare/{first}/{second}").text
    assert _target_rows(html) == {
        "孕产妇死亡率": ("≤12/10万 → ≤10/10万", "▲ 要求提高 (越低越好)"),
        BEDS: ("≥8张 → ≥7.5张", "▼ 要求降低"),
        EVIL: ("— → ≥3个", "+ 新增"),
    }
    assert "<script>window.__pwned" not in html and "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert not _doc(html).cssselect("table.target-changes img")
    pending = client.get(f"/compare/{second}/{third}").text
    assert f"版本 {third}的指标尚未分析" in _text(pending) and not _target_rows(pending)
