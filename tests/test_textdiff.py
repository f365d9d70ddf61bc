"""The text differ: sentence then token diffs, section paths, noise that is no change."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.analysis.textdiff import HEADING_STYLES, TOKEN_BOUND, diff_texts, split_units, tokenise
from monitor.inputs import read_input_file

PAIRS = Path(__file__).parent / "golden" / "pairs"

PLAN = (
    "2024年全县卫生健康工作要点\n"
    "一、主要目标\n"
    "全县人均预期寿命达到79.5岁。每千人口医疗卫生机构床位数达到7.86张。孕产妇死亡率控制在15/10万以下。\n"
    "二、重点任务\n"
    "(一)提升基层医疗卫生服务能力\n"
    "1.推进家庭医生签约服务。家庭医生签约服务覆盖率达到45%以上。\n"
    "三、保障措施\n"
    "加强组织领导,压实工作责任。\n"
)


def _changes(old: str, new: str) -> list[tuple[str, str, str]]:
    """(section, old token run, new token run) of every non-equal token op."""
    return [
        (hunk.section, op.old, op.new)
        for hunk in diff_texts(old, new).hunks
        for op in hunk.ops
        if op.op != "equal"
    ]


def test_a_changed_number_is_one_token_in_its_section() -> None:
    new = PLAN.replace("45%以上", "50%以上")
    diff = diff_texts(PLAN, new)
    (hunk,) = diff.hunks
    assert hunk.section == "二、重点任务 > (一)提升基层医疗卫生服务能力 > 1.推进家庭医生签约服务"
    assert (hunk.old, hunk.new) == ("家庭医生签约服务覆盖率达到45%以上。", "家庭医生签约服务覆盖率达到50%以上。")
    assert [(op.op, op.old, op.new) for op in hunk.ops if op.op != "equal"] == [("replace", "45%", "50%")]
    assert (diff.inserted_chars, diff.deleted_chars) == (3, 3)


def test_a_changed_chinese_word_marks_only_its_characters() -> None:
    changes = _changes(PLAN, PLAN.replace("压实工作责任", "落实工作责任"))
    assert changes == [("三、保障措施", "压", "落")]


def test_inserted_and_deleted_sentences_are_their_own_hunks() -> None:
    new = PLAN.replace("孕产妇死亡率控制在15/10万以下。", "婴儿死亡率控制在5‰以下。孕产妇死亡率控制在15/10万以下。")
    new = new.replace("加强组织领导,压实工作责任。\n", "")
    hunks = diff_texts(PLAN, new).hunks
    assert [(h.kind, h.section, h.old, h.new) for h in hunks] == [
        ("insert", "一、主要目标", "", "婴儿死亡率控制在5‰以下。"),
        ("delete", "三、保障措施", "加强组织领导,压实工作责任。", ""),
    ]


def test_an_uneven_block_pairs_similar_sentences_and_keeps_new_ones_apart() -> None:
    new = PLAN.replace("床位数达到7.86张。", "床位数达到8.2张。新建社区卫生服务中心2个。")
    hunks = diff_texts(PLAN, new).hunks
    assert [(h.kind, h.old, h.new) for h in hunks] == [
        ("replace", "每千人口医疗卫生机构床位数达到7.86张。", "每千人口医疗卫生机构床位数达到8.2张。"),
        ("insert", "", "新建社区卫生服务中心2个。"),
    ]


@pytest.mark.parametrize(
    "noisy",
    [
        PLAN + "浏览次数: 1234\n",
        PLAN.replace("二、重点任务", "当前日期:2024年6月28日 星期五\n二、重点任务"),
        PLAN + "分享到: 微信 微博 QQ空间\n",
        PLAN.replace("。", "。\n"),  # re-wrapped lines
        PLAN.replace("\n", "\n\n  ").replace("达到", "达到 "),  # whitespace
        "当前位置: 首页 > 通知公告\n" + PLAN + "相关稿件: 2023年全县卫生健康工作要点\n",  # page chrome lines
    ],
    ids=["view counter", "today's date", "share widget", "line wrapping", "whitespace", "page chrome"],
)
def test_noise_alone_is_no_change(noisy: str) -> None:
    diff = diff_texts(PLAN + "浏览次数: 12\n", noisy)
    assert not diff.changed and diff.hunks == ()


def test_the_view_counter_pair_has_no_change_and_the_edited_pair_one(tmp_path: Path) -> None:
    old = read_input_file(PAIRS / "view_counter" / "old.html").text
    new = read_input_file(PAIRS / "view_counter" / "new.html").text
    assert old != new  # the counter and the date really are in the body text
    assert not diff_texts(old, new).changed
    edited = diff_texts(
        read_input_file(PAIRS / "edited_target" / "old.html").text,
        read_input_file(PAIRS / "edited_target" / "new.html").text,
    )
    assert [(op.old, op.new) for h in edited.hunks for op in h.ops if op.op != "equal"] == [("45%", "50%")]


@pytest.mark.parametrize(("level", "pattern"), HEADING_STYLES, ids=[p.pattern for _, p in HEADING_STYLES])
def test_every_heading_style_opens_a_section(level: int, pattern: object) -> None:
    examples = {0: "【附件】重点任务分解表.docx", 1: "三、保障措施", 2: "(二)强化公共卫生服务", 3: "4.强化慢性病管理。",
                4: "（2）开展筛查", 5: "②加强随访"}
    units = split_units(f"{examples[level]}\n正文一句。")
    assert units[-1].section.endswith(examples[level].rstrip("。"))


def test_an_attachment_starts_its_own_section() -> None:
    edited = PLAN + "【附件】指标表.docx\n孕产妇死亡率\t12\n"
    (hunk,) = diff_texts(edited, edited.replace("\t12", "\t10")).hunks
    assert hunk.section == "【附件】指标表.docx"


def test_sections_nest_and_close() -> None:
    units = split_units(PLAN)
    by_text = {unit.text: unit.section for unit in units}
    assert by_text["家庭医生签约服务覆盖率达到45%以上。"].count(" > ") == 2
    assert by_text["加强组织领导,压实工作责任。"] == "三、保障措施"
    assert by_text["2024年全县卫生健康工作要点"] == ""


def test_tokens_keep_numbers_whole_and_split_chinese_by_character() -> None:
    assert tokenise("控制在550/10万以内,达到90.5%") == [
        "控", "制", "在", "550", "/", "10", "万", "以", "内", ",", "达", "到", "90.5%"
    ]
    assert tokenise("CMI值 提高") == ["CMI", "值", " ", "提", "高"]


def test_a_huge_changed_middle_is_one_replacement_but_the_ends_stay_exact() -> None:
    size = int(TOKEN_BOUND**0.5) + 10
    old = "开头一样," + "甲乙" * size + ",结尾一样。"
    new = "开头一样," + "丙丁" * size + ",结尾一样。"
    (hunk,) = diff_texts(old, new).hunks
    assert [op.op for op in hunk.ops] == ["equal", "replace", "equal"]
    assert hunk.ops[1].old == "甲乙" * size


def test_many_repeated_sentences_still_diff_correctly() -> None:
    old = "\n".join(["一是加强。"] * 3000 + ["二是推进。"] * 3000)
    new = "\n".join(["一是加强。"] * 3000 + ["二是推进。"] * 2999 + ["三是落实。"])
    hunks = diff_texts(old, new).hunks
    assert [(h.old, h.new) for h in hunks] == [("二是推进。", "三是落实。")]


def test_json_form_lists_hunks_and_counts() -> None:
    data = diff_texts(PLAN, PLAN.replace("7.86", "8.2")).to_json()
    assert data["hunk_count"] == 1
    assert data["hunks"][0]["section"] == "一、主要目标"
    assert {"op": "replace", "old": "7.86", "new": "8.2"} in data["hunks"][0]["ops"]
