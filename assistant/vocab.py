"""One place for the words the answer layer reads and prints.

Roles and their labels, field labels, the ways a task is numbered (第N项), the words that ask for
a figure, a lead unit, a list, a count, the notice's own details, a comparison of editions, an
errand, and the words that mark a follow-up. These are the ordinary ways Chinese and English
ask and print such things; nothing here names a topic, a place, a unit or a task of any notice.
"""

from __future__ import annotations

import re

from assistant.records import ROLES

#: Roles, strongest first (as :data:`assistant.records.ROLES`).
ROLE_ORDER: tuple[str, ...] = ROLES
#: How a role is printed in an answer.
ROLE_LABEL: dict[str, str] = {
    "牵头": "牵头单位", "负责": "负责单位", "责任": "责任单位", "配合": "配合单位", "参与": "参与单位", "指导": "指导单位",
}
ROLE_EN: dict[str, str] = {
    "牵头": "lead", "负责": "responsible", "责任": "responsible", "配合": "supporting", "参与": "participating",
    "指导": "guiding",
}
#: Roles that count as leading a work point (a 负责 unit leads where no 牵头 unit is printed).
LEAD_ROLES: tuple[str, ...] = ("牵头", "负责")
#: Words in a question that ask about a role → that role.
ROLE_WORDS: dict[str, str] = {
    "牵头": "牵头", "主责": "牵头", "负责": "负责", "参与": "参与", "配合": "配合", "协助": "配合", "指导": "指导",
    "lead": "牵头", "leads": "牵头", "responsible": "负责", "support": "配合", "supports": "配合",
}
#: Fields of a work point as a comparison prints them.
FIELD_LABEL: dict[str, str] = {"targets": "目标", "lead": "牵头单位", "responsible": "责任单位", "title": "标题"}

