"""The section tree of a plan from its numbering: 一、 (一) 1. （1） ① and 一是/二是.

Plans number their sections in a handful of styles (:data:`NUMBERING`). Which style
is the top level differs between documents (a 工作要点 may start at (一)), so a style's
level is the order in which it first appears under its parent, the way a reader sees
it. Page chrome lines are dropped (``chrome.is_chrome_line``), and lines a capture
hard-wrapped mid-sentence are joined again into one paragraph (:class:`Block`),
keeping offsets into the original text so a sentence is always a substring of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from monitor.analysis.chrome import is_chrome_line

__all__ = ["NUMBERING", "Block", "NumberingStyle", "Outline", "Section", "build_outline", "match_numbering"]

_CN = "一二三四五六七八九十百零〇两"


class NumberingStyle(NamedTuple):
    name: str
    pattern: re.Pattern[str]  # matches the marker at the start of a stripped line


def _style(name: str, pattern: str) -> NumberingStyle:
    return NumberingStyle(name, re.compile(pattern))


# Tried in order; the first that matches a line's start names its style.
NUMBERING: tuple[NumberingStyle, ...] = (
    _style("chapter", rf"^第[{_CN}\d]{{1,4}}(?:章|部分|篇)\s*"),
    _style("article", rf"^第[{_CN}\d]{{1,4}}条\s*"),
    _style("cn-comma", rf"^[{_CN}]{{1,4}}\s*[、．.]\s*"),
    _style("cn-paren", rf"^[（(]\s*[{_CN}]{{1,4}}\s*[)）]\s*[、.．]?\s*"),
    _style("arabic-dot", r"^\d{1,3}\s*[.．、](?![\d０-９])\s*|^\d{1,2}\s*[.．](?=\d{1,3}\s*周?岁)"),
    _style("arabic-paren", r"^[（(]\s*\d{1,3}\s*[)）]\s*[、.．]?\s*"),
    _style("arabic-half-paren", r"^\d{1,3}\s*[)）]\s*"),
    _style("circled", r"^[①-⑳]\s*"),
)

# The first character of every numbering style (a cheap test before the table).
_MAY_BE_NUMBERED = re.compile(rf"[第{_CN}\d（(①-⑳]")
_ENUM_ITEM = re.compile(rf"(?:^|(?<=[。；;，,：:]))\s*([{_CN}]{{1,3}}是)")
_SENTENCE_END = "。！？!?"
_JOIN_AFTER = "、，,；;：:（(—-"
_CLOSERS = "。！？!?；;”’）)」』】"
# Words a heading cannot end with: the sentence goes on on the next line.
_DANGLING = re.compile(r"(?:达到|达|为|在|控制在|提高到|提升至|降至|不低于|不超过|超过|和|及|与|的|对|将|把|从|由|向|至|到|等)$")
_TITLE_END = re.compile(r"(?:要点|方案|通知|意见|计划|规划|办法|细则|报告|总结|回顾|目标|任务|要求|措施|保障)$")
_HEADING_MAX = 40
_LINE = re.compile(r"[^\n\r]+")
_SENTENCE_CUT = re.compile(r"[。；;！？!?]")
_CLAUSE_CUT = re.compile(r"[，,]")
# A table row flattened to text (tabs, bars, wide gaps, or short space-separated cells): never joined.
_TABULAR = re.compile(r"\t|[|｜]|\S {2,}\S|^[^\s，,。；;]{1,24}(?:[ \u3000]+[^\s，,。；;]{1,24}){2,}$")
_SPACES = re.compile(r"\s+")


def match_numbering(line: str) -> tuple[str, str] | None:
    """(style name, marker as written) when ``line`` starts with a section number."""
    if not _MAY_BE_NUMBERED.match(line):
        return None
    for style in NUMBERING:
        match = style.pattern.match(line)
        if match and match.end() < len(line):
            return style.name, match.group().strip()
    return None


@dataclass
class Section:
    """A numbered heading, the paragraphs directly under it and its subsections."""

    heading: str
    number: str
    level: int
    style: str
    start: int = 0  # offset of the heading line in the text
    paragraphs: list[str] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    @property
    def title(self) -> str:
        """Number and heading, the way the section is named in a path."""
        return f"{self.number}{self.heading}"

    def to_json(self) -> dict[str, Any]:
        return {
            "heading": self.heading,
            "number": self.number,
            "level": self.level,
            "paragraphs": list(self.paragraphs),
            "children": [child.to_json() for child in self.children],
        }


@dataclass(frozen=True)
class Block:
    """A paragraph of plan text: offsets into the original text and its section path."""

    start: int  # first character of the paragraph (its number marker included)
    body_start: int  # first character after the number marker
    end: int
    path: tuple[str, ...]  # titles of the enclosing sections, outermost first
    is_heading: bool  # the block is a section's heading line


@dataclass
class Outline:
    """The tree (for storage and display) and the paragraphs in text order (for analysis)."""

    preamble: list[str]
    sections: list[Section]
    blocks: list[Block]

    def to_json(self) -> list[dict[str, Any]]:
        """JSON-ready tree; text before the first heading is a level-0 node without heading."""
        nodes = [section.to_json() for section in self.sections]
        if self.preamble:
            nodes.insert(0, {"heading": "", "number": "", "level": 0, "paragraphs": list(self.preamble), "children": []})
        return nodes

    def walk(self) -> Iterator[Section]:
        """Every section, depth first."""
        stack = list(reversed(self.sections))
        while stack:
            section = stack.pop()
            yield section
            stack.extend(reversed(section.children))


class _Line(NamedTuple):
    start: int
    end: int
    text: str
    numbering: tuple[str, str] | None


def _lines(text: str) -> list[_Line]:
    """Non-blank, non-chrome lines with their offsets (leading/trailing spaces excluded)."""
    lines: list[_Line] = []
    for match in _LINE.finditer(text):
        raw = match.group()
        stripped = raw.strip()
        if not stripped or is_chrome_line(stripped):
            continue
        start = match.start() + (len(raw) - len(raw.lstrip()))
        lines.append(_Line(start, start + len(stripped), stripped, match_numbering(stripped)))
    return lines


def _item_styles(lines: list[_Line]) -> set[str]:
    """Styles whose lines are mostly whole sentences (items), not headings."""
    counts: dict[str, list[int]] = {}
    for line in lines:
        if line.numbering:
            tally = counts.setdefault(line.numbering[0], [0, 0])
            tally[0] += 1
            tally[1] += any(mark in line.text for mark in _SENTENCE_END)
    return {style for style, (total, full) in counts.items() if full * 2 >= total}


def _unbalanced(text: str) -> bool:
    return text.count("(") + text.count("（") > text.count(")") + text.count("）")


def _continues(previous: str, numbering: tuple[str, str] | None, item_styles: set[str], line: _Line) -> bool:
    """Whether ``line`` continues the paragraph ``previous`` (a hard-wrapped capture)."""
    if line.numbering is not None or previous[-1] in _CLOSERS or _TABULAR.search(previous) or _TABULAR.search(line.text):
        return False
    if previous[-1] in _JOIN_AFTER or _unbalanced(previous) or _DANGLING.search(previous):
        return True
    if numbering is not None:
        return numbering[0] in item_styles
    is_cjk = "\u4e00" <= previous[-1] <= "\u9fff"
    return len(previous) >= 20 and is_cjk and not _TITLE_END.search(previous)


def _paragraphs(text: str) -> list[tuple[int, int, tuple[str, str] | None]]:
    """(start, end, numbering) of each logical paragraph, wrapped lines joined."""
    lines = _lines(text)
    item_styles = _item_styles(lines)
    merged: list[tuple[int, int, tuple[str, str] | None]] = []
    for line in lines:
        if merged:
            start, end, numbering = merged[-1]
            if _continues(text[start:end], numbering, item_styles, line):
                merged[-1] = (start, line.end, numbering)
                continue
        merged.append((line.start, line.end, line.numbering))
    return merged


def _flat(text: str) -> str:
    """A paragraph on one line: wrapped lines joined (no space between Chinese characters)."""
    text = text.strip()
    return _SPACES.sub(lambda m: " " if _ascii_pair(m) else "", text) if _SPACES.search(text) else text


def _ascii_pair(match: re.Match[str]) -> bool:
    before, after = match.string[match.start() - 1], match.string[match.end()]
    return before.isascii() and before.isalnum() and after.isascii() and after.isalnum()


def _split_heading(body: str) -> tuple[str, str]:
    """(heading, paragraph text) of a numbered line: "健全体制机制。坚持…" → both parts."""
    flat = _flat(body)
    cut = _SENTENCE_CUT.search(flat)
    if cut is None and len(flat) <= 60:
        return flat, ""
    if cut is not None and cut.start() <= _HEADING_MAX:
        rest = flat[cut.end():].strip()
        return flat[: cut.start()], rest if flat[cut.start()] in "。！？!?" else flat
    clause = _CLAUSE_CUT.search(flat)
    if clause is not None and clause.start() <= _HEADING_MAX:
        return flat[: clause.start()], flat
    return flat[:_HEADING_MAX], flat


def _enumerations(section: Section, paragraph: str) -> None:
    """一是…；二是… inside a paragraph become child nodes (two items at least)."""
    if "是" not in paragraph:
        return
    marks = list(_ENUM_ITEM.finditer(paragraph))
    if len(marks) < 2:
        return
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(paragraph)
        item = paragraph[mark.end(1):end].strip()
        heading = re.split(r"[，,；;。：:]", item, maxsplit=1)[0][:_HEADING_MAX]
        section.children.append(
            Section(heading, mark.group(1), section.level + 1, "cn-shi", paragraphs=[item] if item else [])
        )


class _Builder:
    """Keeps the open sections (one per level) while paragraphs arrive in order."""

    def __init__(self) -> None:
        self.preamble: list[str] = []
        self.sections: list[Section] = []
        self.stack: list[Section] = []
        self.blocks: list[Block] = []
        self._path: tuple[str, ...] = ()  # titles of the open sections, kept with the stack

    def path(self) -> tuple[str, ...]:
        return self._path

    def open(self, style: str, number: str, heading: str, start: int) -> Section:
        styles = [section.style for section in self.stack]
        if style in styles:
            del self.stack[styles.index(style):]
        section = Section(heading, number, len(self.stack) + 1, style, start)
        (self.stack[-1].children if self.stack else self.sections).append(section)
        self.stack.append(section)
        self._path = (*self._path[: len(self.stack) - 1], section.title)
        return section

    def add(self, text: str, start: int, end: int, numbering: tuple[str, str] | None) -> None:
        flat = _flat(text[start:end])
        if numbering is None:
            target = self.stack[-1].paragraphs if self.stack else self.preamble
            target.append(flat)
            self.blocks.append(Block(start, start, end, self.path(), False))
            if self.stack:
                _enumerations(self.stack[-1], flat)
            return
        style, number = numbering
        body_start = start + text[start:end].index(number) + len(number)
        while body_start < end and text[body_start].isspace():
            body_start += 1
        heading, paragraph = _split_heading(text[body_start:end])
        section = self.open(style, number, heading, start)
        if paragraph:
            section.paragraphs.append(paragraph)
            _enumerations(section, paragraph)
        self.blocks.append(Block(start, body_start, end, self.path(), not paragraph))


def build_outline(text: str) -> Outline:
    """The section tree and paragraphs of ``text`` (chrome dropped, wrapped lines joined)."""
    builder = _Builder()
    for start, end, numbering in _paragraphs(text):
        builder.add(text, start, end, numbering)
    return Outline(builder.preamble, builder.sections, builder.blocks)
