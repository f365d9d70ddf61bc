"""``planwatch extract FILE [--json] [--year N]`` on real files: UTF-8 and GBK text
(with page chrome), a saved HTML page, and files it must refuse in one line."""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PLANWATCH = str(Path(sys.executable).with_name("planwatch"))
KEYS = {"indicator", "value", "value_max", "unit", "cmp", "deadline", "kind", "sentence", "section"}

PLAN_TEXT = """热搜: 食品  奶粉  保健品
当前位置: 首页 > 政务公开 > 正文
放大字体  缩小字体 发布日期:2022-03-21  浏览次数:128
2022年全市卫生健康工作要点
一、提升服务能力
（一）孕产妇死亡率、婴儿死亡率分别控制在12/10万、5‰以下。
（二）年内建成社区医院5家，为1.82万35-64岁农村妇女免费提供“两癌”筛查。（牵头单位：妇幼健康科）
二、2021年工作回顾
全市共有医疗卫生机构1260个。
[ 打印本文 ]  [ 关闭窗口 ]
"""

HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="gbk"><title>2023年全县卫生健康工作要点_某县卫生健康局</title></head>
<body>
<div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div>
<h1 class="title">2023年全县卫生健康工作要点</h1>
<div class="info">发布时间：2023-02-10 来源：县卫生健康局 <span>浏览次数：56</span></div>
<div class="TRS_Editor" id="zoom">
<p>一、夯实基层</p>
<p>（一）新建村卫生室20所，乡镇卫生院达到“优质服务基层行”基本标准的比例达到90%以上。</p>
<p>（二）重点人群家庭医生签约率达到75%以上。</p>
</div>
<div class="footer">版权所有：某县卫生健康局 备案号：黔ICP备12345678号</div>
</body></html>
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")}
    return subprocess.run([PLANWATCH, "extract", *args], capture_output=True, text=True, env=env, timeout=120)


def _json(*args: str) -> list[dict[str, Any]]:
    result = _run(*args, "--json")
    assert result.returncode == 0, result.stderr
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def _summary(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(i["value"], i["unit"], i["cmp"], i["deadline"], i["kind"]) for i in items]


@pytest.fixture
def utf8_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.txt"
    path.write_text(PLAN_TEXT, encoding="utf-8")
    return path


def test_utf8_text_with_chrome_as_json(utf8_file: Path) -> None:
    items = _json(str(utf8_file))
    assert all(set(item) >= KEYS for item in items)
    assert _summary(items) == [
        (12.0, "/10万", "<=", 2022, "target"),
        (5.0, "‰", "<=", 2022, "target"),
        (5.0, "家", "=", 2022, "target"),
        (18200.0, "人", "=", 2022, "target"),
        (1260.0, "个", "=", 2021, "actual"),
    ]
    assert [item["indicator"] for item in items[:3]] == ["孕产妇死亡率", "婴儿死亡率", "社区医院"]
    assert items[3]["responsible"] == "牵头单位：妇幼健康科"
    assert items[2]["section"] == "一、提升服务能力 > （二）年内建成社区医院5家，为1.82万35-64岁农村妇女免费提供“两癌”筛查"
    assert all(item["sentence"] in PLAN_TEXT for item in items)


def test_json_keeps_chinese_unescaped(utf8_file: Path) -> None:
    result = _run(str(utf8_file), "--json")
    assert "孕产妇死亡率" in result.stdout and "\\u" not in result.stdout


def test_gbk_text_reads_the_same(tmp_path: Path, utf8_file: Path) -> None:
    gbk = tmp_path / "plan-gbk.txt"
    gbk.write_bytes(PLAN_TEXT.encode("gbk"))
    assert _json(str(gbk)) == _json(str(utf8_file))


def test_year_option_overrides_the_title(utf8_file: Path) -> None:
    items = _json(str(utf8_file), "--year", "2030")
    assert [item["deadline"] for item in items] == [2030, 2030, 2030, 2030, 2021]


def test_html_page(tmp_path: Path) -> None:
    page = tmp_path / "gzyd.html"
    page.write_bytes(HTML_PAGE.encode("gbk"))
    items = _json(str(page))
    assert _summary(items) == [(20.0, "所", "=", 2023, "target"), (90.0, "%", ">=", 2023, "target"),
                               (75.0, "%", ">=", 2023, "target")]
    assert items[2]["indicator"] == "重点人群家庭医生签约率"


TABLE_PAGE = """<html><head><meta charset="utf-8"><title>某市“十四五”卫生健康规划</title></head><body>
<div id="zoom"><p>一、主要指标</p>
<table border="1"><tr><td>指标</td><td>单位</td><td>2020年</td><td>2025年</td><td>属性</td></tr>
<tr><td>人均预期寿命</td><td>岁</td><td>78.3</td><td>≥79</td><td>预期性</td></tr>
<tr><td>孕产妇死亡率</td><td>/10万</td><td>9.8</td><td>≤10</td><td>预期性</td></tr></table>
<p>二、重点任务</p><p>到2025年，建成社区医院12家。</p></div></body></html>
"""


def test_html_page_with_an_indicator_table(tmp_path: Path) -> None:
    page = tmp_path / "plan.html"
    page.write_text(TABLE_PAGE, encoding="utf-8")
    items = _json(str(page))
    assert [(i["indicator"], i["value"], i["unit"], i["cmp"], i["deadline"], i["kind"]) for i in items] == [
        ("人均预期寿命", 78.3, "岁", "=", 2020, "actual"), ("人均预期寿命", 79.0, "岁", ">=", 2025, "target"),
        ("孕产妇死亡率", 9.8, "/10万", "=", 2020, "actual"), ("孕产妇死亡率", 10.0, "/10万", "<=", 2025, "target"),
        ("社区医院", 12.0, "家", "=", 2025, "target"),
    ]


def test_readable_table_without_json(utf8_file: Path) -> None:
    result = _run(str(utf8_file))
    assert result.returncode == 0, result.stderr
    assert "5 targets in 2022年全市卫生健康工作要点" in result.stdout
    assert "≤12/10万" in result.stdout and "孕产妇死亡率" in result.stdout and "热搜" not in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"", "is empty"), (b"\x00\x01\x02binary\x00", "binary")],
    ids=["missing", "empty", "binary"],
)
def test_unreadable_file_is_one_line_and_exit_2(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)
    result = _run(str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [("page.html", gzip.compress(HTML_PAGE.encode("gbk")), "(gzip)"),
     ("tool.html", Path(sys.executable).resolve().read_bytes()[:65536], "binary file"),
     ("noise.html", random.Random(3).randbytes(20000), "control bytes")],
    ids=["gzip", "executable", "random"],
)
def test_binary_html_is_one_line_not_a_traceback(tmp_path: Path, name: str, content: bytes, kind: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = _run(str(path))
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path} looks like a binary file") and kind in lines[0]


def test_wrong_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("孕产妇死亡率控制在12/10万以下".encode("utf-16-le"))
    result = _run(str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"error: {path} looks like UTF-16 text without a byte-order mark (save it as UTF-8)"]
