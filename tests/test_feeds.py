"""The Atom feed: valid Atom that holds the changes, filtered like digests, linking to the archive."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from digest_seed import ARCHIVE, NOW, add_change, seed_store
from sqlalchemy.engine import Engine
from sqlmodel import Session

from reports.feeds import FEED_TITLE, build_feed
from reports.filters import ChangeFilter
from reports.urls import ArchiveUrls
from store.kinds import ChangeKind

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(engine: Engine, flt: ChangeFilter | None = None, limit: int = 100) -> ET.Element:
    with Session(engine) as session:
        return ET.fromstring(build_feed(session, ArchiveUrls(ARCHIVE), flt, limit=limit, now=NOW))


def _entries(feed: ET.Element) -> list[dict[str, str]]:
    return [{"id": e.findtext(f"{ATOM}id") or "", "title": e.findtext(f"{ATOM}title") or "",
             "link": e.find(f"{ATOM}link").get("href", ""),  # type: ignore[union-attr]
             "kind": e.find(f"{ATOM}category").get("term", ""),  # type: ignore[union-attr]
             "content": e.findtext(f"{ATOM}content") or "", "updated": e.findtext(f"{ATOM}updated") or ""}
            for e in feed.findall(f"{ATOM}entry")]


def test_feed_holds_every_change_newest_first_with_archive_links(any_engine: Engine) -> None:
    seeded = seed_store(any_engine)
    newest = add_change(any_engine, "newest", when=NOW.replace(hour=5))
    feed = _feed(any_engine)
    assert feed.tag == f"{ATOM}feed" and feed.findtext(f"{ATOM}title") == FEED_TITLE
    assert feed.findtext(f"{ATOM}id") == f"{ARCHIVE}/feeds/changes.atom"
    entries = _entries(feed)
    assert len(entries) == len(seeded.changes) + 1
    assert entries[0]["id"] == f"{ARCHIVE}/changes/{newest}"  # newest first
    assert {e["id"] for e in entries} == {f"{ARCHIVE}/changes/{i}" for i in [*seeded.changes.values(), newest]}
    assert all(e["link"].startswith(ARCHIVE + "/") and e["updated"].startswith("2024-03-05") for e in entries)
    raised = next(e for e in entries if e["kind"] == ChangeKind.TARGET_RAISED and "床位" in e["title"])
    assert raised["title"] == "每千人口医疗卫生机构床位数：≥7.86张 → ≥8.2张，要求提高"
    assert "≥7.86张 → ≥8.2张" in raised["content"] and "(期限 2025年)" in raised["content"]
    edit = next(e for e in entries if e["kind"] == ChangeKind.TEXT_EDIT)
    assert edit["link"] == f"{ARCHIVE}/compare/{seeded.versions['sn1']}/{seeded.versions['sn2']}"


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (ChangeFilter(regions=["四川省"]), {"met", "edit"}),
        (ChangeFilter(kinds=["new-document"]), {"new"}),
        (ChangeFilter(keywords=["孕产妇"]), {"lowered"}),
        (ChangeFilter(sources=["gy-wjw"], kinds=["target-added", "target-removed"]), {"added", "removed"}),
    ],
    ids=["region", "kind", "keyword", "source-and-kind"],
)
def test_feed_filters_like_digests(sqlite_engine: Engine, flt: ChangeFilter, expected: set[str]) -> None:
    seeded = seed_store(sqlite_engine)
    feed = _feed(sqlite_engine, flt)
    assert {e["id"] for e in _entries(feed)} == {f"{ARCHIVE}/changes/{seeded.changes[name]}" for name in expected}
    assert flt.describe() in (feed.findtext(f"{ATOM}title") or "")
    self_link = next(link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self")
    assert self_link and self_link.startswith(f"{ARCHIVE}/feeds/changes.atom?")


def test_limit_and_empty_feed_are_valid(sqlite_engine: Engine) -> None:
    assert _entries(_feed(sqlite_engine)) == []
    seed_store(sqlite_engine)
    assert len(_entries(_feed(sqlite_engine, limit=2))) == 2


def test_scraped_markup_stays_text_in_the_feed(sqlite_engine: Engine) -> None:
    evil = '<script>alert("x")</script>'
    seed_store(sqlite_engine)
    add_change(sqlite_engine, "evil", summary=evil, indicator=evil, when=NOW.replace(hour=9))
    entry = _entries(_feed(sqlite_engine))[0]
    assert entry["title"] == f"{evil}：80岁 → 81岁，要求提高"  # text: a reader shows it, never runs it
    assert "<script>" not in entry["content"] and "&lt;script&gt;" in entry["content"]


def test_control_characters_from_scraped_text_do_not_break_the_feed(sqlite_engine: Engine) -> None:
    seed_store(sqlite_engine)
    add_change(sqlite_engine, "pdf", indicator="附件\x0c第二页\x00指标", when=NOW.replace(hour=9))
    entry = _entries(_feed(sqlite_engine))[0]
    assert entry["title"].startswith("附件 第二页 指标：")
