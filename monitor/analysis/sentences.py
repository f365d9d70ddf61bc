"""Reading one sentence: which numbers are quantities, their comparator and indicator.

A sentence is cut into clauses (at ，；：). In each clause every number found by
``numbers.find_quantities`` is judged with the tables of ``cues.py``: traps are
dropped; Chinese numerals need a delivering verb or a cue (举办两期, 至少三所); units
of time and bare numbers need a level cue (控制在9天以内); a number that only
describes which units count (80%以上的村卫生室能够提供6项以上…) is a condition. The
comparator comes from the cue tags and ``cues.CMP_RULES``; the indicator from the
text before or after the number (``indicators``). Deadlines and target/actual are
decided by the caller, which knows the document.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace

from monitor.analysis.cues import (
    CHANGE_BASELINE,
    CHANGE_UNITS,
    CMP_RULES,
    CN_PREDICATES,
    CN_UNITS,
    CN_VERBS,
    CUE_LOOKALIKES,
    FILLER_PREFIXES,
    FREQUENCY,
    FREQUENCY_UNITS,
    INDICATOR_ENDINGS,
    INFERRED_UNITS,
    POST_CUES,
    PRE_CUES,
    RATE_UNITS,
    SHARED_HEADS,
    SUBJECT_NOUNS,
    WEAK_UNITS,
    alternation,
)
from monitor.analysis.indicators import (
    KEEP_VERBS,
    VERB_ONLY,
    clean_indicator,
    join_object,
    split_subjects,
)
from monitor.analysis.numbers import Quantity, find_quantities, normalise_digits
from store.kinds import Comparator

__all__ = ["Reading", "clauses", "cue_tags", "list_groups", "read_sentence"]

_SPACE = re.compile(r"\s")
_SPACES = re.compile(r"\s+")
_SPACED_ROW = re.compile(r"^\s*[^\s，,。；;]{1,24}(?:[ \u3000]+[^\s，,。；;]{1,24}){2,}\s*$")
_CELL_GAP = re.compile(r"[ \t\u3000|｜]+")
# Cells of a row split by runs of spaces; a wrapped line's newline and indentation do not.
_CLAUSE_END = re.compile(r"[，,；;：:。！？!?|｜\t]|(?<=\S)[ \u3000]{2,}(?=\S)")
_PRE = re.compile(alternation([*(word for word, _ in PRE_CUES), *CUE_LOOKALIKES]))
_PRE_TAGS = dict(PRE_CUES) | dict.fromkeys(CUE_LOOKALIKES, "")
_POST_TAGS = dict(POST_CUES)
_CN_VERB = re.compile(rf"(?:{alternation(CN_VERBS)})\s*$")
# How far (characters, spaces ignored) a cue may stand before its number.
_REACH = {"inc": 5, "dec": 5, "floor": 3, "eq": 1, "to": 0}
_DEFAULT_REACH = 6
_LEVEL_CUES = frozenset(("ge", "gt", "le", "lt", "approx"))
_NEEDS_CUE = frozenset((*WEAK_UNITS, "级", "倍", ""))
_BEFORE_LEVEL_TAGS = frozenset(("ge", "gt", "le", "lt", "approx", "inc", "dec", "floor", "to", "inc-to", "dec-to"))
_LEVEL_TAGS = frozenset(("ge", "gt", "le", "lt", "approx", "inc", "dec", "floor", "to", "inc-to", "dec-to", "range",
                         "after-ge", "after-le", "after-about", "after-gt"))
_RESPECTIVELY = "分别"
_CLAUSE_OR_LIST = ("", "，", ",", "、", "；", ";", "。", "和", "及", "！", "？")


@dataclass(frozen=True)
class Reading:
    """One quantity of a sentence, read: offsets refer to the sentence."""

    start: int
    end: int
    indicator: str
    value: float
    value_max: float | None
    unit: str
    cmp: Comparator


def clauses(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of each clause, the separator excluded; a table row's cells are clauses."""
    spans, start = [], 0
    separators = _CELL_GAP if _SPACED_ROW.match(sentence) else _CLAUSE_END
    for match in separators.finditer(sentence):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(sentence)))
    return [(s, e) for s, e in spans if e > s]


