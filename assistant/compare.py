"""Comparing two notices of one family, e.g. this year's 工作要点 against last year's.

The work points of notice A (the earlier one) and notice B are aligned one to one: a Hungarian
assignment on a similarity that combines the embeddings with the records (body text, title, section,
units, targets), with pairs below a measured threshold cut. Every work point then lands in one list:
kept (the same task, perhaps renumbered or lightly reworded), changed (the same task with other targets,
lead or responsible units, or a reworded title; each difference old → new with both quotes), new (only
in B) or dropped (only in A). The preamble (导语) is treated like any other work point: in a letter or a
reply it is the whole notice, and in a 工作要点 it pairs with next year's preamble.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.errors import AssistantError
from assistant.parse.units import locality, unit_key
from assistant.records import Notice, NoticeInfo, Target, WorkPoint

if TYPE_CHECKING:
    from assistant.index import LoadedIndex

#: Weight of each signal in a pair's similarity (a weighted mean over the signals that apply: section,
#: units and targets only where either side has some). The record signals together stay below
#: THRESHOLD, so a shared title and section never make a pair without similar text.
WEIGHTS: dict[str, float] = dict(vector=0.4, text=0.2, title=0.2, section=0.1, units=0.05, targets=0.05)
#: Cosines of the default model between unrelated work points of one notice family lie around 0.9 (0.93
#: on average in the Haidong notice); the vector signal rescales the cosine from [FLOOR, 1] to [0, 1].
FLOOR = 0.9
#: Pairs below this similarity are different tasks. Measured (tests/test_compare.py): wrong pairs score
#: at most 0.46 (constructed edition, all pairs) and 0.41 (real State Council pairs); true pairs at
#: least 0.93 in the constructed edition and 0.59 when every title is reworded and every body cut.
THRESHOLD = 0.5

_N = "一二三四五六七八九十百"
_NUMBERING = re.compile(rf"^\s*(?:[{_N}]+、|[（(][{_N}\d]+[)）]|\d+[.．、])\s*")
_NOT_WORD = re.compile(r"[\W_]+")
_YEAR = re.compile(r"(?:19|20)\d\d(?=年)")
#: The parser's label for the text before the first numbered item; its "title" is only its first sentence.
PREAMBLE = "导语"
_PAREN = re.compile(r"[（(][^（）()]{2,400}[)）]")
_FIELDS = {"lead": "牵头单位", "responsible": "责任单位", "targets": "目标", "title": "标题"}
_SIGNAL_NAMES = dict(vector="向量", text="正文", title="标题", section="章节", units="单位", targets="目标")


@dataclass
class Difference:
    """One way a task changed: ``field`` is "targets", "lead", "responsible" or "title"."""

    field: str
    old: str
    new: str
    quote_a: str
    quote_b: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Pair:
    """Two work points taken for the same task: labels as printed, similarity, its evidence, differences."""

    a: WorkPoint
    b: WorkPoint
    similarity: float
    evidence: str
    label_a: str = ""
    label_b: str = ""
    differences: list[Difference] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = {"a": self.label_a, "b": self.label_b, "similarity": round(float(self.similarity), 4)}
        d["evidence"] = self.evidence
        if self.differences:
            d["differences"] = [x.to_dict() for x in self.differences]
        return d


@dataclass
class Single:
    """A work point found in one notice only, with its label as printed."""

    label: str
    point: WorkPoint


@dataclass
class Comparison:
    """Notice A against notice B: pairs kept and changed (in A's order), new in B, dropped from A."""

    a: NoticeInfo
    b: NoticeInfo
    kept: list[Pair] = field(default_factory=list)
    changed: list[Pair] = field(default_factory=list)
    new: list[Single] = field(default_factory=list)
    dropped: list[Single] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "kept": [p.to_dict() for p in self.kept],
            "changed": [p.to_dict() for p in self.changed],
            "new": [{"b": s.label, "title": s.point.title} for s in self.new],
            "dropped": [{"a": s.label, "title": s.point.title} for s in self.dropped],
        }

    def memo(self) -> str:
        """The comparison as a staff memo in Chinese: counts, then the changes, then new and dropped items."""
        matched = len(self.kept) + len(self.changed)
        lines = [
            f"{_doc_name(self.a)} → {_doc_name(self.b)}",
            f"对应{matched}项（其中有变化{len(self.changed)}项、未变{len(self.kept)}项），"
            f"新增{len(self.new)}项，删去{len(self.dropped)}项。",
        ]
        sections = [
            ("有变化的事项", [_memo_change(p) for p in self.changed]),
            ("新增的事项", [f"{_cite(s.label)}「{s.point.title}」{_lead(s.point)}" for s in self.new]),
            ("删去的事项", [f"{_cite(s.label)}「{s.point.title}」{_lead(s.point)}" for s in self.dropped]),
        ]
        for number, (heading, entries) in zip("一二三", [s for s in sections if s[1]], strict=False):
            lines += ["", f"{number}、{heading}（{len(entries)}项）"]
            lines += [f"{i}. {e}" for i, e in enumerate(entries, 1)]
        return "\n".join(lines)


