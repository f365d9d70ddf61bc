"""Property-based tests (Hypothesis) on the extractor and the differ: no text makes them
raise, and what they return keeps its promises.

Scraped text is anything: control characters, zero-width and byte-order marks,
emoji, CJK Extension B (𠀀 𪚥), runs of hundreds of digits, 万万/亿亿, brackets nested
ten deep, no punctuation at all. ``tests/test_targets.py`` has a first fuzz of the
extractor; these strategies aim at the hostile corners and check more invariants:

extractor  values finite; ``value_max`` ≥ ``value`` when present; the sentence is an
           exact substring of the text; ``cmp`` and ``kind`` in their closed sets;
           a deadline is a plausible year; JSON keeps Chinese.
numbers    offsets inside the text, ranges ascending, values finite.
differ     a text against itself is empty; every hunk's token ops reassemble its old
           and new sentence; the old sides of all hunks plus the unchanged text
           reassemble the old text, the new sides plus the *same* unchanged text the
           new one (so "no hunks" means "same text", and nothing is lost or invented).
"""

from __future__ import annotations

import json
import math
import re

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from monitor.analysis.chrome import is_chrome_line
from monitor.analysis.numbers import find_quantities
from monitor.analysis.targets import MAX_SENTENCE_CHARS, extract_targets
from monitor.analysis.textdiff import diff_texts, split_units, tokenise
from store.kinds import Comparator, TargetKind

CONTROL = "".join(chr(code) for code in [*range(0, 32), 127, 0x85, 0x2028, 0x2029, 0x200B, 0x200D, 0xFEFF, 0x3000])
RARE = "𠀀𪚥𠮷𡈽𤋮😀🏥💉👩‍⚕️🇨🇳"  # CJK Extension B, emoji, a ZWJ sequence, a flag
PLAN_WORDS = [
    "到2025年，", "孕产妇死亡率", "控制在", "12/10万", "以下", "以内", "。", "；", "\n", "一、", "（二）", "3.", "达到",
    "95%", "以上", "百分之九十", "1.82万", "35-64岁", "分别", "、", "（牵头单位：", "）", "“十四五”", "〔2024〕36号",
    "左右", "3至5家", "２０２３年", "年内", "较上年", "提高", "个百分点", "零", "万", "亿", "万万", "亿亿", "≥", "|", "\t",
    "每千人口医疗卫生机构床位数", "张", "人均预期寿命", "岁", "不低于", "不超过", "下降", "增长", "已完成", "累计",
]
_DIGITS = st.integers(1, 600).map(lambda n: "9" * n)
_NESTED = st.integers(1, 12).map(lambda n: "（" * n + "达到50%" + "）" * n + "【" * n + "《" * n)
_PIECE = st.one_of(
    st.sampled_from(PLAN_WORDS), st.sampled_from(list(CONTROL)), st.sampled_from(list(RARE)), _DIGITS, _NESTED,
    st.text(max_size=8),
)
# Arbitrary unicode (Hypothesis leaves out surrogates), plan-like word soup, and soup with no punctuation.
TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(_PIECE, max_size=60).map("".join),
    st.lists(st.sampled_from([w for w in PLAN_WORDS if not re.search(r"[。；，、\n（）]", w)]), max_size=80).map("".join),
)
COMPARATORS = set(Comparator)
KINDS = set(TargetKind)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, st.none() | st.integers(1949, 2100))
@example("达到" + "9" * 400 + "个。人数达到九九九九九九九九九九万万亿亿人。", 2024)
@example("（" * 50 + "每千人口床位数达到7.86张" + "）" * 50, None)
@example("\x00\x01孕产妇死亡率控制在12/10万以下\x7f\u2028𠀀𪚥😀人均预期寿命达到80岁\ufeff", None)
def test_extractor_never_raises_and_keeps_its_invariants(text: str, plan_year: int | None) -> None:
    for target in extract_targets(text, plan_year=plan_year):
        assert math.isfinite(target.value), target
        if target.value_max is not None:
            assert math.isfinite(target.value_max) and target.value_max >= target.value, target
        assert target.sentence and target.sentence in text, target
        assert target.cmp in COMPARATORS and target.kind in KINDS, target
        assert target.deadline is None or 1900 <= target.deadline <= 2200, target
        assert isinstance(target.indicator, str) and isinstance(target.unit, str)
        data = json.loads(json.dumps(target.to_json(), ensure_ascii=False))
        assert data["sentence"] == target.sentence


