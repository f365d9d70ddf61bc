"""Plan year and kind of plan from a title (and the opening of the text).

Both come from tables below, tried in order; the first rule that matches wins.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = ["DOC_TYPES", "detect_doc_type", "detect_plan_year"]

# (kind of plan, pattern over the title) in priority order: a title naming a review
# and next year's plan ("2021年工作总结和2022年工作要点") is a plan.
DOC_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("工作要点", re.compile(r"工作要点|要点")),
    ("工作计划", re.compile(r"工作计划")),
    ("工作安排", re.compile(r"工作安排|重点任务")),
    ("实施方案", re.compile(r"实施方案|行动方案|工作方案|方案")),
    ("规划", re.compile(r"规划|纲要")),
    ("实施意见", re.compile(r"实施意见|指导意见|意见")),
    ("工作总结", re.compile(r"工作总结|工作回顾|总结|回顾|报告")),
)

_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年度?")
_YEAR_SPAN_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年?\s*[-—–~～至到]+\s*(?:19|20)\d{2}\s*年")
_YEAR_IN_OPENING = re.compile(r"((?:19|20)\d{2})\s*年[,，]?\s*(?:全[市县区州省]|我[市县区州省]|全委|全局)")
_PLAN_WORDS = re.compile(r"要点|计划|安排|方案")


def detect_doc_type(title: str) -> str:
    """The kind of plan a title names ("" when none of the table's kinds)."""
    for kind, pattern in DOC_TYPES:
        if pattern.search(title):
            return kind
    return ""


def detect_plan_year(title: str, text: str = "", published_on: date | None = None) -> int | None:
    """The year a plan is for: from the title, then the opening sentence, then the date.

    A plan for a span of years ("三年行动实施方案（2023—2025年）") is for its first year.
    A title with several years ("2021年工作总结和2022年工作计划") names the plan's
    year last; a review alone names the year it reviews.
    """
    span = _YEAR_SPAN_IN_TITLE.search(title)
    if span:  # a multi-year plan (2023—2025年) is filed under the year it starts
        return int(span.group(1))
    years = [int(match) for match in _YEAR_IN_TITLE.findall(title)]
    if years:
        return max(years) if _PLAN_WORDS.search(title) else years[-1]
    opening = _YEAR_IN_OPENING.search(text[:3000])
    if opening:
        return int(opening.group(1))
    return published_on.year if published_on is not None else None