# ------------------------------------------------------------------------------------ what is asked
FIGURE = re.compile(
    r"多少|(?<!哪)几[个项座家所条处台辆万亿千百名人次户]?|多长|多大|多高|多宽|多远|比例|比重|百分之|目标值|指标|达到什么|什么水平|"
    r"率(?:的)?目标|率$|率是|目标是|目标为|增长目标|目标[？?。]*$|"
    r"what percentage|how many|how much|how long|how far|how big|what (?:is|was|are) the (?:target|rate|share|proportion|goal|number)|"
    r"by how much|target for|\btarget\b|\bgoal\b",
    re.I,
)
LEAD = re.compile(
    r"谁牵头|谁负责|由谁|谁来|归谁|谁管|哪个(?:部门|单位|机构)|哪些(?:部门|单位)|哪家(?:单位|部门)|牵头(?:单位|部门)|"
    r"责任(?:单位|部门)|负责(?:单位|部门)|配合(?:单位|部门)|主管部门|"
    r"who (?:leads|is responsible|handles|is in charge|takes the lead|runs)|which (?:department|unit|agency|bureau|office)|"
    r"responsible (?:unit|department)|lead (?:unit|department|agency)",
    re.I,
)
LIST = re.compile(
    r"哪些|有什么|有哪|都有(?:哪|什么|啥)|都是(?:哪|什么|啥)|分别|清单|列出|列举|所有|全部|哪几|几件|几项|"
    r"which tasks|what tasks|which work|what work|list|all (?:the )?tasks|what does .* (?:lead|do)",
    re.I,
)
COUNT = re.compile(
    r"(?<!哪)(?:多少|几)(?:项|条|件|个)(?:任务|工作|措施|工作要点|要点|实事|民生实事|事项)|(?:有|共|各有|总共|一共|总计)(?:多少|几)(?:项|件|条)(?![\u4e00-\u9fff])|"
    r"任务(?:总)?数|一共.{0,4}(?:项|件)|how many (?:tasks|work points|items)",
    re.I,
)
NUMBER_Q = re.compile(r"文号|发文字号|文件号|字号|document number|reference number", re.I)
#: Asks what a notice is: its title ("国办发〔2019〕3号是关于什么的文件", "这份通知叫什么").
TITLE_Q = re.compile(r"是关于什么|关于什么的|是什么文件|什么通知|标题|题目|文件名|全称|what is .* about|title of", re.I)
ISSUER_Q = re.compile(
    r"发文机关|哪个(?:单位|部门|机关)(?:印发|发布|发的|制定)|谁(?:印发|发布|发的)|印发单位|who issued|issuer", re.I
)
DATE_Q = re.compile(
    r"成文日期|发布日期|印发日期|什么时候(?:印发|发布|成文|出台)|哪天(?:印发|发布)|when was .*(?:issued|published)", re.I
)
#: 第37项, 第五条, task 12; 第N件 in a list of 民生实事.
TASK_NO = re.compile(r"第\s*([\d一二三四五六七八九十百零〇两]+)\s*(项|条|点|件)|(?:task|item|point)\s*(?:no\.?\s*)?(\d+)", re.I)
#: 第二个, 第2个, the second one: a place in the previous answer's list (a follow-up).
ORDINAL = re.compile(r"第\s*([\d一二三四五六七八九十]+)\s*个|the (first|second|third|fourth|fifth|last) one", re.I)
#: "最后一条", "最后一项": the last task of the notice in view.
LAST_TASK = re.compile(r"最后一(?:条|项|件|个)|the last (?:task|item)", re.I)
#: The notice's tasks taken together: a question about reporting or deadlines for all of them.
COLLECTIVE = re.compile(
    r"各项(?:工作)?任务|全部任务|所有任务|工作任务完成|任务完成情况|完成情况.{0,6}(?:报|交|送)|all (?:the )?tasks", re.I
)
YEAR = re.compile(r"((?:19|20)\d{2})\s*(?:年|版|edition)?|(?<![\d])(\d{2})年")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fa5]{1,10}[〔\[［(（]\d{4}[〕\]］)）]\s*\d+\s*号")
#: A person's own errand or outing: how to get something done ("身份证丢了怎么补办", "需要带哪些
#: 材料") or where to go for it ("周末去哪里玩"). Policy notices answer these only where they name the thing.
PROCEDURE = re.compile(
    r"补办|换证|(?:带|准备|提交|提供)(?:哪些|什么)(?:材料|证件)|需要(?:哪些|什么)材料|去哪(?:里|儿)?办|"
    r"(?:怎么|怎样|如何)(?:办理|申请|报名|投诉|报销|提取|挂号|缴纳|预约|激活|注册|查询)|向哪个部门(?:投诉|举报|反映)|"
    r"去哪(?:里|儿)?(?:玩|吃|逛|旅游|爬山)|哪里(?:可以|能)?(?:玩|吃|买|打|逛)|附近有什么|"
    r"how (?:do|can) i (?:apply|renew|get|replace|register|book)|where (?:can|should) i (?:go|buy|eat)",
    re.I,
)
#: Asks a plain fact about a named person or thing ("市长是谁", "电话是多少", "办公地址在哪"): the notices
#: answer it only where they print the thing itself, as for an errand.
#: A question asking what a named thing is ("火星探测计划是什么", "什么是河长制"): the thing must be printed.
DEFINITION = re.compile(r"是什么|什么是|是指什么|指的是什么|是啥|啥是|what (?:is|are)\b|what does .+ mean", re.I)
IDENTITY = re.compile(
    r"是谁|叫什么名字|叫什么|姓名|电话|联系方式|地址|在哪(?:里|儿)?(?!办)|营业时间|几点|官网|网址|"
    r"who is|who's|what is the (?:name|phone|address)|phone number|address of|where is",
    re.I,
)
#: Asks when a work point is done by ("摸底排查要在什么时候之前完成"), and how a notice prints a time it sets
#: ("2019年4月底前", "6月30日前", "年底前", "2月4日至10日").
WHEN_ASK = re.compile(r"什么时候|什么时间|何时|哪天|几号|几月|哪一年|截止|期限|时限|by when|when\b|deadline", re.I)
TIME_PRINTED = re.compile(r"\d{1,2}\s*月(?:\s*\d{1,2}\s*日|底|中旬|上旬|下旬)?|年底|年内|年前|季度")
#: Asks a bound: the most a figure may be ("最多能扣多少", "上限是多少") or the least ("至少得够用几天").
CAP_ASK = re.compile(r"最多|最高|上限|封顶|顶多|至多|不超过多少|at most|maximum|cap\b", re.I)
FLOOR_ASK = re.compile(r"至少|最少|最低|起码|不少于多少|不低于多少|at least|minimum", re.I)
#: How a notice prints a figure as a bound: the words just before it and just after it.
CAP_BEFORE = re.compile(r"(?:不超过|不高于|不多于|最高|至多|控制在|低于|少于)\s*$")
CAP_AFTER = re.compile(r"^\s*(?:以内|以下|之内|限额|封顶|为限)")
FLOOR_BEFORE = re.compile(r"(?:不少于|不低于|不小于|至少|最低|超过|高于|多于)\s*$")
FLOOR_AFTER = re.compile(r"^\s*(?:以上|起)")
#: Asks a share ("要占到多少", "多大比例", "百分之几"): a figure printed for the 比例 or 比重 of the thing answers it.
SHARE_ASK = re.compile(r"占|比例|比重|比率|百分之|百分比|几成|多大比|what percentage|what share|proportion", re.I)
#: Asks for a rate or share, so for a figure in percent where it names no unit ("无害化处理率是多少", "占比多大",
#: "几成"); the bare 占 of SHARE_ASK is left out ("占地多少" asks an area).
RATE_ASK = re.compile(r"率|比例|比重|比率|占比|百分之|百分比|几成")
#: Nouns that name a share of the thing before them (优良天数**比例**, 产值**比重**).
SHARE_NOUN = re.compile(r"^(?:比例|比重|比率|占比)$|率$")
#: Question words that ask something besides a figure ("排多少有没有总量限制", "考几个证吗").
OTHER_ASK = re.compile(r"有没有|会不会|能不能|是不是|要不要|怎么|如何|吗|呢")

