"""Subscriber and feed filters: the region rule, kind groups, and how dimensions combine."""

from __future__ import annotations

import pytest

from reports.filters import (
    ADMIN_SUFFIXES,
    KIND_GROUPS,
    ChangeFacts,
    ChangeFilter,
    expand_kinds,
    region_matches,
)
from store.errors import ConfigError
from store.kinds import ChangeKind

REGION_CASES = [
    ("贵州省", "贵州省/贵阳市", True),
    ("贵州省/贵阳市", "贵州省/贵阳市", True),
    ("贵州省/贵阳市", "贵州省/贵阳市/南明区", True),
    ("贵州", "贵州省/贵阳市", True),
    ("贵州/贵阳", "贵州省/贵阳市", True),
    ("贵州省/贵阳市/", "贵州省/贵阳市", True),
    ("广西", "广西壮族自治区/南宁市", False),  # 壮族 is no administrative suffix
    ("广西壮族", "广西壮族自治区/南宁市", True),
    ("贵州省/贵", "贵州省/贵阳市", False),
    ("贵州省/遵义市", "贵州省/贵阳市", False),
    ("四川省", "贵州省/贵阳市", False),
    ("贵州省/贵阳市/南明区", "贵州省/贵阳市", False),
    ("贵阳市", "贵州省/贵阳市", False),  # a path starts at the province
    ("", "贵州省/贵阳市", False),
]


@pytest.mark.parametrize(("wanted", "region", "expected"), REGION_CASES, ids=[f"{w}|{r}" for w, r, _ in REGION_CASES])
def test_region_rule(wanted: str, region: str, expected: bool) -> None:
    assert region_matches(wanted, region) is expected


@pytest.mark.parametrize("suffix", ADMIN_SUFFIXES)
def test_every_admin_suffix_may_be_left_out(suffix: str) -> None:
    assert region_matches("某地", f"某地{suffix}/下级")
    assert not region_matches("某地", f"某地X{suffix}")


@pytest.mark.parametrize("group", list(KIND_GROUPS))
def test_kind_groups_expand_to_real_kinds(group: str) -> None:
    kinds = expand_kinds([group])
    assert kinds and all(kind in ChangeKind._value2member_map_ for kind in kinds)
    assert kinds == [kind.value for kind in KIND_GROUPS[group]]


def test_targets_group_holds_every_target_kind_and_duplicates_collapse() -> None:
    kinds = expand_kinds(["targets", "target-raised", "new-document"])
    assert kinds[-1] == "new-document" and kinds.count("target-raised") == 1
    assert {k.value for k in ChangeKind if k.is_target_change} <= set(kinds)


def test_unknown_kind_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown change kind 'target-up'; valid: plans, targets.*target-raised"):
        expand_kinds(["target-up"])


def _facts(**kwargs: object) -> ChangeFacts:
    base: dict[str, object] = {"change_id": 1, "kind": "target-raised", "source_id": "gy-wjw",
                               "region": "贵州省/贵阳市", "texts": ("2024年贵阳市卫生健康工作要点", "每千人口医疗卫生机构床位数")}
    base.update(kwargs)
    return ChangeFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (ChangeFilter(), True),
        (ChangeFilter(regions=["四川省", "贵州省"]), True),
        (ChangeFilter(regions=["四川省"]), False),
        (ChangeFilter(sources=["sn-wjw"]), False),
        (ChangeFilter(sources=["sn-wjw", "gy-wjw"]), True),
        (ChangeFilter(keywords=["床位"]), True),
        (ChangeFilter(keywords=["贵阳市"]), True),
        (ChangeFilter(keywords=["托位"]), False),
        (ChangeFilter(kinds=["target-lowered"]), False),
        (ChangeFilter(regions=["贵州省"], keywords=["托位"]), False),
        (ChangeFilter(regions=["贵州省"], keywords=["床位"], kinds=["target-raised"], sources=["gy-wjw"]), True),
    ],
    ids=["empty", "region-or", "region-miss", "source-miss", "source-or", "keyword-indicator", "keyword-title",
         "keyword-miss", "kind-miss", "and-across", "all-four"],
)
def test_filter_dimensions_and_across_or_within(flt: ChangeFilter, expected: bool) -> None:
    assert flt.matches(_facts()) is expected


def test_keywords_ignore_case() -> None:
    assert ChangeFilter(keywords=["hiv"]).matches(_facts(texts=("HIV感染者发现率",)))


def test_describe_is_chinese_and_short() -> None:
    assert ChangeFilter().describe() == "全部"
    assert ChangeFilter(regions=["贵州省"], keywords=["床位", "托位"]).describe() == "地区 贵州省; 关键词 床位、托位"
