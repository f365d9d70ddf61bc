"""Developer step: regenerate the fixture site's attachment files in ``assets/``.

The files are committed (a generated docx/xlsx carries the time it was made, so
generating at start-up would change their ETags on every run). Run from the
repository root after editing the text below::

    pip install --target /tmp/rl reportlab      # only for the PDF; not a dependency
    PYTHONPATH=/tmp/rl .venv/bin/python -m crawler.fixture_site.make_assets

pypdf cannot write CJK text, so the PDF uses reportlab's built-in STSong-Light CID
font (no font file embedded; readers substitute a Song face). Zip timestamps are
pinned so the files are reproducible byte for byte.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

__all__ = ["DOCX_ROWS", "PDF_LINES", "XLSX_ROWS", "main"]

ASSETS = Path(__file__).resolve().parent / "assets"
_PINNED = (2024, 3, 12, 9, 30, 0)

DOCX_ROWS: tuple[tuple[str, str, str], ...] = (
    ("指标", "2024年目标", "牵头单位"),
    ("人均预期寿命", "80.2岁", "规划信息处"),
    ("孕产妇死亡率", "≤12/10万", "妇幼健康处"),
    ("每千人口执业（助理）医师数", "3.6人", "医政医管处"),
    ("每千人口拥有3岁以下婴幼儿托位数", "4.5个", "人口家庭处"),
)
XLSX_ROWS: tuple[tuple[str, str, float], ...] = (
    ("居民健康素养水平", "%", 26),
    ("家庭医生签约服务覆盖率", "%", 55),
    ("县域医疗卫生次中心", "个", 3),
)
PDF_LINES: tuple[str, ...] = (
    "遂宁市2024年卫生健康主要指标",
    "一、健康水平",
    "1.居民健康素养水平达到28%，孕产妇死亡率控制在12/10万以内，婴儿死亡率控制在4.5‰以内，全市各",
    "县（市、区）均达到省定目标要求。",
    "二、医疗服务",
    "2.每千人口医疗卫生机构床位数达到7.5张，二级以上医院预约诊疗率达到55%以上。",
)


def _pin_zip(data: bytes) -> bytes:
    """The same archive with every entry dated ``_PINNED`` (reproducible output)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            pinned = zipfile.ZipInfo(info.filename, date_time=_PINNED)
            pinned.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(pinned, source.read(info.filename))
    return out.getvalue()


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.author = "贵阳市卫生健康局"
    document.add_paragraph("贵阳市卫生健康局2024年重点任务分解表")
    document.add_paragraph("一、主要指标")
    table = document.add_table(rows=0, cols=3)
    for row in DOCX_ROWS:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    document.add_paragraph("二、工作要求：各牵头单位每季度报送一次进展情况。")
    buffer = io.BytesIO()
    document.save(buffer)
    return _pin_zip(buffer.getvalue())


def make_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "2024年重点指标"
    sheet.append(["指标", "单位", "2024年目标"])
    for row in XLSX_ROWS:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _pin_zip(buffer.getvalue())


def make_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.setTitle("遂宁市2024年卫生健康主要指标")
    y = 780
    for line in PDF_LINES:
        page.setFont("STSong-Light", 16 if y == 780 else 11)
        page.drawString(50, y, line)
        y -= 26
    page.showPage()
    page.save()
    return buffer.getvalue()


def main() -> None:
    """Write the three assets next to this module."""
    ASSETS.mkdir(exist_ok=True)
    (ASSETS / "gy2024_tasks.docx").write_bytes(make_docx())
    (ASSETS / "shx2024_indicators.xlsx").write_bytes(make_xlsx())
    (ASSETS / "sn2024_indicators.pdf").write_bytes(make_pdf())
    for path in sorted(ASSETS.iterdir()):
        print(f"{path.name}\t{path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
