"""The rule tables of target matching, as data: each row is tested in tests/test_matching.py.

- :data:`INDICATOR_NOISE`: what is removed from an indicator before names are compared
  (the same indicator is written 全市人均预期寿命 in one plan, 人均预期寿命提高到 in the next).
- :data:`UNIT_FAMILIES`: which units may be compared at all (% with 百分点, 家 with 所).
- :data:`UNIT_SYNONYMS`: spellings of one unit (个百分点 = 百分点, ％ = %).
- :data:`LOWER_IS_BETTER`: indicator words whose smaller values are better (死亡率…),
  which decide the direction of 达到/约 targets.
- :data:`COMPARATOR_RULES`: per comparator, whether a bigger number is more ambitious,
  which family it belongs to and how strict it is within the family.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from store.kinds import Comparator

__all__ = [
    "COMPARATOR_RULES",
    "INDICATOR_NOISE",
    "LOWER_IS_BETTER",
    "UNIT_FAMILIES",
    "UNIT_SYNONYMS",
    "ComparatorRule",
    "NoiseRule",
    "canonical_unit",
    "comparator_family",
    "comparator_of",
    "comparator_strength",
    "direction",
    "normalise_indicator",
    "qualifiers",
    "unit_family",
    "units_compatible",
]


class NoiseRule(NamedTuple):
    name: str
    pattern: re.Pattern[str]
    example: str  # an indicator as written
    expected: str  # what is left after this rule alone


def _noise(name: str, regex: str, example: str, expected: str) -> NoiseRule:
    return NoiseRule(name, re.compile(regex), example, expected)


_CJK = r"[\u4e00-\u9fff]"
# Applied in order to an indicator name.
INDICATOR_NOISE: tuple[NoiseRule, ...] = (
    _noise("year phrase", r"(?:到|至|在)?(?:19|20)\d{2}\s*年(?:底|末|年底)?(?:前)?", "到2025年人均预期寿命", "人均预期寿命"),
    _noise("whole area", r"^(?:全[市县区省州盟旗镇乡]|我[市县区省州]|本[市县区省])", "全市每千人口床位数", "每千人口床位数"),
    _noise("region name", rf"^{_CJK}{{2,4}}(?:省|自治区|自治州|市|县|新区|州|盟|旗)(?![域级城内外区乡镇])", "贵阳市居民健康素养水平", "居民健康素养水平"),
    _noise("district name", rf"^{_CJK}{{2}}区(?![域级内外])", "乌当区县域内就诊率", "县域内就诊率"),
    _noise("leading cue", r"^(?:力争|确保|争取|进一步|持续|努力|全面|逐步)+", "力争居民健康素养水平", "居民健康素养水平"),
    _noise("verb cue", r"(?:达到|达|提高到|提高至|提升到|提升至|增加到|增加至|增长到|下降到|下降至|降低到|降低至|降至|"
           r"控制在|保持在|稳定在|维持在|不低于|不高于|不超过|不少于|至少|分别|以上|以下|以内|左右|保持)$",
           "人均预期寿命提高到", "人均预期寿命"),
    _noise("trailing particle", r"(?:均|要|须|应|将|为)$", "孕产妇死亡率均", "孕产妇死亡率"),
    _noise("punctuation", r"[^\w]|_", "每千人口执业(助理)医师数", "每千人口执业助理医师数"),
)

# Numbers and 每千/每万 inside a name: two names with different ones are different
# indicators however similar the rest (每千人口全科医生数 vs 每万人口全科医生数).
_QUALIFIER = re.compile(r"\d+(?:\.\d+)?|每[十百千万]+")

UNIT_SYNONYMS: dict[str, str] = {
    "％": "%",
    "个百分点": "百分点",
    "1/10万": "/10万",
    "/十万": "/10万",
    "/100000": "/10万",
    "人/10万": "/10万",
    "名": "人",
    "位": "人",
}

# Units in one family can be paired (the value is compared only when equal after
# UNIT_SYNONYMS); units in no family pair only with themselves.
UNIT_FAMILIES: dict[str, frozenset[str]] = {
    "percent": frozenset({"%", "百分点"}),
    "per-mille": frozenset({"‰"}),
    "per-100k": frozenset({"/10万"}),
    "people": frozenset({"人"}),
    "institutions": frozenset({"家", "所", "个", "座", "处"}),
    "money": frozenset({"元", "万元", "亿元"}),
}
_FAMILY_OF: dict[str, str] = {unit: family for family, units in UNIT_FAMILIES.items() for unit in units}

# Indicator words whose smaller value is the better one.
LOWER_IS_BETTER: tuple[str, ...] = (
    "死亡率", "病死率", "发病率", "患病率", "感染率", "罹患率", "吸烟率", "肥胖率", "超重率",
    "近视率", "漏报率", "误诊率", "个人卫生支出", "自付", "药占比", "耗材占比", "平均住院日",
    "等待时间", "发生率", "事故", "不良事件", "传播", "流行率", "空置率", "外转率",
)


class ComparatorRule(NamedTuple):
    sign: int | None  # +1: a bigger number is more ambitious; -1: smaller; None: by indicator
    family: str | None  # floor, ceiling, increment, decrement-cap; None: by direction
    strength: int  # stricter comparators of one family have higher numbers


COMPARATOR_RULES: dict[Comparator, ComparatorRule] = {
    Comparator.GE: ComparatorRule(+1, "floor", 2),
    Comparator.GT: ComparatorRule(+1, "floor", 3),
    Comparator.LE: ComparatorRule(-1, "ceiling", 2),
    Comparator.LT: ComparatorRule(-1, "ceiling", 3),
    Comparator.EQ: ComparatorRule(None, None, 1),
    Comparator.APPROX: ComparatorRule(None, None, 0),
    Comparator.RANGE: ComparatorRule(None, None, 1),
    Comparator.INC: ComparatorRule(+1, "increment", 1),
    Comparator.INC_AT_LEAST: ComparatorRule(+1, "increment", 2),
    Comparator.DEC: ComparatorRule(+1, "decrement", 1),  # 下降5%: a bigger cut is more ambitious
    Comparator.DEC_AT_MOST: ComparatorRule(-1, "decrement-cap", 1),  # 下降…以内: a cap on a fall
}


def normalise_indicator(name: str, regions: Sequence[str] = ()) -> str:
    """The comparable core of an indicator name: no places, cue verbs, years or punctuation."""
    text = name.strip()
    for region in sorted((r for r in regions if len(r) >= 2), key=len, reverse=True):
        text = text.replace(region, "")
    for rule in INDICATOR_NOISE:
        text = rule.pattern.sub("", text)
    return text


def qualifiers(name: str) -> frozenset[str]:
    """Numbers and 每千/每万 in a normalised name."""
    return frozenset(_QUALIFIER.findall(name))


def canonical_unit(unit: str) -> str:
    """One spelling per unit: 个百分点 → 百分点, ％ → %, 名 → 人."""
    text = unit.strip()
    return UNIT_SYNONYMS.get(text, text)


def unit_family(unit: str) -> str:
    """The family a unit belongs to, or the unit itself when it has none."""
    canonical = canonical_unit(unit)
    return _FAMILY_OF.get(canonical, canonical)


def units_compatible(old: str, new: str) -> bool:
    """Whether two targets with these units can be the same indicator."""
    return unit_family(old) == unit_family(new)


_COMPARATORS: dict[str, Comparator] = {cmp.value: cmp for cmp in Comparator}


def comparator_of(raw: str) -> Comparator:
    """A stored comparator string as the enum (unknown strings read as "=")."""
    return _COMPARATORS.get(str(raw), Comparator.EQ)


def direction(cmp: Comparator, indicator: str) -> int:
    """+1 when a bigger number is more ambitious, -1 when a smaller one is."""
    sign = COMPARATOR_RULES[cmp].sign
    if sign is not None:
        return sign
    return -1 if any(word in indicator for word in LOWER_IS_BETTER) else 1


def comparator_family(cmp: Comparator, indicator: str) -> str:
    """floor / ceiling / increment / decrement / decrement-cap (达到 and 约 by direction)."""
    family = COMPARATOR_RULES[cmp].family
    if family is not None:
        return family
    return "floor" if direction(cmp, indicator) > 0 else "ceiling"


def comparator_strength(cmp: Comparator, indicator: str) -> tuple[str, int]:
    """(family, strictness): comparable only within one family."""
    return comparator_family(cmp, indicator), COMPARATOR_RULES[cmp].strength
