"""Who leads a work point ("河长制由哪个部门负责"), from its printed units and their roles.

A work point that prints no units is answered by the sentence naming the body where it has one
("国务院专利行政部门负责…"); where it names none, the notices do not say who leads it, and the
answer says so rather than borrowing another work point's units.
"""

from __future__ import annotations

import re

from assistant.answering.context import Context
from assistant.answering.latest import edition_label, editions_in_scope, other_leads, prefer_latest
from assistant.answering.registry import Answerer, register
from assistant.records import Answer

#: A sentence that names who does the work: a body (…部门, …局, …政府) before 负责/主管/牵头.
_NAMES_BODY = re.compile(r"(?:部门|局|委|办|厅|部|署|政府|机关|机构|中心|单位)[^，。；]{0,12}(?:负责|主管|牵头|会同|承担)")


@register
class Lead(Answerer):
    kind = "lead"
    precedence = 80

    def applies(self, ctx: Context) -> str:
        return "asks who leads" if ctx.q.wants("lead") else ""

    def answer(self, ctx: Context) -> Answer | None:
        if not ctx.covered():
            return ctx.not_covered()
        entries, others = prefer_latest(ctx, ctx.entries(ctx.hits()))
        with_units = [e for e in entries[:5] if e[1].roles]
        if with_units and with_units[0] is not entries[0] and not _closer(entries[0], with_units[0]):
            entries = [with_units[0], *[e for e in entries if e is not with_units[0]]]
            entries, others = prefer_latest(ctx, entries)
        n, p, _ = entries[0]
        cites = ctx.cites_for(entries)
        if not p.roles:
            quote = ctx.quote(p, [*ctx.words, "负责", "牵头", "部门"])
            if not _NAMES_BODY.search(quote):
                ctx.note_trace("lead", "the work point prints no units")
                why = (f"{ctx.ref(n, p)}「{p.title}」does not say which unit leads it." if ctx.english
                       else f"所索引的通知没有写明这项工作由哪个单位牵头：{ctx.ref(n, p)}「{p.title}」未列出牵头单位。")
                return ctx.not_covered(ctx.hits()[:1], why=why)
        text = ctx.lead_sentence(n, p)
        notes = []
        if len(editions_in_scope(ctx, n)) > 1:
            notes.append(edition_label(n, ctx.english))
        beside = other_leads(ctx, p.lead, others)
        if beside:
            notes.append(beside)
        if notes:
            text += f"（{'；'.join(notes)}）" if not ctx.english else f" ({'; '.join(notes)})"
        return ctx.answer(text, cites, "lead")


def _closer(top: tuple, other: tuple) -> bool:  # noqa: ANN001
    """The top hit is clearly the better match (more than two z units ahead): keep it though it prints no units."""
    return top[2] - other[2] > 2.0
