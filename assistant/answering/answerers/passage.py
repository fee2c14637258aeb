"""The best passage, quoted: what answers a question no other answerer claims.

When the best work points come from several notices, the answer names the best one and then,
grouped by notice, the closest work point of each other notice that is close behind, so one
notice does not crowd out the others.
"""

from __future__ import annotations

from assistant.answering.context import Context
from assistant.answering.latest import edition_label, editions_in_scope, prefer_latest
from assistant.answering.registry import Answerer, register
from assistant.records import Answer


@register
class Passage(Answerer):
    kind = "passage"
    precedence = 90

    def applies(self, ctx: Context) -> str:
        return "the fallback: the closest passage"

    def answer(self, ctx: Context) -> Answer | None:
        if not ctx.hits():
            return ctx.not_covered([])
        if not ctx.q.wants("collective") and not ctx.covered():
            return ctx.not_covered()
        entries, _ = prefer_latest(ctx, ctx.entries(ctx.hits()))
        cites = ctx.cites_for(entries)
        n, p = entries[0][0], entries[0][1]
        edition = f"（{edition_label(n, ctx.english)}）" if len(editions_in_scope(ctx, n)) > 1 else ""
        lines = [f"{ctx.ref(n, p)}{edition} **{p.title}**：“{cites[0].quote}” [1]"]
        also = "See also" if ctx.english else "另见"
        shown = {id(n.doc)}
        for i, c in enumerate(cites[1:], 2):
            other = ctx.services.notice_of(c.doc)
            family = {id(e.doc) for e in ctx.services.editions(other)}
            if id(other.doc) in shown and i > 2 or family & shown and id(other.doc) not in shown:
                continue  # one line per other notice; editions of the answer's own family add nothing
            shown.add(id(other.doc))
            lines.append(f"{also} {ctx.ref(other, c.point)} {c.point.title}：“{c.quote}” [{i}]")
        return ctx.answer("\n\n".join(lines), cites, "passage")
