"""Every row of the rule tables in monitor/analysis/cues.py, each through the code
that reads it: a unit is recognised, a cue gives its comparator, a deadline phrase its
year, a trap hides its number, a filler word leaves the indicator. A table row without
an example here fails the coverage tests, so a new rule comes with its test."""

from __future__ import annotations

import pytest

from monitor.analysis import cues
from monitor.analysis.indicators import clean_indicator
from monitor.analysis.numbers import find_quantities
from monitor.analysis.sentences import read_sentence
from monitor.analysis.targets import extract_targets
from store.kinds import Comparator

_ALIASES = dict(cues.UNIT_ALIASES)

# ---------------------------------------------------------------- units


@pytest.mark.parametrize("unit", cues.STRONG_UNITS)
def test_strong_unit_is_read_with_its_post_cue(unit: str) -> None:
    [quantity] = find_quantities(f"建成12{unit}以上。")
    assert (quantity.value, quantity.unit, quantity.post) == (12, _ALIASES.get(unit, unit), "以上")
    [reading] = read_sentence(f"建成12{unit}以上。")
    assert reading.cmp is Comparator.GE


@pytest.mark.parametrize("unit", cues.WEAK_UNITS)
def test_weak_unit_needs_a_level_cue(unit: str) -> None:
    assert read_sentence(f"实行12{unit}值守制度。") == []
    [reading] = read_sentence(f"平均等候时间控制在12{unit}以内。")
    assert (reading.value, reading.unit, reading.cmp) == (12, unit, Comparator.LE)


@pytest.mark.parametrize(("written", "unit"), cues.UNIT_ALIASES)
def test_unit_alias(written: str, unit: str) -> None:
    [quantity] = find_quantities(f"孕产妇死亡率控制在12{written}")
    assert quantity.unit == unit


@pytest.mark.parametrize(("pattern", "unit"), cues.INFERRED_UNITS)
def test_inferred_unit_after_wan(pattern: str, unit: str) -> None:
    noun = {"人": "农村妇女", "个": "基层医疗机构"}[unit]
    [reading] = read_sentence(f"为1.5万{noun}提供服务。")
    assert (reading.value, reading.unit) == (15000, unit)


@pytest.mark.parametrize(("pattern", "unit"), cues.RATE_UNITS)
def test_rate_unit_when_written_as_zero(pattern: str, unit: str) -> None:
    name = {"/10万": "孕产妇死亡率", "‰": "婴儿死亡率", "%": "院内感染发生率"}[unit]
    [reading] = read_sentence(f"{name}为零。")
    assert (reading.indicator, reading.value, reading.unit) == (name, 0, unit)


@pytest.mark.parametrize("unit", [u for u in cues.CN_UNITS if u != "%"])
def test_chinese_numeral_with_each_counting_unit(unit: str) -> None:
    [reading] = read_sentence(f"建成三{unit}。")
    assert (reading.value, reading.unit) == (3, unit)


def test_chinese_percent() -> None:
    [reading] = read_sentence("签约率达到百分之九十。")
    assert (reading.value, reading.unit, reading.cmp) == (90, "%", Comparator.GE)


@pytest.mark.parametrize("verb", cues.CN_VERBS)
def test_chinese_numeral_after_each_delivering_verb(verb: str) -> None:
    assert [r.value for r in read_sentence(f"{verb}三个示范点、五项制度")] == [3]


@pytest.mark.parametrize("predicate", cues.CN_PREDICATES.pattern.strip("^\\s*(?:)").split("|"))
def test_chinese_numeral_before_each_predicate(predicate: str) -> None:
    assert [r.value for r in read_sentence(f"县级医院三家{predicate}国家标准。")] == [3]


@pytest.mark.parametrize("text", ["增强四个意识", "巩固母婴安全五项制度", "确保在一个潜伏期内", "三医联动改革", "六大行动"])
def test_chinese_numerals_in_names_are_not_amounts(text: str) -> None:
    assert read_sentence(text) == []


# ---------------------------------------------------------------- comparators

_TAG_CMP = {
    "ge": Comparator.GE, "gt": Comparator.GT, "le": Comparator.LE, "lt": Comparator.LT, "approx": Comparator.APPROX,
    "inc": Comparator.INC, "dec": Comparator.DEC, "floor": Comparator.INC_AT_LEAST, "to": Comparator.GE,
    "eq": Comparator.EQ,
}


