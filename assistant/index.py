"""An index folder: the parsed notices, their work-point embeddings in FAISS, and a jieba BM25 index.

Layout (all plain files)::

    index/manifest.json        format, model, dimension, corpus files with their hashes, current data
                               folder and each of its files with its size and SHA-256
    index/data-<id>/items.jsonl     one parsed notice a line (metadata and work points)
    index/data-<id>/embeddings.npy  one row a work point (heading path and text), in items.jsonl order
    index/data-<id>/titles.npy      one row a work point (its section and title alone)
    index/data-<id>/clauses.npy     one row a clause of a work point (:func:`clause_texts`), in order
    index/data-<id>/clause_owner.npy  for each clause row, its work point's row
    index/data-<id>/dense.faiss     inner-product FAISS index over the text rows
    index/data-<id>/titles.faiss    the same over the title rows
    index/data-<id>/bm25/           bm25s arrays over the same work points
    index/data-<id>/userdict.txt    the jieba words taken from the corpus

A build writes a new data folder and then replaces ``manifest.json`` in one step, so a reader
sees either the old index or the new one. A rebuild re-embeds only new or changed files.
Writers hold an exclusive lock on ``index/.lock``; a second writer waits, then fails clearly.

Bad input loses nothing else: a file too large, unreadable or the same text as another is skipped
with a warning naming it; a damaged index folder (a file truncated or changed, bad JSON, a key
missing) is refused by :func:`load_index` and built again by the next build, with a warning.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.errors import (
    AssistantError,
    IndexDamagedError,
    IndexFolderError,
    IndexLockedError,
    UnreadableFileError,
)
from assistant.parse.readers import MAX_FILE_BYTES, check_size
from assistant.parse.targets import sentences
from assistant.records import Notice, NoticeInfo, WorkPoint
from assistant.tokenize import Tokenizer, corpus_terms

if TYPE_CHECKING:
    from assistant.embed import Embedder

FORMAT = 3
#: A sentence longer than this is cut at its commas into clauses, each embedded on its own.
CLAUSE_CHARS = 60
#: The manifest keys a build writes and a reader needs; one missing means the folder is damaged.
MANIFEST_KEYS = ("format", "parser", "model", "dim", "data", "items", "files", "data_files")
#: The data files every index has (``bm25/`` is left out when there are no work points).
DATA_FILES = (
    "items.jsonl", "embeddings.npy", "titles.npy", "clauses.npy", "clause_owner.npy",
    "dense.faiss", "titles.faiss", "userdict.txt",
)
log = logging.getLogger(__name__)
# The CLI and the app print warnings from the report; without a handler here Python's last-resort
# handler would print each a second time.
log.addHandler(logging.NullHandler())
_logged: set[tuple[str, str]] = set()


@dataclass
class BuildReport:
    """What a build did: files embedded anew, kept, removed and skipped (with the reason).

    ``warnings`` holds (path, message) for everything a person should see: each skipped file,
    a file read with a loss (undecodable bytes replaced), the same text twice, a damaged index
    built again, a symlink loop, a stopped build's leftovers removed.
    """

    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    items: int = 0
    embedded: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        rate = f", {self.embedded / self.seconds:.1f} items/s" if self.embedded and self.seconds else ""
        return (
            f"{self.items} work points from {len(self.added) + len(self.kept)} notices "
            f"({len(self.added)} embedded, {len(self.kept)} unchanged, {len(self.removed)} removed, "
            f"{len(self.skipped)} skipped) in {self.seconds:.1f}s{rate}"
        )


def embedding_text(doc: NoticeInfo, point: WorkPoint) -> str:
    """What a work point is embedded as: its heading path for context, then its own text."""
    return "\n".join(x for x in (" > ".join(point.path), point.text) if x)


def title_text(doc: NoticeInfo, point: WorkPoint) -> str:
    """A work point's headline: its section and its title, which name its topic most plainly."""
    return " ".join(x for x in (point.path[-1] if point.path else "", point.title) if x)


