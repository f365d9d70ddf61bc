"""What ``planwatch compare`` and ``planwatch diff`` share: one comparison, three outputs.

A :class:`Comparison` holds both sides (title, label, year, text, targets), the target
changes and the text diff. It prints as a table plus the changed passages, as a JSON
array of target rows, or as the standalone HTML page of ``reports.diff_html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from monitor.analysis.matching import TargetChange, format_target, match_targets
from monitor.analysis.targets import ExtractedTarget
from monitor.analysis.textdiff import Hunk, TextDiff, diff_texts
from monitor.commands._output import echo_json, print_table
from store.errors import InputError

__all__ = ["Comparison", "Side", "compare_sides", "output", "print_comparison", "print_text_diff", "target_rows", "write_page"]


@dataclass
class Side:
    """One thing being compared: a file or a stored version."""

    title: str
    label: str  # file path, or "v12 <url>"
    year: int | None
    text: str
    targets: list[ExtractedTarget] = field(default_factory=list)


@dataclass
class Comparison:
    old: Side
    new: Side
    changes: list[TargetChange]
    diff: TextDiff


def compare_sides(old: Side, new: Side, *, regions: Sequence[str] = ()) -> Comparison:
    """Match the targets of ``old`` and ``new`` and diff their texts."""
    labels = (str(old.year), str(new.year)) if old.year and new.year and old.year != new.year else ("A", "B")
    changes = match_targets(old.targets, new.targets, old_year=old.year, new_year=new.year, labels=labels,
                            regions=regions)
    return Comparison(old, new, changes, diff_texts(old.text, new.text))


def target_rows(changes: Sequence[TargetChange]) -> list[dict[str, Any]]:
    """The JSON rows: change, kind (target-raised … or null when unchanged), verdict (raised,
    tightened (lower is better) …), indicator, old and new target (``ExtractedTarget.to_json()``), summary."""
    return [
        {
            "change": change.change,
            "kind": change.kind.value if change.kind is not None else None,
            "verdict": change.verdict,
            "indicator": change.indicator,
            "old": change.old.to_json() if isinstance(change.old, ExtractedTarget) else None,
            "new": change.new.to_json() if isinstance(change.new, ExtractedTarget) else None,
            "summary": change.summary,
        }
        for change in changes
    ]


def _marked(hunk: Hunk) -> str:
    parts: list[str] = []
    for op in hunk.ops:
        if op.op == "equal":
            parts.append(op.old)
            continue
        if op.old:
            parts.append(click.style(f"[-{op.old}-]", fg="red"))
        if op.new:
            parts.append(click.style(f"{{+{op.new}+}}", fg="green"))
    return "".join(parts)


def print_text_diff(diff: TextDiff) -> None:
    """The changed passages, each under its section, deletions [-…-] and insertions {+…+}."""
    if not diff.hunks:
        click.echo("text: no change (noise such as view counters and dates is ignored)")
        return
    click.echo(f"text: {len(diff.hunks)} changed passages, +{diff.inserted_chars} / -{diff.deleted_chars} characters")
    for hunk in diff.hunks:
        click.echo(click.style(f"  {hunk.section or '(top)'}", dim=True))
        click.echo(f"    {_marked(hunk)}")


def _row(change: TargetChange) -> tuple[str, ...]:
    """change (raised, tightened (lower is better), changed, added…), kind, indicator, A, B, reasons."""
    name = change.verdict if change.change == "changed" and change.verdict else change.change
    side = change.new if change.new is not None else change.old
    return (name, str(side.kind) if side is not None else "", change.indicator,
            format_target(change.old) if change.old else "", format_target(change.new) if change.new else "",
            "; ".join(change.reasons))


def print_comparison(comparison: Comparison) -> None:
    """The target table, then the changed passages."""
    old, new = comparison.old, comparison.new
    print_table(
        ["change", "kind", "indicator", "A", "B", "why"],
        [_row(change) for change in comparison.changes],
        title=f"A: {old.title or old.label}  →  B: {new.title or new.label}",
    )
    print_text_diff(comparison.diff)


def output(comparison: Comparison, *, as_json: bool, html_out: Path | None) -> None:
    """Print (table or JSON) and, with ``html_out``, write the standalone page."""
    if html_out is not None:
        write_page(comparison, html_out)
    if as_json:
        echo_json(target_rows(comparison.changes))
    else:
        print_comparison(comparison)
    if html_out is not None:
        click.echo(f"wrote {html_out}", err=True)


def write_page(comparison: Comparison, path: Path) -> None:
    """The standalone HTML page (targets and text diff); InputError when it cannot be written."""
    from reports.diff_html import CompareSide, compare_page

    page = compare_page(
        old=CompareSide(comparison.old.title, comparison.old.label, comparison.old.year),
        new=CompareSide(comparison.new.title, comparison.new.label, comparison.new.year),
        changes=comparison.changes,
        diff=comparison.diff,
    )
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot be written ({exc.strerror or exc})",
                         hint="give --html a file in an existing, writable directory") from exc
