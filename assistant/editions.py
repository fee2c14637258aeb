"""Editions: notices of one family, the same issuer's same kind of document year after year.

A city prints its 政府工作报告 and its 民生实事 list every year, a department its 工作要点. Their titles
change wording from one year to the next (《…2023年43件民生实事项目及牵头责任单位》, 《…2024年33件民生实事
清单》) while the issuer, the kind of document and much of the content stay. Two notices are editions
of each other when

- they share the family key (:func:`family_key`: the place or body that issues them, and the kind),
  and their issuers agree where both are printed (an 办公室 signs for its government);
- they are of different years;
- and either their titles agree once years, counts and the issuer's own name are set aside, or their
  content does: enough work points of one have a like-titled work point in the other.

Two unrelated 通知 of one issuer share the key but neither their titles nor their content.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.parse.metadata import kind_of
from assistant.records import Notice

#: Title likeness (bigram Dice, years, counts and the issuer's name removed) of two editions.
FAMILY_TITLE = 0.8
#: Two tasks are counterparts when their texts' bigram Dice reaches this.
PAIR_TEXT = 0.3
#: Editions share at least this share of the smaller notice's tasks (counterparts in the other), and
#: content is compared only between notices of at least MIN_TASKS tasks. Measured on the real notices
#: (tests/test_editions.py): the 民生实事 lists of one city share 0.44–0.81 from one edition to another
#: (2018 against 2023, 2023 against 2024 whose tasks are reworded); notices of one issuer and kind on
#: other matters at most 0.2.
FAMILY_CONTENT = 0.35
MIN_TASKS = 3

_NOT_WORD = re.compile(r"[\W_]+")
_YEARS = re.compile(r"(?:19|20)\d\d\s*(?:年度|年)?|[（(]\s*\d{4}\s*[—\-–~至]\s*\d{4}\s*年?\s*[）)]")
_COUNTS = re.compile(r"\d+\s*(?:件|项|个|条)|[一二三四五六七八九十百两]+(?:大|件|项)")
_WRAPPER = re.compile(r"^.*?(?:印发|转发|批转)\s*《?(.+?)》?\s*的(?:通知|函)$")
_TRAILING_PAREN = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")
_OFFICE = re.compile(r"(办公室|办公厅)$")


def _bigrams(text: str) -> set[str]:
    s = _NOT_WORD.sub("", text)
    return {s[i : i + 2] for i in range(len(s) - 1)} or set(s)


def _dice(x: set[Any], y: set[Any]) -> float:
    return 2 * len(x & y) / (len(x) + len(y)) if x or y else 1.0


def _issuer(notice: Notice) -> str:
    """The issuing body, an office standing for its government: 海东市人民政府办公室 → 海东市人民政府."""
    return _OFFICE.sub("", notice.doc.issuer.strip())


def family_key(notice: Notice) -> tuple[str, str]:
    """``(who, kind)``: the place the issuer governs (its name for national bodies) and the kind of document."""
    who = notice.doc.place or _issuer(notice)
    return who, notice.doc.kind or kind_of(notice.doc.title)


def title_core(notice: Notice) -> str:
    """A title without what changes between editions: years, counts, the issuer's and place's names, a
    transmitting wrapper (关于印发《X》的通知 → X), a trailing parenthesis, 人民政府 (2018年政府工作报告 and
    2021年成都市人民政府工作报告 are both 工作报告)."""
    title = _TRAILING_PAREN.sub("", notice.doc.title.strip())
    m = _WRAPPER.match(title)
    title = m.group(1) if m else title
    for name in sorted({notice.doc.issuer, _issuer(notice), notice.doc.place} - {""}, key=len, reverse=True):
        title = title.replace(name, "")
    title = _COUNTS.sub("", _YEARS.sub("", title))
    return _NOT_WORD.sub("", re.sub(r"人民政府|政府|人民", "", title).strip("《》"))


def content_likeness(a: Notice, b: Notice) -> float:
    """Share of the smaller notice's tasks with a like task (text bigram Dice ≥ :data:`PAIR_TEXT`) in the
    other.

    Only numbered tasks count: the paragraphs of letters and replies follow one template whatever they answer.
    """
    ta = [_bigrams(p.text) for p in a.tasks if p.text]
    tb = [_bigrams(p.text) for p in b.tasks if p.text]
    if len(ta) < MIN_TASKS or len(tb) < MIN_TASKS:
        return 0.0
    small, large = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    matched = sum(1 for x in small if any(_dice(x, y) >= PAIR_TEXT for y in large))
    return matched / len(small)


def same_family(a: Notice, b: Notice) -> bool:
    """Whether two notices are editions of each other (see the module's description)."""
    if a is b or family_key(a) != family_key(b) or not all(family_key(a)):
        return False
    ia, ib = _issuer(a), _issuer(b)
    if ia and ib and ia != ib:
        return False
    if a.doc.year and b.doc.year and a.doc.year == b.doc.year:
        return False
    if _dice(_bigrams(title_core(a)), _bigrams(title_core(b))) >= FAMILY_TITLE:
        return True
    return content_likeness(a, b) >= FAMILY_CONTENT


def families(notices: list[Notice]) -> list[list[Notice]]:
    """Group notices into families (a notice without editions is a family of one).

    Returns:
        The families in the order their first notice comes, each sorted oldest first (by year, then date).
    """
    parent = list(range(len(notices)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    buckets: dict[tuple[str, str], list[int]] = {}
    for i, notice in enumerate(notices):  # editions share the family key: compare within a key only
        buckets.setdefault(family_key(notice), []).append(i)
    for bucket in buckets.values():
        for a, i in enumerate(bucket):
            for j in bucket[a + 1 :]:
                if root(i) != root(j) and same_family(notices[i], notices[j]):
                    parent[root(j)] = root(i)
    groups: dict[int, list[Notice]] = {}
    for i, notice in enumerate(notices):
        groups.setdefault(root(i), []).append(notice)
    return [sorted(g, key=lambda n: (n.doc.year or 0, n.doc.date)) for g in groups.values()]
