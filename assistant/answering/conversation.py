"""Follow-up questions read against the previous turn ("那它的责任单位呢？", "那市水务局呢？", "2018年呢？").

A question that reads as a follow-up and brings less than a whole question of its own is
completed from the previous answered turn:

* a unit, a year, a place or a topic alone ("那市水务局呢", "2018年呢", "成都呢", "秸秆呢") takes the
  previous question with that one thing put in place of its own;
* an ask with nothing to ask it of ("它的责任单位呢", "具体内容是什么", "要完成多少") is asked of the
  previous answer's work point, when it settled on one;
* 第二个 / the second one is that place in the previous answer's list.

When the previous answer listed several work points and the follow-up points at "it", the
answer asks which one instead of guessing; with no previous turn to lean on, the question is
answered as it stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant import vocab
from assistant.answering.resolve import named_places
from assistant.records import Answer

if TYPE_CHECKING:
    from assistant.answering.context import Context, Entry
    from assistant.answering.services import Services

#: Answers that settle on one work point (a pronoun in the next question means it).
_SINGLE_KINDS = ("figure", "lead", "task", "passage")
#: A follow-up asking which one lists at most this many of the previous answer's work points.
MAX_CHOICES = 8


@dataclass
class Turn:
    """One answered question of a conversation, as the next one may lean on it."""

    text: str
    answer: Answer
    units: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    #: The notices it was confined to (by place, year or 文号), when it was: a follow-up stays there.
    scope: list[int] | None = None


@dataclass
class FollowUp:
    """How a follow-up was read: a whole question to answer instead, work points to answer about, or a question back."""

    text: str = ""
    anchor: list[Entry] = field(default_factory=list)
    clarify: str = ""
    how: str = ""


def _own_content(ctx: Context) -> bool:
    """Whether the question names something to ask about by itself (a topic, a unit, a task, a notice)."""
    q = ctx.q
    return bool(ctx.terms or ctx.units or ctx.suggested or q.task_number is not None or q.doc_number)


def _names_a_work_point(ctx: Context) -> bool:
    """Whether the question itself pins down what it is about (a task number, a 文号, a unit)."""
    q = ctx.q
    return bool(ctx.units or q.task_number is not None or q.doc_number)


def _only_names(ctx: Context) -> bool:
    """A follow-up that names something but asks nothing of its own ("那市水务局呢", "2018年呢")."""
    q = ctx.q
    asks = q.asks - {"more"}
    return not asks and not q.roles and not q.compare


def reads_as_follow_up(ctx: Context) -> bool:
    """A question that leans on the turn before: it opens or ends like one, points back ("它", "这条"), or asks
    without naming anything to ask about ("谁牵头？", "具体内容是什么")."""
    q = ctx.q
    if q.pronoun and not _names_a_work_point(ctx):
        return True
    return bool(q.followup or not _own_content(ctx) and not (q.years or q.short_years) and not q.compare)


def follow(ctx: Context, previous: Turn, services: Services) -> FollowUp | None:
    """Read the context's question against the previous turn; None when it stands on its own."""
    q = ctx.q
    if not reads_as_follow_up(ctx):
        return None
    if q.ordinal is not None:
        cites = previous.answer.citations
        i = q.ordinal - 1 if q.ordinal > 0 else len(cites) - 1
        if 0 <= i < len(cites):
            c = cites[i]
            return FollowUp(anchor=[(services.notice_of(c.doc), c.point)], how=f"item {q.ordinal} of the previous answer")
        return None
    places = named_places(q.text, services)
    if _only_names(ctx):
        text, how = previous.text, []
        if ctx.units:
            new = ctx.units[0].name
            old = [u for u in previous.units if u in text]
            text = text.replace(old[0], new) if old else f"{new}牵头哪些任务"
            how.append("another unit")
        if places:
            text = _replace_place(text, previous.places, q.text, places)
            how.append("another place")
        if q.years or q.short_years:
            text = _replace_years(text, (q.years or q.short_years)[0])
            how.append("another year")
        if not how and ctx.terms and previous.terms:
            text = _replace_topic(text, previous.terms, q.text)
            how.append("another topic")
        if not how and "more" in q.asks:
            how.append("the same question again")
        if how:
            return FollowUp(text=text, how="the previous question with " + " and ".join(how))
        return None
    if _own_content(ctx) and not q.pronoun:
        return None
    points = [(services.notice_of(c.doc), c.point) for c in previous.answer.citations]
    if not points:
        clarify = ("The previous question found no work point; which task do you mean?" if q.english
                   else "上一个问题没有找到对应的工作要点，请写明是哪一项工作（例如任务名称或第几项）。")
        return FollowUp(clarify=clarify, how="nothing earlier to point at: ask which")
    if previous.answer.kind in _SINGLE_KINDS or len({id(p) for _, p in points}) == 1:
        return FollowUp(anchor=points[:1], how="about the previous answer's work point")
    choices = "\n".join(f"- {c.point.ref} {c.point.title}" for c in previous.answer.citations[:MAX_CHOICES])
    more = "\n- …" if len(previous.answer.citations) > MAX_CHOICES else ""
    clarify = (f"Which one do you mean? The previous answer listed {len(points)} work points:\n{choices}{more}"
               if q.english else f"您指的是哪一项？上一个回答列出了 {len(points)} 项：\n{choices}{more}\n请说明第几项或写出任务名称。")
    return FollowUp(clarify=clarify, how="several work points: ask which")


def inherit_scope(ctx: Context, previous: Turn, services: Services) -> None:
    """A follow-up ("谁牵头？", "最后一条是什么") that names no place, year or 文号 stays in the previous turn's notices."""
    q = ctx.q
    if not previous.scope or q.years or q.short_years or q.doc_number or named_places(q.text, services):
        return
    if not (reads_as_follow_up(ctx) or q.task_number is not None):
        return
    kept = [n for n in ctx.scope if id(n.doc) in set(previous.scope)]
    if kept and len(kept) < len(ctx.scope):
        ctx.scope = kept
        ctx.note_trace("conversation", "the previous turn's notices", notices=len(kept))


def _replace_topic(text: str, old_terms: list[str], question: str) -> str:
    """The previous question about a new topic: the new words where the old topic words stood
    ("残膜回收率要达到多少" + "秸秆呢" → "秸秆要达到多少")."""
    topic = re.sub(r"^(那么|那|还有)|(的)?呢[？?]*$|[？?]$", "", question).strip()
    spans = sorted((m.start(), m.end()) for t in old_terms for m in re.finditer(re.escape(t), text))
    if not spans:
        return topic + text
    first, last = spans[0][0], max(e for _, e in spans)
    return text[:first] + topic + text[last:]


def _replace_years(text: str, year: int) -> str:
    if vocab.YEAR.search(text):
        return vocab.YEAR.sub(f"{year}年", text, count=1)
    return f"{year}年{text}"


def _replace_place(text: str, old_places: list[str], question: str, places: list[str]) -> str:
    new = next((name for name in sorted({p for p in places}, key=len) if name), "")
    said = next((w for w in re.findall(r"[\u4e00-\u9fff]{2,}", question) if w in new or new.startswith(w)), new)
    for old in old_places:
        for name in sorted({old, re.sub(r"(市|省|自治区)$", "", old)}, key=len, reverse=True):
            if name and name in text:
                return text.replace(name, said, 1)
    return said + text
