"""Which target of one document is which target of another, and what moved.

Between two versions of a page, or two years of a plan series, targets are paired by
their indicator: names are normalised (region words, 全市/全县, cue verbs such as
达到/提高到/力争 and punctuation removed; 率 kept), compared with rapidfuzz, and only
paired when their units are compatible (:mod:`monitor.analysis.matchrules`). Pairs are
assigned one to one, best first. Each pair is then classified:

- ``raised`` / ``lowered``: the target became more / less ambitious in value terms.
  For a ceiling (死亡率控制在…以下) a smaller number is more ambitious, so the kind is
  ``target-raised`` but the summary says "tightened (lower is better)", never a
  direction word that misleads.
- ``changed``: the value is equal (or not comparable) but the comparator, deadline or
  unit moved.
- ``unchanged``, ``added`` (only in the new list), ``removed`` (only in the old one).

Summaries read like ``每千人口医疗卫生机构床位数: ≥7.86张 (2024) → ≥8.2张 (2025), raised``.
Met or missed (a later document reporting an actual for an earlier target) lives in
:mod:`monitor.analysis.attainment`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy
from rapidfuzz import fuzz, process

from monitor.analysis.matchrules import (
    canonical_unit,
    comparator_of,
    comparator_strength,
    direction,
    normalise_indicator,
    qualifiers,
    units_compatible,
)
from store.kinds import ChangeKind, Comparator

__all__ = [
    "MATCH_THRESHOLD",
    "ChangeName",
    "TargetChange",
    "TargetLike",
    "first_mentions",
    "format_target",
    "indicator_similarity",
    "match_targets",
    "similar_pairs",
]

ChangeName = Literal["added", "removed", "changed", "unchanged"]

# Two indicator names (normalised) are the same indicator from this similarity up
# (rapidfuzz's normalised Indel similarity, 0..1). 居民健康素养水平 vs
# 城乡居民健康素养水平 is 0.89; 孕产妇死亡率 vs 婴儿死亡率 is 0.55.
MATCH_THRESHOLD = 0.72
# A name wholly contained in the other counts as this similar when it is this long.
CONTAINED_SIMILARITY = 0.85
CONTAINED_MIN_CHARS = 5


class TargetLike(Protocol):
    """What matching reads of a target: ExtractedTarget and the stored Target row both fit."""

    @property
    def indicator(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def value_max(self) -> float | None: ...
    @property
    def unit(self) -> str: ...
    @property
    def cmp(self) -> str: ...
    @property
    def deadline(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def sentence(self) -> str: ...
    @property
    def section(self) -> str: ...


@dataclass(frozen=True)
class TargetChange:
    """One row of a target comparison: the pair (either side may be None) and its verdict."""

    change: ChangeName
    kind: ChangeKind | None  # the Change row kind; None for unchanged
    old: TargetLike | None
    new: TargetLike | None
    similarity: float
    reasons: tuple[str, ...]
    summary: str
    verdict: str = ""  # the summary's last words: raised, tightened (lower is better), added…

    @property
    def indicator(self) -> str:
        """The indicator as the newer document writes it (the older one's when removed)."""
        side = self.new if self.new is not None else self.old
        assert side is not None
        return side.indicator


def _number(value: float) -> str:
    """7.86, 80, 350000000 (never 3.5e+08): up to four decimals, no trailing zeros."""
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.4f}".rstrip("0").rstrip(".")


def format_target(target: TargetLike) -> str:
    """A target the way a person writes it: ≥7.86张, 3–5家, +2百分点."""
    number = _number(target.value)
    if target.value_max is not None:
        number = f"{number}–{_number(target.value_max)}"
    return f"{comparator_of(target.cmp).symbol}{number}{target.unit}"


def indicator_similarity(old: str, new: str) -> float:
    """0..1 similarity of two normalised indicator names (containment counts as close)."""
    if not old or not new:
        return 0.0
    score = fuzz.ratio(old, new) / 100
    shorter, longer = sorted((old, new), key=len)
    if len(shorter) >= CONTAINED_MIN_CHARS and shorter in longer:
        score = max(score, CONTAINED_SIMILARITY)
    return score


def _pairable(old: TargetLike, new: TargetLike, _old_name: str, _new_name: str) -> bool:
    return str(old.kind) == str(new.kind) and units_compatible(old.unit, new.unit)


def _pair_score(old: TargetLike, new: TargetLike, similarity: float, years: tuple[int | None, int | None]) -> float:
    """Similarity plus small preferences that pick among equally named targets.

    Same relative deadline, comparator, value and unit; and the context: a target is
    most likely the one written in the most similar sentence of the same section (a
    plan may name 孕产妇死亡率 in its text and again in an attached indicator table).
    """
    bonus = 0.03 * (_relative_deadline(old.deadline, years[0]) == _relative_deadline(new.deadline, years[1]))
    bonus += 0.02 * (comparator_of(old.cmp) == comparator_of(new.cmp))
    bonus += 0.01 * (old.value == new.value) + 0.01 * (old.unit == new.unit) + 0.01 * (old.section == new.section)
    return similarity + bonus + 0.04 * fuzz.ratio(old.sentence, new.sentence) / 100


