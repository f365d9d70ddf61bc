"""Plan metadata read from plain text: the title line, the plan's period, the year of
an undated title (document number, signing date, 发布日期, five-year plan)."""

from __future__ import annotations

from datetime import date

import pytest

from monitor.analysis.planmeta import (
    FIVE_YEAR_PLANS,
    detect_doc_type,
    detect_plan_horizon,
    detect_plan_year,
    title_from_text,
)
from monitor.analysis.targets import extract_targets


def test_title_skips_chrome_and_prefers_a_dated_plan_title() -> None:
    text = (
        "热搜: 食品 奶粉\n首页 > 政务公开 > 计划总结\n关于印发2022年全市卫生健康工作要点的通知\n"
        "2022年全市卫生健康工作要点\n2022年，全市卫生健康工作的总体要求是：坚持人民至上。\n"
    )
    assert title_from_text(text) == "关于印发2022年全市卫生健康工作要点的通知"


def test_title_is_not_a_table_row_or_a_sentence_citing_a_plan() -> None:
    text = (
        "序号 | 重点任务 | 牵头单位 | 完成时限\n贯彻落实《健康行动方案（2020-2030年）》，全面推动17项专项行动。\n"
        "某县2023年重点工作任务清单\n"
    )
    assert title_from_text(text) == "某县2023年重点工作任务清单"


def test_a_numbered_section_heading_is_never_the_title() -> None:
    """A review's body (its title kept apart by the crawler) ends with 四、2024年工作打算: no plan title."""
    body = "2023年，全市卫生健康系统各项工作取得新成效。\n一、主要指标完成情况\n县域内就诊率达到88.6%。\n四、2024年工作打算\n提升基层服务能力。"
    assert detect_doc_type(title_from_text(body)) != "工作计划"
    assert title_from_text("（一）2024年工作要点\n2024年全市卫生健康工作要点\n正文") == "2024年全市卫生健康工作要点"


def test_title_falls_back_to_the_first_short_line() -> None:
    assert title_from_text("\n\n  某县卫生健康局  \n建成社区医院5家。\n") == "某县卫生健康局"
    assert title_from_text("") == ""


@pytest.mark.parametrize(
    ("title", "last"),
    [("金华市基层卫生健康服务能力提升三年行动方案(2022—2024年)", 2024), ("韶关市卫生健康事业发展“十四五”规划", 2025),
     ("某市“十三五”卫生规划", 2020), ("健康某市行动（2020-2030年）", 2030), ("2023年全市卫生健康工作要点", None)],
)
def test_plan_horizon(title: str, last: int | None) -> None:
    assert detect_plan_horizon(title) == last


@pytest.mark.parametrize(
    ("text", "year"),
    [("筑府办函〔2024〕36号\n各区、市、县人民政府：", 2024), ("贵阳市人民政府办公厅\n2024年6月12日\n", 2024),
     ("发布日期：2021-12-20  来源：某市卫生健康局", 2021)],
    ids=["document-number", "signing-date", "published"],
)
def test_plan_year_of_an_undated_title_from_the_issue(text: str, year: int) -> None:
    assert detect_plan_year("关于进一步完善医疗卫生服务体系的实施方案", text) == year


def test_a_list_of_deadlines_in_the_opening_is_not_the_plans_year() -> None:
    """到2025年和2030年，全区… are two deadlines; the plan itself was issued in 2021."""
    text = "某某发〔2021〕46号\n一、总体目标\n到2025年和2030年，全区居民健康素养水平分别不低于25%和30%。"
    assert detect_plan_year("健康某某行动实施方案", text) == 2021
    targets = extract_targets("健康某某行动实施方案\n" + text)
    assert [(t.deadline, t.kind.value) for t in targets] == [(2025, "target"), (2030, "target")]


def test_five_year_plan_without_any_date_starts_its_period() -> None:
    assert detect_plan_year("某市卫生健康事业发展“十四五”规划") == 2021
    assert all(last - first == 4 for first, last in FIVE_YEAR_PLANS.values())


@pytest.mark.parametrize(
    ("title", "kind"),
    [("2023年重点工作任务清单", "工作安排"), ("某市卫生健康委2023年工作综述", "工作总结"),
     ("2023年卫生健康工作完成情况", "工作总结"), ("“十四五”卫生健康规划", "规划"), ("关于加强基层医疗的通知", ""),
     ("2023年度卫生健康事业发展统计公报", "工作总结"), ("2023年工作总结及2024年工作思路", "工作计划"),
     ("某市卫生健康人才队伍建设三年行动计划（2024—2026年）", "工作计划"), ("健康某区行动（2022—2030年）", "实施方案"),
     ("关于开展爱国卫生专项行动的通知", "")],
)
def test_doc_type(title: str, kind: str) -> None:
    assert detect_doc_type(title) == kind


def test_a_five_year_plan_is_not_dated_by_the_review_year_in_its_opening() -> None:
    opening = "一、发展基础\n“十三五”以来成就显著。2020年，全市人均预期寿命达到78.5岁。"
    assert detect_plan_year("某市“十四五”卫生健康事业发展规划", opening) == 2021
    assert detect_plan_year("某市“十四五”卫生健康事业发展规划", opening, date(2022, 1, 5)) == 2022


def test_a_title_glued_to_its_agency_with_a_bar_is_found() -> None:
    text = ("当前位置: 首页 » 地方法规 » 正文\n贵阳市卫生健康局|2021年贵阳市、贵安新区卫生健康工作要点\n"
            "发布日期:2021-07-19\n特大安全事故发生。(牵头单位:卫生应急处;责任单位:局机关各处室)\n")
    assert title_from_text(text) == "2021年贵阳市、贵安新区卫生健康工作要点"


def test_without_a_plan_title_a_line_that_is_no_sentence_is_preferred() -> None:
    assert title_from_text("事故发生。(牵头单位:应急处)\n关于做好基层卫生工作的通知\n正文很长的一段话。") == "关于做好基层卫生工作的通知"
