"""The crawl's write path: batches of items in one transaction, one bad item isolated."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from crawler.items import DocumentItem, ListingItem, NotModifiedItem
from crawler.storing import DocumentStore, known_pages
from store.engine import session_scope
from store.kinds import FetchOutcome
from store.models import Attachment, Blob, Document, ListingPage, Source, Version
from store.normalise import content_hash
from store.texts import get_text
from store.versions import FetchedAttachment, FetchedPage


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


def _page(url: str, text: str, **fields: object) -> FetchedPage:
    return FetchedPage(url=f"http://127.0.0.1/{url}", source_id="s", text=text, **fields)  # type: ignore[arg-type]


def test_a_batch_stores_what_one_by_one_would(any_engine: Engine) -> None:
    """One URL twice in a batch compares with the first; equal texts share one blob; a
    fetch without validators keeps the ones stored; an attachment's text is versioned."""
    with session_scope(any_engine) as session:
        session.add(Source(id="s", name="s"))
    store = DocumentStore(any_engine, "s")
    plan = "2024年工作要点\n孕产妇死亡率控制在12/10万以内。"
    assert store.save_batch([DocumentItem(page=_page("a.html", plan, etag='"a1"', title="要点", plan_year=2024))]) == [
        FetchOutcome.NEW]
    attachment = FetchedAttachment(url="http://127.0.0.1/f.txt", filename="f.txt", text="居民健康素养水平达到28%")
    results = store.save_batch([
        DocumentItem(page=_page("a.html", plan + "\n浏览次数: 99")),  # noise only, no validators sent
        DocumentItem(page=_page("b.html", plan, attachments=[attachment])),
        DocumentItem(page=_page("c.html", plan)),  # the same text as a.html: its blob
        DocumentItem(page=_page("a.html", plan.replace("12/10万", "11/10万"), last_modified="Tue")),
        DocumentItem(page=_page("a.html", plan.replace("12/10万", "11/10万"))),
    ])
    assert results == [FetchOutcome.UNCHANGED, FetchOutcome.NEW, FetchOutcome.NEW, FetchOutcome.CHANGED,
                       FetchOutcome.UNCHANGED]
    with Session(any_engine) as session:
        a = session.exec(select(Document).where(Document.url == "http://127.0.0.1/a.html")).one()
        assert (a.etag, a.last_modified, a.title, a.plan_year) == ('"a1"', "Tue", "要点", 2024)
        versions = session.exec(select(Version).order_by(col(Version.id))).all()
        assert [v.document_id for v in versions].count(a.id) == 2
        assert a.latest_hash == versions[-1].content_hash == content_hash(plan.replace("12/10万", "11/10万"))
        assert len(session.exec(select(Blob.hash)).all()) == 4  # plan, plan+attachment, the attachment, the edit
        (stored,) = session.exec(select(Attachment)).all()
        assert get_text(session, stored.text_hash) == "居民健康素养水平达到28%"
        b = session.exec(select(Document).where(Document.url == "http://127.0.0.1/b.html")).one()
        assert "【附件】f.txt" in get_text(session, session.exec(select(Version.text_hash).where(Version.document_id == b.id)).one())


def test_the_readers_hash_is_the_versions_hash_and_a_wrong_one_is_not_trusted_with_attachments(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        session.add(Source(id="s", name="s"))
    store = DocumentStore(sqlite_engine, "s")
    text = "2024年工作要点\n建成16个社区医院。"
    page = _page("a.html", text, page_hash=content_hash(text), text_content_hash=content_hash(text))
    with_attachment = _page("b.html", text, text_content_hash=content_hash(text),
                            attachments=[FetchedAttachment(url="http://127.0.0.1/f.txt", text="附件正文")])
    assert store.save_batch([DocumentItem(page=page), DocumentItem(page=with_attachment)]) == [FetchOutcome.NEW] * 2
    with Session(sqlite_engine) as session:
        hashes = dict(session.exec(select(Document.url, Version.content_hash).join(Version)).all())
    assert hashes["http://127.0.0.1/a.html"] == content_hash(text)
    assert hashes["http://127.0.0.1/b.html"] == content_hash(text + "\n\n【附件】http://127.0.0.1/f.txt\n附件正文")
