"""The benchmark's workload: a deterministic government site of realistic plan pages.

``BenchSite(pages, seed=1)`` holds ``pages`` plan pages behind ``ceil(pages / 20)`` list
pages, spread over three columns (栏目), one per pager style the crawler supports
(:data:`COLUMNS`): ``links`` (下一页 / 尾页, ``list.html?page=N``), ``index_n``
(numbered ``index_N.html`` links and 共N页) and ``create_page_html`` (the TRS script).
Every list page shows 20 plans; list page ``L`` belongs to column ``L % 3``.

A plan page is 15–40 KB of UTF-8 HTML: the 贵阳-style page chrome of the fixture site
(navigation, hot searches, breadcrumbs, 浏览次数, share bar, related links, footer) around a
plan whose paragraphs are drawn with a seeded RNG from sentence templates written after
real 工作要点 (:data:`TARGET_SENTENCES`, :data:`TASK_SENTENCES`): 一、主要目标 with
targets, (一)… tasks with 牵头单位, a 主要指标 table, 保障措施. The same
``(pages, seed)`` always gives the same bytes.

The knob: :meth:`BenchSite.edit` picks ``fraction`` of the plans (the same ones for the
same ``round``) and changes one target value in each (达到85% → 达到86%), with a later
Last-Modified; list pages do not change. Pages are rendered once, up front or on first
request, and served with ETag / Last-Modified / 304 by :class:`BenchServer` (the
fixture site's server with this site mounted under ``/bench/``).

Run it in a process of its own so its CPU does not count against the crawler::

    python -m crawler.fixture_site.benchsite --pages 1000 --port 0

prints ``ready http://127.0.0.1:PORT`` once every page is rendered, then reads commands
on stdin, one per line: ``edit FRACTION ROUND`` (answers ``edited N``), ``reset``,
``quit``.
"""

from __future__ import annotations

import argparse
import functools
import random
import re
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources

from crawler.fixture_site.pages import PACKAGE, Block, Resource, render
from crawler.fixture_site.server import FixtureSite
from store.sources_config import SourceConfig

__all__ = [
    "COLUMNS",
    "PER_PAGE",
    "PREFIX",
    "TABLE_ROWS",
    "TARGET_SENTENCES",
    "TASK_SENTENCES",
    "BenchServer",
    "BenchSite",
    "Column",
    "bench_sources",
    "main",
]

PREFIX = "/bench/"
PER_PAGE = 20
SITE_NAME = "黔中市卫生健康局"
REGION = "贵州省/黔中市"
_LIST_MODIFIED = datetime(2024, 4, 10, tzinfo=UTC)
_SIZE_RANGE = (15_000, 40_000)  # bytes of HTML per plan page
_BLOCK_MARKUP = 36  # bytes of <p style="text-indent:2em">…</p> around a paragraph


@dataclass(frozen=True)
class Column:
    """One column of the bench site: its slug, name, pager style and list template."""

    slug: str
    name: str
    pager: str
    template: str
    kind: str  # the kind of plan in its titles (the source's title filter must match)

    def list_path(self, number: int) -> str:
        """Path of this column's list page ``number`` (0-based) in its pager's URL style."""
        base = f"{PREFIX}{self.slug}/"
        if self.pager == "links":
            return f"{base}list.html" if number == 0 else f"{base}list.html?page={number + 1}"
        return f"{base}index.html" if number == 0 else f"{base}index_{number}.html"


COLUMNS: tuple[Column, ...] = (
    Column("gzyd", "工作要点", "links", "bench_list_links.html", "工作要点"),
    Column("ghjh", "规划计划", "index_n", "bench_list_index.html", "实施方案"),
    Column("gzjh", "工作计划", "create_page_html", "bench_list_script.html", "工作计划"),
)

_COUNTIES = ("南明区", "云岩区", "花溪区", "乌当区", "白云区", "观山湖区", "清镇市", "修文县", "息烽县", "开阳县",
             "钟山区", "水城区", "盘州市", "六枝特区", "红花岗区", "汇川区", "播州区", "桐梓县", "绥阳县", "正安县")

