"""Target extraction on golden cases (tests/golden/targets/*.yaml) and its contract.

Each golden case is ``{id, text, plan_year?, expected}``; an expected item checks only
the keys it gives (indicator exactly, value and value_max as floats, the rest as
strings), and the number of items must match.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.analysis.outline import build_outline
from monitor.analysis.targets import ExtractedTarget, extract_targets
from store.kinds import Comparator, TargetKind

GOLDEN = Path(__file__).resolve().parent / "golden" / "targets"


def _cases() -> list[Any]:
    cases = []
    for path in sorted(GOLDEN.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            cases.append(pytest.param(case, id=f"{path.stem}:{case['id']}"))
    return cases


def _check(item: ExtractedTarget, expected: dict[str, Any], where: str) -> None:
    got = item.to_json()
    for key, want in expected.items():
        if key in ("value", "value_max") and want is not None:
            assert got[key] is not None and math.isclose(got[key], float(want)), f"{where}: {key} {got[key]} != {want}"
        else:
            assert got[key] == want, f"{where}: {key} {got[key]!r} != {want!r}"


@pytest.mark.parametrize("case", _cases())
def test_golden_case(case: dict[str, Any]) -> None:
    found = extract_targets(case["text"], plan_year=case.get("plan_year"))
    summary = [(t.indicator, t.value, t.unit, t.cmp.value, t.deadline, t.kind.value) for t in found]
    assert len(found) == len(case["expected"]), f"expected {len(case['expected'])} items, got {summary}"
    for index, (item, expected) in enumerate(zip(found, case["expected"], strict=True)):
        _check(item, expected, f"item {index} of {summary}")


def test_sentence_is_an_exact_substring_and_items_keep_text_order() -> None:
    text = (
        "一、主要目标\n\n到2025年，人均预期寿命提高到80岁，每千人口医疗卫生机构床位数至少达到7.86张。\n"
        "二、重点任务\n1.建成15个社区医院,10个以上县域医疗次中心。（牵头单位：市卫健委）\n"
    )
    found = extract_targets(text)
    assert [t.value for t in found] == [80, 7.86, 15, 10]
    positions = [text.index(t.sentence) for t in found]
    assert positions == sorted(positions)
    assert found[0].section == "一、主要目标"
    assert found[2].section == "二、重点任务 > 1.建成15个社区医院,10个以上县域医疗次中心"
    assert found[2].responsible == "牵头单位：市卫健委"


def test_wrapped_lines_are_read_as_one_sentence() -> None:
    text = "8.营造安全生产环境，全市医疗机构消防安全检查覆盖率达到\n\n100%。二是其他工作。\n"
    [target] = extract_targets(text, plan_year=2021)
    assert target.value == 100 and target.unit == "%"
    assert target.sentence in text and "\n" in target.sentence


def test_page_chrome_is_not_read() -> None:
    text = (
        "热搜: 食品 奶粉\n当前位置: 首页 » 正文\n放大字体 缩小字体 发布日期:2021-07-19 浏览次数:1234次\n"
        "核心提示:创建3个示范性城乡老年友好社区。\n2021年卫生健康工作要点\n创建3个示范性城乡老年友好社区。\n"
        "[ 打印本文 ] [ 关闭窗口 ]\n0条 [查看全部] 相关评论\n鲁公网安备 37060202000213号\n"
    )
    found = extract_targets(text)
    assert [(t.value, t.unit, t.deadline) for t in found] == [(3, "个", 2021)]


def test_a_prebuilt_outline_gives_the_same_targets() -> None:
    text = "2023年工作要点\n一、目标\n到2025年，孕产妇死亡率控制在10/10万以下。\n二、任务\n（一）建成社区医院5家。\n"
    assert extract_targets(text, outline=build_outline(text)) == extract_targets(text)


def test_to_json_is_plain_json_with_chinese_kept() -> None:
    [target] = extract_targets("孕产妇死亡率控制在12/10万以下。", plan_year=2023)
    data = target.to_json()
    assert list(data) == ["indicator", "value", "value_max", "unit", "cmp", "deadline", "kind", "sentence",
                          "section", "responsible"]
    assert data["cmp"] == "<=" and data["kind"] == "target"
    assert "孕产妇死亡率" in json.dumps(data, ensure_ascii=False)
    assert isinstance(target.cmp, Comparator) and isinstance(target.kind, TargetKind)


def test_plan_year_comes_from_the_title_when_not_given() -> None:
    text = "2022年全市卫生健康工作要点\n\n一、重点工作\n年内建成社区医院5家，完成100家村卫生室改造。\n"
    assert [t.deadline for t in extract_targets(text)] == [2022, 2022]
    assert [t.deadline for t in extract_targets(text, plan_year=2030)] == [2030, 2030]


def test_seed_captures_read_without_chrome(seeds_dir: Path) -> None:
    text = (seeds_dir / "002_4a3de100b9f9aed8.txt").read_text(encoding="utf-8")
    found = extract_targets(text)
    assert {(t.value, t.unit) for t in found} >= {(18200, "人"), (150, "名"), (10, "项"), (50, "%"), (90, "%")}
    assert all(t.deadline == 2022 and t.kind is TargetKind.TARGET for t in found)
    assert not any(t.value in (2022, 3, 21, 24, 30, 35, 64, 65, 70) for t in found)


_PIECES = st.sampled_from(
    ["到2025年，", "孕产妇死亡率", "控制在", "12/10万", "以下", "。", "\n", "一、", "（二）", "3.", "达到", "95%",
     "以上", "两期", "百分之九十", "1.82万", "35-64岁", "分别", "、", "（牵头单位：", "）", "“十四五”", "〔2024〕36号",
     "左右", "3至5家", "２０２３年", "年内", "较上年", "提高", "个百分点", "零", "万", "亿元", "≥", "|", "\t", " "]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(_PIECES, max_size=40).map("".join)))
def test_never_raises_and_values_are_finite(text: str) -> None:
    failures: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = failures.append  # type: ignore[method-assign]
    logger = logging.getLogger("monitor.analysis.targets")
    logger.addHandler(handler)
    try:
        found = extract_targets(text)
    finally:
        logger.removeHandler(handler)
    assert not failures, "a paragraph failed and was skipped (the guard hid an exception)"
    for target in found:
        assert math.isfinite(target.value)
        assert target.value_max is None or math.isfinite(target.value_max)
        assert target.sentence in text


def _rows(text: str) -> list[tuple[str, float, str, str, int | None, str]]:
    return [(t.indicator, t.value, t.unit, t.cmp.value, t.deadline, t.kind.value) for t in extract_targets(text)]


ACTUAL_YEAR_CASES = [
    ("review-names-last-year",
     "2023年全市卫生健康工作总结\n一、主要成效\n上年全市孕产妇死亡率为9.7/10万，今年下降到8.5/10万，较上年下降1.2个百分点。\n",
     [("孕产妇死亡率", 9.7, "/10万", "=", 2022, "actual"), ("孕产妇死亡率", 8.5, "/10万", "<=", 2023, "actual"),
      ("孕产妇死亡率", 1.2, "百分点", "-=", 2023, "actual")]),
    ("statistical-bulletin",
     "2023年度卫生健康事业发展统计公报\n全市孕产妇死亡率为8.5/10万，较上年下降1.2个百分点。全市医疗卫生机构床位数为2.1万张，"
     "同比增长3.2%。\n",
     [("孕产妇死亡率", 8.5, "/10万", "=", 2023, "actual"), ("孕产妇死亡率", 1.2, "百分点", "-=", 2023, "actual"),
      ("医疗卫生机构床位数", 21000, "张", "=", 2023, "actual"), ("医疗卫生机构床位数", 3.2, "%", "+=", 2023, "actual")]),
    ("review-and-next-year-ideas",
     "2023年工作总结及2024年工作思路\n全市孕产妇死亡率为8.5/10万，较上年下降1.2个百分点。\n"
     "2024年，全市孕产妇死亡率控制在10/10万以下。\n",
     [("孕产妇死亡率", 8.5, "/10万", "=", 2023, "actual"), ("孕产妇死亡率", 1.2, "百分点", "-=", 2023, "actual"),
      ("孕产妇死亡率", 10, "/10万", "<=", 2024, "target")]),
    ("reported-level-with-change-in-a-plan",
     "2024年全市卫生健康工作要点\n全市孕产妇死亡率为8.5/10万，较上年下降1.2个百分点，居民健康素养水平为28.6%，"
     "与上年相比提高3个百分点。\n一、主要目标\n孕产妇死亡率控制在10/10万以下。\n",
     [("孕产妇死亡率", 8.5, "/10万", "=", 2023, "actual"), ("孕产妇死亡率", 1.2, "百分点", "-=", 2023, "actual"),
      ("居民健康素养水平", 28.6, "%", "=", 2023, "actual"), ("居民健康素养水平", 3, "百分点", "+=", 2023, "actual"),
      ("孕产妇死亡率", 10, "/10万", "<=", 2024, "target")]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in ACTUAL_YEAR_CASES], ids=[c[0] for c in ACTUAL_YEAR_CASES])
def test_an_actual_takes_the_year_it_reports(text: str, expected: list[tuple[Any, ...]]) -> None:
    assert _rows(text) == expected


SHORTFALL_CASES = [
    # A shortfall (未完成/尚未/未达标/仍有…) reports what was not reached: neither a result nor a commitment.
    ("review-shortfalls",
     "2023年全市卫生健康工作总结\n三、存在的问题\n全年仍有未完成的27%任务，尚有27%的村卫生室未达标，"
     "全市仍有12家乡镇卫生院尚未达到基本标准。家庭医生签约任务仅完成85%。\n",
     [("家庭医生签约任务", 85, "%", "=", 2023, "actual")]),
    # In a plan, the units an action covers stay a target (对7家市级公立医院开展考核).
    ("plan-acts-on-the-shortfall",
     "2024年全市卫生健康工作要点\n一、重点任务\n全市仍有12家乡镇卫生院尚未达到基本标准。针对尚未达标的15家村卫生室，"
     "年内全部完成标准化建设。\n",
     [("村卫生室", 15, "家", "=", 2024, "target")]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in SHORTFALL_CASES], ids=[c[0] for c in SHORTFALL_CASES])
def test_a_shortfall_is_not_an_item(text: str, expected: list[tuple[Any, ...]]) -> None:
    assert _rows(text) == expected



def test_a_target_in_prose_and_again_in_its_indicator_table_is_two_items() -> None:
    """One item per written quantity (GUIDE §1): the answer key (gd-shaoguan-2021-sswgh)
    counts the prose target and its table cell separately, each a mention a later year may
    change; the table's items keep the column's year and the cell's sign."""
    text = (
        "2024年全市卫生健康工作要点\n一、主要目标\n到2025年，全市每千人口执业（助理）医师数达到3.2人，"
        "居民健康素养水平达到30%以上。\n"
        "附表 主要指标\n指标名称\t单位\t2023年\t2025年目标值\n每千人口执业(助理)医师数\t人\t3.0\t3.2\n"
        "城乡居民健康素养水平\t%\t27.5\t≥30\n"
    )
    assert _rows(text) == [
        ("每千人口执业（助理）医师数", 3.2, "人", ">=", 2025, "target"),
        ("居民健康素养水平", 30, "%", ">=", 2025, "target"),
        ("每千人口执业(助理)医师数", 3.0, "人", "=", 2023, "actual"),
        ("每千人口执业(助理)医师数", 3.2, "人", "=", 2025, "target"),
        ("城乡居民健康素养水平", 27.5, "%", "=", 2023, "actual"),
        ("城乡居民健康素养水平", 30, "%", ">=", 2025, "target"),
    ]


