"""The Changes one analysed version gives rise to, besides new-document and repost.

- :func:`edit_changes`: a text edit and target changes against the previous version.
- :func:`series_changes`: target changes against the neighbouring years of the series,
  in both directions, because a first crawl meets the years in any order (the 2023
  plan may be stored before the 2022 one).
- :func:`attainment_changes`: met/missed, again both ways: this version's actuals
  against earlier documents' targets, and this version's targets against actuals other
  documents of the region already reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from monitor.analysis.attainment import actual_year, assess_attainment
from monitor.analysis.change_rows import (
    attainment_change,
    target_change,
    target_from_row,
    text_edit_change,
)
from monitor.analysis.lookups import RegionTargetCache, latest_analysed_version, targets_of
from monitor.analysis.matching import match_targets
from monitor.analysis.series import next_in_series, previous_in_series
from monitor.analysis.targets import ExtractedTarget
from monitor.analysis.textdiff import diff_texts
from store.kinds import TargetKind
from store.models import Change, Document, Version
from store.texts import get_text

__all__ = ["AnalysisContext", "attainment_changes", "edit_changes", "series_changes"]


@dataclass(frozen=True)
class AnalysisContext:
    """One version being analysed: its document, text, extracted targets and place words,
    and the run's cache of other documents' targets (:class:`RegionTargetCache`)."""

    session: Session
    document: Document
    version: Version
    text: str
    targets: list[ExtractedTarget]
    regions: list[str]
    region_targets: RegionTargetCache = field(default_factory=RegionTargetCache)


def _of_kind(targets: Sequence[ExtractedTarget], kind: TargetKind) -> list[ExtractedTarget]:
    return [target for target in targets if target.kind == kind]


def edit_changes(ctx: AnalysisContext, previous: Version) -> list[Change]:
    """A text-edit (unless only noise changed) and target changes against ``previous``."""
    document, version = ctx.document, ctx.version
    changes: list[Change] = []
    diff = diff_texts(get_text(ctx.session, previous.text_hash), ctx.text)
    if diff.changed:
        changes.append(text_edit_change(document, version, previous, diff))
    if previous.analysed_at is None or previous.analysis_error is not None:
        return changes  # no trustworthy targets to compare with
    old = [target_from_row(row) for row in targets_of(ctx.session, previous.id or 0)]
    rows = match_targets(old, ctx.targets, old_year=document.plan_year, new_year=document.plan_year,
                         labels=(f"v{previous.id}", f"v{version.id}"), regions=ctx.regions)
    changes.extend(
        target_change(document, version, row, old=(document, previous), years=(document.plan_year, document.plan_year),
                      scope="version", position=position)
        for position, row in enumerate(rows) if row.kind is not None
    )
    return changes


def _year_over_year(
    old: tuple[Document, Version, list[ExtractedTarget]],
    new: tuple[Document, Version, list[ExtractedTarget]],
    regions: Sequence[str],
) -> list[Change]:
    (old_doc, old_version, old_targets), (new_doc, new_version, new_targets) = old, new
    years = (old_doc.plan_year, new_doc.plan_year)
    rows = match_targets(_of_kind(old_targets, TargetKind.TARGET), _of_kind(new_targets, TargetKind.TARGET),
                         old_year=years[0], new_year=years[1], regions=regions)
    return [
        target_change(new_doc, new_version, row, old=(old_doc, old_version), years=years, scope="series", position=position)
        for position, row in enumerate(rows) if row.kind is not None
    ]


def _stored(session: Session, document: Document) -> tuple[Document, Version, list[ExtractedTarget]] | None:
    version = latest_analysed_version(session, document.id or 0)
    if version is None:
        return None
    return document, version, [target_from_row(row) for row in targets_of(session, version.id or 0)]


def series_changes(ctx: AnalysisContext) -> list[Change]:
    """Target changes from the previous year's plan to this one, and from this one to the next year's."""
    this = (ctx.document, ctx.version, ctx.targets)
    changes: list[Change] = []
    earlier = previous_in_series(ctx.session, ctx.document)
    stored = _stored(ctx.session, earlier) if earlier is not None else None
    if stored is not None:
        changes += _year_over_year(stored, this, ctx.regions)
    later = next_in_series(ctx.session, ctx.document)
    stored = _stored(ctx.session, later) if later is not None else None
    if stored is not None:
        changes += _year_over_year(this, stored, ctx.regions)
    return changes


def _as_reporter(ctx: AnalysisContext) -> list[Change]:
    """This version's actuals against the targets earlier documents set for those years."""
    document = ctx.document
    actuals = _of_kind(ctx.targets, TargetKind.ACTUAL)
    years = {year for a in actuals if (year := actual_year(a, plan_year=document.plan_year, doc_type=document.doc_type))}
    changes: list[Change] = []
    for other in ctx.region_targets.find(ctx.session, document, kind=TargetKind.TARGET.value, years=years, plan_years=years):
        if other.plan_year is not None and years and other.plan_year > max(years):
            continue  # a plan written after the year cannot have set its target
        found = assess_attainment(other.targets, actuals, target_plan_year=other.plan_year,
                                  actual_plan_year=document.plan_year, actual_doc_type=document.doc_type,
                                  regions=ctx.regions)
        target_document = ctx.session.get(Document, other.document_id) if found else None
        if target_document is not None:
            changes += [attainment_change(document, ctx.version, item, target_document=target_document,
                                          target_version_id=other.version_id) for item in found]
    return changes


def _as_target_setter(ctx: AnalysisContext) -> list[Change]:
    """This version's targets against actuals other documents already reported for their years."""
    document = ctx.document
    goals = _of_kind(ctx.targets, TargetKind.TARGET)
    years = {year for t in goals if (year := t.deadline if t.deadline is not None else document.plan_year)}
    reporters = ctx.region_targets.find(ctx.session, document, kind=TargetKind.ACTUAL.value, years=years,
                                        plan_years=years | {year + 1 for year in years})
    changes: list[Change] = []
    for other in reporters:
        if document.plan_year and other.plan_year and other.plan_year < document.plan_year:
            continue
        found = assess_attainment(goals, other.targets, target_plan_year=document.plan_year,
                                  actual_plan_year=other.plan_year, actual_doc_type=other.doc_type,
                                  regions=ctx.regions)
        reporter = ctx.session.get(Document, other.document_id) if found else None
        version = ctx.session.get(Version, other.version_id) if found else None
        if reporter is not None and version is not None:
            changes += [attainment_change(reporter, version, item, target_document=document,
                                          target_version_id=ctx.version.id or 0) for item in found]
    return changes


def attainment_changes(ctx: AnalysisContext) -> list[Change]:
    """Met/missed findings this version makes possible, whichever of the two documents came first."""
    return _as_reporter(ctx) + _as_target_setter(ctx)
