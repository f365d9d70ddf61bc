"""Plan year from titles: single years, plan-and-review titles, multi-year spans."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.analysis.planmeta import detect_plan_year

CASES = [
    ("single-year", "贵阳市卫生健康局2024年卫生健康工作要点", 2024),
    ("review-and-plan", "2021年工作总结和2022年工作要点", 2022),
    ("review-only", "射洪市卫生健康局2023年工作回顾", 2023),
    ("review-and-ideas", "2023年工作总结及2024年工作思路", 2024),
    ("span-em-dash", "贵阳市基层卫生服务能力提升三年行动实施方案（2023—2025年）", 2023),
    ("span-hyphen-both-years", "“健康·遂宁”行动实施方案(2022年-2025年)", 2022),
    ("span-zhi", "金华市卫生健康事业发展三年行动计划（2022至2024年）", 2022),
]


@pytest.mark.parametrize(("title", "year"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_plan_year_from_title(title: str, year: int) -> None:
    assert detect_plan_year(title) == year


def test_plan_year_falls_back_to_the_opening_then_the_date() -> None:
    assert detect_plan_year("卫生健康工作要点", "2023年，全市卫生健康工作的总体要求是") == 2023
    assert detect_plan_year("卫生健康工作要点", "总体要求", date(2021, 3, 1)) == 2021


def test_a_deadline_in_the_opening_is_not_the_plan_year() -> None:
    opening = "筑府办函〔2024〕36号\n一、总体要求\n到2025年,全市医疗卫生服务体系进一步健全"
    assert detect_plan_year("关于进一步完善贵阳贵安医疗卫生服务体系实施方案", opening) == 2024
    assert detect_plan_year("实施方案", opening, date(2024, 6, 28)) == 2024
