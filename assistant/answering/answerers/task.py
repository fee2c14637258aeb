"""One work point by its number ("第37项是什么内容", "第十七件由谁牵头"), or the one an earlier turn settled on.

Several notices may number a task N: the one named by 文号, place or year; else, of one family's
editions, the latest; else a notice whose tasks print their units. The answer says which.
"""

from __future__ import annotations

from functools import lru_cache

from assistant.answering.answerers.figure import figure_text, find_figure
from assistant.answering.context import Context, Entry, first_sentences
from assistant.answering.latest import edition_label, editions_in_scope
from assistant.answering.registry import Answerer, register
from assistant.parse.structure import cn_to_int
from assistant.records import Answer, Notice


@lru_cache(maxsize=4096)
def label_number(label: str) -> int | None:
    """The number a task label prints: 37, （五） → 5, 第十二条 → 12, 一 → 1."""
    core = label.strip("（）()第条")
    if core.isdigit():
        return int(core)
    return cn_to_int(core) or None if core else None


#: A notice and the position (in its ``items``) of a task it numbers.
Found = tuple[Notice, int]


def numbered(ctx: Context, number: int) -> list[Found]:
    """Every notice in scope with a task of that number, the likeliest first.

    Read from each notice's task labels (:attr:`Notice.task_labels`, stored by the index), so a large
    archive reads no work point until the chosen ones are described.
    """
    found: list[tuple[Notice, int, bool, int]] = []  # notice, position, prints its units, tasks that do
    for n in ctx.scope:
        tasks = n.task_labels
        if number == -1:  # 最后一条: the last task
            hit = tasks[-1] if tasks else None
        else:
            hit = next((t for t in tasks if label_number(t.label) == number), None)
        if hit is not None:
            found.append((n, hit.at, hit.roled, sum(1 for t in tasks if t.roled)))
    in_scope = ctx.in_scope()
    latest = {id(editions_in_scope(ctx, n, in_scope)[-1].doc) for n, *_ in found}
    found.sort(key=lambda e: (
        id(e[0].doc) not in latest,
        ctx.q.wants("lead") and not e[2],
        -e[3],
        -(e[0].doc.year or 0),
    ))
    return [(n, at) for n, at, *_ in found]


def describe(ctx: Context, entry: Entry, notes: list[str] | None = None) -> Answer:
    """One work point: who does it, the figure asked, or its text."""
    n, p = entry
    q = ctx.q
    cites = [ctx.cite(n, p, p.title, 1.0)]
    extra = list(notes or [])
    if len(editions_in_scope(ctx, n)) > 1 and not q.years:
        extra.append(edition_label(n, q.english))
    suffix = (f"（{'；'.join(extra)}）" if not q.english else f" ({'; '.join(extra)})") if extra else ""
    if q.wants("lead") or q.roles and not q.wants("figure"):
        return ctx.answer(ctx.lead_sentence(n, p) + suffix, cites, "task")
    if q.wants("figure"):
        found = find_figure(ctx, [p])
        if found is not None:
            cites[0].quote = found[0].sentence
            return ctx.answer(figure_text(ctx, n, p, found[0], []) + suffix, cites, "task")
    body = p.text.replace("\n", "") if q.wants("detail") else first_sentences(p.text, 2)
    cites[0].quote = first_sentences(p.text, 1) or p.title
    lead = f"（牵头单位：{'、'.join(p.lead)}）" if p.lead and not q.english else ""
    if q.english:
        return ctx.answer(f"{ctx.ref(n, p)}: **{p.title}** — {body}{suffix}", cites, "task")
    return ctx.answer(f"{ctx.ref(n, p)} **{p.title}**：{body}{lead}{suffix}", cites, "task")


@register
class Task(Answerer):
    kind = "task"
    precedence = 30

    def applies(self, ctx: Context) -> str:
        if ctx.anchor:
            return "a follow-up about an earlier work point"
        return "names a task by its number" if ctx.q.task_number is not None else ""

    def answer(self, ctx: Context) -> Answer | None:
        q = ctx.q
        if ctx.anchor:
            return describe(ctx, ctx.anchor[0])
        found = numbered(ctx, q.task_number)
        if not found:
            top = max((len(n.tasks) for n in ctx.scope), default=0)
            asked = "the last task" if q.task_number == -1 else f"task {q.task_number}"
            msg = (f"The indexed notices have no {asked} (they number tasks up to {top})." if q.english
                   else f"所索引的通知中没有{'最后一项' if q.task_number == -1 else f'第{q.task_number}项'}（任务编号最大为{top}）。")
            return Answer("", msg, False, kind="not_covered")
        found = _one_per_family(ctx, found)
        if len(found) == 1:
            return describe(ctx, _entry(found[0]))
        # Several notices number a task N and the question names none of them: each one, labelled.
        answers = [describe(ctx, _entry(e)) for e in found[:MAX_NOTICES]]
        label = "最后一项" if q.task_number == -1 else f"第{q.task_number}项"
        lines = [f"{len(found)} notices have such a task:" if q.english
                 else f"有 {len(found)} 份通知列有{label}（可写明文号、地方或年份限定）："]
        cites = []
        for a in answers:
            cites += a.citations
            lines.append("- " + a.answer.replace(" [1]", f" [{len(cites)}]"))
        return ctx.answer("\n".join(lines), cites, "task")


#: At most this many notices are listed for a task number none of the question's words narrows down.
MAX_NOTICES = 5


def _entry(found: Found) -> Entry:
    n, at = found
    return n, n.items[at]


def _one_per_family(ctx: Context, found: list[Found]) -> list[Found]:
    """Each family's latest edition only (the entries are sorted latest first)."""
    seen: set[int] = set()
    out = []
    in_scope = ctx.in_scope()
    for n, at in found:
        head = id(editions_in_scope(ctx, n, in_scope)[0].doc)
        if head not in seen:
            seen.add(head)
            out.append((n, at))
    return out
