"""Which printed figure answers a question such as "残膜回收率要达到多少".

A work point often prints several figures in one sentence ("粮食生产功能区41万亩、重要农产品生产保护区
42万亩"; "化肥…施用量减少3%，农药施用量减少5%"). Each figure owns the words around it: back to the
previous figure or clause break and on to the next. The figure whose words cover most of the
question's words (weighted by how rare each word is in the notices) wins; one whose words hold the
question's head noun only as a modifier of another noun (GDP in "万元GDP用水量下降14%") does not
answer "GDP是多少", and one whose head noun carries another modifier (绿化覆盖率) does not answer a
question about a different one (森林覆盖率).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.parse.targets import ASKED_UNITS, WORD_STARTS
from assistant.records import Target, WorkPoint

#: Least share of the question's words a figure's surroundings must hold to answer it.
MIN_COVERAGE = 0.34
#: Closeness lost per rank of the work point the figure stands in.
RANK_PENALTY = 0.01
_DELIM = re.compile(r"[，,；;。：:（）()]")
_YEAR = re.compile(r"((?:19|20)\d{2})年")


#: Units of one measure: a question asking in one of them is answered by a figure in any of them.
MEASURES: tuple[frozenset[str], ...] = (
    frozenset("公里 千米 米 里".split()),
    frozenset("亩 平方米 平方公里 公顷".split()),
    frozenset("元 钱 块".split()),
    frozenset("人 人次 名 位".split()),
    frozenset("% 个百分点 成".split()),
    frozenset("吨 千克 公斤 克 斤".split()),
    frozenset("千瓦 兆瓦 千瓦时 蒸吨".split()),
    frozenset("立方米".split()),
    frozenset("天 日 小时 年 个月 周岁 岁".split()),
)
#: How a question asks for a measure without naming its unit ("多少钱", "多长", "多大面积").
_MEASURE_WORDS = (("多少钱", "元"), ("几块钱", "元"), ("多长", "公里"), ("多远", "公里"), ("多大面积", "亩"),
                  ("多少面积", "亩"), ("多少人", "人"), ("多重", "吨"), ("how many kilomet", "公里"),
                  ("how many yuan", "元"), ("how much money", "元"), ("how many people", "人"),
                  ("how many tonnes", "吨"), ("how many tons", "吨"), ("how many square met", "平方米"),
                  ("how many mu ", "亩"), ("how many hectare", "公顷"), ("what percentage", "%"))
#: "多少个", "几座"; a measure word that also begins everyday words (:data:`~assistant.parse.targets.WORD_STARTS`)
#: only where no word goes on from it ("要改多少间" asks in 间, "多少部门参与" asks no unit).
_ASKED_UNIT = re.compile(
    r"(?:多少|几)\s*((?:万|亿)?(?:" + "|".join(re.escape(u) for u in sorted(ASKED_UNITS, key=len, reverse=True))
    + "|(?:" + "|".join(sorted(WORD_STARTS)) + r")(?![\u4e00-\u9fff])))"
)


#: "How many … jobs / households / kilometres": the unit an English question counts in.
_EN_COUNTED = (
    (re.compile(r"how many(?: [\w-]+){0,5} (?:people|persons|jobs|residents|workers|students|children|patients|"
                r"graduates|seniors|visits|times)\b"), "人"),
    (re.compile(r"how many(?: [\w-]+){0,5} (?:households|homes|families|flats|apartments)\b"), "户"),
    (re.compile(r"how many(?: [\w-]+){0,5} (?:kilomet(?:re|er)s|km)\b"), "公里"),
    (re.compile(r"how many(?: [\w-]+){0,5} (?:mu)\b"), "亩"),
)


def asked_unit(question: str) -> str:
    """The unit a question asks its figure in ("多少个贫困村" → 个, "多少钱" → 元), or ""."""
    lower = f" {question.lower()} "
    if re.search(r"[a-z]{3}", lower) and not re.search(r"[\u4e00-\u9fff]", lower):
        for pattern, unit in _EN_COUNTED:
            if pattern.search(lower):
                return unit
    for word, unit in _MEASURE_WORDS:
        if word in lower:
            return unit
    if re.search(r"\bhow many\b", lower):
        return "个"  # how many things: any counting unit (所, 座, 户), not a measure
    m = _ASKED_UNIT.search(question)
    return re.sub(r"^(万|亿)", "", m.group(1)) if m else ""


def unit_fits(asked: str, unit: str) -> bool:
    """Whether a figure printed in ``unit`` answers a question asked in ``asked`` (万个 fits 个, 公里 fits 米)."""
    if not asked:
        return True
    bare = re.sub(r"^(万|亿)", "", unit)
    if bare == asked or unit.endswith(asked) or asked.endswith(bare) and bare:
        return True
    if asked == "个":  # the general classifier counts things in any counting unit (所, 座, 户), not measures
        return not any(bare in m for m in MEASURES) and bool(bare)
    return any(asked in m and bare in m for m in MEASURES)


def coverage(terms: list[str], text: str, weights: dict[str, float] | None = None) -> float:
    """Share of the question's words that the text contains, each weighted (by its length if no weights)."""
    weight = weights or {t: float(len(t)) for t in terms}
    total = sum(weight.get(t, 0.0) for t in terms)
    if not terms or total <= 0:
        return 1.0 if not terms else 0.0
    text = text.lower()
    return sum(weight.get(t, 0.0) for t in terms if t in text) / total