def test_a_doc_table_as_antiword_prints_it_is_read_row_by_row() -> None:
    text = (
        "2024年全市卫生健康工作要点\n附件：主要指标\n|序号 |指标名称                |2023年 |目标值 |2025年 |\n"
        "|1    |人均预期寿命（岁）      |79.2   |80     |80.5   |\n|2    |孕产妇死亡率（/10万）   |9.8    |≤10    |≤9     |\n"
    )
    assert _rows(text) == [
        ("人均预期寿命", 79.2, "岁", "=", 2023, "actual"), ("人均预期寿命", 80, "岁", "=", 2024, "target"),
        ("人均预期寿命", 80.5, "岁", "=", 2025, "target"), ("孕产妇死亡率", 9.8, "/10万", "=", 2023, "actual"),
        ("孕产妇死亡率", 10, "/10万", "<=", 2024, "target"), ("孕产妇死亡率", 9, "/10万", "<=", 2025, "target"),
    ]


def test_a_cue_before_an_enumeration_of_counts_covers_each() -> None:
    text = ("2025年全县卫生健康工作要点\n一、设备配置\n每个乡镇卫生院至少配备1台DR、1台彩超、1台全自动生化分析仪，"
            "建成3个省级示范中医馆、5个市级优质中医馆。\n")
    assert [(t.indicator, t.value, t.cmp.value) for t in extract_targets(text)] == [
        ("DR", 1, ">="), ("彩超", 1, ">="), ("全自动生化分析仪", 1, ">="),
        ("省级示范中医馆", 3, "="), ("市级优质中医馆", 5, "="),
    ]