@pytest.mark.parametrize(("word", "tag"), cues.PRE_CUES)
def test_pre_cue(word: str, tag: str) -> None:
    [reading] = read_sentence(f"某项服务覆盖率{word}12%。")
    assert reading.cmp is _TAG_CMP[tag], (word, reading)


@pytest.mark.parametrize("word", cues.CUE_LOOKALIKES)
def test_a_word_ending_in_a_cue_is_no_cue(word: str) -> None:
    [reading] = read_sentence(f"全年某项工作{word}1200人。")
    assert reading.cmp is Comparator.EQ and reading.indicator.endswith(word), (word, reading)


_POST_CMP = {"after-ge": Comparator.GE, "after-le": Comparator.LE, "after-about": Comparator.APPROX,
             "after-gt": Comparator.GT}


@pytest.mark.parametrize(("word", "tag"), cues.POST_CUES)
def test_post_cue(word: str, tag: str) -> None:
    text = {"余": "培训12余人次。", "多": "培训12多人次。", "内": "报告时间缩短到12小时内。"}.get(word, f"建成社区医院12家{word}。")
    [reading] = read_sentence(text)
    assert reading.cmp is _POST_CMP[tag]


CMP_EXAMPLES = {
    "range": ("建设3至5家县域医疗卫生次中心", Comparator.RANGE),
    "growth-at-least": ("中医诊疗人次增长10%以上", Comparator.INC_AT_LEAST),
    "increment": ("居民健康素养水平提高5个百分点", Comparator.INC),
    "decrease-within": ("个人卫生支出占比下降2个百分点以内", Comparator.DEC_AT_MOST),
    "decrease": ("传染病报告发病率下降6.8%", Comparator.DEC),
    "at-least-after": ("接种率保持95%以上", Comparator.GE),
    "at-most-after": ("孕产妇死亡率12/10万以下", Comparator.LE),
    "about-after": ("人均预期寿命提高到81.5岁左右", Comparator.APPROX),
    "more-than-after": ("培训2000余人次", Comparator.GT),
    "lowered-to": ("降低剖宫产率至40%", Comparator.LE),
    "raised-to": ("提高住院分娩率至99%", Comparator.GE),
    "at-least": ("床位数至少达到7.86张", Comparator.GE),
    "more-than": ("县域内就诊率超过90%", Comparator.GT),
    "at-most": ("发病率控制在550/10万", Comparator.LE),
    "less-than": ("吸烟率低于20%", Comparator.LT),
    "about": ("卫生技术人员约3.5万名", Comparator.APPROX),
}


def test_every_comparator_rule_has_an_example() -> None:
    assert {rule.name for rule in cues.CMP_RULES} == set(CMP_EXAMPLES)


@pytest.mark.parametrize("name", list(CMP_EXAMPLES))
def test_comparator_rule(name: str) -> None:
    text, cmp = CMP_EXAMPLES[name]
    [reading] = read_sentence(text)
    assert reading.cmp is cmp


@pytest.mark.parametrize(("text", "is_baseline"), [("较上年增加5家", True), ("同比增加5家", True),
                                                   ("比2020年增加5家", True), ("新增5家", False)])
def test_change_baseline_makes_a_count_a_change(text: str, is_baseline: bool) -> None:
    assert bool(cues.CHANGE_BASELINE.search(text)) is is_baseline
    [reading] = read_sentence(f"社区医院{text}。")
    assert reading.cmp is (Comparator.INC if is_baseline else Comparator.EQ)


# ---------------------------------------------------------------- deadlines

DEADLINE_EXAMPLES = {
    "as-of": ("截至2025年底，建成社区医院5家。", 2025),
    "by-year": ("到2025年，建成社区医院5家。", 2025),
    "before-year": ("2024年前建成社区医院5家。", 2024),
    "year-end": ("2022年底，建成社区医院5家。", 2022),
    "year-of": ("人均预期寿命由2015年的76.2岁提高。", 2015),
    "month-before": ("2023年6月底前建成社区医院5家。", 2023),
    "year-span-end": ("2022-2025年累计建成社区医院5家。", 2025),
    "month": ("建成社区医院5家（完成时限：2023年11月）。", 2023),
    "year-verb": ("托位数2022年达到3.5个。", 2022),
    "year-opening": ("2022年，全市建成社区医院5家。", 2022),
}


