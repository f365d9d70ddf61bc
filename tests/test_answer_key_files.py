"""The answer key for target extraction (tests/golden/answer_key) is well formed.

The key is what the extractor is scored against, so a typo in it silently moves the
precision and recall figures. These tests check every YAML file against GUIDE.md: the
schema and allowed values, that each document exists, that every annotated number (in
some written form: 1.82万, 百分之九十, ９５, 两) and every trap string occurs in the text,
that items are listed in text order, and the size of the key as a whole. The fresh
set (answer_key/fresh, written after the extractor was tuned) is checked file by file
like holdout/, but kept out of the held-out share and the size of the tuned key; so is
the second fresh set (answer_key/fresh2, longer documents of up to 40 items). They
never import the extractor.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cn2an
import pytest
import yaml

KEY_DIR = Path(__file__).resolve().parent / "golden" / "answer_key"
HOLDOUT_DIR = KEY_DIR / "holdout"
FRESH_DIR = KEY_DIR / "fresh"
FRESH2_DIR = KEY_DIR / "fresh2"
SEED_KEY_DIR = KEY_DIR / "seeds"
SEED_NAMES = ("000_59ac99cd95a2254b", "001_4d5e862fd32e0444", "002_4a3de100b9f9aed8")

CMPS = {"=", ">=", "<=", ">", "<", "~", "range", "+=", "+>=", "-=", "-<="}
KINDS = {"target", "actual"}
UNITS = {  # GUIDE.md, "unit"
    *("%", "‰", "/10万", "岁", "张", "个", "家", "所", "人", "人次", "名", "项", "次", "篇"),
    *("百分点", "万元", "亿元", "元", "例", "期", "级", "天", "种", "支", "台", "辆", "场"),
    *("户", "份", "床", "处", "平方米", "小时", "分钟", "公里", "批", "对", "年", "套", "座"),
    *("本", "组", "剂次", "管", "克"),
}
ITEM_KEYS = {"indicator", "value", "value_max", "unit", "cmp", "deadline", "kind"}
TOP_KEYS = {"title", "plan_year", "targets", "traps"}

_FULLWIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
_ARABIC = re.compile(r"\d+(?:\.\d+)?")
_CHINESE = re.compile(r"[〇零一二两三四五六七八九十百千万亿点]+")
_MULTIPLIERS = {"万": 1e4, "亿": 1e8}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _tuned_keys() -> list[Path]:
    """The written key the extractor was tuned and scored against (holdout/ included)."""
    return sorted(KEY_DIR.glob("*.yaml")) + sorted(HOLDOUT_DIR.glob("*.yaml"))


def _fresh_keys() -> list[Path]:
    return sorted(FRESH_DIR.glob("*.yaml"))


def _fresh2_keys() -> list[Path]:
    return sorted(FRESH2_DIR.glob("*.yaml"))


def _written_keys() -> list[Path]:
    return _tuned_keys() + _fresh_keys() + _fresh2_keys()


def _seed_keys() -> list[Path]:
    return sorted(SEED_KEY_DIR.glob("*.yaml"))


def _key_id(path: Path) -> str:
    return str(path.relative_to(KEY_DIR))


def load_key(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: top level must be a mapping"
    return data


def read_document(path: Path) -> str:
    """Plain text as a user would hand it to `planwatch extract` (GBK when named .gbk.txt)."""
    encoding = "gbk" if path.name.endswith(".gbk.txt") else "utf-8"
    return path.read_bytes().decode(encoding)


def _chinese_values(span: str) -> Iterator[float]:
    """Values a Chinese-numeral span can stand for: the whole span and each character."""
    for piece in [span, *span]:
        try:
            yield float(cn2an.cn2an(piece, "normal"))
        except (ValueError, KeyError, IndexError):
            continue


def number_mentions(text: str) -> list[tuple[int, float]]:
    """Every (position, value) a reader could see in the text, sorted by position.

    Arabic numbers (also full-width) with an optional 万/亿 multiplier right after them,
    and Chinese numerals (三, 两, 十五, 九十 in 百分之九十, 一万八千二百)."""
    text = text.translate(_FULLWIDTH)
    found: list[tuple[int, float]] = []
    for match in _ARABIC.finditer(text):
        value = float(match.group())
        found.append((match.start(), value))
        after = text[match.end() : match.end() + 2].lstrip()
        if after[:1] in _MULTIPLIERS:
            found.append((match.start(), value * _MULTIPLIERS[after[:1]]))
    for match in _CHINESE.finditer(text):
        found.extend((match.start(), value) for value in _chinese_values(match.group()))
    return sorted(found)


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _document_path(key_path: Path, data: dict[str, Any], seeds_dir: Path | None) -> Path:
    if "seed" in data:
        assert seeds_dir is not None
        return seeds_dir / data["seed"]
    return key_path.parent / data["document"]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _unquote(text: str) -> str:
    """Without spaces, quotes and brackets, which an indicator may drop."""
    return re.sub(r"[\s“”\"‘’()（）]", "", text)


# ---------------------------------------------------------------- schema (no text needed)


def _check_item(where: str, item: dict[str, Any]) -> None:
    assert set(item) == ITEM_KEYS, f"{where}: keys {sorted(item)} != {sorted(ITEM_KEYS)}"
    assert isinstance(item["indicator"], str) and item["indicator"].strip(), where
    assert isinstance(item["value"], int | float) and not isinstance(item["value"], bool), where
    assert math.isfinite(item["value"]), f"{where}: value must be finite"
    assert item["cmp"] in CMPS, f"{where}: cmp {item['cmp']!r} not in {sorted(CMPS)}"
    assert item["kind"] in KINDS, f"{where}: kind {item['kind']!r}"
    assert item["unit"] in UNITS, f"{where}: unit {item['unit']!r} not in GUIDE's list"
    if item["cmp"] == "range":
        high = item["value_max"]
        assert isinstance(high, int | float) and math.isfinite(high), f"{where}: range max"
        assert high > item["value"], f"{where}: value_max must exceed value"
    else:
        assert item["value_max"] is None, f"{where}: value_max only for cmp range"
    deadline = item["deadline"]
    assert deadline is None or (isinstance(deadline, int) and 2010 <= deadline <= 2050), where


@pytest.mark.parametrize("key_path", _written_keys() + _seed_keys(), ids=_key_id)
def test_schema(key_path: Path) -> None:
    data = load_key(key_path)
    source = "seed" if key_path.parent == SEED_KEY_DIR else "document"
    assert set(data) == TOP_KEYS | {source}, f"top-level keys {sorted(data)}"
    assert isinstance(data["title"], str) and data["title"].strip()
    assert isinstance(data["plan_year"], int) and 2019 <= data["plan_year"] <= 2025
    assert isinstance(data["targets"], list) and data["targets"], "no items annotated"
    for number, item in enumerate(data["targets"], 1):
        assert isinstance(item, dict), f"item {number} is not a mapping"
        _check_item(f"{key_path.name} item {number} ({item.get('indicator')})", item)
    assert isinstance(data["traps"], list)
    assert all(isinstance(trap, str) and trap for trap in data["traps"])
    assert len(set(data["traps"])) == len(data["traps"]), "duplicate trap"


@pytest.mark.parametrize("key_path", _written_keys(), ids=_key_id)
def test_written_document_belongs_to_its_key(key_path: Path) -> None:
    data = load_key(key_path)
    document = key_path.parent / data["document"]
    assert document.is_file(), f"{data['document']} is missing beside {key_path.name}"
    assert document.name == key_path.stem + ".txt", "NAME.yaml annotates NAME.txt"
    size = document.stat().st_size
    assert 3_000 <= size <= 20_000, f"{document.name} is {size} bytes (brief: 3-20 KB)"


# ---------------------------------------------------------------- against the text


def _text_cases() -> list[Any]:
    cases = [pytest.param(path, id=_key_id(path)) for path in _written_keys()]
    cases += [
        pytest.param(path, id=_key_id(path), marks=pytest.mark.seeds) for path in _seed_keys()
    ]
    return cases


@pytest.fixture
def keyed_text(request: pytest.FixtureRequest, key_path: Path) -> tuple[dict[str, Any], str]:
    data = load_key(key_path)
    seeds_dir: Path | None = None
    if "seed" in data:
        seeds_dir = request.getfixturevalue("seeds_dir")
    return data, read_document(_document_path(key_path, data, seeds_dir))


@pytest.mark.parametrize("key_path", _text_cases())
def test_title_and_traps_occur_in_text(keyed_text: tuple[dict[str, Any], str]) -> None:
    data, text = keyed_text
    assert _squeeze(data["title"]) in _squeeze(text), f"title {data['title']!r} not in text"
    missing = [trap for trap in data["traps"] if trap not in text]
    assert not missing, f"trap strings absent from the text: {missing}"


@pytest.mark.parametrize("key_path", _text_cases())
def test_every_number_is_written_in_text(keyed_text: tuple[dict[str, Any], str]) -> None:
    data, text = keyed_text
    values = [value for _, value in number_mentions(text)]
    for item in data["targets"]:
        for field in ("value", "value_max"):
            number = item[field]
            if number is not None:
                assert any(_same(number, seen) for seen in values), (
                    f"{item['indicator']}: {field} {number} is written nowhere in the text"
                )


@pytest.mark.parametrize("key_path", _text_cases())
def test_items_are_in_text_order(keyed_text: tuple[dict[str, Any], str]) -> None:
    """Greedy earliest match: succeeds exactly when the values occur in the listed order."""
    data, text = keyed_text
    mentions = number_mentions(text)
    position = -1
    for item in data["targets"]:
        later = [at for at, value in mentions if at > position and _same(value, item["value"])]
        assert later, f"{item['indicator']} ({item['value']}) is out of text order"
        position = later[0]


@pytest.mark.parametrize("key_path", _text_cases())
def test_indicators_are_written_in_text(keyed_text: tuple[dict[str, Any], str]) -> None:
    """Indicators are phrases as written: every character occurs in the text and a
    piece of at least four characters (or the whole, if shorter) occurs verbatim."""
    data, text = keyed_text
    text = _unquote(text)
    for item in data["targets"]:
        indicator = _unquote(item["indicator"])
        strangers = {char for char in _CJK.findall(indicator) if char not in text}
        assert not strangers, f"{indicator}: characters {strangers} are not in the text"
        width = min(4, len(indicator))
        pieces = {indicator[i : i + width] for i in range(len(indicator) - width + 1)}
        assert any(piece in text for piece in pieces), f"{indicator}: no piece is verbatim"


# ---------------------------------------------------------------- the key as a whole


def _all_items() -> list[dict[str, Any]]:
    return [item for path in _tuned_keys() + _seed_keys() for item in load_key(path)["targets"]]


def test_key_is_large_enough() -> None:
    items = _all_items()
    traps = sum(len(load_key(path)["traps"]) for path in _tuned_keys() + _seed_keys())
    assert len(_tuned_keys()) >= 12, "at least 12 written plan texts"
    assert len(items) >= 200, f"{len(items)} items (need 200 targets + actuals)"
    assert traps >= 40, f"{traps} traps planted (need 40)"
    kinds = {item["kind"] for item in items}
    assert kinds == KINDS, "the key must hold both targets and actuals"


def test_about_a_third_is_held_out() -> None:
    held = len(sorted(HOLDOUT_DIR.glob("*.yaml")))
    share = held / len(_tuned_keys())
    assert 0.25 <= share <= 0.45, f"{held} of {len(_tuned_keys())} documents held out"


def test_fresh_set_is_large_and_new() -> None:
    """GUIDE.md, "fresh/": at least 8 new documents of 10-30 items, targets and actuals
    both present, names and titles not reused from the tuned key."""
    fresh = [load_key(path) for path in _fresh_keys()]
    assert len(fresh) >= 8, f"{len(fresh)} fresh documents (need 8)"
    for data in fresh:
        assert 10 <= len(data["targets"]) <= 30, f"{data['document']}: {len(data['targets'])} items"
    assert {item["kind"] for data in fresh for item in data["targets"]} == KINDS
    tuned = [load_key(path) for path in _tuned_keys()]
    reused = {data["document"] for data in fresh} & {data["document"] for data in tuned}
    assert not reused, f"fresh names already used: {reused}"
    retitled = {data["title"] for data in fresh} & {data["title"] for data in tuned}
    assert not retitled, f"fresh titles already used: {retitled}"


def test_second_fresh_set_is_large_and_new() -> None:
    """GUIDE.md, "fresh2/": at least 8 more documents of 10-40 items, targets and actuals
    both present, names and titles used neither by the tuned key nor by fresh/."""
    fresh2 = [load_key(path) for path in _fresh2_keys()]
    assert len(fresh2) >= 8, f"{len(fresh2)} fresh2 documents (need 8)"
    for data in fresh2:
        count = len(data["targets"])
        assert 10 <= count <= 40, f"{data['document']}: {count} items"
    assert {item["kind"] for data in fresh2 for item in data["targets"]} == KINDS
    earlier = [load_key(path) for path in _tuned_keys() + _fresh_keys()]
    reused = {data["document"] for data in fresh2} & {data["document"] for data in earlier}
    assert not reused, f"fresh2 names already used: {reused}"
    retitled = {data["title"] for data in fresh2} & {data["title"] for data in earlier}
    assert not retitled, f"fresh2 titles already used: {retitled}"


def test_every_text_has_a_key_and_seeds_are_not_copied() -> None:
    for folder in (KEY_DIR, HOLDOUT_DIR, FRESH_DIR, FRESH2_DIR):
        for text in folder.glob("*.txt"):
            assert text.with_suffix(".yaml").is_file(), f"{text.name} has no YAML"
    assert sorted(path.stem for path in _seed_keys()) == list(SEED_NAMES)
    assert not list(SEED_KEY_DIR.glob("*.txt")), "seed texts stay in ../shared/seeds"


def test_gbk_document_is_really_gbk() -> None:
    documents = list(KEY_DIR.rglob("*.gbk.txt"))
    assert documents, "one written text is stored as GBK"
    for document in documents:
        raw = document.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert "卫生健康" in raw.decode("gbk")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("为1.82万35-64岁农村妇女", 18200.0, id="wan-decimal"),
        pytest.param("培训10.65万人次", 106500.0, id="wan-renci"),
        pytest.param("达到百分之九十", 90.0, id="baifenzhi"),
        pytest.param("建成两所", 2.0, id="liang"),
        pytest.param("新增十五家", 15.0, id="shiwu"),
        pytest.param("接种率达到９５％", 95.0, id="full-width"),
        pytest.param("控制在 550/10 万以内", 550.0, id="spaced-per-100k"),
    ],
)
def test_number_forms_are_recognised(text: str, value: float) -> None:
    """The checker itself: each written form of a number is found."""
    assert any(_same(value, seen) for _, seen in number_mentions(text))


def test_number_checker_rejects_absent_values() -> None:
    assert not any(_same(7.0, seen) for _, seen in number_mentions("建成15个社区医院"))