def test_a_bare_delivering_verb_takes_the_object_of_the_clause_before() -> None:
    text = "某县基层卫生三年行动方案（2023—2025年）\n二、重点任务\n三年内完成乡村医生全员轮训，累计培训不少于1200人次。\n"
    [target] = extract_targets(text)
    assert (target.indicator, target.value, target.cmp.value, target.deadline) == ("乡村医生全员轮训", 1200, ">=", 2025)


def test_a_change_on_a_base_year_names_the_indicator_alone() -> None:
    text = "某市“十四五”卫生健康事业发展规划\n二、发展目标\n到2025年，人均预期寿命在2020年基础上提高1岁左右。\n"
    [target] = extract_targets(text)
    assert (target.indicator, target.value, target.cmp.value, target.deadline) == ("人均预期寿命", 1, "+=", 2025)


def test_a_line_wrapped_with_indentation_keeps_its_cue_and_bullets_leave_the_name() -> None:
    text = ("某县2024年卫生健康工作要点\n    一、深化改革\n    2.深化公立医院综合改革。县人民医院三、四级手术占比提高到\n"
            "    25%，平均住院日控制在8.5天以内。\n    ● 肺结核患者成功治疗率达到90%；\n")
    assert [(t.indicator, t.value, t.cmp.value) for t in extract_targets(text)] == [
        ("县人民医院三、四级手术占比", 25, ">="), ("平均住院日", 8.5, "<="), ("肺结核患者成功治疗率", 90, ">="),
    ]


