"""Attachment text: every extractor on real files, and every way a file can be unreadable."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfWriter

from crawler.attachments import (
    MAX_UNPACKED_BYTES,
    TextExtractor,
    detect_kind,
    is_attachment_url,
    read_attachment,
    rejoin_cjk_lines,
)
from crawler.fixture_site.pages import asset_bytes

DOCX = asset_bytes("gy2024_tasks.docx")
PDF = asset_bytes("sn2024_indicators.pdf")
XLSX = asset_bytes("shx2024_indicators.xlsx")
PLANWATCH = str(Path(sys.executable).with_name("planwatch"))


def test_docx_keeps_paragraphs_and_table_rows_in_order() -> None:
    result = read_attachment(DOCX, "P020240312_tasks.docx")
    assert result.error is None and result.kind == "docx"
    lines = (result.text or "").split("\n")
    assert lines[:3] == ["贵阳市卫生健康局2024年重点任务分解表", "一、主要指标", "指标\t2024年目标\t牵头单位"]
    assert "孕产妇死亡率\t≤12/10万\t妇幼健康处" in lines
    assert lines[-1].startswith("二、工作要求")


def test_pdf_with_chinese_text_and_a_rejoined_hard_wrap() -> None:
    result = read_attachment(PDF, "P020240315_indicators.pdf", "application/pdf")
    assert result.error is None and result.kind == "pdf"
    text = result.text or ""
    assert "遂宁市2024年卫生健康主要指标" in text
    assert "全市各县（市、区）均达到省定目标要求。" in text.split("\n")[2]


def test_xlsx_rows_become_tab_separated_lines() -> None:
    result = read_attachment(XLSX, "indicators.xlsx")
    assert result.error is None
    assert "家庭医生签约服务覆盖率\t%\t55" in (result.text or "").split("\n")


def test_gbk_text_attachment() -> None:
    result = read_attachment("居民健康素养水平达到28%。".encode("gbk"), "说明.txt", "text/plain")
    assert result.text == "居民健康素养水平达到28%。"


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "kind"),
    [
        (PDF, "download.jsp", "application/octet-stream", "pdf"),  # bytes decide
        (DOCX, "任务表.doc", None, "docx"),  # a docx saved with the old extension
        (b"plain words", "file", "text/plain", "txt"),  # the header decides when the name cannot
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "old.wps", None, "wps"),
    ],
    ids=["pdf-by-bytes", "docx-named-doc", "txt-by-header", "ole2-wps"],
)
def test_the_bytes_decide_the_type_before_the_name(data: bytes, filename: str, content_type: str | None,
                                                   kind: str) -> None:
    assert detect_kind(data, filename, content_type) == (kind, "")


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (MAX_UNPACKED_BYTES + 1024))
    return buffer.getvalue()


def _blank_pdf(password: str = "") -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "reason"),
    [
        (b"<!DOCTYPE html><html><body>404 Not Found</body></html>", "附件2.pdf", "HTML page"),
        (PDF[: len(PDF) // 2], "cut.pdf", "damaged or truncated"),
        (DOCX[:4000], "cut.docx", "damaged or truncated"),
        (b"just some words", "plan.pdf", "not a valid pdf"),
        (b"", "empty.docx", "empty"),
        (b"Rar!\x1a\x07\x00", "archive.rar", "unsupported attachment type .rar"),
        (_blank_pdf(), "scan.pdf", "no text layer"),
        (_blank_pdf("secret"), "locked.pdf", "password-protected"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "broken.doc", "antiword"),
        (b"\x80\xff\xfe\x81" * 10, "notes.txt", "neither UTF-8 nor GB18030"),
    ],
    ids=["html-as-pdf", "truncated-pdf", "truncated-docx", "text-as-pdf", "empty", "rar", "scan", "encrypted",
         "broken-doc", "undecodable-txt"],
)
def test_unreadable_files_give_a_reason_and_never_raise(data: bytes, filename: str, reason: str) -> None:
    result = read_attachment(data, filename, None)
    assert result.text is None
    assert reason in (result.error or ""), result.error


def test_zip_bomb_is_refused_before_unpacking() -> None:
    bomb = _zip_bomb()
    assert len(bomb) < MAX_UNPACKED_BYTES // 100
    result = read_attachment(bomb, "bomb.docx")
    assert result.text is None and "zip bomb" in (result.error or "")


def test_legacy_word_names_the_missing_tool_or_its_failure() -> None:
    result = read_attachment(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old.doc")
    installed = shutil.which("antiword") or shutil.which("catdoc")
    assert result.error is not None
    assert ("not installed" in result.error) is (installed is None)


def test_registry_covers_the_issue_types() -> None:
    assert {"pdf", "docx", "doc", "wps", "xls", "xlsx", "txt"} <= set(TextExtractor.registry)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("孕产妇死亡率控制在12/10万以内，婴儿死亡率控制在4.5‰以内，全市各\n县（市、区）达到目标。",
         "孕产妇死亡率控制在12/10万以内，婴儿死亡率控制在4.5‰以内，全市各县（市、区）达到目标。"),
        ("一、总体要求\n二、主要目标", "一、总体要求\n二、主要目标"),
        ("到2025年，人均预期寿命达到80岁，居民健康素养水平达到28%。\n（一）完善疾控体系。",
         "到2025年，人均预期寿命达到80岁，居民健康素养水平达到28%。\n（一）完善疾控体系。"),
        ("指标  单位  目标值\n孕产妇死亡率  1/10万  12", "指标  单位  目标值\n孕产妇死亡率  1/10万  12"),
    ],
    ids=["wrapped", "headings", "sentence-end", "table-rows"],
)
def test_rejoin_cjk_lines(text: str, expected: str) -> None:
    assert rejoin_cjk_lines(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1/a/P020240312_tasks.docx", True),
        ("http://127.0.0.1/a/附件1.PDF?v=2", True),
        ("http://127.0.0.1/a/%E9%99%84%E4%BB%B6.wps", True),
        ("http://127.0.0.1/a/t20240312_83021.html", False),
        ("http://127.0.0.1/download.jsp?file=a.pdf", False),
        ("http://127.0.0.1/a/", False),
    ],
)
def test_is_attachment_url(url: str, expected: bool) -> None:
    assert is_attachment_url(url) is expected


def _docx_with_table(path: Path, title: str, rows: list[tuple[str, ...]]) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph(title)
    document.add_paragraph("附件：主要指标")
    table = document.add_table(rows=0, cols=len(rows[0]))
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = value
    document.save(str(path))


def _extract_json(path: Path) -> list[tuple[str, float, str, str, int, str]]:
    done = subprocess.run([PLANWATCH, "extract", str(path), "--json"], capture_output=True, text=True, timeout=60,
                          check=True)
    return [(t["indicator"], t["value"], t["unit"], t["cmp"], t["deadline"], t["kind"]) for t in json.loads(done.stdout)]


def test_extract_reads_each_row_of_a_docx_indicator_table(tmp_path: Path) -> None:
    path = tmp_path / "主要指标.docx"
    _docx_with_table(path, "2024年全市卫生健康工作要点", [
        ("序号", "指标名称", "2023年", "目标值", "2025年"),
        ("1", "人均预期寿命（岁）", "79.2", "80", "80.5"),
        ("2", "孕产妇死亡率（/10万）", "9.8", "≤10", "≤9"),
        ("3", "65岁及以上老年人健康管理率（%）", "68", "70以上", "≥72"),
    ])
    assert _extract_json(path) == [
        ("人均预期寿命", 79.2, "岁", "=", 2023, "actual"), ("人均预期寿命", 80, "岁", "=", 2024, "target"),
        ("人均预期寿命", 80.5, "岁", "=", 2025, "target"),
        ("孕产妇死亡率", 9.8, "/10万", "=", 2023, "actual"), ("孕产妇死亡率", 10, "/10万", "<=", 2024, "target"),
        ("孕产妇死亡率", 9, "/10万", "<=", 2025, "target"),
        ("65岁及以上老年人健康管理率", 68, "%", "=", 2023, "actual"),
        ("65岁及以上老年人健康管理率", 70, "%", ">=", 2024, "target"),
        ("65岁及以上老年人健康管理率", 72, "%", ">=", 2025, "target"),
    ]


def test_extract_reads_a_docx_task_table_with_its_deadline_column(tmp_path: Path) -> None:
    path = tmp_path / "任务清单.docx"
    _docx_with_table(path, "2024年全县卫生健康重点工作任务清单", [
        ("序号", "指标名称", "目标值", "完成时限"),
        ("1", "适龄儿童免疫规划疫苗接种率", "≥95%", "2024年12月底"),
        ("2", "新建村卫生室", "15个", "2024年10月"),
    ])
    assert _extract_json(path) == [
        ("适龄儿童免疫规划疫苗接种率", 95, "%", ">=", 2024, "target"), ("村卫生室", 15, "个", "=", 2024, "target"),
    ]
