"""Questions the scope already answers: a 文号 or place not indexed, a follow-up that needs a choice."""

from __future__ import annotations

from assistant.answering.context import Context
from assistant.answering.registry import Answerer, register
from assistant.records import Answer


@register
class Clarify(Answerer):
    """A follow-up that points at one of several earlier work points: ask which one rather than guess."""

    kind = "clarify"
    precedence = 1

    def applies(self, ctx: Context) -> str:
        return "the follow-up points at several earlier work points" if ctx.clarify else ""

    def answer(self, ctx: Context) -> Answer | None:
        return Answer("", ctx.clarify, False, [], kind="clarify")


@register
class NotInScope(Answerer):
    """A 文号 no notice carries, a place no notice governs or prints, a year a family has no edition of."""

    kind = "scope"
    precedence = 5

    def applies(self, ctx: Context) -> str:
        return "the scope refuses it" if ctx.refusal else ""

    def answer(self, ctx: Context) -> Answer | None:
        return Answer("", ctx.refusal, False, [], kind="not_covered")
