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

from assistant import vocab
from assistant.parse.targets import ASKED_UNITS, WORD_STARTS
from assistant.records import Target, WorkPoint
from assistant.tokenize import is_english

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
#: "多少个", "几座", "多少部": a unit after the word that asks (see :func:`_asked_here` for those that begin words).
_UNIT_ALT = "|".join(re.escape(u) for u in sorted([*ASKED_UNITS, *WORD_STARTS], key=len, reverse=True))
_ASKED_UNIT = re.compile(rf"(?:多少|几)\s*((?:万|亿)?(?:{_UNIT_ALT}))")
#: Time measures that begin words (日均, 天然气, 年轻): they are the quantity itself and count no noun after them.
_TIME_STARTS = frozenset("日 天 年".split())


def _asked_here(question: str, m: re.Match[str]) -> bool:
    """Whether a measure word that also begins everyday words (:data:`~assistant.parse.targets.WORD_STARTS`) is
    the unit asked: where no word goes on from it ("要改多少间", "几级"), or where a classifier stands as a word
    of its own before the noun it counts (jieba: 多少/部/电梯, against 多少/部门/参与); a time measure only at the end
    ("多少日收运能力" asks no unit in 日)."""
    unit = bare_unit(m.group(1))
    end = m.end(1)
    if unit not in WORD_STARTS or not re.match(r"[\u4e00-\u9fff]", question[end:end + 1]):
        return True
    if unit in _TIME_STARTS:
        return False
    import jieba

    return any(start == m.start(1) and stop == end for _, start, stop in jieba.tokenize(question))


#: "每台", "每个月", "每人": what a rate is per.
_PER = re.compile(rf"每\s*({_UNIT_ALT})")
#: Where a question asks a number: 多少, 几 (not 几乎, 几何, 几率, 哪几, which ask no figure).
_ASK = re.compile(r"多少|(?<!哪)几(?![乎何率])")

#: "How many … jobs / households / kilometres": the unit an English question counts in.
_EN_COUNTED = (
    (re.compile(r"how many(?: [\w-]+){0,5} (?:people|persons|jobs|residents|workers|students|children|patients|"
                r"graduates|seniors|visits|times)\b"), "人"),
    (re.compile(r"how many(?: [\w-]+){0,5} (?:households|homes|families|flats|apartments)\b"), "户"),
    (re.compile(r"how many(?: [\w-]+){0,5} (?:kilomet(?:re|er)s|km)\b"), "公里"),
    (re.compile(r"how many(?: [\w-]+){0,5} (?:mu)\b"), "亩"),
)


def bare_unit(unit: str) -> str:
    """A unit without its 万 or 亿 (万个 → 个, 亿元 → 元)."""
    return re.sub(r"^(万|亿)", "", unit)


def asked_unit(question: str, named: bool = False) -> str:
    """The unit a question asks its figure in ("多少个贫困村" → 个, "多少钱" → 元, "处理率是多少" → %), or "".

    With ``named``, only a unit the question names: a rate it asks for implies percent, but is not
    the question naming it.
    """
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
    m = _unit_asked(question)
    if m:
        return bare_unit(m.group(1))
    return "%" if not named and _ASK.search(question) and vocab.RATE_ASK.search(question) else ""


def _unit_asked(question: str) -> re.Match[str] | None:
    """The unit after the last 多少/几, the one that asks (one before it counts the subject: "几个主要城市…要占到
    多少"), where it is the unit asked (:func:`_asked_here`)."""
    asks = list(_ASK.finditer(question))
    m = _ASKED_UNIT.match(question, asks[-1].start()) if asks else None
    return m if m and _asked_here(question, m) else None


def counted_noun(question: str) -> str:
    """The noun the asked classifier counts ("加装多少部电梯" → 电梯, "多少个贫困村" → 贫困村), or ""."""
    import jieba.posseg as pseg

    m = _unit_asked(question)
    if not m:
        return ""
    words = [(w, f) for w, f in pseg.lcut(question[m.end(1) :]) if w.strip()]
    word, flag = words[0] if words else ("", "")
    return word.lower() if len(word) >= 2 and flag.startswith("n") else ""


def per_units(question: str) -> set[str]:
    """Units the question divides by ("每台能拿多少补贴" → 台, "每个月" → 个月): a figure in one is not its answer.
    每个 is "each", not a unit."""
    return {u for u in _PER.findall(question) if u != "个"}


def unit_fits(asked: str, unit: str) -> bool:
    """Whether a figure printed in ``unit`` answers a question asked in ``asked`` (万个 fits 个, 公里 fits 米)."""
    if not asked:
        return True
    bare = bare_unit(unit)
    if bare == asked or unit.endswith(asked) or asked.endswith(bare) and bare:
        return True
    if asked == "个":  # the general classifier counts things in any counting unit (所, 座, 户), not measures
        return not any(bare in m for m in MEASURES) and bool(bare)
    if bare == "个":  # and a thing asked in its own classifier ("多少处") may be printed in 个 ("问题2500个")
        return not any(asked in m for m in MEASURES)
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


