"""Noise before hashing and diffing: every NOISE_PATTERNS row removes what its example shows."""

from __future__ import annotations

import re

import pytest

from store.normalise import (
    NOISE_PATTERNS,
    NoisePattern,
    content_hash,
    normalise_for_hash,
    strip_noise,
)

PLAN = "一、主要目标\n每千人口医疗卫生机构床位数达到7.86张。"
ROWS = [row for row in NOISE_PATTERNS if row.name != "whitespace"]


def _other_numbers(text: str) -> str:
    """The same noise with other numbers in it (a counter that moved, another day)."""
    return re.sub(r"\d", lambda match: str((int(match.group()) + 3) % 10), text)


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_each_row_matches_its_example_and_makes_no_difference(row: NoisePattern) -> None:
    assert row.pattern.search(row.example), row.name
    assert content_hash(f"{PLAN}\n{row.example}") == content_hash(f"{PLAN}\n{_other_numbers(row.example)}")
    assert row.example not in strip_noise(f"{PLAN}\n{row.example}") or not row.example.strip()


def test_whitespace_is_collapsed_but_lines_are_kept() -> None:
    assert strip_noise("a \u3000 b\r\n\n\n c\xa0d ") == "a b\nc d"
    assert normalise_for_hash("每千人口 床位数\n达到 7.86张") == "每千人口床位数达到7.86张"


@pytest.mark.parametrize(
    "text",
    ["2024年6月28日印发", "浏览器兼容性", "点击进入", "阅读全文", "到2025年,床位数达到8.2张。", "今年完成3次督查"],
)
def test_plan_text_that_only_looks_like_noise_is_kept(text: str) -> None:
    assert strip_noise(text) == text
