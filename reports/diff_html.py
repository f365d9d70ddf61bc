"""HTML for text diffs and comparisons, shared by the digest, the archive and the CLI.

Every fragment is rendered by the one Jinja2 environment (autoescape on) from the
templates ``_diff_inline.html``, ``_diff_side.html`` and ``compare_page.html``; scraped
text reaches them as plain strings and is escaped there. Styles are inline (mail
clients drop ``<style>``): deletions are ``<del>`` on red, insertions ``<ins>`` on green.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from monitor.analysis.matching import TargetChange
from monitor.analysis.textdiff import Hunk, TextDiff, TokenOp, diff_texts
from reports.templating import render
from store.models import utcnow

__all__ = [
    "EXCERPT_CONTEXT",
    "MAX_HUNKS",
    "CompareSide",
    "Segment",
    "compare_page",
    "excerpt_html",
    "excerpt_ops",
    "inline_diff_html",
    "side_by_side_html",
]

# Hunks shown in one fragment; the rest are counted ("还有 N 处修改未列出").
MAX_HUNKS = 200
# Characters of unchanged text kept on each side of a change in an excerpt.
EXCERPT_CONTEXT = 12


@dataclass(frozen=True)
class CompareSide:
    """One side of a comparison page: what it is called, where it came from, its year."""

    title: str
    label: str = ""  # file path, URL or "v12"
    year: int | None = None


def _shown(diff: TextDiff, limit: int) -> tuple[tuple[Hunk, ...], int]:
    return diff.hunks[:limit], max(0, len(diff.hunks) - limit)


def inline_diff_html(diff: TextDiff, *, limit: int = MAX_HUNKS) -> Markup:
    """Each changed place under its section, deletions and insertions marked in the sentence."""
    hunks, more = _shown(diff, limit)
    return Markup(render("_diff_inline.html", hunks=hunks, more=more))


def side_by_side_html(
    diff: TextDiff, *, old_label: str = "旧 (A)", new_label: str = "新 (B)", limit: int = MAX_HUNKS
) -> Markup:
    """A two-column table: the old sentence with deletions, the new one with insertions."""
    hunks, more = _shown(diff, limit)
    return Markup(render("_diff_side.html", hunks=hunks, more=more, old_label=old_label, new_label=new_label))


@dataclass(frozen=True)
class Segment:
    """A run of an excerpt: an op of the diff, or "ellipsis" where unchanged text was cut."""

    op: str
    old: str = ""
    new: str = ""


def excerpt_ops(ops: Sequence[TokenOp], context: int = EXCERPT_CONTEXT) -> list[Segment]:
    """The ops with long unchanged runs cut to ``context`` characters around each change."""
    trimmed: list[Segment] = []
    last = len(ops) - 1
    for index, op in enumerate(ops):
        if op.op != "equal" or len(op.old) <= context * 2:
            trimmed.append(Segment(op.op, op.old, op.new))
            continue
        head = op.old[:context] if index > 0 else ""
        tail = op.old[-context:] if index < last else ""
        if head:
            trimmed.append(Segment("equal", head, head))
        trimmed.append(Segment("ellipsis"))
        if tail:
            trimmed.append(Segment("equal", tail, tail))
    return trimmed


def excerpt_html(old: str, new: str, *, context: int = EXCERPT_CONTEXT) -> Markup:
    """A short marked excerpt of one changed passage, for digests: ``…达到<del>45%</del><ins>50%</ins>以上。``."""
    hunks = [{"section": "", "ops": excerpt_ops(hunk.ops, context)} for hunk in diff_texts(old, new).hunks]
    return Markup(render("_diff_inline.html", hunks=hunks, more=0))


def _row(change: TargetChange) -> dict[str, Any]:
    return {
        "change": change.change,
        "kind": change.kind.value if change.kind else None,
        "indicator": change.indicator,
        "old": change.old,
        "new": change.new,
        "summary": change.summary,
    }


def compare_page(
    *,
    old: CompareSide,
    new: CompareSide,
    changes: Sequence[TargetChange],
    diff: TextDiff,
    generated_at: datetime | None = None,
) -> str:
    """A standalone HTML page: both sides, the target table, the text diff inline and side by side."""
    rows = [_row(change) for change in changes]
    counts = {name: sum(row["change"] == name for row in rows) for name in ("added", "removed", "changed", "unchanged")}
    return render(
        "compare_page.html",
        old=old,
        new=new,
        rows=rows,
        counts=counts,
        hunk_count=len(diff.hunks),
        inserted_chars=diff.inserted_chars,
        deleted_chars=diff.deleted_chars,
        inline=inline_diff_html(diff),
        side=side_by_side_html(diff, old_label=f"旧 (A) {old.title}", new_label=f"新 (B) {new.title}"),
        generated_at=generated_at or utcnow(),
    )