def test_every_deadline_rule_has_an_example() -> None:
    assert {rule.name for rule in cues.DEADLINE_RULES} == set(DEADLINE_EXAMPLES)


@pytest.mark.parametrize("rule", cues.DEADLINE_RULES, ids=lambda rule: rule.name)
def test_deadline_rule(rule: cues.DeadlineRule) -> None:
    text, year = DEADLINE_EXAMPLES[rule.name]
    match = rule.pattern.search(text)
    assert match is not None and int(match.group("year")) == year
    [target] = extract_targets(text, plan_year=2021)
    assert target.deadline == year


@pytest.mark.parametrize(("text", "kind"), [("截至2023年底，全市共有医院56家。", "actual"),
                                            ("截至2025年底，全市建成社区医院5家。", "target")])
def test_as_of_a_year_reports_unless_the_year_is_ahead(text: str, kind: str) -> None:
    [target] = extract_targets(text, plan_year=2023)
    assert (target.kind.value, target.deadline) == (kind, int(text[2:6]))


@pytest.mark.parametrize(("word", "offset"), cues.RELATIVE_YEARS)
def test_relative_year(word: str, offset: int) -> None:
    [target] = extract_targets(f"{word}建成社区医院5家。", plan_year=2023)
    assert target.deadline == 2023 + offset


@pytest.mark.parametrize("text", ["比2020年提高5个百分点", "较2020年下降", "2020年以来", "与2019年相比"])
def test_baseline_years_are_masked(text: str) -> None:
    assert cues.BASELINE.search(text)


@pytest.mark.parametrize("text", ["2022年和2030年", "2021年、2022年、2023年", "2025年与2030年"])
def test_year_list(text: str) -> None:
    assert cues.YEAR_LIST.search(text).group("years") == text  # type: ignore[union-attr]


# ---------------------------------------------------------------- target or actual

@pytest.mark.parametrize("heading", ["一、2022年工作回顾", "一、主要工作成效", "（一）取得的主要成绩", "二、存在的问题",
                                     "一、2023年以来工作进展", "一、基本情况", "一、“十三五”发展现状", "一、工作完成情况"])
def test_review_headings(heading: str) -> None:
    assert cues.REVIEW_HEADINGS.search(heading) and not cues.PLAN_HEADINGS.search(heading)


@pytest.mark.parametrize("heading", ["二、2023年重点工作", "三、下一步工作打算", "二、主要目标", "一、总体要求",
                                     "二、2022年工作计划", "三、重点任务", "四、明年工作思路", "（二）工作目标"])
def test_plan_headings(heading: str) -> None:
    assert cues.PLAN_HEADINGS.search(heading) and not cues.REVIEW_HEADINGS.search(heading)


@pytest.mark.parametrize("text", ["已建成社区医院12家", "全年共完成筛查3万人", "截至2022年底全市共有医院56家",
                                  "累计完成培训1200人次", "今年以来新增床位300张", "顺利完成改造15所", "目前全市有医院56家",
                                  "全市现有三级医院8家"])
def test_past_cues(text: str) -> None:
    assert cues.PAST_CUES.search(text)


@pytest.mark.parametrize("text", ["下转患者数量较上年增长15%以上", "门诊量同比增长8%"])
def test_a_change_on_last_year_in_a_plan_is_a_target(text: str) -> None:
    assert not cues.PAST_CUES.search(text)
    [target] = extract_targets(f"2025年全市卫生健康工作要点\n一、重点工作\n{text}。", plan_year=None)
    assert (target.kind.value, target.deadline) == ("target", 2025)


@pytest.mark.parametrize(("text", "reported"), [
    ("孕产妇死亡率为8.5/10万，较上年下降1.2个百分点", True), ("床位数为2.1万张，同比增长3.2%", True),
    ("健康素养水平为28.6%，与上年相比提高3个百分点", True), ("孕产妇死亡率控制在10/10万以下，较上年下降1个百分点", False),
    ("门诊量同比增长8%", False),
])
def test_reported_change(text: str, reported: bool) -> None:
    assert bool(cues.REPORTED_CHANGE.search(text)) is reported


