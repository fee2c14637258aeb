"""Every work point on a topic ("哪些工作涉及水？分别由谁牵头？"), grouped by lead unit, each cited.

Membership is by words and by meaning (:mod:`assistant.answering.topics`). A notice with a task
list (a report's 民生实事) is read by its tasks. The notice with most work points on the topic
is answered in full and cited; the other notices that touch it are listed apart, each labelled
with its count, as related work points rather than citations. With several editions of one
family and no year named, the latest edition is the one answered.
"""

from __future__ import annotations

from collections import defaultdict

from assistant.answering.context import Context, figures_note
from assistant.answering.latest import editions_in_scope
from assistant.answering.registry import Answerer, register
from assistant.answering.topics import on_topic
from assistant.records import Answer, Citation, Notice, WorkPoint


def topic_points(ctx: Context, n: Notice) -> list[WorkPoint]:
    """What a topic list reads of a notice: its task list where it has one, else its work points but the preamble."""
    tasks = [p for p in n.tasks if p.part and p.part != "正文"]
    if tasks:
        return tasks
    return [p for p in n.items if not (p.item == "导语" and n.tasks)]


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
        scope = _latest(ctx)
        points = [(n, p) for n in scope for p in topic_points(ctx, n) if ctx.allows(p)]
        rows = on_topic(ctx, ctx.terms, points)
        if not rows:
            return None
        members = [(n, p) for n, p in points if ctx.services.row(p) in rows]
        dense = ctx.services.searcher.dense_for(ctx.search_text or q.text, [ctx.services.row(p) for _, p in members])
        by_notice: dict[int, list[tuple[float, Notice, WorkPoint]]] = defaultdict(list)
        for (n, p), score in zip(members, dense, strict=True):
            by_notice[id(n.doc)].append((float(score), n, p))
        groups = sorted(by_notice.values(), key=lambda g: (-len(g), -max(s for s, _, _ in g)))
        group, others = groups[0], groups[1:]
        n = group[0][1]
        none = "(no lead unit printed)" if q.english else "（未列牵头单位）"
        where = f"{ctx.notice_name(n)}: " if len(scope) > 1 else ""
        lines = [f"{where}**{len(group)}** work points concern this, by lead unit:" if q.english
                 else f"{where}共 **{len(group)}** 项工作涉及，按牵头单位："]
        by_lead: dict[str, list[tuple[float, WorkPoint]]] = defaultdict(list)
        for s, _, p in sorted(group, key=lambda m: ctx.services.row(m[2])):  # rows keep each notice's order
            by_lead["、".join(p.lead) or none].append((s, p))
        cites: list[Citation] = []
        for lead, items in sorted(by_lead.items(), key=lambda kv: (kv[0] == none, -len(kv[1]))):
            lines.append(f"- **{lead}** ({len(items)}):" if q.english else f"- **{lead}**（{len(items)}）：")
            for s, p in items:
                cites.append(ctx.cite(n, p, ctx.quote(p), s))
                lines.append(f"  - {p.ref} {p.title}{figures_note(p)} [{len(cites)}]")
        related = [ctx.cite(m[1], m[2], m[2].title, m[0]) for g in others for m in g]
        if others:
            lines.append(f"\nAlso in {len(others)} other notices:" if q.english else f"\n另有 {len(others)} 份通知也涉及：")
            for g in others[:6]:
                titles = "；".join(f"{p.ref} {p.title}" for _, _, p in g[:3])
                more = "…" if len(g) > 3 else ""
                lines.append(f"- {ctx.notice_name(g[0][1])}（{len(g)} 项）：{titles}{more}")
        return ctx.answer("\n".join(lines), cites, "topic", related)


def _latest(ctx: Context) -> list[Notice]:
    """The scope with each family cut to its latest edition, when the question names no year."""
    if ctx.q.years or ctx.q.short_years or ctx.q.last_year:
        return ctx.scope
    keep = []
    for n in ctx.scope:
        family = editions_in_scope(ctx, n)
        if n.doc is family[-1].doc:
            keep.append(n)
    return keep