# ------------------------------------------------------------------------------------ editions
#: Asks what is new in an edition.
COMPARE_NEW = re.compile(
    r"新增(?:加)?(?:了|的)?(?:哪些|什么|哪几|几项|多少项|几件|多少件|任务|工作|事项|项目|实事|内容)|"
    r"新加(?:了|的)|新添(?:了|的)|新设(?:了|的)(?:哪些|什么)|增加了哪些|多了哪些|多出(?:了|的)?哪些|"
    r"新出现|what(?:'s| is| was) new|added|new tasks",
    re.I,
)
#: Asks what an edition no longer has.
COMPARE_DROPPED = re.compile(
    r"删去|删除|删掉|删了|去掉(?:了)?|取消(?:了|的)|不再(?:有|列|提|做|安排|包括)|减少了哪些|少了哪些|没有了|拿掉|"
    r"dropped|removed|no longer|deleted",
    re.I,
)
#: Asks how the same tasks changed (their figures, units or wording).
COMPARE_CHANGED = re.compile(
    r"调整|变化|变动|改变|改动|不同|不一样|区别|差别|差异|一样吗|相同吗|提高了吗|降低了吗|提高了多少|多了多少|少了多少|变了|"
    r"changed?|differ|difference|revised",
    re.I,
)
#: Sets two editions side by side ("和去年比", "2019年相比", "较上年").
COMPARE_PAIR = re.compile(
    r"较上年|与上年|比去年|和去年|跟去年|同去年|与去年|和上年|今年.{0,6}去年|去年.{0,6}今年|两年|两个年度|历年|"
    r"(?:19|20)\d{2}\s*年?\s*(?:和|与|跟|同|比|较|相对于|vs\.?|versus|and|to)\s*(?:19|20)\d{2}|"
    r"between .*(?:19|20)\d{2} and|since (?:19|20)\d{2}|compared (?:with|to) (?:19|20)\d{2}|editions",
    re.I,
)
#: Words that set two things side by side; a comparison of editions only with years or 今年/去年 beside them.
COMPARE_WORD = re.compile(r"相比|对比|比较|比起|compared?|versus", re.I)
#: Which fields of a task a comparison asks about: its figures, its lead unit, its other units.
COMPARE_FIELDS: dict[str, re.Pattern[str]] = {
    "targets": re.compile(r"目标|指标|数量|数字|规模|figure|target|goal", re.I),
    "lead": re.compile(r"牵头单位|牵头部门|牵头的单位|lead unit|lead department|who leads", re.I),
    "responsible": re.compile(r"责任单位|配合单位|参与单位|responsible unit", re.I),
}
#: "This year" and "last year": the latest edition and the one before it.
THIS_YEAR = re.compile(r"今年|本年|this year", re.I)
LAST_YEAR = re.compile(r"去年|上年|上一年|前一年|last year|previous year", re.I)

# ------------------------------------------------------------------------------------ follow-ups
#: Opens a follow-up ("那市水务局呢？", "那么2018年呢", "还有吗", "and the water bureau?").
FOLLOWUP_OPEN = re.compile(r"^(?:那么|那|还有|另外|再|那这个|那这项|and\b|what about|how about)", re.I)
FOLLOWUP_END = re.compile(r"(?:呢|么)[？?。.!！]*$|[?？]\s*$")
#: Points back at the previous answer's work point ("它", "这项", "该任务", "it").
PRONOUN = re.compile(r"它|其|这项|该项|这个|那个|这件|那件|该任务|这条|该条|这一项|上面|刚才|前面|\bit\b|\bthat\b|\bthis\b", re.I)
#: Asks for more of the same ("还有吗", "还有别的吗", "any more?").
MORE = re.compile(r"^还有(?:吗|呢|别的|其他|没有)|^(?:any )?more\??$|^others?\??$", re.I)
#: Asks for the whole text of a work point ("具体内容是什么", "详细说说").
DETAIL = re.compile(r"具体内容|详细|具体是|具体说|展开|原文|全文|内容是什么|是什么内容|讲的什么|讲什么|in detail|details?|full text", re.I)

