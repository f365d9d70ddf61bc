"""Indicator tables flattened to text: 主要指标 | 2020年 | 2025年 | 属性.

A 十四五 plan's indicator table reaches plain text either one cell per line or one row
per line (cells split by tabs, bars or spaces). Both become one stream of cells. A
header names the value columns (2020年, 2025年, 基期值, 目标值); each row is a name cell
(人均预期寿命(岁)) followed by one value cell per column (77.39, ≥78.5, 27左右, —).
Each numeric cell is an item: the column's year is its deadline, a year before the
plan year makes it an actual (the base-year column), the cell's sign its comparator
and the bracket of the name its unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.analysis.numbers import normalise_digits, normalise_unit, parse_number
from monitor.analysis.outline import Block
from store.kinds import Comparator, TargetKind

__all__ = ["TableItem", "table_items"]

_COLUMN_WORDS = r"(?:目标值?|基期值?|基准值?|现状值?|基数|实际值?|预期值?|值)"
# 2025年, 2025年目标值, 基期值（2022年）, 2020年(现状值): brackets are dropped before matching.
_YEAR_COLUMN = re.compile(rf"^(?:{_COLUMN_WORDS}\s*)?(?P<year>(?:19|20)\d{{2}})\s*年?\s*{_COLUMN_WORDS}?$")
_HEADER_BRACKETS = re.compile(r"[()（）]")
_WORD_COLUMN = re.compile(r"^(?:目标值|规划目标|预期目标|基期值|基准值|现状值|基数|现状)$")
_ACTUAL_WORDS = re.compile(r"基期|基准|现状|基数|实际")
_HEADER_WORD = re.compile(r"^(?:类别|领域|序号|编号|指标|主要指标|指标名称|具体指标|单位|计量单位|指标属性|属性|性质|备注)$")
# A task table (序号 重点任务 目标值 完成时限): its rows are read as sentences, each with its 完成时限.
_TASK_COLUMN = re.compile(r"^(?:完成时限|时限|完成时间|时间节点|进度安排)$")
_ATTRIBUTE = re.compile(r"^(?:预期性|约束性|指导性|倡导性|预期|约束)$")
# A cell's own unit (when the row name has no bracket): ≥92%, 3.2人, 78.5岁.
_CELL_UNIT = r"%|‰|/10万|岁|人次|人|张|个|家|所|名|万元|亿元|元|天"
# A range: 85-90, 85—90, 85——90, 85~90, 85至90 (full-width － is normalised to -).
_VALUE = re.compile(
    rf"^(?P<sym>≥|≤|>|<|＞|＜|不低于|不少于|不高于|不超过|大于|小于|超过)?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>{_CELL_UNIT})?"
    rf"\s*(?:(?P<range>[-~～—–]{{1,2}}|至|到)\s*(?P<max>\d+(?:\.\d+)?)\s*(?P<unit2>{_CELL_UNIT})?)?\s*(?P<post>以上|以下|以内|左右|上下)?$"
)
_EMPTY = re.compile(r"^(?:[—\-－–/]+|无|暂无|持续\S{0,4}|稳步\S{0,4}|逐步\S{0,4}|逐年\S{0,4}|不断\S{0,4}|明显\S{0,4})$")
_NAME_UNIT = re.compile(r"^(?P<name>.+?)\s*[（(](?P<unit>[^()（）]{1,8})[)）]$")
_CELL_SPLIT = re.compile(r"\t+|\s*[|｜]\s*|\s+")
# Cells split by spaces; a range written with spaces (45 — 50) stays one cell.
_SPACED_CELL = re.compile(r"\d+(?:\.\d+)?\s*%?\s*(?:[-~～—–]{1,2}|至)\s*\d+(?:\.\d+)?\s*%?(?![\d.])|[^\s|｜]+")
# A row whose cells are split by single tabs or bars keeps its blank cells (2022年 not
# filled in): ``基层诊疗量占比\t%\t\t85~90`` has an empty third cell, not two cells.
_MARKED_SPLIT = re.compile(r"[ \u3000]*(?:\t|[|｜])[ \u3000]*")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SIGNS = {
    "≥": Comparator.GE, "不低于": Comparator.GE, "不少于": Comparator.GE, "≤": Comparator.LE,
    "不高于": Comparator.LE, "不超过": Comparator.LE, ">": Comparator.GT, "＞": Comparator.GT,
    "大于": Comparator.GT, "超过": Comparator.GT, "<": Comparator.LT, "＜": Comparator.LT, "小于": Comparator.LT,
    "以上": Comparator.GE, "以下": Comparator.LE, "以内": Comparator.LE, "左右": Comparator.APPROX,
    "上下": Comparator.APPROX,
}


@dataclass(frozen=True)
class TableItem:
    """One numeric cell of an indicator table, read."""

    block: int  # index of the block holding the row's name
    start: int  # the row in the original text (name to last value cell)
    end: int
    indicator: str
    value: float
    value_max: float | None
    unit: str
    cmp: Comparator
    deadline: int | None
    kind: TargetKind


@dataclass(frozen=True)
class _Cell:
    block: int
    start: int
    end: int
    text: str


def _cells(text: str, blocks: list[Block]) -> list[list[_Cell]]:
    """Runs of short, sentence-free blocks cut into cells (a prose paragraph ends a run)."""
    runs: list[list[_Cell]] = [[]]
    for index, block in enumerate(blocks):
        line = normalise_digits(text[block.start:block.end])
        if len(line) > 80 or re.search(r"[。；;]", line) or (len(line) > 30 and "，" in line):
            runs.append([])
            continue
        runs[-1].extend(_line_cells(line, index, block.start))
    return [run for run in runs if len(run) >= 4]


def _line_cells(line: str, index: int, start: int) -> list[_Cell]:
    """The cells of one line; inner blank cells kept when tabs or bars mark the cells."""
    marked = "\t" in line.strip() or bool(re.search(r"[|｜]", line))
    pieces = _MARKED_SPLIT.split(line.strip(" \u3000\t|｜")) if marked else _SPACED_CELL.findall(line)
    cells, pos = [], 0
    for piece in pieces:
        if marked and not piece.strip():
            cells.append(_Cell(index, start + pos, start + pos, ""))
            continue
        at = line.find(piece, pos) if piece else -1
        if piece and at >= 0:
            cells.append(_Cell(index, start + at, start + at + len(piece), piece))
            pos = at + len(piece)
    return cells


@dataclass(frozen=True)
class _Column:
    year: int | None
    actual: bool


def _year_column(text: str) -> re.Match[str] | None:
    return _YEAR_COLUMN.match(_HEADER_BRACKETS.sub("", text))


def _header(cells: list[_Cell], plan_year: int | None) -> tuple[int, list[_Column], bool] | None:
    """(index after the header, value columns, has a unit column) of the first header in ``cells``."""
    for first, cell in enumerate(cells):  # noqa: B007 (first is used after the loop)
        if _year_column(cell.text) or _WORD_COLUMN.match(cell.text):
            break
    else:
        return None
    columns, index, has_unit = [], first, any(c.text in ("单位", "计量单位") for c in cells[max(0, first - 6):first])
    while index < len(cells):
        text = cells[index].text
        if not text:  # a blank header cell (over a merged row name) names no column
            index += 1
            continue
        year_match = _year_column(text)
        if year_match:
            year = int(year_match.group("year"))
            actual = bool(_ACTUAL_WORDS.search(text)) or (plan_year is not None and year < plan_year)
            columns.append(_Column(year, actual))
        elif _WORD_COLUMN.match(text):
            columns.append(_Column(None, bool(_ACTUAL_WORDS.search(text))))
        elif not _HEADER_WORD.match(text):
            break
        has_unit = has_unit or text in ("单位", "计量单位")
        index += 1
    columns = [column for position, column in enumerate(columns) if not _groups_years(columns, position)]
    if plan_year is None and len(columns) > 1 and not any(column.actual for column in columns):
        columns = [_Column(column.year, position < len(columns) - 1) for position, column in enumerate(columns)]
    return index, columns, has_unit


def _groups_years(columns: list[_Column], position: int) -> bool:
    """现状值 目标值 over 2024年 2025年 2026年 (a two-row header): 目标值 only groups the
    years after it (no year before it, two or more right after)."""
    column, after = columns[position], columns[position + 1:position + 3]
    return (column.year is None and not column.actual and len(after) == 2 and all(c.year is not None for c in after)
            and not any(c.year is not None for c in columns[:position]))


def _is_value(text: str) -> bool:
    return not text or bool(_VALUE.match(text) or _EMPTY.match(text))


def _is_name(text: str) -> bool:
    return bool(_CJK.search(text)) and not _is_value(text) and not _ATTRIBUTE.match(text) and not _HEADER_WORD.match(text)


def _table_unit(written: str) -> str:
    """1/10万 and 分/10万 are /10万; 人/千人 and 张/千人口 are 人 and 张."""
    unit = normalise_unit(written)
    return unit if unit.startswith("/") else unit.split("/")[0]


def _split_name(name: str, unit_cell: str) -> tuple[str, str]:
    match = _NAME_UNIT.match(name)
    if match:
        return match.group("name"), _table_unit(match.group("unit"))
    return name, _table_unit(unit_cell)


def _row_items(cells: list[_Cell], at: int, columns: list[_Column], has_unit: bool, plan_year: int | None) -> list[TableItem]:
    name = cells[at]
    offset = at + 1 + (1 if has_unit else 0)
    values = cells[offset:offset + len(columns)]
    indicator, unit = _split_name(name.text, cells[at + 1].text if has_unit else "")
    items = []
    for column, cell in zip(columns, values, strict=False):
        match = _VALUE.match(cell.text)
        value = parse_number(match.group("num")) if match else None
        if match is None or value is None:
            continue
        high = parse_number(match.group("max")) if match.group("max") else None
        cmp = Comparator.RANGE if high is not None else _SIGNS.get(match.group("sym") or match.group("post") or "", Comparator.EQ)
        kind = TargetKind.ACTUAL if column.actual else TargetKind.TARGET
        year = column.year if column.year is not None else (plan_year - 1 if column.actual and plan_year else plan_year)
        items.append(TableItem(name.block, name.start, values[-1].end, indicator, value, high,
                               unit or match.group("unit") or match.group("unit2") or "", cmp, year, kind))
    return items


def _rows(cells: list[_Cell], start: int, columns: list[_Column], has_unit: bool, plan_year: int | None) -> tuple[list[TableItem], set[int]]:
    items: list[TableItem] = []
    used: set[int] = set()
    width = len(columns) + (1 if has_unit else 0)
    free = start  # the first cell not inside a row already read (a unit cell is no row name)
    for at in range(start, len(cells) - len(columns) + 1):
        if at < free or not _is_name(cells[at].text):
            continue
        span = cells[at + 1:at + 1 + width]
        values = span[1:] if has_unit else span
        row_columns = columns
        if len(values) != len(columns) or not all(_is_value(cell.text) for cell in values):
            if not _short_row(cells, at, len(columns), has_unit):
                continue
            row_columns, width = columns[1:], width - 1  # a blank cell the page dropped: the first column's
        after = cells[at + 1 + width] if at + 1 + width < len(cells) else None
        if after is not None and _VALUE.match(after.text) and not after.text.isdigit():
            continue  # more values than columns: not a row of this table
        items.extend(_row_items(cells, at, row_columns, has_unit, plan_year))
        used.update(cell.block for cell in cells[at:at + 1 + width])
        free = at + 1 + width
        width = len(columns) + (1 if has_unit else 0)
    return items, used


def _short_row(cells: list[_Cell], at: int, count: int, has_unit: bool) -> bool:
    """A row one value short (its blank base-year cell dropped by the page): the values it
    has are real values and the row ends right after them (an attribute or the next name)."""
    if count < 2:
        return False
    first = at + 1 + (1 if has_unit else 0)
    values = cells[first:first + count - 1]
    after = cells[first + count - 1] if first + count - 1 < len(cells) else None
    if len(values) == 1 and values[0].text.isdigit():
        return False  # 健康水平 | 1 | 人均预期寿命…: a category and the next row's number
    return (len(values) == count - 1 and all(_VALUE.match(cell.text) for cell in values)
            and (after is None or bool(_ATTRIBUTE.match(after.text)) or _is_name(after.text)))


def table_items(text: str, blocks: list[Block], plan_year: int | None) -> tuple[list[TableItem], set[int]]:
    """Items of every indicator table in ``text``, and the blocks the tables occupy."""
    items: list[TableItem] = []
    used: set[int] = set()
    for run in _cells(text, blocks):
        header = _header(run, plan_year)
        if header is None or not header[1]:
            continue
        start, columns, has_unit = header
        if any(_TASK_COLUMN.match(cell.text) for cell in run[:start + 3]):
            continue
        found, rows = _rows(run, start, columns, has_unit, plan_year)
        if found:
            items.extend(found)
            used.update(rows)
            used.update(cell.block for cell in run[:start])
            used.update(cell.block for cell in run[start:] if _ATTRIBUTE.match(cell.text) or cell.text.isdigit()
                        or _HEADER_WORD.match(cell.text))
    return items, used
