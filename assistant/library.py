"""Adding a notice to the corpus: the checks an upload passes before anything is written, then the add.

The app's 添加通知 screen and a future HTTP API call the same two plain functions:
:func:`check_upload` decides, without writing anything, whether a file can be added and what it
holds (its format, its size, whether it reads, which indexed notice it repeats, the parsed
:class:`~assistant.records.Notice` for review); :func:`add_upload` copies it into the corpus and
updates the index incrementally under the writer lock, and removes the copy again if indexing
fails, so a failed add changes nothing.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError, FileTooLargeError, UnreadableFileError
from assistant.parse.readers import MAX_FILE_BYTES, SUPPORTED, check_size
from assistant.records import Notice

if TYPE_CHECKING:
    from collections.abc import Callable

    from assistant.embed import Embedder
    from assistant.index import BuildReport, LoadedIndex

#: What can be wrong with an upload, in the order the checks run.
PROBLEMS = ("format", "size", "unreadable", "duplicate")
_ALREADY = "the same file is already in {}: there is nothing to add"


@dataclass
class UploadCheck:
    """What an uploaded file would add, decided before anything is written.

    ``problem`` is "" when the file can be added, else one of :data:`PROBLEMS`; ``reason`` says what
    is wrong and what to do next. ``notice`` is the parsed notice (also for a duplicate, so it can be
    shown); ``duplicate`` the indexed notice it repeats; ``warnings`` what was read with a loss.
    """

    name: str
    size: int = 0
    problem: str = ""
    reason: str = ""
    notice: Notice | None = None
    duplicate: Notice | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "size": self.size,
            "ok": self.ok,
            "problem": self.problem,
            "reason": self.reason,
            "notice": self.notice.to_dict() if self.notice else None,
            "duplicate": {"file": self.duplicate.file, **self.duplicate.doc.to_dict()} if self.duplicate else None,
            "warnings": self.warnings,
        }


@dataclass
class AddResult:
    """What :func:`add_upload` did: the check, and where the file went and what the build reported when it was added."""

    check: UploadCheck
    ok: bool = False
    file: str = ""  # the saved file, relative to the corpus folder
    reason: str = ""  # why it was not added, and what to do next
    report: BuildReport | None = None

    def to_dict(self) -> dict[str, Any]:
        report = self.report
        return {
            "ok": self.ok,
            "file": self.file,
            "reason": self.reason,
            "check": self.check.to_dict(),
            "report": {**report.__dict__, "summary": report.summary()} if report else None,
        }


def check_upload(
    path: str | os.PathLike[str],
    corpus_dir: str | os.PathLike[str],
    index: LoadedIndex | None,
    max_bytes: int | None = MAX_FILE_BYTES,
) -> UploadCheck:
    """Check an uploaded file without writing anything: format, size (before it is read), readable, new.

    Args:
        path: the uploaded file (its name is the one it will have in the corpus).
        corpus_dir: the corpus folder it would be added to.
        index: the index now served, to find a notice it repeats; None when there is none yet.
        max_bytes: the size limit for one notice; None for none.

    Returns:
        The check; ``ok`` when the file can be added.
    """
    from assistant.index import file_hash, notice_key
    from assistant.parse import parse_notice

    path = Path(path)
    check = UploadCheck(name=path.name)
    if path.suffix.lower() not in SUPPORTED:
        check.problem = "format"
        check.reason = (
            f"{path.suffix or 'a file with no extension'} is not a format this reads: "
            f"save the notice as one of {', '.join(SUPPORTED)}"
        )
        return check
    try:
        check.size = check_size(path, max_bytes) if max_bytes is not None else path.stat().st_size
        check.notice = parse_notice(path, warnings=check.warnings, max_bytes=max_bytes)
    except FileTooLargeError as e:
        check.problem, check.reason, check.size = "size", e.reason, max(check.size, e.size)
        return check
    except UnreadableFileError as e:
        check.problem, check.reason = "unreadable", e.reason
        return check
    except OSError as e:
        check.problem, check.reason = "unreadable", f"cannot open the file ({e.strerror or e})"
        return check
    check.notice.file = path.name
    if index is not None:
        # The same bytes as an indexed file, or the same text (another name, another encoding).
        digest, key = file_hash(path), notice_key(check.notice)
        same_bytes = {file for file, meta in index.manifest["files"].items() if meta.get("sha256") == digest}
        check.duplicate = next(
            (n for n in index.notices if n.file in same_bytes or notice_key(n) == key), None
        )
    if check.duplicate is not None:
        doc = check.duplicate.doc
        check.problem = "duplicate"
        check.reason = (
            f"the same text as the indexed notice {doc.title or doc.number}"
            f"{f' ({doc.number})' if doc.number and doc.title else ''}, file {check.duplicate.file}: "
            "it is indexed once already, so there is nothing to add"
        )
    elif corpus_target(path, corpus_dir) is None:
        check.problem, check.reason = "duplicate", _ALREADY.format(corpus_dir)
    return check


def add_upload(
    path: str | os.PathLike[str],
    corpus_dir: str | os.PathLike[str],
    index_dir: str | os.PathLike[str],
    embedder: Embedder,
    max_bytes: int | None = MAX_FILE_BYTES,
    *,
    index: LoadedIndex | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> AddResult:
    """Check an upload, copy it into the corpus and update the index incrementally, under the writer lock.

    If the build does not index the copy (it fails, or finds the file unreadable or a duplicate of
    a file added meanwhile), the copy is removed again: a failed add changes nothing.

    Args:
        path: the uploaded file.
        corpus_dir: the corpus folder; the file keeps its name there, numbered if the name is taken.
        index_dir: the index folder to update.
        embedder: the loaded model the index was built with.
        max_bytes: the size limit for one notice; None for none.
        index: the index now served, for the duplicate check (:func:`check_upload`).
        on_progress: called with a line of text per build stage.

    Returns:
        The result; ``ok`` when the notice is in the corpus and the index. The caller reloads the index.

    Raises:
        IndexLockedError: another process kept the index locked too long (nothing was written).
    """
    from assistant.index import build_index, write_lock

    check = check_upload(path, corpus_dir, index, max_bytes)
    result = AddResult(check, reason=check.reason)
    if not check.ok:
        return result
    corpus_dir = Path(corpus_dir)
    with write_lock(Path(index_dir)):
        corpus_dir.mkdir(parents=True, exist_ok=True)
        target = corpus_target(Path(path), corpus_dir)
        if target is None:  # copied there since the check
            check.problem = "duplicate"
            check.reason = result.reason = _ALREADY.format(corpus_dir)
            return result
        shutil.copyfile(path, target)
        try:
            report = build_index(corpus_dir, index_dir, embedder, progress=False, on_progress=on_progress,
                                 max_bytes=max_bytes)
            skipped = {Path(p).resolve(): reason for p, reason in report.skipped}
            if target.resolve() in skipped:
                raise UnreadableFileError(str(target), skipped[target.resolve()])
        except AssistantError as e:
            target.unlink(missing_ok=True)
            result.reason = str(e)
            return result
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    result.ok, result.file, result.report = True, target.relative_to(corpus_dir).as_posix(), report
    if check.notice is not None:
        check.notice.file = result.file
    return result


def corpus_target(upload: Path, corpus_dir: str | os.PathLike[str]) -> Path | None:
    """Where an upload goes in the corpus: its own name made safe, numbered if taken; None if the same file is there.

    Raises:
        AssistantError: a thousand files of that name are there already.
    """
    from assistant.index import file_hash

    corpus_dir = Path(corpus_dir)
    name = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "_", upload.name).lstrip(".") or "notice.txt"
    digest = file_hash(upload)
    stem, suffix = Path(name).stem, Path(name).suffix
    for i in range(1, 1000):
        target = corpus_dir / (name if i == 1 else f"{stem}-{i}{suffix}")
        if not target.exists():
            return target
        if file_hash(target) == digest:
            return None
    raise AssistantError(f"too many files named {name} in {corpus_dir}: rename the upload and add it again")