# ------------------------------------------------------------------------------------ cue words
#: Words that ask or frame rather than name a topic: left out of a question's topic terms.
CUE_WORDS: frozenset[str] = frozenset(
    """哪些 什么 工作 任务 涉及 关于 有关 相关 分别 牵头 负责 部门 单位 由谁 谁 方面 内容 措施 事项 情况 要求 主要
    要点 具体 目标 多少 达到 要 是 有 各有 各 的 了 比 相比 对比 比较 比起 跟 同 较 一样 不一样 不同 区别 变化 调整
    它 其 这项 该项 这个 那个 这件 那件 这些 那些 这条 该条 该任务 这一项 上面 刚才 前面 重点 责任 配合 参与
    协助 指导 主责 完成 情况 怎么样 如何 都 和 与 及 或 都 在 对 中 里 今年 去年 本年 上年 年度 年 哪 哪个 哪几
    件 项 个 条 实事 民生实事 民生 工作要点 工作报告 政府工作报告 报告 通知 文件 清单 计划 安排 打算 准备
    which what tasks task work concern concerns concerning involve involves involving about the a an of in on to
    for is are does do lead leads department departments unit units agency who how many much will
    be by should must planned plan target targets goal rate point points item items between""".split()
)
#: Words naming a notice's list of tasks (a report's 民生实事 attachment): the question asks about that list.
TASK_LIST_WORDS = re.compile(r"民生实事|为民办实事|办实事|实事|任务清单|民生项目|工作目标清单")
#: Words naming the kind of document or list, not a topic ("民生实事", "工作要点").
DOC_KIND_WORDS: tuple[str, ...] = (
    "民生实事", "为民办实事", "办实事", "实事", "工作要点", "政府工作报告", "工作报告", "报告", "通知", "意见", "方案", "清单",
)

# ------------------------------------------------------------------------------------ English unit names
#: English words of Chinese government unit names → the characters the Chinese name prints for them,
#: so "the forestry and grassland bureau" finds 市林草局 and "housing and construction bureau" 市住建局.
#: A glossary of the administration's vocabulary, not of any notice.
EN_UNIT_WORDS: dict[str, str] = {
    "forestry": "林", "forest": "林", "forests": "林", "grassland": "草", "grasslands": "草", "garden": "园",
    "gardens": "园", "landscaping": "园", "water": "水", "conservancy": "水", "agriculture": "农",
    "agricultural": "农", "rural": "农", "farming": "农", "natural": "自然", "resources": "资源", "planning": "规划",
    "land": "土", "ecology": "生态", "ecological": "生态", "environment": "环境", "environmental": "环",
    "development": "发", "reform": "改", "education": "教育", "educational": "教育", "health": "健",
    "healthcare": "卫", "housing": "住", "construction": "建", "transport": "交", "transportation": "交",
    "traffic": "交", "public": "公", "security": "安", "police": "公安", "finance": "财", "financial": "财",
    "statistics": "统计", "civil": "民政", "affairs": "务", "human": "人", "social": "社",
    "emergency": "应急", "management": "管", "culture": "文", "cultural": "文", "tourism": "旅",
    "market": "市场", "regulation": "监", "supervision": "监", "industry": "工", "industrial": "工",
    "information": "信", "commerce": "商", "science": "科", "technology": "技", "justice": "司法",
    "veterans": "退役军人", "veteran": "退役军人", "meteorological": "气象", "meteorology": "气象",
    "weather": "气象", "sports": "体育", "sport": "体育", "urban": "城", "energy": "能源", "tax": "税",
    "taxation": "税", "audit": "审计", "disabled": "残", "women": "妇", "youth": "团", "trade": "工会",
    "union": "工会", "fund": "公积金", "provident": "公积金", "medical": "医", "insurance": "保",
    "retirement": "老", "elderly": "老", "aging": "老", "civil-air-defense": "人防", "air": "防", "defense": "防",
    "bureau": "局", "commission": "委", "committee": "委", "office": "办", "center": "中心", "centre": "中心",
    "government": "政府", "federation": "联",
}
