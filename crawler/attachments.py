"""Attachments linked from plan documents: which links are files, and their text.

A registry of text extractors keyed by file type (STYLE.md habit 1): pdf (pypdf,
hard-wrapped CJK lines rejoined), docx (python-docx ``iter_inner_content`` so tables
stay, in order), doc/wps (antiword, else catdoc, when installed), xlsx (openpyxl),
xls (catdoc's xls2csv when installed), txt. :func:`read_attachment` never raises: a
file that cannot be read comes back as ``AttachmentText(text=None, error=reason)``
with a reason a person understands (an HTML error page served as "x.pdf", a zip bomb,
a truncated file, a missing tool), and the spider records it with the version.

The file type is decided by the bytes first (``%PDF``, zip, OLE2, HTML), then the
file name, then the Content-Type, because government servers often send
``application/octet-stream`` or the wrong extension.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from crawler.encoding import decode_text_file
from store.errors import InputError

__all__ = [
    "ATTACHMENT_EXTENSIONS",
    "MAX_UNPACKED_BYTES",
    "AttachmentText",
    "AttachmentUnreadable",
    "TextExtractor",
    "attachment_extension",
    "detect_kind",
    "is_attachment_url",
    "read_attachment",
    "rejoin_cjk_lines",
]

# File types a plan is published in besides the page itself.
ATTACHMENT_EXTENSIONS: frozenset[str] = frozenset(
    {"pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "txt", "ofd", "zip", "rar", "7z"}
)
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
_MAX_PDF_PAGES = 400
_MAX_SHEET_ROWS = 20_000
_TOOL_TIMEOUT_S = 30

_CONTENT_TYPES: dict[str, str] = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
    "application/vnd.ms-works": "wps",
    "application/kswps": "wps",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel": "xls",
    "text/plain": "txt",
}


@dataclass(frozen=True)
class AttachmentText:
    """The text of one attachment, or why there is none (exactly one is set)."""

    text: str | None
    error: str | None = None
    kind: str = ""


class AttachmentUnreadable(Exception):
    """Raised by an extractor with a reason for a person; becomes ``AttachmentText.error``."""


def attachment_extension(name_or_url: str) -> str:
    """The lower-case extension of a file name or URL path ("" when none)."""
    path = unquote(urlsplit(name_or_url).path if "://" in name_or_url else name_or_url)
    return PurePosixPath(path).suffix.lower().lstrip(".")


def is_attachment_url(url: str) -> bool:
    """True for links to files (pdf, docx, doc, wps, xls, xlsx, ...), not pages.

    Decided by the path's extension only (query strings ignored), so the spider can
    tell before fetching; ``download.jsp?file=x.pdf`` style links are caught by the
    anchor text check in :mod:`crawler.page_fields`.
    """
    return attachment_extension(url) in ATTACHMENT_EXTENSIONS


class TextExtractor:
    """Reads one file type; subclasses register under ``kind`` (the file extension)."""

    kind: ClassVar[str]
    registry: ClassVar[dict[str, type[TextExtractor]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):  # private bases share code, not a kind
            TextExtractor.registry[cls.kind] = cls

    def extract(self, data: bytes) -> str:
        raise NotImplementedError


# --- pdf -------------------------------------------------------------------------

_SENTENCE_END = "。！？；：…”」』）)!?;:"
_CJK = re.compile(r"[\u3400-\u9fff\uff08\uff0c\u3001\u201c]")
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．]|第[一二三四五六七八九十\d]+[章条节]|附件)")
_WRAP_SHARE = 0.6


def _continues(previous: str, line: str, width: int) -> bool:
    if not previous or not line or "  " in previous or _HEADING.match(line):
        return False
    if len(previous) < width * _WRAP_SHARE or previous[-1] in _SENTENCE_END:
        return False
    return bool(_CJK.match(previous[-1]) or previous[-1].isdigit()) and bool(
        _CJK.match(line[0]) or line[0].isdigit() or line[0] in "，。、；："
    )


def rejoin_cjk_lines(text: str) -> str:
    """Join lines a PDF wrapped mid-sentence: Chinese has no space to put back.

    A line is a continuation when the one before it is nearly full width, ends in a
    Chinese character (not 。；：) and the line does not start a heading (一、 （二） 3.).
    """
    lines = [line.strip() for line in text.split("\n")]
    width = max((len(line) for line in lines), default=0)
    out: list[str] = []
    for line in lines:
        if not line:
            continue
        if out and _continues(out[-1], line, width):
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)


class PdfExtractor(TextExtractor):
    kind = "pdf"

    def extract(self, data: bytes) -> str:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise AttachmentUnreadable("the PDF is password-protected")
            if len(reader.pages) > _MAX_PDF_PAGES:
                raise AttachmentUnreadable(f"the PDF has {len(reader.pages)} pages (limit {_MAX_PDF_PAGES})")
            pages = [rejoin_cjk_lines(page.extract_text() or "") for page in reader.pages]
        except PdfReadError as exc:
            raise AttachmentUnreadable(f"the PDF is damaged or truncated ({exc})") from exc
        text = "\n".join(page for page in pages if page)
        if not text.strip():
            raise AttachmentUnreadable("the PDF has no text layer (a scan); it would need OCR")
        return text


# --- zip-based (docx, xlsx) ------------------------------------------------------


def _open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """The archive, after refusing one that would unpack to more than the limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise AttachmentUnreadable(f"the {what} file is damaged or truncated (not a valid zip archive)") from exc
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise AttachmentUnreadable(
            f"the {what} file would unpack to {unpacked // (1024 * 1024)} MB "
            f"(limit {MAX_UNPACKED_BYTES // (1024 * 1024)} MB); refused as a possible zip bomb"
        )
    return archive