def _doc_name(doc: NoticeInfo) -> str:
    return f"{doc.number}（{doc.year}年）" if doc.number and doc.year else doc.label


def _cite(label: str) -> str:
    return f"第{label}项" if label.isdigit() else label


def _lead(point: WorkPoint) -> str:
    return f"（牵头单位：{'、'.join(point.lead)}）" if point.lead else ""


def _memo_change(p: Pair) -> str:
    where = _cite(p.label_a) if p.label_a == p.label_b else f"{_cite(p.label_a)} → {_cite(p.label_b)}"
    what = []
    for d in p.differences:
        text = f"{_FIELDS[d.field]} {d.old or '（无）'} → {d.new or '（无）'}"
        if d.field == "targets":
            text += f"（原文：“{clause_with(d.quote_a, d.old)}” / 新文：“{clause_with(d.quote_b, d.new)}”）"
        what.append(text)
    return f"{where}「{p.b.title}」：{'；'.join(what)}"


def clause_with(sentence: str, figure: str) -> str:
    """The clause of a quoted sentence that holds the figure, with … for what is left out."""
    if not sentence:
        return "—"
    parts = re.split(r"(?<=[，,；;：:])", sentence)
    at = next((i for i, part in enumerate(parts) if figure and figure in part), None)
    if at is None or len(parts) == 1:
        return sentence
    return ("…" if at else "") + parts[at].rstrip("，,；;：:") + ("…" if at < len(parts) - 1 else "")


def labels(notice: Notice) -> list[str]:
    """Each work point's label as printed; where labels of one style repeat in a notice (``1.`` under
    both ``八、`` and ``十、``), the numbers of the headings above go before each of them: ``八.1``."""

    def _style(label: str) -> str:  # 3 and 12 share one style, （一） and （二） another
        return re.sub(rf"[0-9{_N}]+", "N", label)

    styles = Counter(_style(p.item) for p in notice.items)
    repeats = {_style(item) for item, n in Counter(p.item for p in notice.items).items() if n > 1}
    out = []
    for p in notice.items:
        label = p.item
        if _style(p.item) in repeats and styles[_style(p.item)] > 1:
            numbers = [m.group(0).strip().rstrip("、.．") for h in p.path if (m := _NUMBERING.match(h))]
            label = "".join(numbers) + ("." if numbers and label[0].isdigit() else "") + label
        out.append(label)
    seen: Counter[str] = Counter()
    for i, label in enumerate(out):  # still repeated (no numbered heading above): number the repeats
        seen[label] += 1
        if seen[label] > 1:
            out[i] = f"{label}#{seen[label]}"
    return out


def _bigrams(text: str) -> set[str]:
    s = _NOT_WORD.sub("", text)
    return {s[i : i + 2] for i in range(len(s) - 1)} or set(s)


def _dice(x: set[Any], y: set[Any]) -> float:
    return 2 * len(x & y) / (len(x) + len(y)) if x or y else 1.0


def _counter_dice(x: Counter[Any], y: Counter[Any]) -> float:
    return 2 * sum((x & y).values()) / (x.total() + y.total()) if x or y else 1.0


class _Side:
    """What the alignment reads from one notice, computed once."""

    def __init__(self, notice: Notice, vectors: np.ndarray) -> None:
        if len(vectors) != len(notice.items):
            raise AssistantError(f"{notice.doc.label}: {len(vectors)} vectors, {len(notice.items)} items")
        self.notice, self.vectors, self.place = notice, vectors, locality(notice.doc.issuer)
        self.labels = labels(notice)
        self.titles = [_bigrams(p.title) for p in notice.items]
        self.texts = [_bigrams(p.text) for p in notice.items]
        # Section numbers shift when a section is dropped, so only the headings' words count.
        self.sections = [_bigrams("".join(_NUMBERING.sub("", h) for h in p.path)) for p in notice.items]
        self.units = [{unit_key(u, self.place) for u in p.units} for p in notice.items]
        self.targets = [Counter((t.value, t.unit) for t in p.targets) for p in notice.items]


