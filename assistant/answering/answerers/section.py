"""A section of a notice ("成都2024年民生实事“住房保障”部分有哪些"): every work point under its heading."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.answering.context import Context, figures_note
from assistant.answering.registry import Answerer, register
from assistant.parse.structure import match_heading
from assistant.records import Answer, Notice

_QUOTED = re.compile(r"[“\"「『《]([^”\"」』》]{2,30})[”\"」』》]")


def named_heading(ctx: Context) -> tuple[Notice, str] | None:
    """The heading the question names: a quoted one, or the longest heading title (4+ characters) it holds."""
    text = ctx.search_text or ctx.q.text
    quoted = [m.group(1) for m in _QUOTED.finditer(text)]
    best: tuple[int, Notice, str] | None = None
    for n in ctx.scope:
        for heading in n.headings:  # stored at build: a large index reads no work point for this
            title = _title(heading)
            hit = len(title) >= 4 and title in text or any(
                len(qt) >= 2 and (qt == title or len(qt) >= 4 and (qt in title or title in qt)) for qt in quoted)
            if hit and (best is None or len(title) > best[0]):
                best = (len(title), n, heading)
    return (best[1], best[2]) if best else None


@lru_cache(maxsize=65536)
def _title(heading: str) -> str:
    """A heading's title without its number (一、 （三） 1.); headings repeat across notices and editions."""
    m = match_heading(heading)
    return (m[2] if m else heading).rstrip("。")


@register
class Section(Answerer):
    kind = "section"
    precedence = 50

    def applies(self, ctx: Context) -> str:
        if not ctx.q.wants("list", "count") or ctx.units:
            return ""
        return "names a section" if named_heading(ctx) else ""

    def answer(self, ctx: Context) -> Answer | None:
        found = named_heading(ctx)
        if found is None:
            return None
        n, heading = found
        items = [p for p in n.items if heading in p.path and ctx.allows(p)]
        if not items:
            return None
        cites = [ctx.cite(n, p, p.title, 1.0) for p in items]
        where = f"{ctx.notice_name(n)} " if ctx.several_notices() else ""
        lines = [f"{where}「{heading}」{'has' if ctx.english else '部分共'} **{len(items)}** {'work points' if ctx.english else '项'}:"]
        lines += [f"- {p.ref} {p.title}{figures_note(p)}（牵头：{'、'.join(p.lead) or '—'}） [{i}]" for i, p in enumerate(items, 1)]
        return ctx.answer("\n".join(lines), cites, "section")
