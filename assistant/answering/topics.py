"""Which work points are on a topic ("涉及农业", "关于水的任务"), by the words they print and by meaning.

A work point is on the topic when any of these holds:

* its words carry every topic term (a one-character term in its sense: 水资源 holds 水, 水平 does
  not, :meth:`~assistant.answering.services.Services.sense_words`);
* its lead unit's name carries the term (市农业农村局 leads agricultural work);
* one of its clauses is as close to the topic as the clauses of the work points found by words
  are (the median of theirs), so 化肥农药减量 joins 农业 without printing the word. With no work
  point found by words, the closest clauses must stand clearly apart from the rest
  (:data:`APART` standard deviations above the scope's mean).

The cuts adapt to each topic and each notice: they are read from the work points the words find.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from assistant import vocab
from assistant.records import Notice, WorkPoint

if TYPE_CHECKING:
    from assistant.answering.context import Context

#: With no work point found by its words, a clause this many standard deviations above the
#: scope's mean closeness to the topic puts its work point on the topic.
APART = 2.5
#: A clause reaching this share of the way from the scope's mean to the median closeness of the
#: work points found by words puts its work point on the topic too.
SHARE_OF_MEDIAN = 1.0
#: A topic of several words is carried by a work point holding this share of their weight.
HELD = 0.6


def by_words(ctx: Context, terms: list[str], points: list[tuple[Notice, WorkPoint]]) -> set[int]:
    """Rows of the work points whose words carry the topic: every term, or for a topic of several
    words (看病 就医) most of their weight, each word weighted by how rare it is in the notices."""
    services = ctx.services
    terms = [t for t in terms if services.printed(t)]  # a word no notice prints carries nothing here
    if not terms:
        return set()
    senses = {t: services.sense_words(t, ctx.scope) for t in terms}
    weights = {t: services.idf(t) if len(t) > 1 else 1.0 for t in terms}
    total = sum(weights.values())
    out = set()
    for _, p in points:
        words = services.words_of(p)
        held = [t for t in terms if words & senses[t] or len(t) > 1 and any(t in w for w in words)]
        if len(held) == len(terms) or len(terms) > 1 and total > 0 and sum(weights[t] for t in held) >= HELD * total:
            out.add(services.row(p))
    return out


def by_lead_unit(ctx: Context, terms: list[str], points: list[tuple[Notice, WorkPoint]]) -> set[int]:
    """Rows of the work points led by a unit whose name carries every term (农业 in 市农业农村局)."""
    out = set()
    for _, p in points:
        if p.lead and all(any(t in u for u in p.lead) for t in terms) and all(len(t) > 1 for t in terms):
            out.add(ctx.services.row(p))
    return out


def by_meaning(ctx: Context, terms: list[str], points: list[tuple[Notice, WorkPoint]], found: set[int]) -> set[int]:
    """Rows of work points with a clause as close to the topic as those the words found (see module)."""
    services = ctx.services
    if not points:
        return set()
    text = "".join(terms) if not ctx.english else " ".join(terms)
    rows = np.array([services.row(p) for _, p in points])
    scores = services.searcher.clause_scores(text, rows)
    mean, std = float(scores.mean()), float(scores.std()) or 1.0
    if found:
        anchor = float(np.median([s for r, s in zip(rows, scores, strict=True) if int(r) in found]))
        cut = mean + SHARE_OF_MEDIAN * (anchor - mean)
        cut = max(cut, mean + std)  # never a work point no closer than the run of the scope
    else:
        cut = mean + APART * std
    return {int(r) for r, s in zip(rows, scores, strict=True) if s >= cut}


def term_groups(ctx: Context, terms: list[str]) -> list[list[str]]:
    """The topics a question joins with 和/与/及/或/、 ("污水和生活垃圾处理"), each with its terms; one group
    when it joins none. A work point on any of them is on the question's topic."""
    text = ctx.search_text or ctx.q.text
    parts = [p for p in re.split(r"[和与及或、]|以及|and|or", text) if p.strip()]
    if len(parts) < 2:
        return [terms]
    groups = [[t for t in terms if t in part] for part in parts]
    groups = [g for g in groups if g]
    return groups if len(groups) > 1 else [terms]


def on_topic(ctx: Context, terms: list[str], points: list[tuple[Notice, WorkPoint]],
             meaning: bool = True) -> set[int]:
    """Rows of the work points on the topic the terms name (see the module)."""
    terms = [t for t in terms if t not in vocab.CUE_WORDS]
    if not terms:
        return set()
    found: set[int] = set()
    for group in term_groups(ctx, terms):
        by_group = by_words(ctx, group, points) | by_lead_unit(ctx, group, points)
        if meaning:
            by_group |= by_meaning(ctx, group, points, by_group)
        found |= by_group
    return found
