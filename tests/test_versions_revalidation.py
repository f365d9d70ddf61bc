"""Store paths the fast revalidation pass uses: bulk 304s, unchanged 200s, the page hash."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from store.engine import session_scope
from store.kinds import FetchOutcome
from store.models import Document, Source, Version
from store.queries import document_by_ref
from store.versions import FetchedPage, record_fetch, record_not_modified_many, record_seen


def _seed(session: Session, count: int) -> list[int]:
    session.add(Source(id="s", name="s", agency="贵阳市卫生健康局", region="贵州省/贵阳市"))
    session.flush()
    ids = []
    for i in range(count):
        page = FetchedPage(url=f"http://127.0.0.1/{i}.html", source_id="s", text=f"第{i}号 工作要点", page_hash=f"p{i}")
        document = record_fetch(session, page).document
        assert document.id is not None
        ids.append(document.id)
    return ids


def test_bulk_not_modified_moves_last_seen_of_exactly_those_documents(any_engine: Engine) -> None:
    later = datetime(2031, 5, 1, 8, 0, tzinfo=UTC)
    with session_scope(any_engine) as session:
        ids = _seed(session, 1203)
    with session_scope(any_engine) as session:
        assert record_not_modified_many(session, ids[:1200], later) == 1200
    with Session(any_engine) as session:
        moved = session.exec(select(func.count()).select_from(Document).where(Document.last_seen == later)).one()
        assert moved == 1200
        assert document_by_ref(session, ids[1202]).last_seen != later
        assert document_by_ref(session, ids[0]).last_status == 304
        assert session.exec(select(func.count()).select_from(Version)).one() == 1203


def test_seen_unchanged_keeps_versions_and_records_status_and_validators(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        (doc_id,) = _seed(session, 1)
    with session_scope(sqlite_engine) as session:
        document = document_by_ref(session, doc_id)
        assert document.page_hash == "p0"
        result = record_seen(session, document, 200, etag='"new"')
        assert result.outcome is FetchOutcome.UNCHANGED
    with Session(sqlite_engine) as session:
        document = document_by_ref(session, doc_id)
        assert (document.etag, document.last_status) == ('"new"', 200)
        assert session.exec(select(func.count()).select_from(Version)).one() == 1
