"""The store: round trips on SQLite and PostgreSQL, versions only on real change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from store.engine import session_scope
from store.kinds import ChangeKind, FetchOutcome
from store.models import Blob, Change, Document, Source, Target, Version
from store.queries import changes_since, document_by_ref, targets_of_document, versions_of
from store.texts import get_text
from store.versions import FetchedAttachment, FetchedPage, record_fetch, record_not_modified

PLAN = "2024年全市卫生健康工作要点\n一、总体要求\n到2025年,每千人口医疗卫生机构床位数至少达到7.86张。"


def _source(session: Session) -> None:
    session.add(Source(id="gy-wjw", name="贵阳市卫生健康局 通知公告", agency="贵阳市卫生健康局", region="贵州省/贵阳市"))
    session.flush()


def _page(text: str = PLAN, **kwargs: object) -> FetchedPage:
    base = dict(url="http://127.0.0.1/gy/2024.html", source_id="gy-wjw", text=text,
                title="2024年全市卫生健康工作要点", agency="贵阳市卫生健康局", region="贵州省/贵阳市",
                plan_year=2024, doc_type="工作要点", published_on=date(2024, 3, 1), etag='"v1"')
    base.update(kwargs)
    return FetchedPage(**base)  # type: ignore[arg-type]


def test_round_trip_keeps_chinese_text_times_and_json(any_engine: Engine) -> None:
    seen = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
    with session_scope(any_engine) as session:
        _source(session)
        result = record_fetch(session, _page(fetched_at=seen))
        session.add(Change(kind=ChangeKind.NEW_DOCUMENT, document_id=result.document.id, summary="新计划: 2024年全市卫生健康工作要点",
                           detail={"指标": "床位数", "values": [7.86]}, dedup_key="new:1"))
        session.add(Target(version_id=result.version.id, document_id=result.document.id, indicator="每千人口医疗卫生机构床位数",
                           value=7.86, unit="张", cmp=">=", deadline=2025, sentence="每千人口医疗卫生机构床位数至少达到7.86张"))
    with Session(any_engine) as session:
        document = document_by_ref(session, "http://127.0.0.1/gy/2024.html")
        (version,) = versions_of(session, document.id)
        assert get_text(session, version.text_hash) == PLAN
        assert version.fetched_at == seen and version.fetched_at.tzinfo is not None
        assert document.published_on == date(2024, 3, 1)
        (change,) = changes_since(session, None)
        assert change.detail == {"指标": "床位数", "values": [7.86]}
        (target,) = targets_of_document(session, document.id)
        assert (target.value, target.unit, target.cmp) == (7.86, "张", ">=")


def test_same_content_twice_is_one_version_changed_content_is_two(any_engine: Engine) -> None:
    first = datetime(2024, 3, 1, tzinfo=UTC)
    with session_scope(any_engine) as session:
        _source(session)
        assert record_fetch(session, _page(fetched_at=first)).outcome is FetchOutcome.NEW
    with session_scope(any_engine) as session:
        again = record_fetch(session, _page(PLAN.replace("\n", " \n  "), fetched_at=first + timedelta(days=1), etag='"v2"'))
        assert again.outcome is FetchOutcome.UNCHANGED and again.version is None
    with session_scope(any_engine) as session:
        edited = record_fetch(session, _page(PLAN.replace("7.86", "8.2"), fetched_at=first + timedelta(days=2)))
        assert edited.outcome is FetchOutcome.CHANGED
    with Session(any_engine) as session:
        document = document_by_ref(session, "http://127.0.0.1/gy/2024.html")
        assert len(versions_of(session, document.id)) == 2
        assert document.last_seen == first + timedelta(days=2)
        assert session.exec(select(func.count()).select_from(Blob)).one() == 2


def test_noise_only_change_is_no_new_version(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        _source(session)
        record_fetch(session, _page(PLAN + "\n浏览次数: 12"))
        result = record_fetch(session, _page(PLAN + "\n浏览次数: 3456"))
    assert result.outcome is FetchOutcome.UNCHANGED


def test_not_modified_moves_last_seen_and_validators_only(sqlite_engine: Engine) -> None:
    later = datetime(2030, 1, 1, tzinfo=UTC)
    with session_scope(sqlite_engine) as session:
        _source(session)
        document = record_fetch(session, _page()).document
        record_not_modified(session, document, later, etag='"v9"')
    with Session(sqlite_engine) as session:
        document = document_by_ref(session, "http://127.0.0.1/gy/2024.html")
        assert (document.last_seen, document.etag) == (later, '"v9"')
        assert session.exec(select(func.count()).select_from(Version)).one() == 1


def test_attachment_text_is_part_of_the_version(sqlite_engine: Engine) -> None:
    attachment = FetchedAttachment(url="http://127.0.0.1/gy/fj.docx", filename="附件1.docx", text="建成15个社区医院")
    broken = FetchedAttachment(url="http://127.0.0.1/gy/fj2.pdf", filename="附件2.pdf", error="not a PDF file")
    with session_scope(sqlite_engine) as session:
        _source(session)
        version = record_fetch(session, _page(attachments=[attachment, broken])).version
        assert version is not None
        text = get_text(session, version.text_hash)
    assert "建成15个社区医院" in text and "附件1.docx" in text
    with session_scope(sqlite_engine) as session:
        changed = record_fetch(session, _page(attachments=[FetchedAttachment(url=attachment.url, text="建成16个社区医院")]))
    assert changed.outcome is FetchOutcome.CHANGED


def test_same_text_on_two_documents_is_stored_once(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        _source(session)
        record_fetch(session, _page())
        record_fetch(session, _page(url="http://127.0.0.1/news/repost.html"))
    with Session(sqlite_engine) as session:
        assert session.exec(select(func.count()).select_from(Document)).one() == 2
        assert session.exec(select(func.count()).select_from(Blob)).one() == 1
