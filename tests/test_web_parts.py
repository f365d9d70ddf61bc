"""The archive's small parts: target marks in text, chart geometry, link safety,
empty query parameters, the serve command's loopback check."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from monitor.commands.serve import is_loopback
from reports.web.chart import line_chart, nice_ticks
from reports.web.highlight import highlight_targets, number_forms
from reports.web.params import DropEmptyParams
from reports.web.render import external_href
from store.models import Target
from store.settings import Config


def _target(sentence: str, value: float) -> Target:
    return Target(version_id=1, document_id=1, indicator="x", value=value, sentence=sentence)


def _marked(text: str, *targets: Target) -> list[tuple[str, tuple[int, ...], bool]]:
    pieces, _ = highlight_targets(text, list(targets))
    assert "".join(piece.text for piece in pieces) == text  # nothing lost or added
    return [(piece.text, piece.targets, piece.number) for piece in pieces if piece.targets]


def test_a_target_sentence_and_its_number_are_marked() -> None:
    text = "前言。到2025年，床位数达到7.86张。后记"
    assert _marked(text, _target("到2025年，床位数达到7.86张。", 7.86)) == [
        ("到2025年，床位数达到", (1,), False), ("7.86", (1,), True), ("张。", (1,), False),
    ]


@pytest.mark.parametrize(
    ("sentence", "value", "number"),
    [
        ("到2027年，床位数达到7.0张。", 7, "7.0"),  # the whole 7.0, not the 7 of 2027
        ("覆盖17个区县中的7个。", 7, "7"),
        ("建成1,200张床位。", 1200, "1,200"),
        ("人均预期寿命提高到80岁。", 80, "80"),
    ],
)
def test_the_number_is_found_whole(sentence: str, value: float, number: str) -> None:
    marked = _marked(sentence, _target(sentence, value))
    assert [text for text, _, is_number in marked if is_number] == [number]


def test_two_targets_in_one_sentence_get_their_own_numbers() -> None:
    sentence = "孕产妇死亡率控制在10/10万以下，婴儿死亡率控制在5‰以下。"
    marked = _marked(sentence, _target(sentence, 10), _target(sentence, 5))
    assert [(text, targets) for text, targets, is_number in marked if is_number] == [("10", (1, 2)), ("5", (1, 2))]


def test_a_target_whose_sentence_is_not_in_the_text_is_reported() -> None:
    missing = _target("别处的句子。", 3)
    pieces, unplaced = highlight_targets("正文。", [missing])
    assert unplaced == [missing] and [p.text for p in pieces] == ["正文。"]


def test_number_forms() -> None:
    assert number_forms(7.0) == ["7.0", "7"]
    assert number_forms(1200) == ["1200.0", "1,200", "1200"]
    assert number_forms(7.86) == ["7.86"]


def test_nice_ticks_cover_the_range_with_round_steps() -> None:
    assert nice_ticks(6.5, 7.86) == [6.5, 7.0, 7.5, 8.0]
    assert nice_ticks(80, 80) == [80.0, 100.0, 120.0, 140.0, 160.0]
    ticks = nice_ticks(0.2, 950)
    assert ticks[0] <= 0.2 and ticks[-1] >= 950 and len(ticks) <= 6


def test_chart_geometry() -> None:
    chart = line_chart([(2022, 6.5), (2023, 7.0), (2024, 7.86)], "张")
    assert chart is not None
    xs = [p.x for p in chart.points]
    ys = [p.y for p in chart.points]
    assert xs == sorted(xs) and xs[0] == chart.left and xs[-1] == chart.width - chart.right
    assert ys == sorted(ys, reverse=True)  # higher values are drawn higher up
    assert all(chart.top <= y <= chart.height - chart.bottom for y in ys)
    assert [p.label for p in chart.points] == ["6.5张", "7张", "7.86张"]
    assert chart.polyline.count(",") == 3
    single = line_chart([(2024, 5.0)])
    assert single is not None and single.points[0].x == single.left + (single.width - single.left - single.right) / 2
    assert line_chart([]) is None


@pytest.mark.parametrize(
    ("url", "linked"),
    [("http://wjw.guiyang.gov.cn/a.html", True), ("https://x.gov.cn/a.pdf", True), ("javascript:alert(1)", False),
     (" JavaScript:alert(1)", False), ("java\tscript:alert(1)", False), ("data:text/html,<script>", False),
     ("vbscript:x", False), ("//evil.example/x", False), ("", False), (None, False)],
)
def test_only_http_links_are_made_from_scraped_urls(url: str | None, linked: bool) -> None:
    assert (external_href(url) is not None) == linked


def test_empty_query_parameters_are_dropped_and_chinese_survives() -> None:
    app = FastAPI()

    @app.get("/echo")
    def echo(region: str | None = None, year: int | None = None) -> dict[str, object]:
        return {"region": region, "year": year}

    app.add_middleware(DropEmptyParams)
    client = TestClient(app)
    assert client.get("/echo?region=%E8%B4%B5%E9%98%B3%E5%B8%82&year=").json() == {"region": "贵阳市", "year": None}
    assert client.get("/echo?year=2024&region=").json() == {"region": None, "year": 2024}
    assert client.get("/echo?year=abc").status_code == 422


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True),
                                               ("0.0.0.0", False), ("192.168.1.5", False), ("example.org", False)])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_stamped_cache_recomputes_when_the_stamp_moves_and_forgets_the_oldest() -> None:
    from reports.web.cache import StampedCache

    cache, calls = StampedCache(size=2), []

    def compute(value: str) -> str:
        calls.append(value)
        return value

    assert cache.get("a", (1,), lambda: compute("a1")) == "a1"
    assert cache.get("a", (1,), lambda: compute("never")) == "a1"
    assert cache.get("a", (2,), lambda: compute("a2")) == "a2"  # the store changed
    cache.get("b", (2,), lambda: compute("b"))
    cache.get("c", (2,), lambda: compute("c"))  # evicts "a", the least recently used
    assert cache.get("a", (2,), lambda: compute("a3")) == "a3"
    assert calls == ["a1", "a2", "b", "c", "a3"]


def test_indicator_page_follows_new_targets_and_counts_crowded_cells(
        sqlite_engine: Engine, config: Config, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from urllib.parse import quote

    from archive_data import fill_archive

    import reports.web.matrix
    from reports.web import create_app
    from store.versions import FetchedPage, record_fetch

    fill_archive(sqlite_engine, data_dir)
    client = TestClient(create_app(config, engine=sqlite_engine))
    path = "/indicators/" + quote("每千人口医疗卫生机构床位数", safe="")
    assert "≥9.9张" not in client.get(path).text
    with Session(sqlite_engine) as session:  # two more 贵阳市 plans for 2024 set the indicator
        for n, value in ((1, 9.9), (2, 8.8)):
            result = record_fetch(session, FetchedPage(url=f"http://127.0.0.1:1/gy/extra{n}.html", source_id="gy", text=f"床位{value}",
                                                       title=f"补充计划{n}", region="贵阳市", plan_year=2024))
            assert result.version is not None
            session.add(Target(version_id=result.version.id, document_id=result.document.id, indicator="床位",  # type: ignore[arg-type]
                               indicator_norm="每千人口医疗卫生机构床位数", value=value, unit="张", cmp=">=", sentence=f"床位{value}"))
        session.commit()
    assert "≥9.9张" in client.get(path).text  # the cached table was rebuilt for the new store
    monkeypatch.setattr(reports.web.matrix, "CELL_SHOWN", 1)
    client = TestClient(create_app(config, engine=sqlite_engine))
    cell = client.get(path).text.split("贵阳市", 1)[1]
    assert "共 3 个" in cell and "≥8.8张" in cell and "≥7.86张" not in cell  # newest plan first, one shown


def test_the_archive_colours_raised_and_lowered_targets_as_the_digest_does(
        sqlite_engine: Engine, config: Config, data_dir: Path) -> None:
    import re

    import lxml.html
    from archive_data import fill_archive

    from reports.changes import load_changes
    from reports.digest_view import build_view, render_html
    from reports.urls import ArchiveUrls
    from reports.web import create_app
    from store.kinds import ChangeKind
    from store.models import Change

    archive = fill_archive(sqlite_engine, data_dir)
    home = TestClient(create_app(config, engine=sqlite_engine)).get("/").text
    archive_colours = dict(re.findall(r"\.k-([\w-]+) \{ color:(#[0-9a-f]{6}); \}", home))
    tags = lxml.html.fromstring(home).cssselect("span.tag.k-target-raised")
    assert tags and tags[0].text_content() == "要求提高"
    with Session(sqlite_engine) as session:
        raised = session.get(Change, archive.changes["raised"])
        assert raised is not None
        detail = dict(raised.detail, old=raised.detail["new"], new=raised.detail["old"])
        lowered = Change(**{**raised.model_dump(exclude={"id"}), "id": 99999, "kind": ChangeKind.TARGET_LOWERED.value,
                            "detail": detail, "dedup_key": "lowered"})
        items = load_changes(session, [raised, lowered])
    digest = render_html(build_view(items, urls=ArchiveUrls("http://127.0.0.1:1"), recipient="a@example.org",
                                    generated_at=raised.created_at, timezone="Asia/Shanghai", max_per_section=10))
    for kind, word in (("target-raised", "要求提高"), ("target-lowered", "要求降低")):
        found = re.search(rf'color:(#[0-9a-f]{{6}});">{word}', digest)
        assert found is not None, word
        assert archive_colours[kind] == found.group(1), kind
    red, green = archive_colours["target-raised"], archive_colours["target-lowered"]
    assert int(red[1:3], 16) > int(red[3:5], 16) and int(green[3:5], 16) > int(green[1:3], 16)  # 提高 red, 降低 green
