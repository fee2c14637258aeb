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

A scope too large for a pass over every work point per question (more than
:data:`~assistant.answering.services.SCAN_LIMIT`, a large archive asked as a whole) answers the same three tests from what it stores (:func:`on_topic_rows`): the words from BM25's postings
(its tokens holding each term), the lead units from the unit table, and the meaning from the
clause signal's best rows, cut against that signal's mean and spread over the index.
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
    # A scope too large to read (a unit's work on a topic, asked of a whole archive) takes the senses from BM25's
    # vocabulary rather than from every work point's words.
    scope = ctx.scope if services.readable(services.scope_size(ctx.scope)) else None
    senses = {t: services.sense_words(t, scope) for t in terms}
    weights = {t: services.idf(t) if len(t) > 1 else 1.0 for t in terms}
    total = sum(weights.values())
    out = set()
    for _, p in points:
        if not services.prints(p, terms):  # holds no term: no word of it can (and jieba need not read it)
            continue
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


#: Large scope: work points found by words whose clause closeness sets the anchor (a fixed sample of them).
ANCHOR_SAMPLE = 2048
#: Large scope: the clause signal's best rows read first for the meaning test, and at most (four times more
#: while the last one read still passes the cut). At 3×10⁵ work points 16,384 cost 14 s a topic; 2,048 about 1 s.
MEANING_FIRST, MEANING_MAX = 512, 2048


def on_topic_rows(ctx: Context, terms: list[str], allowed: np.ndarray, meaning: bool = True) -> set[int]:
    """:func:`on_topic` over a large scope, the rows ``allowed`` marks (a boolean mask), reading no work point."""
    terms = [t for t in terms if t not in vocab.CUE_WORDS]
    if not terms:
        return set()
    found: set[int] = set()
    for group in term_groups(ctx, terms):
        rows = np.union1d(_word_rows(ctx, group), _lead_rows(ctx, group))
        rows = rows[allowed[rows]]
        if meaning:
            rows = np.union1d(rows, _meaning_rows(ctx, group, allowed, rows))
        found.update(rows.tolist())
    return found


def _word_rows(ctx: Context, terms: list[str]) -> np.ndarray:
    """:func:`by_words` from the postings: rows holding a token in each term's sense (or most of their weight)."""
    services = ctx.services
    terms = [t for t in terms if services.printed(t)]
    if not terms:
        return np.zeros(0, np.int64)
    weights = {t: services.idf(t) if len(t) > 1 else 1.0 for t in terms}
    total = sum(weights.values())
    held = np.zeros(len(services.rows), np.float64)
    count = np.zeros(len(services.rows), np.int32)
    for t in terms:
        rows = services.token_rows(services.sense_words(t, None))
        held[rows] += weights[t]
        count[rows] += 1
    every = count == len(terms)
    if len(terms) > 1 and total > 0:
        every |= held >= HELD * total
    return np.flatnonzero(every)


def _lead_rows(ctx: Context, terms: list[str]) -> np.ndarray:
    """:func:`by_lead_unit` from the unit table: rows led by a unit whose printed name carries every term."""
    if not all(len(t) > 1 for t in terms):
        return np.zeros(0, np.int64)
    rows: list[int] = []
    for entry in ctx.services.directory.units.values():
        if "牵头" in entry.points and any(all(t in name for t in terms) for name in entry.printed):
            rows += entry.points["牵头"].rows
    return np.unique(np.asarray(rows, dtype=np.int64))


def _meaning_rows(ctx: Context, terms: list[str], allowed: np.ndarray, found: np.ndarray) -> np.ndarray:
    """:func:`by_meaning` from the clause signal's best rows, its mean and spread taken over the whole index."""
    searcher = ctx.services.searcher
    text = "".join(terms) if not ctx.english else " ".join(terms)
    mean, std = searcher.clause_moments(text)
    std = std or 1.0
    if len(found):
        sample = found if len(found) <= ANCHOR_SAMPLE else np.sort(
            np.random.default_rng(0).choice(found, ANCHOR_SAMPLE, replace=False))
        anchor = float(np.median(searcher.clause_scores(text, sample)))
        cut = max(mean + SHARE_OF_MEDIAN * (anchor - mean), mean + std)
    else:
        cut = mean + APART * std
    k = MEANING_FIRST
    while True:
        rows, scores = searcher.clause_top(text, k)
        if not len(scores) or scores[-1] < cut or k >= MEANING_MAX or len(rows) < k:
            break
        k *= 4
    rows = rows[scores >= cut]
    return np.sort(rows[allowed[rows]])
