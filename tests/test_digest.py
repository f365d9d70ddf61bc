"""Digests on a real store: who gets which changes, once; what the HTML and text show."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from digest_seed import ARCHIVE, NOW, add_change, make_config, seed_store, target
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from reports.changes import load_changes
from reports.digest import Recipient, plan_digest
from reports.digest_run import run_digests
from reports.digest_view import SECTIONS, build_view, render_html, render_text
from reports.smtp_capture import CaptureServer
from reports.urls import ArchiveUrls
from store.engine import session_scope
from store.kinds import ChangeKind, DigestStatus
from store.models import Change, Digest, DigestItem, Subscriber
from store.settings import Config

pytest_plugins = ["digest_fixtures"]


def subscribe(engine: Engine, email: str, **filters: object) -> Subscriber:
    with session_scope(engine) as session:
        subscriber = Subscriber(email=email, token=f"tok-{email.split('@')[0]}", created_at=NOW - timedelta(days=1),
                                **filters)  # type: ignore[arg-type]
        session.add(subscriber)
    return subscriber


def planned(engine: Engine, config: Config, subscriber: Subscriber) -> set[int]:
    with Session(engine) as session:
        plan = plan_digest(session, config, Recipient(subscriber.email, subscriber), now=NOW)
    return {item.id for item in plan.items}


FILTER_CASES = [
    ({}, ["new", "raised", "lowered", "added", "removed", "met", "edit"]),
    ({"regions": ["贵州省"]}, ["new", "raised", "lowered", "added", "removed"]),
    ({"regions": ["四川/遂宁"]}, ["met", "edit"]),
    ({"regions": ["贵州省/遵义市"]}, []),
    ({"keywords": ["床位"]}, ["raised"]),
    ({"keywords": ["遂宁"]}, ["met", "edit"]),
    ({"keywords": ["托位", "孕产妇"]}, ["lowered", "added"]),
    ({"kinds": ["target-met", "target-missed"], "sources": ["sn-wjw"]}, ["met"]),
    ({"kinds": ["new-document"], "regions": ["四川省"]}, []),
    ({"sources": ["gy-wjw"], "kinds": ["target-removed", "target-added"]}, ["added", "removed"]),
]


@pytest.mark.parametrize(("filters", "expected"), FILTER_CASES, ids=[str(f) for f, _ in FILTER_CASES])
def test_filters_select_the_right_changes(any_engine: Engine, config: Config, filters: dict[str, list[str]],
                                          expected: list[str]) -> None:
    seeded = seed_store(any_engine)
    subscriber = subscribe(any_engine, "reader@example.org", **filters)
    assert planned(any_engine, config, subscriber) == {seeded.changes[name] for name in expected}


def test_each_change_reaches_a_subscriber_once_and_the_mark_moves_past_others(
    any_engine: Engine, mail_config: Config, smtp: CaptureServer
) -> None:
    seeded = seed_store(any_engine)
    subscribe(any_engine, "gz@example.org", regions=["贵州省"])
    first = run_digests(mail_config, any_engine, send=True, now=NOW)
    assert [r.status for r in first.results] == ["delivered"] and first.results[0].change_count == 5
    # One change elsewhere (not for this reader), one here.
    add_change(any_engine, "sichuan", source_id="sn-wjw", document_id=seeded.documents["sn"])
    here = add_change(any_engine, "guizhou", document_id=seeded.documents["gy24"])
    second = run_digests(mail_config, any_engine, send=True, now=NOW + timedelta(days=1))
    assert second.results[0].change_count == 1
    third = run_digests(mail_config, any_engine, send=True, now=NOW + timedelta(days=2))
    assert third.results[0].status == "empty" and len(smtp.messages) == 2
    with Session(any_engine) as session:
        placed = session.exec(select(DigestItem.change_id)).all()
        assert sorted(placed) == sorted([*(seeded.changes[n] for n in ("new", "raised", "lowered", "added", "removed")), here])
    assert "change guizhou" not in smtp.messages[0].message.get_body(("plain",)).get_content()
    assert "人均预期寿命" in smtp.messages[1].message.get_body(("plain",)).get_content()


def test_nothing_new_records_the_mark_without_mail(sqlite_engine: Engine, mail_config: Config, smtp: CaptureServer) -> None:
    seed_store(sqlite_engine)
    subscribe(sqlite_engine, "far@example.org", regions=["西藏自治区"])
    summary = run_digests(mail_config, sqlite_engine, send=True, now=NOW)
    assert summary.empty == 1 and smtp.messages == []
    with Session(sqlite_engine) as session:
        (row,) = session.exec(select(Digest)).all()
        assert row.status == DigestStatus.EMPTY and row.last_change_id is not None
    # Nothing at all looked at: not even an empty row.
    run_digests(mail_config, sqlite_engine, send=True, now=NOW + timedelta(days=1))
    with Session(sqlite_engine) as session:
        assert len(session.exec(select(Digest)).all()) == 1


def test_heartbeat_sends_an_empty_digest(sqlite_engine: Engine, data_dir: Path, smtp: CaptureServer) -> None:
    subscribe(sqlite_engine, "quiet@example.org")
    subscribe(sqlite_engine, "beat@example.org", send_empty=True)
    run_digests(make_config(data_dir, smtp.port), sqlite_engine, send=True, now=NOW)
    (message,) = smtp.messages
    assert message.rcpt_tos == ("beat@example.org",)
    assert "没有新变化" in message.message["Subject"]
    assert "没有符合订阅条件的新变化" in message.message.get_body(("plain",)).get_content()
    smtp.clear()
    run_digests(make_config(data_dir, smtp.port, digest_send_empty="true"), sqlite_engine, send=True,
                now=NOW + timedelta(days=7))
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == ["beat@example.org", "quiet@example.org"]


def test_first_digest_looks_back_only_as_far_as_configured(sqlite_engine: Engine, data_dir: Path) -> None:
    seed_store(sqlite_engine, when=NOW - timedelta(days=40))
    recent = add_change(sqlite_engine, "recent", when=NOW - timedelta(days=3))
    subscriber = subscribe(sqlite_engine, "new@example.org")
    assert planned(sqlite_engine, make_config(data_dir, 25, digest_first_lookback_days="30"), subscriber) == {recent}
    assert len(planned(sqlite_engine, make_config(data_dir, 25, digest_first_lookback_days="0"), subscriber)) == 8


def test_preview_renders_and_marks_nothing(sqlite_engine: Engine, mail_config: Config, smtp: CaptureServer) -> None:
    seed_store(sqlite_engine)
    subscribe(sqlite_engine, "gz@example.org", regions=["贵州省"])
    summary = run_digests(mail_config, sqlite_engine, send=False, now=NOW)
    (result,) = summary.results
    assert result.status == "preview" and result.change_count == 5
    html = Path(result.html_path or "").read_text(encoding="utf-8")
    assert "≥8.2张" in html and "遂宁" not in html
    with Session(sqlite_engine) as session:
        assert session.exec(select(Digest)).all() == []
    assert smtp.messages == []


def test_every_digest_is_written_to_the_data_dir_with_an_index(sqlite_engine: Engine, mail_config: Config,
                                                               smtp: CaptureServer) -> None:
    seed_store(sqlite_engine)
    subscribe(sqlite_engine, "a@example.org")
    subscribe(sqlite_engine, "b@example.org", regions=["四川省"])
    run_digests(mail_config, sqlite_engine, send=True, now=NOW)
    folder = mail_config.data_dir / "digests"
    files = sorted(p.name for p in folder.glob("digest-*.html"))
    assert files == ["digest-000001.html", "digest-000002.html"]
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert 'href="digest-000001.html"' in index and "b@example.org" in index and "delivered" in index
    sent_html = smtp.messages[0].message.get_body(("html",)).get_content()
    assert (folder / files[0]).read_text(encoding="utf-8").rstrip() == sent_html.replace("\r\n", "\n").rstrip()


def test_target_changes_show_old_new_direction_and_deadline(sqlite_engine: Engine, mail_config: Config,
                                                            smtp: CaptureServer) -> None:
    seed_store(sqlite_engine)
    subscribe(sqlite_engine, "a@example.org")
    run_digests(mail_config, sqlite_engine, send=True, now=NOW)
    html = smtp.messages[0].message.get_body(("html",)).get_content()
    rows = re.findall(r"<tr>.*?</tr>", html, re.S)
    beds = next(row for row in rows if "每千人口医疗卫生机构床位数" in row)
    assert "≥7.86张" in beds and "≥8.2张 ▲" in beds and "color:#b91c1c" in beds and "2025年" in beds
    assert "要求提高</div>" in beds  # higher is better here: no "(越低越好)"
    mmr = next(row for row in rows if "孕产妇死亡率" in row)
    assert "≤10/10万" in mmr and "≤12/10万 ▼" in mmr and "color:#15803d" in mmr and "要求降低 (越低越好)" in mmr
    assert "2025 → 2027年" in mmr and "loosened" not in html  # Chinese only, not the differ's English verdict
    added = next(row for row in rows if "婴幼儿托位数" in row)
    assert "新增" in added and "4.5个" in added
    met = next(row for row in rows if "人均预期寿命" in row)
    assert "≥80岁" in met and "80.5岁" in met and "完成" in met
    assert "新发布的计划 (1)" in html and "2024年贵阳市卫生健康工作要点" in html and "贵阳市卫生健康局" in html
    assert f'href="{ARCHIVE}/compare/' in html and "二、新增一段。" in html


def test_scraped_markup_is_escaped_everywhere(sqlite_engine: Engine, mail_config: Config, smtp: CaptureServer) -> None:
    seeded = seed_store(sqlite_engine)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    add_change(sqlite_engine, "evil", kind=ChangeKind.TEXT_EDIT, source_id="sn-wjw", document_id=seeded.documents["sn"],
               indicator=None, summary=evil,
               detail={"hunks": [{"section": evil, "old": "旧" + evil, "new": "新" + evil}], "hunk_count": 1,
                       "inserted_chars": 1, "deleted_chars": 1})
    add_change(sqlite_engine, "evil-new", kind=ChangeKind.NEW_DOCUMENT, source_id="sn-wjw", summary=evil,
               detail={"title": evil, "url": "javascript:alert(1)", "agency": evil, "region": "四川省"})
    add_change(sqlite_engine, "evil-target", indicator=evil,
               detail={"old": target(evil, 1, evil), "new": target(evil, 2, "<b>"), "reasons": [evil]})
    subscribe(sqlite_engine, "a@example.org")
    run_digests(mail_config, sqlite_engine, send=True, now=NOW)
    html = smtp.messages[0].message.get_body(("html",)).get_content()
    assert "<script" not in html and "<img" not in html and "<b>" not in html and "javascript:" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<script" in smtp.messages[0].message.get_body(("plain",)).get_content()  # text stays text


@pytest.mark.parametrize("spec", SECTIONS, ids=[spec.key for spec in SECTIONS])
def test_every_section_renders_each_of_its_kinds_with_an_archive_link(sqlite_engine: Engine, spec: object) -> None:
    from reports.digest_view import SectionSpec

    assert isinstance(spec, SectionSpec)
    seed_store(sqlite_engine)
    with Session(sqlite_engine) as session:
        base = session.exec(select(Change)).first()
        assert base is not None
        changes = [Change(id=9000 + i, kind=kind.value, created_at=NOW, source_id="gy-wjw", document_id=base.document_id,
                          indicator="指标甲", summary=f"摘要{kind.value}", dedup_key=f"x{i}",
                          detail={"old": target("指标甲", 1, "个"), "new": target("指标甲", 2, "个"),
                                  "target": target("指标甲", 1, "个"), "actual": target("指标甲", 2, "个"),
                                  "hunks": [{"section": "一", "old": "甲", "new": "乙"}], "hunk_count": 1,
                                  "source_name": "来源甲", "failed_runs": 3, "last_error": "HTTP 503"})
                   for i, kind in enumerate(spec.kinds)]
        items = load_changes(session, changes)
    view = build_view(items, urls=ArchiveUrls(ARCHIVE), recipient="a@example.org", generated_at=NOW,
                      timezone="Asia/Shanghai", max_per_section=100)
    assert [section.spec.key for section in view.sections] == [spec.key]
    html, text = render_html(view), render_text(view)
    assert f"{spec.title} ({len(spec.kinds)})" in html and f"== {spec.title} ({len(spec.kinds)}) ==" in text
    for entry in view.sections[0].entries:
        assert entry.link.startswith(ARCHIVE) and f'href="{entry.link}"' in html and entry.link in text


def test_a_long_section_is_capped_and_links_to_the_rest(sqlite_engine: Engine, data_dir: Path, smtp: CaptureServer) -> None:
    seed_store(sqlite_engine)
    subscribe(sqlite_engine, "a@example.org", kinds=["target-raised", "target-lowered"])
    run_digests(make_config(data_dir, smtp.port, digest_max_items_per_section="1"), sqlite_engine, send=True, now=NOW)
    html = smtp.messages[0].message.get_body(("html",)).get_content()
    assert "指标调整 (2)" in html and "还有 1 项未列出" in html
    assert f"{ARCHIVE}/changes?kind=target-raised%2Ctarget-lowered%2Ctarget-changed" in html
    assert html.count("孕产妇死亡率") == 0  # the second one is not shown, only counted


def test_a_shared_pool_answers_like_fresh_queries_and_snapshots_the_run(sqlite_engine: Engine) -> None:
    from reports.changes import ChangePool, matching_since
    from reports.filters import ChangeFilter

    seeded = seed_store(sqlite_engine)
    ids = sorted(seeded.changes.values())
    pool, everything, guizhou = ChangePool(), ChangeFilter(), ChangeFilter(regions=["贵州省"])
    with Session(sqlite_engine) as session:
        asks = [(everything, ids[4], None), (guizhou, ids[1], None), (everything, None, NOW), (guizhou, None, None)]
        for flt, after, since in asks:  # floors go down: the pool reads the older rows it lacks
            fresh, fresh_mark = matching_since(session, flt, after_id=after, since=since)
            pooled, pooled_mark = pool.matching(session, flt, after_id=after, since=since)
            assert [i.id for i in pooled] == [i.id for i in fresh] and pooled_mark == fresh_mark
    later = add_change(sqlite_engine, "during the run")
    with Session(sqlite_engine) as session:
        pooled, mark = pool.matching(session, everything, after_id=None, since=None)
        assert later not in [i.id for i in pooled] and mark == ids[-1]  # waits for the next run
        assert matching_since(session, everything, after_id=mark, since=None)[1] == later


HEADLINE_CASES = {
    ChangeKind.NEW_DOCUMENT: "新计划：2024年贵阳市卫生健康工作要点",
    ChangeKind.REPOST: "转载：2024年贵阳市卫生健康工作要点",
    ChangeKind.TEXT_EDIT: "页面修改：2024年贵阳市卫生健康工作要点",
    ChangeKind.TARGET_RAISED: "指标甲：1个 → 2个，要求提高",
    ChangeKind.TARGET_LOWERED: "指标甲：1个 → 2个，要求降低",
    ChangeKind.TARGET_CHANGED: "指标甲：1个 → 2个，调整",
    ChangeKind.TARGET_ADDED: "新增指标 指标甲：2个",
    ChangeKind.TARGET_REMOVED: "删除指标 指标甲：1个",
    ChangeKind.TARGET_MET: "目标完成 指标甲：目标 ≥3个，实际 4个",
    ChangeKind.TARGET_MISSED: "目标未完成 指标甲：目标 ≥3个，实际 4个",
    ChangeKind.SOURCE_FAILING: "the differ's summary",
}


@pytest.mark.parametrize("kind", list(HEADLINE_CASES), ids=[kind.value for kind in HEADLINE_CASES])
def test_every_kind_has_a_chinese_headline(sqlite_engine: Engine, kind: ChangeKind) -> None:
    from reports.digest_view import HEADLINES, entry_for

    assert set(HEADLINES) | {ChangeKind.SOURCE_FAILING} == set(HEADLINE_CASES)
    seeded = seed_store(sqlite_engine)
    change = Change(id=9999, kind=kind.value, created_at=NOW, source_id="gy-wjw", document_id=seeded.documents["gy24"],
                    indicator="指标甲", summary="the differ's summary", dedup_key="h",
                    detail={"old": target("指标甲", 1, "个"), "new": target("指标甲", 2, "个"),
                            "target": target("指标甲", 3, "个", ">="), "actual": target("指标甲", 4, "个")})
    with Session(sqlite_engine) as session:
        (item,) = load_changes(session, [change])
    assert entry_for(item, ArchiveUrls(ARCHIVE)).headline == HEADLINE_CASES[kind]


def test_sent_digest_headers_name_the_digest_and_the_unsubscribe_token(sqlite_engine: Engine, data_dir: Path,
                                                                       smtp: CaptureServer) -> None:
    from email.utils import parsedate_to_datetime

    seed_store(sqlite_engine)
    subscribe(sqlite_engine, "reader@example.org")
    config = make_config(data_dir, smtp.port, digest_unsubscribe_mailto="unsubscribe@planwatch.example.org")
    run_digests(config, sqlite_engine, send=True, now=NOW)
    (captured,) = smtp.messages
    message = captured.message
    with Session(sqlite_engine) as session:
        digest = session.exec(select(Digest)).one()
    assert captured.mail_from == "digest@planwatch.example.org" and captured.rcpt_tos == ("reader@example.org",)
    assert message["From"] == "planwatch <digest@planwatch.example.org>" and message["To"] == "reader@example.org"
    assert message["Message-ID"] == digest.message_id
    assert re.fullmatch(r"<digest-1-[0-9a-f]{12}@planwatch\.example\.org>", digest.message_id)
    assert parsedate_to_datetime(message["Date"]) == NOW and message["Subject"] == digest.subject
    assert message["List-Unsubscribe"] == (f"<{ARCHIVE}/unsubscribe?token=tok-reader>, "
                                           "<mailto:unsubscribe@planwatch.example.org?subject=unsubscribe%20tok-reader>")
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]


def test_a_capped_section_shows_silent_edits_of_published_targets_first(sqlite_engine: Engine, data_dir: Path,
                                                                        smtp: CaptureServer) -> None:
    seed_store(sqlite_engine)
    add_change(sqlite_engine, "silent", indicator="孕产妇系统管理率",
                        detail={"old": target("孕产妇系统管理率", 90, "%", ">="), "new": target("孕产妇系统管理率", 92, "%", ">="),
                                "old_year": 2024, "new_year": 2024, "scope": "version", "reasons": []})
    subscribe(sqlite_engine, "a@example.org", kinds=["target-raised", "target-lowered"])
    run_digests(make_config(data_dir, smtp.port, digest_max_items_per_section="1"), sqlite_engine, send=True, now=NOW)
    html = smtp.messages[0].message.get_body(("html",)).get_content()
    assert "指标调整 (3)" in html and "还有 2 项未列出" in html
    assert "孕产妇系统管理率" in html and "每千人口医疗卫生机构床位数" not in html