# (indicator phrase with {v}, value low, value high, decimals): targets as real plans state them.
TARGET_SENTENCES: tuple[tuple[str, float, float, int], ...] = (
    ("全区人均预期寿命达到{v}岁", 78.0, 81.5, 1),
    ("孕产妇死亡率控制在{v}/10万以内", 8.0, 15.0, 1),
    ("婴儿死亡率控制在{v}‰以内", 3.0, 6.0, 1),
    ("5岁以下儿童死亡率控制在{v}‰以内", 4.0, 8.0, 1),
    ("居民健康素养水平达到{v}%", 22.0, 35.0, 0),
    ("每千人口执业（助理）医师数达到{v}人", 2.8, 4.2, 1),
    ("每万常住人口全科医生数不低于{v}人", 3.0, 5.0, 0),
    ("儿童免疫规划疫苗接种率保持在{v}%以上", 90.0, 98.0, 0),
    ("法定传染病报告率达到{v}%以上", 95.0, 99.0, 0),
    ("县域内就诊率达到{v}%", 80.0, 92.0, 0),
    ("家庭医生签约服务覆盖率达到{v}%以上", 40.0, 75.0, 0),
    ("孕产妇系统管理率达到{v}%", 85.0, 95.0, 0),
    ("每千人口拥有3岁以下婴幼儿托位数达到{v}个", 3.0, 5.0, 1),
    ("每千人口医疗卫生机构床位数达到{v}张", 6.0, 8.5, 2),
    ("高血压患者基层规范管理服务率达到{v}%", 55.0, 70.0, 0),
    ("2型糖尿病患者基层规范管理服务率达到{v}%", 55.0, 70.0, 0),
    ("65岁及以上老年人城乡社区规范健康管理服务率达到{v}%", 60.0, 75.0, 0),
    ("二级以上公立医院电子病历应用水平平均级别达到{v}级", 3.0, 5.0, 0),
    ("严重精神障碍患者规范管理率达到{v}%", 85.0, 95.0, 0),
    ("适龄儿童窝沟封闭率达到{v}%", 20.0, 40.0, 0),
    ("新增{v}个省级临床重点专科", 2.0, 8.0, 0),
    ("新建{v}个标准化村卫生室", 10.0, 60.0, 0),
    ("培训基层卫生人员{v}人次", 300.0, 2000.0, 0),
    ("国家卫生乡镇创建比例达到{v}%", 40.0, 80.0, 0),
)

# (indicator, unit, low, high, decimals): rows of a 主要指标 table.
TABLE_ROWS: tuple[tuple[str, str, float, float, int], ...] = (
    ("人均预期寿命", "岁", 78.0, 81.5, 1),
    ("孕产妇死亡率", "1/10万", 8.0, 15.0, 1),
    ("婴儿死亡率", "‰", 3.0, 6.0, 1),
    ("居民健康素养水平", "%", 22.0, 35.0, 0),
    ("每千人口执业（助理）医师数", "人", 2.8, 4.2, 1),
    ("每千人口医疗卫生机构床位数", "张", 6.0, 8.5, 2),
    ("家庭医生签约服务覆盖率", "%", 40.0, 75.0, 0),
    ("儿童免疫规划疫苗接种率", "%", 90.0, 98.0, 0),
    ("严重精神障碍患者规范管理率", "%", 85.0, 95.0, 0),
    ("每千人口拥有3岁以下婴幼儿托位数", "个", 3.0, 5.0, 1),
)