def head_is_modifier(terms: list[str], window: str, question: str = "", figure: str = "") -> bool:
    """The question's head noun stands in the window only before another noun (GDP in GDP用水量).

    The head's last mention must be a word of its own (药 in 药店 is another word) and stand before
    the figure (in "26项户籍业务办理" the figure counts the 业务). The nouns after it must not be ones
    the question asks about too: 面积 in "多大面积的公园" against 公园绿地面积 (a compound by its last
    word), or a share (:data:`~assistant.vocab.SHARE_NOUN`) where the question asks one
    (:data:`~assistant.vocab.SHARE_ASK`: "天数要占到多少" against 优良天数比例).
    """
    import jieba.posseg as pseg

    if not terms:
        return False
    head = _head(terms)
    at = window.lower().rfind(head)
    if at < 0 or figure and 0 <= window.find(figure) < at:
        return False
    words, start = [], 0
    for w, f in pseg.lcut(window):
        words.append((w.lower(), f, start))
        start += len(w)
    i = next((k for k, (w, _, begin) in enumerate(words) if begin <= at < begin + len(w)), -1)
    if i < 0 or words[i][0] != head:
        return False  # its last mention is inside another word (药 in 药店, 利用 in 利用率)
    after: list[str] = []
    for word, flag, _ in words[i + 1 :]:
        if not word.strip():
            continue
        if not flag.startswith("n") or re.match(r"\d", word):
            break
        after.append(word)
    if not after:
        return False
    asked = f"{question.lower()} {''.join(terms)}"
    if any(w in asked or len(w) > 2 and w[-2:] in asked for w in after):  # a compound's last word is its head
        return False
    return not (vocab.SHARE_ASK.search(question) and any(vocab.SHARE_NOUN.search(w) for w in after))


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
    quoting = {id(p) for p in points if any(quoted(question, o) for o in p.targets)}
    head = _head(terms) if terms else ""
    found: list[tuple[float, Target, int, str, bool]] = []
    for rank, p, t, window in _candidates(question, terms, points):
        if id(p) in quoting:
            # The question names one of its figures (:func:`_candidates`) and asks another thing of it: the
            # sentence must name that thing ("新增日收运能力" for "5座…新增多少日收运能力", not "每张面额" for
            # 发放消费券1000万元…活动700场); the words it shares with the question count, not the title's.
            text = t.sentence or window
            if head and head not in text.lower():
                continue
        else:
            # The task's title names what all its figures are about ("农村饮水工程" for 75公里 of pipes), and so
            # does its section's heading ("第四章 大病医疗" for the 80000元 of 第十一条).
            text = f"{window} {p.title} {p.path[-1] if p.path else ''}"
        share = coverage(terms, text, weights)
        if share >= MIN_COVERAGE:
            year = governing_year(p.text, t, p.path)
            found.append((share, t, rank, window, not years or year is None or year in years))
    if not found:
        return None
    close = similarity([x[3] for x in found]) if similarity else [x[0] for x in found]
    # "How many" asks in no classifier of its own (asked_unit reads it as 个), nor a rate in percent only (利用系数
    # 0.543 answers "利用效率要提高到多少"): no unit is preferred.
    asked = "" if is_english(question) else asked_unit(question, named=True)
    exact = [_in_unit(asked, x[1].unit) for x in found]
    bound = asked_bound(question)
    bounded = [not bound or printed_bound(x[3], x[1]) == bound for x in found]
    best = max(range(len(found)),
               key=lambda i: (found[i][4], exact[i], bounded[i], close[i] - RANK_PENALTY * found[i][2]))
    return found[best][1], found[best][2]


def asked_bound(question: str) -> str:
    """"cap" for a question asking the most a figure may be ("最多能扣多少"), "floor" for the least, else ""."""
    return "cap" if vocab.CAP_ASK.search(question) else "floor" if vocab.FLOOR_ASK.search(question) else ""


def printed_bound(window: str, t: Target) -> str:
    """"cap" for a figure printed as a most ("在80000元限额内", "不超过1.5%"), "floor" as a least ("超过15000元",
    "40%以上"), else ""."""
    i = window.find(t.text)
    if i < 0:
        return ""
    before, after = window[max(0, i - 4) : i], window[i + len(t.text) : i + len(t.text) + 3]
    if vocab.CAP_BEFORE.search(before) or vocab.CAP_AFTER.match(after) or t.text.endswith(("以下", "以内")):
        return "cap"
    if vocab.FLOOR_BEFORE.search(before) or vocab.FLOOR_AFTER.match(after) or t.text.endswith(("以上", "起")):
        return "floor"
    return ""


