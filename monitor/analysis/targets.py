"""Quantitative targets (and reported actuals) in Chinese plan text.

This module is the contract the pipeline, the differ and the digest build on:
:class:`ExtractedTarget` and :func:`extract_targets`. It walks the paragraphs of the
outline (page chrome dropped, wrapped lines joined), reads each sentence
(``sentences.read_sentence``: quantities, comparator, indicator) and adds what needs
the document: the deadline (到2025年, the heading's year, 年内 → plan year), target
or actual (a 工作回顾 section, 已/累计/较上年, a past year) and the responsible units
(牵头单位/责任单位). The rules are the tables of ``cues.py``.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import Any

from monitor.analysis.cues import (
    BRACKET_VALUE,
    BRACKET_YEAR,
    FUTURE_CUES,
    PAST_CUES,
    PAST_OPENERS,
    PLAN_HEADINGS,
    REPORTED_CHANGE,
    RESPONSIBLE_LABELS,
    REVIEW_HEADINGS,
    YEAR_LIST,
)
from monitor.analysis.numbers import has_number, normalise_digits
from monitor.analysis.outline import Block, Outline, build_outline
from monitor.analysis.planmeta import (
    detect_doc_type,
    detect_plan_horizon,
    detect_plan_year,
    title_from_text,
)
from monitor.analysis.reported import clause_of, is_shortfall, starting_level
from monitor.analysis.sentences import Reading, list_groups, read_sentence
from monitor.analysis.tables import TableItem, table_items
from monitor.analysis.yearmarks import (
    FORWARD_RULES,
    Mark,
    is_forward,
    looks_ahead,
    may_name_a_year,
    year_marks,
)
from store.kinds import Comparator, TargetKind

__all__ = ["ExtractedTarget", "extract_targets"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractedTarget:
    """One written quantity a plan commits to (target) or reports as reached (actual)."""

    indicator: str  # short noun phrase as written: 每千人口医疗卫生机构床位数
    value: float  # normalised: 1.82万 -> 18200.0, 三 -> 3.0, 百分之九十 -> 90.0
    value_max: float | None  # upper end of a range (3至5家 -> 3, 5, cmp "range")
    unit: str  # as written: %, ‰, /10万, 岁, 张, 个, 家, 人次, 百分点, 万元 ...
    cmp: Comparator
    deadline: int | None  # year
    kind: TargetKind
    sentence: str  # an exact substring of the text given to extract_targets
    section: str  # section path, headings joined with " > "
    responsible: str | None = None  # 牵头单位/责任单位 text when named

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; enums as their string values."""
        return {
            "indicator": self.indicator,
            "value": self.value,
            "value_max": self.value_max,
            "unit": self.unit,
            "cmp": self.cmp.value,
            "deadline": self.deadline,
            "kind": self.kind.value,
            "sentence": self.sentence,
            "section": self.section,
            "responsible": self.responsible,
        }


_BRACKET = re.compile(r"[()（）]")
_PROSE = re.compile(r"[。；！？]")
_HAS_LABEL = re.compile(r"单位|处室|部门|科室|责任人")
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]*")
_RESPONSIBLE_OPEN = re.compile(rf"[（(]\s*(?:{RESPONSIBLE_LABELS.pattern})\s*[:：]")
_RESPONSIBLE_LINE = re.compile(rf"^\s*(?:{RESPONSIBLE_LABELS.pattern})\s*[:：]")


@dataclass
class _Document:
    text: str
    normal: str
    plan_year: int | None
    horizon: int | None  # last year of a multi-year plan (十四五 → 2025)
    review_doc: bool  # a 工作总结: what it reports is actual unless a section plans

    def default_year(self, kind: TargetKind) -> int | None:
        """The year of an item no sentence or heading dates."""
        if kind is TargetKind.TARGET:
            if self.review_doc and self.plan_year is not None:
                return self.plan_year + 1  # 下一步工作打算 of a 2023年工作总结 plans 2024
            return self.horizon or self.plan_year
        if self.plan_year is None:
            return None
        return self.plan_year if self.review_doc else self.plan_year - 1