# Task sentences without numbers: what fills most of a real 工作要点.
TASK_SENTENCES: tuple[str, ...] = (
    "坚持以人民健康为中心，深化医药卫生体制改革，加快建设健康{county}",
    "推进疾控机构标准化建设，健全公共卫生应急管理体系",
    "推进紧密型城市医疗集团建设，推动优质医疗资源扩容下沉和区域均衡布局",
    "深化紧密型县域医共体建设，完善医共体内部人员、财务、药品统一管理",
    "落实母婴安全五项制度，加强危重孕产妇和新生儿救治中心建设",
    "持续开展爱国卫生运动，巩固国家卫生城市创建成果",
    "加强基层医疗卫生机构能力建设，推进乡镇卫生院服务能力达标",
    "完善家庭医生签约服务激励机制，做实做细重点人群签约服务",
    "推进中医药传承创新发展，加强基层中医馆建设",
    "加强卫生健康人才队伍建设，落实基层卫生人才招聘和培养政策",
    "推进全民健康信息平台建设，实现医疗机构检查检验结果互认",
    "强化医疗质量安全管理，开展医疗乱象专项整治行动",
    "健全老年健康服务体系，推进医养结合机构规范发展",
    "落实艾滋病、结核病等重大传染病防控措施，做好常态化疫情防控",
    "加强职业健康保护，开展尘肺病防治攻坚行动",
    "发展普惠托育服务，支持社会力量举办托育机构",
    "深化公立医院综合改革，推动公立医院高质量发展",
    "加强卫生健康行业作风建设，持续纠治群众身边不正之风和腐败问题",
    "健全分级诊疗制度，推动医疗联合体网格化布局",
    "完善基本公共卫生服务项目绩效评价机制，提高资金使用效益",
    "加强院前急救体系建设，优化急救站点布局",
    "推进胸痛、卒中、创伤、危重孕产妇、危重新生儿救治中心建设",
    "开展健康乡村建设，提升村卫生室标准化水平",
    "推进公立医院薪酬制度改革，建立主要体现岗位职责和知识价值的薪酬体系",
    "加强药品耗材集中带量采购结果落地使用",
    "深入推进医保支付方式改革，推动按病种付费全覆盖",
    "实施健康知识普及行动，办好健康教育讲座和义诊活动",
    "加强精神卫生和心理健康服务，完善社会心理服务网络",
    "推进安宁疗护试点，扩大老年护理服务供给",
    "加强出生缺陷综合防治，落实免费孕前优生健康检查",
    "推进儿童青少年近视防控，开展校园健康行动",
    "强化食品安全风险监测，做好食源性疾病报告工作",
    "加强饮用水卫生监测，开展公共场所卫生专项检查",
    "推进医疗废物规范化处置，落实医疗机构感染防控措施",
    "完善突发公共卫生事件监测预警机制，提升早期发现能力",
    "加强卫生应急队伍和物资储备建设，开展应急演练",
    "推进中医适宜技术在基层推广应用，建设中医药特色专科",
    "推动互联网医院建设，发展远程医疗和预约诊疗服务",
    "推进电子健康卡和电子健康档案普及应用",
    "落实医疗机构依法执业自查制度，加强卫生监督执法",
    "加强医德医风建设，开展改善就医感受提升患者体验主题活动",
    "推进临床专科能力建设，提升县级医院综合服务能力",
    "完善乡村医生队伍建设政策，落实乡村医生待遇保障",
    "推进计划生育特殊家庭扶助关怀工作，落实各项帮扶措施",
    "实施积极应对人口老龄化战略，推进老年友善医疗机构建设",
    "加快托育服务体系建设，推进医育结合发展",
    "加强职业病危害因素监测，推进职业健康企业创建",
    "推进无烟党政机关和无烟医疗卫生机构建设",
    "开展慢性病综合防控示范区建设，推进高血压糖尿病医防融合",
    "落实结核病患者发现、治疗和管理措施",
    "加强疫苗流通和预防接种管理，规范接种门诊建设",
    "推进卫生健康统计调查制度落实，提高数据质量",
    "做好卫生健康领域安全生产和消防安全工作",
    "加强基层党组织建设，推动党建和业务深度融合",
    "推进公立医院党委领导下的院长负责制落地见效",
    "开展医疗服务价格动态调整，理顺比价关系",
    "推进检查检验结果互认共享，减轻群众就医负担",
    "完善医疗纠纷预防和处理机制，维护医患双方合法权益",
)
# Township names (head + tail + 镇): every task sentence names the place it is about, as
# county plans do, so two plans share wording without being near-copies of each other.
_TOWN_HEADS = "石桥新场龙岗青山白沙黄泥马场水口高坡麦架朱昌百宜羊场清河洛湾红枫金沙花竹茶园"
_SUBPOOL = 45  # sentences each plan draws its tasks from (pairwise Jaccard of two plans ≈ 0.2)