def cue_tags(window: str) -> set[str]:
    """Tags of the cue words that end close enough to the end of ``window``."""
    compact = _SPACES.sub("", window) if _SPACE.search(window) else window
    tags: set[str] = set()
    changes: dict[str, int] = {}  # change verb → where it ends
    level_end = -1
    for match in _PRE.finditer(compact):
        tag = _PRE_TAGS[match.group()]
        if not tag:
            continue  # 签约, 下达: a word, not the cue 约/达
        if tag in ("inc", "dec"):
            changes[tag] = match.end()
        reach = _REACH.get(tag, _DEFAULT_REACH) if len(match.group()) > 1 else 0  # 约 in 签约率 is no cue
        if len(compact) - match.end() <= reach:
            tags.add(tag)
            if tag in _LEVEL_CUES:
                level_end = max(level_end, match.end())
    if "to" in tags:  # 提高孕产妇住院分娩率至99%: the change verb makes 至 a level
        tags |= {f"{tag}-to" for tag in changes}
        tags -= {"inc", "dec"}
    for tag, end in changes.items():
        if tag in tags and level_end > end:
            tags.discard(tag)  # 增幅控制在10%以内: the level cue is nearer, the rate is a level
    return tags


def _tags(quantity: Quantity, window: str) -> set[str]:
    tags = cue_tags(window)
    if quantity.post:
        tags.add(_POST_TAGS[quantity.post])
    if quantity.infix:
        tags.add("after-gt")
    if quantity.is_range:
        tags.add("range")
    if quantity.unit not in CHANGE_UNITS and not CHANGE_BASELINE.search(window):
        tags -= {"inc", "dec", "floor"}
    if "inc" in tags and _POST_TAGS.get(quantity.post) == "after-ge":
        tags.add("inc+ge")
    tags.add(f"unit:{quantity.unit}")
    return tags


def _comparator(tags: set[str]) -> Comparator:
    for rule in CMP_RULES:
        if rule.needs <= tags and (not rule.any_of or rule.any_of & tags):
            return rule.cmp
    return Comparator.EQ


# 青山沟、步达远、八河川三个乡镇卫生院: a count of places right after the list of their names
# (预防为主、防治结合三项原则 counts no places).
_NAMED_LIST = re.compile(r"[\u4e00-\u9fff]{2,8}(?:、[\u4e00-\u9fff]{2,8})*(?:、|和|及)[\u4e00-\u9fff]{2,8}$")
_PLACE_UNITS = frozenset(("个", "家", "所", "处", "座"))


# 建成两个区域医疗中心、三个县域医疗次中心: a count right after 、 and the object of the count
# before it is the next item of the same list (the first was accepted on its verb).
_NEXT_IN_LIST = re.compile(r"^[\u4e00-\u9fff（）()]{1,20}、\s*$")


def _chinese_amount(quantity: Quantity, window: str, following: str, tags: set[str]) -> bool:
    """两期, 十五家, 县级重点专科三个 are amounts; 四个意识, 五项制度, 一个潜伏期 are names."""
    if quantity.value == 0:
        return bool(tags & (_LEVEL_TAGS | {"eq"}))
    if quantity.value == 1 and "ge" not in tags:  # 每季度开展一次督查; 一次性, 一个潜伏期 are words
        return quantity.unit in FREQUENCY_UNITS and bool(FREQUENCY.search(window)) and not following.startswith("性")
    if quantity.unit not in CN_UNITS:
        return False
    return (
        bool(_CN_VERB.search(window[-6:]) or tags & _LEVEL_TAGS)
        or (quantity.unit in _PLACE_UNITS and bool(_NAMED_LIST.search(window)))
        or quantity.value >= 10
        or following.strip()[:1] in _CLAUSE_OR_LIST
        or bool(CN_PREDICATES.match(following))
    )


