"""A question read once into a plain record: its language, what it asks for, and what it names.

Reading needs no index and no model, so every cue can be tested on its own
(``tests/test_question.py``). What the question names *in the index* (its units, its notices,
a near-miss term) is resolved later, by :mod:`assistant.answering.resolve`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from assistant import vocab
from assistant.errors import QuestionError
from assistant.parse.structure import cn_to_int
from assistant.tokenize import is_english

#: Longer questions are cut to this many characters before anything else (the model reads 512 tokens).
MAX_QUESTION_CHARS = 500


@lru_cache(maxsize=1)
def _t2s():  # noqa: ANN202 - OpenCC has no type stubs
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """The question as matching reads it: NFKC (full-width forms become half-width), traditional
    characters made simplified (OpenCC ``t2s``), lone surrogates and control characters dropped,
    white space collapsed."""
    text = (text or "").encode("utf-8", "surrogatepass").decode("utf-8", "replace").replace("\ufffd", " ")
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cs", "Co") else c for c in text)
    text = re.sub(r"\s+", " ", text).strip()
    if re.search(r"[\u4e00-\u9fff]", text):
        text = _t2s().convert(text)
    return text


def check_question(text: str) -> str:
    """Normalise a question and refuse one that cannot be asked.

    Returns:
        The normalised question (:func:`normalise`), cut to :data:`MAX_QUESTION_CHARS`.

    Raises:
        QuestionError: empty, white space, or nothing but punctuation and symbols.
    """
    text = normalise(text)
    if not text:
        raise QuestionError("the question is empty: type a question about the indexed notices")
    if not any(unicodedata.category(c)[0] in "LN" for c in text):
        raise QuestionError("the question has no words, only punctuation or symbols: ask in words")
    return text[:MAX_QUESTION_CHARS]


@dataclass
class Question:
    """What a question's wording says, before the index is consulted.

    ``asks`` holds the kinds of answer it asks for: ``figure``, ``lead``, ``list``, ``count``,
    ``number``/``issuer``/``date`` (the notice itself), ``collective`` (all tasks together),
    ``procedure`` (a person's errand), ``compare``, ``detail``, ``more``.
    """

    text: str
    original: str = ""
    english: bool = False
    asks: set[str] = field(default_factory=set)
    #: For a comparison: "new", "dropped", "changed" or "all".
    compare: str = ""
    task_number: int | None = None
    #: 第二个 / the second one: a place in the previous answer's list.
    ordinal: int | None = None
    #: Four-digit years, in order; two-digit ones ("23年") are kept apart until an index confirms them.
    years: list[int] = field(default_factory=list)
    short_years: list[int] = field(default_factory=list)
    this_year: bool = False
    last_year: bool = False
    doc_number: str = ""
    roles: list[str] = field(default_factory=list)
    #: Its last clause asks for the figure and nothing else ("…要达到多少？").
    figure_last: bool = False
    #: Reads as a follow-up to an earlier turn ("那市水务局呢？", "2018年呢", "第二个呢").
    followup: bool = False
    #: Points back at an earlier answer's work point ("它的责任单位").
    pronoun: bool = False

    @property
    def year(self) -> int | None:
        return self.years[0] if self.years else None

    def wants(self, *kinds: str) -> bool:
        """Whether it asks for any of these kinds of answer."""
        return any(k in self.asks for k in kinds)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["asks"] = sorted(self.asks)
        return d


def read_question(text: str, original: str = "") -> Question:
    """Read a checked question's cues (see :class:`Question`)."""
    english = is_english(text)
    asks = {
        name
        for name, pattern in (
            ("figure", vocab.FIGURE), ("lead", vocab.LEAD), ("list", vocab.LIST), ("count", vocab.COUNT),
            ("number", vocab.NUMBER_Q), ("issuer", vocab.ISSUER_Q), ("date", vocab.DATE_Q), ("title", vocab.TITLE_Q),
            ("collective", vocab.COLLECTIVE), ("procedure", vocab.PROCEDURE), ("detail", vocab.DETAIL),
            ("identity", vocab.IDENTITY),
        )
        if pattern.search(text)
    }
    if vocab.MORE.search(text.strip()):
        asks.add("more")
    if "count" in asks:
        asks.discard("figure")
    task_number = -1 if vocab.LAST_TASK.search(text) else None
    m = vocab.TASK_NO.search(text)
    if m:
        raw = m.group(1) or m.group(3)
        task_number = int(raw) if raw.isdigit() else cn_to_int(raw)
        asks.discard("count")
    ordinal = None
    m = vocab.ORDINAL.search(text)
    if m:
        raw = m.group(1) or m.group(2)
        words = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
        ordinal = int(raw) if raw.isdigit() else words.get(raw.lower()) or cn_to_int(raw)
    years, short = [], []
    for m in vocab.YEAR.finditer(text):
        if m.group(1):
            years.append(int(m.group(1)))
        elif m.group(2):
            short.append(2000 + int(m.group(2)))
    doc = vocab.DOC_NUMBER.search(text)
    doc_number = re.sub(r"\s+", "", doc.group(0)) if doc else ""
    if doc_number:  # the 文号's own year is not a year the question asks about
        years = [y for y in years if str(y) not in doc_number] or [y for y in years if years.count(y) > 1]
    lower = text.lower()
    roles = list(dict.fromkeys(role for word, role in vocab.ROLE_WORDS.items() if word in lower))
    q = Question(
        text=text,
        original=original or text,
        english=english,
        asks=asks,
        task_number=task_number,
        ordinal=ordinal,
        years=list(dict.fromkeys(years)),
        short_years=list(dict.fromkeys(short)),
        this_year=bool(vocab.THIS_YEAR.search(text)),
        last_year=bool(vocab.LAST_YEAR.search(text)),
        doc_number=doc_number,
        roles=roles,
        figure_last=_asks_figure_last(text, english) if "figure" in asks else False,
    )
    q.compare = _comparison(q)
    if q.compare:
        q.asks.add("compare")
    q.followup = _reads_as_followup(q)
    q.pronoun = bool(vocab.PRONOUN.search(text))
    return q


def _comparison(q: Question) -> str:
    """Which comparison of two editions the question asks for ("new", "dropped", "changed", "all"), or ""."""
    text = q.text
    new, dropped = bool(vocab.COMPARE_NEW.search(text)), bool(vocab.COMPARE_DROPPED.search(text))
    changed = bool(vocab.COMPARE_CHANGED.search(text))
    dated = bool(q.years or q.short_years or q.this_year or q.last_year)
    paired = (bool(vocab.COMPARE_PAIR.search(text)) or len(q.years) >= 2 or (q.this_year and q.last_year)
              or bool(vocab.COMPARE_WORD.search(text)) and dated)
    if not (new or dropped or changed or paired):
        return ""
    if not paired and not (q.this_year or q.last_year or q.years) and not (new or dropped):
        return ""  # "有什么变化" with nothing to set it against is not a comparison of editions
    if not paired and changed and not (new or dropped) and "figure" in q.asks and len(q.years) < 2:
        return ""  # "今年目标有什么调整" over one figure is asked of the latest edition
    if vocab.COMPARE_FIELDS["targets"].search(text) and changed and not (new or dropped):
        return "changed"  # "数字目标和去年不一样": the same tasks' figures
    if new and not dropped and not changed:
        return "new"
    if dropped and not new and not changed:
        return "dropped"
    if changed and not new and not dropped:
        # "目标有什么调整" asks how the same tasks changed; "有什么变化/不同" asks for everything that differs.
        fields = any(p.search(text) for p in vocab.COMPARE_FIELDS.values())
        return "changed" if fields or re.search(r"调整|改变|改动|变动", text) else "all"
    return "all"


def _reads_as_followup(q: Question) -> bool:
    """Short, and opens like a follow-up (那…, 还有…), ends in 呢, or only names a year or a place."""
    text = q.text.strip()
    if len(text) > 24 and not q.english:
        return False
    if q.english:
        return bool(re.match(r"^(?:and|what about|how about)\b", text, re.I)) or len(text.split()) <= 3
    return bool(_opens_as_followup(text) or re.search(r"呢[？?。.!！]*$", text) or "more" in q.asks
                or q.ordinal is not None)


def _opens_as_followup(text: str) -> bool:
    """Opens with 那…, 再…, 还有…: a one-character opener only where it is a word of its own, not the
    start of one (再生水, 那曲市 are no follow-ups; 那它, 那市水务局 are)."""
    import jieba

    m = vocab.FOLLOWUP_OPEN.search(text)
    if not m:
        return False
    if len(m.group(0)) > 1:
        return True
    first = next(iter(jieba.cut(text)), "")
    return not (len(first) > 1 and jieba.dt.FREQ.get(first))


def _asks_figure_last(text: str, english: bool) -> bool:
    """Whether the question's last clause asks for the figure and nothing else (…要控制在多少微克以内？)."""
    if english:
        return bool(vocab.FIGURE.search(text))
    clauses = [c for c in re.split(r"[，,；;：:\s]+", re.sub(r"[？?。！!]+", " ", text)) if c]
    last = clauses[-1] if clauses else ""
    return bool(vocab.FIGURE.search(last)) and not vocab.OTHER_ASK.search(last)
