"""Errors that say what went wrong and what to do next; the CLI and app show their message as is."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: every error the package raises on purpose."""


class UnreadableFileError(AssistantError):
    """A corpus file that cannot be read as a notice (binary, empty, truncated, unknown format)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot read {path}: {reason}")


class IndexFolderError(AssistantError):
    """An index folder that is missing, damaged, or was built with another model."""


class IndexLockedError(AssistantError):
    """Another process is writing the index folder."""


class ModelError(AssistantError):
    """An embedding model that cannot be loaded or converted."""


class QuestionError(AssistantError):
    """A question that cannot be answered as asked (empty, too long)."""
