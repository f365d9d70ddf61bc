"""Shapes of the JSON API (``/api/...``), described in ``/openapi.json``.

Times are ISO 8601 in UTC (the store's clock); Chinese text is returned as is.
Built from store rows by the ``of`` class methods, so the API and the pages read the
same data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from reports.templating import format_value
from reports.web.listing import DocumentRow, SourceRow
from reports.web.matrix import Cell, CellTarget, MatrixRow
from store.models import Attachment, Change, Document, Target, Version

__all__ = [
    "AttachmentOut",
    "CellOut",
    "CellTargetOut",
    "ChangeOut",
    "ChangePage",
    "DocumentDetail",
    "DocumentOut",
    "DocumentPageOut",
    "IndicatorOut",
    "MatrixRowOut",
    "SeriesOut",
    "SnippetPart",
    "SourceOut",
    "TargetOut",
    "VersionDetail",
    "VersionOut",
]


class SourceOut(BaseModel):
    id: str
    name: str
    agency: str
    region: str
    enabled: bool
    documents: int
    last_crawl_at: datetime | None
    last_status: str | None

    @classmethod
    def of(cls, row: SourceRow) -> SourceOut:
        run = row.last_run
        return cls(id=row.source.id, name=row.source.name, agency=row.source.agency, region=row.source.region,
                   enabled=row.source.enabled, documents=row.documents,
                   last_crawl_at=run.started_at if run else None, last_status=run.status if run else None)


class SnippetPart(BaseModel):
    text: str
    hit: bool


class DocumentOut(BaseModel):
    id: int
    url: str
    title: str
    agency: str
    region: str
    plan_year: int | None
    doc_type: str
    published_on: date | None
    first_seen: datetime
    last_seen: datetime
    source_id: str
    series_id: int | None
    canonical_id: int | None
    versions: int | None = None
    matched_version_id: int | None = Field(default=None, description="With q: the newest version that matched.")
    snippet: list[SnippetPart] | None = Field(default=None, description="With q: text around the first hit; hit parts are matches.")

    @classmethod
    def of(cls, document: Document, versions: int | None = None) -> DocumentOut:
        return cls(id=int(document.id or 0), url=document.url, title=document.title, agency=document.agency,
                   region=document.region, plan_year=document.plan_year, doc_type=document.doc_type,
                   published_on=document.published_on, first_seen=document.first_seen, last_seen=document.last_seen,
                   source_id=document.source_id, series_id=document.series_id, canonical_id=document.canonical_id,
                   versions=versions)

    @classmethod
    def of_row(cls, row: DocumentRow) -> DocumentOut:
        out = cls.of(row.document, row.versions)
        if row.hit is not None:
            out.matched_version_id = row.hit.version_id
            out.snippet = [SnippetPart(text=text, hit=hit) for text, hit in row.hit.snippet]
        return out


class DocumentPageOut(BaseModel):
    page: int
    per_page: int
    has_next: bool
    total: int | None = Field(default=None, description="Absent for full-text queries (not counted).")
    items: list[DocumentOut]


class VersionOut(BaseModel):
    id: int
    document_id: int
    fetched_at: datetime
    http_status: int
    title: str
    content_hash: str
    analysed_at: datetime | None
    has_raw_capture: bool

    @classmethod
    def of(cls, version: Version) -> VersionOut:
        return cls(id=int(version.id or 0), document_id=version.document_id, fetched_at=version.fetched_at,
                   http_status=version.http_status, title=version.title, content_hash=version.content_hash,
                   analysed_at=version.analysed_at, has_raw_capture=bool(version.warc_file))


class TargetOut(BaseModel):
    id: int
    version_id: int
    document_id: int
    position: int
    indicator: str
    indicator_norm: str
    display: str
    value: float
    value_max: float | None
    unit: str
    cmp: str
    deadline: int | None
    kind: str
    sentence: str
    section: str
    responsible: str | None

    @classmethod
    def of(cls, target: Target) -> TargetOut:
        data: dict[str, Any] = target.model_dump()
        return cls(**data, display=format_value(target.value, target.value_max, target.unit, target.cmp))


class AttachmentOut(BaseModel):
    url: str
    filename: str
    media_type: str
    size_bytes: int
    readable: bool
    error: str | None

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentOut:
        return cls(url=attachment.url, filename=attachment.filename, media_type=attachment.media_type,
                   size_bytes=attachment.size_bytes, readable=attachment.text_hash is not None, error=attachment.error)


class DocumentDetail(BaseModel):
    document: DocumentOut
    versions: list[VersionOut]
    attachments: list[AttachmentOut] = Field(description="Of the latest version.")
    targets: list[TargetOut] = Field(description="Of the latest analysed version.")
    outline: list[Any]
    reposts: list[int] = Field(description="Ids of documents that republish this one.")


class VersionDetail(BaseModel):
    version: VersionOut
    text: str
    targets: list[TargetOut]
    attachments: list[AttachmentOut]


class CellTargetOut(BaseModel):
    document_id: int
    display: str
    value: float
    value_max: float | None
    unit: str
    cmp: str
    sentence: str

    @classmethod
    def of(cls, target: CellTarget) -> CellTargetOut:
        return cls(**target._asdict(), display=format_value(target.value, target.value_max, target.unit, target.cmp))


class CellOut(BaseModel):
    document_id: int | None = Field(description="The plan shown for the year (series only).")
    targets: list[CellTargetOut] = Field(description="Full rows: /api/targets with the same scope.")
    changes: list[str] = Field(description="Kinds of the changes recorded for this indicator and year.")

    @classmethod
    def of(cls, cell: Cell) -> CellOut:
        return cls(document_id=cell.document.id if cell.document else None,
                   targets=[CellTargetOut.of(t) for t in cell.targets], changes=[c.kind for c in cell.changes])


class MatrixRowOut(BaseModel):
    key: str
    label: str
    unit: str
    cells: dict[int, CellOut] = Field(description="Year → cell.")

    @classmethod
    def of(cls, row: MatrixRow) -> MatrixRowOut:
        return cls(key=row.key, label=row.label, unit=row.unit, cells={year: CellOut.of(cell) for year, cell in row.cells.items()})


class SeriesOut(BaseModel):
    id: int
    title: str
    region: str
    agency: str
    doc_type: str
    years: list[int]
    documents: dict[int, int] = Field(description="Year → id of the plan shown for that year.")
    rows: list[MatrixRowOut]


class IndicatorOut(BaseModel):
    indicator: str
    years: list[int]
    rows: list[MatrixRowOut] = Field(description="One row per region.")
    series: list[int]


class ChangeOut(BaseModel):
    id: int
    kind: str
    created_at: datetime
    summary: str
    source_id: str | None
    document_id: int | None
    version_id: int | None
    old_document_id: int | None
    old_version_id: int | None
    series_id: int | None
    indicator: str | None
    plan_year: int | None
    detail: dict[str, Any]

    @classmethod
    def of(cls, change: Change) -> ChangeOut:
        data: dict[str, Any] = change.model_dump(exclude={"dedup_key"})
        return cls(**data)


class ChangePage(BaseModel):
    page: int
    per_page: int
    has_next: bool
    items: list[ChangeOut]
