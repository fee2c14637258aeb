"""Figures a work point sets (40%以上, 30.89万亩, 146.5蒸吨, Ⅳ类), each with the sentence it stands in."""

from __future__ import annotations

import re

from assistant.records import Target

#: Units that follow a figure in these notices; longest first so 万亩 wins over 亩.
UNITS = sorted(
    """% ‰ 个百分点 万亩 亩 平方公里 平方米 万平方米 公里 千米 米 万吨 吨 蒸吨 千克 公斤 克
    万千瓦时 千瓦时 万千瓦 千瓦 兆瓦 立方米 万立方米 亿立方米 万元 亿元 元 万人 人次 人 名 户 万户
    个 家 座 处 所 项 台 辆 套 条 批 次 场 场次 班次 盏 张 件 种 类 株 棵 头 只 倍 天 日 个月 小时 年 岁 周岁
    公顷 斤
    间 栋 幢 段 根 支 笔 份 宗 起 对 部 架 架次 艘 趟 片 块 本 册 门 级 课时 学时 分钟 工作日 个工作日
    毫米 厘米 千伏 美元 万美元 亿美元
    微克/立方米 毫克/升 吨/日 吨/年 立方米/秒 万辆""".split(),
    key=len,
    reverse=True,
)
#: Measure words that also begin everyday words (部门, 支持, 门槛, 对象, 根据, 级别, 日均, 天然气, 年度): a figure
#: printed in one is read (改造3.5万间), but a question's "多少部门" or "多少日收运能力" is not read as asking for a
#: figure in 部 or 日 (:data:`ASKED_UNITS`; :func:`assistant.figures.asked_unit` takes a classifier only where it is
#: a word of its own, as in 多少/部/电梯, and a time measure only at the end: "几日" and "多少天" still ask in days).
WORD_STARTS = frozenset("间 段 根 支 笔 份 宗 起 对 部 架 片 块 本 门 级 日 天 年".split())
#: The units a question can ask its figure in ("多少个", "几座"): :data:`UNITS` but :data:`WORD_STARTS`.
ASKED_UNITS = [u for u in UNITS if u not in WORD_STARTS]
_NUM = r"\d+(?:[.．]\d+)?(?:[—\-~～至]\d+(?:[.．]\d+)?)?"
_QUAL = r"(?:以上|以下|以内|左右|及以上|及以下)?"
#: A figure and its unit, with the rough-count words printed between them ("1.7万余张", "2100多万人").
_FIGURE = re.compile(rf"(?<![\d.])({_NUM})\s*((?:[余多]?(?:万|亿))?[余多]?(?:{'|'.join(re.escape(u) for u in UNITS)})){_QUAL}")
#: A bare ratio, index or coefficient that a verb or a bound sets ("利用系数达到0.543", "拥堵指数不超过1.70"): a
#: decimal with no unit.
_BARE = re.compile(r"(?:达到|提高到|提升到|降低到|下降到|降到|降至|控制在|保持在|稳定在|不超过|不高于|不低于|不少于|低于|高于)"
                   r"(\d+[.．]\d+)(?![\d.．%‰]|\s*[万亿千百个十])")
_WATER_CLASS = re.compile(r"(?:[ⅠⅡⅢⅣⅤ]|Ⅰ|Ⅱ|Ⅲ|Ⅳ|Ⅴ|I{1,3}|IV|V)类")
_SENTENCE = re.compile(r"[^。；！？!?;]+[。；！？!?;]?")


def sentences(text: str) -> list[str]:
    """Split Chinese text into sentences, keeping their final punctuation."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _is_date(sentence: str, start: int, value: str, unit: str) -> bool:
    """A "2019年" or "11月20日" figure is a date, not a target."""
    if unit == "年" and re.fullmatch(r"\d{4}", value):
        return True
    return unit in ("日", "号") and sentence[max(0, start - 3) : start].rstrip().endswith(("月", "至", "—", "-", "～"))


def extract_targets(text: str) -> list[Target]:
    """Every figure with a unit or percent, and every water-quality class, in the order printed.

    Years, calendar dates and years of a span ("2019年") are left out; they are deadlines, not targets.
    """
    found: list[Target] = []
    for sentence in sentences(text):
        for m in _FIGURE.finditer(sentence):
            value, unit = m.group(1), m.group(2)
            if _is_date(sentence, m.start(1), value, unit):
                continue
            found.append(Target(text=m.group(0), value=value.replace("．", "."), unit=re.sub("[余多]", "", unit),
                                sentence=sentence))
        for m in _BARE.finditer(sentence):
            if not any(f.text.startswith(m.group(1)) for f in found if f.sentence == sentence):
                found.append(Target(text=m.group(1), value=m.group(1).replace("．", "."), unit="", sentence=sentence))
        for m in _WATER_CLASS.finditer(sentence):
            found.append(Target(text=m.group(0), value=m.group(0)[:-1], unit="类", sentence=sentence))
    return found
