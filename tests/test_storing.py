"""The crawl's write path: batches of items in one transaction, one bad item isolated."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from crawler.items import DocumentItem, ListingItem, NotModifiedItem
from crawler.storing import DocumentStore, known_pages
from store.engine import session_scope
from store.kinds import FetchOutcome
from store.models import Document, ListingPage, Source
from store.versions import FetchedPage


def _item(n: int, source_id: str = "s") -> DocumentItem:
    return DocumentItem(page=FetchedPage(url=f"http://127.0.0.1/{n}.html", source_id=source_id,
                                         text=f"第{n}号 2024年工作要点", title=f"2024年工作要点{n}", etag=f'"{n}"'))


def test_a_batch_records_documents_304s_and_list_pages_together(any_engine: Engine) -> None:
    with session_scope(any_engine) as session:
        session.add(Source(id="s", name="s"))
    store = DocumentStore(any_engine, "s")
    assert store.save_batch([_item(1), _item(2)]) == [FetchOutcome.NEW, FetchOutcome.NEW]
    results = store.save_batch([
        _item(1),
        NotModifiedItem(url="http://127.0.0.1/2.html", etag='"2"'),
        ListingItem(url="http://127.0.0.1/list.html", status=200, etag='"L"', signature="abc"),
        NotModifiedItem(url="http://127.0.0.1/never-stored.html"),
    ])
    assert results == [FetchOutcome.UNCHANGED, FetchOutcome.NOT_MODIFIED, None, FetchOutcome.ERROR]
    known = known_pages(any_engine, "s")
    assert set(known.documents) == {"http://127.0.0.1/1.html", "http://127.0.0.1/2.html"}
    assert known.validators()["http://127.0.0.1/list.html"] == ('"L"', None)


def test_one_bad_item_fails_alone_and_the_rest_of_its_batch_is_stored(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        session.add(Source(id="s", name="s"))
    store = DocumentStore(sqlite_engine, "s")
    results = store.save_batch([_item(1), _item(2, source_id="no-such-source"), _item(3),
                                ListingItem(url="http://127.0.0.1/list.html", status=304)])
    assert results[0] is FetchOutcome.NEW and results[2] is FetchOutcome.NEW and results[3] is None
    assert isinstance(results[1], Exception) and "FOREIGN KEY" in str(results[1]).upper()
    with Session(sqlite_engine) as session:
        stored = set(session.exec(select(Document.url)).all())
        assert session.get(ListingPage, "http://127.0.0.1/list.html") is not None
    assert stored == {"http://127.0.0.1/1.html", "http://127.0.0.1/3.html"}
