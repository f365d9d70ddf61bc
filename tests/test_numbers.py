"""Number spans → floats: Arabic, full-width, Chinese numerals (cn2an on isolated spans
only), 万/亿, 百分之, ranges, units, 余, cues glued after the number, and offsets."""

from __future__ import annotations

import pytest

from monitor.analysis.numbers import find_quantities, normalise_digits, parse_number


@pytest.mark.parametrize(
    ("written", "value"),
    [("7.86", 7.86), ("１２", 12), ("０．５", 0.5), ("两", 2), ("三", 3), ("十五", 15), ("一百二十", 120),
     ("两千三百万", 23_000_000), ("1.82万", 18_200), ("10.65万", 106_500), ("3.5亿", 350_000_000),
     ("百分之九十", 90), ("百分之12.5", 12.5), ("零点五", 0.5), ("1,200", 1200)],
)
def test_parse_number(written: str, value: float) -> None:
    assert parse_number(written) == pytest.approx(value)


@pytest.mark.parametrize("written", ["十四五", "abc", "", "万"])
def test_parse_number_refuses_what_is_not_a_number(written: str) -> None:
    assert parse_number(written) is None


def _read(text: str) -> list[tuple[float, float | None, str, str, str]]:
    return [(q.value, q.value_max, q.unit, q.infix, q.post) for q in find_quantities(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("床位数达到7.86张", [(7.86, None, "张", "", "")]),
        ("接种率９５％以上", [(95, None, "%", "", "以上")]),
        ("控制在 550/10 万以内", [(550, None, "/10万", "", "以内")]),
        ("控制在22分/10万", [(22, None, "/10万", "", "")]),
        ("培训10.65万人次", [(106_500, None, "人次", "", "")]),
        ("资金3000万元、1.2亿元", [(3000, None, "万元", "", ""), (1.2, None, "亿元", "", "")]),
        ("培训2000余人次", [(2000, None, "人次", "余", "")]),
        ("建设1-2个、3至5家、3～5所、60%-70%",
         [(1, 2, "个", "", ""), (3, 5, "家", "", ""), (3, 5, "所", "", ""), (60, 70, "%", "", "")]),
        ("提高5个百分点", [(5, None, "百分点", "", "")]),
        ("同比下降0.3个千分点", [(0.3, None, "千分点", "", "")]),
        ("人均预期寿命81.5岁左右", [(81.5, None, "岁", "", "左右")]),
        ("举办两期讲座", [(2, None, "期", "", "")]),
        ("签约率百分之四十二", [(42, None, "%", "", "")]),
        ("婴儿死亡率千分之五", [(5, None, "‰", "", "")]),
        ("孕产妇死亡率十万分之十二以下", [(12, None, "/10万", "", "以下")]),
        ("出生缺陷发生率万分之120", [(120, None, "/万", "", "")]),
        ("完成婚检1,200对", [(1200, None, "对", "", "")]),
    ],
)
def test_find_quantities(text: str, expected: list[tuple[float, float | None, str, str, str]]) -> None:
    assert _read(text) == [tuple(pytest.approx(v) if isinstance(v, float) else v for v in row) for row in expected]


def test_wan_and_an_age_range_are_two_quantities() -> None:
    first, second = find_quantities("为1.82万35-64岁农村妇女免费提供筛查")
    assert (first.value, first.unit, first.multiplied, first.trap) == (18_200, "", True, None)
    assert (second.value, second.value_max, second.unit, second.trap) == (35, 64, "岁", "age-range")


def test_chinese_numerals_are_read_only_as_isolated_spans() -> None:
    """cn2an.transform over the text would turn 一带一路 into 1带1路; words stay words."""
    assert find_quantities("贯彻一带一路倡议，推进一体化管理，确保十四五开好局") == []


def test_offsets_refer_to_the_text_as_given() -> None:
    text = "ａ孕产妇死亡率控制在１２／１０万以下"
    [quantity] = find_quantities(text)
    assert text[quantity.num_start:quantity.num_end] == "１２"
    assert normalise_digits(text)[quantity.start:quantity.end] == "12/10万以下"
    assert len(normalise_digits(text)) == len(text)


@pytest.mark.parametrize(
    ("text", "trap"),
    [("2024年6月12日", "date"), ("〔2024〕36号", "document-number"), ("第9届", "ordinal"), ("“5个不变”", "quoted"),
     ("65岁以上老年人", "age-qualifier"), ("(2020-2030年)", "year-span")],
)
def test_trap_is_named(text: str, trap: str) -> None:
    quantities = find_quantities(text)
    assert quantities and quantities[0].trap == trap


def test_huge_and_odd_numbers_stay_finite() -> None:
    text = "达到" + "9" * 400 + "个，" + "1" * 30 + ".5亿元，九九九九九九九九九九亿个"
    for quantity in find_quantities(text):
        assert quantity.value == quantity.value  # not NaN
        assert quantity.value != float("inf")