def _signals(a: _Side, b: _Side) -> dict[str, np.ndarray]:
    """Each signal for every pair (rows: A's work points, columns: B's) in [0, 1]; NaN where it does not apply."""
    n, m = len(a.labels), len(b.labels)
    out = {k: np.full((n, m), np.nan) for k in WEIGHTS}
    cosine = a.vectors.astype(np.float64) @ b.vectors.T.astype(np.float64)  # rows are L2-normalised
    out["vector"] = np.clip((cosine - FLOOR) / (1 - FLOOR), 0.0, 1.0)
    for i in range(n):
        for j in range(m):
            out["text"][i, j] = _dice(a.texts[i], b.texts[j])
            out["title"][i, j] = _dice(a.titles[i], b.titles[j])
            if a.sections[i] or b.sections[j]:
                out["section"][i, j] = _dice(a.sections[i], b.sections[j])
            if a.units[i] or b.units[j]:
                out["units"][i, j] = _dice(a.units[i], b.units[j])
            if a.targets[i] or b.targets[j]:
                out["targets"][i, j] = _counter_dice(a.targets[i], b.targets[j])
    return out


def _combine(parts: dict[str, np.ndarray]) -> np.ndarray:
    total = sum(np.where(np.isnan(parts[k]), 0.0, w * parts[k]) for k, w in WEIGHTS.items())
    mass = sum(np.where(np.isnan(parts[k]), 0.0, w) for k, w in WEIGHTS.items())
    return total / mass


def _unit_quote(point: WorkPoint, name: str, units: list[str]) -> str:
    """The parenthesis that names the units, or the 牵头单位/责任单位 line they were printed on."""
    for paren in reversed(_PAREN.findall(point.text)):
        if any(u in paren for u in units):
            return paren
    return f"{_FIELDS[name]}：{'、'.join(units)}" if units else ""


def _target_differences(a: list[Target], b: list[Target]) -> list[Difference]:
    """Targets compared as (value, unit) multisets; a changed figure is paired with its new value by sentence."""
    left_a, left_b = list(range(len(a))), list(range(len(b)))

    def pairs(same_key: bool) -> list[tuple[int, int]]:
        """Greedy pairs, same unit first, then by the similarity of their sentences."""
        found = []
        scored = [
            (a[i].unit == b[j].unit, _dice(_bigrams(a[i].sentence), _bigrams(b[j].sentence)), i, j)
            for i in left_a
            for j in left_b
            if ((a[i].value, a[i].unit) == (b[j].value, b[j].unit)) == same_key
        ]
        for _, similarity, i, j in sorted(scored, reverse=True):
            if i in left_a and j in left_b and (same_key or similarity >= 0.5):
                left_a.remove(i)
                left_b.remove(j)
                found.append((i, j))
        return found

    pairs(same_key=True)  # unchanged figures cancel out, each against its own sentence
    out = [Difference("targets", a[i].text, b[j].text, a[i].sentence, b[j].sentence) for i, j in pairs(False)]
    out += [Difference("targets", a[i].text, "", a[i].sentence, "") for i in left_a]
    out += [Difference("targets", "", b[j].text, "", b[j].sentence) for j in left_b]
    return out


def _title_key(title: str) -> str:
    return _YEAR.sub("", _NOT_WORD.sub("", title))


def differences(a: WorkPoint, b: WorkPoint, place_a: str = "", place_b: str = "") -> list[Difference]:
    """How work point ``b`` differs from ``a``: lead and responsible units (by :func:`unit_key`, so
    海东市工业园区管委会 and 海东工业园区管委会 are one unit), targets (order-insensitive), title (but
    not a year rolled over, nor the preamble's first sentence, which stands in for a title)."""
    out = []
    for name in ("lead", "responsible"):
        ua, ub = getattr(a, name), getattr(b, name)
        if {unit_key(u, place_a) for u in ua} != {unit_key(u, place_b) for u in ub}:
            quotes = _unit_quote(a, name, ua), _unit_quote(b, name, ub)
            out.append(Difference(name, "、".join(ua), "、".join(ub), *quotes))
    out += _target_differences(a.targets, b.targets)
    if a.item != PREAMBLE and _title_key(a.title) != _title_key(b.title):
        out.append(Difference("title", a.title, b.title, a.title, b.title))
    return out


