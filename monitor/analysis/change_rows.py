"""Change rows as the digest and the archive read them: one builder per kind.

Every row carries ``kind, source_id, document_id, version_id, old_document_id,
old_version_id, series_id, indicator, plan_year, summary, detail, dedup_key``.
``detail`` (JSON, Chinese kept) by kind:

- ``new-document``: ``{"title", "url", "agency", "region", "plan_year", "doc_type",
  "published_on", "target_count"}``
- ``repost``: ``{"canonical_document_id", "canonical_url", "similarity", "url", "title"}``
- ``text-edit``: ``{"hunks": [{"section", "old", "new"}, ...at most 5, plain text],
  "hunk_count", "inserted_chars", "deleted_chars"}``
- ``target-added|removed|raised|lowered|changed``: ``{"old": target|null, "new":
  target|null, "old_year", "new_year", "scope": "version"|"series", "reasons": [...],
  "verdict"}`` — ``verdict`` is the summary's wording ("raised", "tightened (lower is
  better)", ...): ``target-raised`` means *more ambitious*, which for a ceiling such as
  a death rate is a smaller number.
- ``target-met|missed``: ``{"target": target, "actual": target, "year", "target_document_id"}``

A target is ``ExtractedTarget.to_json()``. ``dedup_key`` (unique) names what the row is
about, so analysing a version again never adds a second row for the same finding.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from monitor.analysis.attainment import Attainment
from monitor.analysis.matching import TargetChange
from monitor.analysis.matchrules import comparator_of
from monitor.analysis.reposts import RepostMatch
from monitor.analysis.targets import ExtractedTarget
from monitor.analysis.textdiff import TextDiff
from store.kinds import ChangeKind, TargetKind
from store.models import Change, Document, Target, Version

__all__ = [
    "MAX_DETAIL_HUNKS",
    "attainment_change",
    "new_document_change",
    "repost_change",
    "target_change",
    "target_from_row",
    "target_json",
    "text_edit_change",
]

MAX_DETAIL_HUNKS = 5


def target_from_row(row: Target) -> ExtractedTarget:
    """A stored Target as the extractor's type (for matching and ``to_json``)."""
    kind = TargetKind.ACTUAL if row.kind == TargetKind.ACTUAL.value else TargetKind.TARGET
    return ExtractedTarget(
        indicator=row.indicator, value=row.value, value_max=row.value_max, unit=row.unit,
        cmp=comparator_of(row.cmp), deadline=row.deadline, kind=kind,
        sentence=row.sentence, section=row.section, responsible=row.responsible,
    )


def target_json(target: Any) -> dict[str, Any] | None:
    """``to_json()`` of an ExtractedTarget (None stays None)."""
    if target is None:
        return None
    result: dict[str, Any] = target.to_json()
    return result


def _digest(*parts: Any) -> str:
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _base(document: Document, version: Version, kind: ChangeKind, summary: str, key: str) -> Change:
    return Change(
        kind=kind.value, source_id=document.source_id, document_id=document.id, version_id=version.id,
        series_id=document.series_id, plan_year=document.plan_year, summary=summary, dedup_key=key[:255],
    )


def new_document_change(document: Document, version: Version, target_count: int) -> Change:
    """A plan seen for the first time (not a repost)."""
    facts = [part for part in (document.agency, str(document.plan_year) if document.plan_year else "") if part]
    summary = f"new document: {document.title or document.url}" + (f" ({', '.join(facts)})" if facts else "")
    change = _base(document, version, ChangeKind.NEW_DOCUMENT, f"{summary}, {target_count} targets",
                   f"new-document:{document.id}")
    change.detail = {
        "title": document.title, "url": document.url, "agency": document.agency, "region": document.region,
        "plan_year": document.plan_year, "doc_type": document.doc_type,
        "published_on": document.published_on.isoformat() if document.published_on else None,
        "target_count": target_count,
    }
    return change


def repost_change(document: Document, version: Version, match: RepostMatch) -> Change:
    """A document whose text copies an earlier one on another site."""
    original = match.original
    summary = (f"repost: {document.title or document.url} copies {original.title or original.url} "
               f"({original.url}), similarity {match.similarity:.0%}")
    change = _base(document, version, ChangeKind.REPOST, summary, f"repost:{document.id}")
    change.old_document_id = original.id
    change.detail = {
        "canonical_document_id": original.id, "canonical_url": original.url,
        "similarity": round(match.similarity, 4), "url": document.url, "title": document.title,
    }
    return change


def text_edit_change(document: Document, version: Version, previous: Version, diff: TextDiff) -> Change:
    """A published page whose text was edited (noise alone never gets here)."""
    sections = [section for section in diff.sections if section][:2]
    where = f" in {' / '.join(sections)}" if sections else ""
    count = len(diff.hunks)
    summary = f"text edited: {document.title or document.url}: {count} passage{'s' if count != 1 else ''} changed{where}"
    change = _base(document, version, ChangeKind.TEXT_EDIT, summary, f"text-edit:{previous.id}>{version.id}")
    change.old_document_id, change.old_version_id = document.id, previous.id
    change.detail = {
        "hunks": [{"section": h.section, "old": h.old, "new": h.new} for h in diff.hunks[:MAX_DETAIL_HUNKS]],
        "hunk_count": count, "inserted_chars": diff.inserted_chars, "deleted_chars": diff.deleted_chars,
    }
    return change


def target_change(
    document: Document,
    version: Version,
    row: TargetChange,
    *,
    old: tuple[Document, Version],
    years: tuple[int | None, int | None],
    scope: str,
    position: int,
) -> Change:
    """One target added, removed, raised, lowered or changed (never unchanged)."""
    assert row.kind is not None
    old_json, new_json = target_json(row.old), target_json(row.new)
    key = f"{row.kind.value}:{scope}:{old[1].id}>{version.id}:{_digest(position, old_json, new_json)}"
    change = _base(document, version, row.kind, row.summary, key)
    change.old_document_id, change.old_version_id = old[0].id, old[1].id
    change.indicator = row.indicator
    change.detail = {
        "old": old_json, "new": new_json, "old_year": years[0], "new_year": years[1], "scope": scope,
        "reasons": list(row.reasons), "verdict": row.verdict,
    }
    return change


def attainment_change(
    document: Document, version: Version, found: Attainment, *, target_document: Document, target_version_id: int
) -> Change:
    """A later document's actual meeting or missing an earlier document's target for that year."""
    target, actual = target_json(found.target), target_json(found.actual)
    key = (f"{found.kind.value}:{target_document.id}>{document.id}:{found.year}:"
           f"{_digest(found.target.indicator, found.target.value, found.actual.value)}")
    change = _base(document, version, found.kind, found.summary, key)
    change.old_document_id, change.old_version_id = target_document.id, target_version_id
    change.indicator = found.target.indicator
    change.detail = {"target": target, "actual": actual, "year": found.year, "target_document_id": target_document.id}
    return change

