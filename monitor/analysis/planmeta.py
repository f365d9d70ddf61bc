"""Plan year, plan horizon and kind of plan from a title (and the opening of the text).

All three come from tables below, tried in order; the first rule that matches wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from monitor.analysis.chrome import is_chrome_line

__all__ = [
    "DOC_TYPES",
    "FIVE_YEAR_PLANS",
    "detect_doc_type",
    "detect_plan_horizon",
    "detect_plan_year",
    "title_from_text",
]

# (kind of plan, pattern over the title) in priority order: a title naming a review
# and next year's plan ("2021年工作总结和2022年工作要点") is a plan.
DOC_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("工作要点", re.compile(r"工作要点|要点")),
    ("工作计划", re.compile(r"工作计划|行动计划|实施计划|发展计划|提升计划|工作思路|工作打算")),
    ("工作安排", re.compile(r"工作安排|重点任务|任务清单|任务分解|任务分工")),
    ("实施方案", re.compile(r"实施方案|行动方案|工作方案|方案|行动\s*(?:[（(]|$)")),  # 健康某区行动（2022—2030年）
    ("规划", re.compile(r"规划|纲要")),
    ("实施意见", re.compile(r"实施意见|指导意见|意见")),
    ("工作总结", re.compile(r"工作总结|工作回顾|总结|回顾|报告|综述|工作情况|进展情况|完成情况|年报|公报")),
)

# Five-year plans by name → (first year, last year).
FIVE_YEAR_PLANS: dict[str, tuple[int, int]] = {
    "十一五": (2006, 2010),
    "十二五": (2011, 2015),
    "十三五": (2016, 2020),
    "十四五": (2021, 2025),
    "十五五": (2026, 2030),
}

_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年度?")
# "2023年，全市…" opens a year's plan; "到2025年，全市…" states a deadline, not the plan's year.
# Not a deadline: 到2025年，全市… nor the last of a list of them, 到2025年和2030年，全区…
_YEAR_IN_OPENING = re.compile(r"(?<![到至前在和及与、])((?:19|20)\d{2})\s*年[,，]?\s*(?:全[市县区州省]|我[市县区州省]|全委|全局)")
# Signals of when a document was issued: 〔2021〕35号, 2024年6月12日 on its own line, 发布日期:2021-12-20.
_ISSUED = (
    re.compile(r"[〔\[［(（【]\s*((?:19|20)\d{2})\s*[〕\]］)）】]\s*\d+\s*号"),
    re.compile(r"^\s*((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$", re.M),
    re.compile(r"(?:发布|印发|成文)(?:日期|时间)\s*[:：]?\s*((?:19|20)\d{2})\s*[-年./]"),
)
_SPAN_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*(?:年)?\s*[-—–~～至到]\s*((?:19|20)\d{2})\s*年?")
_PLAN_WORDS = re.compile(r"要点|计划|安排|方案|思路|打算")
_ANY_YEAR = re.compile(r"(?:19|20)\d{2}")
# A numbered section heading (四、2024年工作打算, （二）, 3.) is part of a document, never its title.
_SECTION_NUMBER = re.compile(r"[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}\s*[.．、](?!\d)")
_BAR = re.compile(r"[|｜]")
_PROSE = re.compile(r"[。；！？]")  # a title is rarely a sentence
_BOOK_TITLE = re.compile(r"《[^》]*》")  # a document a line cites is not the line's kind
_TABULAR = re.compile(r"\t|[|｜]|\S {2,}\S|^[^\s，,。；;]{1,24}(?:[ \u3000]+[^\s，,。；;]{1,24}){2,}$")


def title_from_text(text: str) -> str:
    """The title of a plain-text page: the first short line naming a kind of plan.

    Page chrome and numbered section headings are skipped; a line with a year wins (2023年全市卫生健康工作要点 over
    the 通知 that carries it); without any such line, the first line.
    """
    lines = [line.strip() for line in text[:4000].splitlines() if line.strip() and not is_chrome_line(line)]
    short = [part for line in lines[:40] for part in _title_parts(line)
             if len(part) <= 80 and not _TABULAR.search(part) and not _SECTION_NUMBER.match(part)]
    titled = [line for line in short if detect_doc_type(_BOOK_TITLE.sub("", line))]
    dated = [line for line in titled if _ANY_YEAR.search(line)]
    headline = [line for line in dated if not _PROSE.search(line)]
    unpunctuated = [line for line in short if not _PROSE.search(line)]
    return (headline or dated or titled or unpunctuated or short or lines or [""])[0]


def _title_parts(line: str) -> list[str]:
    """A line, or its parts when a site glued agency and title with a bar (贵阳市卫生健康局|2021年…工作要点)."""
    parts = [part.strip() for part in _BAR.split(line)]
    return [part for part in parts if part] if len(parts) == 2 else [line]


def detect_doc_type(title: str) -> str:
    """The kind of plan a title names ("" when none of the table's kinds)."""
    for kind, pattern in DOC_TYPES:
        if pattern.search(title):
            return kind
    return ""


def detect_plan_year(title: str, text: str = "", published_on: date | None = None) -> int | None:
    """The year a plan is for: from the title, the opening sentence, the issue date.

    A title with several years ("2021年工作总结和2022年工作计划") names the plan's
    year last; a review alone names the year it reviews. A plan whose title has no
    year (a 十四五 规划, an 实施方案) is dated by its document number or signing date.
    """
    span = _SPAN_IN_TITLE.search(title)
    if span:
        return int(span.group(1))
    years = [int(match) for match in _YEAR_IN_TITLE.findall(title)]
    if years:
        return max(years) if _PLAN_WORDS.search(title) else years[-1]
    five_year = detect_plan_horizon(title)
    first = None if five_year is None else five_year - 4
    # A 十四五 plan is not for a year before its period (2020年，全市… opens its review).
    for year in _dated_by(text, published_on):
        if first is None or year >= first:
            return year
    return first


def _dated_by(text: str, published_on: date | None) -> Iterator[int]:
    """Years that may date an undated title, best first: the opening, the issue date."""
    opening = _YEAR_IN_OPENING.search(text[:3000])
    if opening:
        yield int(opening.group(1))
    if published_on is not None:
        yield published_on.year
    for pattern in _ISSUED:
        issued = pattern.search(text[:3000])
        if issued:
            yield int(issued.group(1))


def detect_plan_horizon(title: str) -> int | None:
    """The last year a multi-year plan covers: “十四五”规划 → 2025, (2021-2025年) → 2025."""
    span = _SPAN_IN_TITLE.search(title)
    if span and int(span.group(2)) > int(span.group(1)):
        return int(span.group(2))
    for name, (_, last) in FIVE_YEAR_PLANS.items():
        if name in title:
            return last
    return None
