"""WARC captures: records readable by warcio at the stored offset, valid HTTP, rotated."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from store.warc import WarcRef, WarcWriter, read_record, warc_dir

PAGE = "<html><head><meta charset='utf-8'></head><body>2024年工作要点 床位数7.86张</body></html>".encode()
# What Scrapy hands over for a gzip-encoded answer: decoded body, wire headers kept.
WIRE_HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                ("Content-Length", "17"), ("ETag", '"v1"')]


def test_record_is_readable_at_its_offset_with_body_and_fixed_headers(data_dir: Path) -> None:
    with WarcWriter(data_dir) as writer:
        first = writer.write_response("http://127.0.0.1/a.html", 200, WIRE_HEADERS, PAGE)
        second = writer.write_response("http://127.0.0.1/b.html", 200, [("Content-Type", "text/html")], b"second")
    assert first.file == second.file and second.offset == first.offset + (first.length or 0)
    with (warc_dir(data_dir) / second.file).open("rb") as handle:
        handle.seek(second.offset)
        record = next(iter(ArchiveIterator(handle)))
        assert record.rec_headers.get_header("WARC-Target-URI") == "http://127.0.0.1/b.html"
        assert record.content_stream().read() == b"second"
    headers, body = read_record(data_dir, first)
    assert body == PAGE
    names = {name.lower(): value for name, value in headers}
    assert names["content-length"] == str(len(PAGE))
    assert "content-encoding" not in names and names["etag"] == '"v1"'


def test_whole_file_iterates_cleanly_with_status_line_and_reason(data_dir: Path) -> None:
    with WarcWriter(data_dir) as writer:
        ref = writer.write_response("http://127.0.0.1/x", 299, [], b"odd status")
        writer.write_response("http://127.0.0.1/y", 200, [], PAGE)
    with (warc_dir(data_dir) / ref.file).open("rb") as handle:
        records = [(r.rec_type, r.http_headers.statusline if r.http_headers else None) for r in ArchiveIterator(handle)]
    assert records == [("warcinfo", None), ("response", "299 Unknown"), ("response", "200 OK")]


def test_files_rotate_at_the_size_limit_and_old_refs_still_read(data_dir: Path) -> None:
    with WarcWriter(data_dir, max_bytes=2_000) as writer:
        bodies = [os.urandom(1_500) for _ in range(6)]  # incompressible: each record ~1.5 KB
        refs = [writer.write_response(f"http://127.0.0.1/{i}", 200, [], body) for i, body in enumerate(bodies)]
    assert len({ref.file for ref in refs}) >= 3
    for ref, body in zip(refs, bodies, strict=True):
        assert read_record(data_dir, ref)[1] == body


def test_two_writers_never_share_a_file(data_dir: Path) -> None:
    with WarcWriter(data_dir) as one, WarcWriter(data_dir) as two:
        a = one.write_response("http://127.0.0.1/a", 200, [], b"a")
        b = two.write_response("http://127.0.0.1/b", 200, [], b"b")
    assert a.file != b.file
    assert read_record(data_dir, a)[1] == b"a" and read_record(data_dir, b)[1] == b"b"


def test_a_wrong_offset_is_a_clear_error_not_garbage(data_dir: Path) -> None:
    with WarcWriter(data_dir) as writer:
        ref = writer.write_response("http://127.0.0.1/a", 200, [], PAGE)
    with pytest.raises(ValueError, match="no response record"):
        read_record(data_dir, WarcRef(ref.file, 0))
    with pytest.raises(FileNotFoundError):
        read_record(data_dir, WarcRef("missing.warc.gz", 0))
