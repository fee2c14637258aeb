"""Everything a unit does ("市林草局牵头哪些任务"): exactly the work points it holds a role in.

The list is exact, not a top-k cut: it is read from the unit directory. Where the question names
no unit exactly, the closest printed name is used and the answer says so (林业局 → 市林草局).
Across several notices the work points are grouped by notice; with several editions of one
family and no year named, the latest edition holding the unit is listed and the others counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from assistant import vocab
from assistant.answering.context import Context, Entry, figures_note
from assistant.answering.registry import Answerer, register
from assistant.answering.topics import on_topic
from assistant.directory import UnitEntry
from assistant.records import Answer, Notice

_ANY_ROLE = ("参与", "配合", "负责", "责任", "指导")


@register
class UnitList(Answerer):
    kind = "unit"
    precedence = 40

    def applies(self, ctx: Context) -> str:
        q = ctx.q
        named = ctx.units or ctx.suggested or (ctx.unit_filter and not ctx.terms)
        if not named or ctx.anchor:
            return ""
        if q.wants("list", "count") or (q.roles and not q.wants("figure", "lead")):
            return "names a unit and asks what it does"
        return ""

    def answer(self, ctx: Context) -> Answer | None:
        q = ctx.q
        entries = ctx.units
        if not entries and ctx.suggested:
            entries = ctx.suggested[:1]
            others = "、".join(e.name for e in ctx.suggested[1:])
            ctx.notes.append(
                f"(No unit is printed under that name; answering for {entries[0].name}"
                + (f"; also close: {others}" if others else "") + ".)" if q.english
                else f"（没有找到问题中的单位名称，按“{entries[0].name}”作答" + (f"；相近的还有：{others}" if others else "") + "。）"
            )
        if not entries and ctx.unit_filter:
            entries = ctx.services.directory.find(ctx.unit_filter)
        if not entries:
            return None
        entries, elsewhere = _home(ctx, entries)
        lead_only = ("牵头" in q.roles or "lead" in q.text.lower()) and not any(r in q.roles for r in _ANY_ROLE[:2])
        in_scope = {id(n.doc) for n in ctx.scope}
        groups: dict[str, list[Entry]] = defaultdict(list)
        for e in entries:
            for role in ctx.services.directory.roles_of(e):
                lead_like = role == "牵头" or (role == "负责" and "牵头" not in e.points)
                if lead_only and not lead_like:
                    continue
                key = "牵头" if lead_like else role
                seen = {id(p) for _, p in groups[key]}
                groups[key] += [(n, p) for n, p in e.points[role] if id(n.doc) in in_scope and ctx.allows(p) and id(p) not in seen]
        if ctx.terms:
            for role, items in groups.items():
                keep = on_topic(ctx, ctx.terms, items, meaning=False)
                if keep:
                    groups[role] = [(n, p) for n, p in items if ctx.services.row(p) in keep]
        groups = {r: v for r, v in groups.items() if v}
        name = "、".join(dict.fromkeys(e.name for e in entries))
        if not groups:
            msg = (f"{name} does not lead any work point in the indexed notices." if q.english
                   else f"所索引的通知中，{name}没有牵头的工作。")
            return ctx.answer(msg, [], "unit")
        groups, counted = _latest_editions(ctx, groups)
        lines, cites = [], []
        for role, items in groups.items():
            label = vocab.ROLE_EN.get(role, role) if q.english else vocab.ROLE_LABEL.get(role, role)
            lines.append(f"**{name}** — {label} on **{len(items)}** work points:" if q.english
                         else f"**{name}**作为{label}的工作共 **{len(items)}** 项：")
            by_notice: dict[int, list[Entry]] = defaultdict(list)
            for n, p in items:
                by_notice[id(n.doc)].append((n, p))
            several = len(by_notice) > 1
            for group in by_notice.values():
                if several:
                    n0 = group[0][0]
                    lines.append(f"- {ctx.notice_name(n0)}（{len(group)}）：" if not q.english
                                 else f"- {ctx.notice_name(n0)} ({len(group)}):")
                for n, p in group:
                    cites.append(ctx.cite(n, p, p.title, 1.0))
                    label = p.ref if several or not ctx.several_notices() else ctx.ref(n, p)
                    lines.append(f"{'  ' if several else ''}- {label} {p.title}{figures_note(p)} [{len(cites)}]")
        if counted:
            lines.append(("\nOther editions: " if q.english else "\n其他年份：") + "；".join(counted))
        related = []
        if elsewhere:
            lines.append("\nThe same name elsewhere:" if q.english else "\n其他地方的同名单位：")
            leads = [(e, _lead_in_scope(ctx, e)) for e in elsewhere]
            if len(leads) > ELSEWHERE:
                leads.sort(key=lambda el: -len(el[1]))  # stable: the directory's order among equals
            for e, lead in leads[:ELSEWHERE]:
                related += [ctx.cite(n, p, p.title, 0.0) for n, p in (points[i] for points, i in lead)]
                lines.append(f"- {e.name}（{e.place or '—'}）：牵头 {len(lead)} 项" if not q.english
                             else f"- {e.name} ({e.place or '—'}): leads {len(lead)}")
            if len(leads) > ELSEWHERE:
                rest = len(leads) - ELSEWHERE
                lines.append(f"- … and {rest} more places" if q.english else f"- ……另有 {rest} 个地方")
        return ctx.answer("\n".join(lines), cites, "unit", related)


#: The same unit name in other places: at most this many are listed (an archive of many cities prints 市财政局
#: in each), those leading most work points first.
ELSEWHERE = 8


def _lead_in_scope(ctx: Context, e: UnitEntry) -> list[tuple[Sequence[Entry], int]]:
    """Where a unit's lead work points in notices in scope are (its points of a role, and a place in them), so
    they are counted without reading them."""
    in_scope = ctx.in_scope()
    out: list[tuple[Sequence[Entry], int]] = []
    for role in ("牵头", "负责"):
        points = e.points.get(role, [])
        notices = ctx.services.notices_of(points)
        out += [(points, i) for i, n in enumerate(notices) if id(n.doc) in in_scope]
    return out


def _home(ctx: Context, entries: list) -> tuple[list, list]:
    """With one name in several places and no place asked, the place where the unit holds most work points
    answers; the others are named apart (市财政局 of one city is not another city's)."""
    places = {e.place for e in entries}
    if len(places) < 2:
        return entries, []
    in_scope = ctx.in_scope()
    held = {pl: sum(1 for e in entries if e.place == pl for pts in e.points.values()
                    for n in ctx.services.notices_of(pts) if id(n.doc) in in_scope) for pl in places}
    home = max(sorted(places), key=lambda pl: held[pl])
    ctx.note_trace("units", "home place", place=home, held=held)
    return [e for e in entries if e.place == home], [e for e in entries if e.place != home and held[e.place]]


def _latest_editions(ctx: Context, groups: dict[str, list[Entry]]) -> tuple[dict[str, list[Entry]], list[str]]:
    """With no year named, keep each family's latest edition that holds the unit; count the others."""
    if ctx.q.years or ctx.q.short_years:
        return groups, []
    notices: dict[int, Notice] = {id(n.doc): n for items in groups.values() for n, _ in items}
    keep: set[int] = set()
    counted: list[str] = []
    for n in notices.values():
        family = [e for e in ctx.services.editions(n) if id(e.doc) in notices]
        keep.add(id(family[-1].doc))
    if len(keep) == len(notices):
        return groups, []
    for doc, n in notices.items():
        if doc not in keep:
            count = sum(1 for items in groups.values() for m, _ in items if id(m.doc) == doc)
            counted.append(f"{n.doc.year or ctx.notice_name(n)}年 {count} 项" if n.doc.year else f"{ctx.notice_name(n)} {count} 项")
    kept = {r: [(n, p) for n, p in items if id(n.doc) in keep] for r, items in groups.items()}
    ctx.note_trace("editions", "latest edition holding the unit", counted=counted)
    return {r: v for r, v in kept.items() if v}, sorted(counted, reverse=True)
