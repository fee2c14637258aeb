"""Two editions compared in the chat: what is new, dropped, or changed (targets, units, wording).

The editions are the two years the question names, or the year it names and the edition before
it, or the latest two (今年/去年, or no year), within one family (:mod:`assistant.editions`). The
comparison is :func:`assistant.compare.compare_notices` over the embeddings the index holds,
confined to a unit or a topic only when the question names one. A question about one task in two
years ("公厕建设目标有什么变化", "牵头单位一样吗") gets that task's figures and units side by side.
"""

from __future__ import annotations

import re

from assistant import vocab
from assistant.answering.context import Context, figures_note
from assistant.answering.registry import Answerer, register
from assistant.answering.topics import on_topic
from assistant.compare import Comparison, Pair, Single, clause_with, compare_notices
from assistant.records import Answer, Citation, Notice, WorkPoint

#: At most this many work points of each list are printed (all are counted).
MAX_LISTED = 40
#: A question naming one task (not a topic) is about the pairs this close to it.
_COMPARE_WORDS = re.compile(
    "|".join(p.pattern for p in (vocab.COMPARE_NEW, vocab.COMPARE_DROPPED, vocab.COMPARE_CHANGED, vocab.COMPARE_PAIR)), re.I
)


def families_in(ctx: Context) -> list[list[Notice]]:
    """Families with two or more editions in scope, the one holding the best hit first."""
    in_scope = {id(n.doc) for n in ctx.scope}
    seen: set[int] = set()
    out = []
    for n in ctx.scope:
        family = [e for e in ctx.services.editions(n) if id(e.doc) in in_scope]
        if len(family) > 1 and id(family[0].doc) not in seen:
            seen.add(id(family[0].doc))
            out.append(family)
    if len(out) > 1:
        hits = ctx.hits()
        top = {id(ctx.services.notice_of(h.doc).doc): i for i, h in reversed(list(enumerate(hits)))}
        out.sort(key=lambda f: min((top.get(id(n.doc), 99) for n in f), default=99))
    return out


def pick_editions(ctx: Context, family: list[Notice]) -> tuple[Notice, Notice] | None:
    """The two editions the question means, older first."""
    q = ctx.q
    by_year = {n.doc.year: n for n in family if n.doc.year}
    years = [y for y in [*q.years, *q.short_years] if y in by_year]
    if len(years) >= 2:
        a, b = sorted(set(years))[:2]
        return by_year[a], by_year[b]
    if len(years) == 1:
        b = by_year[years[0]]
        i = family.index(b)
        if i > 0:
            return family[i - 1], b
        return (b, family[1]) if len(family) > 1 else None
    return family[-2], family[-1]


def lists_of(a: Notice, b: Notice, whole: bool = False) -> tuple[Notice, Notice]:
    """What two editions are compared by: their task lists where both print one, else the whole notices."""
    if whole or not (a.doc.task_part and b.doc.task_part):
        return a, b
    return Notice(a.doc, a.tasks, a.file), Notice(b.doc, b.tasks, b.file)


def alignment(ctx: Context, a: Notice, b: Notice) -> Comparison:
    """The comparison of two editions (or of their task lists), computed once per index and pair."""
    cache = ctx.services.__dict__.setdefault("_comparisons", {})
    key = (id(a.doc), id(b.doc), len(a.items), len(b.items))
    if key not in cache:
        vectors = ctx.services.searcher.vectors
        cache[key] = compare_notices(a, b, *(vectors([ctx.services.row(p) for p in n.items]) for n in (a, b)))
    return cache[key]


def _terms(ctx: Context) -> list[str]:
    """The topic words of a comparison question: its terms less every word inside a comparison cue
    ("新增了哪些", "和去年比", "有什么变化") or a field it asks about (目标, 牵头单位)."""
    text = ctx.search_text or ctx.q.text
    stripped = _COMPARE_WORDS.sub(" ", text)
    for pattern in vocab.COMPARE_FIELDS.values():
        stripped = pattern.sub(" ", stripped)
    left = set(ctx.services.tokenizer.words_of(stripped))
    # A word no notice prints ("比有", a slip of the tokeniser) names no topic to confine the comparison to.
    return [t for t in ctx.terms if t in left and ctx.services.printed(t)]


