"""Analyse one stored version inside the caller's transaction (see pipeline.py for the order).

The outline is built once and handed to ``extract_targets`` (bench/RESULTS.md: building it
twice cost about 15 % of the extraction time on 30 KB plans). What the versions of one run
share, the repost index and the region's targets, lives in :class:`AnalysisRun`, so a
version's cost does not grow with the store (bench/NOTES.md, bench/analysis_scaling.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from datasketch import MinHash
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select

from monitor.analysis.change_rows import new_document_change, repost_change
from monitor.analysis.findings import (
    AnalysisContext,
    attainment_changes,
    edit_changes,
    series_changes,
)
from monitor.analysis.lookups import RegionTargetCache, as_stored, previous_version
from monitor.analysis.matchrules import normalise_indicator
from monitor.analysis.outline import Outline, build_outline
from monitor.analysis.planmeta import detect_doc_type, detect_plan_year, title_from_text
from monitor.analysis.reposts import (
    RepostIndex,
    RepostMatch,
    Shingles,
    pack_signature,
    refresh_signatures,
    shingle_hashes,
    signature,
)
from monitor.analysis.series import assign_series, region_words
from monitor.analysis.targets import ExtractedTarget, extract_targets
from store.kinds import TargetKind
from store.models import Change, Document, Target, Version, utcnow
from store.texts import get_text

__all__ = ["AnalysisRun", "VersionAnalysis", "analyse_version"]


@dataclass
class VersionAnalysis:
    """What analysing one version did; ``indexed`` goes into the repost index and
    ``document``, ``version`` and ``targets`` into the region's targets after commit."""

    version_id: int
    change_kinds: list[str] = field(default_factory=list)
    indexed: tuple[int, MinHash] | None = None
    document: Document | None = None
    version: Version | None = None
    targets: list[ExtractedTarget] = field(default_factory=list)


class AnalysisRun:
    """What the versions of one analysis run share: the repost index (loaded on first need)
    and the region targets; both are updated only after a version's commit (:meth:`apply`)."""

    def __init__(self, engine: Engine) -> None:
        refresh_signatures(engine)  # signatures of the old shingle hash, rewritten once
        self.regions = RegionTargetCache()
        self._reposts: RepostIndex | None = None

    def reposts(self, session: Session) -> RepostIndex:
        if self._reposts is None:
            self._reposts = RepostIndex.load(session)
        return self._reposts

    def apply(self, result: VersionAnalysis) -> None:
        if self._reposts is not None and result.indexed is not None:
            self._reposts.put(*result.indexed)
        if result.document is not None and result.version is not None:
            self.regions.record(result.document, result.version, result.targets)


def _fill_metadata(document: Document, version: Version, text: str) -> None:
    """Plan year and kind of plan from the title, else the text's own title line, when the crawler left them empty."""
    title = document.title or version.title
    if document.plan_year is None:
        document.plan_year = detect_plan_year(title, text, document.published_on or version.published_on)
    if not document.doc_type:
        document.doc_type = detect_doc_type(title) or detect_doc_type(title_from_text(text))


def _store_targets(session: Session, ctx: AnalysisContext) -> None:
    """Replace the version's Target rows (a re-analysis never doubles them), in one bulk insert."""
    session.exec(delete(Target).where(col(Target.version_id) == ctx.version.id))
    rows = [
        {
            "version_id": ctx.version.id, "document_id": ctx.document.id, "position": position,
            "indicator": target.indicator, "indicator_norm": normalise_indicator(target.indicator, ctx.regions)[:500],
            "value": target.value, "value_max": target.value_max, "unit": target.unit, "cmp": target.cmp.value,
            "deadline": target.deadline, "kind": target.kind.value, "sentence": target.sentence,
            "section": target.section, "responsible": target.responsible,
        }
        for position, target in enumerate(map(as_stored, ctx.targets))
    ]
    if rows:
        session.execute(insert(Target), rows)


def _check_repost(
    session: Session, document: Document, hashes: Shingles, minhash: MinHash | None, run: AnalysisRun
) -> RepostMatch | None:
    if document.canonical_id is not None or minhash is None:
        return None
    match = run.reposts(session).find_original(session, document, hashes, minhash)
    if match is not None:
        document.canonical_id = match.original.id
    return match


def _changes(ctx: AnalysisContext, previous: Version | None, match: RepostMatch | None) -> list[Change]:
    document, version = ctx.document, ctx.version
    if document.canonical_id is not None:  # a repost: reported once, its edits are the original's business
        return [repost_change(document, version, match)] if match is not None else []
    changes: list[Change] = []
    if previous is None:
        count = sum(target.kind == TargetKind.TARGET for target in ctx.targets)
        changes.append(new_document_change(document, version, count))
        changes += series_changes(ctx)
    else:
        changes += edit_changes(ctx, previous)
    return changes + attainment_changes(ctx)


def _add_new(session: Session, changes: list[Change]) -> list[str]:
    """Insert the changes whose dedup_key is not stored yet; their kinds."""
    keys = [change.dedup_key for change in changes]
    stored = set(session.exec(select(Change.dedup_key).where(col(Change.dedup_key).in_(keys))).all()) if keys else set()
    added: list[str] = []
    for change in changes:
        if change.dedup_key not in stored:
            stored.add(change.dedup_key)
            session.add(change)
            added.append(change.kind)
    return added


def _extract(text: str, document: Document, version: Version, outline: Outline) -> list[ExtractedTarget]:
    return extract_targets(text, plan_year=document.plan_year, outline=outline, title=document.title or version.title)


def analyse_version(session: Session, version: Version, run: AnalysisRun) -> VersionAnalysis:
    """Outline, targets, series, repost check and Changes of one version; sets ``analysed_at``."""
    document = session.get(Document, version.document_id)
    if document is None:
        raise LookupError(f"version {version.id} has no document {version.document_id}")
    run.regions.expire_if_changed(session)
    text = get_text(session, version.text_hash)
    _fill_metadata(document, version, text)
    outline = build_outline(text)
    version.outline = outline.to_json()
    ctx = AnalysisContext(session, document, version, text, _extract(text, document, version, outline),
                          region_words(document.region, document.agency), run.regions)
    _store_targets(session, ctx)
    if document.series_id is None:
        assign_series(session, document)
    previous = previous_version(session, version)
    hashes = shingle_hashes(text)
    minhash = signature(hashes) if len(hashes) else None
    match = _check_repost(session, document, hashes, minhash, run) if previous is None else None
    document.minhash = pack_signature(minhash) if minhash is not None else None
    session.add(document)
    session.flush()
    kinds = _add_new(session, _changes(ctx, previous, match))
    version.analysed_at, version.analysis_error = utcnow(), None
    session.add(version)
    indexed = (document.id or 0, minhash) if minhash is not None and document.canonical_id is None else None
    return VersionAnalysis(version.id or 0, kinds, indexed, document, version, ctx.targets)