def _docx_table_rows(table: object) -> list[str]:
    rows = []
    for row in table.rows:  # type: ignore[attr-defined]
        seen: list[object] = []
        cells = []
        for cell in row.cells:
            if any(cell._tc is other for other in seen):  # a merged cell repeats itself
                continue
            seen.append(cell._tc)
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append("\t".join(cells))
    return rows


class DocxExtractor(TextExtractor):
    kind = "docx"

    def extract(self, data: bytes) -> str:
        import docx
        from docx.table import Table

        _open_zip(data, "docx").close()
        try:
            document = docx.Document(io.BytesIO(data))
        except (KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise AttachmentUnreadable(f"not a Word (.docx) document ({exc})") from exc
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_docx_table_rows(block))
            elif block.text.strip():
                lines.append(block.text.strip())
        return "\n".join(lines)


class XlsxExtractor(TextExtractor):
    kind = "xlsx"

    def extract(self, data: bytes) -> str:
        from openpyxl import load_workbook

        _open_zip(data, "xlsx").close()
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a bad workbook
            raise AttachmentUnreadable(f"not an Excel (.xlsx) workbook ({exc})") from exc
        lines: list[str] = []
        for sheet in workbook.worksheets:
            lines.append(sheet.title)
            for count, row in enumerate(sheet.iter_rows(values_only=True)):
                if count >= _MAX_SHEET_ROWS:
                    break
                cells = ["" if value is None else " ".join(str(value).split()) for value in row]
                if any(cells):
                    lines.append("\t".join(cells).rstrip("\t"))
        workbook.close()
        return "\n".join(lines)


# --- legacy binary formats through command-line tools ------------------------------

# kind -> commands tried in order; {path} is the file.
LEGACY_TOOLS: dict[str, tuple[tuple[str, ...], ...]] = {
    "doc": (("antiword", "-m", "UTF-8.txt", "-w", "0", "{path}"), ("catdoc", "-d", "utf-8", "-w", "{path}")),
    "wps": (("antiword", "-m", "UTF-8.txt", "-w", "0", "{path}"), ("catdoc", "-d", "utf-8", "-w", "{path}")),
    "xls": (("xls2csv", "-d", "utf-8", "-q", "0", "-c", "\t", "{path}"),),
}


