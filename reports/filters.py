"""Which changes a reader wants: regions, sources, keywords and change kinds.

One filter serves subscribers (their digest) and feeds (``planwatch feed --region``).
Dimensions combine with AND, values within one dimension with OR, and an empty
dimension lets everything through. A change is judged by the facts gathered in
:class:`ChangeFacts` (its document's region and title, its indicators), so the rule
never needs the database.

Regions are 省/市/县 paths such as ``贵州省/贵阳市``. A filter path matches a region
when each of its segments names the region's segment at the same depth, either
exactly or without the administrative suffix (``贵州/贵阳`` matches ``贵州省/贵阳市``);
a shorter path matches everything below it (``贵州省`` matches every city in it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from store.errors import ConfigError
from store.kinds import ChangeKind

__all__ = [
    "ADMIN_SUFFIXES",
    "KIND_GROUPS",
    "ChangeFacts",
    "ChangeFilter",
    "expand_kinds",
    "region_matches",
]

# Suffixes a reader may leave out of a region segment, longest first.
ADMIN_SUFFIXES: tuple[str, ...] = (
    "特别行政区", "自治区", "自治州", "自治县", "新区", "地区", "省", "市", "州", "盟", "县", "区", "旗",
)

# Names a reader may give instead of listing kinds one by one.
KIND_GROUPS: dict[str, tuple[ChangeKind, ...]] = {
    "plans": (ChangeKind.NEW_DOCUMENT, ChangeKind.REPOST),
    "targets": tuple(kind for kind in ChangeKind if kind.is_target_change),
    "edits": (ChangeKind.TEXT_EDIT,),
    "sources": (ChangeKind.SOURCE_FAILING,),
}


def _segment_matches(wanted: str, actual: str) -> bool:
    if wanted == actual:
        return True
    return actual.startswith(wanted) and actual[len(wanted):] in ADMIN_SUFFIXES


def region_matches(wanted: str, region: str) -> bool:
    """Whether the filter path ``wanted`` covers the region path ``region``."""
    want = [part for part in wanted.strip().strip("/").split("/") if part.strip()]
    have = [part for part in region.strip().strip("/").split("/") if part.strip()]
    if not want or len(want) > len(have):
        return False
    return all(_segment_matches(w.strip(), h.strip()) for w, h in zip(want, have, strict=False))


def expand_kinds(names: Iterable[str]) -> list[str]:
    """Change kinds from kind values or group names; ConfigError lists the valid ones."""
    kinds: list[str] = []
    for name in names:
        key = name.strip()
        group = KIND_GROUPS.get(key)
        members = [kind.value for kind in group] if group else [key]
        for member in members:
            if member not in ChangeKind._value2member_map_:
                valid = ", ".join([*KIND_GROUPS, *(kind.value for kind in ChangeKind)])
                raise ConfigError(f"unknown change kind {key!r}; valid: {valid}")
            if member not in kinds:
                kinds.append(member)
    return kinds


@dataclass(frozen=True)
class ChangeFacts:
    """What a filter looks at: one change with its document's region and title."""

    change_id: int
    kind: str
    source_id: str | None
    region: str
    texts: tuple[str, ...]  # document title(s) and indicator names, for keywords


@dataclass(frozen=True)
class ChangeFilter:
    """Regions, sources, keywords and kinds; an empty list means "any"."""

    regions: Sequence[str] = field(default_factory=tuple)
    sources: Sequence[str] = field(default_factory=tuple)
    keywords: Sequence[str] = field(default_factory=tuple)
    kinds: Sequence[str] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not (self.regions or self.sources or self.keywords or self.kinds)

    def matches(self, facts: ChangeFacts) -> bool:
        """Whether a change passes every non-empty dimension of this filter."""
        if self.kinds and facts.kind not in self.kinds:
            return False
        if self.sources and facts.source_id not in self.sources:
            return False
        if self.regions and not any(region_matches(wanted, facts.region) for wanted in self.regions):
            return False
        if self.keywords:
            haystack = "\n".join(facts.texts).casefold()
            return any(keyword.casefold() in haystack for keyword in self.keywords if keyword.strip())
        return True

    def describe(self) -> str:
        """A short human description, e.g. for a feed title: ``地区 贵州省; 关键词 床位``."""
        parts = [
            f"{label} {'、'.join(values)}"
            for label, values in (("地区", self.regions), ("来源", self.sources),
                                  ("关键词", self.keywords), ("类型", self.kinds))
            if values
        ]
        return "; ".join(parts) or "全部"
