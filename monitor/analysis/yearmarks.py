"""Years a sentence names: 到2025年, 2022年底前, 2025年实现, “十四五”末, 年内, 上年.

Each is a :class:`Mark` (where, which year, by which rule of ``cues.DEADLINE_RULES``);
``targets`` decides which mark governs which number and whether it looks ahead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.analysis.cues import BASELINE, DEADLINE_RULES, RELATIVE_YEARS, alternation
from monitor.analysis.planmeta import FIVE_YEAR_PLANS

__all__ = ["FORWARD_RULES", "Mark", "is_forward", "looks_ahead", "may_name_a_year", "year_marks"]

_BOOK_TITLE = re.compile(r"《[^》\n]{0,80}》")  # 《行动方案（2020-2030年）》 names a document, not a deadline
_RELATIVE = re.compile(rf"(?<![\d一二两三四五六七八九十])(?:{alternation([word for word, _ in RELATIVE_YEARS])})")
_RELATIVE_OFFSET = dict(RELATIVE_YEARS)
FORWARD_RULES = frozenset(("by-year", "before-year", "year-end", "month-before", "five-year-plan"))
_FIVE_YEAR = re.compile(rf"[“\"]?({alternation(list(FIVE_YEAR_PLANS))})[”\"]?\s*(?:末|期末|时期|期间|时期末)")


@dataclass(frozen=True)
class Mark:
    """A year named in a sentence: where, which year, and by which rule."""

    pos: int
    year: int
    rule: str


def may_name_a_year(text: str) -> bool:
    """Cheap test before the deadline rules: every year phrase has 年, or is 十四五."""
    return "年" in text or ("十" in text and "五" in text)


def year_marks(sentence: str, plan_year: int | None) -> list[Mark]:
    """Years a sentence names as deadlines or as the year it speaks of (baselines excluded)."""
    if not may_name_a_year(sentence):
        return []
    masked = _BOOK_TITLE.sub(lambda m: " " * len(m.group()), BASELINE.sub(lambda m: " " * len(m.group()), sentence))
    marks: dict[int, Mark] = {}
    for rule in DEADLINE_RULES:
        for match in rule.pattern.finditer(masked):
            pos = match.start("year")
            marks.setdefault(pos, Mark(pos, int(match.group("year")), rule.name))
    for match in _FIVE_YEAR.finditer(masked):
        marks.setdefault(match.start(), Mark(match.start(), FIVE_YEAR_PLANS[match.group(1)][1], "five-year-plan"))
    if plan_year is not None:
        for match in _RELATIVE.finditer(masked):
            marks.setdefault(match.start(), Mark(match.start(), plan_year + _RELATIVE_OFFSET[match.group()], "relative"))
    return sorted(marks.values(), key=lambda mark: mark.pos)


def looks_ahead(mark: Mark) -> bool:
    """到2025年, 年内: a year that dates what is to come (never a report standing before it)."""
    return mark.rule in FORWARD_RULES or mark.rule == "relative"


def is_forward(mark: Mark, plan_year: int | None) -> bool:
    """到2025年 looks ahead; 截至2025年底 only when that year is after the plan's."""
    if mark.rule == "as-of":
        return plan_year is not None and mark.year > plan_year
    return mark.rule in FORWARD_RULES
