"""`planwatch compare` and `planwatch diff` as a user runs them: a real process, real files, a real store."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import html as lxml_html

from monitor.analysis.pipeline import analyse_pending
from monitor.inputs import read_input_file
from store.engine import make_engine, session_scope
from store.migrate import upgrade
from store.models import Source
from store.settings import load_config
from store.versions import FetchedPage, record_fetch

PLANWATCH = str(Path(sys.executable).with_name("planwatch"))
PAIRS = Path(__file__).parent / "golden" / "pairs"
TARGET_KEYS = {"indicator", "value", "value_max", "unit", "cmp", "deadline", "kind", "sentence", "section", "responsible"}


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {key: value for key, value in os.environ.items() if not key.startswith("PLANWATCH_")}
    full_env.update(env or {})
    return subprocess.run([PLANWATCH, *args], capture_output=True, text=True, env=full_env, timeout=300)


def rows(*args: str, env: dict[str, str] | None = None) -> list[dict[str, object]]:
    result = run(*args, "--json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2 and "Traceback" not in result.stderr, result
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert all(needle in lines[0] for needle in needles), lines[0]


def test_next_years_plan_json_names_every_kind_of_change() -> None:
    data = rows("compare", str(PAIRS / "next_year" / "2024.txt"), str(PAIRS / "next_year" / "2025.txt"))
    for row in data:
        assert set(row) == {"change", "kind", "verdict", "indicator", "old", "new", "summary"}
        assert row["change"] in {"added", "removed", "changed", "unchanged"}
        for side in ("old", "new"):
            assert row[side] is None or set(row[side]) == TARGET_KEYS  # type: ignore[arg-type]
    targets = {row["indicator"]: row for row in data if (row["new"] or row["old"])["kind"] == "target"}  # type: ignore[index]
    assert {name: row["change"] for name, row in targets.items()} == {
        "人均预期寿命": "unchanged", "每千人口医疗卫生机构床位数": "changed", "孕产妇死亡率": "changed",
        "婴儿死亡率": "changed", "城乡居民健康素养水平": "changed", "县域内就诊率": "unchanged",
        "65岁以上老年人健康管理率": "changed", "高血压患者规范管理率": "unchanged", "每千人口执业(助理)医师数": "unchanged",
        "每千人口注册护士数": "added", "家庭医生签约服务覆盖率": "removed",
    }
    assert targets["每千人口医疗卫生机构床位数"]["summary"] == "每千人口医疗卫生机构床位数: ≥7.86张 (2024) → ≥8.2张 (2025), raised"
    assert targets["孕产妇死亡率"]["summary"].endswith("tightened (lower is better)")  # type: ignore[union-attr]
    assert targets["婴儿死亡率"]["summary"].endswith("loosened (lower is better)")  # type: ignore[union-attr]
    assert (targets["孕产妇死亡率"]["kind"], targets["孕产妇死亡率"]["verdict"]) == ("target-raised", "tightened (lower is better)")
    assert (targets["婴儿死亡率"]["kind"], targets["人均预期寿命"]["kind"]) == ("target-lowered", None)  # no words to parse
    assert targets["家庭医生签约服务覆盖率"]["old"]["value"] == 45.0  # type: ignore[index]


def test_the_table_says_tightened_not_raised_for_a_ceiling() -> None:
    result = run("compare", str(PAIRS / "next_year" / "2024.txt"), str(PAIRS / "next_year" / "2025.txt"))
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "孕产妇死亡率" in line and "≤12" in line)
    assert "tightened (lower is better)" in line and "raised" not in line.split("孕产妇死亡率")[0]
    assert "{+8.2+}" in result.stdout and "[-7.86-]" in result.stdout  # the text diff, numbers whole


def test_a_page_edited_in_one_target_and_a_page_with_a_new_view_counter() -> None:
    edited = rows("compare", str(PAIRS / "edited_target" / "old.html"), str(PAIRS / "edited_target" / "new.html"))
    assert [(row["indicator"], row["change"]) for row in edited if row["change"] != "unchanged"] == [
        ("家庭医生签约服务覆盖率", "changed")
    ]
    counter = rows("compare", str(PAIRS / "view_counter" / "old.html"), str(PAIRS / "view_counter" / "new.html"))
    assert counter and all(row["change"] == "unchanged" for row in counter)
    table = run("compare", str(PAIRS / "view_counter" / "old.html"), str(PAIRS / "view_counter" / "new.html"))
    assert "text: no change" in table.stdout


def test_a_gbk_text_file_compares_like_its_utf8_original(tmp_path: Path) -> None:
    gbk = tmp_path / "2024-gbk.txt"
    gbk.write_bytes((PAIRS / "next_year" / "2024.txt").read_text(encoding="utf-8").encode("gbk"))
    new = str(PAIRS / "next_year" / "2025.txt")
    assert rows("compare", str(gbk), new) == rows("compare", str(PAIRS / "next_year" / "2024.txt"), new)


def test_html_output_is_a_standalone_page_with_targets_and_text_diff(tmp_path: Path) -> None:
    out = tmp_path / "compare.html"
    result = run("compare", str(PAIRS / "next_year" / "2024.txt"), str(PAIRS / "next_year" / "2025.txt"), "--html", str(out))
    assert result.returncode == 0 and f"wrote {out}" in result.stderr
    tree = lxml_html.document_fromstring(out.read_text(encoding="utf-8"))
    cells = [cell.text_content() for cell in tree.xpath("//td")]
    assert "每千人口注册护士数" in cells and "≥8.2张 (2025)" in " ".join(cells)
    assert [d.text_content() for d in tree.xpath("//del")][:1] and "8.2" in [i.text_content() for i in tree.xpath("//ins")]


def test_bad_input_is_one_clear_line(tmp_path: Path) -> None:
    good = str(PAIRS / "next_year" / "2024.txt")
    assert_one_line_error(run("compare", str(tmp_path / "missing.html"), good), "missing.html", "no such file")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert_one_line_error(run("compare", good, str(empty)), "empty.txt")
    assert_one_line_error(run("compare", good, good, "--html", str(tmp_path / "no" / "dir" / "x.html")), "x.html")
    packed = tmp_path / "2025.html"
    packed.write_bytes(gzip.compress((PAIRS / "next_year" / "2024.txt").read_bytes()))
    assert_one_line_error(run("compare", good, str(packed)), "2025.html looks like a binary file (gzip)")


def test_the_real_guiyang_captures_compare_2021_with_2024(seeds_dir: Path, tmp_path: Path) -> None:
    data = rows("compare", str(seeds_dir / "000_59ac99cd95a2254b.txt"), str(seeds_dir / "001_4d5e862fd32e0444.txt"))
    by_change = {name: [row for row in data if row["change"] == name] for name in ("added", "removed", "unchanged")}
    assert len(by_change["added"]) >= 10 and len(by_change["removed"]) >= 10
    beds = next(row for row in by_change["added"] if row["indicator"] == "每千人口医疗卫生机构床位数")
    assert str(beds["summary"]).startswith("每千人口医疗卫生机构床位数: ≥7.86张 (20") and str(beds["summary"]).endswith("), added")
    assert beds["new"]["deadline"] == 2025  # type: ignore[index]
    assert any("(2021)" in str(row["summary"]) for row in by_change["removed"])
    out = tmp_path / "guiyang.html"
    assert run("compare", str(seeds_dir / "000_59ac99cd95a2254b.txt"), str(seeds_dir / "001_4d5e862fd32e0444.txt"),
               "--html", str(out)).returncode == 0
    assert "贵阳" in out.read_text(encoding="utf-8")


# -- planwatch diff over a real store ------------------------------------------------------

@pytest.fixture
def store_env(tmp_path: Path) -> dict[str, str]:
    """A SQLite store with an edited page (two versions) and next year's plan, analysed."""
    env = {"PLANWATCH_DATA_DIR": str(tmp_path / "data")}
    engine = make_engine(load_config(env=env).database_url)
    upgrade(engine)
    when = datetime(2025, 3, 1, tzinfo=UTC)
    pages = [("http://gov.example/p.html", "edited_target/old.html"), ("http://gov.example/p.html", "edited_target/new.html"),
             ("http://gov.example/2025.html", "next_year/2025.txt")]
    with session_scope(engine) as session:
        session.add(Source(id="qx", name="清溪县卫生健康局", agency="清溪县卫生健康局", region="贵州省/清溪县"))
        session.flush()
        for n, (url, name) in enumerate(pages):
            page = read_input_file(PAIRS / name)
            record_fetch(session, FetchedPage(url=url, source_id="qx", text=page.text, title=page.title,
                                              agency="清溪县卫生健康局", region="贵州省/清溪县",
                                              fetched_at=when + timedelta(days=n)))
    analyse_pending(engine)
    engine.dispose()
    return env


def test_diff_of_one_document_shows_its_last_edit(store_env: dict[str, str]) -> None:
    data = rows("diff", "1", env=store_env)
    assert [(row["indicator"], row["change"]) for row in data if row["change"] != "unchanged"] == [
        ("家庭医生签约服务覆盖率", "changed")
    ]
    table = run("diff", "http://gov.example/p.html", env=store_env)
    assert table.returncode == 0 and "[-45%-]{+50%+}" in table.stdout
    assert rows("diff", "v2", env=store_env) == data == rows("diff", "v1", "v2", env=store_env)


def test_diff_of_two_documents_and_html_output(store_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "docs.html"
    result = run("diff", "1", "2", "--html", str(out), env=store_env)
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "每千人口注册护士数" in page and "v3 http://gov.example/2025.html" in page


def test_diff_errors_say_what_to_do(store_env: dict[str, str]) -> None:
    assert_one_line_error(run("diff", "99", env=store_env), "no document '99'")
    assert_one_line_error(run("diff", "v99", env=store_env), "no version 'v99'")
    assert_one_line_error(run("diff", "2", env=store_env), "one version only")
    assert_one_line_error(run("diff", "v1", env=store_env), "first version")
