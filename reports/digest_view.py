"""What a digest shows, and its rendering to HTML and plain text.

Changes are sorted into sections by kind (:data:`SECTIONS`, a table: add a row to add
a section); each entry carries its archive link (from :class:`ArchiveUrls`, chosen per
kind by :data:`LINKS`) and, for text edits, short diff excerpts from
``reports.diff_html.excerpt_html``. Scraped text stays
plain ``str`` here and is escaped by the templates; only the differ's excerpts are
``Markup``. Links to the original page are kept only for http(s) URLs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from markupsafe import Markup

from reports.changes import LoadedChange
from reports.diff_html import excerpt_html
from reports.templating import format_value, render
from reports.urls import ArchiveUrls
from store.kinds import ChangeKind
from store.models import Change

__all__ = [
    "HEADLINES",
    "LINKS",
    "RELATED",
    "SECTIONS",
    "DigestView",
    "Entry",
    "Hunk",
    "Section",
    "SectionSpec",
    "build_view",
    "change_headline",
    "entry_for",
    "render_html",
    "render_text",
    "section_of",
]

MAX_HUNKS = 3
HUNK_CHARS = 240


@dataclass(frozen=True)
class SectionSpec:
    """One section of a digest: which kinds it gathers and the partial that shows them."""

    key: str
    title: str
    short: str  # for the subject line
    kinds: tuple[ChangeKind, ...]
    partial: str


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("new", "新发布的计划", "新计划", (ChangeKind.NEW_DOCUMENT,), "digest/_new_documents.html"),
    SectionSpec("moved", "指标调整", "指标调整",
                (ChangeKind.TARGET_RAISED, ChangeKind.TARGET_LOWERED, ChangeKind.TARGET_CHANGED),
                "digest/_target_changes.html"),
    SectionSpec("added_removed", "新增和删除的指标", "增删指标",
                (ChangeKind.TARGET_ADDED, ChangeKind.TARGET_REMOVED), "digest/_targets_added_removed.html"),
    SectionSpec("outcomes", "目标完成情况", "完成情况",
                (ChangeKind.TARGET_MET, ChangeKind.TARGET_MISSED), "digest/_outcomes.html"),
    SectionSpec("edits", "已发布页面的修改", "页面修改", (ChangeKind.TEXT_EDIT,), "digest/_text_edits.html"),
    SectionSpec("reposts", "转载", "转载", (ChangeKind.REPOST,), "digest/_reposts.html"),
    SectionSpec("failing", "多次抓取失败的来源", "来源故障", (ChangeKind.SOURCE_FAILING,), "digest/_failing_sources.html"),
)

_SECTION_OF: dict[str, SectionSpec] = {kind.value: spec for spec in SECTIONS for kind in spec.kinds}


def _document_link(urls: ArchiveUrls, change: Change) -> str:
    return urls.document(change.document_id) if change.document_id else urls.change(int(change.id or 0))


def _compare_link(urls: ArchiveUrls, change: Change) -> str:
    if change.old_version_id and change.version_id:
        return urls.compare(change.old_version_id, change.version_id)
    return _document_link(urls, change)


def _series_link(urls: ArchiveUrls, change: Change) -> str:
    if change.series_id:
        return urls.series(change.series_id, indicator=change.indicator)
    return _document_link(urls, change)


def _source_link(urls: ArchiveUrls, change: Change) -> str:
    return urls.source(change.source_id) if change.source_id else urls.change(int(change.id or 0))


# Where each kind of change links in the archive; kinds not listed link to their document.
LINKS: dict[ChangeKind, Callable[[ArchiveUrls, Change], str]] = {
    ChangeKind.TEXT_EDIT: _compare_link,
    ChangeKind.TARGET_RAISED: _series_link,
    ChangeKind.TARGET_LOWERED: _series_link,
    ChangeKind.TARGET_CHANGED: _series_link,
    ChangeKind.TARGET_ADDED: _series_link,
    ChangeKind.TARGET_REMOVED: _series_link,
    ChangeKind.SOURCE_FAILING: _source_link,
}



def _related_document(key: str) -> Callable[[ArchiveUrls, Change], str]:
    def link(urls: ArchiveUrls, change: Change) -> str:
        value = change.detail.get(key) if isinstance(change.detail, dict) else None
        return urls.document(int(value)) if isinstance(value, int) else ""

    return link


def _current_document(urls: ArchiveUrls, change: Change) -> str:
    return urls.document(change.document_id) if change.document_id else ""


# A second archive link some kinds carry: the first publication of a repost, the plan
# whose target was met or missed, the edited page itself.
RELATED: dict[ChangeKind, Callable[[ArchiveUrls, Change], str]] = {
    ChangeKind.REPOST: _related_document("canonical_document_id"),
    ChangeKind.TARGET_MET: _related_document("target_document_id"),
    ChangeKind.TARGET_MISSED: _related_document("target_document_id"),
    ChangeKind.TEXT_EDIT: _current_document,
}


# A one-line Chinese headline per kind (feed titles, plain-text fallbacks): the differ's
# ``summary`` is for logs and may carry English verdicts.
HEADLINES: dict[ChangeKind, str] = {
    ChangeKind.NEW_DOCUMENT: "新计划：{title}",
    ChangeKind.REPOST: "转载：{title}",
    ChangeKind.TEXT_EDIT: "页面修改：{title}",
    ChangeKind.TARGET_RAISED: "{indicator}：{old} → {new}，要求提高",
    ChangeKind.TARGET_LOWERED: "{indicator}：{old} → {new}，要求降低",
    ChangeKind.TARGET_CHANGED: "{indicator}：{old} → {new}，调整",
    ChangeKind.TARGET_ADDED: "新增指标 {indicator}：{new}",
    ChangeKind.TARGET_REMOVED: "删除指标 {indicator}：{old}",
    ChangeKind.TARGET_MET: "目标完成 {indicator}：目标 {target}，实际 {actual}",
    ChangeKind.TARGET_MISSED: "目标未完成 {indicator}：目标 {target}，实际 {actual}",
}


def _target_text(target: object) -> str:
    if not isinstance(target, dict):
        return "—"
    return format_value(target.get("value"), target.get("value_max"), target.get("unit") or "",
                        target.get("cmp") or "=") or "—"


def _headline(kind: ChangeKind, title: str, indicator: str, summary: str, detail: Mapping[str, Any]) -> str:
    pattern = HEADLINES.get(kind)
    if pattern is None:
        return summary or title
    values = {key: _target_text(detail.get(key)) for key in ("old", "new", "target", "actual")}
    return pattern.format(title=title, indicator=indicator, **values)


def change_headline(change: Change, title: str = "") -> str:
    """The Chinese one-line headline of a stored change (archive lists, the change page).

    Falls back to the differ's summary when the change lacks what the headline names
    (an old or new target in its detail, the document's title).
    """
    kind = ChangeKind(change.kind)
    pattern = HEADLINES.get(kind)
    detail = change.detail if isinstance(change.detail, dict) else {}
    if pattern is None or ("{title}" in pattern and not title):
        return change.summary or title
    if any(f"{{{key}}}" in pattern and not isinstance(detail.get(key), dict) for key in ("old", "new", "target", "actual")):
        return change.summary or title
    return _headline(kind, title, change.indicator or "", change.summary, detail)


@dataclass(frozen=True)
class Hunk:
    """One edited passage: where, old and new text, and the differ's excerpt if any."""

    section: str
    old: str
    new: str
    excerpt: Markup


@dataclass(frozen=True)
class Entry:
    """One change as a digest shows it."""

    id: int
    kind: str
    summary: str
    headline: str
    created_at: datetime
    title: str
    agency: str
    region: str
    page_url: str
    published_on: date | None
    plan_year: int | None
    indicator: str
    detail: Mapping[str, Any]
    link: str
    change_link: str
    related_link: str = ""
    hunks: tuple[Hunk, ...] = ()


@dataclass(frozen=True)
class Section:
    spec: SectionSpec
    entries: tuple[Entry, ...]
    total: int
    more_link: str

    @property
    def more(self) -> int:
        """Changes in this section not shown (over the per-section limit)."""
        return self.total - len(self.entries)


@dataclass(frozen=True)
class DigestView:
    """Everything the digest templates need; nothing else reaches them."""

    subject: str
    recipient: str
    generated_at: datetime
    since: datetime | None
    timezone: str
    sections: tuple[Section, ...]
    total: int
    home_link: str
    changes_link: str
    unsubscribe_link: str
    filter_text: str
    digest_id: int | None = None


def _http_only(url: object) -> str:
    text = str(url or "").strip()
    return text if urlsplit(text).scheme in {"http", "https"} else ""


def _short(text: object) -> str:
    value = " ".join(str(text or "").split())
    return value if len(value) <= HUNK_CHARS else value[: HUNK_CHARS - 1] + "…"


@lru_cache(maxsize=4096)
def _excerpt(old: str, new: str) -> Markup:
    """The differ's excerpt, computed once per passage and run (many subscribers share a change)."""
    return excerpt_html(old, new)


def _hunks(detail: Mapping[str, Any]) -> tuple[Hunk, ...]:
    hunks = []
    for raw in list(detail.get("hunks") or [])[:MAX_HUNKS]:
        old, new = str(raw.get("old") or ""), str(raw.get("new") or "")
        hunks.append(Hunk(section=str(raw.get("section") or ""), old=_short(old), new=_short(new),
                          excerpt=_excerpt(old, new)))
    return tuple(hunks)


def entry_for(item: LoadedChange, urls: ArchiveUrls) -> Entry:
    """One change as digests and feeds show it, with its archive links."""
    change = item.change
    detail = change.detail if isinstance(change.detail, dict) else {}
    document = item.document
    kind = ChangeKind(change.kind)
    link = LINKS.get(kind, _document_link)(urls, change)
    related = RELATED.get(kind)
    indicator = change.indicator or next(iter(item.indicators()), "")
    return Entry(
        id=item.id, kind=change.kind, summary=change.summary, created_at=change.created_at,
        headline=_headline(kind, item.title, indicator, change.summary, detail),
        title=item.title, agency=item.agency, region=item.region,
        page_url=_http_only(document.url if document else detail.get("url")),
        published_on=document.published_on if document else None,
        plan_year=change.plan_year or (document.plan_year if document else None),
        indicator=indicator,
        detail=detail, link=link, change_link=urls.change(item.id),
        related_link=related(urls, change) if related else "",
        hunks=_hunks(detail) if change.kind == ChangeKind.TEXT_EDIT else (),
    )


def section_of(kind: str) -> SectionSpec | None:
    """The digest section a change kind belongs to."""
    return _SECTION_OF.get(kind)


def _subject(sections: Sequence[Section], generated_at: datetime, timezone: str) -> str:
    day = generated_at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d")
    # No spaces inside the Chinese part: RFC 2047 drops whitespace between encoded words.
    counts = "、".join(f"{section.spec.short}{section.total}项" for section in sections)
    return f"planwatch 摘要 {day}:{counts or '没有新变化'}"


def _priority(item: LoadedChange) -> tuple[int, int]:
    """Order within a section: edits to a published page's targets (scope "version") come
    before year-over-year comparisons, so a cut section never hides a silent edit; then
    oldest first."""
    detail = item.change.detail if isinstance(item.change.detail, dict) else {}
    return (0 if detail.get("scope") == "version" else 1, item.id)


def build_view(
    items: Sequence[LoadedChange], *, urls: ArchiveUrls, recipient: str, generated_at: datetime,
    timezone: str, max_per_section: int, since: datetime | None = None,
    unsubscribe_link: str = "", filter_text: str = "", digest_id: int | None = None,
) -> DigestView:
    """Sort ``items`` into sections (silent edits first, then oldest first), capped per section."""
    grouped: dict[str, list[LoadedChange]] = {spec.key: [] for spec in SECTIONS}
    for item in items:
        spec = _SECTION_OF.get(item.change.kind)
        if spec is not None:
            grouped[spec.key].append(item)
    sections = tuple(
        Section(spec=spec, entries=tuple(entry_for(item, urls) for item in
                                         sorted(grouped[spec.key], key=_priority)[:max(max_per_section, 0)]),
                total=len(grouped[spec.key]), more_link=urls.changes(kind=",".join(spec.kinds)))
        for spec in SECTIONS if grouped[spec.key]
    )
    return DigestView(
        subject=_subject(sections, generated_at, timezone), recipient=recipient, generated_at=generated_at,
        since=since, timezone=timezone, sections=sections, total=sum(s.total for s in sections),
        home_link=urls.home(), changes_link=urls.changes(), unsubscribe_link=unsubscribe_link,
        filter_text=filter_text, digest_id=digest_id,
    )


def render_html(view: DigestView) -> str:
    """The HTML part: table layout, inline styles, no scripts, no external assets."""
    return render("digest/email.html", view=view)


def render_text(view: DigestView) -> str:
    """The plain-text part, with the same sections and links."""
    return render("digest/email.txt", view=view)
