"""A small archive written through the store's own functions, for search and web tests.

Two sources in two regions; a series of three yearly 工作要点 of one agency (2022,
2023, 2024) whose 床位 target moves; a second version of the 2024 plan (a silent edit);
a repost of the 2023 plan on another site; an attachment that could not be read; a
crawl run that failed; and a document whose scraped title and text carry script
injections (``EVIL_TITLE``, ``EVIL_TEXT``). Targets, series and changes are the rows
the analysis pipeline writes, made here by hand with the same models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from store.kinds import ChangeKind, RunStatus
from store.models import Change, CrawlRun, Document, Series, Source, Target, Version
from store.search import index_pending
from store.versions import FetchedAttachment, FetchedPage, record_fetch
from store.warc import WarcRef, WarcWriter

EVIL_TITLE = '<script>window.__pwned=1;document.title="pwned"</script>恶意标题<img src=x onerror="window.__pwned=2">'
EVIL_TEXT = (
    '第一段<script>alert("xss")</script>。\n'
    '<a href="javascript:window.__pwned=3">点我</a>每千人口床位数达到6张。\n'
    '<img src=x onerror="alert(1)">结束。'
)
EVIL_RAW_HTML = (
    "<html><head><meta charset='utf-8'><title>raw</title>"
    "<script>parent.__pwned=4;window.__pwned=4;alert('raw');document.title='pwned'</script></head>"
    "<body><h1>原始页面 raw capture</h1><img src=x onerror=\"alert('img')\"></body></html>"
)
EVIL_URL = "javascript:window.__pwned=5"
SLASHED = "孕产妇死亡率(1/10万)"  # an indicator name with a slash still has its page
FORMULA = "=HYPERLINK(\"http://127.0.0.1:1/x\",\"点我\")"
OUTLINE = [
    {"heading": "", "number": "", "level": 0, "paragraphs": ["2024年全市卫生健康工作要点"], "children": []},
    {"heading": "总体要求", "number": "一、", "level": 1, "paragraphs": ["坚持以人民为中心"], "children": []},
    {"heading": "重点任务", "number": "二、", "level": 1, "paragraphs": [], "children": [
        {"heading": "完善医保支付方式改革", "number": "（一）", "level": 2, "paragraphs": ["推动分级诊疗"], "children": []},
    ]},
]


def _plan_text(year: int, beds: str, extra: str = "") -> str:
    return (
        f"{year}年全市卫生健康工作要点\n"
        "一、总体要求\n"
        f"坚持以人民为中心，推进健康城市建设。到{year}年底，每千人口医疗卫生机构床位数达到{beds}张。\n"
        "二、重点任务\n"
        "（一）完善医保支付方式改革，推动分级诊疗。\n"
        f"人均预期寿命提高到80岁。{extra}\n"
    )


@dataclass
class Archive:
    """Ids of what :func:`fill_archive` stored, for tests to link to."""

    documents: dict[str, int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    series_id: int = 0
    changes: dict[str, int] = field(default_factory=dict)


def _when(days: int) -> datetime:
    return datetime(2024, 1, 1, 2, 0, tzinfo=UTC) + timedelta(days=days)


def _page(url: str, source: str, title: str, text: str, year: int, days: int, **extra: object) -> FetchedPage:
    region = "贵阳市" if source == "gy" else "遂宁市"
    agency = "贵阳市卫生健康局" if source == "gy" else "遂宁市卫生健康委员会"
    return FetchedPage(
        url=url, source_id=source, text=text, title=title, agency=agency, region=region,
        plan_year=year, doc_type="工作要点", published_on=date(year, 3, 1), fetched_at=_when(days),
        **extra,  # type: ignore[arg-type]
    )


def _target(version: Version, position: int, indicator: str, value: float, unit: str, sentence: str) -> Target:
    return Target(
        version_id=version.id, document_id=version.document_id, position=position, indicator=indicator,
        indicator_norm=indicator, value=value, unit=unit, cmp=">=", deadline=None, sentence=sentence, section="一、总体要求",
    )


def _sources(session: Session) -> None:
    session.add(Source(id="gy", name="贵阳市卫健局 通知公告", agency="贵阳市卫生健康局", region="贵阳市"))
    session.add(Source(id="sn", name="遂宁市卫健委 政府信息公开", agency="遂宁市卫生健康委员会", region="遂宁市"))
    session.add(Source(id="broken", name="坏掉的站点", agency="某县卫健局", region="某县"))
    session.flush()
    session.add(CrawlRun(source_id="broken", started_at=_when(1), finished_at=_when(1), status=RunStatus.FAILED,
                         error_count=3, errors={"timeout": 3}, message="3 pages timed out"))
    session.add(CrawlRun(source_id="gy", started_at=_when(2), finished_at=_when(2), status=RunStatus.OK, ok_count=4))
    session.flush()


def _record(session: Session, archive: Archive, name: str, page: FetchedPage) -> Version:
    result = record_fetch(session, page)
    assert result.version is not None
    archive.documents.setdefault(name, result.document.id)  # type: ignore[arg-type]
    archive.versions[name] = result.version.id  # type: ignore[assignment]
    return result.version


def _plans(session: Session, archive: Archive, warcs: dict[str, WarcRef]) -> dict[str, Version]:
    base = "http://127.0.0.1:1/gy/"
    made: dict[str, Version] = {}
    for year, beds, days in ((2022, "6.5", 10), (2023, "7.0", 20), (2024, "7.5", 30)):
        made[str(year)] = _record(session, archive, str(year), _page(
            f"{base}{year}.html", "gy", f"贵阳市卫生健康局{year}年工作要点", _plan_text(year, beds), year, days,
            warc=warcs.get(str(year)),
            attachments=[FetchedAttachment(url=f"{base}{year}.doc", filename=f"{year}要点.doc", error="legacy .doc: antiword is not installed")],
        ))
    made["2024b"] = _record(session, archive, "2024b", _page(
        f"{base}2024.html", "gy", "贵阳市卫生健康局2024年工作要点", _plan_text(2024, "7.86", "新增家庭医生签约服务。"), 2024, 40,
        attachments=[FetchedAttachment(url=f"{base}2024.doc", filename="2024要点.doc", error="legacy .doc: antiword is not installed")],
    ))
    archive.documents["2024b"] = archive.documents["2024"]
    made["repost"] = _record(session, archive, "repost", _page(
        "http://127.0.0.1:1/sn/repost-2023.html", "sn", "转发：贵阳市卫生健康局2023年工作要点", _plan_text(2023, "7.0"), 2023, 25,
    ))
    made["evil"] = _record(session, archive, "evil", _page(
        "http://127.0.0.1:1/sn/evil.html", "sn", EVIL_TITLE, EVIL_TEXT, 2022, 5, warc=warcs["evil"],
        attachments=[FetchedAttachment(url=EVIL_URL, filename=EVIL_TITLE, error='<b onmouseover="alert(1)">坏</b>')],
    ))
    made["2024b"].outline = OUTLINE
    session.add(made["2024b"])
    return made


def _series_and_targets(session: Session, archive: Archive, made: dict[str, Version]) -> None:
    series = Series(key="gy|贵阳市|工作要点", title="贵阳市卫生健康局 工作要点", region="贵阳市", agency="贵阳市卫生健康局", doc_type="工作要点")
    session.add(series)
    session.flush()
    archive.series_id = series.id  # type: ignore[assignment]
    for name in ("2022", "2023", "2024"):
        document = session.get(Document, archive.documents[name])
        assert document is not None
        document.series_id = series.id
        session.add(document)
    repost = session.get(Document, archive.documents["repost"])
    assert repost is not None
    repost.canonical_id = archive.documents["2023"]
    repost.series_id = series.id  # the analysis files a repost under the original's series
    session.add(repost)
    for name, beds in (("2022", 6.5), ("2023", 7.0), ("2024", 7.5), ("2024b", 7.86), ("repost", 7.0)):
        version = made[name]
        sentence = f"每千人口医疗卫生机构床位数达到{beds:g}张。"
        session.add(_target(version, 1, "每千人口医疗卫生机构床位数", beds, "张", sentence))
        session.add(_target(version, 2, "人均预期寿命", 80, "岁", "人均预期寿命提高到80岁。"))
    session.add(_target(made["2022"], 3, SLASHED, 12, "/10万", "孕产妇死亡率(1/10万)控制在12以下。"))
    session.add(_target(made["evil"], 1, "每千人口医疗卫生机构床位数", 6, "张", "每千人口床位数达到6张。"))
    session.add(_target(made["evil"], 2, FORMULA, -3, "%", FORMULA))
    session.flush()


def _target_json(value: float) -> dict[str, object]:
    """A target as ``ExtractedTarget.to_json()`` writes it into ``Change.detail``."""
    return {"indicator": "每千人口医疗卫生机构床位数", "value": value, "value_max": None, "unit": "张", "cmp": ">=",
            "deadline": None, "kind": "target", "sentence": f"床位数达到{value:g}张。", "section": "一、总体要求", "responsible": None}


def _moved(old: float, new: float, old_year: int) -> dict[str, object]:
    return {"old": _target_json(old), "new": _target_json(new), "old_year": old_year, "new_year": 2024, "scope": "series",
            "reasons": ["value"], "verdict": "raised"}


def _changes(session: Session, archive: Archive, made: dict[str, Version]) -> None:
    rows = {
        "new": Change(kind=ChangeKind.NEW_DOCUMENT, created_at=_when(30), source_id="gy", document_id=archive.documents["2024"],
                      version_id=made["2024"].id, series_id=archive.series_id, plan_year=2024,
                      summary="新计划：贵阳市卫生健康局2024年工作要点", dedup_key="new|2024"),
        "raised": Change(kind=ChangeKind.TARGET_RAISED, created_at=_when(30), source_id="gy", document_id=archive.documents["2024"],
                         version_id=made["2024"].id, old_document_id=archive.documents["2023"], old_version_id=made["2023"].id,
                         series_id=archive.series_id, indicator="每千人口医疗卫生机构床位数", plan_year=2024,
                         summary="每千人口医疗卫生机构床位数 7→7.5张", detail=_moved(7.0, 7.5, 2023), dedup_key="raised|2024"),
        "raised2": Change(kind=ChangeKind.TARGET_RAISED, created_at=_when(30), source_id="gy", document_id=archive.documents["2024"],
                          version_id=made["2024"].id, old_document_id=archive.documents["2022"], old_version_id=made["2022"].id,
                          series_id=archive.series_id, indicator="每千人口医疗卫生机构床位数", plan_year=2024,
                          summary="每千人口医疗卫生机构床位数 6.5→7.5张（对比2022年）", detail=_moved(6.5, 7.5, 2022), dedup_key="raised2|2024"),
        "edit": Change(kind=ChangeKind.TEXT_EDIT, created_at=_when(40), source_id="gy", document_id=archive.documents["2024"],
                       version_id=made["2024b"].id, old_version_id=made["2024"].id, series_id=archive.series_id, plan_year=2024,
                       summary="已发布页面被修改：床位数 7.5→7.86张", dedup_key="edit|2024",
                       detail={"hunks": [{"section": "一、总体要求", "old": "床位数达到7.5张。", "new": "床位数达到7.86张。"}],
                               "hunk_count": 1, "inserted_chars": 4, "deleted_chars": 3}),
        "evil": Change(kind=ChangeKind.NEW_DOCUMENT, created_at=_when(5), source_id="sn", document_id=archive.documents["evil"],
                       version_id=made["evil"].id, summary=f"新计划：{EVIL_TITLE}", dedup_key="new|evil",
                       detail={"title": EVIL_TITLE, "url": EVIL_URL, "agency": "<b>机构</b>", "region": "遂宁市", "plan_year": 2022,
                               "doc_type": "工作要点", "published_on": "2022-03-01", "target_count": 2}),
    }
    for name, change in rows.items():
        session.add(change)
        session.flush()
        archive.changes[name] = change.id  # type: ignore[assignment]


PLAIN_RAW_HTML = "<html><head><title>2024</title></head><body><p>贵阳市卫生健康局2024年工作要点（原始页面）</p></body></html>"


def _raw_captures(data_dir: Path) -> dict[str, WarcRef]:
    with WarcWriter(data_dir) as writer:
        return {
            "evil": writer.write_response("http://127.0.0.1:1/sn/evil.html", 200, [("Content-Type", "text/html; charset=utf-8")],
                                          EVIL_RAW_HTML.encode("utf-8")),
            "2024": writer.write_response("http://127.0.0.1:1/gy/2024.html", 200, [("Content-Type", "text/html; charset=gbk")],
                                          PLAIN_RAW_HTML.encode("gbk")),
        }


def fill_archive(engine: Engine, data_dir: Path, *, index: bool = True) -> Archive:
    """Store the archive described in the module docstring; index it for search."""
    archive = Archive()
    warcs = _raw_captures(data_dir)
    with Session(engine, expire_on_commit=False) as session:
        _sources(session)
        made = _plans(session, archive, warcs)
        _series_and_targets(session, archive, made)
        _changes(session, archive, made)
        if index:
            index_pending(session)
        session.commit()
    return archive