def clause_texts(point: WorkPoint) -> list[str]:
    """A work point's sentences, the long ones cut at their commas (see :data:`CLAUSE_CHARS`).

    A question in everyday words is usually about one clause of a long task ("旱厕改水厕" for
    "茅房改成能冲水的"); the whole task's vector dilutes it, a clause's does not. Never empty.
    """
    out = []
    for sentence in sentences(point.text.replace("\n", "")):
        parts = re.split(r"[，,]", sentence) if len(sentence) > CLAUSE_CHARS else [sentence]
        out += [x for x in parts if len(x) >= 4]
    return out or [point.title or point.text or point.item]


def bm25_text(doc: NoticeInfo, point: WorkPoint) -> str:
    """What BM25 sees: the path, the text and the unit names, so a unit's name finds its tasks."""
    return "\n".join([" ".join(point.path), point.text, " ".join(point.units)])


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def notice_key(notice: Notice) -> str:
    """A hash of what a notice says (its 文号, date and work points), not of its file or encoding.

    The same text saved twice, under another name or in another encoding, has the same key, so a
    build indexes it once and does not double every count.
    """
    body = {"number": notice.doc.number, "date": notice.doc.date, "items": [p.to_dict() for p in notice.items]}
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def corpus_files(corpus: Path, warn: Callable[[str, str], None] | None = None) -> list[Path]:
    """Every file under a corpus folder, recursively, hidden files left out, in a stable order.

    Symlinked folders are followed, each folder read once: a link back to a folder above it (a
    loop), a second way to a folder already read, a broken link and a folder that cannot be
    opened are left out and passed to ``warn(path, message)``.
    """
    if not corpus.is_dir():
        raise AssistantError(f"corpus folder {corpus} does not exist: create it and put notices in it")
    say = warn or (lambda path, message: None)
    folders = {_folder_key(corpus): corpus}
    found: list[Path] = []

    def unreadable(error: OSError) -> None:
        say(str(error.filename), f"cannot open the folder ({error.strerror or error}): its files are not read")

    for root, dirs, files in os.walk(corpus, followlinks=True, onerror=unreadable):
        base = Path(root)
        dirs.sort()
        for name in list(dirs):
            path = base / name
            key = None if name.startswith(".") else _folder_key(path)
            if key is not None and key not in folders:
                folders[key] = path
                continue
            dirs.remove(name)
            if key is None:
                continue
            first = folders[key]
            if first == path or first in path.parents:
                say(str(path), f"a symlink loop (it leads back to {first}): not followed")
            else:
                say(str(path), f"the same folder as {first}: its files are read once, there")
        for name in files:
            path = base / name
            if name.startswith("."):
                continue
            if path.is_file():
                found.append(path)
            elif path.is_symlink():
                try:
                    path.stat()
                    say(str(path), "not a file: not read")
                except OSError as e:
                    loop = e.errno == errno.ELOOP
                    say(str(path), "a symlink loop: not read" if loop else "a broken symlink (its target is gone): not read")
    return sorted(found)


