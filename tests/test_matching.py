"""Target matching: rule tables row by row, pairing, classification, summaries, met/missed."""

from __future__ import annotations

import pytest

from monitor.analysis.attainment import MET_RULES, actual_year, assess_attainment, is_met
from monitor.analysis.matching import match_targets
from monitor.analysis.matchrules import (
    COMPARATOR_RULES,
    INDICATOR_NOISE,
    LOWER_IS_BETTER,
    UNIT_FAMILIES,
    UNIT_SYNONYMS,
    canonical_unit,
    direction,
    normalise_indicator,
    units_compatible,
)
from monitor.analysis.targets import ExtractedTarget
from store.kinds import ChangeKind, Comparator, TargetKind

C = Comparator


def t(
    indicator: str,
    value: float,
    unit: str,
    cmp: Comparator = C.GE,
    deadline: int | None = None,
    *,
    value_max: float | None = None,
    kind: TargetKind = TargetKind.TARGET,
) -> ExtractedTarget:
    return ExtractedTarget(
        indicator=indicator, value=value, value_max=value_max, unit=unit, cmp=cmp, deadline=deadline,
        kind=kind, sentence=f"{indicator}{value:g}{unit}。", section="",
    )


def actual(indicator: str, value: float, unit: str, deadline: int | None = None, cmp: Comparator = C.EQ) -> ExtractedTarget:
    return t(indicator, value, unit, cmp, deadline, kind=TargetKind.ACTUAL)


# -- rule tables, row by row -------------------------------------------------------------

@pytest.mark.parametrize("rule", INDICATOR_NOISE, ids=[rule.name for rule in INDICATOR_NOISE])
def test_each_indicator_noise_rule_removes_what_its_example_shows(rule: object) -> None:
    assert rule.pattern.sub("", rule.example) == rule.expected  # type: ignore[attr-defined]
    assert normalise_indicator(rule.example) == normalise_indicator(rule.expected)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "name",
    ["市级公立医院门诊量", "县域内就诊率", "紧密型县域医共体覆盖率", "城市医疗集团数", "社区卫生服务中心数", "城乡社区覆盖率"],
)
def test_words_that_only_look_like_places_are_kept(name: str) -> None:
    assert normalise_indicator(name) == name


def test_the_documents_own_region_words_are_stripped_and_rate_is_kept() -> None:
    assert normalise_indicator("贵阳贵安人均预期寿命", regions=["贵阳", "贵安"]) == "人均预期寿命"
    assert normalise_indicator("全市孕产妇死亡率控制在") == "孕产妇死亡率"


@pytest.mark.parametrize(("spelling", "unit"), list(UNIT_SYNONYMS.items()))
def test_each_unit_synonym_reads_as_its_unit(spelling: str, unit: str) -> None:
    assert canonical_unit(spelling) == unit
    assert units_compatible(spelling, unit)


@pytest.mark.parametrize("family", list(UNIT_FAMILIES))
def test_units_of_one_family_pair_and_not_with_another(family: str) -> None:
    units = sorted(UNIT_FAMILIES[family])
    assert all(units_compatible(units[0], other) for other in units)
    other_family = next(f for f in UNIT_FAMILIES if f != family)
    assert not units_compatible(units[0], sorted(UNIT_FAMILIES[other_family])[0])


def test_units_outside_families_pair_only_with_themselves() -> None:
    assert units_compatible("岁", "岁") and not units_compatible("岁", "张")
    assert not units_compatible("", "%") and not units_compatible("人次", "人")


@pytest.mark.parametrize("word", LOWER_IS_BETTER)
def test_each_lower_is_better_word_turns_a_plain_target_downwards(word: str) -> None:
    assert direction(C.EQ, f"全市{word}") == -1
    assert direction(C.GE, f"全市{word}") == 1  # an explicit floor keeps its own direction


@pytest.mark.parametrize("cmp", list(COMPARATOR_RULES))
def test_every_comparator_has_a_rule_and_a_met_rule(cmp: Comparator) -> None:
    rule = COMPARATOR_RULES[cmp]
    assert rule.sign in (1, -1, None)
    assert cmp in MET_RULES
    assert direction(cmp, "居民健康素养水平") in (1, -1)


# -- pairing and classification ---------------------------------------------------------

