"""The answer layer: a question read once, resolved against the index, answered by registered answerers.

``Assistant(index).ask(q)`` answers one question; ``Assistant(index).conversation()`` answers a
conversation whose follow-ups lean on the previous turn. See :mod:`.assistant` for the flow and
:mod:`.registry` for how a new kind of answer is added.
"""

from assistant.answering.assistant import Assistant, Conversation
from assistant.answering.question import MAX_QUESTION_CHARS, check_question, read_question

__all__ = ["Assistant", "Conversation", "MAX_QUESTION_CHARS", "check_question", "read_question"]
