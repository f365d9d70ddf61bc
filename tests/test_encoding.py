"""Bytes to text: every way a Chinese page declares (or fails to declare) its charset."""

from __future__ import annotations

import codecs

import pytest
from scrapy.http import HtmlResponse

from crawler.encoding import decode_html, decode_text_file, detect_encoding
from store.errors import InputError

# GBK-only characters (absent from GB2312) and the middle dot GB2312 decodes as '・'.
TEXT = "遂宁市卫生健康委员会：朱镕 王玥 李昇 张喆 陈堃；“健康·遂宁”行动，孕产妇死亡率控制在12/10万以内。"


def _page(meta: str = "") -> str:
    return f"<html><head>{meta}<title>工作要点</title></head><body><p>{TEXT}</p></body></html>"


# (case id, Content-Type header, meta tag, codec the bytes are written in)
CASES = [
    ("header-gbk", "text/html; charset=gbk", "", "gbk"),
    ("header-gb2312-but-gbk-bytes", "text/html; charset=GB2312", "", "gbk"),
    ("header-gb18030", "text/html; charset=gb18030", "", "gb18030"),
    ("meta-gb2312-only", "text/html", '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "gbk"),
    ("meta-charset-gbk-only", None, '<meta charset="gbk">', "gbk"),
    ("undeclared-gbk", "text/html", "", "gbk"),
    ("undeclared-gbk-no-header", None, "", "gbk"),
    ("header-utf8", "text/html; charset=utf-8", "", "utf-8"),
    ("undeclared-utf8", "text/html", "", "utf-8"),
    ("utf8-bom", None, "", "utf-8-sig"),
    ("header-says-utf8-bytes-are-gbk", "text/html; charset=utf-8", "", "gbk"),
]


@pytest.mark.parametrize(("content_type", "meta", "codec"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_decode_html_reads_every_declaration(content_type: str | None, meta: str, codec: str) -> None:
    body = _page(meta).encode(codec)
    text = decode_html(body, content_type)
    assert TEXT in text
    assert "・" not in text and "\ufffd" not in text


@pytest.mark.parametrize(
    ("content_type", "meta"),
    [("text/html; charset=gbk", ""), ("text/html", '<meta charset="gb2312">'), ("text/html; charset=utf-8", "")],
)
def test_decode_html_agrees_with_scrapy_where_scrapy_is_told_the_charset(content_type: str, meta: str) -> None:
    codec = "utf-8" if "utf-8" in content_type else "gbk"
    body = _page(meta).encode(codec)
    response = HtmlResponse("http://127.0.0.1/a.html", body=body, headers={"Content-Type": content_type})
    assert decode_html(body, content_type) == response.text


@pytest.mark.parametrize("snippet", ["<p>工作要点</p>", "<p>健康·遂宁</p>", "<p>朱镕 王玥</p>"])
def test_short_undeclared_gbk_is_where_scrapy_guesses_wrong_and_decode_html_does_not(snippet: str) -> None:
    body = snippet.encode("gbk")
    response = HtmlResponse("http://127.0.0.1/a.html", body=body, headers={"Content-Type": "text/html"})
    assert response.text != snippet  # why the spider must call decode_html(response.body, ...)
    assert decode_html(body, "text/html") == snippet


def test_gb18030_four_byte_characters_survive() -> None:
    text = "罕见字：𠀀 㐀 䶵"
    assert text in decode_html(_page().replace(TEXT, text).encode("gb18030"), "text/html; charset=gb2312")


def test_python_gb2312_codec_is_the_trap_the_module_avoids() -> None:
    assert b"\xa1\xa4".decode("gb2312") == "・"
    assert decode_html(b"<p>\xa1\xa4</p>", "text/html; charset=gb2312").count("·") == 1


def test_binary_bytes_never_raise() -> None:
    assert isinstance(decode_html(bytes(range(256)) * 4), str)


def test_detect_encoding_order() -> None:
    assert detect_encoding("中文".encode()) == "utf-8"
    assert detect_encoding(TEXT.encode("gbk")) == "gb18030"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TEXT.encode("utf-8"), TEXT),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), TEXT),
        (TEXT.encode("gbk"), TEXT),
        (TEXT.encode("gb18030"), TEXT),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), TEXT),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "utf16-bom"],
)
def test_decode_text_file(data: bytes, expected: str) -> None:
    assert decode_text_file(data) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.4\x00\x01\x02binary", "binary"),
        (b"\x80\xff not text \xff\x80" * 3, "neither UTF-8 nor GB18030"),
    ],
    ids=["nul-bytes", "undecodable"],
)
def test_decode_text_file_refuses_non_text_with_one_line(data: bytes, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        decode_text_file(data)
    assert reason in caught.value.one_line()
    assert "\n" not in caught.value.one_line()