def asked_fields(ctx: Context) -> set[str]:
    """The fields a comparison asks about ("目标有什么调整" → targets); empty for all of them."""
    text = ctx.search_text or ctx.q.text
    return {name for name, pattern in vocab.COMPARE_FIELDS.items() if pattern.search(text)}


#: A focus this narrow (work points on the topic, both editions together) is one task in two years:
#: its pairs are shown side by side, unchanged ones too.
DETAIL = 6


@register
class Compare(Answerer):
    kind = "compare"
    precedence = 10

    def applies(self, ctx: Context) -> str:
        return f"asks for a comparison ({ctx.q.compare})" if ctx.q.compare else ""

    def answer(self, ctx: Context) -> Answer | None:
        q = ctx.q
        families = families_in(ctx)
        if not families:
            if len(q.years) < 2 and not (q.this_year or q.last_year) and q.compare not in ("new", "dropped"):
                return None
            return Answer("", "The indexed notices hold no two editions of one notice to compare." if q.english
                          else "所索引的通知中没有同一份通知的两个年度版本，无法比较。", False, kind="compare")
        pair = pick_editions(ctx, families[0])
        if pair is None:
            return None
        a, b = pair
        if q.wants("count") and not ctx.units and not ctx.suggested and not _terms(ctx):
            return _counts(ctx, a, b)
        la, lb = lists_of(a, b)
        focus, detail = self._focus(ctx, la, lb)
        if focus is not None and not focus and (la is not a):
            la, lb = lists_of(a, b, whole=True)  # the topic is in the reports' bodies, not their task lists
            focus, detail = self._focus(ctx, la, lb)
        cmp = alignment(ctx, la, lb)
        ctx.note_trace("compare", "editions", a=a.doc.year, b=b.doc.year, changed=len(cmp.changed), new=len(cmp.new),
                       dropped=len(cmp.dropped), focus=None if focus is None else len(focus))

        def keep(*points: WorkPoint) -> bool:
            return focus is None or any(ctx.services.row(p) in focus for p in points)

        fields = asked_fields(ctx) if q.compare in ("changed", "all") else set()
        changed = [c for c in cmp.changed if keep(c.a, c.b)]
        if fields and not detail:
            changed = [c for c in changed if any(d.field in fields for d in c.differences)]
        kept = [c for c in cmp.kept if keep(c.a, c.b)] if detail else []
        new = [x for x in cmp.new if keep(x.point) and x.point.item != "导语"]
        dropped = [x for x in cmp.dropped if keep(x.point) and x.point.item != "导语"]
        if q.compare == "new":
            changed, kept, dropped = [], [], []
        elif q.compare == "dropped":
            changed, kept, new = [], [], []
        elif q.compare == "changed" and not detail:
            new, dropped = [], []
        return _compose(ctx, a, b, changed, kept, new, dropped, fields)

    @staticmethod
    def _focus(ctx: Context, a: Notice, b: Notice) -> tuple[set[int] | None, bool]:
        """Rows the question confines the comparison to (None: all), and whether it is about one task."""
        q = ctx.q
        rows: set[int] | None = None
        units = ctx.units or ctx.suggested[:1]
        if units:
            roles = [r for r in q.roles if r not in ("牵头", "负责")] or ["牵头", "负责"]
            rows = {ctx.services.row(p) for e in units for r in roles for _, p in e.points.get(r, [])}
        terms = _terms(ctx)
        if not terms:
            return rows, rows is not None and 0 < len(rows) <= DETAIL
        points = [(n, p) for n in (a, b) for p in n.items if rows is None or ctx.services.row(p) in rows]
        topic = on_topic(ctx, terms, points, meaning=False)
        if not topic and rows is None:
            topic = _closest(ctx, points)
        return topic, 0 < len(topic) <= DETAIL


def _closest(ctx: Context, points: list[tuple[Notice, WorkPoint]]) -> set[int]:
    """Rows of the best work point of each edition for the question, when no work point prints its words."""
    out = set()
    for doc in {id(n.doc) for n, _ in points}:
        rows = {ctx.services.row(p) for n, p in points if id(n.doc) == doc}
        hits = ctx.services.searcher.search(ctx.search_text or ctx.q.text, k=1,
                                            where=lambda n, p, rows=rows: ctx.services.row(p) in rows)
        out |= {ctx.services.row(h.point) for h in hits}
    return out