@functools.cache
def task_pool() -> tuple[str, ...]:
    """Task sentences: :data:`TASK_SENTENCES` and the number-free prose of the fixture plans."""
    found = list(TASK_SENTENCES)
    for entry in resources.files(PACKAGE).joinpath("content").iterdir():
        if not entry.name.endswith(".txt"):
            continue
        for line in entry.read_text(encoding="utf-8").splitlines():
            if line.startswith("|") or _NUMBERED.match(line):
                continue
            found += [part.strip() for part in line.split("。") if _prose(part.strip())]
    return tuple(dict.fromkeys(found))


def _prose(part: str) -> bool:
    """A sentence of plan prose: not a heading, a title, a contact line or a fragment."""
    return (10 <= len(part) <= 120 and not part.startswith(("（", "(")) and not _DIGIT.search(part)
            and not any(word in part for word in ("联系人", "电话", "附件", "如下", "会议", "："))
            and not part.endswith(("要点", "方案", "计划", "总结", "回顾")))


_DIGIT = re.compile(r"[0-9０-９%％‰]")  # targets come from TARGET_SENTENCES, at a realistic density
_NUMBERED = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|主要指标|附件)")
_LEADS = ("医政医管科", "基层卫生科", "疾控科", "妇幼健康科", "人口家庭科", "中医药科", "规划信息科", "体改科")
_TASK_HEADS = ("完善疾病预防控制体系", "推动优质医疗资源扩容", "提升基层服务能力", "加强妇幼健康服务",
               "发展普惠托育服务", "促进中医药传承创新", "推进智慧医疗建设", "提升医疗服务质量",
               "加强人才队伍建设", "深化医药卫生体制改革")
_CN_NUMBERS = "一二三四五六七八九十"


