"""The answer layer's entry points under their first name; the layer itself is :mod:`assistant.answering`."""

from assistant.answering import MAX_QUESTION_CHARS, Assistant, Conversation, check_question

__all__ = ["MAX_QUESTION_CHARS", "Assistant", "Conversation", "check_question"]
