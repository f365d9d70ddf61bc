"""Store content and config for the digest, mail, outbox and feed tests.

:func:`seed_store` records real documents and versions and the changes the differ
writes (the detail schema of ``monitor/analysis/pipeline.py``); :func:`make_config`
points planwatch at a test SMTP server and a fixed archive URL. Fixtures that use
these live in ``digest_fixtures.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from store.engine import session_scope
from store.kinds import ChangeKind
from store.models import Change, Source
from store.settings import Config, load_config
from store.versions import FetchedPage, record_fetch

NOW = datetime(2024, 3, 5, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
ARCHIVE = "http://archive.test:8000"
PASSWORD = "pw-Zq8!s3cret-湖"


def make_config(data_dir: Path, port: int, **extra: str) -> Config:
    env = {
        "PLANWATCH_DATA_DIR": str(data_dir),
        "PLANWATCH_SMTP_HOST": "127.0.0.1",
        "PLANWATCH_SMTP_PORT": str(port),
        "PLANWATCH_SMTP_FROM_ADDR": "planwatch <digest@planwatch.example.org>",
        "PLANWATCH_DIGEST_ARCHIVE_BASE_URL": ARCHIVE,
        "PLANWATCH_DIGEST_FIRST_LOOKBACK_DAYS": "0",
    }
    env.update({f"PLANWATCH_{key.upper()}": value for key, value in extra.items()})
    return load_config(env=env)


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path

    def server_context(self) -> Any:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def target(indicator: str, value: float, unit: str, cmp: str = "=", deadline: int | None = 2025,
           sentence: str = "", value_max: float | None = None, kind: str = "target") -> dict[str, Any]:
    return {"indicator": indicator, "value": value, "value_max": value_max, "unit": unit, "cmp": cmp,
            "deadline": deadline, "kind": kind, "sentence": sentence or f"{indicator}{value:g}{unit}", "section": "一、总体要求"}


GY_2024 = ("2024年全市卫生健康工作要点\n一、总体要求\n到2025年,每千人口医疗卫生机构床位数至少达到8.2张,"
           "每千人口拥有3岁以下婴幼儿托位数达4.5个。")
SN_2022 = "2022年全市卫生健康工作要点\n一、筑牢底线\n人均预期寿命达到80岁。"


@dataclass(frozen=True)
class Seeded:
    """Ids of what :func:`seed_store` wrote, by a short name."""

    changes: dict[str, int]
    documents: dict[str, int]
    versions: dict[str, int]


def _page(url: str, source: str, text: str, title: str, agency: str, region: str, year: int, when: datetime) -> FetchedPage:
    return FetchedPage(url=url, source_id=source, text=text, title=title, agency=agency, region=region,
                       plan_year=year, doc_type="工作要点", published_on=date(year, 3, 1), fetched_at=when)


def _sources_and_documents(session: Any, when: datetime) -> tuple[dict[str, int], dict[str, int]]:
    session.add(Source(id="gy-wjw", name="贵阳市卫生健康局 计划总结", agency="贵阳市卫生健康局", region="贵州省/贵阳市"))
    session.add(Source(id="sn-wjw", name="遂宁市卫健委 通知公告", agency="遂宁市卫生健康委员会", region="四川省/遂宁市"))
    session.flush()
    gy23 = record_fetch(session, _page("http://127.0.0.1:8765/gy/2023.html", "gy-wjw", GY_2024.replace("8.2", "7.86"),
                                       "2023年全市卫生健康工作要点", "贵阳市卫生健康局", "贵州省/贵阳市", 2023, when))
    gy24 = record_fetch(session, _page("http://127.0.0.1:8765/gy/2024.html", "gy-wjw", GY_2024,
                                       "2024年贵阳市卫生健康工作要点", "贵阳市卫生健康局", "贵州省/贵阳市", 2024, when))
    sn = record_fetch(session, _page("http://127.0.0.1:8765/sn/2022.html", "sn-wjw", SN_2022,
                                     "遂宁市2022年全市卫生健康工作要点", "遂宁市卫生健康委员会", "四川省/遂宁市", 2022, when))
    sn2 = record_fetch(session, _page("http://127.0.0.1:8765/sn/2022.html", "sn-wjw", SN_2022 + "\n二、新增一段。",
                                      "遂宁市2022年全市卫生健康工作要点", "遂宁市卫生健康委员会", "四川省/遂宁市", 2022,
                                      when + timedelta(hours=1)))
    docs = {"gy23": gy23.document.id, "gy24": gy24.document.id, "sn": sn.document.id}
    versions = {"gy23": gy23.version.id, "gy24": gy24.version.id, "sn1": sn.version.id, "sn2": sn2.version.id}
    return docs, versions  # type: ignore[return-value]


def _change_rows(docs: dict[str, int], versions: dict[str, int]) -> dict[str, dict[str, Any]]:
    gy = {"source_id": "gy-wjw", "document_id": docs["gy24"], "version_id": versions["gy24"],
          "old_document_id": docs["gy23"], "old_version_id": versions["gy23"], "plan_year": 2024}
    beds_old, beds_new = target("每千人口医疗卫生机构床位数", 7.86, "张", ">="), target("每千人口医疗卫生机构床位数", 8.2, "张", ">=")
    # A ceiling loosened (≤10 → ≤12): the differ calls that "lowered" (less ambitious).
    mmr_old, mmr_new = target("孕产妇死亡率", 10, "/10万", "<="), target("孕产妇死亡率", 12, "/10万", "<=")
    return {
        "new": {**gy, "kind": ChangeKind.NEW_DOCUMENT, "summary": "新计划: 2024年贵阳市卫生健康工作要点",
                "detail": {"title": "2024年贵阳市卫生健康工作要点", "url": "http://127.0.0.1:8765/gy/2024.html",
                           "agency": "贵阳市卫生健康局", "region": "贵州省/贵阳市", "plan_year": 2024,
                           "doc_type": "工作要点", "published_on": "2024-03-01", "target_count": 2}},
        "raised": {**gy, "kind": ChangeKind.TARGET_RAISED, "indicator": beds_new["indicator"], "series_id": None,
                   "summary": "床位数目标提高: ≥7.86张 → ≥8.2张",
                   "detail": {"old": beds_old, "new": beds_new, "old_year": 2023, "new_year": 2024, "scope": "全市",
                              "reasons": ["数值提高"]}},
        "lowered": {**gy, "kind": ChangeKind.TARGET_LOWERED, "indicator": "孕产妇死亡率",
                    "summary": "孕产妇死亡率: ≤10/10万 (2023) → ≤12/10万 (2024), loosened (lower is better)",
                    "detail": {"old": mmr_old, "new": {**mmr_new, "deadline": 2027}, "old_year": 2023, "new_year": 2024,
                               "scope": "series", "reasons": ["deadline 2025→2027"],
                               "verdict": "loosened (lower is better); deadline 2025→2027"}},
        "added": {**gy, "kind": ChangeKind.TARGET_ADDED, "indicator": "每千人口拥有3岁以下婴幼儿托位数",
                  "summary": "新增指标: 婴幼儿托位数 4.5个",
                  "detail": {"old": None, "new": target("每千人口拥有3岁以下婴幼儿托位数", 4.5, "个"), "old_year": 2023,
                             "new_year": 2024, "scope": "全市", "reasons": []}},
        "removed": {**gy, "kind": ChangeKind.TARGET_REMOVED, "indicator": "家庭医生签约服务覆盖率",
                    "summary": "删除指标: 家庭医生签约服务覆盖率",
                    "detail": {"old": target("家庭医生签约服务覆盖率", 75, "%", ">="), "new": None, "old_year": 2023,
                               "new_year": 2024, "scope": "全市", "reasons": []}},
        "met": {"source_id": "sn-wjw", "document_id": docs["sn"], "kind": ChangeKind.TARGET_MET, "indicator": "人均预期寿命",
                "summary": "目标完成: 人均预期寿命 目标80岁, 实际80.5岁",
                "detail": {"target": target("人均预期寿命", 80, "岁", ">=", 2022), "actual": target("人均预期寿命", 80.5, "岁", kind="actual"),
                           "year": 2022, "target_document_id": docs["sn"]}},
        "edit": {"source_id": "sn-wjw", "document_id": docs["sn"], "version_id": versions["sn2"],
                 "old_version_id": versions["sn1"], "kind": ChangeKind.TEXT_EDIT, "summary": "页面被修改: 1 处",
                 "detail": {"hunks": [{"section": "二、新增", "old": "", "new": "二、新增一段。"}], "hunk_count": 1,
                            "inserted_chars": 7, "deleted_chars": 0}},
    }


def seed_store(engine: Engine, when: datetime = NOW) -> Seeded:
    """Two sources, three plans (贵阳 2023/2024, 遂宁 2022 edited once) and one change of each main kind."""
    with session_scope(engine) as session:
        docs, versions = _sources_and_documents(session, when - timedelta(days=1))
        changes = {}
        for name, row in _change_rows(docs, versions).items():
            change = Change(created_at=when, dedup_key=f"seed:{name}", **row)
            session.add(change)
            session.flush()
            changes[name] = int(change.id or 0)
    return Seeded(changes, docs, versions)


def add_change(engine: Engine, name: str, when: datetime = NOW, **row: Any) -> int:
    """One more change (defaults: a 贵阳 target-raised)."""
    base: dict[str, Any] = {"kind": ChangeKind.TARGET_RAISED, "source_id": "gy-wjw", "indicator": "人均预期寿命",
                            "summary": f"change {name}",
                            "detail": {"old": target("人均预期寿命", 80, "岁"), "new": target("人均预期寿命", 81, "岁"),
                                       "old_year": 2023, "new_year": 2024, "scope": "全市", "reasons": []}}
    base.update(row)
    with session_scope(engine) as session:
        change = Change(created_at=when, dedup_key=f"extra:{name}", **base)
        session.add(change)
        session.flush()
        return int(change.id or 0)


__all__ = ["ARCHIVE", "NOW", "PASSWORD", "Seeded", "TlsFiles", "add_change", "make_config", "seed_store", "target"]