def _document(text: str, plan_year: int | None, title: str | None = None) -> _Document:
    title = title if title and detect_doc_type(title) else title_from_text(text)
    if plan_year is None:
        plan_year = detect_plan_year(title, text)
    kind = detect_doc_type(title)
    # A plan's period comes from a title line, never from a sentence citing another plan.
    horizon = detect_plan_horizon(title) if kind and not _PROSE.search(title) else None
    return _Document(text, normalise_digits(text), plan_year, horizon, kind == "工作总结")


def _responsible_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) of each (牵头单位:…;责任单位:…) parenthetical, nested brackets allowed."""
    spans: list[tuple[int, int]] = []
    for match in _RESPONSIBLE_OPEN.finditer(body):
        if spans and match.start() < spans[-1][1]:
            continue
        depth, end = 0, len(body)
        for bracket in _BRACKET.finditer(body, match.start()):
            depth += 1 if bracket.group() in "(（" else -1
            if depth == 0:
                end = bracket.end()
                break
        spans.append((match.start(), end))
    return spans


def _compact(text: str) -> str:
    return " ".join(text.split()).strip("()（）")


def _responsible(doc: _Document, block: Block, following: Block | None) -> tuple[str, str | None]:
    """The block's text with responsible parentheticals blanked, and the responsible text."""
    body = doc.normal[block.body_start:block.end]
    spans = _responsible_spans(body) if _HAS_LABEL.search(body) else []
    names = [_compact(doc.text[block.body_start + start:block.body_start + end]) for start, end in spans]
    for start, end in spans:
        body = body[:start] + " " * (end - start) + body[end:]
    if _RESPONSIBLE_LINE.match(body):
        return " " * len(body), None
    if not names and following is not None:
        after = doc.normal[following.body_start:following.end]
        if _RESPONSIBLE_LINE.match(after):
            names = [_compact(doc.text[following.body_start:following.end])]
    if not names:
        inherited = _section_responsible(block.path)
        names = [inherited] if inherited else []
    return body, "；".join(names) or None


@functools.lru_cache(maxsize=512)
def _section_responsible(path: tuple[str, ...]) -> str | None:
    """九、…（牵头处室：规划信息处）: a heading's responsible office covers its section."""
    for title in reversed(path):
        found = _responsible_spans(title)
        if found:
            return _compact(title[found[0][0]:found[0][1]])
    return None


@functools.lru_cache(maxsize=512)
def _heading_context(path: tuple[str, ...], plan_year: int | None) -> tuple[str | None, int | None]:
    """("review" | "plan" | None, year) from the innermost headings that say so."""
    kind: str | None = None
    year: int | None = None
    for title in reversed(path):
        if kind is None:
            kind = "review" if REVIEW_HEADINGS.search(title) else "plan" if PLAN_HEADINGS.search(title) else None
        if year is None:
            marks = year_marks(title, plan_year)
            year = marks[0].year if marks else None
    return kind, year


@dataclass
class _Context:
    """What governs a block's sentences: section kind and year, the carried year."""

    section_kind: str | None
    section_year: int | None
    carried: Mark | None
    year_list: tuple[int, ...] = ()  # 到2022年和2030年: the years a paragraph's lists are read against


def _kind(doc: _Document, sentence: str, reading: Reading, mark: Mark | None, context: _Context) -> TargetKind:
    head = sentence[: reading.start]
    if mark is not None and doc.plan_year is not None and mark.year < doc.plan_year:
        return TargetKind.ACTUAL
    if FUTURE_CUES.search(head) or (mark is not None and is_forward(mark, doc.plan_year)):
        return TargetKind.TARGET
    if PAST_CUES.search(clause_of(sentence, reading)) or PAST_OPENERS.search(head):
        return TargetKind.ACTUAL
    if REPORTED_CHANGE.search(sentence):
        return TargetKind.ACTUAL
    if context.section_kind is not None:
        return TargetKind.ACTUAL if context.section_kind == "review" else TargetKind.TARGET
    return TargetKind.ACTUAL if doc.review_doc else TargetKind.TARGET


def _governing(marks: list[Mark], reading: Reading, context: _Context, spent: set[int]) -> Mark | None:
    """The year before the reading (2020年的 only for the first number after it), else after it.

    A 2020年的 after the reading belongs to the number it introduces (…提高到78岁；床位数由2020年的
    6.9张…): it never dates what came before it.
    """
    before = [mark for mark in marks if mark.pos < reading.start and not (mark.rule == "year-of" and mark.pos in spent)]
    if before:
        return before[-1]
    after = [mark for mark in marks if mark.pos >= reading.end and mark.rule != "year-of"]
    return after[0] if after else context.carried