def target_window(text: str, t: Target, targets: list[Target]) -> str:
    """The words a figure owns: from the previous target or clause break to the next one.

    Clauses that hold no figure of their own lend their words to the figure after them in the same
    sentence ("实施三级天府绿道建设，建成800公里": 800公里 is the 绿道's).
    """
    i = text.find(t.text)
    if i < 0:
        return ""
    start = max(text.rfind(c, 0, i) for c in "，,；;。、") + 1
    while start > 0 and text[start - 1] in "，,":
        before = max(text.rfind(c, 0, start - 1) for c in "，,；;。、") + 1
        if any(o.text in text[before : start - 1] for o in targets):
            break
        start = before
    ends = [j + len(o.text) for o in targets if o.text != t.text for j in [text.rfind(o.text, start, i)] if j >= 0]
    start = max([start, *ends])
    end = i + len(t.text)
    m = _DELIM.search(text, end)
    stop = m.start() if m else len(text)
    nxt = [j for j in [text.find("、", end), *(text.find(o.text, end) for o in targets)] if j >= 0]
    return text[start : min([stop, *nxt])]


def window_texts(point: WorkPoint) -> list[str]:
    """The windows of a work point's figures (:func:`target_window`), in order, blanks left out."""
    return [w for t in point.targets if (w := target_window(point.text, t, point.targets))]


def _head(terms: list[str]) -> str:
    """The question's head noun: its last noun (or last word when jieba tags none a noun)."""
    import jieba.posseg as pseg

    nouns = [t for t in terms if any(f.startswith(("n", "eng")) for _, f in pseg.lcut(t))]
    return (nouns or terms)[-1]


def head_is_modifier(terms: list[str], window: str) -> bool:
    """The question's head noun stands in the window only before another noun (GDP in GDP用水量)."""
    import jieba.posseg as pseg

    if not terms:
        return False
    head = _head(terms)
    i = window.lower().rfind(head)
    if i < 0:
        return False
    words = [(w, f) for w, f in pseg.lcut(window[i + len(head) :]) if w.strip()]
    if not words:
        return False
    word, flag = words[0]
    return flag.startswith("n") and word not in "".join(terms) and not re.match(r"\d", word)


