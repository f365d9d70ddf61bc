"""The rule tables of target extraction, as data: units, comparator cues, deadline
phrases, target/actual cues, traps (numbers that are not quantities) and the words
stripped from an indicator.

Every row is tested (tests/test_cues.py). The extractor reads only these tables; to
teach it a new cue, add a row here, never an ``if`` in the code.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from store.kinds import Comparator

__all__ = [
    "BRACKET_VALUE",
    "BRACKET_YEAR",
    "CHANGE_BASELINE",
    "CHANGE_TO",
    "CHANGE_UNITS",
    "CMP_RULES",
    "CN_DIGITS",
    "CN_PREDICATES",
    "CN_UNITS",
    "CN_VERBS",
    "CUE_LOOKALIKES",
    "DEADLINE_RULES",
    "FILLER_PREFIXES",
    "FILLER_SUFFIXES",
    "FREQUENCY",
    "FREQUENCY_UNITS",
    "FUTURE_CUES",
    "INDICATOR_ENDINGS",
    "INFERRED_UNITS",
    "PAST_CUES",
    "PAST_OPENERS",
    "PLAN_HEADINGS",
    "POST_CUES",
    "PRE_CUES",
    "RATE_UNITS",
    "RELATIVE_YEARS",
    "REPORTED_CHANGE",
    "RESPONSIBLE_LABELS",
    "REVIEW_HEADINGS",
    "SHARED_HEADS",
    "SHORTFALL_CUES",
    "SHORTFALL_STATE",
    "STARTING_LEVEL",
    "STRONG_UNITS",
    "SUBJECT_NOUNS",
    "TRAPS",
    "UNIT_ALIASES",
    "WEAK_UNITS",
    "YEAR_LIST",
    "CmpRule",
    "DeadlineRule",
    "Trap",
    "alternation",
]


def alternation(words: tuple[str, ...] | list[str]) -> str:
    """A regex alternation of literal words, longest first (so 提高到 wins over 提高)."""
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


# ---------------------------------------------------------------- units
# Counted units: a number followed by one of these is a quantity wherever it stands.
STRONG_UNITS: tuple[str, ...] = (
    "%", "‰", "/10万", "/万", "/千", "百分点", "千分点", "万元", "亿元", "元", "岁", "张", "个", "家", "所",
    "人次", "人", "名", "位", "项", "次", "篇", "例", "期", "支", "台", "辆", "场", "户", "份",
    "床", "处", "平方米", "公里", "批", "对", "套", "座", "本", "组", "间", "条", "件", "册",
    "株", "剂", "剂次", "人份", "场次", "批次", "户次", "台次", "班次", "管", "瓶", "吨", "亩", "平方公里", "千米", "米", "倍", "级", "种", "类", "枚",
    "门", "床位", "分", "克",
)
# Units of time: in plans they mostly describe how to operate (24小时值班, 30天满负荷,
# 48小时内报告); they are quantities only after a level cue (控制在9天以内, 缩短到12分钟).
WEAK_UNITS: tuple[str, ...] = ("小时", "分钟", "秒", "天", "日", "周", "个月", "年")

# Written forms that mean the same unit: (as written, unit reported).
UNIT_ALIASES: tuple[tuple[str, str], ...] = (
    ("个百分点", "百分点"),
    ("个千分点", "千分点"),
    ("分/10万", "/10万"),
    ("/10万人", "/10万"),
    ("/十万", "/10万"),
    ("/100000", "/10万"),
    ("/万人", "/万"),
    ("/千人", "/千"),
    ("％", "%"),
    ("周岁", "岁"),
    ("张床位", "张"),
)

# The counted noun decides the unit when the text leaves it out (为1.82万35-64岁农村妇女…).
INFERRED_UNITS: tuple[tuple[str, str], ...] = (
    (r"^[^，,；;。]{0,12}?(?:妇女|儿童|老年人|老人|居民|患者|学生|人员|医生|孕妇|新生儿|人群|群众|人口|村医|护士|员工|职工|劳动者)", "人"),
    (r"^[^，,；;。]{0,12}?(?:医院|机构|中心|卫生院|卫生室|企业|单位|学校)", "个"),
)

# The national unit of a rate when the text leaves it out (孕产妇死亡率为零).
RATE_UNITS: tuple[tuple[str, str], ...] = (
    (r"孕产妇死亡率$", "/10万"),
    (r"(?:婴儿|儿童|新生儿|围产儿)死亡率$", "‰"),
    (r"(?:率|比例|占比|比重)$", "%"),
)

# Chinese numerals are slogans far more often than amounts (四个意识, 三医联动, 五个不变):
# a Chinese numeral is a quantity only with one of these units and, right before it,
# a comparator cue or one of these verbs of delivering (举办两期, 建成三所).
CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
CN_UNITS: tuple[str, ...] = ("个", "家", "所", "名", "人", "人次", "项", "期", "次", "张", "例", "场", "批", "支",
                             "台", "辆", "座", "套", "篇", "户", "处", "条", "本", "组", "床", "%", "‰", "/10万", "/万")
CN_VERBS: tuple[str, ...] = (
    "建成", "建设", "新建", "创建", "创成", "争创", "打造", "培育", "组建", "设立", "设置", "新增", "增加", "建立",
    "举办", "开展", "组织", "召开", "培训", "招聘", "引进", "招录", "选派", "派出", "完成", "扶持", "支持",
    "评选", "认定", "遴选", "命名", "达到", "至少", "不少于", "不低于", "超过", "每年", "年均", "全年",
)
# 每季度开展一次, 每年组织一场: one (一) of these units after a frequency word is an item
# (a frequency of an activity); 一次性, 一个潜伏期 without it are words.
FREQUENCY = re.compile(r"每\s*(?:年|半年|季度?|月|周|旬|两年|学期)(?:度)?[\u4e00-\u9fff]{0,4}$")
FREQUENCY_UNITS: tuple[str, ...] = ("次", "场", "期")
# A Chinese-numeral count followed by one of these (三处达到推荐标准) reports an amount.
CN_PREDICATES = re.compile(r"^\s*(?:达到|通过|完成|实现|建成|纳入|获得|获评|入选|创建|成功|被|列入|新增)")

# ---------------------------------------------------------------- comparators
# Pre-cues: words right before a number. Tags are read by CMP_RULES.
PRE_CUES: tuple[tuple[str, str], ...] = (
    # level reached (达到X → >=)
    ("达到", "ge"), ("达", "ge"), ("至少", "ge"), ("不低于", "ge"), ("不少于", "ge"), ("提高到", "ge"),
    ("提高至", "ge"), ("提升到", "ge"), ("提升至", "ge"), ("增加到", "ge"), ("增加至", "ge"), ("增至", "ge"),
    ("增长到", "ge"), ("增长至", "ge"), ("上升到", "ge"), ("上升至", "ge"), ("扩大到", "ge"), ("扩大至", "ge"),
    ("延长到", "ge"), ("延长至", "ge"), ("保持在", "ge"), ("稳定在", "ge"), ("维持在", "ge"), ("不小于", "ge"),
    ("≥", "ge"), ("≧", "ge"), ("大于等于", "ge"), ("力争达到", "ge"), ("达成", "ge"),
    # more than
    ("超过", "gt"), ("多于", "gt"), ("大于", "gt"), ("高于", "gt"), (">", "gt"), ("＞", "gt"),
    # at most (a level)
    ("控制在", "le"), ("控制到", "le"), ("不超过", "le"), ("不高于", "le"), ("不大于", "le"), ("降至", "le"),
    ("降到", "le"), ("降低到", "le"), ("降低至", "le"), ("下降到", "le"), ("下降至", "le"), ("减少到", "le"),
    ("减少至", "le"), ("减至", "le"), ("缩短到", "le"), ("缩短至", "le"), ("压缩到", "le"), ("压缩至", "le"),
    ("≤", "le"), ("≦", "le"), ("小于等于", "le"),
    ("突破", "gt"),
    # less than
    ("低于", "lt"), ("小于", "lt"), ("<", "lt"), ("＜", "lt"), ("不足", "lt"), ("不到", "lt"), ("少于", "lt"),
    # about
    ("约", "approx"), ("约有", "approx"), ("大约", "approx"), ("近", "approx"), ("接近", "approx"),
    # changes (increments and decrements), not levels
    ("提高", "inc"), ("提升", "inc"), ("增长", "inc"), ("增加", "inc"), ("上升", "inc"), ("增幅", "inc"),
    ("增速", "inc"), ("扩大", "inc"), ("年均增长", "inc"), ("增长率", "inc"),
    ("增幅不低于", "floor"), ("增速不低于", "floor"), ("增长不低于", "floor"), ("增幅达到", "floor"),
    ("下降", "dec"), ("降低", "dec"), ("减少", "dec"), ("缩小", "dec"), ("缩短", "dec"), ("压缩", "dec"),
    ("降幅", "dec"),
    # 提高孕产妇住院分娩率至99% / 降低…至: the level after a change verb
    ("至", "to"), ("到", "to"),
    # plain statements of a value
    ("为", "eq"), ("是", "eq"), ("占", "eq"),
)

# Words that end in a one-character cue but are no cue (家庭医生签约21.3万人 is no 约,
# 已下达7238万元 no 达): read as words, and kept whole at the end of a name.
CUE_LOOKALIKES: tuple[str, ...] = (
    "签约", "预约", "节约", "履约", "特约", "制约", "合约", "下达", "送达", "传达", "抵达", "到达", "表达", "通达",
    "成为", "作为", "行为", "认为",
)

# Post-cues: words right after the number and its unit ("余" sits between them: 2000余人次).
POST_CUES: tuple[tuple[str, str], ...] = (
    ("以上", "after-ge"), ("及以上", "after-ge"), ("或以上", "after-ge"), ("以下", "after-le"),
    ("及以下", "after-le"), ("以内", "after-le"), ("之内", "after-le"), ("内", "after-le"), ("左右", "after-about"),
    ("上下", "after-about"), ("余", "after-gt"), ("多", "after-gt"),
)


class CmpRule(NamedTuple):
    name: str
    needs: frozenset[str]  # every tag here must be present ("unit:百分点", "range", cue tags)
    any_of: frozenset[str]  # at least one of these (empty: no condition)
    cmp: Comparator


def _cmp(name: str, needs: str, any_of: str, cmp: Comparator) -> CmpRule:
    return CmpRule(name, frozenset(needs.split()), frozenset(any_of.split()), cmp)


# The first row whose conditions hold wins, in the three steps of the annotation guide:
# a range or a change (提高…个百分点, 增长10%以上, 下降…以内); then the cue right after the
# number (以上, 以下, 以内, 左右, 余); then the cue before it (达到, 控制在, 降至, 约); else "=".
# Change tags (inc/dec) only count for rates (CHANGE_UNITS) or after a baseline (较上年).
CMP_RULES: tuple[CmpRule, ...] = (
    _cmp("range", "range", "", Comparator.RANGE),
    _cmp("growth-at-least", "", "floor inc+ge", Comparator.INC_AT_LEAST),
    _cmp("increment", "inc", "", Comparator.INC),
    _cmp("decrease-within", "dec after-le", "", Comparator.DEC_AT_MOST),
    _cmp("decrease", "dec", "", Comparator.DEC),
    _cmp("at-least-after", "after-ge", "", Comparator.GE),
    _cmp("at-most-after", "after-le", "", Comparator.LE),
    _cmp("about-after", "after-about", "", Comparator.APPROX),
    _cmp("more-than-after", "after-gt", "", Comparator.GT),
    _cmp("lowered-to", "dec-to", "", Comparator.LE),
    _cmp("raised-to", "", "inc-to to", Comparator.GE),
    _cmp("at-least", "ge", "", Comparator.GE),
    _cmp("more-than", "gt", "", Comparator.GT),
    _cmp("at-most", "le", "", Comparator.LE),
    _cmp("less-than", "lt", "", Comparator.LT),
    _cmp("about", "approx", "", Comparator.APPROX),
)
CHANGE_UNITS: tuple[str, ...] = ("%", "百分点", "千分点", "‰", "", "岁", "倍")
# 较上年增加5家, 同比减少3所: with a baseline, a count is a change too.
CHANGE_BASELINE = re.compile(r"(?:较|比)\s*(?:上年|去年|上一年|(?:19|20)\d{2}\s*年)|同比")

# ---------------------------------------------------------------- deadlines
class DeadlineRule(NamedTuple):
    name: str
    pattern: re.Pattern[str]  # group "year" holds the year


def _deadline(name: str, pattern: str) -> DeadlineRule:
    return DeadlineRule(name, re.compile(pattern))


_Y = r"(?P<year>(?:19|20)\d{2})\s*年"
# Years that govern what follows: 到2025年, 2022年底前, 2025年实现, 2022年全市…
# 截至2023年底 states where things stand (a report when that year is not yet ahead of the plan).
DEADLINE_RULES: tuple[DeadlineRule, ...] = (
    _deadline("as-of", rf"(?:截至|截止到?)\s*{_Y}(?:底|末|年底|年末)?"),
    _deadline("by-year", rf"(?:到|至|于|在)\s*{_Y}(?:底|末|年底|年末)?"),
    _deadline("before-year", rf"{_Y}(?:底|末|年底|年末|上半年|下半年)?(?:以?前|之前)"),
    _deadline("year-end", rf"{_Y}(?:底|末|年底|年末)"),
    _deadline("year-of", rf"{_Y}(?:底|末)?的"),
    _deadline("year-span-end", rf"(?:19|20)\d{{2}}\s*年?\s*[-—~～至到]\s*{_Y}"),
    _deadline("month-before", rf"{_Y}\s*\d{{1,2}}\s*月(?:底|末|份|中旬|上旬|下旬)?(?:以?前|之前)"),
    _deadline("month", rf"{_Y}\s*\d{{1,2}}\s*月"),
    _deadline("year-verb", rf"{_Y}(?:底|末)?\s*(?=达到|达|实现|力争|完成|建成|提高|下降|降至|控制|超过|保持|新增|累计|共)"),
    _deadline("year-opening", rf"(?:^|[，,。；;：:、（(\s])(?<![比较与同自从])\s*{_Y}(?!\d{{1,2}}\s*(?:[-—~～至到]\s*\d{{1,2}}\s*)?月|\d{{3}}|[版度]|以来|以前|-|—|～|~|至|到)"),
)
# 到2022年和2030年…分别不低于22%和30%: one year per item of a 分别 group.
YEAR_LIST = re.compile(r"(?P<years>(?:19|20)\d{2}\s*年?(?:\s*[和、及与]\s*(?:19|20)\d{2}\s*年?)+)")
# The head a 分别 list shares (高血压、糖尿病患者规范管理率 → 高血压患者规范管理率).
SHARED_HEADS: tuple[str, ...] = (
    "患者", "人群", "人口", "儿童", "妇女", "老年人", "死亡率", "发病率", "患病率", "接种率", "管理率", "检出率",
    "筛查率", "覆盖率", "签约率", "知晓率", "治疗率", "控制率", "报告率", "达标率", "合格率", "使用率", "占比", "比例",
)
# Nouns a subject-only name ends with: 其中三级医院达到70%以上 borrows the head of the item
# before it (门诊患者预约诊疗率 → 三级医院预约诊疗率).
SUBJECT_NOUNS = re.compile(
    r"(?:医院|机构|中心|卫生院|卫生室|服务站|患者|人群|儿童|妇女|老年人|居民|学生|人员|医生|护士|孕产妇|婴儿|家庭|企业|学校)"
)
# Endings of a complete indicator name: a 分别 subject with one of these needs no shared head.
INDICATOR_ENDINGS = re.compile(r"(?:率|数|量|比|比例|比重|占比|水平|寿命|人次|床位|费用|支出|收入|时间|天数|住院日|次数|人数|值)$")
# Baselines are not deadlines: 比2020年提高5个百分点, 较2020年, 2020年以来; and a year opening
# a bracket that states a value (（2020年为9.2天）).
BASELINE = re.compile(
    r"(?:比|较|与|同|自|从|相比|对比)\s*(?:(?:19|20)\d{2}\s*年|去年|上年|上一年)(?:同期)?|(?:19|20)\d{2}\s*年\s*(?:以来|相比|基础上)"
    r"|[（(]\s*(?:19|20)\d{2}\s*年(?:底|末)?\s*(?:为|是|[:：])"
)
# A value stated in a bracket for its year (8.5天（2020年为9.2天）): that year's actual.
BRACKET_VALUE = re.compile(r"[（(]\s*(?P<year>(?:19|20)\d{2})\s*年(?:底|末)?\s*(?:为|是|[:：])\s*$")
# A year in brackets right after a value dates that value: 3.1人（2020年）, 6.2张（2025年）.
BRACKET_YEAR = re.compile(r"\s*[（(]\s*(?P<year>(?:19|20)\d{2})\s*年(?:底|末)?\s*[)）]")
# Words for the plan's own year: 年内完成, 今年, 全年, 年底前 (→ plan_year + offset).
RELATIVE_YEARS: tuple[tuple[str, int], ...] = (
    ("年内", 0), ("今年", 0), ("全年", 0), ("本年度", 0), ("年度内", 0), ("年底前", 0), ("年底", 0),
    ("当年", 0), ("明年", 1), ("下一年", 1), ("去年", -1), ("上年", -1), ("上一年", -1),
)

# ---------------------------------------------------------------- target or actual
# Section headings that report what was achieved, and those that plan.
REVIEW_HEADINGS = re.compile(
    r"回顾|工作总结|年度总结|总结|主要成效|工作成效|取得的(?:主要)?(?:成效|成绩|进展)|主要成绩|工作进展|进展情况"
    r"|完成情况|工作情况|基本情况|发展现状|现状与形势|发展基础|过去一年|过去五年|(?:19|20)\d{2}\s*年以来"
    r"|主要做法|开展情况|落实情况|执行情况|存在的?问题|存在的?不足|问题和不足|短板和不足|面临的?形势"
)
PLAN_HEADINGS = re.compile(
    r"下一步|明年|工作打算|工作安排|工作计划|工作要点|工作思路|重点任务|主要任务|主要目标|目标任务|发展目标"
    r"|总体要求|工作目标|主要措施|重点工作|今后"
)
# Past-tense reports inside a sentence (已建成, 全年共, 截至) and forward cues.
PAST_CUES = re.compile(
    r"已经?(?!有.{0,8}基础)|完成了|达到了|实现了|建成了|累计完成|共有|全年共|截至|截止|(?:19|20)\d{2}\s*年以来"
    r"|顺利完成|圆满完成|超额完成|(?:今年|年初|上半年|本年度?|当年)以来"
    r"|目前|(?<!依托)(?<!利用)(?<!整合)(?<!盘活)(?<!对)现有"  # 全市现有三级医院8家 reports a stock
)
# Openers that put a whole sentence in the past: 今年以来，…; 截至2022年底，…
PAST_OPENERS = re.compile(
    r"(?:今年|年初|上半年|本年度?|当年|(?:19|20)\d{2}\s*年)以来|截至|截止"
    r"|过去(?:的)?\s*[一二三四五六七八九十\d]{1,2}\s*年|(?<![\d一二三四五六七八九十])[一二三四五六七八九十\d]{1,2}\s*年来"
    r"|过去的\s*(?:19|20)\d{2}\s*年"
)
# 争取中央资金 (funds won) and 计划生育/计划免疫 (names) are no forward cue.
FUTURE_CUES = re.compile(
    r"力争|确保|争取(?!中央|省|市级|上级|国家|各级|专项|项目|资金|债券|到位|落实)|计划(?!生育|免疫|单列)|预计|拟|力求|努力"
    r"|到\s*(?:19|20)\d{2}\s*年|年底前|以前|之前|届时|下一步|今后|明年|来年|我(?:局|委|们|市|县|区)将"
)
# A level stated (为8.5/10万) and then compared with last year (，较上年下降…): a report, even in a plan.
REPORTED_CHANGE = re.compile(r"(?:为|是)\s*\d[^，,；;。]{0,12}[，,]\s*(?:较|比|与|同比)")
# The level a change starts from is where things stand (an actual): 由85%提高到90%, 从2020年的76.8岁提高到78岁 (its year kept).
STARTING_LEVEL = re.compile(r"(?:由|从)\s*(?:(?P<year>(?:19|20)\d{2})\s*年(?:底|末)?\s*的?)?\s*$")
CHANGE_TO = re.compile(r"\s*(?:提高|提升|增加|增长|上升|扩大|下降|降低|减少|缩短|压缩)\s*(?:到|至)")
# Shortfalls: what was not reached is neither a result nor a commitment (未完成的27%任务).
SHORTFALL_CUES = re.compile(r"未完成|尚未|未达标|未达到|未实现|未建成|未落实|未开展|没有完成|没有达到")
# A shortfall stated as the present state (仍有12家…, 尚有27%…未达标): never a commitment either.
SHORTFALL_STATE = re.compile(r"(?:仍然?|尚|还)有\s*$")

# ---------------------------------------------------------------- traps
class Trap(NamedTuple):
    name: str
    pattern: re.Pattern[str]  # numbers overlapping a match are not quantities
    before: int  # how far before its number a match may start (the search window)
    after: int  # how far after its number a match (and its lookahead) may reach
    hint: re.Pattern[str] | None  # a character every match holds (cheap test first), or None


def _trap(name: str, pattern: str, before: int = 12, after: int = 14, hint: str | None = None) -> Trap:
    return Trap(name, re.compile(pattern), before, after, re.compile(hint) if hint else None)


_AGE = r"\d+(?:\.\d+)?\s*(?:[-—~～至到]\s*\d+\s*)?(?:周岁|岁)"
# Who an age qualifies: 65岁以上老年人, 0-3岁婴幼儿, 35-64岁农村妇女, 5岁以下儿童死亡率.
_POPULATION = (
    r"老年|老人|儿童|婴幼儿|婴儿|幼儿|人|妇女|女性|男性|居民|学生|青少年|孕|新生儿|女童|男童|农村|城乡|城镇|适龄"
    r"|户籍|常住|职工|患者|群众|青年|少年|残疾|失能|男|女|在校|在园|在读|及以上|以上的|以下的|以上|以下|至|的"
)
# Duties and qualifications of people whose duration is a rule (驻点, 下沉, 在岗, 工龄, 原则上).
_DUTIES = r"驻点|派驻|下沉|驻村|进修|轮岗|挂职|服务期|工龄|从业|任职|在岗|原则上"
TRAPS: tuple[Trap, ...] = (
    _trap("document-number", r"[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*\d+\s*号?|\d+\s*号", 12, 6, r"[号〔〕\[\]［］【】]"),
    _trap("date", r"(?:19|20)\d{2}\s*(?:[-/.]\s*\d{1,2}\s*[-/.]|年\s*\d{1,2}\s*月)(?:\s*\d{1,2}\s*日?)?|\d{1,2}\s*月\s*\d{1,2}\s*日|(?<![\d.])\d{1,2}\s*(?:[-—~～至到]\s*\d{1,2}\s*)?月(?:份|底|末|初|中旬|上旬|下旬)?|(?<![\d.])\d{1,2}\s*日(?:前|之前|以前|起|止)|\d{1,2}:\d{2}", 12, 10, r"[年月日:\-/.]"),
    _trap("year-span", r"(?:19|20)\d{2}\s*年?\s*[-—~～至到]\s*(?:19|20)\d{2}\s*年?", 14, 14, r"(?:19|20)\d\d"),
    _trap("year", r"(?<![\d.])(?:19|20)\d{2}\s*(?:年度?|版|届)", 2, 6, r"(?:19|20)\d\d"),
    _trap("ordinal", rf"第\s*[\d{CN_DIGITS}]+", 4, 2, r"第"),
    _trap("session", rf"[\d{CN_DIGITS}]+\s*届(?:\s*[\d{CN_DIGITS}]+\s*[次中]全?会?)?|[\d{CN_DIGITS}]+\s*[次中]\s*全会", 8, 10, r"[届会]"),
    _trap("quoted", r"“[^”\n]{0,30}”|‘[^’\n]{0,30}’|\"[^\"\n]{0,30}\"|「[^」\n]{0,30}」|《[^》\n]{0,60}》|〈[^〉\n]{0,60}〉", 62, 62, r'[“”‘’\"「」《》〈〉]'),
    _trap("phone", r"\d{3,4}\s*-\s*\d{7,8}|(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)(?:12320|12345|12356|120|110|119|114|12315|12318)(?:\s*(?:热线|急救|电话|服务热线|平台|指挥))", 14, 12, r"\d{3}"),
    _trap("hotline", r"(?:热线|电话|拨打|呼叫)\s*\d{3,}", 8, 2, r"热线|电话|拨打|呼叫"),
    _trap("slogan", r"\d+\s*(?:\+\s*(?:\d+|[A-Za-z]))+|\d+\s*[×xX*]\s*\d+|\d+\s*[:：∶]\s*\d+", 24, 14, r"[+×xX*:：∶]"),
    # Party and policy slogans counted with 个 (增强四个意识、坚定四个自信、做到两个维护, 两个确立,
    # 两个毫不动摇, 三个务必, 四个全面, 一岗双责 has no 个): a number of a formula, never an amount.
    _trap("numbered-slogan", rf"[{CN_DIGITS}\d]+\s*个\s*(?:意识|自信|维护|确立|全面|代表|务必|必须|毫不动摇|不动摇|坚持|责任"
          r"|不变|转变|统筹|导向|优先|一流|表率|敬畏|服从|相适应|有利于|没有变)", 4, 10,
          r"意识|自信|维护|确立|全面|代表|务必|必须|动摇|坚持|责任|不变|转变|统筹|导向|优先|一流|表率|敬畏|服从|相适应|有利于"),
    _trap("latin-code", r"[A-Za-z]+\s*\d+(?:\.\d+)?|\d+(?:\.\d+)?\s*[A-Za-z]+(?![A-Za-z]*/)", 14, 14, r"[A-Za-z]"),
    _trap("age-range", r"\d+\s*[-—~～至到]\s*\d+\s*(?:周岁|岁)", 10, 8, r"岁"),
    _trap("age-qualifier", rf"{_AGE}\s*(?:以上|以下|及以上|及以下|之间)?\s*(?=(?:{_POPULATION}))(?!(?:以上|以下)(?:[^\u4e00-\u9fff]|$))", 10, 16, r"岁"),
    _trap("grade", r"\d+\s*级\s*(?:及以上|以上|及以下)?\s*(?:医院|公立|综合|医疗|手术|甲等|乙等|专科|中医|妇幼|疾控|机构|以上医院|重点)|[一二三]\s*级|[一二三]\s*甲|[二三]\s*乙", 2, 18, r"[级甲乙]"),
    _trap("inline-number", r"[（(]\s*\d{1,2}\s*[)）]|^\s*\d{1,2}\s*[.．、](?!\d)|[①-⑳]", 4, 4, r"[()（）.．、①-⑳]"),
    _trap("condition-threshold", r"(?:(?:不足|不到|少于|多于|超过|低于|高于)\s*)?\d+(?:\.\d+)?\s*(?:人|户|张|个|家|万人|床|分|级|天|小时|分钟|个月|年)?\s*(?:以上|以下|以内|及以上|及以下)?\s*(?:等|的)(?=[\u4e00-\u9fff])", 6, 18, r"[的等]"),
    # Background facts of a place (its area, divisions, population) are no commitment and no result.
    _trap("place-facts", r"(?:总面积|国土面积|面积)\s*(?:约|达)?\s*\d+(?:\.\d+)?\s*万?\s*平方公里|(?:下|共|现)?辖(?:区内)?有?\s*(?:\d+\s*个[\u4e00-\u9fff]{1,4}[、，,和及]?\s*){1,6}"
          r"|(?:户籍|常住|总|年末|全县|全市|全区)人口(?:总数|为|约|达)?\s*\d+(?:\.\d+)?\s*万?人?", 30, 16, r"面积|辖|人口"),
    # A gap to an average (低于全省平均水平0.3人) compares, it neither commits nor reports.
    _trap("gap-to-average", r"(?:高于|低于|超过|超出|落后于?|领先于?)\s*(?:全国|全省|全市|全区|省|市|国家)?(?:平均水平|平均值|平均|均值)\s*\d+(?:\.\d+)?", 20, 4, r"平均|均值"),
    # A norm of allocating people or places (按照每千人口4.5张床位的标准): how to plan, not what to
    # reach. Money per head (按照每人每年不低于15元的标准安排) is a commitment and stays.
    _trap("allocation-standard", r"按照?[^，,；;。元]{0,36}?\d[^，,；;。元]{0,24}?的?标准(?!化)", 40, 40, r"标准"),
    # The population or radius a facility serves (服务人口原则上为3万至10万人): a norm of planning.
    _trap("service-population", r"服务(?:人口|半径)[^，,；;。\d率比]{0,8}?\d+(?:\.\d+)?", 14, 2, r"服务人口|服务半径"),
    # A cap a rule permits (结余可按不超过40%提取): an operating rule, not a level to reach.
    _trap("permission-cap", r"可(?:按照?|以|在)?\s*(?:不超过|不高于|不得超过|最高不超过|最高|最多)[^，,；;。\d]{0,12}?\d+(?:\.\d+)?",
          24, 2, r"可"),
    # How long a person serves or has served (驻点原则上不少于6个月, 在岗不足3年的): a duty or a
    # qualification, not a result.
    _trap("duty-duration", rf"(?:{_DUTIES})[^，,；;。\d]{{0,10}}?\d+(?:\.\d+)?\s*(?:年|个月|天|周|小时)", 16, 6, _DUTIES),
    # The fixed contents of a national programme (基本公共卫生服务12类项目): set nationally.
    _trap("national-programme-contents", r"(?:基本公共卫生服务|免疫规划)(?:项目)?[^，,；;。\d]{0,6}?\d+\s*(?:大类|类|项|种)"
          r"|\d+\s*(?:大类|类)\s*(?:服务内容|服务项目|基本公共卫生服务|公共卫生服务)", 20, 12, r"类|项|种"),
    # A phase of a building (县中医院二期, 实验楼三期): which part is built, not how many.
    _trap("building-phase", rf"(?:医院|中心|院区|大楼|楼|工程|基地|园区|院|馆)\s*(?:[{CN_DIGITS}]+|\d+)\s*期", 6, 4, r"期"),
    _trap("long-digits", r"\d{7,}", 1, 1, r"\d{7}"),
    _trap("record-number", r"\d+\s*/\s*(?:19|20)\d{2}\s*-\s*\d+", 24, 14, r"/"),
)

# ---------------------------------------------------------------- indicator words
# Stripped from the start of an indicator, repeatedly: scope and time words.
FILLER_PREFIXES: tuple[str, ...] = (
    "全市", "全县", "全区", "全省", "全州", "全盟", "全国", "全系统", "全委", "我市", "我县", "我区", "我省", "本市",
    "年内", "今年", "全年", "力争", "确保", "争取", "努力", "进一步", "基本", "其中", "同时", "并且", "而且",
    "将", "要求", "实现", "推动", "推进", "促进", "持续", "逐步", "全面", "年度内", "力求", "目标是",
    "各区(市、县)", "各县(市、区)", "各区（市、县）", "各县（市、区）", "每个", "每年", "年均",
    "以上", "以下", "左右", "和", "及", "与", "或", "、", "的", "为", "对", "届时", "总体", "至少", "不少于", "不低于",
    "提高到", "控制在",
    "主要指标", "主要目标", "累计", "共计", "共有", "共", "提高", "提升", "降低", "减少", "加快", "加强", "开展",
    "完成", "做好", "落实", "组织", "深入", "积极", "继续", "新增加", "其中", "另外", "此外", "新增", "建成", "新建",
    "建设", "创建", "打造", "组建", "设立", "再", "目前", "现有", "已经", "已", "我局", "我委", "我们",
)
# Stripped from the end of an indicator, repeatedly: verbs of reaching and cue words.
# Cue words that are also names of what is measured (增幅控制在10%以内: the indicator is 增幅).
_NOUN_CUES = frozenset(("增幅", "增速", "增长率", "降幅"))
FILLER_SUFFIXES: tuple[str, ...] = (
    *(word for word, _ in PRE_CUES if word not in _NOUN_CUES),
    "分别", "均", "都", "要", "应", "需", "力争", "确保", "争取", "实现", "稳步", "逐步", "不断", "保持", "稳定",
    "努力", "进一步", "基本", "持续", "全部", "共", "累计", "总数", "总计", "合计", "年均", "平均", "达到了", "的",
    "已", "已经", "以上", "左右", "及", "和", "由", "从", "的",
    "翻一番", "翻番", "翻两番", "逐年提高", "逐年增长", "逐年下降", "稳步提升", "明显提升", "不断提高", "仅完成", "仅",
)

# ---------------------------------------------------------------- responsible units
RESPONSIBLE_LABELS = re.compile(
    r"(?:牵头|责任|配合|主责|主办|协办|参与)(?:单位|处室|部门|科室|科|处)|责任人"
)
