"""Precision and recall of extracted targets against an annotated answer key.

A predicted item matches an expected one when the values are equal (relative
tolerance 1e-6; ``value_max`` too when both give one) and the indicators are similar:
after removing spaces, quotes and brackets one contains the other, or
``rapidfuzz.fuzz.partial_ratio`` reaches :data:`SIMILARITY`. Pairs are made one to
one, greedily: most similar first, then the pair agreeing on more fields, then the
nearer in text order. On matched pairs the scorer also counts how often
``cmp``, ``unit``, ``deadline`` and ``kind`` agree, the fields a digest shows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

__all__ = ["FIELDS", "SIMILARITY", "DocumentScore", "Totals", "indicator_similarity", "score_document", "total"]

SIMILARITY = 60.0
FIELDS: tuple[str, ...] = ("cmp", "unit", "deadline", "kind")
_NOISE = re.compile(r"[\s“”\"‘’'「」『』()（）\[\]【】《》〈〉]")


def _normal(indicator: str) -> str:
    return _NOISE.sub("", indicator or "")


def indicator_similarity(left: str, right: str) -> float:
    """0–100: 100 when one normalised indicator contains the other, else partial_ratio."""
    a, b = _normal(left), _normal(right)
    if not a or not b:
        return 0.0
    if a in b or b in a:
        return 100.0
    return float(fuzz.partial_ratio(a, b))


def _same(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return True
    return math.isclose(float(left), float(right), rel_tol=1e-6, abs_tol=1e-9)


def _values_match(predicted: Mapping[str, Any], expected: Mapping[str, Any]) -> bool:
    return _same(predicted["value"], expected["value"]) and _same(predicted.get("value_max"), expected.get("value_max"))


@dataclass
class DocumentScore:
    """One document: counts, the pairs made, what was missed and what was extra."""

    name: str
    predicted: int
    expected: int
    pairs: list[tuple[Mapping[str, Any], Mapping[str, Any]]]
    missed: list[Mapping[str, Any]]
    spurious: list[Mapping[str, Any]]
    field_hits: dict[str, int] = field(default_factory=dict)

    @property
    def matched(self) -> int:
        return len(self.pairs)

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0


def _as_dict(item: Any) -> Mapping[str, Any]:
    if isinstance(item, Mapping):
        return item
    result: Mapping[str, Any] = item.to_json()
    return result


def _field(item: Mapping[str, Any], name: str) -> Any:
    value = item.get(name)
    return getattr(value, "value", value)


def score_document(name: str, predicted: Iterable[Any], expected: Sequence[Mapping[str, Any]]) -> DocumentScore:
    """Match predicted items (dicts or ExtractedTarget) to the expected ones, one to one."""
    found = [_as_dict(item) for item in predicted]
    candidates = []
    for p_index, p_item in enumerate(found):
        for e_index, e_item in enumerate(expected):
            if _values_match(p_item, e_item):
                similarity = indicator_similarity(str(p_item["indicator"]), str(e_item["indicator"]))
                if similarity >= SIMILARITY:
                    agreement = sum(str(_field(p_item, f)) == str(_field(e_item, f)) for f in FIELDS)
                    candidates.append((-similarity, -agreement, abs(p_index - e_index), p_index, e_index))
    candidates.sort()
    used_p: set[int] = set()
    used_e: set[int] = set()
    pairs = []
    for *_, p_index, e_index in candidates:
        if p_index not in used_p and e_index not in used_e:
            used_p.add(p_index)
            used_e.add(e_index)
            pairs.append((p_index, e_index))
    pairs.sort()
    hits = {name_: sum(str(_field(found[p], name_)) == str(_field(expected[e], name_)) for p, e in pairs) for name_ in FIELDS}
    return DocumentScore(
        name=name,
        predicted=len(found),
        expected=len(expected),
        pairs=[(found[p], expected[e]) for p, e in pairs],
        missed=[item for index, item in enumerate(expected) if index not in used_e],
        spurious=[item for index, item in enumerate(found) if index not in used_p],
        field_hits=hits,
    )


@dataclass(frozen=True)
class Totals:
    """Micro-averaged figures over several documents."""

    documents: int
    predicted: int
    expected: int
    matched: int
    field_accuracy: dict[str, float]

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    def summary(self) -> str:
        """One line for a test log or a README: P/R and field accuracy."""
        fields = " ".join(f"{name}={value:.2f}" for name, value in self.field_accuracy.items())
        return (
            f"{self.documents} documents, {self.expected} expected, {self.predicted} predicted, "
            f"{self.matched} matched: precision {self.precision:.3f} recall {self.recall:.3f} ({fields})"
        )


def total(scores: Iterable[DocumentScore]) -> Totals:
    """Sum the counts of several documents (micro average)."""
    scores = list(scores)
    matched = sum(score.matched for score in scores)
    accuracy = {
        name: (sum(score.field_hits.get(name, 0) for score in scores) / matched if matched else 1.0)
        for name in FIELDS
    }
    return Totals(
        documents=len(scores),
        predicted=sum(score.predicted for score in scores),
        expected=sum(score.expected for score in scores),
        matched=matched,
        field_accuracy=accuracy,
    )