def _relative_deadline(deadline: int | None, year: int | None) -> int | str | None:
    """A deadline equal to its plan's year is "this year" (so 2024's 年内 pairs with 2025's)."""
    return "plan-year" if deadline is not None and deadline == year else deadline


PairTest = Callable[[TargetLike, TargetLike, str, str], bool]
PairScore = Callable[[TargetLike, TargetLike, float], float]


def similar_pairs(
    old: Sequence[TargetLike],
    new: Sequence[TargetLike],
    *,
    regions: Sequence[str] = (),
    accept: PairTest | None = None,
    score: PairScore | None = None,
) -> list[tuple[int, int, float]]:
    """One-to-one (i, j, similarity) pairs of targets naming the same indicator, best first.

    rapidfuzz compares all normalised names in C (ratio, and partial_ratio for
    containment); only the few pairs close enough are looked at in Python, so long lists
    stay cheap. ``accept(old, new, old_name, new_name)`` may veto a pair (units, kinds,
    years); ``score(old, new, similarity)`` ranks the rest (default: the similarity).
    """
    old_names = [normalise_indicator(t.indicator, regions) for t in old]
    new_names = [normalise_indicator(t.indicator, regions) for t in new]
    if not old_names or not new_names:
        return []
    ratio = process.cdist(old_names, new_names, scorer=fuzz.ratio, workers=1)
    partial = process.cdist(old_names, new_names, scorer=fuzz.partial_ratio, workers=1)
    close = numpy.argwhere((ratio >= MATCH_THRESHOLD * 100) | (partial >= 100))
    found: list[tuple[float, float, int, int]] = []
    for i, j in close.tolist():
        similarity = indicator_similarity(old_names[i], new_names[j])
        if similarity < MATCH_THRESHOLD or not _same_qualifiers(old_names[i], new_names[j]):
            continue
        if accept is None or accept(old[i], new[j], old_names[i], new_names[j]):
            ranked = similarity if score is None else score(old[i], new[j], similarity)
            found.append((ranked, similarity, i, j))
    return _assign(found)


def _same_qualifiers(old_name: str, new_name: str) -> bool:
    old_q, new_q = qualifiers(old_name), qualifiers(new_name)
    return not (old_q and new_q and old_q != new_q)


def _assign(candidates: list[tuple[float, float, int, int]]) -> list[tuple[int, int, float]]:
    """One-to-one pairs, best score first; ties go to text order."""
    pairs: list[tuple[int, int, float]] = []
    used_old: set[int] = set()
    used_new: set[int] = set()
    for _score, similarity, i, j in sorted(candidates, key=lambda c: (-c[0], c[2], c[3])):
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        pairs.append((i, j, similarity))
    return pairs


def _value_key(target: TargetLike) -> tuple[float, float]:
    return target.value, target.value_max if target.value_max is not None else target.value


def _value_reasons(old: TargetLike, new: TargetLike) -> tuple[int, list[str]]:
    """(+1 more ambitious, -1 less, 0 equal or not comparable) and the reasons to show."""
    if _value_key(old) == _value_key(new):
        return 0, []
    old_cmp, new_cmp = comparator_of(old.cmp), comparator_of(new.cmp)
    sign = direction(old_cmp, old.indicator)
    if canonical_unit(old.unit) != canonical_unit(new.unit) or sign != direction(new_cmp, new.indicator):
        return 0, [f"value {format_target(old)}→{format_target(new)}"]
    up = _value_key(new) > _value_key(old)
    if sign > 0:
        return (1, ["value raised"]) if up else (-1, ["value lowered"])
    return (-1, ["ceiling raised (lower is better)"]) if up else (1, ["ceiling lowered (lower is better)"])


def _comparator_reason(old: TargetLike, new: TargetLike) -> list[str]:
    old_cmp, new_cmp = comparator_of(old.cmp), comparator_of(new.cmp)
    if old_cmp == new_cmp:
        return []
    change = f"{_cmp_name(old_cmp)}→{_cmp_name(new_cmp)}"
    old_family, old_strength = comparator_strength(old_cmp, old.indicator)
    new_family, new_strength = comparator_strength(new_cmp, new.indicator)
    if old_family != new_family or old_strength == new_strength:
        return [f"comparator {change}"]
    word = "tightened" if new_strength > old_strength else "loosened"
    return [f"comparator {word} ({change})"]


def _cmp_name(cmp: Comparator) -> str:
    return cmp.symbol or cmp.value


def _other_reasons(old: TargetLike, new: TargetLike, years: tuple[int | None, int | None]) -> list[str]:
    reasons = _comparator_reason(old, new)
    if _relative_deadline(old.deadline, years[0]) != _relative_deadline(new.deadline, years[1]):
        reasons.append(f"deadline {old.deadline or '?'}→{new.deadline or '?'}")
    if canonical_unit(old.unit) != canonical_unit(new.unit):
        reasons.append(f"unit {old.unit or '-'}→{new.unit or '-'}")
    return reasons


