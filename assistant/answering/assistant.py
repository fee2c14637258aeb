"""From a question to a short answer grounded in cited work points, with no language model.

The question is read once (:mod:`.question`), resolved against the index (:mod:`.resolve`: its
notices, units, topic words), read against the previous turn in a conversation
(:mod:`.conversation`), and then offered to the registered answerers in order of precedence
(:mod:`.registry`); the first that answers wins. Every figure, unit and date an answer prints is
one a notice prints.
"""

from __future__ import annotations

import gc
import os
from typing import Any

from assistant.answering.context import Context
from assistant.answering.conversation import FollowUp, Turn, follow, inherit_scope
from assistant.answering.question import check_question, read_question
from assistant.answering.registry import answerers
from assistant.answering.resolve import named_places, resolve
from assistant.answering.services import Services
from assistant.errors import QuestionError
from assistant.records import Answer, Notice
from assistant.search import Searcher


def _settle(searcher: Searcher) -> None:
    """Put what opening a large index made out of the cyclic garbage collector's reach (:func:`gc.freeze`).

    A large index (its notices read on demand, :class:`assistant.store.Records`) leaves about 1.8 million objects
    tracked at 10⁶ work points; every full collection walks them all (0.9 s), and a question that makes many
    objects sets one off. Frozen after a collection, they are left alone; the next large index opened unfreezes
    them first, so one it replaces is collected. Measured over the 284 benchmark questions at 10⁶ (ivf), two runs
    each: 43.9 and 39.6 s in all without, 39.8 and 37.3 s with; the slowest question 4.4 and 3.7 s against 3.1
    and 2.6; opening takes 0.9 s longer (the collection). A small index (read whole when opened) is left as it is.
    """
    records = searcher.index.records
    if records is None or records.eager:
        return
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class Assistant:
    """Answers questions over one index folder; load once, ask many times.

    Example:
        >>> Assistant("index").ask("残膜回收率要达到多少").answer
        >>> conv = Assistant("index").conversation(); conv.ask("市林草局牵头哪些任务？"); conv.ask("那市水务局呢？")
    """

    def __init__(self, index_dir: str | os.PathLike[str] | None = None, *, searcher: Searcher | None = None,
                 model: str | None = None) -> None:
        if searcher is None:
            if index_dir is None:
                raise ValueError("give an index folder or a searcher")
            searcher = Searcher.open(index_dir, model=model)
        self.searcher = searcher
        self.services = Services(searcher)
        _settle(searcher)

    @property
    def notices(self) -> list[Notice]:
        return self.services.notices

    @property
    def directory(self):  # noqa: ANN201 - UnitDirectory
        return self.services.directory

    def conversation(self) -> Conversation:
        """A new conversation: follow-up questions ("那它的责任单位呢？") read against earlier turns."""
        return Conversation(self)

    def ask(self, question: str, notices: list[str] | None = None, unit: str | None = None, *,
            explain: bool = False) -> Answer:
        """Answer one question on its own.

        Args:
            question: the question, in Chinese or English.
            notices: confine to these notices (文号, title or file); None for all.
            unit: confine to work points this unit holds a role in.
            explain: attach how the question was read and why its answerer won (``Answer.explain``).
        """
        return self.answer(question, notices, unit, explain=explain)[0]

    def answer(self, question: str, notices: list[str] | None = None, unit: str | None = None, *,
               previous: Turn | None = None, explain: bool = False) -> tuple[Answer, Turn | None]:
        """Answer a question, reading it against a previous turn; returns the answer and its turn."""
        try:
            text = check_question(question)
        except QuestionError as e:
            return Answer(question=question or "", answer=str(e), found=False, kind="invalid"), None
        ctx = self._context(text, question, notices, unit)
        how: FollowUp | None = None
        if previous is not None:
            inherit_scope(ctx, previous, self.services)
            how = follow(ctx, previous, self.services)
            if how is not None and how.text:
                ctx = self._context(check_question(how.text), question, notices, unit)
            elif how is not None:
                ctx.anchor, ctx.clarify = how.anchor, how.clarify
            if how is not None:
                ctx.note_trace("conversation", how.how, asked=how.text or None)
        answer = self._run(ctx)
        answer.question = question
        if explain:
            answer.explain = {"question": ctx.q.to_dict(), "search_text": ctx.search_text or ctx.q.text,
                              "scope": [ctx.notice_name(n) for n in ctx.scope][:20], "units": [e.name for e in ctx.units],
                              "terms": ctx.terms, "trace": ctx.trace}
        narrowed = len(ctx.scope) < len(self.services.notices)
        turn = Turn(text=ctx.q.text, answer=answer, units=[e.name for e in ctx.units], terms=ctx.terms,
                    years=ctx.q.years, places=named_places(ctx.q.text, self.services),
                    scope=[id(n.doc) for n in ctx.scope] if narrowed and ctx.scope else None)
        if answer.kind in ("clarify", "invalid") and previous is not None:
            turn = previous  # a question back, or no question: the next turn still leans on the last answer
        return answer, turn

    def _context(self, text: str, original: str, notices: list[str] | None, unit: str | None) -> Context:
        q = read_question(text, original=original)
        ctx = resolve(q, self.services, notices, unit)
        if unit:
            keep = {id(p) for e in self.directory.find(unit) for pts in e.points.values() for _, p in pts}
            ctx.scope = [Notice(n.doc, [p for p in n.items if id(p) in keep], n.file) for n in ctx.scope]
        return ctx

    def _run(self, ctx: Context) -> Answer:
        for answerer in answerers():
            reason = answerer.applies(ctx)
            if not reason:
                continue
            answer = answerer.answer(ctx)
            ctx.note_trace("answerer", answerer.kind if answer is not None else f"{answerer.kind}: passed", why=reason)
            if answer is not None:
                return answer
        return ctx.not_covered()


class Conversation:
    """One conversation over an :class:`Assistant`: ``conv.ask(q)`` reads each question against the last answer."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.turns: list[Answer] = []
        self._last: Turn | None = None

    def ask(self, question: str, notices: list[str] | None = None, unit: str | None = None, *,
            explain: bool = False) -> Answer:
        """Answer the next question of the conversation."""
        answer, turn = self.assistant.answer(question, notices, unit, previous=self._last, explain=explain)
        self.turns.append(answer)
        if turn is not None:
            self._last = turn
        return answer

    def reset(self) -> None:
        """Start over: later questions are read on their own."""
        self.turns.clear()
        self._last = None

    def to_dict(self) -> dict[str, Any]:
        return {"turns": [a.to_dict() for a in self.turns]}