def _accepted(quantity: Quantity, window: str, following: str, tags: set[str]) -> bool:
    """Whether a number is a quantity a plan commits to (the trap-free ones only)."""
    if quantity.trap is not None:
        return False
    if quantity.chinese:
        return _chinese_amount(quantity, window, following, tags)
    if quantity.value == 0 and not quantity.unit:
        return bool(tags & (_LEVEL_TAGS | {"eq"}))  # 孕产妇死亡率为0
    if quantity.weak:  # 48小时内报告 is a rule; 缩短到12分钟 and 平均住院日为7.8天 are levels
        return bool(tags & (_BEFORE_LEVEL_TAGS | {"eq"}))
    if quantity.unit in _NEEDS_CUE and not quantity.multiplied:
        return bool(tags & _LEVEL_TAGS - {"range"})  # 1—6月: a bare range is no quantity
    return True


def _is_share(sentence: str, quantity: Quantity) -> bool:
    """80%以上的村卫生室…: a share of units (its clause's other numbers are conditions)."""
    return quantity.unit == "%" and sentence[quantity.end:quantity.end + 1] == "的"


@dataclass
class _Candidate:
    quantity: Quantity
    left: int  # where its "before" text starts
    tags: set[str]


def _candidates(sentence: str, span: tuple[int, int], quantities: list[Quantity]) -> list[_Candidate]:
    left, share_seen = span[0], False
    found: list[_Candidate] = []
    for quantity in quantities:
        window = sentence[left:quantity.num_start]
        tags = _tags(quantity, window)
        listed = (quantity.chinese and quantity.trap is None and quantity.unit in CN_UNITS and bool(found)
                  and found[-1].quantity.unit == quantity.unit and _NEXT_IN_LIST.match(window) is not None)
        if not listed and not _accepted(quantity, window, sentence[quantity.end:span[1]], tags):
            continue
        if share_seen and not _is_share(sentence, quantity):
            continue  # a condition on the units the share counts
        share_seen = share_seen or _is_share(sentence, quantity)
        found.append(_Candidate(quantity, left, tags))
        left = quantity.end
    return found


def _reading(sentence: str, candidate: _Candidate, limit: int, unit: str, last: bool) -> tuple[Reading, int | None]:
    """The reading of one candidate, and where the next item's name starts when its own
    name is the object after it (None when the name came from before the number)."""
    quantity = candidate.quantity
    before = sentence[candidate.left:quantity.num_start]
    after_end = limit
    if not last:  # 争创1-2个国家级专科、新增省级专科5个: the object ends at the last 、
        cut = sentence.rfind("、", quantity.end, limit)
        if cut > quantity.end and sentence[cut + 1:limit].strip():
            after_end = cut
    indicator, is_object = join_object(before, sentence[quantity.end:after_end], unit)
    reading = Reading(quantity.start, quantity.end, indicator, quantity.value, quantity.value_max, unit,
                      _comparator(candidate.tags))
    return reading, (after_end + 1 if after_end < limit else limit) if is_object else None


def _distribute_head(subjects: list[str]) -> list[str]:
    """高血压、糖尿病患者规范管理率 → 高血压患者规范管理率, 糖尿病患者规范管理率."""
    last = subjects[-1]
    if not INDICATOR_ENDINGS.search(last) or all(INDICATOR_ENDINGS.search(s) for s in subjects[:-1]):
        return subjects
    starts = [at for head in SHARED_HEADS if (at := last.find(head)) > 0]
    if not starts:
        return subjects
    head = last[min(starts):]
    nouns = list(SUBJECT_NOUNS.finditer(last))
    tail = last[nouns[-1].end():] if nouns else head  # 65岁及以上老年人、0-6岁儿童健康管理率: 老年人 takes 健康管理率
    return [s if INDICATOR_ENDINGS.search(s) else s + (tail if SUBJECT_NOUNS.search(s[-3:]) and tail else head)
            for s in subjects[:-1]] + [last]


