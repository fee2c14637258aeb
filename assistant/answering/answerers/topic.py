"""Every work point on a topic ("哪些工作涉及水？分别由谁牵头？"), grouped by lead unit, each cited.

Membership is by words and by meaning (:mod:`assistant.answering.topics`). A notice with a task
list (a report's 民生实事) is read by its tasks. The notice with most work points on the topic
is answered in full and cited; the other notices that touch it are listed apart, each labelled
with its count, as related work points rather than citations. With several editions of one
family and no year named, the latest edition is the one answered.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from assistant.answering.context import Context, figures_note
from assistant.answering.latest import editions_in_scope
from assistant.answering.registry import Answerer, register
from assistant.answering.topics import on_topic, on_topic_rows
from assistant.records import Answer, Citation, Notice, WorkPoint


def topic_positions(n: Notice, size: int) -> list[int]:
    """What a topic list reads of a notice of ``size`` work points (positions in its items): its task list where it
    prints one in a part of its own (附件), else its work points but the preamble. From the stored task labels:
    nothing read."""
    tasks = n.task_labels
    listed = [t.at for t in tasks if t.part and t.part != "正文"]
    if listed:
        return listed
    lead_in = set(n.preamble) if tasks else set()
    return [i for i in range(size) if i not in lead_in]


#: A topic's work points in a notice: the notice, the point's position in its items and its row.
Member = tuple[Notice, int, int]


@register
class Topic(Answerer):
    kind = "topic"
    precedence = 60

    def applies(self, ctx: Context) -> str:
        q = ctx.q
        if not q.wants("list") or q.wants("figure") or ctx.units or not ctx.terms:
            return ""
        return "asks for every work point on a topic"

    def answer(self, ctx: Context) -> Answer | None:
        q = ctx.q
        services = ctx.services
        scope = _latest(ctx)
        owner, at, rows = _read_in(ctx, scope)
        large = not services.readable(len(rows))
        read_points: dict[int, WorkPoint] = {}  # row → work point, of a scope read point by point
        if large:  # too many to read: from the postings, the unit table and the clause signal
            mask = np.zeros(len(services.rows), bool)
            mask[rows] = True
            on = on_topic_rows(ctx, ctx.terms, mask)
            # Members made only of the rows on the topic: a tuple for each of a million rows takes seconds.
            chosen = np.flatnonzero(np.isin(rows, np.fromiter(on, np.int64, len(on))))
            read: list[Member] = [(scope[owner[j]], int(at[j]), int(rows[j])) for j in chosen.tolist()]
        else:
            read = [(scope[o], i, r) for o, i, r in zip(owner.tolist(), at.tolist(), rows.tolist(), strict=True)]
            pairs = [(n, n.items[i]) for n, i, _ in read]
            on = on_topic(ctx, ctx.terms, pairs)
            # Kept, not read again: a scope of thousands of notices outlasts the store's notices kept open.
            read_points = {r: p for (_, _, r), (_, p) in zip(read, pairs, strict=True)}

        def item(m: Member) -> WorkPoint:
            point = read_points.get(m[2])
            return point if point is not None else m[0].items[m[1]]

        members = [m for m in read if m[2] in on]
        if not members:
            return None
        if not _by_words(ctx, read, read_points, large) and not ctx.covered():
            # Found by meaning alone ("补办身份证要带哪些材料"): a list the model's closeness makes must pass the
            # test any answer by meaning passes (an errand, a thing no notice names, a question far from all).
            return ctx.not_covered()
        dense = services.searcher.dense_for(ctx.search_text or q.text, [r for _, _, r in members])
        by_notice: dict[int, list[tuple[float, Member]]] = defaultdict(list)
        for m, score in zip(members, dense, strict=True):
            by_notice[id(m[0].doc)].append((float(score), m))
        groups = sorted(by_notice.values(), key=lambda g: (-len(g), -max(s for s, _ in g)))
        group, others = groups[0], groups[1:]
        n = group[0][1][0]
        none = "(no lead unit printed)" if q.english else "（未列牵头单位）"
        where = f"{ctx.notice_name(n)}: " if len(scope) > 1 else ""
        lines = [f"{where}**{len(group)}** work points concern this, by lead unit:" if q.english
                 else f"{where}共 **{len(group)}** 项工作涉及，按牵头单位："]
        by_lead: dict[str, list[tuple[float, WorkPoint]]] = defaultdict(list)
        for s, m in sorted(group, key=lambda g: g[1][2]):  # rows keep each notice's order
            p = item(m)
            by_lead["、".join(p.lead) or none].append((s, p))
        cites: list[Citation] = []
        for lead, items in sorted(by_lead.items(), key=lambda kv: (kv[0] == none, -len(kv[1]))):
            lines.append(f"- **{lead}** ({len(items)}):" if q.english else f"- **{lead}**（{len(items)}）：")
            for s, p in items:
                cites.append(ctx.cite(n, p, ctx.quote(p), s))
                lines.append(f"  - {p.ref} {p.title}{figures_note(p)} [{len(cites)}]")
        # The other notices' work points come as related ones; of a large scope, those of the notices listed only.
        shown = others[:LISTED] if large else others
        related = [ctx.cite(m[0], item(m), item(m).title, s) for g in shown for s, m in g]
        if others:
            lines.append(f"\nAlso in {len(others)} other notices:" if q.english else f"\n另有 {len(others)} 份通知也涉及：")
            for g in others[:LISTED]:
                m = g[0][1][0]
                titles = "；".join(f"{item(x).ref} {item(x).title}" for _, x in g[:3])
                more = "…" if len(g) > 3 else ""
                lines.append(f"- {ctx.notice_name(m)}（{len(g)} 项）：{titles}{more}")
        return ctx.answer("\n".join(lines), cites, "topic", related)


def _by_words(ctx: Context, read: list[Member], read_points: dict[int, WorkPoint], large: bool) -> bool:
    """Whether any work point read is on the topic by its words or its lead unit, not by meaning alone."""
    if large:
        mask = np.zeros(len(ctx.services.rows), bool)
        mask[[r for _, _, r in read]] = True
        return bool(on_topic_rows(ctx, ctx.terms, mask, meaning=False))
    return bool(on_topic(ctx, ctx.terms, [(n, read_points[r]) for n, _, r in read], meaning=False))


#: Other notices on the topic listed by name after the one answered.
LISTED = 6


def _read_in(ctx: Context, scope: list[Notice]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What a topic list reads of the scope (:func:`topic_positions`, confined to :attr:`Context.allowed`), in scope
    order: each work point's notice (its place in ``scope``), its position in the notice's items, and its row."""
    owners, positions, rows = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for k, n in enumerate(scope):
        mine = ctx.services.notice_rows(n)
        at = np.asarray(topic_positions(n, len(mine)), np.int64)
        base = np.arange(mine.start, mine.stop) if isinstance(mine, range) else np.asarray(mine, np.int64)
        owners.append(np.full(len(at), k, np.int64))
        positions.append(at)
        rows.append(base[at])
    owner, at, row = np.concatenate(owners), np.concatenate(positions), np.concatenate(rows)
    if ctx.allowed is not None:
        keep = np.isin(row, np.fromiter(ctx.allowed, np.int64, len(ctx.allowed)))
        owner, at, row = owner[keep], at[keep], row[keep]
    return owner, at, row


def _latest(ctx: Context) -> list[Notice]:
    """The scope with each family cut to its latest edition, when the question names no year."""
    if ctx.q.years or ctx.q.short_years or ctx.q.last_year:
        return ctx.scope
    keep = []
    in_scope = ctx.in_scope()
    for n in ctx.scope:
        family = editions_in_scope(ctx, n, in_scope)
        if n.doc is family[-1].doc:
            keep.append(n)
    return keep
