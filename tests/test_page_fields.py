"""Reading detail pages: each strategy, each chrome row, tables and <br> bodies, a seed layout.

Every page of the bundled fixture site, in both states, is read and checked against
its MANIFEST entry (``test_every_fixture_page_reads_right``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crawler.encoding import decode_html
from crawler.fixture_site import MANIFEST, STATES, PlanDoc, plans_in
from crawler.fixture_site.pages import build_site, content_text, read_blocks
from crawler.page_chrome import CHROME_PHRASES, FOOTER_LINES, TAIL_MARKERS, strip_page_chrome
from crawler.page_fields import STRATEGY_ORDER, FieldStrategy, read_detail_page
from store.errors import ConfigError
from store.sources_config import Selectors

CHROME_WORDS = ("放大字体", "缩小字体", "打印", "关闭", "分享到", "扫一扫", "相关稿件", "备案号", "浏览次数", "热搜", "当前位置")

META_PAGE = """<!DOCTYPE html><html><head>
<meta charset="utf-8"><title>2024年工作要点_贵阳市卫生健康局</title>
<meta name="ArticleTitle" content="贵阳市卫生健康局2024年卫生健康工作要点">
<meta name="PubDate" content="2024-02-28 09:30"><meta name="ContentSource" content="贵阳市卫生健康局">
<meta name="ColumnName" content="计划规划"><meta name="SiteName" content="贵阳市卫生健康局">
</head><body>
<div class="header">热搜: 医保 疫苗 <a href="/annual.pdf">年报.pdf</a></div>
<div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 计划规划 &gt; 正文</div>
<h1>贵阳市卫生健康局2024年卫生健康工作要点</h1>
<div class="info">发布时间：2024-02-29 来源：市卫健局办公室 浏览次数：1023 【字体：大 中 小】 打印 关闭</div>
<div id="zoom"><p>　　一、主要目标</p><p>孕产妇死亡率控制在12/10万以内。<br>婴儿死亡率控制在4.5‰以内。</p>
<table><tr><th>指标</th><th>2024年目标</th></tr><tr><td>每千人口执业（助理）医师数</td><td>3.6人</td></tr></table>
<p>附件：<a href="files/P020240228.docx">1.重点任务分解表.docx</a> <a href="/download.jsp?id=7">2.指标表.xlsx</a></p></div>
<div class="share">分享到：微信 微博</div><div class="footer">备案号：黔ICP备05001234号</div>
</body></html>"""


def test_meta_tags_win_over_text_patterns_and_markup() -> None:
    fields = read_detail_page(META_PAGE, "http://127.0.0.1:8765/gy/ghjh/202402/t20240228_1.html")
    assert fields.title == "贵阳市卫生健康局2024年卫生健康工作要点"
    assert fields.published_on == date(2024, 2, 28)  # PubDate, not the 发布时间 line
    assert fields.agency == "贵阳市卫生健康局"
    assert fields.column == "计划规划"
    assert fields.site_name == "贵阳市卫生健康局"
    assert fields.found_by["title"] == "meta" and fields.found_by["text"] == "cms_body:#zoom"


def test_body_keeps_br_lines_and_table_rows_and_drops_chrome() -> None:
    fields = read_detail_page(META_PAGE, "http://127.0.0.1:8765/gy/ghjh/202402/t20240228_1.html")
    lines = fields.text.split("\n")
    assert lines[:3] == ["一、主要目标", "孕产妇死亡率控制在12/10万以内。", "婴儿死亡率控制在4.5‰以内。"]
    assert "每千人口执业（助理）医师数\t3.6人" in lines
    for word in CHROME_WORDS:
        assert word not in fields.text


def test_attachment_links_are_absolute_and_skip_the_page_frame() -> None:
    fields = read_detail_page(META_PAGE, "http://127.0.0.1:8765/gy/ghjh/202402/t20240228_1.html")
    assert fields.attachment_links == [
        ("http://127.0.0.1:8765/gy/ghjh/202402/files/P020240228.docx", "1.重点任务分解表.docx"),
        ("http://127.0.0.1:8765/download.jsp?id=7", "2.指标表.xlsx"),
    ]


PLAIN_PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>射洪市卫生健康局2023年工作要点</title></head><body>
<div>您当前所在的位置: 首页 -- 工作计划</div>
<div class="tit">射洪市卫生健康局2023年工作要点</div>
<div>文章来源: 射洪市卫生健康局 发布时间: 2023-03-02 14:59 0次 打印 关闭 [字体: ]</div>
<div class="TRS_Editor">一、工作目标<br>全市居民健康素养水平达到28%。<br><br>二、重点任务<br>（一）完成儿童免疫规划疫苗接种率95%以上。</div>
<div>相关稿件</div><div>扫一扫在手机打开当前页</div></body></html>"""


