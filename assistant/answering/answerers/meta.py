"""The notice itself: its 文号, issuer, dates and how many tasks it sets."""

from __future__ import annotations

from assistant.answering.context import Context, date_text
from assistant.answering.registry import Answerer, register
from assistant.records import Answer, Notice


def named_by_title(ctx: Context) -> list[Notice]:
    """The one notice whose title shares clearly most words with the question ("生态文明工作要点的文号")."""
    words = [w for w in ctx.terms if len(w) >= 2]
    scored = sorted(((sum(len(w) for w in words if w in n.doc.title), i) for i, n in enumerate(ctx.scope)), reverse=True)
    if len(scored) > 1 and scored[0][0] >= 4 and scored[0][0] > scored[1][0]:
        return [ctx.scope[scored[0][1]]]
    return []


def latest_of_families(ctx: Context, scope: list[Notice]) -> tuple[list[Notice], dict[int, list[Notice]]]:
    """One notice per family (its latest edition in scope) when the question names no year, and the others."""
    if ctx.q.years or ctx.q.short_years or ctx.q.last_year:
        return scope, {}
    kept, others = [], {}
    seen: set[int] = set()
    ids = {id(m.doc) for m in scope}
    for n in scope:
        family = [e for e in ctx.services.editions(n) if id(e.doc) in ids]
        head = id(family[0].doc)
        if head in seen:
            continue
        seen.add(head)
        kept.append(family[-1])
        if len(family) > 1:
            others[id(family[-1].doc)] = family[:-1]
    return kept, others


@register
class Meta(Answerer):
    kind = "meta"
    precedence = 20

    def applies(self, ctx: Context) -> str:
        q = ctx.q
        if q.wants("number", "issuer", "date", "title"):
            return "asks for the notice's own details"
        if q.wants("count") and not ctx.units and not ctx.anchor:
            return "asks how many tasks"
        return ""

    def answer(self, ctx: Context) -> Answer | None:
        q = ctx.q
        if not ctx.scope:
            return None
        scope = named_by_title(ctx) or ctx.scope
        scope, others = latest_of_families(ctx, scope)
        lines = []
        if len(scope) > 1:
            lines.append(
                f"{len(scope)} notices are indexed; name one (by 文号 or year) to narrow this down:" if q.english
                else f"共索引了 {len(scope)} 份通知（可在问题中写明文号或年份以限定）："
            )
        for n in scope[:10]:
            d = n.doc
            parts = []
            if q.wants("title"):
                parts.append(f"{'Title' if q.english else '标题'}: **{d.title or '—'}**"
                             + (f" ({d.number})" if d.number else ""))
            if q.wants("number"):
                parts.append(f"{'Document number' if q.english else '文号'}: **{d.number or '—'}**")
            if q.wants("issuer"):
                parts.append(f"{'Issued by' if q.english else '发文机关'}: **{d.issuer or '—'}**")
            if q.wants("date"):
                parts.append(f"{'Dated' if q.english else '成文日期'}: **{date_text(d.date, q.english)}**")
                if d.published:
                    parts.append(f"{'Published' if q.english else '发布日期'}: **{date_text(d.published, q.english)}**")
            if q.wants("count"):
                parts.append(f"**{len(n.tasks)}** {'numbered tasks' if q.english else '项任务'}")
                earlier = others.get(id(n.doc), [])
                if earlier:
                    counts = "；".join(f"{e.doc.year}年 {len(e.tasks)} 项" for e in reversed(earlier))
                    parts.append(f"other editions: {counts}" if q.english else f"其他年份：{counts}")
            if not parts:
                continue
            lines.append(f"《{d.title}》{f'（{d.year}年）' if d.year and str(d.year) not in d.title else ''}: "
                         + ("; " if q.english else "；").join(parts))
        return ctx.answer("\n\n".join(lines), [], "meta")
