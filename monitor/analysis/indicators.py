"""The indicator of a quantity: the short noun phrase naming what is measured.

Two shapes cover plan sentences: the indicator before the number (每千人口床位数至少达到
7.86张, 轮训乡村医生1600人次) and the counted object after it (建成15个社区医院).
:func:`clean_indicator` strips what is not the name: scope and time words (全市, 各区
(市、县), 到2025年, 年内), verbs of reaching and cue words (达到, 控制在, 以上) — the
word lists live in ``cues.py``.
"""

from __future__ import annotations

import re

from monitor.analysis.cues import (
    CUE_LOOKALIKES,
    FILLER_PREFIXES,
    FILLER_SUFFIXES,
    PRE_CUES,
    alternation,
)

__all__ = ["KEEP_VERBS", "PREDICATES", "VERB_ONLY", "clean_indicator", "join_object", "split_subjects"]

# When one of these verbs is what is delivered, it stays with its object: 培训基层人员.
KEEP_VERBS: tuple[str, ...] = (
    "培训", "轮训", "筛查", "招聘", "引进", "考核", "接种", "救治", "随访", "体检", "签约", "招录", "培养",
    "评估", "检查", "监测", "抽检", "义诊", "宣传", "普及", "资助", "救助", "慰问", "免费提供", "选派", "派出",
    "选送", "招收", "下派", "帮扶",
)
# A name that is only a verb says nothing: the item before (or the clause before) names it.
VERB_ONLY: frozenset[str] = frozenset((*KEEP_VERBS, "安排", "投入", "下达", "拨付", "完成", "实现", "开展", "落实", "建成",
                                      "新增", "新建", "争取", "筹集", "达到", "提供", "覆盖", "累计", "合计", "共计", "建设", "创建",
                                      "打造", "组建", "设立", "改造", "提升"))
# Short words after a number that finish the indicator rather than name an object.
PREDICATES: tuple[str, ...] = ("全覆盖", "覆盖", "达标", "完成", "落实", "到位", "以上", "以下", "之间", "的目标", "目标")
_NOT_NAMES = frozenset(("以上", "以下", "之间"))  # 保持在85%—93%之间: the cue ends the name

_SPACE = re.compile(r"\s+")
_TIME = re.compile(
    r"(?:到|至|截至|截止到?|在|于)?\s*(?:19|20)\d{2}\s*年(?:底|末|年底|年末)?(?:以?前|之前|实现)?"
    r"|(?:19|20)\d{2}\s*年?\s*[-—~～至到]\s*(?:19|20)\d{2}\s*年"
    r"|[前第]?[一二三四1-4]季度|上半年|下半年|\d{1,2}\s*[-—~～至到]\s*\d{1,2}\s*月"
    r"|年内|今年|全年|年度内|年底前|届时|(?<!以)上一?年度?|去年|本年度|(?:近|过去|最近)?[一二两三四五六七八九十\d]+年(?:内|来|间|中|(?=累计|共|[^\u4e00-\u9fff]|$))"
    r"|(?:较|比|同比|与|同)\s*(?:上年|去年|上一年|(?:19|20)\d{2}\s*年)(?:同期)?(?:相比|相较|比较)?|同比"
)
# 在2020年基础上 (searched only when 基础上 is there: a pattern free to start anywhere is slow).
_BASE_ON = re.compile(r"在?\s*(?:(?:19|20)\d{2}\s*年|上年|去年|现有)?\s*的?基础上")
_SCOPE = re.compile(
    r"^(?:(?:各|每个)(?:区|县|市|州|乡镇|街道|地|级|类)?|每(?:区|县|市|州|乡镇|街道))(?:[（(][^)）]{1,8}[)）])?(?:均|都)?"
)
_PREFIX = re.compile(rf"^(?:{alternation(FILLER_PREFIXES)})")
# Suffixes as tuples, longest first: str.endswith is far cheaper than a regex anchored at $.
_SUFFIXES = tuple(sorted({word for word in FILLER_SUFFIXES if len(word) > 1}, key=len, reverse=True))
_SUFFIX_SET = frozenset(_SUFFIXES)
_SUFFIX_LENGTHS = tuple(sorted({len(word) for word in _SUFFIXES}, reverse=True))
_SUFFIX_CHARS = tuple({word for word in FILLER_SUFFIXES if len(word) == 1})
_EDGE = "、，,；;：:。 \t—-的和及与或等●•▪■◆◇○□·"
# Endings a one-character suffix must not be cut from: 签约 (约), 下达 (达), 人均, 平均 (均).
_KEEP_WHOLE = (*CUE_LOOKALIKES, "人均", "户均", "床均", "日均", "平均", "年均", "均衡")
_ROW_NUMBER = re.compile(r"^\s*\d{1,3}(?:\s+|\s*[.．、]\s*(?!\d))")  # "1 新建社区医院": a task table's row number
_PAREN_TAIL = re.compile(r"[（(][^()（）]*[)）]$")
_LEADING_CUE = re.compile(rf"^(?:{alternation([word for word, _ in PRE_CUES if len(word) > 1])})")
_ENUMERATION = "、和及与或"
# An object qualified by a clause (达到二级甲等水平的县级医院): the noun after 的 is the object.
_QUALIFIED_OBJECT = re.compile(rf"^(?:{alternation([word for word, _ in PRE_CUES if len(word) > 1])})[^，,；;。的]{{1,16}}的[\u4e00-\u9fff]{{2,}}$")
# 达到78岁（2020年为76.8岁）: a bracket opening with a year is a note, not the counted object.
_YEAR_BRACKET = re.compile(r"[（(]\s*(?:19|20)\d{2}\s*年")
_MONEY = frozenset(("元", "万元", "亿元"))
_RATES = frozenset(("%", "‰"))
# An age range qualifying the counted people: 1.82万35-64岁农村妇女 → 农村妇女.
_QUALIFIER = re.compile(r"^\s*\d+(?:\.\d+)?(?:\s*[-—~～至到]\s*\d+)?\s*(?:周岁|岁)(?:及以上|及以下|以上|以下)?")


