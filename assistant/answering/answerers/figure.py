"""A figure the notices set ("残膜回收率要达到多少" → 87%), from the clause that names its indicator.

With several editions indexed, the latest edition's figure is given and an edition that prints
another figure for the same work point is named beside it ("**90%**（2020年；2019年为87%）").
"""

from __future__ import annotations

from assistant.answering.context import Context
from assistant.answering.latest import edition_label, editions_in_scope, other_figures, prefer_latest
from assistant.answering.registry import Answerer, register
from assistant.figures import best_target, closest_target, governing_year, only_figure_in_unit, title_spans
from assistant.records import Answer, Notice, Target, WorkPoint


def find_figure(ctx: Context, points: list[WorkPoint]) -> tuple[Target, int] | None:
    """The printed figure among these work points (best first) that answers the question, and its rank."""
    text = ctx.search_text or ctx.q.text
    if ctx.english:
        # English shares no word with the notices: the figure is the one whose words the model places
        # closest to the question, among those printed in the unit it asks in.
        return best_target(text, [], points[:3], {}, ctx.services.closeness(text))
    terms = figure_terms(ctx)
    return best_target(text, terms, points, _weights(ctx, terms), ctx.services.closeness(text))


#: The best hits whose notices' titles are read for the words that name one: those the figure is chosen among.
TITLES_READ = 5


def figure_terms(ctx: Context) -> list[str]:
    """The question's words that may name its figure: not those that name a notice by its title
    (:func:`~assistant.figures.title_spans`: "国家组织药品集中采购试点…平均降价多少" names the 试点方案 by
    its words, which its every figure's words repeat). All of them when the title is all it names."""
    if ctx._figure_terms is None:  # read once: the figure is sought up to three ways, and once per edition
        text = ctx.search_text or ctx.q.text
        rest = title_spans(text, {h.doc.title for h in ctx.hits()[:TITLES_READ] if h.doc.title})
        ctx._figure_terms = [t for t in ctx.terms if t.lower() in rest.lower()] or ctx.terms
    return ctx._figure_terms


def _weights(ctx: Context, terms: list[str] | None = None) -> dict[str, float]:
    """The question's words by rarity: a word no notice prints is no evidence for any figure; a word most
    work points print is little."""
    return {t: ctx.services.idf(t) for t in (ctx.terms if terms is None else terms)}


def closest_figure(ctx: Context, points: list[WorkPoint]) -> Target | None:
    """A figure of the best work point for a question worded apart from it (:func:`~assistant.figures.closest_target`)."""
    text = ctx.search_text or ctx.q.text
    terms = figure_terms(ctx)
    return closest_target(text, terms, points, _weights(ctx, terms), ctx.services.closeness(text))


def figure_text(ctx: Context, n: Notice, p: WorkPoint, target: Target, others: list[tuple[Notice, WorkPoint]]) -> str:
    """``**87%**（2020年；2019年为90%）。第37项（…）：“…” [1]（牵头单位：…）``."""
    beside = other_figures(ctx, target.text, others, lambda other: _same_figure(ctx, other))
    edition = ""
    if len(editions_in_scope(ctx, n)) > 1:
        edition = edition_label(n, ctx.english)
    notes = [x for x in (edition, beside) if x]
    lead = "、".join(p.lead)
    if ctx.english:
        extra = f" ({'; '.join(notes)})" if notes else ""
        return (f"**{target.text}**{extra} — {ctx.ref(n, p)} ({p.title}): “{target.sentence}” [1]"
                + (f" Lead unit: {lead}." if lead else ""))
    extra = f"（{'；'.join(notes)}）" if notes else ""
    return (f"**{target.text}**{extra}。{ctx.ref(n, p)}（{p.title}）：“{target.sentence}” [1]"
            + (f"（牵头单位：{lead}）" if lead else ""))


def _as_task(n: Notice, p: WorkPoint, target: Target) -> tuple[Notice, WorkPoint, Target]:
    """A figure a report's body states and one task of its task list sets too: cite the task, which
    is the notice's commitment (the body sums it up)."""
    if not n.doc.task_part or p.part == n.doc.task_part:
        return n, p, target
    same = [(q, t) for q in n.tasks for t in q.targets if (t.value, t.unit) == (target.value, target.unit)]
    if len({id(q) for q, _ in same}) == 1:
        return n, same[0][0], same[0][1]
    return n, p, target


def _year_missing(ctx: Context, point: WorkPoint, target: Target) -> str:
    """Why a figure cannot answer a year the question names: no notice in scope is of that year and the
    figure is not one set for it (济南2018年… with reports of 2016 and 2017 only). "" when it can."""
    years = ctx.q.years or [y for y in ctx.q.short_years if any(n.doc.year == y for n in ctx.scope)]
    if not years or any(n.doc.year in years for n in ctx.scope):
        return ""
    governing = governing_year(point.text, target, point.path)
    if governing and int(governing) in years:
        return ""
    have = "、".join(sorted({str(n.doc.year) for n in ctx.scope if n.doc.year}))
    return (f"No notice of {years[0]} is indexed (indexed years: {have}), and none sets a figure for {years[0]}."
            if ctx.english else f"所索引的通知中没有{years[0]}年的文件（已索引的年份：{have}），也没有为{years[0]}年设定的这项数字。")


def _same_figure(ctx: Context, point: WorkPoint) -> Target | None:
    found = find_figure(ctx, [point])
    return found[0] if found else None


@register
class Figure(Answerer):
    kind = "figure"
    precedence = 70

    def applies(self, ctx: Context) -> str:
        return "asks for a figure" if ctx.q.wants("figure") else ""

    def answer(self, ctx: Context) -> Answer | None:
        if not ctx.covered():
            return ctx.not_covered()
        entries, _ = prefer_latest(ctx, ctx.entries(ctx.hits()))
        found = find_figure(ctx, [p for _, p, _ in entries[:5]])
        if found is None and entries:
            only = only_figure_in_unit(ctx.search_text or ctx.q.text, entries[0][1], figure_terms(ctx))
            if only is not None:
                found = (only, 0)
                ctx.note_trace("figure", "the only figure of the best work point in the unit asked")
        if found is None and entries and not ctx.english:
            closest = closest_figure(ctx, [p for _, p, _ in entries[:5]])
            if closest is not None:
                found = (closest, 0)
                ctx.note_trace("figure", "the best work point's figure closest to the question in meaning")
        if found is None:
            ctx.note_trace("figure", "no printed figure names the indicator")
            return ctx.not_covered() if ctx.q.figure_last else None
        missing = _year_missing(ctx, entries[found[1]][1], found[0])
        if missing:
            return ctx.not_covered(why=missing)
        target, rank = found
        if rank:  # the figure stands in a lower hit: answer from that work point's latest edition too
            moved, _ = prefer_latest(ctx, [entries[rank], *[e for i, e in enumerate(entries) if i != rank]])
            if moved[0][1] is not entries[rank][1]:
                again = find_figure(ctx, [moved[0][1]])
                if again is not None:
                    target, entries, rank = again[0], moved, 0
        n, p, _ = entries[rank]
        n, p, target = _as_task(n, p, target)
        _, others = prefer_latest(ctx, [(n, p, 0.0)])
        ordered = [(n, p, entries[0][2])] + [e for e in entries if e[1] is not p]
        cites = ctx.cites_for(ordered)
        cites[0].quote = target.sentence
        return ctx.answer(figure_text(ctx, n, p, target, others), cites, "figure")
