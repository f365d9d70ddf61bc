"""Two versions side by side and inline: the target changes (as ``planwatch diff`` lists
them), then the differ's HTML fragments (``reports.diff_html``).

Any two versions can be compared (a repost against its original, a plan against last
year's, too); the page offers the other versions of the newer one's document to switch
between. Targets are the rows the analysis stored for each version, paired by
``monitor.analysis.matching`` exactly as the CLI pairs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup
from sqlmodel import Session

from monitor.analysis.change_rows import target_from_row
from monitor.analysis.lookups import targets_of
from monitor.analysis.matching import TargetChange, match_targets
from monitor.analysis.matchrules import comparator_of, direction
from monitor.analysis.series import region_words
from monitor.analysis.textdiff import TextDiff, diff_texts
from reports.diff_html import inline_diff_html, side_by_side_html
from reports.web.detail import get_document, get_version
from store.kinds import ChangeKind
from store.models import Document, Version
from store.queries import versions_of
from store.texts import get_text

__all__ = ["CompareView", "TargetTable", "compare_versions", "lower_is_better", "target_table"]

_MOVED = (ChangeKind.TARGET_RAISED, ChangeKind.TARGET_LOWERED)


def lower_is_better(change: TargetChange) -> bool:
    """A raised or lowered target whose smaller number is the more ambitious one (a ceiling
    such as 孕产妇死亡率 ≤12 → ≤10 is 要求提高): the digest adds (越低越好)."""
    if change.kind not in _MOVED or change.new is None:
        return False
    return direction(comparator_of(change.new.cmp), change.new.indicator) < 0


@dataclass(frozen=True)
class TargetTable:
    """The target changes between two versions; unchanged targets only counted and folded."""

    changes: Sequence[TargetChange]  # raised, lowered, changed, added, removed (the differ's order)
    unchanged: Sequence[TargetChange]
    unanalysed: Sequence[Version]  # sides whose targets are not stored yet (or whose analysis failed)

    @staticmethod
    def lower_is_better(change: TargetChange) -> bool:
        return lower_is_better(change)


def _analysed(version: Version, rows: Sequence[object]) -> bool:
    """Stored rows are the analysis' result; none and no finished analysis means not analysed yet."""
    return version.analysis_error is None and (bool(rows) or version.analysed_at is not None)


def target_table(session: Session, old: Version, new: Version, old_document: Document, new_document: Document) -> TargetTable:
    """Pair the stored targets of ``old`` and ``new`` as ``planwatch diff`` does (years and
    regions of the two documents: two plans of a series are compared as plans)."""
    rows = {version.id: targets_of(session, version.id or 0) for version in (old, new)}
    unanalysed = [version for version in (old, new) if not _analysed(version, rows[version.id])]
    if unanalysed:
        return TargetTable((), (), unanalysed)
    old_year, new_year = old_document.plan_year, new_document.plan_year
    labels = (str(old_year), str(new_year)) if old_year and new_year and old_year != new_year else ("A", "B")
    changes = match_targets(
        [target_from_row(row) for row in rows[old.id]], [target_from_row(row) for row in rows[new.id]],
        old_year=old_year, new_year=new_year, labels=labels,
        regions=region_words(new_document.region or "", new_document.agency or ""),
    )
    return TargetTable([c for c in changes if c.kind is not None], [c for c in changes if c.kind is None], ())


@dataclass
class CompareView:
    old: Version
    new: Version
    old_document: Document
    new_document: Document
    diff: TextDiff
    choices: Sequence[Version]  # versions of the new version's document
    targets: TargetTable

    @property
    def same_document(self) -> bool:
        return self.old.document_id == self.new.document_id

    @property
    def inline_html(self) -> Markup:
        return inline_diff_html(self.diff)

    @property
    def side_html(self) -> Markup:
        return side_by_side_html(self.diff, old_label=f"旧：版本 {self.old.id}", new_label=f"新：版本 {self.new.id}")


def compare_versions(session: Session, old_id: int, new_id: int) -> CompareView:
    """Load both versions (NotFound for an unknown id), pair their targets and diff their texts."""
    old, new = get_version(session, old_id), get_version(session, new_id)
    old_document, new_document = get_document(session, old.document_id), get_document(session, new.document_id)
    diff = diff_texts(get_text(session, old.text_hash), get_text(session, new.text_hash))
    return CompareView(old, new, old_document, new_document, diff, versions_of(session, new.document_id),
                       target_table(session, old, new, old_document, new_document))
