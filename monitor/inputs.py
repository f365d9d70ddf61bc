"""Files given on the command line (``planwatch extract FILE``, ``planwatch compare A B``).

A saved government page (HTML in any of the Chinese encodings), a plain text copy
(UTF-8 or GBK), or an attachment (pdf, docx, ...) all become one
:class:`InputDocument`, read by the same code the crawler uses, so a file and the
crawled page give the same text. Anything unreadable raises ``InputError`` with a
one-line reason naming the file; nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from crawler.attachments import attachment_extension, read_attachment
from crawler.encoding import decode_html, decode_text_file
from crawler.html_text import parse_date
from crawler.page_fields import read_detail_page
from store.errors import InputError

__all__ = ["MAX_INPUT_BYTES", "InputDocument", "binary_kind", "looks_like_html", "read_input_file"]

MAX_INPUT_BYTES = 50 * 1024 * 1024
_HTML_SUFFIXES = frozenset({".html", ".htm", ".shtml", ".xhtml", ".jsp", ".asp", ".aspx", ".php"})
_TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
# Attachment types read through crawler.attachments rather than as text.
_DOCUMENT_TYPES = frozenset({"pdf", "docx", "doc", "wps", "xls", "xlsx"})
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|meta|body|title)\b", re.I | re.S)
# Magic bytes of files people mistake for pages: (prefix, what it is, what to do instead).
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x1f\x8b", "gzip", "unpack it first: gunzip -k FILE"),
    (b"\xfd7zXZ\x00", "xz", "unpack it first: unxz -k FILE"),
    (b"\x28\xb5\x2f\xfd", "zstd", "unpack it first: unzstd FILE"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip", "unpack it first"),
    (b"Rar!\x1a\x07", "RAR", "unpack it first"),
    (b"PK\x03\x04", "zip/docx/xlsx", "unpack a zip first; give a Word or Excel file its .docx/.xlsx name"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "doc/xls/wps", "give it its .doc/.xls/.wps name"),
    (b"%PDF-", "PDF", "give it its .pdf name"),
    (b"\x7fELF", "ELF executable", "give the saved HTML page or a text file"),
    (b"MZ\x90\x00", "Windows executable", "give the saved HTML page or a text file"),
    (b"\xcf\xfa\xed\xfe", "Mach-O executable", "give the saved HTML page or a text file"),
    (b"\x89PNG\r\n\x1a\n", "PNG image", "give the saved HTML page or a text file"),
    (b"GIF87a", "GIF image", "give the saved HTML page or a text file"),
    (b"\xff\xd8\xff", "JPEG image", "give the saved HTML page or a text file"),
    (b"GIF89a", "GIF image", "give the saved HTML page or a text file"),
    (b"SQLite format 3\x00", "SQLite database", "give the saved HTML page or a text file"),
)
# Text and HTML hardly ever hold C0 control bytes other than tab, newline, CR, FF and ESC;
# random and compressed bytes are about 12% control bytes.
_CONTROL_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B}
_CONTROL_SHARE = 0.02
_SNIFF_BYTES = 8192
# What a Chinese plan is written in: ASCII, CJK ideographs and punctuation, full-width forms.
_TEXT_CHARS = re.compile(r"[\t\n\r\x20-\x7e\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u2010-\u2030\u00b7]")
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")
_TEXT_DATE = re.compile(r"(?:发布日期|发布时间|成文日期|日期|时间)\s*[:：]\s*([^\n]{6,20})")
_TITLE_MAX_CHARS = 80


@dataclass(frozen=True)
class InputDocument:
    """A plan read from a file: its title, body text and publish date if it says one."""

    title: str
    text: str
    published_on: date | None
    is_html: bool


def looks_like_html(data: bytes, suffix: str = "") -> bool:
    """HTML by extension, else by its first bytes (``<!DOCTYPE html``, ``<html``, ...)."""
    if suffix.lower() in _HTML_SUFFIXES:
        return True
    if suffix.lower() in _TEXT_SUFFIXES:
        return False
    head = data[:2048].lstrip(b"\xef\xbb\xbf")
    return bool(_HTML_START.match(head))


def binary_kind(data: bytes) -> tuple[str, str] | None:
    """(what the bytes are, what to do) when they are not a page or text, else None.

    Known magic bytes name the format; otherwise a share of control bytes above 2% in
    the first 8 KB says "binary". UTF-16 files (byte-order mark) are text.
    """
    for prefix, kind, hint in _MAGIC:
        if data.startswith(prefix):
            return kind, hint
    head = data[:_SNIFF_BYTES]
    if head.startswith(_WIDE_BOMS):
        return None
    controls = sum(1 for byte in head if byte in _CONTROL_BYTES)
    if controls > _CONTROL_SHARE * len(head):
        return f"{controls * 100 // len(head)}% control bytes", "give the saved HTML page or a text file"
    return None


def _is_bomless_utf16(head: bytes) -> bool:
    """Bytes that read as UTF-16 text (Chinese, ASCII, punctuation) though no byte-order mark says so."""
    head = head[: len(head) - len(head) % 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        text = head.decode(encoding, errors="replace")
        texty = sum(1 for char in text if _TEXT_CHARS.match(char))
        if text and texty >= 0.95 * len(text):
            return True
    return False


def _refuse_binary(data: bytes, path: Path) -> None:
    found = binary_kind(data)
    if found is not None and found[0].endswith("control bytes") and _is_bomless_utf16(data[:_SNIFF_BYTES]):
        raise InputError(f"{path} looks like UTF-16 text without a byte-order mark", hint="save it as UTF-8")
    if found is not None:
        kind, hint = found
        raise InputError(f"{path} looks like a binary file ({kind}), not an HTML page or text",
                         hint=hint.replace("FILE", str(path)))


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a file")
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(f"{path}: {size // (1024 * 1024)} MB is larger than the {MAX_INPUT_BYTES // (1024 * 1024)} MB limit")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise InputError(f"{path}: is empty")
    return data


def _title_from_text(text: str, fallback: str) -> str:
    for line in text.split("\n"):
        line = line.strip()
        if line:
            return line if len(line) <= _TITLE_MAX_CHARS else fallback
    return fallback


def _from_text(text: str, path: Path) -> InputDocument:
    match = _TEXT_DATE.search(text[:3000])
    return InputDocument(
        title=_title_from_text(text, path.stem),
        text=text.strip(),
        published_on=parse_date(match.group(1)) if match else None,
        is_html=False,
    )


def _from_html(data: bytes, path: Path) -> InputDocument:
    fields = read_detail_page(decode_html(data), url=path.resolve().as_uri())
    if not fields.text.strip():
        raise InputError(f"{path}: the HTML page has no readable body text")
    return InputDocument(
        title=fields.title or path.stem, text=fields.text, published_on=fields.published_on, is_html=True
    )


def _from_attachment(data: bytes, path: Path) -> InputDocument:
    result = read_attachment(data, path.name, None)
    if result.text is None:
        raise InputError(f"{path}: {result.error or 'no text could be read'}")
    return _from_text(result.text, path)


def read_input_file(path: Path) -> InputDocument:
    """Read a page, text file or attachment given by the user; ``InputError`` when unusable."""
    data = _read_bytes(path)
    if attachment_extension(path.name) in _DOCUMENT_TYPES:
        return _from_attachment(data, path)
    _refuse_binary(data, path)
    if looks_like_html(data, path.suffix):
        return _from_html(data, path)
    try:
        text = decode_text_file(data)
    except InputError as exc:
        raise InputError(f"{path}: {exc.message}", hint=exc.hint) from exc
    if not text.strip():
        raise InputError(f"{path}: is empty")
    return _from_text(text, path)
