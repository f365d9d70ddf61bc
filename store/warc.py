"""Raw captures: every 200 response appended to rotating WARC files (warcio).

A version keeps ``WarcRef(file, offset, length)``: the name of a gzipped WARC file in
``<data_dir>/warc/`` and the byte offset of its record, so the archive can show
exactly what was fetched and any WARC tool (``warcio extract FILE OFFSET``,
pywb, replayweb.page) can replay it.

Each writer opens files of its own (name = UTC start time, process id, serial), so
two crawls running at once never write into one file; a file is rotated once it
reaches ``max_bytes``. Every record is a separate gzip member and is flushed at once,
so a reader in another process can open it while the crawl continues.

Scrapy hands over a body that is already decompressed but keeps the server's
``Content-Length`` and ``Content-Encoding``: both are rewritten here so the record
is a valid, replayable HTTP response. Scrapy has no reason phrase either; it comes
from :class:`http.HTTPStatus`.
"""

from __future__ import annotations

import http
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

__all__ = ["WARC_SUBDIR", "WarcRef", "WarcWriter", "read_record", "warc_dir"]

WARC_SUBDIR = "warc"

# Headers that describe the bytes on the wire, not the decoded body we hold.
_WIRE_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding"})


@dataclass(frozen=True)
class WarcRef:
    """Where a raw response was captured: file name (in the data dir's warc/), offset, length."""

    file: str
    offset: int
    length: int | None = None


def warc_dir(data_dir: Path) -> Path:
    """The directory holding the WARC files of a data directory."""
    return Path(data_dir) / WARC_SUBDIR


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _http_headers(status: int, headers: Iterable[tuple[str, str]], body_length: int) -> StatusAndHeaders:
    kept = [(name, value) for name, value in headers if name.lower() not in _WIRE_HEADERS]
    kept.append(("Content-Length", str(body_length)))
    return StatusAndHeaders(f"{status} {_reason(status)}", kept, protocol="HTTP/1.1")


class WarcWriter:
    """Appends response records to ``<data_dir>/warc/planwatch-<start>-<pid>-<n>.warc.gz``."""

    def __init__(self, data_dir: Path, *, max_bytes: int = 100_000_000, software: str = "planwatch") -> None:
        self.directory = warc_dir(data_dir)
        self.max_bytes = max_bytes
        self.software = software
        self._stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self._serial = 0
        self._handle: IO[bytes] | None = None
        self._name = ""
        self._writer: WARCWriter | None = None
        self.records = 0

    @property
    def current_file(self) -> str:
        """Name of the file being written ("" before the first record)."""
        return self._name

    def _open_next(self) -> None:
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            self._serial += 1
            name = f"planwatch-{self._stamp}-{os.getpid()}-{self._serial:05d}.warc.gz"
            try:
                self._handle = (self.directory / name).open("xb")
            except FileExistsError:
                continue
            break
        self._name = name
        self._writer = WARCWriter(self._handle, gzip=True)
        info = self._writer.create_warcinfo_record(name, {"software": self.software, "format": "WARC File Format 1.1"})
        self._writer.write_record(info)
        self._handle.flush()

    def _ensure_open(self) -> tuple[IO[bytes], WARCWriter]:
        if self._handle is None or self._handle.tell() >= self.max_bytes:
            self._open_next()
        assert self._handle is not None and self._writer is not None
        return self._handle, self._writer

    def write_response(
        self, url: str, status: int, headers: Iterable[tuple[str, str]], body: bytes
    ) -> WarcRef:
        """Append one HTTP response (decoded body) and return where it landed."""
        handle, writer = self._ensure_open()
        record = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=_http_headers(status, headers, len(body)),
        )
        offset = handle.tell()
        writer.write_record(record)
        handle.flush()
        self.records += 1
        return WarcRef(self._name, offset, handle.tell() - offset)

    def close(self) -> None:
        """Close the current file (the next write opens a new one)."""
        if self._handle is not None:
            self._handle.close()
        self._handle = None
        self._writer = None

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_record(data_dir: Path, ref: WarcRef) -> tuple[list[tuple[str, str]], bytes]:
    """The HTTP headers and body captured at ``ref`` (for the archive's "as fetched" view).

    Raises FileNotFoundError when the file is gone and ValueError when no response
    record starts at the offset (a wrong or stale reference).
    """
    name = Path(ref.file).name  # never leave the warc directory
    path = warc_dir(data_dir) / name
    with path.open("rb") as handle:
        handle.seek(ref.offset)
        for record in ArchiveIterator(handle):
            if record.rec_type != "response" or record.http_headers is None:
                break
            headers = [(str(k), str(v)) for k, v in record.http_headers.headers]
            return headers, record.content_stream().read()
    raise ValueError(f"no response record at offset {ref.offset} of {name}")