def _compact(text: str) -> str:
    """Whitespace out, except between two Latin letters or digits."""
    return _SPACE.sub(lambda m: " " if _latin_pair(m) else "", text)


def _latin_pair(match: re.Match[str]) -> bool:
    before = match.string[match.start() - 1] if match.start() > 0 else ""
    after = match.string[match.end()] if match.end() < len(match.string) else ""
    return before.isascii() and before.isalnum() and after.isascii() and after.isalnum()


def _balanced(text: str) -> str:
    """Drop a dangling bracket at either end: "(博士" → "博士", "局)" → "局"."""
    opens, closes = text.count("(") + text.count("（"), text.count(")") + text.count("）")
    if closes > opens and text[-1:] in ")）":
        text = text[:-1]
    if opens > closes and text[:1] in "(（":
        text = text[1:]
    return text


def _strip_suffix(name: str) -> str:
    """The longest filler suffix off: one set lookup per suffix length, not a scan of all of them."""
    for length in _SUFFIX_LENGTHS:
        if name[-length:] in _SUFFIX_SET and len(name) > length - 1:
            return name[:-length]
    return name


def _stripped_prefix(name: str) -> str:
    """全市孕产妇死亡率 → 孕产妇死亡率; a name the prefix would leave one character of
    (推进会, 建设局) stays whole."""
    if len(name) <= 2:
        return name
    stripped = _PREFIX.sub("", name)
    return stripped if len(stripped) > 1 or stripped == name else name


def clean_indicator(text: str) -> str:
    """The name left when scope, time, cue and reaching words are stripped from ``text``."""
    name = _compact(_ROW_NUMBER.sub("", text))
    name = _TIME.sub("", _BASE_ON.sub("", name) if "基础上" in name else name)
    for _ in range(12):
        before = name
        name = name.strip(_EDGE)
        name = _SCOPE.sub("", name)
        name = _stripped_prefix(name)
        name = _strip_suffix(name)
        name = name[:-1] if len(name) > 2 and name.endswith(_SUFFIX_CHARS) and not name.endswith(_KEEP_WHOLE) else name
        name = _balanced(name.replace("（）", "").replace("()", ""))
        if name == before:
            break
    return name


def join_object(before: str, after: str, unit: str = "") -> tuple[str, bool]:
    """The indicator from the text around a number, and whether the object shape was used.

    ``after`` is the text following the quantity up to the next one (建成15个 →
    社区医院). When it is empty, only a predicate (100%全覆盖), a verb of reaching
    (76.2岁提高到…) or the start of the next item of a list (培训50名、村医…), the
    indicator is the text before.
    """
    raw = _compact(_QUALIFIER.sub("", after))
    obj = "" if raw[:1] in _ENUMERATION or _YEAR_BRACKET.match(raw) else _PAREN_TAIL.sub("", raw).strip(_EDGE).removeprefix("的")
    head = clean_indicator(before)
    if obj in PREDICATES:
        return head + (obj if obj not in _NOT_NAMES else ""), False
    built = _QUALIFIED_OBJECT.match(obj)
    if built and (not head or head in VERB_ONLY):
        return clean_indicator(obj), True  # 建成1家达到推荐标准的乡镇卫生院: what is built
    if obj and _LEADING_CUE.match(obj) and not head:
        return clean_indicator(obj), False  # 38个…达到基本标准、9个达到推荐标准
    if obj and not _LEADING_CUE.match(obj) and clean_indicator(obj):
        if head and unit in _MONEY:
            return head, False  # 投资1.5亿元建设新院区: the money is named before, the purpose follows
        if head and unit in _RATES:
            return clean_indicator(head + obj), True  # 二级以上医院100%开展预约诊疗
        written = _compact(before)
        verb = next((verb for verb in KEEP_VERBS if written.endswith(verb)), "") if written.endswith(KEEP_VERBS) else ""
        return clean_indicator(verb + obj), True
    return head, False


def split_subjects(text: str) -> list[str]:
    """A 分别 sentence's subjects: "孕产妇死亡率、婴儿死亡率和5岁以下儿童死亡率" → three names."""
    depth = 0
    parts: list[str] = []
    current: list[str] = []
    for at, char in enumerate(text):
        depth += (char in "(（《“") - (char in ")）》”")
        if depth == 0 and char in "、和及与" and text[at + 1:at + 3] not in ("以上", "以下"):  # 65岁及以上老年人
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [name for name in (clean_indicator(part) for part in parts) if name]
