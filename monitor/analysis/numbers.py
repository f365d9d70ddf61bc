"""Number spans in Chinese plan text, normalised to floats.

:func:`find_quantities` finds every written number with what makes it a quantity:
Arabic and full-width digits, Chinese numerals (read by cn2an in smart mode, and only
on the span this module's regex isolated — never ``cn2an.transform`` on whole text,
which rewrites 一带一路 into 1带1路), 万/亿 multipliers, 百分之九十, ranges (1-2个,
3至5家, 3～5), the unit, 余/多 between number and unit and a cue right after it
(以上, 以内, 左右). Each quantity also says whether a trap of ``cues.TRAPS`` covers it
(a year, a document number, an age qualifying a population, a slogan in quotes…).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import cn2an

from monitor.analysis.cues import (
    CN_DIGITS,
    CN_UNITS,
    POST_CUES,
    STRONG_UNITS,
    TRAPS,
    UNIT_ALIASES,
    WEAK_UNITS,
    alternation,
)

__all__ = [
    "FULLWIDTH",
    "Quantity",
    "find_quantities",
    "has_number",
    "normalise_digits",
    "normalise_unit",
    "parse_number",
    "trap_spans",
]

# Same-length mapping, so offsets in the normalised text are offsets in the original.
FULLWIDTH: dict[int, int] = str.maketrans("０１２３４５６７８９．％＋－／：～\u3000", "0123456789.%+-/:~ ")

_FULLWIDTH_CHARS: dict[str, str] = {chr(code): chr(ascii_) for code, ascii_ in FULLWIDTH.items()}
_HAS_FULLWIDTH = re.compile("[" + re.escape("".join(chr(code) for code in FULLWIDTH)) + "]")
_CN_RUN = rf"[{CN_DIGITS}]+(?:点[零〇一二三四五六七八九]+)?"
_NUMBER = re.compile(
    rf"(?P<per>百分之|千分之|十万分之|万分之)\s*(?P<pct>\d+(?:\.\d+)?|{_CN_RUN})"
    r"|(?<![\d.])(?P<ar>\d{1,3}(?:,\d{3})+(?=\s*(?:万|亿|%|[\u4e00-\u9fff]))|\d+(?:\.\d+)?)(?![\d])"
    rf"|(?P<cn>(?<![{CN_DIGITS}])[一二两三四五六七八九十百千][{CN_DIGITS}]*(?:点[零〇一二三四五六七八九]+)?)"
    r"|(?<=[为是至到])(?P<zero>零)(?=\s*(?:[，,。；;！!]|$))"
)
# Cheap tests before the real work: a digit, 百分之, 零, or a Chinese numeral with a unit.
_DIGIT = re.compile(r"\d")
_SPACES = re.compile(r"\s+")
_CN_AMOUNT = re.compile(rf"[一二两三四五六七八九十百千][{CN_DIGITS}]*\s*(?:余|多)?\s*(?:{alternation(CN_UNITS)}|万|亿)")
_PER = r"分?\s*/\s*(?:10\s*万|十万|100000)人?|/\s*万人?|/\s*千人?|/\s*百人?"
_UNITS = alternation(
    [*STRONG_UNITS, *WEAK_UNITS, *(written for written, _ in UNIT_ALIASES if not written.startswith(("/", "分/")))]
)
_TAIL = re.compile(
    r"\s*(?P<mult>万(?!元)|亿(?!元))?"
    r"\s*(?P<infix>余|多)?"
    rf"\s*(?P<unit>{_PER}|{_UNITS})?"
)
_POST = re.compile(rf"\s*(?P<post>{alternation([word for word, _ in POST_CUES if word not in ('余', '多')])})?")
_RANGE_SEP = re.compile(r"\s*(?:-|—|–|~|～|至|到)\s*")
_ALIASES = dict(UNIT_ALIASES)
_WEAK = frozenset(WEAK_UNITS)
_MULTIPLIERS = {"万": 1e4, "亿": 1e8}
# 百分之九十 → 90 %, 千分之五 → 5 ‰, 十万分之十二 → 12 /10万.
_PER_WORDS = {"百分之": "%", "千分之": "‰", "十万分之": "/10万", "万分之": "/万"}


@dataclass(frozen=True)
class Quantity:
    """A number as written, with its unit, the cues glued to it and any trap covering it."""

    start: int  # the whole quantity: number(s), unit and post-cue
    end: int
    num_start: int  # the first number alone
    num_end: int
    value: float
    value_max: float | None  # upper end of a range
    unit: str  # normalised unit ("" when none)
    multiplied: bool  # 1.82万 → 18200 (a 万/亿 multiplier applied)
    chinese: bool  # written in Chinese numerals (两期, 十五家)
    infix: str  # 余 / 多 between number and unit
    post: str  # cue right after the unit: 以上, 以下, 以内, 左右 …
    trap: str | None  # name of the cues.TRAPS row covering the number, if any

    @property
    def weak(self) -> bool:
        """A unit of time: a quantity only after a level cue (控制在9天以内)."""
        return self.unit in _WEAK

    @property
    def is_range(self) -> bool:
        return self.value_max is not None


def has_number(text: str) -> bool:
    """A cheap test: could ``text`` hold a quantity at all (a digit, 百分之, 零, 三个…)?"""
    if _DIGIT.search(text) or "分之" in text or "零" in text:
        return True
    return _CN_AMOUNT.search(text) is not None


def normalise_digits(text: str) -> str:
    """Full-width digits and signs as ASCII; same length as ``text``.

    A regex substitution of the few characters present, not ``str.translate``: Chinese
    text always holds some (：, the ideographic space), and translate walks every
    character in Python's slow path (10x slower on a 30 KB plan).
    """
    return _HAS_FULLWIDTH.sub(_ascii_of, text)


def _ascii_of(match: re.Match[str]) -> str:
    return _FULLWIDTH_CHARS[match.group()]


@functools.lru_cache(maxsize=4096)
def parse_number(written: str) -> float | None:
    """One number as written → float: "7.86", "１２", "两", "十五", "1.82万", "百分之九十"."""
    text = normalise_digits(written).strip().replace(",", "")
    if text.startswith("百分之"):
        text = text[3:].strip()
    multiplier = 1.0
    if text[-1:] in _MULTIPLIERS and len(text) > 1 and text[-2].isdigit():
        multiplier, text = _MULTIPLIERS[text[-1]], text[:-1]
    try:
        value = float(text) if re.fullmatch(r"\d+(?:\.\d+)?", text) else float(cn2an.cn2an(text, "smart"))
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    value *= multiplier
    return value if math.isfinite(value) else None


def normalise_unit(written: str | None) -> str:
    """A unit as the store keeps it: 个百分点 → 百分点, 分/10万 → /10万, 周岁 → 岁 ("" for None)."""
    if not written:
        return ""
    compact = _SPACES.sub("", written)
    if compact.startswith(("/", "分/", "1/")):  # 1/10万 in a table's unit column is /10万
        compact = compact.removeprefix("分").removeprefix("1")
        if compact.startswith(("/10万", "/十万", "/100000")):
            return "/10万"
        return _ALIASES.get(compact, compact)
    return _ALIASES.get(compact, compact)


def trap_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, trap name) of every trap match in normalised ``text``."""
    spans: list[tuple[int, int, str]] = []
    for trap in TRAPS:
        spans.extend((match.start(), match.end(), trap.name) for match in trap.pattern.finditer(text) if match.end() > match.start())
    return spans