def other_modifier(question: str, terms: list[str], window: str) -> bool:
    """The question's head noun stands in the window with another modifier (森林覆盖率 against 绿化覆盖率).

    The modifier is the question's word written right before its head. One the window holds, or
    one sharing a character with the two characters before the head there (地膜 and 残膜), is the same.
    """
    if not terms:
        return False
    head = _head(terms)
    question, window = question.lower(), window.lower()
    modifier = next((t for t in terms if t != head and t + head in question), "")
    i = window.find(head)
    if not modifier or i < 0 or modifier in window:
        return False
    before = window[max(0, i - 2) : i]
    return bool(before) and not set(modifier) & set(before)


def best_target(
    question: str,
    terms: list[str],
    points: list[WorkPoint],
    weights: dict[str, float] | None = None,
    similarity: Callable[[list[str]], list[float]] | None = None,
) -> tuple[Target, int] | None:
    """The figure answering a question with these content words, among work points best first.

    A figure qualifies when it is printed in the unit the question asks in (:func:`asked_unit`), its
    words hold enough of the question's (:data:`MIN_COVERAGE`, each word weighted by ``weights``)
    and name the same indicator. Among those, one set for a year the
    question names comes first; then the one whose words ``similarity`` places closest to the
    question (word coverage when no similarity is given), less :data:`RANK_PENALTY` per rank of its
    work point.

    Returns:
        The target and the index of its work point in ``points``; None when no figure qualifies.
    """
    years = set(_YEAR.findall(question))
    asked = asked_unit(question)
    found: list[tuple[float, Target, int, str, bool]] = []
    for rank, p in enumerate(points):
        for t in p.targets:
            if not unit_fits(asked, t.unit):
                continue  # "多少个贫困村" is not answered by 5000千瓦, "票价多少钱" not by 9个
            window = target_window(p.text, t, p.targets)
            if not window or head_is_modifier(terms, window) or other_modifier(question, terms, window):
                continue
            # The task's title names what all its figures are about ("农村饮水工程" for 75公里 of pipes).
            share = coverage(terms, f"{window} {p.title}", weights)
            if share >= MIN_COVERAGE:
                year = governing_year(p.text, t, p.path)
                found.append((share, t, rank, window, not years or year is None or year in years))
    if not found:
        return None
    close = similarity([x[3] for x in found]) if similarity else [x[0] for x in found]
    best = max(range(len(found)), key=lambda i: (found[i][4], close[i] - RANK_PENALTY * found[i][2]))
    return found[best][1], found[best][2]


def governing_year(text: str, t: Target, path: list[str] | tuple[str, ...] = ()) -> str | None:
    """The year a figure is set for: the last one named before it ("到2020年，…达到70%。到2025年，…75%"),
    else the one its section heading names ("一、2018年工作回顾" reports 2018's figures, not the year's targets)."""
    at = text.find(t.sentence)
    at = at + t.sentence.find(t.text) if at >= 0 else text.find(t.text)
    years = _YEAR.findall(text[: max(at, 0)])
    if years:
        return years[-1]
    for heading in reversed(list(path)):
        found = _YEAR.findall(heading)
        if len(set(found)) == 1:
            return found[0]
    return None


def only_figure_in_unit(question: str, point: WorkPoint, terms: list[str]) -> Target | None:
    """The one figure a work point prints in the unit the question asks in ("要建几个" → 200个), when the
    question names a unit and the work point prints exactly one such figure of the question's indicator.

    A colloquial question shares few words with the task ("给老人弄吃饭的地方" for 老年人助餐服务点), so its
    words cannot pick the figure; the unit it asks in can, where only one figure fits.
    """
    asked = asked_unit(question)
    if not asked:
        return None
    fitting = [
        t for t in point.targets
        if unit_fits(asked, t.unit) and not head_is_modifier(terms, w := target_window(point.text, t, point.targets))
        and not other_modifier(question, terms, w)
    ]
    return fitting[0] if len({(t.value, t.unit) for t in fitting}) == 1 else None