def test_places_paired_by_respectively_keep_the_object_after_it() -> None:
    text = "2024年全市卫生健康工作要点\n一、重点任务\n东区、西区分别建成社区医院2家、3家。\n"
    assert [(t.indicator, t.value) for t in extract_targets(text)] == [("东区社区医院", 2), ("西区社区医院", 3)]


def test_a_table_header_naming_its_year_in_brackets() -> None:
    text = ("某市健康城市建设三年行动方案（2023—2025年）\n附件\n主要指标\n序号\n指标名称\n基期值（2022年）\n2023年\n2024年\n"
            "2025年（目标值）\n指标属性\n1\n经常参加体育锻炼人数比例（%）\n38\n≥39\n≥40\n≥42\n预期性\n")
    assert _rows(text) == [
        ("经常参加体育锻炼人数比例", 38, "%", "=", 2022, "actual"), ("经常参加体育锻炼人数比例", 39, "%", ">=", 2023, "target"),
        ("经常参加体育锻炼人数比例", 40, "%", ">=", 2024, "target"), ("经常参加体育锻炼人数比例", 42, "%", ">=", 2025, "target"),
    ]


def test_a_two_row_table_header_groups_its_years_under_the_target_word() -> None:
    text = ("某县卫生健康三年行动方案（2024—2026年）\n主要指标\n指标名称\t现状值\t目标值\n\t\t2024年\t2025年\t2026年\n"
            "县域内就诊率（%）\t85\t87\t88\t90\n")
    assert _rows(text) == [
        ("县域内就诊率", 85, "%", "=", 2023, "actual"), ("县域内就诊率", 87, "%", "=", 2024, "target"),
        ("县域内就诊率", 88, "%", "=", 2025, "target"), ("县域内就诊率", 90, "%", "=", 2026, "target"),
    ]


