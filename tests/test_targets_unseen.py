"""Short plan paragraphs of kinds the answer key does not hold, written with their
expected items before the extractor was run on them (tests/golden/answer_key/GUIDE.md
is the standard).

Each case is a small page (a title line, a heading, a paragraph). Every expected item
must be found once: same value (and value_max), an indicator the answer-key scorer
calls similar, and the same unit, cmp, deadline and kind; nothing else may be found.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from monitor.analysis.scoring import SIMILARITY, indicator_similarity
from monitor.analysis.targets import ExtractedTarget, extract_targets


def _item(indicator: str, value: float, unit: str, cmp: str, deadline: int, kind: str = "target",
          value_max: float | None = None) -> dict[str, Any]:
    return {"indicator": indicator, "value": value, "value_max": value_max, "unit": unit, "cmp": cmp,
            "deadline": deadline, "kind": kind}


CASES: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "respectively-over-years",
        "某市健康促进三年行动方案（2024—2026年）\n一、主要目标\n"
        "到2025年和2026年，全市居民健康素养水平分别不低于28%和30%，经常参加体育锻炼人数比例分别达到40%和42%以上。\n",
        [
            _item("居民健康素养水平", 28, "%", ">=", 2025),
            _item("居民健康素养水平", 30, "%", ">=", 2026),
            _item("经常参加体育锻炼人数比例", 40, "%", ">=", 2025),
            _item("经常参加体育锻炼人数比例", 42, "%", ">=", 2026),
        ],
    ),
    (
        "ten-thousand-visits-floor-growth",
        "2024年全县卫生健康工作要点\n县卫健发〔2024〕5号\n一、重点任务\n"
        "全年完成家庭医生签约服务35.6万人次，基层医疗卫生机构诊疗量占比不低于65%，中医诊疗人次年均增长8%以上。\n",
        [
            _item("家庭医生签约服务", 356000, "人次", "=", 2024),
            _item("基层医疗卫生机构诊疗量占比", 65, "%", ">=", 2024),
            _item("中医诊疗人次", 8, "%", "+>=", 2024),
        ],
    ),
    (
        "within-lowered-points-raised",
        "2024年全市卫生健康工作要点\n一、主要目标\n"
        "全市孕产妇死亡率控制在10/10万以内，婴儿死亡率下降到4‰以下，个人卫生支出占卫生总费用的比重下降1个百分点，"
        "居民健康素养水平提高到30%。\n",
        [
            _item("孕产妇死亡率", 10, "/10万", "<=", 2024),
            _item("婴儿死亡率", 4, "‰", "<=", 2024),
            _item("个人卫生支出占卫生总费用的比重", 1, "百分点", "-=", 2024),
            _item("居民健康素养水平", 30, "%", ">=", 2024),
        ],
    ),
    (
        "grade-batch-doubling",
        "2024年全市卫生健康工作要点\n二、提升医疗服务能力\n"
        "力争年内新增三级甲等医院1家，创建第二批省级区域医疗中心2个，全市每万人口全科医生数翻一番，达到4人。\n",
        [
            _item("三级甲等医院", 1, "家", "=", 2024),
            _item("省级区域医疗中心", 2, "个", "=", 2024),
            _item("每万人口全科医生数", 4, "人", ">=", 2024),
        ],
    ),
    (
        "ages-slogan-full-coverage",
        "2024年全县卫生健康工作要点\n三、公共卫生\n"
        "实施“1+N”健康服务模式，为全县65岁及以上老年人提供健康体检，老年人健康管理率达到72%以上；"
        "0-6岁儿童眼保健和视力检查覆盖率达到90%，乡镇卫生院中医馆实现100%全覆盖。\n",
        [
            _item("老年人健康管理率", 72, "%", ">=", 2024),
            _item("儿童眼保健和视力检查覆盖率", 90, "%", ">=", 2024),
            _item("乡镇卫生院中医馆全覆盖", 100, "%", "=", 2024),
        ],
    ),
    (
        "five-year-range-hotline",
        "某市“十四五”卫生健康发展规划\n四、重点任务\n"
        "“十四五”期间，每个县（市、区）建设2至3家县级医院重点专科，开通12320卫生健康热线，咨询电话0831-8234567。\n",
        [
            _item("县级医院重点专科", 2, "家", "range", 2025, value_max=3),
        ],
    ),
    (
        "review-ten-thousand-year-on-year",
        "2023年全市卫生健康工作总结\n一、主要成效\n"
        "全年全市医疗卫生机构总诊疗量达到1256.3万人次，同比增长6.2%；孕产妇死亡率为8.5/10万，较上年下降1.2个百分点；"
        "新增执业医师420人。\n",
        [
            _item("医疗卫生机构总诊疗量", 12563000, "人次", ">=", 2023, "actual"),
            _item("医疗卫生机构总诊疗量", 6.2, "%", "+=", 2023, "actual"),
            _item("孕产妇死亡率", 8.5, "/10万", "=", 2023, "actual"),
            _item("孕产妇死亡率", 1.2, "百分点", "-=", 2023, "actual"),
            _item("执业医师", 420, "人", "=", 2023, "actual"),
        ],
    ),
    (
        "review-next-year-plans",
        "2023年全市卫生健康工作总结\n二、2024年工作打算\n"
        "全市二级以上公立医院平均住院日不超过8天，新建社区医院3家，培训基层卫生人员2000人次。\n",
        [
            _item("平均住院日", 8, "天", "<=", 2024),
            _item("社区医院", 3, "家", "=", 2024),
            _item("培训基层卫生人员", 2000, "人次", "=", 2024),
        ],
    ),
    (
        "respectively-years-childcare",
        "某市促进婴幼儿照护服务发展实施方案（2024—2025年）\n一、工作目标\n"
        "2024年、2025年全市分别新增托位500个、800个，每千人口拥有3岁以下婴幼儿托位数达到4.5个。\n",
        [
            _item("托位", 500, "个", "=", 2024),
            _item("托位", 800, "个", "=", 2025),
            _item("每千人口拥有婴幼儿托位数", 4.5, "个", ">=", 2025),
        ],
    ),
    (
        "duty-hours-frequency-batch-date",
        "2024年全县卫生健康工作要点\n五、应急管理\n"
        "各乡镇卫生院实行24小时值班制度，每季度至少开展1次应急演练，全年举办不少于两期业务培训班，"
        "2024年6月30日前完成第三批名医工作室评审。\n",
        [
            _item("应急演练", 1, "次", ">=", 2024),
            _item("业务培训班", 2, "期", ">=", 2024),
        ],
    ),
]

# A second batch, written the same way after the first was fixed.
CASES += [
    (
        "three-year-plan-per-year-range",
        "某县基层卫生服务能力提升三年行动方案（2023—2025年）\n二、主要任务\n"
        "三年内完成30家村卫生室标准化建设，每年培训乡村医生不少于200人次，每万名居民配备2—3名全科医生。\n",
        [
            _item("村卫生室标准化建设", 30, "家", "=", 2025),
            _item("培训乡村医生", 200, "人次", ">=", 2025),
            _item("全科医生", 2, "名", "range", 2025, value_max=3),
        ],
    ),
    (
        "review-stock-grade-money",
        "2023年全市卫生健康工作总结\n一、工作成效\n"
        "截至2023年底，全市共有医疗卫生机构1826个，其中三级医院5家；全年争取中央和省级资金1.2亿元，超额完成年度目标任务。\n",
        [
            _item("医疗卫生机构", 1826, "个", "=", 2023, "actual"),
            _item("三级医院", 5, "家", "=", 2023, "actual"),
            _item("中央和省级资金", 1.2, "亿元", "=", 2023, "actual"),
        ],
    ),
    (
        "minutes-level-and-service-circle",
        "2024年全市卫生健康工作要点\n二、医疗服务\n"
        "全市急救平均反应时间缩短至12分钟以内，建成城市15分钟健康服务圈，二级以上医院预约诊疗率达到50%以上。\n",
        [
            _item("急救平均反应时间", 12, "分钟", "<=", 2024),
            _item("预约诊疗率", 50, "%", ">=", 2024),
        ],
    ),
    (
        "money-at-least-units-supported",
        "2024年全市卫生健康工作要点\n三、投入保障\n"
        "市级财政安排卫生健康专项资金8500万元，争取中央预算内投资5000万元以上，支持12个乡镇卫生院改扩建。\n",
        [
            _item("卫生健康专项资金", 8500, "万元", "=", 2024),
            _item("中央预算内投资", 5000, "万元", ">=", 2024),
            _item("乡镇卫生院改扩建", 12, "个", "=", 2024),
        ],
    ),
    (
        "rates-kept-and-chinese-percent",
        "2024年全县卫生健康工作要点\n四、疾病防控\n"
        "以乡镇为单位适龄儿童免疫规划疫苗接种率保持在90%以上，肺结核患者成功治疗率达到百分之九十，"
        "艾滋病病毒感染者抗病毒治疗覆盖率达95%。\n",
        [
            _item("适龄儿童免疫规划疫苗接种率", 90, "%", ">=", 2024),
            _item("肺结核患者成功治疗率", 90, "%", ">=", 2024),
            _item("艾滋病病毒感染者抗病毒治疗覆盖率", 95, "%", ">=", 2024),
        ],
    ),
    (
        "review-section-then-target",
        "2024年全市卫生健康工作要点\n一、2023年工作回顾\n"
        "全市人均预期寿命达到79.6岁，比上年提高0.3岁；建成国家级重点专科2个、省级重点专科6个。\n"
        "二、2024年主要目标\n全市人均预期寿命达到79.8岁。\n",
        [
            _item("人均预期寿命", 79.6, "岁", ">=", 2023, "actual"),
            _item("人均预期寿命", 0.3, "岁", "+=", 2023, "actual"),
            _item("国家级重点专科", 2, "个", "=", 2023, "actual"),
            _item("省级重点专科", 6, "个", "=", 2023, "actual"),
            _item("人均预期寿命", 79.8, "岁", ">=", 2024),
        ],
    ),
    (
        "five-year-beds-of-which",
        "某市卫生健康事业发展“十四五”规划\n三、主要任务\n"
        "到2025年，全市每千人口医疗卫生机构床位数达到7.2张，其中公立医院每千人口床位数不超过5.1张；全市新增三甲医院3家。\n",
        [
            _item("每千人口医疗卫生机构床位数", 7.2, "张", ">=", 2025),
            _item("公立医院每千人口床位数", 5.1, "张", "<=", 2025),
            _item("三甲医院", 3, "家", "=", 2025),
        ],
    ),
    (
        "recruit-send-per-unit",
        "2024年全市卫生健康工作要点\n五、人才队伍\n"
        "招聘医学类本科毕业生150名，选派30名骨干医师到上级医院进修，每个乡镇卫生院至少有1名全科医生。\n",
        [
            _item("招聘医学类本科毕业生", 150, "名", "=", 2024),
            _item("骨干医师到上级医院进修", 30, "名", "=", 2024),
            _item("全科医生", 1, "名", ">=", 2024),
        ],
    ),
    (
        "events-leaflets-parks",
        "2024年全市卫生健康工作要点\n六、健康促进\n"
        "开展“健康讲座进万家”活动不少于300场，发放宣传资料10万份，全市新建健康主题公园5个、健康步道20条。\n",
        [
            _item("健康讲座进万家活动", 300, "场", ">=", 2024),
            _item("宣传资料", 100000, "份", "=", 2024),
            _item("健康主题公园", 5, "个", "=", 2024),
            _item("健康步道", 20, "条", "=", 2024),
        ],
    ),
    (
        "slogans-about-latin",
        "2022年全市卫生健康工作要点\n七、重点改革\n"
        "深化“三医联动”改革，推进“1+N”医共体建设，全市组建紧密型县域医共体4个，县域内就诊率稳定在90%左右，"
        "DRG付费覆盖率达到70%。\n",
        [
            _item("紧密型县域医共体", 4, "个", "=", 2022),
            _item("县域内就诊率", 90, "%", "~", 2022),
            _item("DRG付费覆盖率", 70, "%", ">=", 2022),
        ],
    ),
]

# A third batch: what real pages add (full-width digits, glued section numbers, 一是…二是,
# page chrome, task tables, baselines named by year), written before running the extractor.
CASES += [
    (
        "full-width-digits-glued-section-number",
        "2024年全市卫生健康工作要点\n（三）老年健康\n"
        "2.65岁及以上老年人城乡社区规范健康管理服务率达到６５％以上，新建医养结合机构３家。\n",
        [
            _item("老年人城乡社区规范健康管理服务率", 65, "%", ">=", 2024),
            _item("医养结合机构", 3, "家", "=", 2024),
        ],
    ),
    (
        "first-second-third",
        "2024年全县卫生健康工作要点\n一、重点工作\n"
        "一是新建标准化村卫生室12所；二是完成乡村医生轮训800人次；三是全县家庭医生重点人群签约率达到75%。\n",
        [
            _item("标准化村卫生室", 12, "所", "=", 2024),
            _item("乡村医生轮训", 800, "人次", "=", 2024),
            _item("家庭医生重点人群签约率", 75, "%", ">=", 2024),
        ],
    ),
    (
        "half-year-review-since-new-year",
        "2024年上半年卫生健康工作总结\n"
        "今年以来，全市累计接种新冠疫苗12.6万剂次，完成适龄妇女“两癌”筛查2.3万人，较去年同期增加15%。\n",
        [
            _item("接种新冠疫苗", 126000, "剂次", "=", 2024, "actual"),
            _item("适龄妇女两癌筛查", 23000, "人", "=", 2024, "actual"),
            _item("适龄妇女两癌筛查", 15, "%", "+=", 2024, "actual"),
        ],
    ),
    (
        "percent-range-within-yuan",
        "2024年全市卫生健康工作要点\n四、公立医院改革\n"
        "公立医院医疗服务收入占比达到35%—40%，药占比控制在30%以内，百元医疗收入（不含药品收入）中消耗的卫生材料降到20元以下。\n",
        [
            _item("公立医院医疗服务收入占比", 35, "%", "range", 2024, value_max=40),
            _item("药占比", 30, "%", "<=", 2024),
            _item("百元医疗收入中消耗的卫生材料", 20, "元", "<=", 2024),
        ],
    ),
    (
        "page-chrome-around-one-target",
        "首页 > 政务公开 > 计划总结\n来源：市卫健委 发布时间：2024-03-05 09:30 浏览次数：1234\n【字体：大 中 小】 分享到：\n"
        "2024年全市卫生健康工作要点\n二、医疗改革\n年内建成5个紧密型城市医疗集团。\n"
        "主办单位：某市卫生健康委员会 联系电话：0871-63212345 滇ICP备12345678号\n",
        [
            _item("紧密型城市医疗集团", 5, "个", "=", 2024),
        ],
    ),
    (
        "from-base-year-to-deadline",
        "某市卫生健康事业发展“十四五”规划\n二、发展目标\n"
        "全市人均预期寿命由2020年的78.1岁提高到2025年的79.5岁。\n",
        [
            _item("人均预期寿命", 78.1, "岁", "=", 2020, "actual"),
            _item("人均预期寿命", 79.5, "岁", ">=", 2025),
        ],
    ),
    (
        "per-capita-yuan-and-full-rate",
        "2023年全市卫生健康工作要点\n五、基本公共卫生\n"
        "人均基本公共卫生服务经费补助标准提高到89元，基本公共卫生服务项目资金拨付率100%。\n",
        [
            _item("人均基本公共卫生服务经费补助标准", 89, "元", ">=", 2023),
            _item("基本公共卫生服务项目资金拨付率", 100, "%", "=", 2023),
        ],
    ),
    (
        "task-table-rows",
        "2024年全市卫生健康工作要点\n附件：重点任务清单\n序号 重点任务 责任单位 完成时限\n"
        "1 新建社区卫生服务站10个 医政科 2024年6月底\n2 开展义诊活动50场次 基层科 全年\n",
        [
            _item("社区卫生服务站", 10, "个", "=", 2024),
            _item("义诊活动", 50, "场次", "=", 2024),
        ],
    ),
    (
        "both-insurances-one-number",
        "2024年全市医疗保障工作要点\n一、主要目标\n"
        "城乡居民基本医疗保险政策范围内住院费用支付比例稳定在70%左右，职工医保和城乡居民医保参保率均保持在95%以上。\n",
        [
            _item("城乡居民基本医疗保险政策范围内住院费用支付比例", 70, "%", "~", 2024),
            _item("职工医保和城乡居民医保参保率", 95, "%", ">=", 2024),
        ],
    ),
    (
        "campaign-months-and-dates",
        "2024年全市卫生健康工作要点\n六、综合监管\n"
        "2024年3月起，在全市开展为期3个月的“清朗”专项行动，6月底前完成对全市236家民营医院的全覆盖检查，检查覆盖率达到100%。\n",
        [
            _item("民营医院全覆盖检查", 236, "家", "=", 2024),
            _item("检查覆盖率", 100, "%", ">=", 2024),
        ],
    ),
]

# A fourth batch: longer sentences, responsible-office brackets, shares of units, a
# review's 下一步 section, bare-number rates, written before running the extractor.
CASES += [
    (
        "review-stays-and-shortened-days",
        "2023年全市卫生健康工作总结\n二、主要成效\n"
        "（一）医疗服务能力持续提升。全年新增三级医院2家（市中医院、市妇幼保健院），3家县级医院通过二级甲等医院复审；"
        "全市二级以上医院平均住院日为7.8天，较上年缩短0.4天。\n",
        [
            _item("三级医院", 2, "家", "=", 2023, "actual"),
            _item("县级医院通过二级甲等医院复审", 3, "家", "=", 2023, "actual"),
            _item("平均住院日", 7.8, "天", "=", 2023, "actual"),
            _item("平均住院日", 0.4, "天", "-=", 2023, "actual"),
        ],
    ),
    (
        "respectively-three-rates-and-per-ten-thousand",
        "2024年全市卫生健康工作要点\n"
        "（五）提升妇幼健康水平。全市孕产妇死亡率、婴儿死亡率、5岁以下儿童死亡率分别控制在10/10万、3‰、4.5‰以内，"
        "出生缺陷发生率控制在120/万以下（牵头科室：妇幼健康科；配合科室：疾控科）。\n",
        [
            _item("孕产妇死亡率", 10, "/10万", "<=", 2024),
            _item("婴儿死亡率", 3, "‰", "<=", 2024),
            _item("5岁以下儿童死亡率", 4.5, "‰", "<=", 2024),
            _item("出生缺陷发生率", 120, "/万", "<=", 2024),
        ],
    ),
    (
        "sanitary-towns-and-grade-letter",
        "2024年全县卫生健康工作要点\n三、公共卫生\n"
        "持续开展爱国卫生运动，巩固国家卫生县城创建成果，新增省级卫生乡镇2个、卫生村20个，农村卫生户厕普及率达到90%以上，"
        "病媒生物密度控制水平达到国家C级标准。\n",
        [
            _item("省级卫生乡镇", 2, "个", "=", 2024),
            _item("卫生村", 20, "个", "=", 2024),
            _item("农村卫生户厕普及率", 90, "%", ">=", 2024),
        ],
    ),
    (
        "shares-of-units-two-deadlines",
        "某市医疗卫生强基工程实施方案（2024—2027年）\n二、主要目标\n"
        "到2025年底，全市80%以上的乡镇卫生院达到服务能力基本标准，30%以上达到推荐标准；到2027年，县域内就诊率稳定在90%以上，"
        "基层医疗卫生机构诊疗量占比达到65%。\n",
        [
            _item("乡镇卫生院达到服务能力基本标准", 80, "%", ">=", 2025),
            _item("达到推荐标准", 30, "%", ">=", 2025),
            _item("县域内就诊率", 90, "%", ">=", 2027),
            _item("基层医疗卫生机构诊疗量占比", 65, "%", ">=", 2027),
        ],
    ),
    (
        "review-next-steps-first-second",
        "2023年全市卫生健康工作总结\n四、下一步工作打算\n"
        "2024年，我们将重点抓好以下工作：一是力争全市新增执业（助理）医师300名以上；二是完成120家村卫生室标准化改造；"
        "三是确保孕产妇死亡率控制在12/10万以下。\n",
        [
            _item("执业（助理）医师", 300, "名", ">=", 2024),
            _item("村卫生室标准化改造", 120, "家", "=", 2024),
            _item("孕产妇死亡率", 12, "/10万", "<=", 2024),
        ],
    ),
    (
        "studios-per-unit-techniques-growth",
        "2024年全市卫生健康工作要点\n七、中医药\n"
        "实施中医药传承创新工程，建设省级名中医工作室3个、市级名中医工作室10个，每个乡镇卫生院能够提供10项以上中医药适宜技术，"
        "中医类医院门诊量同比增长5%。\n",
        [
            _item("省级名中医工作室", 3, "个", "=", 2024),
            _item("市级名中医工作室", 10, "个", "=", 2024),
            _item("中医药适宜技术", 10, "项", ">=", 2024),
            _item("中医类医院门诊量", 5, "%", "+=", 2024),
        ],
    ),
    (
        "bare-number-rates",
        "2022年全市卫生健康工作要点\n八、人口家庭\n"
        "全市总和生育率稳定在1.5左右，出生人口性别比控制在107以内，每千人口拥有3岁以下婴幼儿托位数达到3个。\n",
        [
            _item("总和生育率", 1.5, "", "~", 2022),
            _item("出生人口性别比", 107, "", "<=", 2022),
            _item("每千人口拥有婴幼儿托位数", 3, "个", ">=", 2022),
        ],
    ),
    (
        "drills-and-full-rectification",
        "2024年全市卫生健康工作要点\n九、安全生产\n"
        "全年组织消防演练不少于4次，医疗机构安全隐患整改率达100%。\n",
        [
            _item("消防演练", 4, "次", ">=", 2024),
            _item("医疗机构安全隐患整改率", 100, "%", ">=", 2024),
        ],
    ),
    (
        "kept-at-full-and-widened",
        "2021年全市卫生健康工作要点\n十、健康扶贫\n"
        "巩固拓展健康扶贫成果，脱贫人口家庭医生签约服务率保持100%，县域内住院先诊疗后付费政策执行率100%，"
        "大病专项救治病种扩大到30种。\n",
        [
            _item("脱贫人口家庭医生签约服务率", 100, "%", "=", 2021),
            _item("县域内住院先诊疗后付费政策执行率", 100, "%", "=", 2021),
            _item("大病专项救治病种", 30, "种", ">=", 2021),
        ],
    ),
    (
        "internet-plus-and-coverage-of-units",
        "2024年全市卫生健康工作要点\n十一、信息化\n"
        "推进“互联网+医疗健康”，二级以上公立医院全部接入全民健康信息平台，电子健康卡普及应用率达到80%，"
        "远程医疗服务覆盖100%的乡镇卫生院。\n",
        [
            _item("电子健康卡普及应用率", 80, "%", ">=", 2024),
            _item("远程医疗服务覆盖乡镇卫生院", 100, "%", "=", 2024),
        ],
    ),
]


def _matches(got: ExtractedTarget, want: dict[str, Any]) -> bool:
    if not math.isclose(got.value, want["value"]):
        return False
    if (got.value_max is None) != (want["value_max"] is None):
        return False
    if got.value_max is not None and not math.isclose(got.value_max, want["value_max"]):
        return False
    return indicator_similarity(got.indicator, want["indicator"]) >= SIMILARITY


@pytest.mark.parametrize(("text", "expected"), [pytest.param(text, items, id=name) for name, text, items in CASES])
def test_unseen_paragraph(text: str, expected: list[dict[str, Any]]) -> None:
    found = extract_targets(text)
    summary = [(t.indicator, t.value, t.value_max, t.unit, t.cmp.value, t.deadline, t.kind.value) for t in found]
    unmatched = list(found)
    for want in expected:
        got = next((item for item in unmatched if _matches(item, want)), None)
        assert got is not None, f"missing {want} in {summary}"
        unmatched.remove(got)
        fields = {"unit": got.unit, "cmp": got.cmp.value, "deadline": got.deadline, "kind": got.kind.value}
        assert fields == {key: want[key] for key in fields}, f"{want['indicator']} {want['value']}: {fields}"
    assert not unmatched, f"unexpected items: {[summary[found.index(item)] for item in unmatched]}"
