"""Files given on the command line: saved pages, text copies, attachments, and bad input."""

from __future__ import annotations

import codecs
import gzip
import random
from datetime import date
from pathlib import Path

import docx
import pytest

from monitor.inputs import binary_kind, looks_like_html, read_input_file
from store.errors import InputError

BODY = "一、主要目标\n到2025年，人均预期寿命达到80岁，孕产妇死亡率控制在12/10万以内。\n二、重点任务\n（一）朱镕、王玥负责“健康·遂宁”行动。"

GBK_PAGE = f"""<html><head><title>遂宁市2024年卫生健康工作要点_遂宁市卫生健康委员会</title></head><body>
<div class="crumb">当前位置：首页 > 规划计划</div>
<h1>遂宁市2024年卫生健康工作要点</h1><div>来源：遂宁市卫生健康委员会 发布时间：2024-03-08 浏览次数：77</div>
<div class="TRS_Editor">{"".join(f"<p>{line}</p>" for line in BODY.splitlines())}</div>
<div class="footer">备案号：蜀ICP备000000号</div></body></html>"""


def test_undeclared_gbk_html_file_reads_like_the_crawled_page(tmp_path: Path) -> None:
    path = tmp_path / "plan.html"
    path.write_bytes(GBK_PAGE.encode("gbk"))
    document = read_input_file(path)
    assert document.is_html
    assert document.title == "遂宁市2024年卫生健康工作要点"
    assert document.published_on == date(2024, 3, 8)
    assert document.text == BODY


def test_html_is_recognised_by_content_without_an_extension(tmp_path: Path) -> None:
    path = tmp_path / "saved-page"
    path.write_bytes(b"\n<!DOCTYPE html>" + GBK_PAGE.encode("utf-8"))
    assert read_input_file(path).is_html


@pytest.mark.parametrize(
    "data",
    [
        ("遂宁市2024年卫生健康工作要点\n发布日期：2024年3月8日\n" + BODY).encode("gbk"),
        codecs.BOM_UTF8 + ("遂宁市2024年卫生健康工作要点\n发布日期：2024年3月8日\n" + BODY).encode("utf-8"),
    ],
    ids=["gbk", "utf8-bom"],
)
def test_text_files_in_either_encoding(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(data)
    document = read_input_file(path)
    assert not document.is_html
    assert document.title == "遂宁市2024年卫生健康工作要点"
    assert document.published_on == date(2024, 3, 8)
    assert document.text.endswith(BODY)


def test_docx_file_keeps_its_table(tmp_path: Path) -> None:
    word = docx.Document()
    word.add_paragraph("贵阳市2024年卫生健康重点指标")
    table = word.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "2024年目标"
    table.cell(1, 0).text, table.cell(1, 1).text = "婴儿死亡率", "≤4.5‰"
    path = tmp_path / "指标.docx"
    word.save(path)
    document = read_input_file(path)
    assert document.title == "贵阳市2024年卫生健康重点指标"
    assert "婴儿死亡率\t≤4.5‰" in document.text.splitlines()


def test_seed_capture_reads_as_text(seeds_dir: Path) -> None:
    document = read_input_file(seeds_dir / "001_4d5e862fd32e0444.txt")
    assert not document.is_html
    assert "每千人口医疗卫生机构床位数至少达到7.86张" in document.text
    assert document.published_on == date(2024, 6, 28)


def _write(tmp_path: Path, name: str, data: bytes | None) -> Path:
    path = tmp_path / name
    if data is None:
        path.mkdir()
    else:
        path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("missing.html", "absent", "no such file"),
        ("folder", None, "is a directory"),
        ("empty.txt", b"  \n", "is empty"),
        ("binary.txt", b"\x00\x01\x02\x03" * 20, "binary file"),
        ("latin.txt", b"\x80\xff\xfe\x81" * 20, "neither UTF-8 nor GB18030"),
        ("blank.html", b"<html><body><script>var a=1;</script></body></html>", "no readable body text"),
        ("plan.pdf", b"<html><body>404 Not Found</body></html>", "HTML page"),
        ("plan.docx", b"PK\x03\x04 truncated", "damaged or truncated"),
    ],
    ids=["missing", "directory", "empty", "binary", "undecodable", "no-body", "html-as-pdf", "broken-docx"],
)
def test_unreadable_input_is_one_clear_line(tmp_path: Path, name: str, data: bytes | str | None, reason: str) -> None:
    path = tmp_path / name if data == "absent" else _write(tmp_path, name, data if not isinstance(data, str) else b"")
    with pytest.raises(InputError) as caught:
        read_input_file(path)
    line = caught.value.one_line()
    assert reason in line and name in line and "\n" not in line


_PAGE = "<html><head><title>工作要点</title></head><body><p>床位数达到7.86张。</p></body></html>".encode()


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("gzipped.html", gzip.compress(_PAGE), "(gzip)"),
        ("program.html", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, "(ELF executable)"),
        ("noise.html", random.Random(7).randbytes(4000), "control bytes"),
        ("noise.htm", b"<html><body>" + random.Random(8).randbytes(4000), "control bytes"),
        ("picture.txt", b"\x89PNG\r\n\x1a\n" + b"IHDR" * 50, "(PNG image)"),
        ("report.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "(PDF)"),
    ],
    ids=["gzip", "elf", "random-bytes", "random-after-tag", "png-as-txt", "pdf-as-html"],
)
def test_binary_file_is_named_before_parsing(tmp_path: Path, name: str, data: bytes, kind: str) -> None:
    with pytest.raises(InputError) as caught:
        read_input_file(_write(tmp_path, name, data))
    line = caught.value.one_line()
    assert f"{name} looks like a binary file" in line and kind in line and "not an HTML page or text" in line


def test_gzip_hint_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_input_file(_write(tmp_path, "page.html", gzip.compress(_PAGE)))
    assert caught.value.hint == f"unpack it first: gunzip -k {tmp_path / 'page.html'}"


@pytest.mark.parametrize(
    "data",
    [_PAGE, "\ufeff一、总体要求\n\t床位数达到7.86张。\r\n\x0c".encode(), _PAGE.decode().encode("utf-16"),
     "２０２３年工作要点\n床位数达到7.86张".encode("gb18030")],
    ids=["utf8-html", "text-with-tab-cr-ff", "utf16-with-bom", "gbk"],
)
def test_pages_and_text_are_not_binary(data: bytes) -> None:
    assert binary_kind(data) is None


@pytest.mark.parametrize(
    ("head", "suffix", "expected"),
    [(b"<!-- saved --><html>", "", True), (b"<meta charset=gbk>", "", True), ("一、总体要求".encode(), "", False),
     (b"plain", ".htm", True), (b"<html>", ".txt", False)],
)
def test_looks_like_html(head: bytes, suffix: str, expected: bool) -> None:
    assert looks_like_html(head, suffix) is expected


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("name", ["plan.txt", "plan.html"])
def test_utf16_without_a_byte_order_mark_is_named_not_called_binary(tmp_path: Path, encoding: str, name: str) -> None:
    with pytest.raises(InputError) as caught:
        read_input_file(_write(tmp_path, name, (BODY if name.endswith("txt") else GBK_PAGE).encode(encoding)))
    assert caught.value.one_line() == f"{tmp_path / name} looks like UTF-16 text without a byte-order mark (save it as UTF-8)"
