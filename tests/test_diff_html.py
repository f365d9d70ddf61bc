"""Diff HTML fragments and the compare page: marked, escaped, inline-styled, readable in a browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

from monitor.analysis.matching import match_targets
from monitor.analysis.targets import ExtractedTarget
from monitor.analysis.textdiff import diff_texts
from reports.diff_html import (
    CompareSide,
    compare_page,
    excerpt_html,
    inline_diff_html,
    side_by_side_html,
)
from store.kinds import Comparator, TargetKind

OLD = (
    "一、主要目标\n全县人均预期寿命达到79.5岁。每千人口医疗卫生机构床位数达到7.86张。\n"
    "二、重点任务\n家庭医生签约服务覆盖率达到45%以上。<script>alert('x')</script>加强宣传。\n"
)
NEW = OLD.replace("7.86", "8.2").replace("<script>alert('x')</script>", "<img src=x onerror=alert(1)>")


def _tree(fragment: str) -> lxml_html.HtmlElement:
    return lxml_html.fragment_fromstring(fragment, create_parent="div")


def test_inline_marks_deletions_and_insertions_with_inline_colours() -> None:
    tree = _tree(inline_diff_html(diff_texts(OLD, NEW)))
    dels = [(d.text_content(), d.get("style")) for d in tree.iter("del")]
    inss = [i.text_content() for i in tree.iter("ins")]
    assert dels[0][0] == "7.86" and "background:#fee2e2" in (dels[0][1] or "")
    assert inss[0] == "8.2"
    assert all(element.get("style") for element in tree.iter("del", "ins"))
    assert "一、主要目标" in tree.text_content() and "二、重点任务" in tree.text_content()


def test_scraped_markup_is_escaped_never_executed() -> None:
    for fragment in (inline_diff_html(diff_texts(OLD, NEW)), side_by_side_html(diff_texts(OLD, NEW))):
        assert "<script" not in fragment and "<img" not in fragment
        tree = _tree(fragment)
        assert not tree.xpath("//script|//img")
        assert "&lt;script&gt;" in fragment or "&lt;" in fragment
        assert "<script>" in tree.text_content()  # shown as text


def test_side_by_side_puts_deletions_left_and_insertions_right() -> None:
    tree = _tree(side_by_side_html(diff_texts(OLD, NEW), old_label="2024", new_label="2025"))
    first_row = next(row for row in tree.iter("tr") if len(row.findall("td")) == 2)
    left, right = first_row.findall("td")
    assert [d.text_content() for d in left.iter("del")] == ["7.86"] and not list(left.iter("ins"))
    assert [i.text_content() for i in right.iter("ins")] == ["8.2"] and not list(right.iter("del"))
    assert [th.text_content() for th in tree.iter("th")] == ["2024", "2025"]


def test_no_change_says_so_and_long_diffs_are_capped() -> None:
    assert "正文没有变化" in inline_diff_html(diff_texts(OLD, OLD + "浏览次数: 99"))
    many_old = "\n".join(f"第{i}项任务完成{i}个。" for i in range(30))
    many_new = "\n".join(f"第{i}项任务完成{i + 1}个。" for i in range(30))
    fragment = inline_diff_html(diff_texts(many_old, many_new), limit=5)
    assert len(_tree(fragment).xpath("//ins")) == 5 and "还有 25 处修改未列出" in fragment


def test_excerpt_keeps_context_around_the_change_and_cuts_the_rest() -> None:
    old = "为进一步推进家庭医生签约服务,扩大签约服务覆盖面,家庭医生签约服务覆盖率达到45%以上,提升服务质量和群众满意度,确保各项工作落到实处。"
    fragment = excerpt_html(old, old.replace("45%", "50%"), context=6)
    text = _tree(fragment).text_content()
    assert "…" in text and "45%" in text and "50%" in text
    assert "为进一步推进" not in text and "确保各项工作落到实处" not in text
    assert re.fullmatch(r"\s*…务覆盖率达到45%50%以上,提升服…\s*", text)


def _targets() -> tuple[list[ExtractedTarget], list[ExtractedTarget]]:
    def t(indicator: str, value: float, unit: str) -> ExtractedTarget:
        return ExtractedTarget(indicator=indicator, value=value, value_max=None, unit=unit, cmp=Comparator.GE,
                               deadline=None, kind=TargetKind.TARGET, sentence=indicator, section="")
    return [t("床位数<b>", 7.86, "张"), t("签约率", 45, "%")], [t("床位数<b>", 8.2, "张"), t("护士数", 3.6, "人")]


def test_compare_page_is_a_standalone_document_with_the_target_table_and_the_diff(tmp_path: Path) -> None:
    old, new = _targets()
    page = compare_page(
        old=CompareSide("2024年工作要点 <i>", "a.html", 2024), new=CompareSide("2025年工作要点", "b.html", 2025),
        changes=match_targets(old, new, old_year=2024, new_year=2025), diff=diff_texts(OLD, NEW),
    )
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    tree = lxml_html.document_fromstring(page)
    assert "<i>" not in page and "床位数<b>" not in page and "<script" not in page
    rows = [[cell.text_content().strip() for cell in row.findall("td")] for row in tree.xpath("//table[2]//tr[td]")]
    assert [row[:4] for row in rows] == [
        ["变化", "床位数<b>", "≥7.86张", "≥8.2张"], ["新增", "护士数", "", "≥3.6人"], ["删除", "签约率", "≥45%", ""]
    ]
    assert "新增 1 · 删除 1 · 变化 1 · 未变 0" in tree.text_content()
    assert tree.xpath("//del") and tree.xpath("//ins") and tree.xpath("//details")


@pytest.mark.browser
def test_compare_page_renders_in_chromium_with_coloured_marks(tmp_path: Path, artifacts_dir: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("/usr/bin/chromium is not installed")
    old, new = _targets()
    page_html = compare_page(old=CompareSide("2024年工作要点", "a.html", 2024), new=CompareSide("2025年工作要点", "b.html", 2025),
                             changes=match_targets(old, new), diff=diff_texts(OLD, NEW))
    path = tmp_path / "compare.html"
    path.write_text(page_html, encoding="utf-8")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(path.as_uri())
            colour = page.eval_on_selector("del", "e => getComputedStyle(e).backgroundColor")
            struck = page.eval_on_selector("del", "e => getComputedStyle(e).textDecorationLine")
            inserted = page.eval_on_selector("ins", "e => e.textContent")
            page.screenshot(path=str(artifacts_dir / "compare_page.png"), full_page=True)
        finally:
            browser.close()
    assert colour == "rgb(254, 226, 226)" and "line-through" in struck
    assert inserted == "8.2" and dialogs == []
