"""A version's text cut into pieces so its targets can be marked in place.

Each target carries the sentence it was read from (a substring of the version's
text). The text becomes a list of :class:`Piece`: plain text, a target's sentence,
and inside that sentence the number itself. Templates escape every piece and wrap
the marked ones; no markup is built here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from store.models import Target

__all__ = ["Piece", "highlight_targets", "number_forms"]


@dataclass(frozen=True)
class Piece:
    """A run of text; ``targets`` are the 1-based numbers of the targets it belongs to."""

    text: str
    targets: tuple[int, ...] = ()
    number: bool = False


def number_forms(value: float) -> list[str]:
    """How a value may be written: 7.86, 80, 80.0, 1,000 (longest first)."""
    forms = {f"{value:g}", str(float(value))}
    if value == int(value):
        forms.add(str(int(value)))
        if abs(value) >= 1000:
            forms.add(f"{int(value):,}")
    return sorted(forms, key=len, reverse=True)


def _number_pattern(form: str) -> re.Pattern[str]:
    """``form`` as a whole number: 7 not inside 7.5, 17 or 2024."""
    return re.compile(rf"(?<![\d.]){re.escape(form)}(?!\d|\.\d)")


def _spans(text: str, targets: Sequence[Target]) -> tuple[dict[tuple[int, int], list[int]], list[Target]]:
    """(start, end) of each target's sentence → target numbers; targets not found."""
    spans: dict[tuple[int, int], list[int]] = {}
    unplaced: list[Target] = []
    cursor = 0
    for number, target in enumerate(targets, start=1):
        sentence = target.sentence.strip()
        start = text.find(sentence, cursor) if sentence else -1
        if start < 0 and sentence:
            start = text.find(sentence)
        if start < 0:
            unplaced.append(target)
            continue
        spans.setdefault((start, start + len(sentence)), []).append(number)
        cursor = start
    return spans, unplaced


def _non_overlapping(spans: dict[tuple[int, int], list[int]]) -> list[tuple[int, int, list[int]]]:
    kept: list[tuple[int, int, list[int]]] = []
    for (start, end), numbers in sorted(spans.items()):
        if kept and start < kept[-1][1]:
            kept[-1][2].extend(numbers)  # overlapping sentences share the first one's mark
            continue
        kept.append((start, end, list(numbers)))
    return kept


def _first_free(sentence: str, form: str, marks: list[tuple[int, int]]) -> tuple[int, int] | None:
    for match in _number_pattern(form).finditer(sentence):
        if all(match.end() <= a or match.start() >= b for a, b in marks):
            return match.start(), match.end()
    return None


def _inside(sentence: str, numbers: tuple[int, ...], values: list[list[str]]) -> list[Piece]:
    """The sentence split so each target's value (first free occurrence) is its own piece."""
    marks: list[tuple[int, int]] = []
    for forms in values:
        found = next((span for form in forms if (span := _first_free(sentence, form, marks))), None)
        if found:
            marks.append(found)
    pieces, cursor = [], 0
    for start, end in sorted(marks):
        if start > cursor:
            pieces.append(Piece(sentence[cursor:start], numbers))
        pieces.append(Piece(sentence[start:end], numbers, number=True))
        cursor = end
    if cursor < len(sentence):
        pieces.append(Piece(sentence[cursor:], numbers))
    return pieces


def highlight_targets(text: str, targets: Sequence[Target]) -> tuple[list[Piece], list[Target]]:
    """Pieces of ``text`` with each target's sentence and number marked; targets not found."""
    spans, unplaced = _spans(text, targets)
    pieces: list[Piece] = []
    cursor = 0
    for start, end, numbers in _non_overlapping(spans):
        if start > cursor:
            pieces.append(Piece(text[cursor:start]))
        values = [number_forms(targets[n - 1].value) for n in numbers]
        pieces.extend(_inside(text[start:end], tuple(numbers), values))
        cursor = end
    if cursor < len(text):
        pieces.append(Piece(text[cursor:]))
    return pieces, unplaced