def _folder_key(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


_locks_held = threading.local()


@contextlib.contextmanager
def write_lock(index_dir: Path, wait: float = 30.0) -> Iterator[None]:
    """Hold the index folder's writer lock; wait up to ``wait`` seconds for another writer.

    Re-entrant in one thread, so a caller can hold it around its own step and a build
    (:func:`assistant.library.add_upload` copies a file into the corpus, then builds).

    Raises:
        IndexLockedError: another process kept the lock for longer than ``wait``.
    """
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    key = str(index_dir.resolve())
    held: Counter[str] = _locks_held.__dict__.setdefault("dirs", Counter())
    if held[key]:
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    with open(index_dir / ".lock", "w") as f:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise IndexLockedError(
                        f"another process is writing the index at {index_dir}; wait for it to finish and run again"
                    ) from None
                time.sleep(0.2)
        held[key] = 1
        try:
            yield
        finally:
            del held[key]
            fcntl.flock(f, fcntl.LOCK_UN)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of an index folder, with every key :data:`MANIFEST_KEYS` names.

    Raises:
        IndexFolderError: no index there, or one of another format.
        IndexDamagedError: the manifest is not valid JSON, or a key is missing or of the wrong type.
    """
    path = Path(index_dir) / "manifest.json"
    if not path.exists():
        raise IndexFolderError(
            f"no index at {index_dir}: build one with `assistant build --corpus corpus --index {index_dir}`"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise IndexDamagedError(index_dir, f"manifest.json cannot be read: {e}") from e
    if not isinstance(manifest, dict) or "format" not in manifest:
        raise IndexDamagedError(index_dir, "manifest.json has no 'format'")
    if manifest["format"] != FORMAT:
        raise IndexFolderError(
            f"the index at {index_dir} has format {manifest['format']}, this version reads {FORMAT}; "
            f"rebuild it with `assistant build --index {index_dir}`"
        )
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        raise IndexDamagedError(index_dir, f"manifest.json has no {', '.join(map(repr, missing))}")
    types = {"model": str, "dim": int, "data": str, "items": int, "files": dict, "data_files": dict}
    wrong = [key for key, kind in types.items() if not isinstance(manifest[key], kind)]
    if wrong or not re.fullmatch(r"data-[0-9a-f]+", str(manifest["data"])):
        raise IndexDamagedError(index_dir, f"manifest.json has a wrong {', '.join(map(repr, wrong or ['data']))}")
    return manifest


def check_data(index_dir: Path, manifest: dict[str, Any]) -> Path:
    """The index's data folder, each of its files checked against the size and SHA-256 the manifest records.

    Generic over the folder's files: an array added to the data folder later is checked with no
    code here. Returns the data folder.

    Raises:
        IndexDamagedError: the folder or a file is missing, or a file is truncated or changed.
    """
    index_dir = Path(index_dir)
    data = index_dir / manifest["data"]
    if not data.is_dir():
        raise IndexDamagedError(index_dir, f"its data folder {manifest['data']} is missing")
    recorded = manifest["data_files"]
    missing = [name for name in DATA_FILES if name not in recorded]
    if missing:
        raise IndexDamagedError(index_dir, f"the manifest lists no {', '.join(missing)}")
    for name, meta in sorted(recorded.items()):
        path = data / name
        if not isinstance(meta, dict) or not {"bytes", "sha256"} <= meta.keys():
            raise IndexDamagedError(index_dir, f"the manifest has no size and hash for {name}")
        if not path.is_file():
            raise IndexDamagedError(index_dir, f"{manifest['data']}/{name} is missing")
        size = path.stat().st_size
        if size != meta["bytes"]:
            raise IndexDamagedError(index_dir, f"{name} is {size} bytes, the manifest says {meta['bytes']}")
        if file_hash(path) != meta["sha256"]:
            raise IndexDamagedError(index_dir, f"{name} does not match the SHA-256 the manifest records")
    return data


def _data_files(folder: Path) -> dict[str, dict[str, Any]]:
    """Every file under a data folder with its size and SHA-256, by its path in the folder."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "sha256": file_hash(p)} for p in files}


def check_model(manifest: dict[str, Any], model: str, index_dir: Path) -> None:
    """Refuse to mix an index with a query model other than the one that built it."""
    if manifest["model"] != model:
        raise IndexFolderError(
            f"the index at {index_dir} was built with the model {manifest['model']!r}, not {model!r}: "
            f"search it with --model {manifest['model']!r}, or rebuild it with "
            f"`assistant build --index {index_dir} --model {model!r} --force`"
        )


def _write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


Vectors = tuple[np.ndarray, np.ndarray, np.ndarray]  # a notice's text, title and clause vectors
Warn = Callable[[str, str], None]


def _load_previous(
    index_dir: Path, model: str, warn: Warn, say: Callable[[str], None]
) -> tuple[dict[str, Any], dict[str, tuple[Notice, Vectors]]]:
    """The previous build's notices and embeddings by file, for reuse (empty when there is none).

    A damaged folder is warned about and built again from the corpus: it is derived data.

    Raises:
        IndexFolderError: the index was built with another model (a build must not silently replace it).
    """
    from assistant.parse import PARSER_VERSION

    if not (index_dir / "manifest.json").exists():
        return {}, {}
    try:
        manifest = read_manifest(index_dir)
    except IndexDamagedError as e:
        warn(str(index_dir), f"the index was damaged ({e.problem}): built again from the corpus")
        return {}, {}
    except IndexFolderError as e:
        say(f"{e}: building it again")
        return {}, {}
    check_model(manifest, model, index_dir)
    if manifest["parser"] != PARSER_VERSION:
        return {}, {}  # parsed by another version of the parser: read every file again
    try:
        notices, arrays = _read_data(index_dir, manifest)
    except IndexDamagedError as e:
        warn(str(index_dir), f"the index was damaged ({e.problem}): built again from the corpus")
        return {}, {}
    vectors, titles, clauses, owner = (arrays[k] for k in ("embeddings", "titles", "clauses", "clause_owner"))
    out, row = {}, 0
    for notice in notices:
        n = len(notice.items)
        rows = (owner >= row) & (owner < row + n)
        out[notice.file] = (notice, (vectors[row : row + n], titles[row : row + n], clauses[rows]))
        row += n
    return manifest, out


def _read_items(data: Path) -> list[Notice]:
    notices = []
    with open(data / "items.jsonl", encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    notices.append(Notice.from_dict(json.loads(line)))
                except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
                    raise ValueError(f"line {number} is not a notice ({type(e).__name__}: {e})") from e
    return notices


def _read_data(index_dir: Path, manifest: dict[str, Any]) -> tuple[list[Notice], dict[str, np.ndarray]]:
    """The notices and the arrays of an index folder, checked against its manifest and each other.

    Raises:
        IndexDamagedError: naming the file that is missing, truncated, changed or of the wrong shape.
    """
    data = check_data(index_dir, manifest)

    def read(name: str, reader: Callable[[Path], Any]) -> Any:
        try:
            return reader(data / name)
        except (OSError, ValueError, EOFError, UnicodeDecodeError) as e:
            raise IndexDamagedError(index_dir, f"{name} cannot be read: {e}") from e

    notices = read("items.jsonl", lambda path: _read_items(path.parent))
    arrays = {k: read(f"{k}.npy", np.load) for k in ("embeddings", "titles", "clauses", "clause_owner")}
    n, dim = sum(len(notice.items) for notice in notices), manifest["dim"]
    owner, clauses = arrays["clause_owner"], arrays["clauses"]
    problems = [f"items.jsonl holds {n} work points, the manifest says {manifest['items']}"] * (n != manifest["items"])
    problems += [
        f"{k}.npy has shape {arrays[k].shape}, not ({n}, {dim})" for k in ("embeddings", "titles")
        if arrays[k].shape != (n, dim)
    ]
    if clauses.ndim != 2 or clauses.shape[1] != dim or owner.shape != (len(clauses),):
        problems.append(f"clauses.npy has shape {clauses.shape} and clause_owner.npy {owner.shape}")
    elif not np.array_equal(np.unique(owner), np.arange(n)):
        problems.append("clause_owner.npy does not give every work point its clauses")
    if problems:
        raise IndexDamagedError(index_dir, "; ".join(problems))
    return notices, arrays


def _remove_leftovers(index_dir: Path, warn: Warn) -> None:
    """Remove what a build that was stopped (killed, out of power) left behind; under the writer lock."""
    for tmp in sorted(index_dir.glob(".data-*.tmp")):
        shutil.rmtree(tmp, ignore_errors=True)
        warn(str(tmp), "removed: the data folder of a build that was stopped before it finished")
    for tmp in index_dir.glob(".manifest.json.*.tmp"):
        tmp.unlink(missing_ok=True)


def _log_once(path: str, message: str) -> None:
    """Log a warning the first time this process sees it, not again at every rebuild (the app rebuilds on upload)."""
    if (path, message) not in _logged:
        _logged.add((path, message))
        log.warning("%s: %s", path, message)


def build_index(
    corpus: str | os.PathLike[str],
    index_dir: str | os.PathLike[str],
    embedder: Embedder,
    *,
    force: bool = False,
    progress: bool = True,
    on_progress: Callable[[str], None] | None = None,
    max_bytes: int | None = MAX_FILE_BYTES,
) -> BuildReport:
    """Parse every notice under ``corpus`` and (re)write the index in ``index_dir``.

    Unchanged files (same SHA-256, same model) keep their embeddings. Nothing bad in the corpus
    stops the build: a file above ``max_bytes`` (never read), unreadable, or the same text as
    another (indexed once) is skipped; a damaged index folder and a stopped build's leftovers are
    replaced. Each of these is in ``report.warnings`` and logged once per process; the progress
    lines do not repeat them.

    Args:
        corpus: folder of notices, read recursively.
        index_dir: the index folder (created if missing).
        embedder: the model; its name is recorded in the manifest.
        force: re-embed everything and replace an index built with another model.
        progress: show an embedding progress bar on stderr.
        on_progress: called with a line of text per stage (for the app).
        max_bytes: the size limit for one notice (``--max-file-mb``); None for none.

    Raises:
        IndexFolderError: the folder holds an index built by another model and ``force`` is off.
        IndexLockedError: another process is writing the folder.
    """
    from assistant.parse import PARSER_VERSION, parse_notice

    start = time.perf_counter()
    corpus, index_dir = Path(corpus), Path(index_dir)
    say = on_progress or (lambda msg: print(msg, file=sys.stderr) if progress else None)
    report = BuildReport()

    def warn(path: str, message: str) -> None:
        report.warnings.append((path, message))
        _log_once(path, message)

    def skip(path: Path, reason: str) -> None:
        report.skipped.append((str(path), reason))
        warn(str(path), f"skipped: {reason}")

    with write_lock(index_dir):
        _remove_leftovers(index_dir, warn)
        old_manifest, previous = ({}, {}) if force else _load_previous(index_dir, embedder.name, warn, say)
        old_files = old_manifest.get("files", {})
        files = corpus_files(corpus, warn)
        say(f"reading {len(files)} files in {corpus}")
        found = []
        for path in files:
            try:
                if max_bytes is not None:
                    check_size(path, max_bytes)  # before the file is read: a 50 MB file must not stall the build
                found.append((path.relative_to(corpus).as_posix(), path, file_hash(path)))
            except UnreadableFileError as e:
                skip(path, e.reason)
            except OSError as e:
                skip(path, f"cannot open the file ({e.strerror or e})")
        # What the last build indexed comes first, so a new copy of it never displaces it.
        found.sort(key=lambda f: (not (f[0] in previous and old_files[f[0]].get("sha256") == f[2]), f[0]))
        by_bytes: dict[str, str] = {}
        by_text: dict[str, str] = {}
        chosen: dict[str, tuple[Notice, Vectors | None, dict[str, Any]]] = {}
        for rel, path, digest in found:
            if digest in by_bytes:
                skip(path, f"the same file as {corpus / by_bytes[digest]}: indexed once, as that file")
                continue
            if rel in previous and old_files[rel].get("sha256") == digest:
                (notice, vecs), lost = previous[rel], list(old_files[rel].get("warnings", []))
            else:
                lost = []
                try:
                    notice = parse_notice(path, warnings=lost, max_bytes=max_bytes)
                except UnreadableFileError as e:
                    skip(path, e.reason)
                    continue
                except Exception as e:  # a parser bug on one odd file must not stop the build or the app start
                    log.debug("parsing %s failed", path, exc_info=True)
                    skip(path, f"the parser failed on it ({type(e).__name__}: {e}); please report it with the file")
                    continue
                notice.file, vecs = rel, None
            key = notice_key(notice)
            if key in by_text:
                skip(path, f"the same text as {corpus / by_text[key]}: indexed once, as that file")
                continue
            by_bytes[digest] = by_text[key] = rel
            for message in lost:
                warn(str(path), message)
            (report.added if vecs is None else report.kept).append(rel)
            meta = {"sha256": digest, "items": len(notice.items), "title": notice.doc.title}
            chosen[rel] = (notice, vecs, meta | ({"warnings": lost} if lost else {}))
        report.added.sort()
        report.kept.sort()
        notices = [chosen[rel][0] for rel in sorted(chosen)]
        vectors: list[Vectors | None] = [chosen[rel][1] for rel in sorted(chosen)]
        hashes = {rel: chosen[rel][2] for rel in sorted(chosen)}
        report.removed = sorted(set(old_files) - set(hashes))
        if _unchanged(old_manifest, hashes, report):
            # Nothing to embed, drop, calibrate or rewrite: the index on disk already is this corpus's.
            report.items = int(old_manifest["items"])
            report.seconds = time.perf_counter() - start
            say(report.summary())
            return report
        todo = [(i, n) for i, (n, v) in enumerate(zip(notices, vectors, strict=True)) if v is None]
        points = [(n.doc, p) for _, n in todo for p in n.items]
        if points:
            say(f"embedding {len(points)} work points with {embedder.name}")
            new = embedder.encode_documents([embedding_text(d, p) for d, p in points], show_progress=progress)
            new_titles = embedder.encode_documents([title_text(d, p) for d, p in points])
            clauses = [clause_texts(p) for _, p in points]
            say(f"embedding their {sum(map(len, clauses))} clauses")
            new_clauses = embedder.encode_documents([c for cs in clauses for c in cs], show_progress=progress)
            row = crow = 0
            for i, n in todo:
                k = len(n.items)
                m = sum(len(cs) for cs in clauses[row : row + k])
                vectors[i] = (new[row : row + k], new_titles[row : row + k], new_clauses[crow : crow + m])
                row, crow = row + k, crow + m
        report.embedded = len(points)
        empty = np.zeros((0, embedder.dim), np.float32)
        matrix = np.vstack([empty, *(v[0] for v in vectors if v is not None)]).astype(np.float32)
        titles = np.vstack([empty, *(v[1] for v in vectors if v is not None)]).astype(np.float32)
        clause_rows = np.vstack([empty, *(v[2] for v in vectors if v is not None)]).astype(np.float32)
        report.items = int(matrix.shape[0])
        windows = _embed_windows(notices, _previous_windows(index_dir, old_manifest), embedder, say)
        say("writing the index")
        data_name, data_files = _write_data(index_dir, notices, matrix, titles, clause_rows, windows)
        calibration = _calibrate(index_dir, data_name, data_files, embedder, old_manifest, say)
        manifest = {
            "format": FORMAT,
            "parser": PARSER_VERSION,
            "model": embedder.name,
            "dim": embedder.dim,
            "data": data_name,
            "items": report.items,
            "files": hashes,
            "data_files": data_files,
            "built": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        if calibration is not None:
            manifest["calibration"] = calibration
        _write_json_atomic(index_dir / "manifest.json", manifest)
        for old in index_dir.glob("data-*"):
            if old.name != data_name:
                shutil.rmtree(old, ignore_errors=True)
    report.seconds = time.perf_counter() - start
    say(report.summary())
    return report


def _unchanged(old: dict[str, Any], hashes: dict[str, dict[str, Any]], report: BuildReport) -> bool:
    """Whether the previous build already holds exactly these files, read by this parser, with every
    derived file (figure windows, the refusal calibration for this bank) in place."""
    from assistant.calibration import bank_hash
    from assistant.parse import PARSER_VERSION

    if not old or report.added or report.removed or old.get("parser") != PARSER_VERSION:
        return False
    if {f: m["sha256"] for f, m in old.get("files", {}).items()} != {f: m["sha256"] for f, m in hashes.items()}:
        return False
    calibration = old.get("calibration") or {}
    return "windows.json" in old.get("data_files", {}) and calibration.get("bank") == bank_hash()


def _calibrate(
    index_dir: Path, data_name: str, data_files: dict[str, dict[str, Any]], embedder: Embedder,
    old_manifest: dict[str, Any], say: Callable[[str], None],
) -> dict[str, Any] | None:
    """Set the new index's refusal cuts (:mod:`assistant.calibration`) and store the bank's anchors beside it.

    Reuses the previous build's anchor vectors when the model and the bank are the same. Adds
    ``bank.npy`` to ``data_files``. None for an index without work points.
    """
    from assistant.calibration import bank_hash, calibrate
    from assistant.search import Searcher

    data = index_dir / data_name
    draft = {"format": FORMAT, "dim": embedder.dim, "data": data_name, "data_files": data_files,
             "model": embedder.name, "items": _count_items(data)}
    previous = None
    old = old_manifest.get("calibration") or {}
    if old.get("bank") == bank_hash() and old_manifest.get("model") == embedder.name:
        try:
            previous = np.load(index_dir / old_manifest["data"] / "bank.npy")
        except (OSError, ValueError, KeyError):
            previous = None
    try:
        index = open_index(index_dir, draft)
    except IndexDamagedError:
        return None
    if not index.entries:
        return None
    say("setting the refusal cut for this index")
    result = calibrate(Searcher(index, embedder), previous)
    np.save(data / "bank.npy", result.anchors)  # the whole bank's vectors: the score's anchors
    data_files["bank.npy"] = _data_files(data)["bank.npy"]
    return result.to_manifest()


def _count_items(data: Path) -> int:
    return sum(len(n.items) for n in _read_items(data))


def _previous_windows(index_dir: Path, manifest: dict[str, Any]) -> dict[str, np.ndarray]:
    """The figure windows the previous build embedded, by text (empty when there are none to reuse)."""
    if not manifest or "windows.json" not in manifest.get("data_files", {}):
        return {}
    data = index_dir / manifest["data"]
    try:
        texts = json.loads((data / "windows.json").read_text(encoding="utf-8"))
        vectors = np.load(data / "windows.npy")
    except (OSError, ValueError, json.JSONDecodeError):
        return {}
    return dict(zip(texts, vectors, strict=False)) if len(texts) == len(vectors) else {}


def _embed_windows(
    notices: list[Notice], previous: dict[str, np.ndarray], embedder: Embedder, say: Callable[[str], None]
) -> tuple[list[str], np.ndarray]:
    """Every figure's window (:func:`assistant.figures.window_texts`) with its vector, reusing the previous
    build's: a figure question then reads them instead of embedding them while the user waits."""
    from assistant.figures import window_texts

    texts = list(dict.fromkeys(w for n in notices for p in n.items for w in window_texts(p)))
    missing = [t for t in texts if t not in previous]
    if missing:
        say(f"embedding {len(missing)} figure windows")
        previous = {**previous, **dict(zip(missing, embedder.encode_documents(missing), strict=True))}
    vectors = np.vstack([np.zeros((0, embedder.dim), np.float32), *(previous[t][None, :] for t in texts)])
    return texts, vectors.astype(np.float32)


def _write_data(
    index_dir: Path, notices: list[Notice], matrix: np.ndarray, titles: np.ndarray, clauses: np.ndarray,
    windows: tuple[list[str], np.ndarray] | None = None,
) -> tuple[str, dict[str, dict[str, Any]]]:
    """Write one complete data folder; return its name and its files with their sizes and hashes."""
    import bm25s
    import faiss

    name = f"data-{uuid.uuid4().hex[:12]}"
    tmp = index_dir / f".{name}.tmp"
    tmp.mkdir(parents=True)
    with open(tmp / "items.jsonl", "w", encoding="utf-8") as f:
        for notice in notices:
            f.write(json.dumps({**notice.to_dict(), "file": notice.file}, ensure_ascii=False) + "\n")
    owner = [i for i, p in enumerate(p for n in notices for p in n.items) for _ in clause_texts(p)]
    if len(owner) != len(clauses):
        raise RuntimeError(f"{len(clauses)} clause vectors for {len(owner)} clauses")
    np.save(tmp / "clause_owner.npy", np.asarray(owner, dtype=np.int32))
    for name_, rows in (("embeddings", matrix), ("titles", titles), ("clauses", clauses)):
        np.save(tmp / f"{name_}.npy", rows)
    if windows is not None:
        (tmp / "windows.json").write_text(json.dumps(windows[0], ensure_ascii=False), encoding="utf-8")
        np.save(tmp / "windows.npy", windows[1])
    for name_, rows in (("dense", matrix), ("titles", titles)):
        flat = faiss.IndexFlatIP(rows.shape[1])  # inner product equals cosine on normalised vectors
        flat.add(rows)
        faiss.write_index(flat, str(tmp / f"{name_}.faiss"))
    words = corpus_terms(notices)
    (tmp / "userdict.txt").write_text("\n".join(words), encoding="utf-8")
    tokenizer = Tokenizer(words)
    corpus_tokens = [tokenizer.tokens(bm25_text(n.doc, p)) or ["_"] for n in notices for p in n.items]
    retriever = bm25s.BM25()
    if corpus_tokens:
        retriever.index(corpus_tokens, show_progress=False)
        retriever.save(str(tmp / "bm25"))
    files = _data_files(tmp)
    os.replace(tmp, index_dir / name)
    return name, files


@dataclass
class LoadedIndex:
    """An index folder opened for reading: notices, a flat list of (notice, work point), FAISS and BM25."""

    path: Path
    manifest: dict[str, Any]
    notices: list[Notice]
    entries: list[tuple[Notice, WorkPoint]]
    embeddings: np.ndarray
    #: Every work point's clause vectors (:func:`clause_texts`), and for each row its entry's index.
    clauses: np.ndarray
    clause_owner: np.ndarray
    dense: Any
    titles: Any
    bm25: Any
    tokenizer: Tokenizer
    #: The vector of each figure's window, by the window's text (:func:`assistant.figures.window_texts`).
    windows: dict[str, np.ndarray] = field(default_factory=dict)
    #: The everyday questions the refusal score is measured against (:mod:`assistant.calibration`); None
    #: in an index built without a calibration.
    bank: np.ndarray | None = None

    @property
    def model(self) -> str:
        return self.manifest["model"]


def load_index(index_dir: str | os.PathLike[str], model: str | None = None) -> LoadedIndex:
    """Open an index folder for search, checking the manifest before any data file.

    Args:
        index_dir: the folder ``assistant build`` wrote.
        model: the query model's name; must be the one that built the index when given.

    Raises:
        IndexFolderError: missing, of another format, or built with another model.
        IndexDamagedError: a file is missing, truncated, changed or of the wrong shape, or the
            manifest is bad JSON or lacks a key; the message says to rebuild.
    """

    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if model is not None:
        check_model(manifest, model, index_dir)
    return open_index(index_dir, manifest)


def open_index(index_dir: Path, manifest: dict[str, Any]) -> LoadedIndex:
    """Open the data folder a manifest names (checked file by file); :func:`load_index` reads the manifest first.

    Raises:
        IndexDamagedError: as :func:`load_index`.
    """
    import bm25s
    import faiss

    notices, arrays = _read_data(index_dir, manifest)
    embeddings, clauses, clause_owner = arrays["embeddings"], arrays["clauses"], arrays["clause_owner"]
    data = index_dir / manifest["data"]
    try:
        dense = faiss.read_index(str(data / "dense.faiss"))
        titles = faiss.read_index(str(data / "titles.faiss"))
        words = (data / "userdict.txt").read_text(encoding="utf-8").split("\n")
        bm25 = bm25s.BM25.load(str(data / "bm25")) if (data / "bm25").exists() else None
    except (OSError, ValueError, RuntimeError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise IndexDamagedError(index_dir, f"its FAISS, BM25 or word files cannot be read: {e}") from e
    entries = [(n, p) for n in notices for p in n.items]
    if dense.ntotal != len(entries) or titles.ntotal != len(entries) or dense.d != manifest["dim"]:
        raise IndexDamagedError(index_dir, f"the FAISS indexes do not hold its {len(entries)} work points")
    tokenizer = Tokenizer(w for w in words if w)
    windows: dict[str, np.ndarray] = {}
    if "windows.json" in manifest["data_files"]:
        try:
            texts = json.loads((data / "windows.json").read_text(encoding="utf-8"))
            vectors = np.load(data / "windows.npy")
        except (OSError, ValueError, json.JSONDecodeError) as e:
            raise IndexDamagedError(index_dir, f"its figure windows cannot be read: {e}") from e
        if len(texts) != len(vectors):
            raise IndexDamagedError(index_dir, f"{len(texts)} figure windows but {len(vectors)} vectors")
        windows = dict(zip(texts, vectors, strict=True))
    bank = None
    if "bank.npy" in manifest["data_files"]:
        try:
            bank = np.load(data / "bank.npy")
        except (OSError, ValueError) as e:
            raise IndexDamagedError(index_dir, f"its calibration bank cannot be read: {e}") from e
    return LoadedIndex(
        index_dir, manifest, notices, entries, embeddings, clauses, clause_owner, dense, titles, bm25, tokenizer,
        windows, bank,
    )