def _run_tool(command: tuple[str, ...], data: bytes, suffix: str) -> tuple[str | None, str]:
    """(text, "") on success, (None, reason) otherwise."""
    with tempfile.TemporaryDirectory(prefix="planwatch-att-") as folder:
        path = Path(folder) / f"attachment.{suffix}"
        path.write_bytes(data)
        args = [part.replace("{path}", str(path)) for part in command]
        try:
            done = subprocess.run(args, capture_output=True, timeout=_TOOL_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            return None, f"{command[0]} took longer than {_TOOL_TIMEOUT_S} s"
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, f"{command[0]} could not read it ({message[0] if message else f'exit {done.returncode}'})"
    return done.stdout.decode("utf-8", "replace"), ""


class _LegacyExtractor(TextExtractor):
    def extract(self, data: bytes) -> str:
        commands = LEGACY_TOOLS[self.kind]
        installed = [command for command in commands if shutil.which(command[0])]
        if not installed:
            names = " or ".join(command[0] for command in commands)
            raise AttachmentUnreadable(f".{self.kind} files need {names}, which is not installed here")
        reasons = []
        for command in installed:
            text, reason = _run_tool(command, data, self.kind)
            if text is not None and text.strip():
                return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())
            reasons.append(reason or f"{command[0]} found no text")
        raise AttachmentUnreadable("; ".join(reasons))


class DocExtractor(_LegacyExtractor):
    kind = "doc"


class WpsExtractor(_LegacyExtractor):
    kind = "wps"


class XlsExtractor(_LegacyExtractor):
    kind = "xls"


class TxtExtractor(TextExtractor):
    kind = "txt"

    def extract(self, data: bytes) -> str:
        try:
            return decode_text_file(data)
        except InputError as exc:
            raise AttachmentUnreadable(f"the text file {exc.message}") from exc


# --- choosing the extractor --------------------------------------------------------

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype|html|head|body|meta|title|script)\b", re.I | re.S)


def _sniff(data: bytes) -> str:
    """What the bytes are: pdf, docx, xlsx, zip, ole2, html, or ""."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return "zip"
        return "docx" if "word/document.xml" in names else "xlsx" if "xl/workbook.xml" in names else "zip"
    if data.startswith(_OLE2):
        return "ole2"
    if _HTML_START.match(data[:2048].lstrip(b"\xef\xbb\xbf")):
        return "html"
    return ""


def detect_kind(data: bytes, filename: str, content_type: str | None) -> tuple[str, str]:
    """(extractor kind, "") or ("", reason): bytes beat the name, the name beats the header."""
    named = attachment_extension(filename)
    if named not in TextExtractor.registry:
        media = (content_type or "").split(";")[0].strip().lower()
        named = _CONTENT_TYPES.get(media, named)
    sniffed = _sniff(data)
    if sniffed == "html":
        return "", f"the server sent an HTML page (probably an error page), not a {named or 'file'}"
    if sniffed in {"pdf", "docx", "xlsx"}:
        return sniffed, ""
    if sniffed == "zip" and named in {"docx", "xlsx"}:
        return named, ""  # the extractor names the damage
    if sniffed == "ole2":
        return (named if named in {"doc", "wps", "xls"} else "doc"), ""
    if named in {"pdf", "docx", "xlsx"}:
        return "", f"not a valid {named} file (its first bytes are not a {named} signature)"
    if named in TextExtractor.registry:
        return named, ""
    return "", f"unsupported attachment type {('.' + named) if named else '(no file extension)'}"


def read_attachment(data: bytes, filename: str, content_type: str | None = None) -> AttachmentText:
    """The text of an attachment, or the reason it could not be read. Never raises."""
    if not data:
        return AttachmentText(None, "the file is empty")
    kind, reason = detect_kind(data, filename, content_type)
    if not kind:
        return AttachmentText(None, reason)
    try:
        text = TextExtractor.registry[kind]().extract(data)
    except AttachmentUnreadable as exc:
        return AttachmentText(None, str(exc), kind)
    except Exception as exc:  # a third-party parser failing in an unforeseen way
        return AttachmentText(None, f"could not read the {kind} file ({type(exc).__name__}: {exc})", kind)
    if not text.strip():
        return AttachmentText(None, f"the {kind} file holds no text", kind)
    return AttachmentText(text.strip(), None, kind)
