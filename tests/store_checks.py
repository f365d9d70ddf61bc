"""What a consistent store looks like, as a list of problems (empty when all is well).

The reliability tests kill processes mid-write, stop the database mid-cycle and run
writers side by side; afterwards each calls :func:`store_problems` and expects ``[]``.
The rules are the promises of ``store/versions.py`` and ``store/models.py``: a version
always has its text, an attachment always has its version, a document's versions
differ from one to the next, ``latest_hash`` names the latest version, a stored
WARC reference points at a record, nothing is left ``running`` or half-analysed.
"""

from __future__ import annotations

import hashlib
import zlib
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.models import Attachment, Blob, CrawlRun, Digest, DigestItem, Document, Target, Version
from store.warc import WarcRef, read_record

__all__ = ["ROW_TABLES", "row_counts", "store_problems"]

ROW_TABLES = ("document", "version", "blob", "attachment", "target", "change", "digest", "digestitem", "crawlrun")


def _blob_problems(session: Session) -> list[str]:
    problems = []
    for blob in session.exec(select(Blob)).all():
        try:
            data = zlib.decompress(blob.data).decode("utf-8")
        except (zlib.error, UnicodeDecodeError) as exc:
            problems.append(f"blob {blob.hash[:12]} does not decompress: {exc}")
            continue
        if hashlib.sha256(data.encode("utf-8")).hexdigest() != blob.hash:
            problems.append(f"blob {blob.hash[:12]} holds another text than its hash says")
    return problems


def _version_problems(session: Session, data_dir: Path | None) -> list[str]:
    problems = []
    blobs = set(session.exec(select(Blob.hash)).all())
    by_document: dict[int, list[Version]] = defaultdict(list)
    for version in session.exec(select(Version).order_by(col(Version.id))).all():
        by_document[version.document_id].append(version)
        if version.text_hash not in blobs:
            problems.append(f"version {version.id} has no text blob {version.text_hash[:12]}")
        if data_dir is not None and version.warc_file:
            try:
                read_record(data_dir, WarcRef(version.warc_file, version.warc_offset or 0))
            except (OSError, ValueError) as exc:
                problems.append(f"version {version.id}: WARC record unreadable ({exc})")
    for document in session.exec(select(Document)).all():
        versions = by_document.get(int(document.id or 0), [])
        if not versions:
            problems.append(f"document {document.id} ({document.url}) has no version")
            continue
        for before, after in pairwise(versions):
            if before.content_hash == after.content_hash:
                problems.append(f"document {document.id}: versions {before.id} and {after.id} have the same content")
        if document.latest_hash != versions[-1].content_hash:
            problems.append(f"document {document.id}: latest_hash is not its latest version's")
    return problems


def _orphans(session: Session) -> list[str]:
    problems = []
    versions = set(session.exec(select(Version.id)).all())
    blobs = set(session.exec(select(Blob.hash)).all())
    for attachment in session.exec(select(Attachment)).all():
        if attachment.version_id not in versions:
            problems.append(f"attachment {attachment.id} has no version {attachment.version_id}")
        if attachment.text_hash is not None and attachment.text_hash not in blobs:
            problems.append(f"attachment {attachment.id} has no text blob")
        if attachment.text_hash is None and not attachment.error:
            problems.append(f"attachment {attachment.id} has neither text nor a reason")
    for target in session.exec(select(Target)).all():
        if target.version_id not in versions:
            problems.append(f"target {target.id} has no version {target.version_id}")
    digests = set(session.exec(select(Digest.id)).all())
    for item in session.exec(select(DigestItem)).all():
        if item.digest_id not in digests:
            problems.append(f"digest item of change {item.change_id} has no digest {item.digest_id}")
    return problems


def _run_problems(session: Session) -> list[str]:
    problems = []
    for run in session.exec(select(CrawlRun)).all():
        if run.status == "running":
            problems.append(f"crawl run {run.id} ({run.source_id}) is still 'running'")
        elif run.finished_at is None:
            problems.append(f"crawl run {run.id} ({run.source_id}) is {run.status} without a finish time")
    return problems


def store_problems(engine: Engine, data_dir: Path | None = None, *, runs_settled: bool = True) -> list[str]:
    """Every broken promise in the store; ``data_dir`` also checks the WARC references."""
    with Session(engine) as session:
        problems = _blob_problems(session) + _version_problems(session, data_dir) + _orphans(session)
        if runs_settled:
            problems += _run_problems(session)
    return problems


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of :data:`ROW_TABLES` (to show that nothing was half-written)."""
    with engine.connect() as connection:
        return {name: int(connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() or 0) for name in ROW_TABLES}
