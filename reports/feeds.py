"""An Atom feed of changes (all, or those passing a filter), built with feedgen.

The same :class:`ChangeFilter` as digests chooses the entries, newest first. Each
entry links to the change's page in the archive (the same link a digest gives), has
the change kind as its category and a short HTML content rendered by the one Jinja2
environment (so scraped text is escaped before feedgen escapes it again as XML).
``planwatch feed`` writes it to a file or stdout; the archive browser can serve
:func:`build_feed` at ``ArchiveUrls.feed(...)``.
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import islice

from feedgen.feed import FeedGenerator
from sqlmodel import Session

from reports.changes import iter_matching
from reports.digest_view import entry_for, section_of
from reports.filters import ChangeFilter
from reports.templating import render
from reports.urls import ArchiveUrls
from store.models import utcnow

__all__ = ["FEED_TITLE", "build_feed", "feed_query"]

FEED_TITLE = "planwatch: 卫生健康规划的变化"

# Characters XML 1.0 cannot hold; scraped text (PDF attachments especially) can carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(" ", text)


def feed_query(flt: ChangeFilter) -> dict[str, str]:
    """The filter as query parameters of the feed's own URL."""
    pairs = {"region": flt.regions, "source": flt.sources, "keyword": flt.keywords, "kind": flt.kinds}
    return {key: ",".join(values) for key, values in pairs.items() if values}


def build_feed(
    session: Session, urls: ArchiveUrls, flt: ChangeFilter | None = None, *, limit: int = 100,
    now: datetime | None = None,
) -> bytes:
    """The Atom document (UTF-8 bytes) of the newest ``limit`` changes passing ``flt``."""
    flt = flt or ChangeFilter()
    items = list(islice(iter_matching(session, flt), max(limit, 0)))
    self_url = urls.feed(**feed_query(flt))
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(_xml_text(FEED_TITLE if flt.is_empty else f"{FEED_TITLE} ({flt.describe()})"))
    feed.subtitle("新计划、指标的增删与升降、目标完成情况、已发布页面的修改")
    feed.author({"name": "planwatch"})
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=urls.changes(**feed_query(flt)), rel="alternate", type="text/html")
    feed.language("zh-CN")
    feed.generator("planwatch")
    feed.updated(items[0].change.created_at if items else (now or utcnow()))
    for item in items:
        entry = entry_for(item, urls)
        section = section_of(entry.kind)
        node = feed.add_entry(order="append")
        node.id(entry.change_link)
        node.title(_xml_text(entry.headline))
        node.link(href=entry.link, rel="alternate", type="text/html")
        node.updated(entry.created_at)
        node.published(entry.created_at)
        node.category(term=entry.kind, label=section.title if section else entry.kind)
        node.content(_xml_text(render("feeds/entry.html", entry=entry)), type="html")
    result: bytes = feed.atom_str(pretty=True)
    return result