_VERDICTS: dict[tuple[ChangeKind, int], str] = {
    (ChangeKind.TARGET_RAISED, 1): "raised",
    (ChangeKind.TARGET_RAISED, -1): "tightened (lower is better)",
    (ChangeKind.TARGET_LOWERED, 1): "lowered",
    (ChangeKind.TARGET_LOWERED, -1): "loosened (lower is better)",
}


def _classify(
    old: TargetLike, new: TargetLike, years: tuple[int | None, int | None]
) -> tuple[ChangeKind | None, list[str], str]:
    """(Change kind or None when unchanged, reasons, the verdict words of the summary)."""
    ambition, reasons = _value_reasons(old, new)
    reasons += _other_reasons(old, new, years)
    if ambition:
        kind = ChangeKind.TARGET_RAISED if ambition > 0 else ChangeKind.TARGET_LOWERED
        verdict = _VERDICTS[kind, direction(comparator_of(new.cmp), new.indicator)]
        return kind, reasons, "; ".join([verdict, *reasons[1:]])
    if reasons:
        return ChangeKind.TARGET_CHANGED, reasons, "; ".join(reasons)
    return None, [], "unchanged"


def _labels(years: tuple[int | None, int | None], labels: tuple[str, str] | None) -> tuple[str, str]:
    if labels is not None:
        return labels
    old_year, new_year = years
    return (str(old_year) if old_year is not None else "old", str(new_year) if new_year is not None else "new")


def _paired(
    old: TargetLike, new: TargetLike, similarity: float, years: tuple[int | None, int | None], labels: tuple[str, str]
) -> TargetChange:
    kind, reasons, verdict = _classify(old, new, years)
    summary = f"{new.indicator}: {format_target(old)} ({labels[0]}) → {format_target(new)} ({labels[1]}), {verdict}"
    change: ChangeName = "unchanged" if kind is None else "changed"
    return TargetChange(change, kind, old, new, similarity, tuple(reasons), summary, verdict)


def _single(target: TargetLike, change: ChangeName, label: str) -> TargetChange:
    kind = ChangeKind.TARGET_ADDED if change == "added" else ChangeKind.TARGET_REMOVED
    summary = f"{target.indicator}: {format_target(target)} ({label}), {change}"
    old, new = (None, target) if change == "added" else (target, None)
    return TargetChange(change, kind, old, new, 0.0, (), summary, change)


def match_targets(
    old: Sequence[TargetLike],
    new: Sequence[TargetLike],
    *,
    old_year: int | None = None,
    new_year: int | None = None,
    labels: tuple[str, str] | None = None,
    regions: Sequence[str] = (),
) -> list[TargetChange]:
    """Pair ``old`` and ``new`` targets one to one and classify every pair and leftover.

    ``old_year``/``new_year`` are the plans' years: a deadline equal to its plan's year
    is "this year", so an annual plan's targets do not all look moved a year. ``labels``
    name the two sides in summaries (default: the years). ``regions`` are extra place
    names to strip from indicators (the documents' region and agency words). Result:
    pairs in the new list's order, then removed targets in the old list's order.

    Between two plans of different years each side is read as :func:`first_mentions`:
    a plan that repeats 孕产妇死亡率 in an indicator table has not set it twice, and the
    repeat must not read as "removed" next year. Two versions of one page keep every
    mention: an edit to the table alone is an edit.
    """
    years = (old_year, new_year)
    names = _labels(years, labels)
    if old_year is not None and new_year is not None and old_year != new_year:  # two plans, not two versions
        old, new = first_mentions(old, old_year, regions), first_mentions(new, new_year, regions)
    pairs = similar_pairs(
        old, new, regions=regions, accept=_pairable, score=lambda o, n, sim: _pair_score(o, n, sim, years)
    )
    by_new = {j: (i, similarity) for i, j, similarity in pairs}
    result: list[TargetChange] = []
    for j, target in enumerate(new):
        if j in by_new:
            i, similarity = by_new[j]
            result.append(_paired(old[i], target, similarity, years, names))
        else:
            result.append(_single(target, "added", names[1]))
    paired_old = {i for i, _, _ in pairs}
    result.extend(_single(target, "removed", names[0]) for i, target in enumerate(old) if i not in paired_old)
    return result


def first_mentions(targets: Sequence[TargetLike], year: int | None, regions: Sequence[str] = ()) -> list[TargetLike]:
    """The targets without their repeated mentions, in text order.

    A repeat names the same indicator (equal normalised name), is of the same kind, has
    a compatible unit and the same deadline relative to the plan's year as an earlier
    target; the first mention (the plan's text, usually, before its tables) stands for it.
    """
    kept: list[TargetLike] = []
    seen: dict[tuple[str, str, int | str | None], list[TargetLike]] = {}
    for target in targets:
        key = (normalise_indicator(target.indicator, regions), str(target.kind), _relative_deadline(target.deadline, year))
        earlier = seen.setdefault(key, [])
        if any(units_compatible(target.unit, other.unit) for other in earlier):
            continue
        earlier.append(target)
        kept.append(target)
    return kept
