"""Met or missed: a later document reports an actual for a target an earlier one set.

A 2025 work plan's review (2024年工作回顾: 人均预期寿命达到80.3岁) answers the 2024
plan's target (人均预期寿命达到80岁). A target is judged for a year when its deadline
is that year, or when it has none and its plan is for that year. The actual's year is
its own deadline when the extractor found one; otherwise :func:`actual_year` decides
from the reporting document (a review reports its own year, a plan reports the year
before it). Targets and actuals are paired like matching does (same indicator,
rapidfuzz, one to one) and must have the same unit. :data:`MET_RULES` says, per
comparator of the target, when the actual meets it; increments (提高5个百分点) are
judged only against an actual that is itself an increment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from monitor.analysis.matching import TargetLike, format_target, similar_pairs
from monitor.analysis.matchrules import canonical_unit, comparator_family, comparator_of, direction
from store.kinds import ChangeKind, Comparator, TargetKind

__all__ = ["APPROX_TOLERANCE", "MET_RULES", "REVIEW_DOC_TYPES", "Attainment", "actual_year", "assess_attainment", "is_met"]

# 约80% is met by 79.5%: an approximate target allows this relative shortfall.
APPROX_TOLERANCE = 0.01
# Kinds of document that report the year they are for (others report the year before).
REVIEW_DOC_TYPES = frozenset({"工作总结"})

MetRule = Callable[[float, TargetLike, int], bool]  # (actual value, target, direction) -> met


def _at_least(actual: float, target: TargetLike, _sign: int) -> bool:
    return actual >= target.value


def _level(actual: float, target: TargetLike, sign: int) -> bool:
    return actual >= target.value if sign > 0 else actual <= target.value


def _approx(actual: float, target: TargetLike, sign: int) -> bool:
    slack = abs(target.value) * APPROX_TOLERANCE
    return actual >= target.value - slack if sign > 0 else actual <= target.value + slack


def _range(actual: float, target: TargetLike, sign: int) -> bool:
    high = target.value_max if target.value_max is not None else target.value
    return actual >= target.value if sign > 0 else actual <= high


MET_RULES: dict[Comparator, MetRule] = {
    Comparator.GE: _at_least,
    Comparator.GT: lambda actual, target, _sign: actual > target.value,
    Comparator.LE: lambda actual, target, _sign: actual <= target.value,
    Comparator.LT: lambda actual, target, _sign: actual < target.value,
    Comparator.EQ: _level,
    Comparator.APPROX: _approx,
    Comparator.RANGE: _range,
    Comparator.INC: _at_least,
    Comparator.INC_AT_LEAST: _at_least,
    Comparator.DEC: _at_least,
    Comparator.DEC_AT_MOST: lambda actual, target, _sign: actual <= target.value,
}
_CHANGE_FAMILIES = frozenset({"increment", "decrement", "decrement-cap"})


@dataclass(frozen=True)
class Attainment:
    """A target, the actual that answers it, and whether it was met."""

    met: bool
    target: TargetLike
    actual: TargetLike
    year: int
    similarity: float

    @property
    def kind(self) -> ChangeKind:
        return ChangeKind.TARGET_MET if self.met else ChangeKind.TARGET_MISSED

    @property
    def summary(self) -> str:
        verdict = "met" if self.met else "missed"
        return (
            f"{self.target.indicator}: target {format_target(self.target)} for {self.year}, "
            f"actual {format_target(self.actual)}, {verdict}"
        )


def actual_year(actual: TargetLike, *, plan_year: int | None, doc_type: str = "") -> int | None:
    """The year an actual reports: its deadline, else from the reporting document."""
    if actual.deadline is not None:
        return actual.deadline
    if plan_year is None:
        return None
    return plan_year if doc_type in REVIEW_DOC_TYPES else plan_year - 1


def is_met(target: TargetLike, actual: TargetLike) -> bool | None:
    """Whether ``actual`` meets ``target`` (None when they cannot be compared)."""
    if canonical_unit(target.unit) != canonical_unit(actual.unit):
        return None
    cmp = comparator_of(target.cmp)
    family = comparator_family(cmp, target.indicator)
    actual_family = comparator_family(comparator_of(actual.cmp), actual.indicator)
    if (family in _CHANGE_FAMILIES) != (actual_family in _CHANGE_FAMILIES):
        return None
    return MET_RULES[cmp](actual.value, target, direction(cmp, target.indicator))


def assess_attainment(
    targets: Sequence[TargetLike],
    actuals: Sequence[TargetLike],
    *,
    target_plan_year: int | None,
    actual_plan_year: int | None,
    actual_doc_type: str = "",
    regions: Sequence[str] = (),
) -> list[Attainment]:
    """Met/missed for every actual that answers one of ``targets`` for the same year."""
    goals = [t for t in targets if str(t.kind) == TargetKind.TARGET]
    reports = [a for a in actuals if str(a.kind) == TargetKind.ACTUAL]
    year_of = {id(a): actual_year(a, plan_year=actual_plan_year, doc_type=actual_doc_type) for a in reports}

    def due(target: TargetLike) -> int | None:
        return target.deadline if target.deadline is not None else target_plan_year

    def accept(target: TargetLike, actual: TargetLike, _a: str, _b: str) -> bool:
        year = year_of[id(actual)]
        return year is not None and due(target) == year and is_met(target, actual) is not None

    found: list[tuple[int, Attainment]] = []
    for i, j, similarity in similar_pairs(goals, reports, regions=regions, accept=accept):
        met, year = is_met(goals[i], reports[j]), year_of[id(reports[j])]
        if met is not None and year is not None:
            found.append((j, Attainment(met, goals[i], reports[j], year, similarity)))
    return [attainment for _, attainment in sorted(found, key=lambda item: item[0])]