def test_a_task_table_row_takes_the_year_of_its_deadline_column() -> None:
    text = ("2024年全县卫生健康重点工作任务清单\n序号\t指标名称\t目标值\t完成时限\n1\t适龄儿童免疫规划疫苗接种率\t≥95%\t2024年12月底\n"
            "2\t新建村卫生室\t15个\t2025年6月底\n")
    assert _rows(text) == [("适龄儿童免疫规划疫苗接种率", 95, "%", ">=", 2024, "target"), ("村卫生室", 15, "个", "=", 2025, "target")]


def test_ji_yishang_in_a_respectively_subject_is_no_list() -> None:
    text = "2024年全市卫生健康工作要点\n一、公共卫生\n65岁及以上老年人、0-6岁儿童健康管理率分别达到72%、90%。\n"
    assert [(t.indicator, t.value) for t in extract_targets(text)] == [
        ("65岁及以上老年人健康管理率", 72), ("0-6岁儿童健康管理率", 90)]


def test_per_capita_is_kept_whole_in_a_name() -> None:
    [target] = extract_targets("2024年基本公共卫生服务项目实施方案\n二、资金管理\n县财政按照人均94元标准足额安排资金。\n")
    assert target.indicator.endswith("人均") and (target.value, target.unit) == (94, "元")  # was 县财政按照人


def test_an_undated_sentence_of_a_three_year_action_plan_takes_its_last_year() -> None:
    text = ("某市卫生健康人才队伍建设三年行动计划（2024—2026年）\n二、主要措施\n"
            "三年累计引进博士、硕士研究生100名以上；每年选派200名基层医务人员到三级医院进修。\n")
    assert [(t.value, t.deadline) for t in extract_targets(text)] == [(100, 2026), (200, 2026)]


def test_an_undated_sentence_of_a_health_action_takes_the_end_of_its_period() -> None:
    text = "健康某区行动（2022—2030年）\n二、主要任务\n每年开展健康科普讲座不少于100场。\n"
    assert [(t.value, t.deadline) for t in extract_targets(text)] == [(100, 2030)]


def test_the_level_a_change_starts_from_is_an_actual() -> None:
    text = ("2024年全市卫生健康工作要点\n一、重点工作\n县域内就诊率由85%提高到90%，基层医疗卫生机构诊疗量占比从55%提升至60%。\n"
            "二、目标\n到2025年，人均预期寿命由2020年的78.1岁提高到80岁。\n")
    assert [(t.value, t.cmp.value, t.deadline, t.kind.value) for t in extract_targets(text)] == [
        (85, "=", 2023, "actual"), (90, ">=", 2024, "target"), (55, "=", 2023, "actual"), (60, ">=", 2024, "target"),
        (78.1, "=", 2020, "actual"), (80, ">=", 2025, "target"),  # 2020年的 dates only the number right after it
    ]


def test_a_stock_reported_in_a_plan_is_last_year_actual_even_before_a_year_ahead() -> None:
    text = ("2024年全市卫生健康工作要点\n一、重点工作\n目前全市已建成社区医院12家，年内再新建3家。全市现有三级医院8家，力争年内新增1家。"
            "依托现有3家县级医院建设胸痛中心。\n")
    assert _rows(text) == [
        ("社区医院", 12, "家", "=", 2023, "actual"), ("社区医院", 3, "家", "=", 2024, "target"),
        ("三级医院", 8, "家", "=", 2023, "actual"), ("三级医院", 1, "家", "=", 2024, "target"),
        ("县级医院建设胸痛中心", 3, "家", "=", 2024, "target"),
    ]


