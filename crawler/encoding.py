"""Bytes to text for Chinese government pages and plain text files.

Government sites serve UTF-8, GBK, GB2312 and GB18030, declared in the
``Content-Type`` header, only in a ``<meta>`` tag, or not at all. HTML goes through
w3lib's ``html_to_unicode`` — the function behind Scrapy's ``response.text`` — so the
crawler and ``planwatch extract FILE`` decode a page the same way: header, then BOM,
then ``<meta>``/XML declaration. w3lib maps gb2312 and gbk to **gb18030**, a superset:
Python's own ``gb2312`` codec cannot read GBK-only characters (镕 玥 昇 喆 堃) and reads
0xA1A4 as '・' where GBK gives '·', so two decode paths for one page would make a
false diff.

Where nothing is declared, Scrapy guesses ascii → utf-8 → cp1252, which turns an
undeclared GBK page into Latin mojibake; :func:`decode_html` instead tries strict
UTF-8, then strict GB18030, then charset-normalizer. The spider must therefore call
``decode_html(response.body, response.headers.get("Content-Type"))`` rather than use
``response.text``. A page whose declared charset is wrong (a GBK page labelled
utf-8) is decoded by the detector when the declared codec fails and the detected one
reads the bytes cleanly.
"""

from __future__ import annotations

import codecs

from w3lib.encoding import html_to_unicode

from store.errors import InputError

__all__ = ["decode_html", "decode_text_file", "detect_encoding"]

# Tried in order on undeclared bytes; the first that decodes strictly wins.
_STRICT_CANDIDATES: tuple[str, ...] = ("utf-8", "gb18030")

# Codec names w3lib may return for the Chinese family, all read as gb18030.
_CHINESE_FAMILY = frozenset({"gb2312", "gbk", "gb18030", "cp936", "euc-cn", "x-gbk", "hz"})


def _strict_decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def detect_encoding(data: bytes) -> str | None:
    """Guess the codec of undeclared bytes: strict UTF-8, strict GB18030, then a detector.

    Returns None when nothing reads the bytes (binary data).
    """
    for candidate in _STRICT_CANDIDATES:
        if _strict_decodes(data, candidate):
            return candidate
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None:
        return None
    name = codecs.lookup(best.encoding).name
    return "gb18030" if name in _CHINESE_FAMILY else name


def _auto_detect(data: bytes) -> str | None:
    return detect_encoding(data)


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode an HTML page the way the crawler and the CLI both must (see the module doc).

    ``content_type`` is the raw ``Content-Type`` header value, if any. Never raises:
    bytes no codec reads come back with U+FFFD replacement characters.
    """
    encoding, text = html_to_unicode(content_type, body, auto_detect_fun=_auto_detect)
    if "\ufffd" in text and not _strict_decodes(body, _python_name(encoding)):
        # The declaration lies (a GBK page labelled utf-8): trust bytes that decode cleanly.
        guessed = next((c for c in _STRICT_CANDIDATES if _strict_decodes(body, c)), None)
        if guessed is not None:
            text = body.decode(guessed)
            text = text.removeprefix("\ufeff")
    return text


def _python_name(w3lib_name: str) -> str:
    name = w3lib_name.replace("_", "-").lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text_file(data: bytes) -> str:
    """Decode a plain text file: UTF-8 (with or without BOM), else GB18030.

    A text file someone saved from a government page is UTF-8 or GBK nearly always;
    anything else (a binary file, a PDF renamed .txt) is an ``InputError`` with a
    one-line reason rather than a page of mojibake.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).removeprefix("\ufeff")
            except UnicodeDecodeError as exc:
                raise InputError(f"starts with a {encoding} byte-order mark but is not {encoding}: {exc.reason}") from exc
    if b"\x00" in data[:8192]:
        raise InputError("looks like a binary file, not text (it contains NUL bytes)")
    for encoding in _STRICT_CANDIDATES:
        if _strict_decodes(data, encoding):
            return data.decode(encoding)
    raise InputError(
        "is neither UTF-8 nor GB18030/GBK text",
        hint="save it as UTF-8, or give the HTML page instead",
    )