@pytest.mark.parametrize("text", ["未完成的27%任务", "尚未达标的村卫生室", "12家未达标", "尚未达到基本标准", "3个项目未实现预期",
                                  "5家未建成", "2项任务未落实", "4个乡镇未开展", "没有完成", "没有达到"])
def test_shortfall_cues(text: str) -> None:
    assert cues.SHORTFALL_CUES.search(text)


@pytest.mark.parametrize(("head", "state"), [("全市仍有", True), ("尚有", True), ("还有", True), ("仍然有", True),
                                             ("全市共有", False), ("建成", False)])
def test_shortfall_state(head: str, state: bool) -> None:
    assert bool(cues.SHORTFALL_STATE.search(head)) is state


@pytest.mark.parametrize("opener", ["过去一年，", "过去的一年，", "一年来，", "刚刚过去的2023年，", "2023年以来，", "截至2023年底，",
                                    "三年来，", "过去五年，"])
def test_past_openers_report_the_year_before_a_plan(opener: str) -> None:
    assert cues.PAST_OPENERS.search(opener)
    [target] = extract_targets(f"2024年全市卫生健康工作要点\n{opener}全市新建社区医院5家。\n")
    assert (target.kind.value, target.deadline) == ("actual", 2023)


@pytest.mark.parametrize("verb", ["提高到", "提升至", "增加到", "增长至", "上升到", "扩大到", "下降到", "降低至", "减少到",
                                  "缩短到", "压缩至"])
def test_a_change_to_a_level_makes_the_level_after_from_an_actual(verb: str) -> None:
    assert cues.CHANGE_TO.match(f"{verb}90") and cues.STARTING_LEVEL.search("覆盖率由")
    first, second = extract_targets(f"2024年全市卫生健康工作要点\n某项服务覆盖率从80%{verb}90%。\n")
    assert (first.kind.value, first.deadline, second.kind.value, second.deadline) == ("actual", 2023, "target", 2024)


@pytest.mark.parametrize("text", ["力争建成", "确保达到", "争取新增", "计划完成", "预计达到", "到2025年", "年底前完成",
                                  "下一步，我局将新建", "今后要建成", "明年新增"])
def test_future_cues(text: str) -> None:
    assert cues.FUTURE_CUES.search(text)


def test_next_steps_in_a_review_are_next_year_targets() -> None:
    text = "2023年全市卫生健康工作总结\n一、工作成效\n全年新建社区医院5家。\n下一步，我局将新建社区医院3家，培训村医500人次。\n"
    assert [(t.indicator, t.value, t.deadline, t.kind.value) for t in extract_targets(text)] == [
        ("社区医院", 5, 2023, "actual"), ("社区医院", 3, 2024, "target"), ("培训村医", 500, 2024, "target")]


@pytest.mark.parametrize("text", ["全年争取中央和省级资金", "争取专项债券", "计划生育家庭", "计划免疫接种"])
def test_funds_won_and_names_are_no_future_cue(text: str) -> None:
    assert not cues.FUTURE_CUES.search(text)


# ---------------------------------------------------------------- traps

TRAP_EXAMPLES = {
    "document-number": "筑府办函〔2024〕36号",
    "date": "2024年6月12日",
    "year-span": "(2020-2030年)",
    "year": "2021版",
    "ordinal": "第9届人博会",
    "session": "市委十届10次全会",
    "quoted": "落实“1+3+11+N”",
    "phone": "咨询电话0851-12345678",
    "hotline": "拨打热线12320",
    "slogan": "1+3+11+N工作体系",
    "numbered-slogan": "增强四个意识、坚定四个自信、做到两个维护",
    "latin-code": "推进5G应用",
    "age-range": "为35-64岁妇女",
    "age-qualifier": "65岁以上老年人",
    "grade": "4级手术",
    "inline-number": "（3）强化督导",
    "condition-threshold": "服务人口500人以下的行政村",
    "allocation-standard": "按每个行政村配备2名村医的标准",
    "service-population": "社区卫生服务中心服务人口原则上为3万至10万人",
    "permission-cap": "绩效结余可按不超过40%提取",
    "duty-duration": "进修时间累计不少于6个月",
    "national-programme-contents": "基本公共卫生服务14类服务内容",
    "building-phase": "推进妇幼保健院三期",
    "long-digits": "统一社会信用代码12345678",
    "gap-to-average": "低于全省平均水平0.3人",
    "place-facts": "总面积2356平方公里，辖12个乡镇、3个街道，常住人口52.3万人",
    "record-number": "索引号011043476/2024-02317",
}


