"""What a number in a sentence reports rather than commits to: a shortfall (未完成的27%任务),
the level a change starts from (由85%提高到90%), and the clause a number sits in.
"""

from __future__ import annotations

import re

from monitor.analysis.cues import CHANGE_TO, SHORTFALL_CUES, SHORTFALL_STATE, STARTING_LEVEL
from monitor.analysis.sentences import Reading
from store.kinds import TargetKind

__all__ = ["clause_of", "clause_span", "is_shortfall", "starting_level"]

_CLAUSE_MARK = re.compile(r"[，,；;。！？!?|｜\t]")


def clause_span(sentence: str, reading: Reading) -> tuple[int, int]:
    """(start, end) of the clause holding a reading (between ，；。 marks)."""
    starts = [m.end() for m in _CLAUSE_MARK.finditer(sentence, 0, reading.start)]
    end = _CLAUSE_MARK.search(sentence, reading.end)
    return (starts[-1] if starts else 0), (end.start() if end else len(sentence))


def clause_of(sentence: str, reading: Reading) -> str:
    """The clause holding a reading: 已下达… in one clause says nothing of the next."""
    start, end = clause_span(sentence, reading)
    return sentence[start:end]


def starting_level(sentence: str, reading: Reading) -> int | bool | None:
    """由85%提高到90%: 85 is where things stand, not a commitment.

    None when the reading is no starting level; else the year it is stated for
    (从2020年的76.8岁提高到78岁 → 2020), or True when the text names none (由85%提高到90%)."""
    found = STARTING_LEVEL.search(sentence, max(0, reading.start - 20), reading.start)
    if found is None or not CHANGE_TO.match(sentence, reading.end):
        return None
    return int(found.group("year")) if found.group("year") else True


def is_shortfall(sentence: str, reading: Reading, kind: TargetKind) -> bool:
    """未完成的27%任务, 尚有27%未达标, 仍有12家…尚未达到: what was not reached is no item.

    In a plan, the units an action covers stay a target (针对尚未达标的15家村卫生室…完成).
    """
    if "未" not in sentence and "有" not in sentence:
        return False  # every shortfall cue holds 未 or 有 (没有完成, 仍有)
    start, end = clause_span(sentence, reading)
    head, tail = sentence[start:reading.start], sentence[reading.end:end]
    if SHORTFALL_CUES.search(tail) or SHORTFALL_STATE.search(head):
        return True
    return kind is TargetKind.ACTUAL and bool(SHORTFALL_CUES.search(head))
