"""Two versions side by side and inline: the differ's HTML fragments (``reports.diff_html``).

Any two versions can be compared (a repost against its original, too); the page
offers the other versions of the newer one's document to switch between.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup
from sqlmodel import Session

from monitor.analysis.textdiff import TextDiff, diff_texts
from reports.diff_html import inline_diff_html, side_by_side_html
from reports.web.detail import get_document, get_version
from store.models import Document, Version
from store.queries import versions_of
from store.texts import get_text

__all__ = ["CompareView", "compare_versions"]


@dataclass
class CompareView:
    old: Version
    new: Version
    old_document: Document
    new_document: Document
    diff: TextDiff
    choices: Sequence[Version]  # versions of the new version's document

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
    """Load both versions (NotFound for an unknown id) and diff their texts."""
    old, new = get_version(session, old_id), get_version(session, new_id)
    diff = diff_texts(get_text(session, old.text_hash), get_text(session, new.text_hash))
    return CompareView(old, new, get_document(session, old.document_id), get_document(session, new.document_id),
                       diff, versions_of(session, new.document_id))