def _name(n: Notice) -> str:
    return f"{n.doc.year}年" if n.doc.year else (n.doc.number or n.doc.title)


def _counts(ctx: Context, a: Notice, b: Notice) -> Answer:
    cites = [ctx.cite(n, n.tasks[0], n.doc.title, 1.0) for n in (a, b) if n.tasks]
    text = (f"{_name(a)}: **{len(a.tasks)}** tasks; {_name(b)}: **{len(b.tasks)}** tasks." if ctx.english
            else f"{_name(a)}共 **{len(a.tasks)}** 项，{_name(b)}共 **{len(b.tasks)}** 项。")
    return ctx.answer(text, cites, "compare")


def _pair_line(c: Pair, fields: set[str] | None = None) -> str:
    """How a pair changed, old → new per field (those asked about, when the question names some), and
    the lead unit when it stayed the same."""
    diffs = [f"{vocab.FIELD_LABEL.get(d.field, d.field)} {d.old or '（无）'} → {d.new or '（无）'}"
             + (f"（{clause_with(d.quote_b, d.new)}）" if d.field == "targets" and d.new and d.quote_b else "")
             for d in c.differences if not fields or d.field in fields]
    fields = {d.field for d in c.differences}
    if "lead" not in fields and c.b.lead:
        diffs.append(f"牵头单位均为 {'、'.join(c.b.lead)}")
    return "；".join(diffs)


def _compose(ctx: Context, a: Notice, b: Notice, changed: list[Pair], kept: list[Pair], new: list[Single],
             dropped: list[Single], fields: set[str] | None = None) -> Answer:
    en = ctx.english
    head = (f"{_name(a)} → {_name(b)}: **{len(changed)}** changed, **{len(new)}** new, **{len(dropped)}** dropped."
            if en else f"{_name(a)} → {_name(b)}：有变化 **{len(changed)}** 项，新增 **{len(new)}** 项，删去 **{len(dropped)}** 项。")
    lines = [head]
    cites: list[Citation] = []
    if changed:
        lines.append("\n**Changed**:" if en else "\n**有变化**：")
    for c in changed[:MAX_LISTED]:
        d0 = c.differences[0]
        cites += [ctx.cite(b, c.b, d0.quote_b or c.b.title, c.similarity), ctx.cite(a, c.a, d0.quote_a or c.a.title, c.similarity)]
        lines.append(f"- {_name(a)}{c.a.ref} → {_name(b)}{c.b.ref}「{c.b.title}」：{_pair_line(c, fields)} [{len(cites) - 1}][{len(cites)}]")
    if kept:
        lines.append("\n**Unchanged**:" if en else "\n**未变**：")
    for c in kept[:MAX_LISTED]:
        cites += [ctx.cite(b, c.b, c.b.title, c.similarity), ctx.cite(a, c.a, c.a.title, c.similarity)]
        figures = "、".join(t.text for t in c.b.targets[:4])
        lead = "、".join(c.b.lead)
        detail = "；".join(x for x in (f"目标 {figures}" if figures else "", f"牵头单位 {lead}" if lead else "") if x)
        lines.append(f"- {_name(a)}{c.a.ref} → {_name(b)}{c.b.ref}「{c.b.title}」{('：两年相同，' + detail) if detail else ''}"
                     f" [{len(cites) - 1}][{len(cites)}]")
    for heading, items, notice in (("New" if en else "新增", new, b), ("Dropped" if en else "删去", dropped, a)):
        if items:
            lines.append(f"\n**{heading}**：" if not en else f"\n**{heading}**:")
        for x in items[:MAX_LISTED]:
            cites.append(ctx.cite(notice, x.point, x.point.title, 1.0))
            lead = f"（牵头单位：{'、'.join(x.point.lead)}）" if x.point.lead else ""
            lines.append(f"- {_name(notice)}{x.point.ref}「{x.point.title}」{figures_note(x.point)}{lead} [{len(cites)}]")
        if len(items) > MAX_LISTED:
            lines.append(f"- …（共 {len(items)} 项）")
    return ctx.answer("\n".join(lines), cites, "compare")
