"""Text diff of two versions of a page: sentences first, then tokens inside changed ones.

Chinese has no spaces, so word-based diffs (htmldiff, redlines) mark a whole paragraph
for one changed number. Here difflib runs twice (LIBRARIES.md, "Diffs for Chinese
text"): over sentence units (split after 。！？； and at line breaks, each remembering
the outline section it sits in), then over the tokens of each changed pair, where a
number is one token (``550`` → ``500`` is one replacement, not three) and every CJK
character is one token.

Noise is not a change. Both texts pass through :func:`store.normalise.strip_noise`
(view counters, today's date, share widgets) and units are compared without
whitespace, so a page re-rendered with a new counter or re-wrapped lines gives an
empty diff; changed lines that are page chrome (``monitor.analysis.chrome``: related
links, breadcrumbs, footers) are dropped too. The work is bounded: equal heads and tails are cut off before difflib
runs, and token diffs of very long pairs fall back to one whole replacement, so a
10,000-sentence text with a few edits costs about as much as reading it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from monitor.analysis.chrome import is_chrome_line
from store.normalise import strip_noise

__all__ = [
    "HEADING_STYLES",
    "PAIR_RATIO",
    "PAIR_WINDOW",
    "TOKEN_BOUND",
    "UNIT_BOUND",
    "Hunk",
    "TextDiff",
    "TokenOp",
    "Unit",
    "diff_texts",
    "split_units",
    "tokenise",
]

OpName = Literal["equal", "insert", "delete", "replace"]

# difflib is quadratic on items that repeat (的, 和 among tokens; 一是加强。 among
# sentences). Once equal heads and tails are cut off, a token middle larger than
# TOKEN_BOUND (product of the two lengths) is one replacement, and a sentence middle
# larger than UNIT_BOUND lets difflib treat items repeated >1% of the time as junk.
TOKEN_BOUND = 1_000_000
UNIT_BOUND = 1_000_000

# An uneven block pairs an old and a new sentence when difflib's ratio reaches this,
# looking at most PAIR_WINDOW sentences ahead.
PAIR_RATIO = 0.5
PAIR_WINDOW = 8

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n")
_TOKEN = re.compile(r"\d+(?:\.\d+)?%?|[A-Za-z]+|\s+|.", re.S)
_SPACE = re.compile(r"\s+")

# Numbering styles that open a heading line, outermost first (the outline module owns
# the full rules; this table only labels where a sentence sits). Row: (level, pattern).
HEADING_STYLES: tuple[tuple[int, re.Pattern[str]], ...] = (
    (0, re.compile(r"^【附件】")),  # 【附件】2024年重点任务分解表.docx (store.versions.combined_text)
    (1, re.compile(r"^[一二三四五六七八九十]+、")),  # 一、总体要求
    (2, re.compile(r"^[(（][一二三四五六七八九十]+[)）]")),  # (一)强化纵向贯通
    (3, re.compile(r"^\d{1,2}[.．、](?!\d)")),  # 1.做强做优市级公立医院
    (4, re.compile(r"^[(（]\d{1,2}[)）]")),  # （1）加强…
    (5, re.compile(r"^[①-⑳]")),  # ①…
)
_HEADING_LABEL_CHARS = 24


class Unit(NamedTuple):
    """One sentence (or line) of a text, with the section path it sits in.

    A NamedTuple: a 10,000-sentence text makes 10,000 of them, twice per diff.
    """

    text: str
    section: str
    line: str  # the whole line it came from (chrome is judged by line)
    key: str  # what is compared: the sentence without whitespace

    @classmethod
    def of(cls, text: str, section: str = "", line: str = "") -> Unit:
        return cls(text, section, line or text, "".join(text.split()))


@dataclass(frozen=True)
class TokenOp:
    """One step of the token-level diff of a changed pair."""

    op: OpName
    old: str
    new: str

    def to_json(self) -> dict[str, str]:
        return {"op": self.op, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Hunk:
    """A changed place: the old and new sentences (either may be empty) and their token ops."""

    section: str
    old: str
    new: str
    ops: tuple[TokenOp, ...]

    @property
    def kind(self) -> OpName:
        """insert (only new text), delete (only old text) or replace."""
        if not self.old:
            return "insert"
        if not self.new:
            return "delete"
        return "replace"

    @property
    def inserted_chars(self) -> int:
        return sum(len(_SPACE.sub("", op.new)) for op in self.ops if op.op in ("insert", "replace"))

    @property
    def deleted_chars(self) -> int:
        return sum(len(_SPACE.sub("", op.old)) for op in self.ops if op.op in ("delete", "replace"))

    def to_json(self) -> dict[str, Any]:
        return {"section": self.section, "old": self.old, "new": self.new, "ops": [op.to_json() for op in self.ops]}


@dataclass(frozen=True)
class TextDiff:
    """The diff of two texts: hunks in text order, plus counts for summaries."""

    hunks: tuple[Hunk, ...] = ()
    old_units: int = 0
    new_units: int = 0
    equal_units: int = field(default=0)

    @property
    def changed(self) -> bool:
        """False when the texts differ by noise only (or not at all)."""
        return bool(self.hunks)

    @property
    def inserted_chars(self) -> int:
        return sum(hunk.inserted_chars for hunk in self.hunks)

    @property
    def deleted_chars(self) -> int:
        return sum(hunk.deleted_chars for hunk in self.hunks)

    @property
    def sections(self) -> list[str]:
        """The sections that changed, in order, each once."""
        return list(dict.fromkeys(hunk.section for hunk in self.hunks))

    def to_json(self) -> dict[str, Any]:
        return {
            "hunks": [hunk.to_json() for hunk in self.hunks],
            "hunk_count": len(self.hunks),
            "inserted_chars": self.inserted_chars,
            "deleted_chars": self.deleted_chars,
        }


def _heading_level(line: str) -> int | None:
    for level, pattern in HEADING_STYLES:
        if pattern.match(line):
            return level
    return None


def _heading_label(line: str) -> str:
    first = re.split(r"(?<=[。！？；!?;：:])", line, maxsplit=1)[0].rstrip("。；;：:")
    return first if len(first) <= _HEADING_LABEL_CHARS else first[:_HEADING_LABEL_CHARS] + "…"


def split_units(text: str) -> list[Unit]:
    """Sentences of the noise-stripped text, each with its section path ("一、… > (一)…")."""
    units: list[Unit] = []
    path: list[tuple[int, str]] = []
    for line in strip_noise(text).split("\n"):
        level = _heading_level(line)
        if level is not None:
            path = [entry for entry in path if entry[0] < level] + [(level, _heading_label(line))]
        section = " > ".join(label for _, label in path)
        units.extend(Unit.of(piece, section, line) for piece in _SENTENCE_END.split(line) if piece.strip())
    return units


def tokenise(sentence: str) -> list[str]:
    """Numbers whole (7.86, 90%), Latin words whole, runs of space, else one character."""
    return _TOKEN.findall(sentence)


def _common_ends(old: Sequence[str], new: Sequence[str]) -> tuple[int, int]:
    """Length of the equal head, and of the equal tail after it."""
    limit = min(len(old), len(new))
    head = 0
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return head, tail


def _opcodes(
    old: Sequence[str], new: Sequence[str], *, bound: int, coarse: bool
) -> Iterator[tuple[OpName, int, int, int, int]]:
    """difflib opcodes, with the equal head and tail found without difflib.

    When the middle left is larger than ``bound`` (product of lengths), difflib either
    treats very frequent items as junk (sentences: ``coarse=False``) or is skipped and the
    middle becomes one replacement (tokens: ``coarse=True``).
    """
    head, tail = _common_ends(old, new)
    if head:
        yield "equal", 0, head, 0, head
    old_mid, new_mid = old[head : len(old) - tail], new[head : len(new) - tail]
    size = len(old_mid) * len(new_mid)
    if coarse and size > bound:
        yield "replace", head, len(old) - tail, head, len(new) - tail
    elif old_mid or new_mid:
        matcher = difflib.SequenceMatcher(None, old_mid, new_mid, autojunk=size > bound)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            yield op, i1 + head, i2 + head, j1 + head, j2 + head
    if tail:
        yield "equal", len(old) - tail, len(old), len(new) - tail, len(new)


def _token_ops(old: str, new: str) -> tuple[TokenOp, ...]:
    """Token-level ops of one changed pair (a huge changed middle is one replacement)."""
    old_tokens, new_tokens = tokenise(old), tokenise(new)
    if not old_tokens or not new_tokens:
        return _whole(old, new)
    ops = [
        TokenOp(op, "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2]))
        for op, i1, i2, j1, j2 in _opcodes(old_tokens, new_tokens, bound=TOKEN_BOUND, coarse=True)
    ]
    return tuple(ops)


def _whole(old: str, new: str) -> tuple[TokenOp, ...]:
    if old and new:
        return (TokenOp("replace", old, new),)
    return (TokenOp("insert", "", new),) if new else (TokenOp("delete", old, ""),)


def _hunk(old: Sequence[Unit], new: Sequence[Unit]) -> Hunk | None:
    """One hunk for a changed block, or None when it differs only by whitespace or wrapping."""
    if "".join(unit.key for unit in old) == "".join(unit.key for unit in new):
        return None
    old_text = "".join(unit.text for unit in old)
    new_text = "".join(unit.text for unit in new)
    section = (new or old)[0].section
    return Hunk(section, old_text, new_text, _token_ops(old_text, new_text))


def _similar(old: Unit, new: Unit) -> bool:
    matcher = difflib.SequenceMatcher(None, old.key, new.key, autojunk=False)
    return matcher.real_quick_ratio() >= PAIR_RATIO and matcher.quick_ratio() >= PAIR_RATIO and matcher.ratio() >= PAIR_RATIO


def _pair_block(old: Sequence[Unit], new: Sequence[Unit]) -> Iterator[tuple[list[Unit], list[Unit]]]:
    """Pair an uneven block's sentences in order: each old one with the next similar new one.

    New sentences skipped over are insertions, old ones without a partner deletions. The
    search looks at most PAIR_WINDOW sentences ahead, so a long block stays linear.
    """
    j = 0
    for unit in old:
        match = next((k for k in range(j, min(len(new), j + PAIR_WINDOW)) if _similar(unit, new[k])), None)
        if match is None:
            yield [unit], []
            continue
        yield from (([], [inserted]) for inserted in new[j:match])
        yield [unit], [new[match]]
        j = match + 1
    yield from (([], [inserted]) for inserted in new[j:])


def _content(units: Sequence[Unit]) -> list[Unit]:
    """The units not on a page-chrome line (judged only for changed units: it costs ~50 µs a line)."""
    return [unit for unit in units if not is_chrome_line(unit.line)]


def _block_hunks(old: Sequence[Unit], new: Sequence[Unit]) -> Iterator[Hunk]:
    """Hunks of one changed block: sentence for sentence when counts agree, else paired by similarity.

    Units on page-chrome lines (a changed 相关稿件 list, a breadcrumb) are left out first.
    """
    old, new = _content(old), _content(new)
    if not old and not new:
        return
    if len(old) == len(new):
        groups: Iterator[tuple[Sequence[Unit], Sequence[Unit]]] = (([o], [n]) for o, n in zip(old, new, strict=True))
    elif "".join(unit.key for unit in old) == "".join(unit.key for unit in new):
        return  # the same words, wrapped differently
    else:
        groups = _pair_block(old, new)
    for old_part, new_part in groups:
        hunk = _hunk(old_part, new_part)
        if hunk is not None:
            yield hunk


def diff_texts(old_text: str, new_text: str) -> TextDiff:
    """The sentence-then-token diff of two texts; empty when they differ only by noise."""
    old_units, new_units = split_units(old_text), split_units(new_text)
    old_keys = [unit.key for unit in old_units]
    new_keys = [unit.key for unit in new_units]
    hunks: list[Hunk] = []
    equal = 0
    for op, i1, i2, j1, j2 in _opcodes(old_keys, new_keys, bound=UNIT_BOUND, coarse=False):
        if op == "equal":
            equal += i2 - i1
            continue
        hunks.extend(_block_hunks(old_units[i1:i2], new_units[j1:j2]))
    return TextDiff(tuple(hunks), len(old_units), len(new_units), equal)