def test_a_range_ending_in_zhijian_is_named_without_it() -> None:
    [target] = extract_targets("2024年全市卫生健康工作要点\n一、目标\n床位使用率保持在85%—93%之间。\n")
    assert (target.indicator, target.value, target.value_max, target.cmp.value) == ("床位使用率", 85, 93, "range")


def test_years_in_a_review_list_and_a_recent_span_leave_names() -> None:
    text = ("2024年全市卫生健康工作要点\n一、2023年工作回顾\n全市孕产妇死亡率2021年、2022年、2023年分别为12.1/10万、10.5/10万和"
            "9.8/10万。近三年累计投入资金3.2亿元。\n")
    assert [(t.indicator, t.value, t.deadline, t.kind.value) for t in extract_targets(text)] == [
        ("孕产妇死亡率", 12.1, 2021, "actual"), ("孕产妇死亡率", 10.5, 2022, "actual"), ("孕产妇死亡率", 9.8, 2023, "actual"),
        ("投入资金", 3.2, 2023, "actual"),
    ]


def test_a_known_page_title_says_what_the_body_reports() -> None:
    """A crawled review's body does not repeat its title: the page's title, passed in, makes its levels actuals."""
    body = "2023年，全市卫生健康系统各项工作取得新成效。\n（一）基层服务能力。县域内就诊率达到88.6%，家庭医生签约服务覆盖率达到51.2%。\n"
    reported = extract_targets(body, plan_year=2023, title="某市卫生健康局2023年工作总结")
    assert [(t.indicator, t.deadline, t.kind.value) for t in reported] == [
        ("县域内就诊率", 2023, "actual"), ("家庭医生签约服务覆盖率", 2023, "actual")]
    planned = extract_targets(body, plan_year=2023, title="某市卫生健康局2023年工作要点")
    assert {t.kind.value for t in planned} == {"target"}
    untitled = extract_targets(body, plan_year=2023, title="关于印发的通知")  # names no kind: the text decides
    assert [t.kind.value for t in untitled] == [t.kind.value for t in extract_targets(body, plan_year=2023)]


@pytest.mark.parametrize("start", ["从", "由"])
def test_a_baseline_year_and_a_target_in_one_clause(start: str) -> None:
    """人均预期寿命从2020年的76.8岁提高到78岁左右 in a 十四五 plan: 76.8 is 2020's level, 78 the 2025 target."""
    text = f"某市卫生健康事业发展“十四五”规划\n二、主要目标\n到2025年，基本建成整合型医疗卫生服务体系。人均预期寿命{start}2020年的76.8岁提高到78岁左右。\n"
    found = [(t.value, t.cmp.value, t.deadline, t.kind.value) for t in extract_targets(text, plan_year=2021)]
    assert found == [(76.8, "=", 2020, "actual"), (78.0, "~", 2025, "target")]


def test_a_later_baseline_year_does_not_date_the_targets_before_it() -> None:
    text = ("某市卫生健康事业发展“十四五”规划\n二、主要目标\n到2025年，体系基本建成。人均预期寿命达到78岁；"
            "每千人口医疗卫生机构床位数由2020年的6.9张提高到7.5张。\n")
    found = [(t.value, t.deadline, t.kind.value) for t in extract_targets(text, plan_year=2021)]
    assert found == [(78.0, 2025, "target"), (6.9, 2020, "actual"), (7.5, 2025, "target")]


@pytest.mark.parametrize(("sentence", "expected"), [
    ("增强四个意识、坚定四个自信、做到两个维护，全面加强党的建设。", []),
    ("深刻领悟两个确立的决定性意义，坚持两个毫不动摇。", []),
    ("建成两个区域医疗中心、三个县域医疗次中心。", [("区域医疗中心", 2.0), ("县域医疗次中心", 3.0)]),
    ("新建3个社区医院、两个村卫生室，举办五期培训班。", [("社区医院", 3.0), ("村卫生室", 2.0), ("培训班", 5.0)]),
])
def test_numbered_slogans_are_no_items_and_a_list_of_counts_is_read_whole(sentence: str, expected: list[tuple[str, float]]) -> None:
    found = extract_targets(f"2024年工作要点\n{sentence}")
    assert [(t.indicator, t.value) for t in found] == expected