def quoted(question: str, t: Target) -> bool:
    """Whether the question itself prints the figure (its number and unit): one it names as known is no answer."""
    number = re.match(r"[\d.]+", t.text)
    if not number:
        return False
    return bool(re.search(rf"(?<![\d.]){re.escape(number.group())}\s*{re.escape(t.unit[:1])}", question)) if t.unit else False


#: Characters a question and a notice's title share in one run for the run to name the notice (发挥政府性融资担保
#: 基金作用 in a question on 国办发〔2019〕6号): longer than the two or three of a shared word or two.
NAMING_CHARS = 5


def title_spans(question: str, titles: set[str]) -> str:
    """The question with every run of :data:`NAMING_CHARS` or more characters it shares with one of the titles
    blanked: those words name the notice, not a figure in it."""
    for title in titles:
        while True:
            run = _longest_shared(question, title)
            if len(run) < NAMING_CHARS:
                break
            question = question.replace(run, " ")
    return question


def _longest_shared(a: str, b: str) -> str:
    """The longest run of characters both strings hold (dynamic programming over two short strings)."""
    best, end = 0, 0
    previous = [0] * (len(b) + 1)
    for i, x in enumerate(a, 1):
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y and not x.isspace():
                current[j] = previous[j - 1] + 1
                if current[j] > best:
                    best, end = current[j], i
        previous = current
    return a[end - best : end]


def _in_unit(asked: str, unit: str) -> bool:
    """Printed in the very unit asked (万个 for 个), not one that only stands in for it (:func:`unit_fits`)."""
    return not asked or bare_unit(unit) == asked


def _candidates(question: str, terms: list[str], points: list[WorkPoint]) -> list[tuple[int, WorkPoint, Target, str]]:
    """The figures of these work points that may answer: printed in the unit asked, naming no other indicator
    (:func:`head_is_modifier`, :func:`other_modifier`); each with its work point's rank and its window."""
    asked, counted, per = asked_unit(question), counted_noun(question), per_units(question)
    # A rate asked without a unit named ("利用效率提到多少") may be printed as a bare ratio (利用系数达到0.543).
    bare_rate = asked == "%" and not asked_unit(question, named=True)
    out = []
    for rank, p in enumerate(points):
        # A question naming one of its figures ("那1.5亿元投资里省里出多少") asks about that figure's thing: its
        # answer stands in the same sentence.
        known = {o.sentence for o in p.targets if quoted(question, o)}
        for t in p.targets:
            if known and t.sentence not in known:
                continue
            if not (unit_fits(asked, t.unit) or bare_rate and not t.unit) or bare_unit(t.unit) in per:
                continue  # "多少个贫困村" is not answered by 5000千瓦, "票价多少钱" not by 9个, "每台补贴多少" not by 800台
            if quoted(question, t):
                continue  # the question knows it already: "那1.5亿元投资里省里出多少" asks about it, not for it
            window = target_window(p.text, t, p.targets)
            if not window or counted and not _in_unit(asked, t.unit) and counted not in window.lower():
                continue  # a figure in another unit must name the thing asked ("多少部电梯" against "改造49个")
            if not head_is_modifier(terms, window, question, t.text) and not other_modifier(question, terms, window):
                out.append((rank, p, t, window))
    return out


def closest_target(
    question: str,
    terms: list[str],
    points: list[WorkPoint],
    weights: dict[str, float],
    similarity: Callable[[list[str]], list[float]],
) -> Target | None:
    """The figure a question worded apart from the notice asks for ("城里居民扔的垃圾，要有多大比例做到妥善处理"
    for 生活垃圾无害化处理率达到92%), when no figure's words hold enough of the question's (:func:`best_target`).

    Two signals must agree: the work point retrieval ranks first prints it, and of every figure
    that may answer in these work points its words are the closest to the question's meaning.
    Its own words must still share one with the question (the title's are not enough): meaning alone
    places some figure closest to any question.
    """
    found = _candidates(question, terms, points)
    if not found:
        return None
    close = similarity([window for *_, window in found])
    asked = asked_unit(question, named=True)  # as in best_target: a rate's implied percent prefers no unit
    best = max(range(len(found)), key=lambda i: (_in_unit(asked, found[i][2].unit), close[i]))
    rank, p, t, window = found[best]
    if rank or coverage(terms, window, weights) <= 0 or any(quoted(question, o) for o in p.targets):
        return None  # a question naming one of the point's figures asks about that one: all its neighbours are close
    return t


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
    question names a unit and the work point prints exactly one such figure of the question's indicator
    (:func:`_candidates`).

    A colloquial question shares few words with the task ("给老人弄吃饭的地方" for 老年人助餐服务点), so its
    words cannot pick the figure; the unit it asks in can, where only one figure fits.
    """
    if not asked_unit(question, named=True):
        return None
    fitting = [t for *_, t, _ in _candidates(question, terms, [point])]
    return fitting[0] if len({(t.value, t.unit) for t in fitting}) == 1 else None