def _trap_at(text: str, start: int, end: int) -> str | None:
    """Name of the first trap whose match overlaps text[start:end].

    Each trap is searched only in its own small window around the number (its
    ``before``/``after`` reach), which keeps this cheap on long paragraphs.
    """
    for trap in TRAPS:
        low, high = max(0, start - trap.before), min(len(text), end + trap.after)
        if trap.hint is not None and not trap.hint.search(text, low, high):
            continue
        for match in trap.pattern.finditer(text, low, high):
            if match.start() >= end:
                break
            if match.end() > start and match.end() > match.start():
                return trap.name
    return None


@dataclass
class _Number:
    start: int
    end: int
    value: float
    chinese: bool
    per_unit: str  # the unit a 百分之/千分之 word gives ("" when none)


def _number_at(text: str, pos: int) -> _Number | None:
    match = _NUMBER.match(text, pos)
    if match is None:
        return None
    if match.group("zero"):
        return _Number(match.start(), match.end(), 0.0, True, "")
    if match.group("cn"):
        tail = _TAIL.match(text, match.end())
        if tail is None or not (tail.group("unit") or tail.group("mult")):
            return None  # 一体化, 十四五: a Chinese numeral without a unit is a word (cn2an not called)
    written = match.group("pct") or match.group("ar") or match.group("cn")
    value = parse_number(written)
    if value is None:
        return None
    per_unit = _PER_WORDS[match.group("per")] if match.group("per") else ""
    return _Number(match.start(), match.end(), value, match.group("cn") is not None, per_unit)


def _tail(text: str, number: _Number) -> tuple[int, float, str, bool, str]:
    """(end, value, unit, multiplied, infix) after a number: 1.82万人次 → 18200 人次."""
    tail = _TAIL.match(text, number.end)
    assert tail is not None  # every group is optional
    value, multiplied = number.value, False
    if tail.group("mult"):
        value, multiplied = value * _MULTIPLIERS[tail.group("mult")], True
    unit = number.per_unit or normalise_unit(tail.group("unit"))
    end = number.end if not (tail.group("mult") or tail.group("infix") or tail.group("unit")) else tail.end()
    return end, value, unit, multiplied, tail.group("infix") or ""


def _quantity(text: str, number: _Number) -> Quantity | None:
    end, value, unit, multiplied, infix = _tail(text, number)
    if number.chinese and not unit and number.value != 0:
        return None  # 一体化, 十四五: Chinese numerals without a unit are words
    value_max: float | None = None
    separator = _RANGE_SEP.match(text, end)
    if separator and not infix:
        second = _number_at(text, separator.end())
        if second is not None and second.chinese == number.chinese:
            end2, value2, unit2, _, _ = _tail(text, second)
            if (not unit or unit == unit2) and value2 > value:
                value_max, unit, end = value2, unit2 or unit, end2
    post = _POST.match(text, end)
    post_word = post.group("post") if post and post.group("post") else ""
    if post_word == "内" and unit not in _WEAK:
        post_word = ""
    stop = post.end() if post_word and post else end
    return Quantity(
        start=number.start, end=stop, num_start=number.start, num_end=number.end, value=value,
        value_max=value_max, unit=unit, multiplied=multiplied, chinese=number.chinese, infix=infix,
        post=post_word, trap=_trap_at(text, number.start, number.end),
    )


def find_quantities(text: str) -> list[Quantity]:
    """Every number of ``text`` with its unit, range, cues and trap, in text order.

    ``text`` may carry full-width digits; offsets refer to ``text`` as given.
    """
    normal = normalise_digits(text)
    if not has_number(normal):
        return []
    found: list[Quantity] = []
    pos = 0
    while True:
        match = _NUMBER.search(normal, pos)
        if match is None:
            return found
        number = _number_at(normal, match.start())
        quantity = _quantity(normal, number) if number is not None else None
        if quantity is not None:
            found.append(quantity)
            pos = max(quantity.end, match.end())
        else:
            pos = match.end()
