"""Which edition answers, and what the other editions print for the same work point.

With several editions of one family indexed (成都 2018 … 2024, a 工作要点 of 2019 and 2020), a
question that names no year is answered from the latest edition that has the work point, and
the answer says which edition it is; when another edition prints a different figure or unit for
the same work point, the answer says so beside it ("90%（2020年；2019年为87%）").

The same work point in another edition is found as the comparison finds it
(:mod:`assistant.compare`): close embeddings and a like title or text, above the comparison's
threshold.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from assistant.compare import FLOOR
from assistant.records import Notice, WorkPoint

#: Least likeness of two editions' work points taken for the same task. The comparison's own
#: threshold (0.5) pairs whole task lists one to one; one work point looked up alone needs more.
CONTAINED = 0.7

if TYPE_CHECKING:
    from assistant.answering.context import Context

_NOT_WORD = re.compile(r"[\W_]+")
_YEAR = re.compile(r"(?:19|20)\d\d(?=年)")
#: A parenthesis (the units it names, a note): no part of what the task is.
_PAREN = re.compile(r"[（(][^（）()]{0,80}[）)]")


def _bigrams(text: str) -> set[str]:
    s = _NOT_WORD.sub("", _YEAR.sub("", text))
    return {s[i : i + 2] for i in range(len(s) - 1)} or set(s)


def _dice(x: set[str], y: set[str]) -> float:
    return 2 * len(x & y) / (len(x) + len(y)) if x or y else 1.0


def likeness(ctx: Context, a: WorkPoint, b: WorkPoint) -> float:
    """How alike two work points of two editions are: the comparison's vector, text and title signals."""
    va, vb = ctx.services.searcher.vectors([ctx.services.row(a), ctx.services.row(b)])
    cosine = float(va @ vb)
    vector = min(1.0, max(0.0, (cosine - FLOOR) / (1 - FLOOR)))
    ba, bb = _bigrams(_PAREN.sub("", a.text)), _bigrams(_PAREN.sub("", b.text))
    text = _dice(ba, bb)
    title = _dice(_bigrams(a.title), _bigrams(b.title))
    alike = (0.4 * vector + 0.2 * text + 0.2 * title) / 0.8
    # One edition may print as a clause of a longer item what the other prints as a task of its own.
    short, long_ = (ba, bb) if len(ba) <= len(bb) else (bb, ba)
    contained = len(short & long_) / len(short) if short else 0.0
    return max(alike, contained if len(short) >= 6 else 0.0)


def counterpart(ctx: Context, point: WorkPoint, edition: Notice, of: Notice | None = None) -> WorkPoint | None:
    """The work point of another edition that is the same task, or None.

    A task of a notice's task list (``of``'s) is looked for among the other edition's tasks first,
    so a report body that repeats a task's words does not stand in for the task.
    """
    pools = [edition.items]
    if of is not None and of.doc.task_part and point.part == of.doc.task_part and edition.doc.task_part:
        pools.insert(0, edition.tasks)
    for pool in pools:
        found = _best_in(ctx, point, pool)
        if found is not None:
            return found
    return None


def _best_in(ctx: Context, point: WorkPoint, items: list[WorkPoint]) -> WorkPoint | None:
    if not items:
        return None
    searcher = ctx.services.searcher
    rows = [ctx.services.row(p) for p in items]
    cos = searcher.vectors(rows) @ searcher.vectors([ctx.services.row(point)])[0]
    best = [items[i] for i in np.argsort(-cos)[:8]]
    scored = max(((likeness(ctx, point, p), i, p) for i, p in enumerate(best)), default=None)
    return scored[2] if scored and scored[0] >= CONTAINED else None


def editions_in_scope(ctx: Context, notice: Notice, in_scope: set[int] | None = None) -> list[Notice]:
    """The notice's family within the question's scope, oldest first (``in_scope``: :meth:`Context.in_scope`,
    passed by a caller asking for many notices)."""
    in_scope = ctx.in_scope() if in_scope is None else in_scope
    return [n for n in ctx.services.editions(notice) if id(n.doc) in in_scope]


def prefer_latest(ctx: Context, entries: list[tuple[Notice, WorkPoint, float]]
                  ) -> tuple[list[tuple[Notice, WorkPoint, float]], list[tuple[Notice, WorkPoint]]]:
    """Put the latest edition's work point first when the question names no year.

    Returns:
        The entries, reordered, and the same work point in the other editions of its family
        (newest first), for :func:`other_editions_note`.
    """
    if not entries:
        return entries, []
    n, p, s = entries[0]
    family = editions_in_scope(ctx, n)
    if len(family) < 2:
        return entries, []
    found: list[tuple[Notice, WorkPoint]] = []
    for edition in reversed(family):
        if edition is n:
            found.append((n, p))
            continue
        twin = counterpart(ctx, p, edition, n)
        if twin is not None:
            found.append((edition, twin))
    if not found:
        return entries, []
    years_named = ctx.q.years or ctx.q.short_years
    if years_named:
        return entries, [x for x in found if x[1] is not p]
    latest_n, latest_p = found[0]
    if latest_p is not p:
        ctx.note_trace("editions", "latest edition", year=latest_n.doc.year, was=n.doc.year)
        entries = [(latest_n, latest_p, s), *[e for e in entries if e[1] is not latest_p]]
    return entries, [x for x in found if x[1] is not latest_p]


def edition_label(n: Notice, english: bool = False) -> str:
    if n.doc.year:
        return f"{n.doc.year} edition" if english else f"{n.doc.year}年"
    return n.doc.number or n.doc.title


def other_figures(ctx: Context, shown: str, others: list[tuple[Notice, WorkPoint]], find) -> str:  # noqa: ANN001
    """"2019年为87%": each other edition whose same work point prints a different figure for the question.

    Args:
        shown: the figure the answer gives.
        others: the same work point in other editions (from :func:`prefer_latest`).
        find: work point → the figure it prints for the question (a Target), or None.
    """
    parts = []
    for n, p in others:
        t = find(p)
        if t is not None and t.text != shown:
            parts.append(f"{edition_label(n, ctx.english)}{' was ' if ctx.english else '为'}{t.text}")
    return "；".join(parts) if not ctx.english else "; ".join(parts)


def other_leads(ctx: Context, lead: list[str], others: list[tuple[Notice, WorkPoint]]) -> str:
    """"2022年为市人防办": each other edition whose same work point prints other lead units."""
    parts = []
    for n, p in others:
        if p.lead and set(p.lead) != set(lead):
            parts.append(f"{edition_label(n, ctx.english)}{' was ' if ctx.english else '为'}{'、'.join(p.lead)}")
    return ("；" if not ctx.english else "; ").join(parts)