OLD_2024 = [
    t("每千人口医疗卫生机构床位数", 7.86, "张", C.GE, 2024),
    t("孕产妇死亡率", 15, "/10万", C.LE, 2024),
    t("婴儿死亡率", 5, "‰", C.LE, 2024),
    t("居民健康素养水平", 25, "%", C.EQ, 2024),
    t("家庭医生签约服务覆盖率", 45, "%", C.GE, 2024),
    t("县域内就诊率", 90, "%", C.GE, 2024),
    t("65岁以上老年人健康管理率", 70, "%", C.GE, 2024),
    t("每千人口执业(助理)医师数", 3.2, "人", C.EQ, 2024),
]
NEW_2025 = [
    t("全县每千人口医疗卫生机构床位数", 8.2, "张", C.GE, 2025),
    t("孕产妇死亡率", 12, "/10万", C.LE, 2025),
    t("婴儿死亡率", 5.5, "‰", C.LE, 2025),
    t("城乡居民健康素养水平", 28, "%", C.EQ, 2025),
    t("县域内就诊率", 90, "%", C.GE, 2025),
    t("65岁以上老年人健康管理率", 68, "%", C.GE, 2025),
    t("每千人口执业(助理)医师数", 3.2, "人", C.GE, 2026),
    t("每千人口注册护士数", 3.6, "人", C.GE, 2025),
]


def _by_indicator() -> dict[str, object]:
    return {c.indicator: c for c in match_targets(OLD_2024, NEW_2025, old_year=2024, new_year=2025)}


def test_next_year_plan_added_removed_raised_lowered_reworded_and_unchanged() -> None:
    rows = {name: (c.change, c.kind) for name, c in _by_indicator().items()}  # type: ignore[attr-defined]
    assert rows == {
        "全县每千人口医疗卫生机构床位数": ("changed", ChangeKind.TARGET_RAISED),
        "孕产妇死亡率": ("changed", ChangeKind.TARGET_RAISED),
        "婴儿死亡率": ("changed", ChangeKind.TARGET_LOWERED),
        "城乡居民健康素养水平": ("changed", ChangeKind.TARGET_RAISED),
        "县域内就诊率": ("unchanged", None),
        "65岁以上老年人健康管理率": ("changed", ChangeKind.TARGET_LOWERED),
        "每千人口执业(助理)医师数": ("changed", ChangeKind.TARGET_CHANGED),
        "每千人口注册护士数": ("added", ChangeKind.TARGET_ADDED),
        "家庭医生签约服务覆盖率": ("removed", ChangeKind.TARGET_REMOVED),
    }


def test_summaries_read_like_a_person_wrote_them() -> None:
    summaries = {name: c.summary for name, c in _by_indicator().items()}  # type: ignore[attr-defined]
    assert summaries["全县每千人口医疗卫生机构床位数"] == "全县每千人口医疗卫生机构床位数: ≥7.86张 (2024) → ≥8.2张 (2025), raised"
    assert summaries["孕产妇死亡率"] == "孕产妇死亡率: ≤15/10万 (2024) → ≤12/10万 (2025), tightened (lower is better)"
    assert summaries["婴儿死亡率"] == "婴儿死亡率: ≤5‰ (2024) → ≤5.5‰ (2025), loosened (lower is better)"
    assert summaries["每千人口执业(助理)医师数"].endswith("comparator tightened (=→≥); deadline 2024→2026")
    assert summaries["每千人口注册护士数"] == "每千人口注册护士数: ≥3.6人 (2025), added"
    assert summaries["家庭医生签约服务覆盖率"] == "家庭医生签约服务覆盖率: ≥45% (2024), removed"
    assert summaries["县域内就诊率"].endswith(", unchanged")


def test_annual_plans_deadlines_in_their_own_year_are_not_a_move() -> None:
    (row,) = match_targets([t("县域内就诊率", 90, "%", C.GE, 2024)], [t("县域内就诊率", 90, "%", C.GE, 2025)],
                           old_year=2024, new_year=2025)
    assert row.change == "unchanged"
    (moved,) = match_targets([t("床位数", 8, "张", C.GE, 2025)], [t("床位数", 8, "张", C.GE, 2026)],
                             old_year=2024, new_year=2024)
    assert moved.kind is ChangeKind.TARGET_CHANGED and moved.reasons == ("deadline 2025→2026",)


def test_targets_for_several_deadlines_pair_by_deadline() -> None:
    old = [t("人均预期寿命", 80, "岁", C.EQ, 2025), t("人均预期寿命", 81.5, "岁", C.APPROX, 2030)]
    new = [t("人均预期寿命", 81.5, "岁", C.APPROX, 2030), t("人均预期寿命", 80.5, "岁", C.EQ, 2025)]
    rows = match_targets(old, new, old_year=2024, new_year=2024)
    assert [(r.change, r.old.deadline if r.old else None) for r in rows] == [("unchanged", 2030), ("changed", 2025)]


