"""What the fixture site holds: sections (list pages), plans, other items, attachments.

Tests assert against this data ("every plan stored with the right title, date,
agency, region, year") instead of repeating it. Paths are site-relative; join them to
the running site's ``base_url``. Pages exist in the states listed in ``states``;
``next_change`` says what ``set_state("next")`` does to a page:

* ``"edited"``  one target changes (``edit``: old phrase → new phrase);
* ``"new"``     the page appears (and is listed first on its section's page 1);
* ``"counter"`` only its 浏览次数 view counter changes: a new ETag, the same text.

Every other page is byte-identical in both states (same ETag).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = [
    "MANIFEST",
    "OTHER_ITEMS",
    "SECTIONS",
    "STATES",
    "AttachmentSpec",
    "ExpectedTarget",
    "ListItem",
    "PlanDoc",
    "Section",
    "plans_in",
    "section",
]

STATES: tuple[str, ...] = ("initial", "next")


@dataclass(frozen=True)
class Section:
    """One column (栏目) of a site: its list pages, pager style, layouts and charset."""

    source_id: str
    name: str
    agency: str
    region: str
    list_path: str
    pager: str  # links (下一页/尾页) | index_n (index_1.html ...) | create_page_html | single
    page_size: int
    list_layout: str
    detail_layout: str
    charset: str = "utf-8"  # or gbk


@dataclass(frozen=True)
class ExpectedTarget:
    """A target the plan text states, as the sentence says it (value in ``unit``)."""

    indicator: str
    value: float
    unit: str = ""


@dataclass(frozen=True)
class AttachmentSpec:
    """A file linked from a plan; ``asset`` is a file in ``assets/`` ("" = broken)."""

    path: str
    anchor: str
    asset: str
    media_type: str
    expect_text: str = ""  # a phrase its extracted text contains; "" when unreadable

    @property
    def readable(self) -> bool:
        return bool(self.expect_text)


@dataclass(frozen=True)
class ListItem:
    """A non-plan item on a list page (news, notices) that the title filter must skip."""

    source_id: str
    path: str
    title: str
    published_on: date
    content: str = "news_short.txt"


@dataclass(frozen=True)
class PlanDoc:
    """A plan document on the site, with what a reader must find on its page."""

    source_id: str
    path: str
    title: str
    agency: str
    region: str
    plan_year: int
    doc_type: str
    published_on: date
    content: str
    layout: str = ""  # "" = the section's detail layout
    charset: str = "header"  # GBK pages: header | meta | none (where the charset is declared)
    meta_tags: bool = False
    views: int = 100
    targets: tuple[ExpectedTarget, ...] = ()
    attachments: tuple[AttachmentSpec, ...] = ()
    states: tuple[str, ...] = STATES
    next_change: str = ""
    edit: tuple[str, str] | None = None
    repost_of: str = ""  # path of the original when this page republishes another site's plan

    @property
    def listed(self) -> bool:
        return self.source_id != "fixture-faults"


SECTIONS: tuple[Section, ...] = (
    Section("fixture-gy", "贵阳市卫生健康局 计划规划", "贵阳市卫生健康局", "贵州省/贵阳市",
            "/gywjw/ghjh/list.html", "links", 5, "gy_list.html", "gy_detail.html"),
    Section("fixture-sn", "遂宁市卫生健康委员会 规划计划", "遂宁市卫生健康委员会", "四川省/遂宁市",
            "/snwjw/xxgk/ghjh/index.html", "index_n", 3, "sn_list.html", "sn_detail.html", "gbk"),
    Section("fixture-shx", "射洪市卫生健康局 工作计划", "射洪市卫生健康局", "四川省/遂宁市/射洪市",
            "/shxwjw/gzjh/index.html", "create_page_html", 2, "shx_list.html", "shx_detail.html"),
    Section("fixture-news", "健康资讯网 地方法规", "健康资讯网", "贵州省/贵阳市",
            "/news/dfzc/list.html", "single", 20, "news_list.html", "news_detail.html"),
    Section("fixture-faults", "故障路由 (errors the crawl must survive)", "船山区卫生健康局", "四川省/遂宁市/船山区",
            "/faults/index.html", "single", 20, "faults_list.html", "simple_detail.html"),
)

_T = ExpectedTarget
_GY, _GY_REGION = "贵阳市卫生健康局", "贵州省/贵阳市"
_SN, _SN_REGION = "遂宁市卫生健康委员会", "四川省/遂宁市"
_SHX, _SHX_REGION = "射洪市卫生健康局", "四川省/遂宁市/射洪市"

MANIFEST: tuple[PlanDoc, ...] = (
    # 贵阳: UTF-8, government meta tags, #zoom body, 下一页/尾页 pager.
    PlanDoc("fixture-gy", "/gywjw/ghjh/202203/t20220310_71001.html", "贵阳市卫生健康局2022年卫生健康工作要点",
            _GY, _GY_REGION, 2022, "工作要点", date(2022, 3, 10), "gy_2022.txt", meta_tags=True, views=2310,
            targets=(_T("人均预期寿命", 79.5, "岁"), _T("孕产妇死亡率", 15, "/10万"), _T("居民健康素养水平", 25, "%"))),
    PlanDoc("fixture-gy", "/gywjw/ghjh/202303/t20230315_78012.html", "贵阳市卫生健康局2023年卫生健康工作要点",
            _GY, _GY_REGION, 2023, "工作要点", date(2023, 3, 15), "gy_2023.txt", meta_tags=True, views=1875,
            targets=(_T("人均预期寿命", 80, "岁"), _T("孕产妇死亡率", 13, "/10万"), _T("居民健康素养水平", 27, "%"),
                     _T("电子病历系统应用水平", 4, "级"))),
    PlanDoc("fixture-gy", "/gywjw/ghjh/202403/t20240312_83021.html", "贵阳市卫生健康局2024年卫生健康工作要点",
            _GY, _GY_REGION, 2024, "工作要点", date(2024, 3, 12), "gy_2024.txt", meta_tags=True, views=964,
            targets=(_T("人均预期寿命", 80.2, "岁"), _T("孕产妇死亡率", 12, "/10万"), _T("婴儿死亡率", 4.5, "‰"),
                     _T("县域内就诊率", 85, "%")),
            attachments=(AttachmentSpec("/gywjw/ghjh/202403/P020240312_tasks.docx", "2024年重点任务分解表.docx",
                                        "gy2024_tasks.docx",
                                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                                        "每千人口拥有3岁以下婴幼儿托位数"),),
            next_change="edited", edit=("孕产妇死亡率控制在12/10万以内", "孕产妇死亡率控制在10/10万以内")),
    PlanDoc("fixture-gy", "/gywjw/ghjh/202401/t20240118_82010.html", "贵阳市卫生健康局2023年工作总结",
            _GY, _GY_REGION, 2023, "工作总结", date(2024, 1, 18), "gy_review_2023.txt", meta_tags=True, views=532,
            targets=(_T("人均预期寿命", 80.1, "岁"), _T("居民健康素养水平", 26.3, "%"))),
    PlanDoc("fixture-gy", "/gywjw/ghjh/202306/t20230620_79033.html",
            "贵阳市基层卫生服务能力提升三年行动实施方案（2023—2025年）",
            _GY, _GY_REGION, 2023, "实施方案", date(2023, 6, 20), "gy_plan_jc.txt", meta_tags=False, views=388,
            targets=(_T("基层医疗卫生机构诊疗量占比", 65, "%"), _T("社区医院", 20, "家"))),
    PlanDoc("fixture-gy", "/gywjw/ghjh/202503/t20250310_90011.html", "贵阳市卫生健康局2025年卫生健康工作要点",
            _GY, _GY_REGION, 2025, "工作要点", date(2025, 3, 10), "gy_2025.txt", meta_tags=True, views=12,
            targets=(_T("人均预期寿命", 80.5, "岁"), _T("孕产妇死亡率", 11, "/10万")),
            states=("next",), next_change="new"),
    # 遂宁: GBK, 信息公开 table layout, .TRS_Editor body, index_N.html pager.
    PlanDoc("fixture-sn", "/snwjw/xxgk/ghjh/202203/t20220321_1543.html",
            "遂宁市卫生健康委员会关于印发2022年全市卫生健康工作要点的通知",
            _SN, _SN_REGION, 2022, "工作要点", date(2022, 3, 21), "sn_2022.txt", charset="header", views=4021,
            targets=(_T("孕产妇死亡率", 14, "/10万"), _T("居民健康素养水平", 24, "%"), _T("预约诊疗率", 50, "%"))),
    PlanDoc("fixture-sn", "/snwjw/xxgk/ghjh/202303/t20230317_1688.html",
            "遂宁市卫生健康委员会关于印发2023年全市卫生健康工作要点的通知",
            _SN, _SN_REGION, 2023, "工作要点", date(2023, 3, 17), "sn_2023.txt", charset="meta", views=1203,
            targets=(_T("孕产妇死亡率", 13, "/10万"), _T("床位数", 7.2, "张"), _T("预约诊疗率", 60, "%")),
            next_change="counter"),
    PlanDoc("fixture-sn", "/snwjw/xxgk/ghjh/202403/t20240315_1821.html",
            "遂宁市卫生健康委员会关于印发2024年全市卫生健康工作要点的通知",
            _SN, _SN_REGION, 2024, "工作要点", date(2024, 3, 15), "sn_2024.txt", charset="none", views=876,
            targets=(_T("孕产妇死亡率", 12, "/10万"), _T("床位数", 7.5, "张"), _T("预约诊疗率", 55, "%")),
            attachments=(
                AttachmentSpec("/snwjw/xxgk/ghjh/202403/P020240315_indicators.pdf", "附件1：遂宁市2024年卫生健康主要指标.pdf",
                               "sn2024_indicators.pdf", "application/pdf", "居民健康素养水平"),
                AttachmentSpec("/snwjw/xxgk/ghjh/202403/P020240315_form.pdf", "附件2：指标填报表.pdf",
                               "", "application/pdf"),
            )),
    PlanDoc("fixture-sn", "/snwjw/xxgk/ghjh/202401/t20240125_1790.html", "遂宁市卫生健康委员会2023年工作总结",
            _SN, _SN_REGION, 2023, "工作总结", date(2024, 1, 25), "sn_review_2023.txt", layout="sn_plain.html",
            charset="header", views=655, targets=(_T("居民健康素养水平", 26.8, "%"), _T("床位数", 7.1, "张"))),
    PlanDoc("fixture-sn", "/snwjw/xxgk/ghjh/202208/t20220815_1601.html", "“健康·遂宁”行动实施方案（2022—2025年）",
            _SN, _SN_REGION, 2022, "实施方案", date(2022, 8, 15), "sn_plan_jkxd.txt", charset="header", views=990,
            targets=(_T("人均预期寿命", 78.5, "岁"), _T("吸烟率", 23, "%"))),
    # 射洪 (county): UTF-8, <br> bodies, createPageHTML pager; meta tags on 2024 only.
    PlanDoc("fixture-shx", "/shxwjw/gzjh/202202/t20220225_501.html", "射洪市卫生健康局2022年工作要点",
            _SHX, _SHX_REGION, 2022, "工作要点", date(2022, 2, 25), "shx_2022.txt", views=310,
            targets=(_T("居民健康素养水平", 22, "%"), _T("家庭医生签约服务覆盖率", 45, "%"))),
    PlanDoc("fixture-shx", "/shxwjw/gzjh/202302/t20230228_622.html", "射洪市卫生健康局2023年工作要点",
            _SHX, _SHX_REGION, 2023, "工作要点", date(2023, 2, 28), "shx_2023.txt", views=287,
            targets=(_T("居民健康素养水平", 24, "%"), _T("县域医疗卫生次中心", 2, "个"))),
    PlanDoc("fixture-shx", "/shxwjw/gzjh/202402/t20240227_745.html", "射洪市卫生健康局2024年工作要点",
            _SHX, _SHX_REGION, 2024, "工作要点", date(2024, 2, 27), "shx_2024.txt", meta_tags=True, views=199,
            targets=(_T("居民健康素养水平", 26, "%"), _T("县域医疗卫生次中心", 3, "个")),
            attachments=(AttachmentSpec("/shxwjw/gzjh/202402/P020240227_indicators.xlsx", "2024年重点指标.xlsx",
                                        "shx2024_indicators.xlsx",
                                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                        "家庭医生签约服务覆盖率"),)),
    PlanDoc("fixture-shx", "/shxwjw/gzjh/202312/t20231228_733.html", "射洪市卫生健康局2023年工作回顾",
            _SHX, _SHX_REGION, 2023, "工作总结", date(2023, 12, 28), "shx_review_2023.txt", views=141,
            targets=(_T("居民健康素养水平", 24.6, "%"),)),
    # A news site republishing 贵阳's 2023 plan with its own layout and chrome.
    PlanDoc("fixture-news", "/news/dfzc/2023/0320/detail_20230320_5521.html",
            "贵阳市卫生健康局2023年卫生健康工作要点", _GY, _GY_REGION, 2023, "工作要点", date(2023, 3, 20),
            "gy_2023.txt", views=57, repost_of="/gywjw/ghjh/202303/t20230315_78012.html",
            targets=(_T("人均预期寿命", 80, "岁"),)),
    # Reached only through the redirect chain on the faults list.
    PlanDoc("fixture-faults", "/faults/moved/t20240301_9.html", "船山区卫生健康局2024年工作要点",
            "船山区卫生健康局", "四川省/遂宁市/船山区", 2024, "工作要点", date(2024, 3, 1), "cs_2024.txt", views=3,
            targets=(_T("居民健康素养水平", 27, "%"),)),
)

OTHER_ITEMS: tuple[ListItem, ...] = (
    ListItem("fixture-gy", "/gywjw/ghjh/202402/t20240220_82711.html", "市卫生健康局召开2024年全市卫生健康工作会议",
             date(2024, 2, 20), "news_gy.txt"),
    ListItem("fixture-gy", "/gywjw/ghjh/202404/t20240408_84102.html", "贵阳市2024年第一季度法定传染病疫情概况", date(2024, 4, 8)),
    ListItem("fixture-gy", "/gywjw/ghjh/202311/t20231106_81500.html", "关于公布2023年度医疗机构校验结果的公告", date(2023, 11, 6)),
    ListItem("fixture-gy", "/gywjw/ghjh/202209/t20220914_74020.html", "市卫生健康局赴清镇市开展义诊活动", date(2022, 9, 14)),
    ListItem("fixture-sn", "/snwjw/xxgk/ghjh/202404/t20240402_1840.html", "遂宁市2024年3月法定传染病疫情概况", date(2024, 4, 2)),
    ListItem("fixture-sn", "/snwjw/xxgk/ghjh/202304/t20230403_1702.html", "关于开展“世界卫生日”主题宣传活动的通知", date(2023, 4, 3)),
    ListItem("fixture-sn", "/snwjw/xxgk/ghjh/202210/t20221012_1620.html", "关于2022年度医疗机构不良执业行为记分情况的通报", date(2022, 10, 12)),
    ListItem("fixture-shx", "/shxwjw/gzjh/202403/t20240315_760.html", "射洪市开展2024年“三下乡”义诊活动", date(2024, 3, 15)),
    ListItem("fixture-shx", "/shxwjw/gzjh/202401/t20240110_740.html", "射洪市卫生健康局2023年政府信息公开工作年度报告", date(2024, 1, 10)),
    ListItem("fixture-news", "/news/dfzc/2023/0402/detail_20230402_5610.html", "食品安全抽检信息公告（2023年第5期）", date(2023, 4, 2)),
)


def section(source_id: str) -> Section:
    """The section of a source id (KeyError names the known ones)."""
    for candidate in SECTIONS:
        if candidate.source_id == source_id:
            return candidate
    raise KeyError(f"{source_id!r}; known: {', '.join(s.source_id for s in SECTIONS)}")


def plans_in(state: str = "initial", source_id: str | None = None) -> list[PlanDoc]:
    """The plan documents present in ``state`` (optionally of one source)."""
    return [p for p in MANIFEST if state in p.states and (source_id is None or p.source_id == source_id)]