def test_a_page_without_punctuation_is_read_in_bounded_pieces() -> None:
    text = "".join(f"居民健康素养水平达到{n % 90}%床位数达到{n % 9}张人均预期寿命达到{70 + n % 10}岁" for n in range(600))
    found = extract_targets(text, plan_year=2024)  # read whole, this took half a minute
    assert len(found) >= 1000 and {t.unit for t in found} >= {"%", "张", "岁"}
    assert {t.value for t in found if t.unit == "岁"} == {float(70 + n) for n in range(10)}
    assert all(t.sentence in text and len(t.sentence) <= MAX_SENTENCE_CHARS for t in found)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
@example("1" * 5000 + "万万亿亿%")
def test_numbers_are_finite_and_inside_the_text(text: str) -> None:
    for quantity in find_quantities(text):
        assert 0 <= quantity.start <= quantity.num_start < quantity.num_end <= quantity.end <= len(text)
        assert math.isfinite(quantity.value)
        assert quantity.value_max is None or (math.isfinite(quantity.value_max) and quantity.value_max > quantity.value)


# --- the differ ----------------------------------------------------------------------

SENTENCES = st.lists(st.one_of(st.sampled_from(PLAN_WORDS), st.text(max_size=6), st.sampled_from(list(RARE))),
                     min_size=1, max_size=8).map("".join)


def _edited(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few sentences replaced, dropped or added, or a number changed."""
    parts = re.split(r"(?<=[。；\n])", text)
    for _ in range(draw(st.integers(0, 4))):
        where = draw(st.integers(0, len(parts)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "number"]))
        if action == "insert":
            parts.insert(where, draw(SENTENCES) + draw(st.sampled_from(["。", "\n", ""])))
        elif parts and where < len(parts) and action == "delete":
            del parts[where]
        elif parts and where < len(parts) and action == "replace":
            parts[where] = draw(SENTENCES) + "。"
        elif parts and where < len(parts):
            parts[where] = re.sub(r"\d+", lambda m: str(int(m.group()[:6]) + 1), parts[where], count=1)
    return "".join(parts)


@st.composite
def text_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """A text and an edit of it (mostly), or two unrelated texts."""
    old = draw(st.one_of(st.lists(SENTENCES.map(lambda s: s + "。"), max_size=12).map("\n".join), TEXTS))
    new = draw(st.one_of(st.just(None), TEXTS)) if draw(st.integers(0, 4)) == 0 else None
    return old, new if new is not None else _edited(draw, old)


def _keys(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _reassembles(old_text: str, new_text: str, hunks: list[tuple[str, str]]) -> bool:
    """True when old = e0 o0 e1 o1 … en and new = e0 n0 e1 n1 … en for some shared e0 … en.

    The e's are what the diff says did not change (it must be the same on both
    sides); a regular expression with back-references finds them if they exist.
    """
    separator = "\ue000"
    old_part = "".join(f"(?P<e{index}>.*?){re.escape(old)}" for index, (old, _) in enumerate(hunks))
    new_part = "".join(f"(?P=e{index}){re.escape(new)}" for index, (_, new) in enumerate(hunks))
    last = len(hunks)
    pattern = f"^{old_part}(?P<e{last}>.*?){separator}{new_part}(?P=e{last})$"
    return re.match(pattern, old_text + separator + new_text, re.S) is not None


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_a_text_diffed_with_itself_is_empty(text: str) -> None:
    assert diff_texts(text, text).hunks == ()


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(text_pairs())
@example(("一、目标\n床位数达到7张。寿命达到80岁。", "一、目标\n床位数达到8张。寿命达到80岁。新增一句。"))
@example(("ab。c。", "a。bc。"))
def test_diff_sides_reassemble_the_old_and_the_new_text(pair: tuple[str, str]) -> None:
    old, new = pair
    assume("\ue000" not in old + new)
    units = split_units(old) + split_units(new)
    assume(not any(is_chrome_line(unit.line) for unit in units))  # chrome lines are dropped on purpose
    diff = diff_texts(old, new)
    for hunk in diff.hunks:
        assert "".join(op.old for op in hunk.ops) == hunk.old
        assert "".join(op.new for op in hunk.ops) == hunk.new
        assert all(op.op in {"equal", "insert", "delete", "replace"} for op in hunk.ops)
        assert all(op.old == op.new for op in hunk.ops if op.op == "equal")
        assert hunk.old or hunk.new
    old_keys = "".join(unit.key for unit in split_units(old))
    new_keys = "".join(unit.key for unit in split_units(new))
    sides = [(_keys(hunk.old), _keys(hunk.new)) for hunk in diff.hunks]
    assert _reassembles(old_keys, new_keys, sides), (old_keys, new_keys, sides)
    if not diff.hunks:
        assert old_keys == new_keys


@settings(max_examples=300, deadline=None)
@given(SENTENCES)
def test_tokens_cover_the_sentence(sentence: str) -> None:
    assert "".join(tokenise(sentence)) == sentence