@dataclass(frozen=True)
class _Plan:
    number: int
    title: str
    agency: str
    year: int
    published_on: date

    @property
    def path(self) -> str:
        column = COLUMNS[(self.number // PER_PAGE) % len(COLUMNS)]
        day = self.published_on
        return f"{PREFIX}{column.slug}/{day:%Y%m}/t{day:%Y%m%d}_{self.number}.html"


def _chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 35 → 三十五 (1-99): how plans number their sections."""
    tens, ones = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_NUMBERS[tens - 1] + "十")
    return head + (_CN_NUMBERS[ones - 1] if ones else "")


class _Writer:
    """Draws one plan's blocks from the sentence tables with a seeded RNG."""

    def __init__(self, plan: _Plan, seed: int, bump: int) -> None:
        self.rng = random.Random(seed * 1_000_003 + plan.number)
        self.plan = plan
        self.bump = bump  # added to the first target's value: the edit knob
        self.county = plan.agency.removesuffix("卫生健康局")
        self.pool = self.rng.sample(task_pool(), min(_SUBPOOL, len(task_pool())))

    def target(self) -> str:
        phrase, low, high, decimals = self.rng.choice(TARGET_SENTENCES)
        value = round(self.rng.uniform(low, high), decimals)
        if self.bump:
            value, self.bump = round(value + self.bump, decimals), 0
        shown = f"{value:.{decimals}f}" if decimals else str(int(value))
        return phrase.replace("{v}", shown)

    def task(self) -> str:
        town = self.rng.choice(_TOWN_HEADS[::2]) + self.rng.choice(_TOWN_HEADS[1::2])
        place = f"{town}{self.rng.choice(('镇', '乡', '街道'))}"
        return place + self.rng.choice(self.pool).replace("{county}", self.county)

    def opening(self) -> list[Block]:
        year = self.plan.year
        return [
            Block("p", text=f"{year}年，全区卫生健康工作的总体要求是：{self.task()}，{self.task()}。"),
            Block("p", text="一、主要目标"),
            Block("p", text=f"到{year}年底，{self.target()}，{self.target()}，{self.target()}。"),
            Block("p", text=f"{self.target()}，{self.target()}，{self.target()}。"),
            Block("p", text="二、重点任务"),
        ]

    def task_section(self, index: int) -> list[Block]:
        head = _TASK_HEADS[index % len(_TASK_HEADS)]
        number = _chinese_number(index + 1)
        sentences = [self.task() if self.rng.random() < 0.9 else self.target() for _ in range(self.rng.randint(3, 6))]
        lead = self.rng.choice(_LEADS)
        text = f"（{number}）{head}。" + "。".join(sentences) + f"。（牵头单位：{lead}；责任单位：各乡镇（街道）卫生院）"
        return [Block("p", text=text)]

    def closing(self) -> list[Block]:
        year = self.plan.year
        rows = [["指标", "单位", f"{year}年目标"]]
        for name, unit, low, high, decimals in self.rng.sample(TABLE_ROWS, 6):
            rows.append([name, unit, f"{round(self.rng.uniform(low, high), decimals):g}"])
        return [
            Block("p", text="主要指标"),
            Block("table", rows=rows),
            Block("p", text="三、保障措施"),
            Block("p", text=f"各乡镇（街道）卫生院要对照本要点和任务分解表，细化任务清单，{self.task()}，确保各项工作落到实处。"),
        ]


class BenchSite:
    """``pages`` plan pages in three columns; see the module doc."""

    def __init__(self, pages: int, *, seed: int = 1, page_bytes: tuple[int, int] = _SIZE_RANGE) -> None:
        if pages < 1:
            raise ValueError("the bench site needs at least one plan page")
        self.pages = pages
        self.seed = seed
        self.page_bytes = page_bytes
        self.list_pages = -(-pages // PER_PAGE)
        self._plans = [self._plan(n) for n in range(pages)]
        self._by_path = {plan.path: plan for plan in self._plans}
        self._edited: dict[int, int] = {}  # plan number → edit round
        self._cache: dict[str, Resource] = {}
        self._lock = threading.Lock()

    # --- shape -----------------------------------------------------------------------

    def _plan(self, number: int) -> _Plan:
        county = _COUNTIES[number % len(_COUNTIES)]
        year = 2019 + (number // len(_COUNTIES)) % 7
        column = COLUMNS[(number // PER_PAGE) % len(COLUMNS)]
        published = date(year, 1, 5) + timedelta(days=(number * 7) % 80)
        title = f"{county}卫生健康局{year}年卫生健康{column.kind}（第{number}号）"
        return _Plan(number, title, f"{county}卫生健康局", year, published)

    def column_list_pages(self, column: Column) -> list[int]:
        """The site-wide numbers of the list pages that belong to ``column``."""
        return [n for n in range(self.list_pages) if COLUMNS[n % len(COLUMNS)] == column]

    def list_paths(self) -> list[str]:
        """Every list page's path, column by column."""
        return [column.list_path(i) for column in COLUMNS for i in range(len(self.column_list_pages(column)))]

    def plan_paths(self) -> list[str]:
        """Every plan page's path, in plan-number order."""
        return [plan.path for plan in self._plans]

    # --- the knob --------------------------------------------------------------------

    def edit(self, fraction: float, round_: int = 1) -> list[str]:
        """Change one target value in ``fraction`` of the plans (the same ones for a round)."""
        count = round(self.pages * min(max(fraction, 0.0), 1.0))
        chosen = random.Random(self.seed * 7919 + round_).sample(range(self.pages), count)
        with self._lock:
            for number in chosen:
                self._edited[number] = round_
                self._cache.pop(self._plans[number].path, None)
        return [self._plans[n].path for n in sorted(chosen)]

    def reset(self) -> None:
        """Every plan back to its first text."""
        with self._lock:
            for number in self._edited:
                self._cache.pop(self._plans[number].path, None)
            self._edited.clear()

    # --- rendering -------------------------------------------------------------------

    def _render_plan(self, plan: _Plan) -> Resource:
        edit_round = self._edited.get(plan.number, 0)
        writer = _Writer(plan, self.seed, edit_round)
        wanted = random.Random(self.seed * 31 + plan.number).randint(*self.page_bytes)
        blocks, tail = writer.opening(), writer.closing()
        size = len(self._plan_page(plan, [*blocks, *tail]))
        while size < wanted and len(blocks) < 99:
            section = writer.task_section(len(blocks) - 5)
            size += sum(len(block.text.encode("utf-8")) + _BLOCK_MARKUP for block in section)
            blocks += section
        page = self._plan_page(plan, [*blocks, *tail])
        modified = datetime.combine(plan.published_on, datetime.min.time(), tzinfo=UTC)
        return Resource(page, modified=modified + timedelta(days=edit_round))

    def _plan_page(self, plan: _Plan, blocks: list[Block]) -> bytes:
        column = COLUMNS[(plan.number // PER_PAGE) % len(COLUMNS)]
        related = [(p.path, p.title) for p in self._plans[plan.number + 1 : plan.number + 4]]
        return render(
            "gy_detail.html", title=plan.title, site_name=SITE_NAME, meta_tags=plan.number % 2 == 0,
            column=column.name, published_on=plan.published_on.isoformat(), agency=plan.agency,
            views=100 + plan.number % 900, blocks=blocks, attachments=[], related=related,
        ).encode("utf-8")

    def _render_list(self, column: Column, index: int) -> Resource | None:
        numbers = self.column_list_pages(column)
        if index >= len(numbers):
            return None
        site_page = numbers[index]
        plans = self._plans[site_page * PER_PAGE : (site_page + 1) * PER_PAGE]
        items = [(p.path, p.title, p.published_on.isoformat()) for p in plans]
        text = render(column.template, column=column.name, site_name=SITE_NAME, items=items, page=index + 1,
                      pages=len(numbers), page_url=lambda n: column.list_path(n - 1), total=len(numbers) * PER_PAGE)
        return Resource(text.encode("utf-8"), modified=_LIST_MODIFIED)

    def _render(self, path: str) -> Resource | None:
        plan = self._by_path.get(path)
        if plan is not None:
            return self._render_plan(plan)
        for column in COLUMNS:
            for index in range(len(self.column_list_pages(column))):
                if column.list_path(index) == path:
                    return self._render_list(column, index)
        return None

    def get(self, path: str) -> Resource | None:
        """The page at ``path`` (with query), rendered once; None when the site has none."""
        if not path.startswith(PREFIX):
            return None
        with self._lock:
            cached = self._cache.get(path)
        if cached is None:
            cached = self._render(path)
            if cached is not None:
                with self._lock:
                    self._cache[path] = cached
        return cached

    def render_all(self) -> int:
        """Render every page now (the server answers from memory afterwards); returns bytes held."""
        return sum(len(resource.body) for path in [*self.list_paths(), *self.plan_paths()]
                   if (resource := self.get(path)) is not None)


class BenchServer(FixtureSite):
    """The fixture site's server (ETag, Last-Modified, 304, robots.txt) with a bench site mounted."""

    def __init__(self, site: BenchSite) -> None:
        super().__init__()
        self.bench = site

    def resource(self, path: str) -> Resource | None:
        return self.bench.get(path) or super().resource(path)


def bench_sources(base_url: str, site: BenchSite) -> list[SourceConfig]:
    """One source per column of ``site`` served at ``base_url`` (columns with no list page left out)."""
    base = base_url.rstrip("/")
    return [
        SourceConfig(
            id=f"bench-{column.slug}", name=f"{SITE_NAME} {column.name}", agency=SITE_NAME, region=REGION,
            start_urls=[base + column.list_path(0)], max_pages=max(1, len(site.column_list_pages(column))),
            notes=f"bench site, {column.pager} pager",
        )
        for column in COLUMNS
        if site.column_list_pages(column)
    ]


def _commands(site: BenchSite) -> None:
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            return
        if words[0] == "reset":
            site.reset()
            site.render_all()
            print("reset", flush=True)
        elif words[0] == "edit" and len(words) == 3:
            changed = site.edit(float(words[1]), int(words[2]))
            site.render_all()
            print(f"edited {len(changed)}", flush=True)
        else:
            print(f"error: unknown command {line.strip()!r}; use edit FRACTION ROUND, reset or quit", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Serve a bench site on 127.0.0.1 until stdin closes or says ``quit``."""
    parser = argparse.ArgumentParser(prog="python -m crawler.fixture_site.benchsite", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000, help="plan pages (list pages: one per 20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    args = parser.parse_args(argv)
    site = BenchSite(args.pages, seed=args.seed)
    held = site.render_all()
    server = BenchServer(site)
    base = server.start(args.port)
    print(f"ready {base} {held}", flush=True)
    try:
        _commands(site)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