def test_text_patterns_and_markup_when_no_meta_tags() -> None:
    fields = read_detail_page(PLAIN_PAGE, "http://127.0.0.1/shx/index.html")
    assert fields.title == "射洪市卫生健康局2023年工作要点"
    assert fields.published_on == date(2023, 3, 2)
    assert fields.agency == "射洪市卫生健康局"
    assert fields.column == "工作计划"
    assert fields.found_by["agency"] == "text_patterns"
    assert fields.text.split("\n") == [
        "一、工作目标", "全市居民健康素养水平达到28%。", "二、重点任务", "（一）完成儿童免疫规划疫苗接种率95%以上。",
    ]


def test_configured_css_and_xpath_selectors_come_first() -> None:
    page = PLAIN_PAGE.replace('<div class="tit">', '<div class="tit">附：').replace(
        "</body>", '<span id="d">2023年3月5日</span><p class="who">遂宁市射洪市卫健局</p></body>'
    )
    chosen = Selectors(title="//title/text()", date="#d", agency="p.who", body="(//div[@class='TRS_Editor'])[1]")
    fields = read_detail_page(page, "http://127.0.0.1/x.html", chosen)
    assert fields.title == "射洪市卫生健康局2023年工作要点"
    assert fields.published_on == date(2023, 3, 5)
    assert fields.agency == "遂宁市射洪市卫健局"
    for name in ("title", "published_on", "agency", "text"):
        assert fields.found_by[name] == "selectors"
    assert fields.text.startswith("一、工作目标")


def test_bad_configured_selector_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not valid CSS or XPath"):
        read_detail_page(PLAIN_PAGE, "", Selectors(body="div[[["))


def test_layout_table_is_read_as_blocks_not_one_row() -> None:
    body = "".join(f"<p>（{n}）第{n}项任务：完成率达到9{n}%。</p>" for n in range(1, 8))
    page = f"""<html><body><table width="980"><tr><td class="left">导航 首页</td>
    <td><table><tr><td class="title">遂宁市2023年卫生健康工作总结</td></tr></table>{body}</td></tr></table></body></html>"""
    fields = read_detail_page(page)
    assert "（3）第3项任务：完成率达到93%。" in fields.text.split("\n")
    assert fields.title == "遂宁市2023年卫生健康工作总结"


def test_readability_fallback_on_a_page_without_a_known_container() -> None:
    paragraphs = "".join(f"<p>（{n}）全面推进健康遂宁建设，第{n}项重点任务按期完成，覆盖率达到9{n}%，群众满意度持续提升。</p>" for n in range(1, 9))
    page = f"""<html><head><title>工作回顾_遂宁市卫生健康委员会</title></head><body>
    <div class="menu"><a href="/">首页</a> <a href="/a">机构</a></div>
    <div class="main"><div class="t">2023年工作回顾</div><div class="txt">{paragraphs}</div>
    <div class="tools">打印本页 关闭窗口 浏览次数：1203</div></div></body></html>"""
    fields = read_detail_page(page)
    assert fields.found_by["text"] == "readability"
    assert fields.text.count("重点任务") == 8
    assert "打印本页" not in fields.text and "浏览次数" not in fields.text
    assert fields.site_name == "遂宁市卫生健康委员会"


def test_empty_and_broken_html_do_not_raise() -> None:
    assert read_detail_page("").text == ""
    assert read_detail_page("<html><body><p>未闭合").title == ""


def test_strategy_registry_holds_every_kind_in_order() -> None:
    assert list(STRATEGY_ORDER) == [kind for kind in STRATEGY_ORDER if kind in FieldStrategy.registry]
    assert set(FieldStrategy.registry) == set(STRATEGY_ORDER)


