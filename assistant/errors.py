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


class FileTooLargeError(UnreadableFileError):
    """A file above the size limit for one notice: skipped before it is read, so it cannot stall a build."""

    def __init__(self, path: str, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            path,
            f"{size / 2**20:.1f} MB, above the {limit / 2**20:g} MB limit for one notice: split it into its "
            "notices, or raise the limit with --max-file-mb",
        )


class IndexFolderError(AssistantError):
    """An index folder that is missing, damaged, or was built with another model."""


class IndexDamagedError(IndexFolderError):
    """An index folder whose files do not match its manifest (truncated, bad JSON, a key or file missing).

    ``problem`` names what is damaged; a plain ``assistant build`` builds the folder again.
    """

    def __init__(self, index_dir: object, problem: str) -> None:
        self.index_dir = str(index_dir)
        self.problem = problem
        super().__init__(
            f"the index at {index_dir} is damaged ({problem}): rebuild it with `assistant build --index {index_dir}`"
        )


class IndexLockedError(AssistantError):
    """Another process is writing the index folder."""


class ModelError(AssistantError):
    """An embedding model that cannot be loaded or converted."""


class QuestionError(AssistantError):
    """A question that cannot be answered as asked (empty, too long)."""


class EngineError(AssistantError):
    """The search engine an index names cannot be used: its client is not installed, or its server not reached."""