def _bracket_value(sentence: str, readings: list[Reading], index: int) -> Mark | None:
    """8.5天（2020年为9.2天）: the value stated inside a bracket for a year is that year's actual."""
    reading = readings[index]
    start = readings[index - 1].end if index > 0 else 0
    found = BRACKET_VALUE.search(sentence, start, reading.start)
    return Mark(found.start("year"), int(found.group("year")), "by-year") if found else None


def _bracket_year(sentence: str, reading: Reading) -> Mark | None:
    """3.1人（2020年）: the year in brackets right after a value is that value's year."""
    found = BRACKET_YEAR.match(sentence, reading.end)
    return Mark(found.start("year"), int(found.group("year")), "by-year") if found else None


def _years_for_lists(sentence: str, readings: list[Reading], context: _Context) -> dict[int, Mark]:
    """到2022年和2030年…分别不低于22%和30%: the n-th number of a list takes the n-th year.

    The year list is the sentence's own or the last one its paragraph named; a list of
    as many numbers as years (joined by 和/、) is read in order.
    """
    listed = YEAR_LIST.search(sentence)
    if listed is not None:
        years = tuple(int(year) for year in re.findall(r"(?:19|20)\d{2}", listed.group("years")))
        context.year_list = years
    years = context.year_list
    if not years:
        return {}
    paired: dict[int, Mark] = {}
    for group in list_groups(sentence, readings):
        if len(group) == len(years):
            paired.update({index: Mark(readings[index].start, year, "by-year") for index, year in zip(group, years, strict=True)})
    return paired


def _sentence_targets(doc: _Document, block: Block, span: tuple[int, int], body: str,
                      context: _Context, responsible: str | None) -> list[ExtractedTarget]:
    sentence = body[span[0]:span[1]]
    readings = read_sentence(sentence)
    marks = year_marks(sentence, doc.plan_year)
    by_year = _years_for_lists(sentence, readings, context)
    spent: set[int] = set()
    dated = [_bracket_year(sentence, reading) for reading in readings]
    owned = {mark.pos for mark in dated if mark is not None}
    free = [mark for mark in marks if mark.pos not in owned]  # 3.1人（2020年）提高到3.8人: 2020 is 3.1's
    found = []
    for index, reading in enumerate(readings):
        in_bracket = _bracket_value(sentence, readings, index)
        mark = in_bracket or dated[index] or by_year.get(index) or _governing(free, reading, context, spent)
        if mark is not None and mark.rule == "year-of":
            spent.add(mark.pos)  # 由2020年的78.1岁提高到80岁: 2020 dates 78.1 only
        start = starting_level(sentence, reading)
        if in_bracket is not None:
            kind = TargetKind.ACTUAL
        elif start is not None:
            kind = TargetKind.ACTUAL
            if start is not True and not (mark is not None and mark.rule == "year-of"):
                mark = Mark(reading.start, int(start), "year-of")  # 从2020年的 is masked as a baseline: its year
            mark = mark if mark is not None and mark.rule == "year-of" else None  # 由2015年的76.2岁 keeps 2015
        else:
            kind = _kind(doc, sentence, reading, mark, context)
        if is_shortfall(sentence, reading, kind):
            continue
        if kind is TargetKind.ACTUAL and mark is not None and mark.pos >= reading.end and looks_ahead(mark):
            mark = None  # 已建成12家，年内再新建3家: 年内 dates what follows, not the report before it
        in_review = context.section_kind == "review" or doc.review_doc
        reviewed = context.section_year or doc.default_year(TargetKind.ACTUAL)
        if (mark is not None and mark.rule == "relative" and kind is TargetKind.ACTUAL and in_review
                and (reviewed is None or mark.year >= reviewed)):
            mark = None  # 全年 in a review is the reviewed year, not the plan's (上年 stays the year before)
        year = mark.year if mark is not None else context.section_year or doc.default_year(kind)
        original = doc.text[block.body_start + span[0]:block.body_start + span[1]].strip()
        found.append(ExtractedTarget(
            indicator=reading.indicator, value=reading.value, value_max=reading.value_max, unit=reading.unit,
            cmp=reading.cmp, deadline=year, kind=kind, sentence=original, section=" > ".join(block.path),
            responsible=responsible,
        ))
    forward = [mark for mark in marks if mark.rule in FORWARD_RULES or mark.rule in ("year-opening", "year-verb")]
    if forward:
        context.carried = forward[-1]
    return found


