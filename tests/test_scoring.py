"""The answer-key scorer: value + similar indicator, one-to-one pairing, P/R, fields."""

from __future__ import annotations

import pytest

from monitor.analysis.scoring import indicator_similarity, score_document, total
from monitor.analysis.targets import extract_targets


def _item(indicator: str, value: float, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {"indicator": indicator, "value": value, "value_max": None, "unit": "%", "cmp": ">=",
                               "deadline": 2025, "kind": "target"}
    base.update(fields)
    return base


@pytest.mark.parametrize(
    ("left", "right", "similar"),
    [("社区医院", "建成社区医院", True), ("“两癌”筛查", "两癌筛查", True), ("孕产妇死亡率", "社区医院", False),
     ("每千人口执业（助理）医师数", "每千人口执业助理医师数", True), ("", "社区医院", False),
     ("乡镇卫生院达到推荐标准的比例", "乡镇卫生院和社区卫生服务中心达到推荐标准的比例", True)],
)
def test_indicator_similarity(left: str, right: str, similar: bool) -> None:
    assert (indicator_similarity(left, right) >= 60) is similar


def test_precision_recall_and_one_to_one_pairs() -> None:
    expected = [_item("孕产妇死亡率", 12, unit="/10万", cmp="<="), _item("婴儿死亡率", 5, unit="‰", cmp="<="),
                _item("社区医院", 5, unit="家", cmp="=")]
    predicted = [_item("孕产妇死亡率", 12, unit="/10万", cmp="<="), _item("婴儿死亡率", 6, unit="‰", cmp="<="),
                 _item("建成社区医院", 5, unit="家", cmp=">="), _item("建成社区医院", 5, unit="家", cmp="=")]
    score = score_document("doc", predicted, expected)
    assert (score.matched, score.predicted, score.expected) == (2, 4, 3)
    assert score.precision == 0.5 and score.recall == pytest.approx(2 / 3)
    assert [item["value"] for item in score.missed] == [5]
    assert [(item["value"], item["cmp"]) for item in score.spurious] == [(6, "<="), (5, ">=")]
    assert score.field_hits == {"cmp": 2, "unit": 2, "deadline": 2, "kind": 2}


def test_ranges_must_agree_on_both_ends() -> None:
    expected = [_item("县域医疗卫生次中心", 3, value_max=5, unit="家", cmp="range")]
    assert score_document("a", [_item("县域医疗卫生次中心", 3, value_max=4)], expected).matched == 0
    assert score_document("b", [_item("县域医疗卫生次中心", 3, value_max=5)], expected).matched == 1


def test_extracted_targets_are_scored_directly() -> None:
    found = extract_targets("孕产妇死亡率控制在12/10万以下，建成社区医院5家。", plan_year=2023)
    expected = [_item("孕产妇死亡率", 12, unit="/10万", cmp="<=", deadline=2023),
                _item("社区医院", 5, unit="家", cmp="=", deadline=2023)]
    score = score_document("doc", found, expected)
    assert score.matched == 2 and score.field_hits == {"cmp": 2, "unit": 2, "deadline": 2, "kind": 2}


def test_totals_are_micro_averaged() -> None:
    one = score_document("one", [_item("甲率", 1)], [_item("甲率", 1)])
    two = score_document("two", [_item("乙率", 2), _item("丙率", 3), _item("丁率", 4)], [_item("乙率", 2)])
    totals = total([one, two])
    assert (totals.matched, totals.predicted, totals.expected) == (2, 4, 2)
    assert totals.precision == 0.5 and totals.recall == 1.0
    assert "precision 0.500 recall 1.000" in totals.summary()


def test_empty_documents() -> None:
    score = score_document("empty", [], [])
    assert score.precision == 1.0 and score.recall == 1.0
    assert total([]).precision == 1.0