@pytest.mark.parametrize("row", CHROME_PHRASES + FOOTER_LINES, ids=lambda row: row.name)
def test_each_chrome_row_removes_its_example(row: object) -> None:
    example = row.example  # type: ignore[attr-defined]
    kept = "一、总体要求\n到2025年，人均预期寿命达到80岁。"
    assert strip_page_chrome(f"{example}\n{kept}") == kept


@pytest.mark.parametrize("row", TAIL_MARKERS, ids=lambda row: row.name)
def test_tail_markers_cut_the_related_list(row: object) -> None:
    example = row.example  # type: ignore[attr-defined]
    kept = "到2025年，人均预期寿命达到80岁。"
    assert strip_page_chrome(f"{kept}\n{example}\n关于开展爱国卫生月活动的通知\n2023年工作要点") == kept


def test_table_header_rows_survive_the_text_chrome_filter() -> None:
    text = "指标\t单位\t目标值\n孕产妇死亡率\t1/10万\t12"
    assert strip_page_chrome(text) == text


def test_chrome_words_inside_a_sentence_stay() -> None:
    text = "（三）打印并关闭过期处方，来源可追溯率达到100%。"
    assert strip_page_chrome(text) == text


def _seed_page(seed: str) -> str:
    """A seed capture laid out the way its site draws it: one <p> per line, no known container."""
    lines = [line.strip() for line in seed.splitlines() if line.strip()]
    title = lines[1]
    paragraphs = "".join(f"<p>{line}</p>" for line in lines)
    return f"<html><head><title>{title}</title></head><body><div class='wrap'>{paragraphs}</div></body></html>"


@pytest.mark.seeds
def test_seed_layout_reads_title_date_agency_and_a_clean_body(seeds_dir: Path) -> None:
    seed = (seeds_dir / "002_4a3de100b9f9aed8.txt").read_text(encoding="utf-8")
    fields = read_detail_page(_seed_page(seed), "http://127.0.0.1/seed/002.html")
    assert fields.title == "遂宁市卫生健康委员会关于印发2022年全市卫生健康工作要点的通知"
    assert fields.published_on == date(2022, 3, 21)
    assert fields.agency == "遂宁市卫健委"
    assert "(二十九)健全长效机制" in fields.text
    assert "各县(市、区)卫生健康局" in fields.text
    for word in ("扫一扫", "浏览次数", "打印"):
        assert word not in fields.text


FIXTURE_PAGES = [(state, plan) for state in STATES for plan in plans_in(state)]


@pytest.mark.parametrize(("state", "plan"), FIXTURE_PAGES, ids=[f"{s}:{p.path}" for s, p in FIXTURE_PAGES])
def test_every_fixture_page_reads_right(state: str, plan: PlanDoc) -> None:
    """Each layout of the fixture site: title, date, agency, a body without chrome, its attachments."""
    resource = build_site(state)[plan.path]
    fields = read_detail_page(decode_html(resource.body, resource.content_type), "http://127.0.0.1:8765" + plan.path)
    assert (fields.title, fields.published_on, fields.agency) == (plan.title, plan.published_on, plan.agency)
    for word in CHROME_WORDS:
        assert word not in fields.text, word
    for target in plan.targets:
        assert target.indicator in fields.text
    expected_links = [("http://127.0.0.1:8765" + a.path, a.anchor) for a in plan.attachments]
    assert fields.attachment_links == expected_links
    body = [block for block in read_blocks(content_text(plan.content)) if block.kind == "p"]
    assert body[-1].text in fields.text.split("\n")  # the last paragraph survives as its own line


def test_indicator_table_rows_stay_rows_on_the_fixture_site() -> None:
    plan = next(p for p in MANIFEST if p.path.endswith("t20240312_83021.html"))
    resource = build_site("initial")[plan.path]
    lines = read_detail_page(resource.body.decode("utf-8")).text.split("\n")
    assert "指标\t单位\t2024年目标" in lines and "孕产妇死亡率\t1/10万\t≤12" in lines


def test_br_body_lines_stay_separate_on_the_county_site() -> None:
    plan = next(p for p in MANIFEST if p.path.endswith("t20230228_622.html"))
    lines = read_detail_page(build_site("initial")[plan.path].body.decode("utf-8")).text.split("\n")
    assert lines[:3] == ["2023年全市卫生健康工作要点", "一、工作目标", "全市居民健康素养水平达到24%。"]