def test_every_trap_has_an_example() -> None:
    assert {trap.name for trap in cues.TRAPS} == set(TRAP_EXAMPLES)


@pytest.mark.parametrize("trap", cues.TRAPS, ids=lambda trap: trap.name)
def test_trap_hides_its_numbers(trap: cues.Trap) -> None:
    text = TRAP_EXAMPLES[trap.name]
    assert trap.pattern.search(text)
    quantities = find_quantities(text)
    assert quantities and all(q.trap is not None for q in quantities), quantities
    assert read_sentence(text) == []


@pytest.mark.parametrize(("text", "dated"), [("由2020年6.1张增加到7张", False), ("截至2020-6-1", True), ("2020年6月1日", True)])
def test_a_value_after_a_year_is_no_date(text: str, dated: bool) -> None:
    after_year = [q for q in find_quantities(text) if q.value < 1900]
    assert after_year and all((q.trap == "date") is dated for q in after_year[:1])


@pytest.mark.parametrize("unit", cues.FREQUENCY_UNITS)
@pytest.mark.parametrize(("head", "item"), [("每季度开展", True), ("每年组织", True), ("每半年", True), ("开展", False)])
def test_one_after_a_frequency_word_is_an_item(unit: str, head: str, item: bool) -> None:
    assert bool(read_sentence(f"{head}一{unit}业务培训")) is item


@pytest.mark.parametrize("text", ["人均预期寿命提高到80岁，", "人均预期寿命达到78岁以上", "人均预期寿命81.5岁左右"])
def test_life_expectancy_is_not_an_age_qualifier(text: str) -> None:
    assert [q.trap for q in find_quantities(text)] == [None]


# ---------------------------------------------------------------- indicator words

@pytest.mark.parametrize("word", cues.FILLER_PREFIXES)
def test_filler_prefix_is_stripped(word: str) -> None:
    assert clean_indicator(f"{word}孕产妇死亡率") == "孕产妇死亡率"


@pytest.mark.parametrize("word", cues.FILLER_SUFFIXES)
def test_filler_suffix_is_stripped(word: str) -> None:
    assert clean_indicator(f"孕产妇死亡率{word}") == "孕产妇死亡率"


@pytest.mark.parametrize("name", ["电子病历系统应用水平分级评价平均", "人均", "医疗资源分布均衡"])
def test_a_word_ending_in_jun_is_not_cut_in_half(name: str) -> None:
    """平均达到4级: 达到 goes, then 平均 as a word, never its 均 alone (was …分级评价平)."""
    assert not clean_indicator(f"{name}达到").endswith("平")
    assert clean_indicator(f"{name}达到") in (name, name.removesuffix("平均"))


@pytest.mark.parametrize("head", cues.SHARED_HEADS)
def test_shared_head_is_distributed(head: str) -> None:
    readings = read_sentence(f"高血压、糖尿病{head}规范管理率分别达到70%、68%。")
    assert [r.value for r in readings] == [70, 68]
    assert readings[0].indicator == "高血压" + readings[1].indicator.removeprefix("糖尿病")


@pytest.mark.parametrize("name", ["规范管理率", "执业医师数", "诊疗量", "医护比", "床位比例", "个人卫生支出比重", "门诊占比",
                                  "健康素养水平", "人均预期寿命", "服务人次", "床位", "住院费用", "卫生支出", "医疗收入",
                                  "平均等候时间", "平均住院天数", "随访次数", "签约人数", "CMI值"])
def test_indicator_endings(name: str) -> None:
    assert cues.INDICATOR_ENDINGS.search(name)


@pytest.mark.parametrize("label", ["牵头单位", "责任单位", "配合单位", "主责部门", "牵头处室", "责任科室", "协办单位", "责任人"])
def test_responsible_labels(label: str) -> None:
    [target] = extract_targets(f"建成社区医院5家。（{label}：市卫健委）", plan_year=2023)
    assert target.responsible == f"{label}：市卫健委"