def compare_notices(
    a: Notice, b: Notice, vectors_a: np.ndarray, vectors_b: np.ndarray, *, threshold: float = THRESHOLD
) -> Comparison:
    """Align the work points of two notices one to one and sort them into kept, changed, new and dropped.

    Args:
        a: the earlier notice.
        b: the later notice.
        vectors_a: one L2-normalised embedding per work point of ``a``, in order
            (``embedding_text`` of each, as the index stores them).
        vectors_b: the same for ``b``.
        threshold: the least similarity of two work points taken for the same task.

    Returns:
        The :class:`Comparison`; pairs in A's order, new work points in B's, dropped ones in A's.

    Raises:
        AssistantError: the vectors do not match the notices' work points.
    """
    from scipy.optimize import linear_sum_assignment

    side_a, side_b = _Side(a, vectors_a), _Side(b, vectors_b)
    result = Comparison(a.doc, b.doc)
    parts = _signals(side_a, side_b)
    score = _combine(parts)
    rows, cols = linear_sum_assignment(score, maximize=True)
    matched = {int(i): int(j) for i, j in zip(rows, cols, strict=True) if score[i, j] >= threshold}
    for i, j in sorted(matched.items()):
        pa, pb = a.items[i], b.items[j]
        evidence = " ".join(
            f"{_SIGNAL_NAMES[k]}{parts[k][i, j]:.2f}" for k in WEIGHTS if not np.isnan(parts[k][i, j])
        )
        pair = Pair(pa, pb, float(score[i, j]), evidence, side_a.labels[i], side_b.labels[j])
        pair.differences = differences(pa, pb, side_a.place, side_b.place)
        (result.changed if pair.differences else result.kept).append(pair)
    taken = set(matched.values())
    result.new = [Single(side_b.labels[j], p) for j, p in enumerate(b.items) if j not in taken]
    result.dropped = [Single(side_a.labels[i], p) for i, p in enumerate(a.items) if i not in matched]
    return result


def same_family(a: Notice, b: Notice) -> bool:
    """Two editions of one notice: the same issuer and kind, different years, like titles or content
    (:func:`assistant.editions.same_family`)."""
    from assistant.editions import same_family as editions_of_each_other

    return editions_of_each_other(a, b)


def _brackets(text: str) -> str:
    return re.sub(r"\s+", "", text).translate(str.maketrans("[]［］()（）", "〔〕〔〕〔〕〔〕"))


def _listing(index: LoadedIndex) -> str:
    return "\n".join(f"  {n.doc.number or '—'}  {n.doc.year or '—'}  {n.file}" for n in index.notices)


def find_notice(index: LoadedIndex, name: str, other: Notice | None = None) -> Notice:
    """The indexed notice named by its 文号, its file (path, name or stem) or its year.

    A year must name one notice; where it names several, those of the same issuer as ``other`` (the
    notice it is compared with) are tried.

    Raises:
        AssistantError: no notice, or more than one, answers to the name; the message lists the index.
    """
    key = _brackets(name)
    for notice in index.notices:
        path = Path(notice.file)
        if notice.doc.number and _brackets(notice.doc.number) == key:
            return notice
        if name in (notice.file, path.name, path.stem) or Path(name).name in (path.name, path.stem):
            return notice
    if re.fullmatch(r"\d{4}", name.strip()):
        found = [n for n in index.notices if n.doc.year == int(name)]
        if len(found) > 1 and other is not None:
            found = [n for n in found if n.doc.issuer == other.doc.issuer and n is not other] or found
        if len(found) == 1:
            return found[0]
        if found:
            names = "、".join(n.doc.number or n.file for n in found)
            raise AssistantError(f"the year {name} names {len(found)} notices ({names}); give a 文号 or file")
    raise AssistantError(
        f"no notice in the index at {index.path} is named {name!r}; "
        f"name one by its 文号, its file or its year:\n{_listing(index)}"
    )


def compare_in_index(index: LoadedIndex, name_a: str, name_b: str) -> Comparison:
    """Compare two notices of an index (each named by 文号, file or year), with the embeddings it stores.

    Raises:
        AssistantError: a name names no notice, or several, or both name the same notice.
    """
    years = [bool(re.fullmatch(r"\d{4}", n.strip())) for n in (name_a, name_b)]
    if years[0] and not years[1]:  # resolve the exact name first, so the year can lean on it
        b = find_notice(index, name_b)
        a = find_notice(index, name_a, b)
    else:
        a = find_notice(index, name_a)
        b = find_notice(index, name_b, a)
    if a is b:
        raise AssistantError(f"{name_a!r} and {name_b!r} both name {a.doc.label}; name two notices")
    offsets = np.cumsum([0] + [len(n.items) for n in index.notices])
    starts = {id(n): int(o) for n, o in zip(index.notices, offsets[:-1], strict=True)}
    va, vb = (index.embeddings[starts[id(n)] : starts[id(n)] + len(n.items)] for n in (a, b))
    return compare_notices(a, b, va, vb)
