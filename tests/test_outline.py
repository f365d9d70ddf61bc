"""The section tree from numbering (every style of outline.NUMBERING), wrapped lines
joined, 一是/二是 items, and the page-chrome line filter (every row of CHROME_RULES)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.analysis.chrome import CHROME_RULES, is_chrome_line, strip_chrome
from monitor.analysis.outline import NUMBERING, build_outline, match_numbering

NUMBERING_EXAMPLES = {
    "chapter": "第三章 主要目标",
    "article": "第十二条 本办法自发布之日起施行",
    "cn-comma": "一、总体要求",
    "cn-paren": "（二）强化横向联通",
    "arabic-dot": "3.加强紧密型县域医共体建设",
    "arabic-paren": "(1)完善制度",
    "arabic-half-paren": "2）强化督导",
    "circled": "①加强培训",
}


def test_every_numbering_style_has_an_example() -> None:
    assert {style.name for style in NUMBERING} == set(NUMBERING_EXAMPLES)


@pytest.mark.parametrize("style", NUMBERING, ids=lambda style: style.name)
def test_numbering_style(style: object) -> None:
    name = style.name  # type: ignore[attr-defined]
    matched = match_numbering(NUMBERING_EXAMPLES[name])
    assert matched is not None and matched[0] == name


@pytest.mark.parametrize("line", ["2022年全市卫生健康工作要点", "2.5%的机构", "一体化管理", "十四五时期", "3岁以下婴幼儿"])
def test_lines_that_are_not_numbered(line: str) -> None:
    assert match_numbering(line) is None


PLAN = """2023年全市卫生健康工作要点
2023年，全市卫生健康工作的总体要求是：坚持人民至上。
一、强化基层
（一）健全体制机制。一是完善制度；二是强化督导；三是加强培训。
1.建成社区医院5家。
2.完成村卫生室改造
100所，提升服务能力。
（二）提升防控能力
二、深化改革
推进三医联动改革。
"""


def test_tree_levels_headings_and_paragraphs() -> None:
    tree = build_outline(PLAN).to_json()
    json.dumps(tree, ensure_ascii=False)  # storable as is
    preamble, first, second = tree
    assert preamble["level"] == 0 and preamble["paragraphs"][0] == "2023年全市卫生健康工作要点"
    assert (first["number"], first["heading"], first["level"]) == ("一、", "强化基层", 1)
    mechanism, capacity = first["children"]
    assert (mechanism["heading"], mechanism["level"], capacity["heading"]) == ("健全体制机制", 2, "提升防控能力")
    assert [c["number"] for c in mechanism["children"]] == ["一是", "二是", "三是", "1.", "2."]
    assert mechanism["children"][3]["heading"] == "建成社区医院5家"
    assert mechanism["children"][4]["heading"] == "完成村卫生室改造100所，提升服务能力"
    assert second["paragraphs"] == ["推进三医联动改革。"]


def test_level_is_the_order_of_first_appearance() -> None:
    text = "（一）主要目标\n1.建成社区医院\n（二）重点任务\n1.加强培训\n"
    tree = build_outline(text).to_json()
    assert [(node["number"], node["level"]) for node in tree] == [("（一）", 1), ("（二）", 1)]
    assert tree[1]["children"][0]["level"] == 2


def test_blocks_keep_offsets_into_the_original_text() -> None:
    outline = build_outline(PLAN)
    for block in outline.blocks:
        assert PLAN[block.start:block.end].strip() == PLAN[block.start:block.end]
        assert block.start <= block.body_start <= block.end
    wrapped = [b for b in outline.blocks if "100所" in PLAN[b.start:b.end]]
    assert len(wrapped) == 1 and "\n" in PLAN[wrapped[0].start:wrapped[0].end]


def test_chrome_lines_are_not_in_the_outline() -> None:
    text = "热搜: 食品 奶粉\n当前位置: 首页 > 正文\n一、总体要求\n建成社区医院5家。\n[ 打印本文 ] [ 关闭窗口 ]\n"
    tree = build_outline(text).to_json()
    assert len(tree) == 1 and tree[0]["paragraphs"] == ["建成社区医院5家。"]


def test_seed_outline(seeds_dir: Path) -> None:
    text = (seeds_dir / "000_59ac99cd95a2254b.txt").read_text(encoding="utf-8")
    tree = build_outline(text).to_json()
    top = [node["number"] for node in tree if node["level"] == 1]
    assert top == ["一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、", "九、"]
    wrapped = tree[1]["children"][1]  # 一、 > 2. was split over two lines in the capture
    assert wrapped["heading"] == "持续学习党的创新理论"
    assert "社会主义思想" in wrapped["paragraphs"][0]


# ---------------------------------------------------------------- chrome

CHROME_EXAMPLES = {
    "hot-search": "热搜: 食品  烟台  奶粉",
    "breadcrumb": "当前位置: 首页 » 食品法规 » 正文",
    "breadcrumb-path": "首页 > 政务公开 > 计划总结",
    "font-size": "放大字体  缩小字体 发布日期:2021-07-19",
    "print-close": "发布时间: 2024-06-28 14:59 0次 打印 关闭",
    "close-window": "【关闭窗口】",
    "share": "分享到：",
    "scan-qr": "扫一扫在手机打开当前页",
    "related": "相关稿件",
    "footer-id": "鲁公网安备 37060202000213号",
    "footer-org": "主办单位：某市卫生健康委员会",
    "info-table": "索引号:003207843/202206-00012    组配分类:县政府办文件",
    "view-count": "浏览次数：1234",
    "meta": "来源:遂宁市卫健委 发布时间:2022-03-21 10:13",
    "prev-next": "上一篇：关于印发2022年工作计划的通知",
    "link-bar": "[ 食品法规搜索 ]  [ 加入收藏 ]  [ 打印本文 ]",
    "comments": "0条 [查看全部]  相关评论",
    "lead": "核心提示:加强食品安全与国民营养，建成社区医院5家。",
    "nav-word": "政府信息公开",
    "search-box": "请输入关键字",
    "recommend": "推荐图文",
}


def test_every_chrome_rule_has_an_example() -> None:
    assert {rule.name for rule in CHROME_RULES} == set(CHROME_EXAMPLES)


@pytest.mark.parametrize("rule", CHROME_RULES, ids=lambda rule: rule.name)
def test_chrome_rule(rule: object) -> None:
    line = CHROME_EXAMPLES[rule.name]  # type: ignore[attr-defined]
    assert rule.pattern.search(line) and len(line) <= rule.max_len  # type: ignore[attr-defined]
    assert is_chrome_line(line)


def test_hot_search_word_row() -> None:
    assert is_chrome_line("脱贫攻坚 政府工作报告")


@pytest.mark.parametrize(
    "line",
    [
        "规范打印、关闭等操作流程，完善信息公开制度，推进政务服务一网通办，提升群众满意度和获得感。",
        "加强相关稿件审核，建立网站信息发布审核制度，严格落实三审三校，确保发布内容准确无误。",
        "2022 年全市卫生健康工作要点",
        "一、总体要求",
        "全市浏览量较大的健康科普栏目达到10个以上，阅读量突破100万人次，形成品牌效应。",
        "指标名称\t现状值\t目标值",  # a table's header row, not a hot-search list
        "序号 重点任务 责任单位 完成时限",
    ],
)
def test_plan_lines_are_kept(line: str) -> None:
    assert not is_chrome_line(line)


def test_strip_chrome_keeps_other_lines_as_they_are() -> None:
    text = "热搜: 食品\n\n一、总体要求\r\n建成社区医院5家。\n扫一扫在手机打开当前页"
    assert strip_chrome(text) == "\n一、总体要求\r\n建成社区医院5家。\n"
