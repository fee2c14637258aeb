"""The printed vocabularies the parser reads notices by, in one place.

Every list here describes how Chinese official documents and government websites are printed in
general (the words a site prints around a notice, the kinds of document, the suffixes of unit
names); none names a particular city, unit or task.
"""

from __future__ import annotations

#: Label of a responsibility line or clause → the role its units hold (records.ROLES).
LABEL_ROLES: dict[str, str] = {
    "牵头责任单位": "牵头",
    "牵头责任部门": "牵头",
    "牵头单位": "牵头",
    "牵头部门": "牵头",
    "主责单位": "牵头",
    "主责部门": "牵头",
    "主办单位": "牵头",
    "责任单位": "责任",
    "责任部门": "责任",
    "责任主体": "责任",
    "负责单位": "负责",
    "负责部门": "负责",
    "配合单位": "配合",
    "配合部门": "配合",
    "协办单位": "配合",
    "协同单位": "配合",
    "协同部门": "配合",
    "参与单位": "参与",
    "参与部门": "参与",
    "指导单位": "指导",
    "指导部门": "指导",
}

#: What a government website prints around a notice, at the start of a line: never content.
SITE_NOISE: tuple[str, ...] = (
    "网站无障碍", "适老版", "无障碍", "长者模式", "索引号", "主题分类", "发文机关", "发文字号", "成文日期",
    "发布日期", "发布时间", "发布机构", "标题[:：]", "文号[:：]", "有效性[:：]", "信息来源", "扫一扫", "【",
    "字号", "分享到", "来源[:：]", "责任编辑", "编辑[:：]", "附件下载", "当前位置", "您当前的位置", "您现在的位置",
    "您所在的位置", "首页\\s*[>＞»›/|]", "版权所有", "网站标识码", "网站地图", "技术支持", "承办单位[:：]",
    "上一篇", "下一篇", "浏览次数", "访问量", "阅读次数", "点击数", "保护视力色", ".{0,4}ICP备", ".{0,4}公网安备",
)
#: Menu words a site prints as whole lines ("打印", "关闭", "首页 | 简 | 繁"): never content.
MENU_WORDS: tuple[str, ...] = (
    "首页", "打印", "打印本页", "关闭", "关闭窗口", "收藏", "分享", "返回", "返回顶部", "登录", "注册", "退出",
    "搜索", "高级搜索", "简", "繁", "简体", "繁體", "繁体", "English", "EN", "大", "中", "小", "联系我们",
    "相关解读", "相关文件", "相关链接", "无障碍", "适老版", "微信", "微博", "政务微博", "政务微信", "客户端",
)

#: A line that opens a block of links to other pages (its lines are titles of other notices).
RELATED_BLOCKS: tuple[str, ...] = (
    "相关解读", "相关文件", "相关链接", "相关新闻", "相关阅读", "相关稿件", "延伸阅读", "推荐阅读",
    "热点推荐", "最新政策", "最新文件", "政策解读", "图片新闻", "专题专栏",
)

#: Labels of the fields a site's information table prints (索引号：… 发文字号：…), → NoticeInfo field.
INFO_FIELDS: dict[str, str] = {
    "发文字号": "number",
    "文号": "number",
    "发文机关": "issuer",
    "发布机构": "issuer",
    "成文日期": "date",
    "发布日期": "published",
    "标题": "title",
    "索引号": "",
    "主题分类": "",
    "有效性": "",
}

#: The kinds of document a title names, checked in order; the last group are document types that end a title.
TOPIC_KINDS: tuple[tuple[str, str], ...] = (
    ("政府工作报告", r"政府工作报告"),
    ("民生实事", r"民生实事|惠民实事|为民办.{0,6}实事|民生(项目|工程)清单"),
    ("工作要点", r"工作要点"),
)
DOCUMENT_TYPES: tuple[str, ...] = (
    "实施方案", "工作方案", "行动方案", "行动计划", "工作计划", "实施意见", "指导意见", "实施细则",
    "通知", "意见", "方案", "办法", "规定", "条例", "决定", "批复", "复函", "函", "答复", "通报", "要点",
    "规划", "细则", "报告", "公告", "通告", "请示", "清单", "计划", "纲要", "决议", "命令", "目标", "实事",
)

#: How an issuer's name ends (a body that signs notices).
ISSUER_SUFFIXES: tuple[str, ...] = (
    "国务院办公厅", "国务院", "人民政府办公室", "人民政府办公厅", "人民政府", "政府办公室", "政府办公厅",
    "委员会", "办公室", "办公厅", "部", "局", "委", "厅", "署",
)

#: Administrative levels a place name ends with, longest first.
LEVELS: tuple[str, ...] = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "省", "市", "县", "区", "州", "旗", "盟")
#: Prefixes of national bodies: they govern no place.
NATIONAL: tuple[str, ...] = ("国务院", "国家", "中华人民共和国", "中共中央", "中央", "全国")
#: Words that hold a level character without naming a place (城市园林绿化局, 市场监管局). Not 市政 or
#: 市民: 市政数局 and 市民政局 are 市 + 政数局 / 民政局.
NOT_PLACES: tuple[str, ...] = ("城市", "城乡", "市场", "市容", "区域", "社区")
#: Characters that mark a place of its own inside a unit name (济阳县政府, 南部山区管委会).
PLACE_MARKS = "省市县区州旗盟镇乡村"

#: How the name of a government department or body ends, for telling a unit from other words.
UNIT_SUFFIXES: tuple[str, ...] = (
    "局", "委", "办", "厅", "署", "部", "院", "中心", "会", "联", "协", "队", "站", "社", "处", "室", "府",
    "馆", "所", "团", "组", "行", "司", "集团", "公司", "支队", "总队", "大队",
)
#: Names of bodies that are not a department of the government listing them: never share its level prefix.
OWN_BODIES: tuple[str, ...] = ("公司", "集团", "银行", "分行", "大学", "学院", "医院")
#: Collective names: several units, not one.
COLLECTIVE: tuple[str, ...] = ("各", "有关", "相关", "其他")

#: Words in the title of a part that make it a task list (民生实事清单, 工作目标, 重点任务).
LIST_CUES: tuple[str, ...] = ("实事", "清单", "任务", "项目", "事项", "工作目标", "要点", "分工", "举措")
#: Words in a part's title that make it a report on last year's list rather than this year's.
RESULT_CUES: tuple[str, ...] = ("完成情况", "落实情况", "进展情况", "情况报告")

#: Field labels inside one task (目标任务：…, 完成时限：…): they belong to the task above.
TASK_FIELDS: tuple[str, ...] = (
    "目标任务", "工作目标", "任务目标", "主要任务", "工作任务", "工作内容", "主要内容", "具体措施", "工作措施",
    "完成时限", "完成时间", "时间节点", "进度安排", "预期成效",
)

#: Titles of the speaker of a report ("成都市人民政府市长 罗强"), after an optional 代/代理.
SPEAKERS: tuple[str, ...] = ("市长", "省长", "主席", "县长", "区长", "州长", "旗长", "盟长", "总理")