def test_incompatible_units_or_different_qualifiers_are_different_indicators() -> None:
    rows = match_targets(
        [t("每千人口全科医生数", 3, "人"), t("病床使用率", 85, "%"), t("65岁以上老年人健康管理率", 70, "%")],
        [t("每万人口全科医生数", 4, "人"), t("病床使用率", 85, "张"), t("70岁以上老年人健康管理率", 70, "%")],
    )
    assert sorted(r.change for r in rows) == ["added"] * 3 + ["removed"] * 3


def test_similar_but_different_rates_do_not_pair() -> None:
    rows = match_targets([t("孕产妇死亡率", 15, "/10万", C.LE)], [t("婴儿死亡率", 5, "/10万", C.LE)])
    assert [r.change for r in rows] == ["added", "removed"]


def test_pairing_is_one_to_one_and_best_first() -> None:
    old = [t("居民健康素养水平", 25, "%", C.EQ)]
    new = [t("城乡居民健康素养水平", 28, "%", C.EQ), t("居民健康素养水平", 25, "%", C.EQ)]
    rows = match_targets(old, new)
    assert [(r.change, r.indicator) for r in rows] == [("added", "城乡居民健康素养水平"), ("unchanged", "居民健康素养水平")]


def test_percent_and_percentage_points_pair_but_are_not_compared_as_values() -> None:
    (row,) = match_targets([t("个人卫生支出占卫生总费用比重", 27, "%", C.LE)],
                           [t("个人卫生支出占卫生总费用比重", 1, "个百分点", C.DEC)])
    assert row.kind is ChangeKind.TARGET_CHANGED
    assert "unit %→个百分点" in row.reasons


def test_targets_and_actuals_never_pair() -> None:
    rows = match_targets([t("人均预期寿命", 80, "岁", C.EQ)], [actual("人均预期寿命", 80, "岁")])
    assert sorted(r.change for r in rows) == ["added", "removed"]


def test_labels_name_versions_in_summaries() -> None:
    (row,) = match_targets([t("床位数", 8, "张")], [t("床位数", 9, "张")], labels=("v3", "v4"))
    assert row.summary == "床位数: ≥8张 (v3) → ≥9张 (v4), raised"


def test_long_lists_pair_correctly() -> None:
    old = [t(f"第{i}类指标覆盖率", i, "%") for i in range(600)]
    new = [t(f"第{i}类指标覆盖率", i + (1 if i % 3 == 0 else 0), "%") for i in range(600)]
    rows = match_targets(old, new)
    assert sum(r.kind is ChangeKind.TARGET_RAISED for r in rows) == 200
    assert all(r.old is not None and r.new is not None and r.old.indicator == r.new.indicator for r in rows)


# -- met or missed ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("target", "value", "met"),
    [
        (t("人均预期寿命", 80, "岁", C.EQ), 80.3, True),
        (t("人均预期寿命", 80, "岁", C.EQ), 79.9, False),
        (t("孕产妇死亡率", 15, "/10万", C.LE), 16.1, False),
        (t("孕产妇死亡率", 15, "/10万", C.EQ), 14.0, True),  # lower is better, even for 达到
        (t("县域内就诊率", 90, "%", C.GE), 90, True),
        (t("县域内就诊率", 90, "%", C.GT), 90, False),
        (t("婴儿死亡率", 5, "‰", C.LT), 4.9, True),
        (t("居民健康素养水平", 30, "%", C.APPROX), 29.8, True),
        (t("居民健康素养水平", 30, "%", C.APPROX), 29.0, False),
        (t("医联体数", 3, "个", C.RANGE, value_max=5), 4, True),
    ],
)
def test_met_respects_the_comparator_and_direction(target: ExtractedTarget, value: float, met: bool) -> None:
    assert is_met(target, actual(target.indicator, value, target.unit)) is met


def test_increments_and_other_units_cannot_be_judged_by_a_level() -> None:
    assert is_met(t("健康素养水平", 5, "个百分点", C.INC), actual("健康素养水平", 30, "%")) is None
    assert is_met(t("床位数", 8, "张"), actual("床位数", 8000, "人")) is None
    assert is_met(t("健康素养水平", 5, "百分点", C.INC), actual("健康素养水平", 6, "个百分点", cmp=C.INC)) is True


def test_actual_year_comes_from_its_deadline_else_the_reporting_document() -> None:
    assert actual_year(actual("x", 1, "%", 2023), plan_year=2025) == 2023
    assert actual_year(actual("x", 1, "%"), plan_year=2025, doc_type="工作要点") == 2024
    assert actual_year(actual("x", 1, "%"), plan_year=2024, doc_type="工作总结") == 2024


