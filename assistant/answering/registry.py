"""The answerers: one small class per kind of answer, registered with an explicit precedence.

Like datasette's facets, each answerer has a name (its ``kind``), says whether a question is
for it (:meth:`Answerer.applies`, from the read question alone or with the index) and composes
its answer (:meth:`Answerer.answer`), or passes (None) so the next one may. The registry tries
them in order of ``precedence`` (lowest first); a new kind of answer is one new module that
subclasses :class:`Answerer` and calls :func:`register`, with no edit to its neighbours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from assistant.answering.context import Context
    from assistant.records import Answer


class Answerer:
    """One kind of answer. Subclasses set ``kind`` and ``precedence`` and override both methods."""

    kind: ClassVar[str] = ""
    #: Lower goes first. Gaps leave room for new answerers between the built-in ones.
    precedence: ClassVar[int] = 100

    def applies(self, ctx: Context) -> str:
        """Why this answerer is for the question ("" when it is not)."""
        raise NotImplementedError

    def answer(self, ctx: Context) -> Answer | None:
        """The answer, or None to let the next answerer try."""
        raise NotImplementedError


_REGISTRY: dict[str, Answerer] = {}


def register(cls: type[Answerer]) -> type[Answerer]:
    """Class decorator: add an answerer to the registry (a later one of the same kind replaces it)."""
    if not cls.kind:
        raise ValueError(f"{cls.__name__} has no kind")
    _REGISTRY[cls.kind] = cls()
    return cls


def answerers() -> list[Answerer]:
    """Every registered answerer, in order of precedence."""
    from assistant.answering import answerers as _builtin  # noqa: F401 - registers the built-in ones

    return sorted(_REGISTRY.values(), key=lambda a: (a.precedence, a.kind))