def _respectively(sentence: str, span: tuple[int, int], found: list[_Candidate], readings: list[Reading]) -> list[Reading]:
    """A、B、C分别控制在X、Y、Z以下 → names paired with numbers (or one name shared), cues shared."""
    at = sentence.find(_RESPECTIVELY, span[0], span[1])
    group = [index for index, c in enumerate(found) if c.quantity.num_start > at] if at >= 0 else []
    if len(group) < 2:
        return readings
    subjects = [name for name in split_subjects(sentence[found[group[0]].left:at]) if name not in FILLER_PREFIXES]
    named = clean_indicator(sentence[at + len(_RESPECTIVELY):found[group[0]].quantity.num_start])
    if not subjects:  # 全市分别新增托位500个、800个: the name follows 分别
        subjects = [named] if named else []
    elif named and not any(INDICATOR_ENDINGS.search(subject) for subject in subjects):
        subjects = [subject + named for subject in subjects]  # 东区、西区分别建成社区医院2家、3家
    if len(subjects) == 1:
        subjects = subjects * len(group)  # 居民健康素养水平分别不低于22%和30% (over years)
    if len(subjects) != len(group):
        return readings
    subjects = _distribute_head(subjects)
    shared = {t for i in group for t in found[i].tags if not t.startswith("unit:")}
    for subject, index in zip(subjects, group, strict=True):
        tags = shared | {f"unit:{readings[index].unit}"}
        readings[index] = replace(readings[index], indicator=subject, cmp=_comparator(tags))
    return readings


def _fallback(sentence: str, span: tuple[int, int], reading: Reading, previous: Reading | None) -> Reading:
    """力争达到95%, 较上年提高1.6个百分点: no name in the clause; the one before names it."""
    if len(reading.indicator) > 1 and reading.indicator not in VERB_ONLY:
        return reading
    if previous is not None and reading.indicator in KEEP_VERBS:
        return reading  # 每年至少随访4次 after a rate: the visit is its own item
    if previous is not None and previous.end > span[0]:
        return replace(reading, indicator=previous.indicator)  # an item before it in its own clause
    earlier = clauses(sentence[: span[0]])
    if previous is not None and (not earlier or previous.end > earlier[-1][0]):
        return replace(reading, indicator=previous.indicator)
    named = clean_indicator(sentence[slice(*earlier[-1])]) if earlier else ""
    if len(named) > 1:  # 每万人口全科医生数翻一番，达到4人: the clause before has no number but the name
        return replace(reading, indicator=named)
    return replace(reading, indicator=previous.indicator) if previous is not None else reading


def _elliptical(reading: Reading, previous: Reading | None) -> Reading:
    """三级公立医院平均住院日不超过8天，二级公立医院不超过7.5天: the second borrows 平均住院日."""
    name = reading.indicator
    if previous is None or previous.unit != reading.unit or INDICATOR_ENDINGS.search(name):
        return reading
    ends = [match.end() for match in SUBJECT_NOUNS.finditer(previous.indicator)]
    if not ends or not SUBJECT_NOUNS.search(name[-3:]):
        return reading
    head = previous.indicator[ends[-1]:]
    return replace(reading, indicator=name + head) if INDICATOR_ENDINGS.search(head) else reading


def _rate_unit(reading: Reading) -> Reading:
    """孕产妇死亡率为零: the rate's national unit when the text gives none (总和生育率
    稳定在1.5左右 has none: a written number keeps the unit written)."""
    if reading.unit or reading.value != 0:
        return reading
    for pattern, unit in RATE_UNITS:
        if re.search(pattern, reading.indicator):
            return replace(reading, unit=unit)
    return reading


