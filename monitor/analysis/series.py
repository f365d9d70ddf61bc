"""Plan series: one agency's plan of one kind for one region, year after year.

贵阳市卫生健康工作要点 2021, 2022, 2023 are one series; the differ compares each new
plan with the previous year's. Titles name the same plan differently every year
(关于印发2022年全市卫生健康工作要点的通知, 2023年贵阳市卫生健康工作要点, a news site's
贵阳市卫生健康局|2021年…), so the title is normalised first by the rules in
:data:`TITLE_RULES` (years, 关于印发…的通知 wrappers, 《》, issuing-office prefixes, region
names, 全市/全县), and the series key is region + agency + normalised title + kind of plan.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from sqlmodel import Session, col, select

from monitor.analysis.planmeta import detect_doc_type
from store.models import Document, Series

__all__ = [
    "TITLE_RULES",
    "TitleRule",
    "assign_series",
    "next_in_series",
    "normalise_title",
    "previous_in_series",
    "region_words",
    "series_key",
]


class TitleRule(NamedTuple):
    name: str
    pattern: re.Pattern[str]
    replacement: str
    example: str
    expected: str  # what this rule alone leaves of the example


def _rule(name: str, regex: str, replacement: str, example: str, expected: str) -> TitleRule:
    return TitleRule(name, re.compile(regex), replacement, example, expected)


_CJK = r"[\u4e00-\u9fff]"
_PLACE = rf"{_CJK}{{2,6}}?(?:省|自治区|自治州|地区|新区|市|县|区|州|盟|旗)"
_OFFICE = r"(?:人民政府|政府)?(?:办公厅|办公室)"

# Applied in order to a title.
TITLE_RULES: tuple[TitleRule, ...] = (
    _rule("year span", r"[(（]?(?:19|20)\d{2}\s*[-—–~至到]\s*(?:19|20)?\d{2,4}\s*年?[)）]?", "",
          "健康清溪行动实施方案(2021-2025年)", "健康清溪行动实施方案"),
    _rule("site suffix", r"\s*(?:[-_–—]|\s\|\s)\s*[^-_–—|]{2,20}$", "",
          "2024年全县卫生健康工作要点_清溪县卫生健康局", "2024年全县卫生健康工作要点"),
    _rule("source prefix", r"^[^|｜]{2,30}[|｜]", "", "贵阳市卫生健康局|2021年卫生健康工作要点", "2021年卫生健康工作要点"),
    _rule("notice wrapper", r"^.*?关于(?:印发|转发|下发)?(.+?)的通知$", r"\1",
          "清溪县卫生健康局关于印发2024年全县卫生健康工作要点的通知", "2024年全县卫生健康工作要点"),
    _rule("issue wrapper", r"^.*?(?:印发|转发|下发)(?:关于)?(.+?)的通知$", r"\1",
          "市人民政府办公厅印发关于进一步完善医疗卫生服务体系实施方案的通知", "进一步完善医疗卫生服务体系实施方案"),
    _rule("book marks", r"[《》〈〉]", "", "《2022年全市卫生健康工作要点》", "2022年全市卫生健康工作要点"),
    _rule("year", r"(?:19|20)\d{2}\s*年度?", "", "2022 年全市卫生健康工作要点", "全市卫生健康工作要点"),
    _rule("office prefix", rf"^(?:{_PLACE})?{_OFFICE}", "", "贵阳市人民政府办公厅卫生健康工作要点", "卫生健康工作要点"),
    _rule("whole area", r"(?:全|我|本)[省市县区州镇乡]", "", "全市卫生健康工作要点", "卫生健康工作要点"),
    _rule("leading words", r"^(?:关于)?(?:进一步|加快|深入)?", "", "关于进一步完善医疗卫生服务体系实施方案", "完善医疗卫生服务体系实施方案"),
    _rule("punctuation", r"[\s、,，.。·:：;；\"“”'‘’()（）\[\]【】]+", "", "贵阳市、贵安新区 卫生健康工作要点", "贵阳市贵安新区卫生健康工作要点"),
)
_PLACE_RUN = re.compile(rf"^(?:{_PLACE})+")


def region_words(*names: str) -> list[str]:
    """Place names to strip: each part of 贵州省/贵阳市 and of an agency's leading place, with and without its suffix."""
    words: set[str] = set()
    for name in names:
        for part in re.split(r"[/／,，、\s]+", name):
            place = _PLACE_RUN.match(part)
            if place is None:
                continue
            for piece in re.findall(_PLACE, place.group()):
                words.add(piece)
                core = re.sub(r"(?:省|自治区|自治州|地区|新区|市|县|区|州|盟|旗)$", "", piece)
                if len(core) >= 2:
                    words.add(core)
    return sorted(words, key=lambda word: (-len(word), word))


def normalise_title(title: str, *, region: str = "", agency: str = "") -> str:
    """The part of a plan's title that stays the same from year to year."""
    text = title.strip()
    for rule in TITLE_RULES:
        text = rule.pattern.sub(rule.replacement, text)
    words = region_words(region, agency)
    for word in words:  # the region and places listed with it (贵阳市、贵安新区 → both go)
        text = re.sub(re.escape(word) + rf"(?:{_PLACE})*", "", text)
    if not words:  # no known region: drop a leading place name (a county's own plan keeps its name otherwise)
        text = _PLACE_RUN.sub("", text)
    agency_core = _PLACE_RUN.sub("", agency)
    if agency_core and text.startswith(agency_core) and len(text) > len(agency_core):
        text = text[len(agency_core):]
    return text


def series_key(*, title: str, region: str, agency: str, doc_type: str) -> str:
    """region | agency | normalised title | kind of plan: equal for one plan over the years."""
    kind = doc_type or detect_doc_type(title)
    return "|".join([region.strip(), agency.strip(), normalise_title(title, region=region, agency=agency), kind])


def assign_series(session: Session, document: Document) -> Series | None:
    """Set ``document.series_id``, creating the Series row on first sight (None without a title)."""
    normalised = normalise_title(document.title, region=document.region, agency=document.agency)
    if not normalised:
        return None
    key = series_key(title=document.title, region=document.region, agency=document.agency, doc_type=document.doc_type)
    series = session.exec(select(Series).where(Series.key == key)).first()
    if series is None:
        series = Series(key=key, title=normalised, region=document.region, agency=document.agency,
                        doc_type=document.doc_type or detect_doc_type(document.title))
        session.add(series)
        session.flush()
    document.series_id = series.id
    session.add(document)
    return series


def _neighbour(session: Session, document: Document, *, later: bool) -> Document | None:
    if document.series_id is None or document.plan_year is None:
        return None
    year = col(Document.plan_year)
    statement = (
        select(Document)
        .where(Document.series_id == document.series_id, col(Document.id) != document.id)
        .where(year > document.plan_year if later else year < document.plan_year)
        .where(col(Document.canonical_id).is_(None))
        .order_by(year if later else year.desc(), col(Document.id).desc())
    )
    return session.exec(statement).first()


def previous_in_series(session: Session, document: Document) -> Document | None:
    """The same series' plan for the latest earlier year (reposts left out), if any."""
    return _neighbour(session, document, later=False)


def next_in_series(session: Session, document: Document) -> Document | None:
    """The same series' plan for the earliest later year (a crawl may meet years out of order)."""
    return _neighbour(session, document, later=True)