def test_later_actuals_answer_earlier_targets_for_that_year_only() -> None:
    targets = [
        t("人均预期寿命", 79.5, "岁", C.EQ, 2024),
        t("孕产妇死亡率", 15, "/10万", C.LE, None),
        t("每千人口医疗卫生机构床位数", 8.5, "张", C.GE, 2030),
    ]
    actuals = [
        actual("全县人均预期寿命", 79.8, "岁"),
        actual("孕产妇死亡率", 16.1, "/10万"),
        actual("每千人口医疗卫生机构床位数", 7.9, "张"),
    ]
    found = assess_attainment(targets, actuals, target_plan_year=2024, actual_plan_year=2025, actual_doc_type="工作要点")
    assert [(a.target.indicator, a.kind, a.year) for a in found] == [
        ("人均预期寿命", ChangeKind.TARGET_MET, 2024),
        ("孕产妇死亡率", ChangeKind.TARGET_MISSED, 2024),
    ]
    assert found[1].summary == "孕产妇死亡率: target ≤15/10万 for 2024, actual 16.1/10万, missed"


def test_a_target_named_twice_pairs_with_the_one_in_the_same_sentence() -> None:
    body_old = "到2024年底,孕产妇死亡率控制在12/10万以内,婴儿死亡率控制在4.5‰以内。"
    table = "孕产妇死亡率\t/10万\t12"

    def at(value: float, sentence: str, section: str, unit: str = "/10万") -> ExtractedTarget:
        return ExtractedTarget(indicator="孕产妇死亡率", value=value, value_max=None, unit=unit, cmp=C.LE, deadline=2024,
                               kind=TargetKind.TARGET, sentence=sentence, section=section)

    old = [at(12, body_old, "一、主要目标"), at(12, table, "【附件】指标表", unit="1/10万")]
    new = [at(10, body_old.replace("12/10万", "10/10万"), "一、主要目标"), at(12, table, "【附件】指标表", unit="1/10万")]
    rows = match_targets(old, new, old_year=2024, new_year=2024)
    assert [(r.change, r.old.value if r.old else None, r.new.value if r.new else None) for r in rows] == [
        ("changed", 12, 10), ("unchanged", 12, 12)
    ]
    (same,) = match_targets([at(12, table, "", unit="1/10万")], [at(12, table, "", unit="/10万")])
    assert same.change == "unchanged"  # 1/10万 and /10万 are one unit


def test_an_indicator_repeated_in_a_table_is_not_removed_when_next_years_plan_names_it_once() -> None:
    """2024's plan names 孕产妇死亡率 in its text and in two indicator tables, 2025's once."""
    old = [t("孕产妇死亡率", 10, "/10万", C.LE, 2024), t("人均预期寿命", 80.2, "岁", C.GE, 2024),
           t("孕产妇死亡率", 12, "1/10万", C.LE, 2024), t("人均预期寿命", 80.2, "岁", C.EQ, 2024),
           t("孕产妇死亡率", 12, "/10万", C.LE, 2024), t("婴儿死亡率", 4.5, "‰", C.LE, 2024)]
    new = [t("孕产妇死亡率", 11, "/10万", C.LE, 2025), t("人均预期寿命", 80.5, "岁", C.GE, 2025),
           t("人均预期寿命", 81, "岁", C.GE, 2030), t("孕产妇死亡率", 11, "/10万", C.LE, 2025)]
    rows = match_targets(old, new, old_year=2024, new_year=2025)
    assert [(r.change, r.indicator, r.verdict) for r in rows] == [
        ("changed", "孕产妇死亡率", "loosened (lower is better)"), ("changed", "人均预期寿命", "raised"),
        ("added", "人均预期寿命", "added"),  # the 2030 target is another deadline: new
        ("removed", "婴儿死亡率", "removed"),
    ]


def test_two_versions_of_one_page_keep_every_mention_so_a_table_edit_shows() -> None:
    old = [t("孕产妇死亡率", 12, "/10万", C.LE, 2024), t("孕产妇死亡率", 12, "/10万", C.LE, 2024)]
    new = [t("孕产妇死亡率", 12, "/10万", C.LE, 2024), t("孕产妇死亡率", 10, "/10万", C.LE, 2024)]
    rows = match_targets(old, new, old_year=2024, new_year=2024)
    assert sorted(r.change for r in rows) == ["changed", "unchanged"]


def test_values_read_as_written_even_when_large_or_fractional() -> None:
    (row,) = match_targets([t("卫生健康投入", 350_000_000, "元")], [t("卫生健康投入", 420_000_000.0, "元")])
    assert row.summary == "卫生健康投入: ≥350000000元 (old) → ≥420000000元 (new), raised"
    (ranged,) = match_targets([], [t("医联体", 3, "个", C.RANGE, value_max=5.5)])
    assert ranged.summary == "医联体: 3–5.5个 (new), added"