# A "sentence" longer than this (a page without punctuation) is read in pieces of at most
# this many characters, cut after a comma where there is one and never inside a number.
# Read whole, one of 24,000 characters took 33 s (every number looks back over all of it)
# and each of its 1,800 targets quoted all of it: a 43 MB archive page. Real plan
# sentences stay under ~170 characters (answer key, seeds), so they are never cut.
MAX_SENTENCE_CHARS = 300
_CUT_AFTER = re.compile(r"[，,；;、：:\s]")
_NUMBER_CHARS = frozenset("0123456789.%/．％０１２３４５６７８９")


def _inside_number(body: str, cut: int) -> bool:
    return body[cut - 1] in _NUMBER_CHARS and body[cut] in _NUMBER_CHARS


def _pieces(body: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """The sentence at ``span`` in pieces of at most :data:`MAX_SENTENCE_CHARS`."""
    start, end = span
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        limit, floor = start + MAX_SENTENCE_CHARS, start + MAX_SENTENCE_CHARS // 2
        cut = max((m.end() for m in _CUT_AFTER.finditer(body, floor, limit)), default=limit)
        while cut > floor and _inside_number(body, cut):
            cut -= 1
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def _block_targets(doc: _Document, block: Block, following: Block | None, carried: Mark | None) -> tuple[list[ExtractedTarget], Mark | None]:
    text = doc.normal[block.body_start:block.end]
    if not has_number(text) and not may_name_a_year(text):
        return [], carried  # no number and no year: nothing to read, nothing to carry
    body, responsible = _responsible(doc, block, following)
    section_kind, section_year = _heading_context(block.path, doc.plan_year)
    context = _Context(section_kind, section_year, carried)
    found: list[ExtractedTarget] = []
    for match in _SENTENCE.finditer(body):
        for span in _pieces(body, match.span()):
            sentence = body[span[0]:span[1]]
            if has_number(sentence) or may_name_a_year(sentence):
                found.extend(_sentence_targets(doc, block, span, body, context, responsible))
    passed = context.carried if context.carried is not None and context.carried.rule in FORWARD_RULES else carried
    return found, passed


def _table_target(doc: _Document, item: TableItem, block: Block) -> ExtractedTarget:
    return ExtractedTarget(
        indicator=item.indicator, value=item.value, value_max=item.value_max, unit=item.unit, cmp=item.cmp,
        deadline=item.deadline, kind=item.kind, sentence=doc.text[item.start:item.end], section=" > ".join(block.path),
    )


def extract_targets(text: str, *, plan_year: int | None = None, outline: Outline | None = None,
                    title: str | None = None) -> list[ExtractedTarget]:
    """Every target and actual in ``text``, in text order; never raises on any str.

    ``plan_year`` is the year the plan is for (年内 and undated items of a 工作要点
    take it); when None it is read from the text's title and opening. ``title`` is the
    page's own title when the caller knows it (a crawled page's body does not repeat
    it; a review must not be taken for a plan from one of its headings). ``outline``
    is ``build_outline(text)`` when the caller has it already (the pipeline stores
    it with the version), so the text is not split twice.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    doc = _document(text, plan_year, title)
    blocks = (outline if outline is not None else build_outline(text)).blocks
    try:
        rows, in_tables = table_items(text, blocks, doc.plan_year)
    except Exception:  # a malformed table must not cost the document its sentences
        log.exception("indicator table reading failed")
        rows, in_tables = [], set()
    found: list[ExtractedTarget] = []
    carried: Mark | None = None
    carried_path: tuple[str, ...] = ()
    for index, block in enumerate(blocks):
        found.extend(_table_target(doc, item, block) for item in rows if item.block == index)
        if index in in_tables:
            continue
        if carried is not None and block.path[: len(carried_path)] != carried_path:
            carried = None
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        try:
            targets, passed = _block_targets(doc, block, following, carried)
        except Exception:  # one odd paragraph must not cost the document its targets
            log.exception("target extraction failed on a paragraph at offset %d", block.start)
            continue
        if passed is not carried and block.path:
            carried, carried_path = passed, block.path
        found.extend(targets)
    return found
