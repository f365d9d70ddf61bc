"""How change kinds read in the archive: a label and a short mark, one row per kind."""

from __future__ import annotations

from store.kinds import ChangeKind

__all__ = ["CHANGE_LABELS", "CHANGE_MARKS", "DETAIL_TEMPLATES", "detail_template"]

# kind → (label, mark shown in a series matrix cell); the digest's words (digest_view.HEADLINES):
# 要求提高 for a ceiling tightened too, so a lower-is-better target never reads "降低" when it got harder
_ROWS: dict[ChangeKind, tuple[str, str]] = {
    ChangeKind.NEW_DOCUMENT: ("新计划", "新"),
    ChangeKind.REPOST: ("转载", "转"),
    ChangeKind.TEXT_EDIT: ("页面修改", "改"),
    ChangeKind.TARGET_ADDED: ("新增指标", "＋"),
    ChangeKind.TARGET_REMOVED: ("删除指标", "－"),
    ChangeKind.TARGET_RAISED: ("要求提高", "↑"),
    ChangeKind.TARGET_LOWERED: ("要求降低", "↓"),
    ChangeKind.TARGET_CHANGED: ("口径变化", "≠"),
    ChangeKind.TARGET_MET: ("目标完成", "✓"),
    ChangeKind.TARGET_MISSED: ("目标未完成", "✗"),
    ChangeKind.SOURCE_FAILING: ("来源故障", "!"),
}

CHANGE_LABELS: dict[str, str] = {kind.value: label for kind, (label, _) in _ROWS.items()}
CHANGE_MARKS: dict[str, str] = {kind.value: mark for kind, (_, mark) in _ROWS.items()}

# kind → the partial that shows its ``Change.detail`` (shapes: monitor.analysis.change_rows)
DETAIL_TEMPLATES: dict[str, str] = {
    ChangeKind.NEW_DOCUMENT.value: "web/change/_new_document.html",
    ChangeKind.REPOST.value: "web/change/_repost.html",
    ChangeKind.TEXT_EDIT.value: "web/change/_text_edit.html",
    ChangeKind.TARGET_MET.value: "web/change/_attainment.html",
    ChangeKind.TARGET_MISSED.value: "web/change/_attainment.html",
    **{kind.value: "web/change/_target_move.html" for kind in (
        ChangeKind.TARGET_ADDED, ChangeKind.TARGET_REMOVED, ChangeKind.TARGET_RAISED,
        ChangeKind.TARGET_LOWERED, ChangeKind.TARGET_CHANGED)},
}


def detail_template(kind: str) -> str:
    """The partial for a change kind's detail (a key/value table for any other kind)."""
    return DETAIL_TEMPLATES.get(kind, "web/change/_generic.html")