def read_sentence(sentence: str) -> list[Reading]:
    """Every quantity of one sentence a plan commits to or reports, in text order."""
    normal = normalise_digits(sentence)
    quantities = find_quantities(normal)
    if not quantities:
        return []
    readings: list[Reading] = []
    for span in clauses(normal):
        inside = [q for q in quantities if span[0] <= q.num_start < span[1]]
        found = _candidates(normal, span, inside)
        clause_readings: list[Reading] = []
        for index, candidate in enumerate(found):
            limit = found[index + 1].quantity.num_start if index + 1 < len(found) else span[1]
            unit = candidate.quantity.unit or _inferred_unit(normal, candidate.quantity, limit)
            earlier = clause_readings or readings
            previous = earlier[-1] if earlier else None
            last = index + 1 == len(found)
            reading, next_left = _reading(normal, candidate, limit, unit, last)
            if next_left is not None and not last:
                found[index + 1].left = next_left  # the object is not the next item's name
            reading = _elliptical(_fallback(normal, span, reading, previous), previous)
            clause_readings.append(_rate_unit(reading))
        clause_readings = _share_list_cue(normal, found, clause_readings)
        readings.extend(_share_grade_heads(_respectively(normal, span, found, clause_readings)))
    return _inherit_in_lists(normal, readings)


_PRE_LEVEL = frozenset(("ge", "gt", "le", "lt", "approx"))


def _share_list_cue(sentence: str, found: list[_Candidate], readings: list[Reading]) -> list[Reading]:
    """至少配备1台DR、1台彩超: a cue before the first count of an enumeration covers each
    count that follows right after a 、 with no cue of its own."""
    carried: Comparator | None = None
    for index, candidate in enumerate(found):
        bare = index > 0 and sentence[candidate.left - 1:candidate.quantity.num_start].strip() == "、"
        if bare and carried is not None and readings[index].cmp is Comparator.EQ:
            readings[index] = replace(readings[index], cmp=carried)
        elif not bare:
            carried = readings[index].cmp if candidate.tags & _PRE_LEVEL else None
    return readings


_GRADE_ONLY = re.compile(r"^[\u4e00-\u9fff]{1,3}级$")


def _share_grade_heads(readings: list[Reading]) -> list[Reading]:
    """3个国家级、5个省级重点专科: 国家级 takes the head of the item after it (重点专科)."""
    for index in range(len(readings) - 2, -1, -1):
        name, following = readings[index].indicator, readings[index + 1].indicator
        if _GRADE_ONLY.match(name) and "级" in following:
            readings[index] = replace(readings[index], indicator=name + following.split("级", 1)[1])
    return readings


_CONJUNCTION = re.compile(r"^\s*(?:和|、|及|与|或|至)\s*$")


def list_groups(sentence: str, readings: list[Reading]) -> list[list[int]]:
    """Runs of readings joined only by 和/、/及 (低于24.5%和20%): one enumeration each."""
    groups: list[list[int]] = []
    for index, reading in enumerate(readings):
        joined = index > 0 and bool(_CONJUNCTION.match(sentence[readings[index - 1].end:reading.start]))
        if joined:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def _inherit_in_lists(sentence: str, readings: list[Reading]) -> list[Reading]:
    """15岁以上人群吸烟率低于24.5%和20%: a bare number in a list takes the cue before it."""
    for group in list_groups(sentence, readings):
        for before, index in itertools.pairwise(group):
            if readings[index].cmp is Comparator.EQ and readings[before].cmp is not Comparator.RANGE:
                readings[index] = replace(readings[index], cmp=readings[before].cmp)
    return readings


def _inferred_unit(sentence: str, quantity: Quantity, limit: int) -> str:
    """为1.82万35-64岁农村妇女…: the counted noun's unit when 万 stands alone."""
    if not quantity.multiplied:
        return ""
    after = sentence[quantity.end:limit]
    for pattern, unit in INFERRED_UNITS:
        if re.search(pattern, after):
            return unit
    return ""
