"""An index folder: the parsed notices, their work-point embeddings in FAISS, and a jieba BM25 index.

Layout (all plain files)::

    index/manifest.json        format, model, dimension, corpus files with their hashes, current data
                               folder and each of its files with its size and SHA-256
    index/data-<id>/items.jsonl     one parsed notice a line (metadata and work points)
    index/data-<id>/notices.jsonl   per notice: metadata, work points and line offset (:mod:`assistant.store`)
    index/data-<id>/embeddings.npy  one row a work point (heading path and text), in items.jsonl order
    index/data-<id>/titles.npy      one row a work point (its section and title alone)
    index/data-<id>/clauses.npy     one row a clause of a work point (:func:`clause_texts`), in order
    index/data-<id>/clause_owner.npy  for each clause row, its work point's row
    index/data-<id>/dense.faiss     FAISS index over the text rows (flat, or HNSW in a large index)
    index/data-<id>/titles.faiss    the same over the title rows (and clauses.faiss in a large index)
    index/data-<id>/moments.npz     each signal's statistics for the fusion's standardisation
    index/data-<id>/bm25/           bm25s arrays over the same work points
    index/data-<id>/centres.npy     each notice's centre (normalised mean of its text vectors)
    index/data-<id>/units.json      every unit with its work points' rows by role (:func:`assistant.directory.unit_table`)
    index/data-<id>/families.json   the notices' families of editions (:func:`assistant.editions.families`)
    index/data-<id>/userdict.txt    the jieba words taken from the corpus

The vectors, FAISS and BM25 files are the search engine's (:mod:`assistant.engines`; the manifest's
``engine`` names it and its kind, flat or HNSW by size).

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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant import store
from assistant.engines.postings import Postings
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
from assistant.store import Records
from assistant.tokenize import Tokenizer, corpus_terms

if TYPE_CHECKING:
    from assistant.embed import Embedder
    from assistant.engines import Engine, Previous, Stored

#: 4: notices.jsonl, moments.npz, centres.npy and the manifest's engine; float16 vectors and HNSW graphs in a large index.
FORMAT = 4
#: A sentence longer than this is cut at its commas into clauses, each embedded on its own.
CLAUSE_CHARS = 60
#: The manifest keys a build writes and a reader needs; one missing means the folder is damaged.
MANIFEST_KEYS = ("format", "parser", "model", "dim", "data", "items", "files", "data_files", "engine")
#: The data files every index has (``bm25/`` is left out when there are no work points).
DATA_FILES = (
    "items.jsonl", "notices.jsonl", "embeddings.npy", "titles.npy", "clauses.npy", "clause_owner.npy",
    "moments.npz", "centres.npy", "units.json", "families.json", "userdict.txt",
)
#: A data file larger than this is checked at load by its size and the SHA-256 of :data:`SAMPLE_BLOCKS`
#: blocks spread over it (hashing the gigabytes of a million work points would take most of a minute);
#: its whole SHA-256 is still recorded.
FULL_HASH_BYTES = 64 << 20
SAMPLE_BLOCKS = 256
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


def part_ranges(doc: NoticeInfo, point: WorkPoint) -> tuple[str, list[list[tuple[int, int]] | None]]:
    """Where a work point's title, clauses and figure windows lie in its :func:`embedding_text`.

    Returns the text and, in the order title, :func:`clause_texts`, :func:`assistant.figures.window_texts`,
    each one's character ranges in it (a title is its section's name in the heading path and its own
    words in the text), or None for one not found there, to be embedded apart.
    """
    from assistant.figures import window_texts

    text = embedding_text(doc, point)
    base = len(text) - len(point.text)  # the point's own text ends the embedding text
    path = " > ".join(point.path)
    found: list[list[tuple[int, int]] | None] = []
    title = [(len(path) - len(point.path[-1]), len(path))] if point.path and point.path[-1] else []
    at = point.text.find(point.title) if point.title else -1
    title += [(base + at, base + at + len(point.title))] if at >= 0 else []
    found.append(title if title and (at >= 0 or not point.title) else None)
    kept = [i for i, ch in enumerate(point.text) if ch != "\n"]  # clause_texts reads the text without line breaks
    flat, cursor = point.text.replace("\n", ""), 0
    for clause in clause_texts(point):
        i = flat.find(clause, cursor)
        i = flat.find(clause) if i < 0 else i
        if i < 0 or not clause:
            found.append(None)
            continue
        found.append([(base + kept[i], base + kept[i + len(clause) - 1] + 1)])
        cursor = i + len(clause)
    for window in window_texts(point):
        i = point.text.find(window)
        found.append([(base + i, base + i + len(window))] if i >= 0 and window else None)
    return text, found


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
    types = {"model": str, "dim": int, "data": str, "items": int, "files": dict, "data_files": dict, "engine": dict}
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
    from assistant.engines import entry_of, module

    try:
        required = module(entry_of(manifest)["name"]).REQUIRED
    except ValueError as e:
        raise IndexDamagedError(index_dir, str(e)) from e
    missing = [name for name in (*DATA_FILES, *required) if name not in recorded]
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
        if "sample_sha256" in meta and size > FULL_HASH_BYTES:
            if sample_hash(path) != meta["sample_sha256"]:
                raise IndexDamagedError(index_dir, f"{name} does not match the sampled SHA-256 the manifest records")
        elif file_hash(path) != meta["sha256"]:
            raise IndexDamagedError(index_dir, f"{name} does not match the SHA-256 the manifest records")
    return data


def sample_hash(path: Path, blocks: int = SAMPLE_BLOCKS, block: int = 1 << 16) -> str:
    """SHA-256 of a file's size and of ``blocks`` blocks spread evenly over it, first and last included."""
    size = path.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with open(path, "rb") as f:
        for at in np.linspace(0, max(size - block, 0), blocks).astype(np.int64):
            f.seek(int(at))
            h.update(f.read(block))
    return h.hexdigest()


def _data_files(folder: Path) -> dict[str, dict[str, Any]]:
    """Every file under a data folder with its size and SHA-256 (and a sampled one for a large file), by path."""
    out = {}
    for p in sorted(p for p in folder.rglob("*") if p.is_file()):
        size = p.stat().st_size
        meta: dict[str, Any] = {"bytes": size, "sha256": file_hash(p)}
        if size > FULL_HASH_BYTES:
            meta["sample_sha256"] = sample_hash(p)
        out[p.relative_to(folder).as_posix()] = meta
    return out


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
        records, arrays = _read_data(index_dir, manifest, eager=True)
    except IndexDamagedError as e:
        warn(str(index_dir), f"the index was damaged ({e.problem}): built again from the corpus")
        return {}, {}
    vectors, titles, clauses, owner = (arrays[k] for k in ("embeddings", "titles", "clauses", "clause_owner"))
    starts = np.searchsorted(owner, np.arange(len(vectors) + 1))  # a row's clauses are contiguous, in row order
    out, row = {}, 0
    for notice in records.notices:
        n = len(notice.items)
        parts = (vectors[row : row + n], titles[row : row + n], clauses[starts[row] : starts[row + n]])
        out[notice.file] = (notice, tuple(np.asarray(x, np.float32) for x in parts))
        row += n
    return manifest, out


def _read_data(
    index_dir: Path, manifest: dict[str, Any], eager: bool | None = None
) -> tuple[Records, dict[str, np.ndarray]]:
    """The notices and the arrays of an index folder, checked against its manifest and each other.

    The arrays of a large (HNSW) index are memory-mapped; its work points are read when first used
    unless ``eager`` (:mod:`assistant.store`).

    Raises:
        IndexDamagedError: naming the file that is missing, truncated, changed or of the wrong shape.
    """
    from assistant.engines import entry_of

    data = check_data(index_dir, manifest)

    def read(name: str, reader: Callable[[Path], Any]) -> Any:
        try:
            return reader(data / name)
        except (OSError, ValueError, EOFError, UnicodeDecodeError, KeyError, TypeError) as e:
            raise IndexDamagedError(index_dir, f"{name} cannot be read: {e}") from e

    mmap = "r" if entry_of(manifest).get("kind", "flat") != "flat" else None
    notices = read("items.jsonl", lambda path: Records(path.parent, eager))
    arrays = {k: read(f"{k}.npy", lambda path: np.load(path, mmap_mode=mmap))
              for k in ("embeddings", "titles", "clauses", "clause_owner")}
    n, dim = len(notices), manifest["dim"]
    owner, clauses = arrays["clause_owner"], arrays["clauses"]
    problems = [f"items.jsonl holds {n} work points, the manifest says {manifest['items']}"] * (n != manifest["items"])
    problems += [
        f"{k}.npy has shape {arrays[k].shape}, not ({n}, {dim})" for k in ("embeddings", "titles")
        if arrays[k].shape != (n, dim)
    ]
    if clauses.ndim != 2 or clauses.shape[1] != dim or owner.shape != (len(clauses),):
        problems.append(f"clauses.npy has shape {clauses.shape} and clause_owner.npy {owner.shape}")
    elif not _owns_in_order(np.asarray(owner), n):
        problems.append("clause_owner.npy does not give every work point its clauses, in row order")
    if problems:
        raise IndexDamagedError(index_dir, "; ".join(problems))
    return notices, arrays


def _owns_in_order(owner: np.ndarray, n: int) -> bool:
    """Whether clause owners run 0, 0, 1, …, n - 1 without a gap (every row has clauses, contiguous)."""
    if not len(owner):
        return n == 0
    steps = np.diff(owner)
    return bool(owner[0] == 0 and owner[-1] == n - 1 and (steps >= 0).all() and (steps <= 1).all())


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
    kind: str | None = None,
    engine: dict[str, Any] | None = None,
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
        kind: the search index, ``"flat"`` (exact), ``"hnsw"`` or ``"ivf"``; by default by size
            (:func:`assistant.engines.folder.kind_for`).
        engine: the search engine and its options (``{"name": "milvus", "uri": ..., "collection": ...}``,
            :mod:`assistant.engines`); by default the previous build's, else the embedded one.

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
        engine = _engine_asked(engine, old_manifest)
        if _unchanged(old_manifest, hashes, report, kind, engine) and _loads(index_dir, embedder.name, warn):
            # Nothing to embed, drop, calibrate or rewrite: the index on disk already is this corpus's.
            report.items = int(old_manifest["items"])
            report.seconds = time.perf_counter() - start
            say(report.summary())
            return report
        todo = [(i, n) for i, (n, v) in enumerate(zip(notices, vectors, strict=True)) if v is None]
        points = [(n.doc, p) for _, n in todo for p in n.items]
        fresh: dict[str, np.ndarray] = {}
        if points:
            say(f"embedding {len(points)} work points with {embedder.name}, with their titles, clauses and figures")
            new, new_titles, new_clauses, fresh = _embed_points(points, embedder, progress)
            row = 0
            for i, n in todo:
                k = len(n.items)
                vectors[i] = (new[row : row + k], new_titles[row : row + k], np.vstack(new_clauses[row : row + k]))
                row += k
        report.embedded = len(points)
        empty = np.zeros((0, embedder.dim), np.float32)
        matrix = np.vstack([empty, *(v[0] for v in vectors if v is not None)]).astype(np.float32)
        titles = np.vstack([empty, *(v[1] for v in vectors if v is not None)]).astype(np.float32)
        clause_rows = np.vstack([empty, *(v[2] for v in vectors if v is not None)]).astype(np.float32)
        report.items = int(matrix.shape[0])
        windows = _embed_windows(notices, {**_previous_windows(index_dir, old_manifest), **fresh}, embedder, say)
        say("writing the index")
        data_name, data_files, entry = _write_data(index_dir, notices, matrix, titles, clause_rows, windows, kind,
                                                   engine, _previous_build(index_dir, old_manifest))
        calibration = _calibrate(index_dir, data_name, data_files, entry, embedder, old_manifest, say)
        manifest = {
            "format": FORMAT,
            "parser": PARSER_VERSION,
            "model": embedder.name,
            "dim": embedder.dim,
            "data": data_name,
            "items": report.items,
            "files": hashes,
            "data_files": data_files,
            "engine": entry,
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


def _loads(index_dir: Path, model: str, warn: Warn) -> bool:
    """Whether the index on disk opens (its FAISS and BM25 files too, which no hash can vouch for); a
    damaged one is warned about, to be written again."""
    try:
        load_index(index_dir, model=model)
    except IndexDamagedError as e:
        warn(str(index_dir), f"the index was damaged ({e.problem}): built again from the corpus")
        return False
    return True


def _engine_asked(asked: dict[str, Any] | None, old: dict[str, Any]) -> dict[str, Any]:
    """The engine a build writes with: the one asked for (its options over the previous build's, for the same
    engine), else the previous build's (so a plain rebuild keeps it), else the embedded one."""
    from assistant.engines import DEFAULT, entry_of, options_of

    before = entry_of(old) if old else {"name": DEFAULT}
    if not asked:
        options = options_of(before["name"])
        return {k: v for k, v in before.items() if k == "name" or k in options}
    options = options_of(asked["name"])
    base = {k: v for k, v in before.items() if k in options} if before.get("name") == asked.get("name") else {}
    return {**base, **{k: v for k, v in asked.items() if v is not None}}


def _unchanged(
    old: dict[str, Any], hashes: dict[str, dict[str, Any]], report: BuildReport, kind: str | None = None,
    engine: dict[str, Any] | None = None,
) -> bool:
    """Whether the previous build already holds exactly these files, read by this parser, with every
    derived file (figure windows, the refusal calibration for this bank) in place, in the index kind asked for."""
    from assistant.calibration import bank_hash
    from assistant.engines import DEFAULT, entry_of, module
    from assistant.parse import PARSER_VERSION

    if not old or report.added or report.removed or old.get("parser") != PARSER_VERSION:
        return False
    before = entry_of(old)
    name = (engine or {}).get("name") or before.get("name", DEFAULT)
    if before.get("kind") != (kind or module(name).kind_for(int(old.get("items", 0)))):
        return False
    if engine and any(before.get(k) != v for k, v in engine.items()):
        return False
    if {f: m["sha256"] for f, m in old.get("files", {}).items()} != {f: m["sha256"] for f, m in hashes.items()}:
        return False
    calibration = old.get("calibration") or {}
    return "windows.json" in old.get("data_files", {}) and calibration.get("bank") == bank_hash()


def _calibrate(
    index_dir: Path, data_name: str, data_files: dict[str, dict[str, Any]], engine: dict[str, Any],
    embedder: Embedder, old_manifest: dict[str, Any], say: Callable[[str], None],
) -> dict[str, Any] | None:
    """Set the new index's refusal cuts (:mod:`assistant.calibration`) and store the bank's anchors beside it.

    Reuses the previous build's anchor vectors when the model and the bank are the same. Adds
    ``bank.npy`` to ``data_files``. None for an index without work points.
    """
    from assistant.calibration import bank_hash, calibrate
    from assistant.search import Searcher

    data = index_dir / data_name
    draft = {"format": FORMAT, "dim": embedder.dim, "data": data_name, "data_files": data_files,
             "model": embedder.name, "items": len(Records(data, eager=False)), "engine": engine}
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


#: The parts of a work point pooled from its one pass instead of embedded as passages of their own
#: (see :func:`_embed_points`): none by default. Measured on seed + State Council over the 187 ranked
#: development and held-out questions (R@1 of the fused search): every part embedded alone 0.80;
#: clauses and windows pooled 0.77; titles, clauses and windows pooled 0.78 (English R@1 0.90 → 0.60),
#: for a build about three times as fast. ``ASSISTANT_POOLED_PARTS=title,clause,window`` chooses, for an
#: archive where build time matters more than that.
POOLED_PARTS = frozenset(x for x in os.environ.get("ASSISTANT_POOLED_PARTS", "").split(",") if x.strip())


def _embed_points(
    points: list[tuple[NoticeInfo, WorkPoint]], embedder: Embedder, progress: bool
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], dict[str, np.ndarray]]:
    """Embed work points with their titles, clauses and figure windows.

    A part named in :data:`POOLED_PARTS` is pooled from its text's tokens, from the text's one pass
    (:meth:`Embedder.encode_document_parts`, see :func:`part_ranges`); any other part, and one not found
    in the text, is embedded as a passage of its own (batched by length). Measured on seed + State
    Council + local reports (benchmarks/build_rate.py): one pass per part makes the build about a
    quarter as fast as a bare encode of the texts; pooling costs ranking quality (:data:`POOLED_PARTS`).

    Returns:
        The text vectors, the title vectors, each point's clause vectors, and the windows' vectors by text.
    """
    from assistant.figures import window_texts

    texts, located, alone, slots = [], [], [], []
    for d, p in points:
        text, ranges = part_ranges(d, p)
        n_clauses = len(clause_texts(p))
        kinds = ["title"] + ["clause"] * n_clauses + ["window"] * (len(ranges) - 1 - n_clauses)
        ranges = [r if kind in POOLED_PARTS else None for r, kind in zip(ranges, kinds, strict=True)]
        texts.append(text)
        located.append([r for r in ranges if r is not None])
        strings = [title_text(d, p), *clause_texts(p), *window_texts(p)]
        slots.append([None if r is not None else len(alone) + sum(x is None for x in ranges[:k])
                      for k, r in enumerate(ranges)])
        alone += [s for s, r in zip(strings, ranges, strict=True) if r is None]
    vectors, pooled = embedder.encode_document_parts(texts, located, show_progress=progress, unit="work points")
    apart = embedder.encode_documents(alone, show_progress=progress) if alone else np.zeros((0, embedder.dim), np.float32)
    titles, clauses, windows = [], [], {}
    for (_, p), rows, slot in zip(points, pooled, slots, strict=True):
        it = iter(rows)
        parts = [next(it) if k is None else apart[k] for k in slot]
        n = len(clause_texts(p))
        titles.append(parts[0])
        clauses.append(np.asarray(parts[1 : 1 + n], np.float32).reshape(-1, embedder.dim))
        for window, vector in zip(window_texts(p), parts[1 + n :], strict=True):
            windows.setdefault(window, vector)
    return vectors, np.asarray(titles, np.float32).reshape(-1, embedder.dim), clauses, windows


def _embed_windows(
    notices: list[Notice], previous: dict[str, np.ndarray], embedder: Embedder, say: Callable[[str], None]
) -> tuple[list[str], np.ndarray]:
    """Every figure's window (:func:`assistant.figures.window_texts`) with its vector, reusing those known (the
    previous build's, those pooled with their work points): a figure question then reads them instead of
    embedding them while the user waits."""
    from assistant.figures import window_texts

    texts = list(dict.fromkeys(w for n in notices for p in n.items for w in window_texts(p)))
    missing = [t for t in texts if t not in previous]
    if missing:
        say(f"embedding {len(missing)} figure windows")
        previous = {**previous, **dict(zip(missing, embedder.encode_documents(missing), strict=True))}
    vectors = np.vstack([np.zeros((0, embedder.dim), np.float32), *(previous[t][None, :] for t in texts)])
    return texts, vectors.astype(np.float32)


def _previous_build(index_dir: Path, manifest: dict[str, Any]) -> Previous | None:
    """The build an index folder held before this one, for an engine that writes only what changed."""
    from assistant.engines import Previous, entry_of

    if not manifest or not manifest.get("data"):
        return None
    return Previous(entry_of(manifest), index_dir / manifest["data"])


def _write_data(
    index_dir: Path, notices: list[Notice], matrix: np.ndarray, titles: np.ndarray, clauses: np.ndarray,
    windows: tuple[list[str], np.ndarray] | None = None, kind: str | None = None,
    engine: dict[str, Any] | None = None, previous: Previous | None = None,
) -> tuple[str, dict[str, dict[str, Any]], dict[str, Any]]:
    """Write one complete data folder; return its name, its files with their sizes and hashes, and its
    engine's manifest entry."""
    from assistant.engines import Stored

    name = f"data-{uuid.uuid4().hex[:12]}"
    tmp = index_dir / f".{name}.tmp"
    tmp.mkdir(parents=True)
    owner = [i for i, p in enumerate(p for n in notices for p in n.items) for _ in clause_texts(p)]
    if len(owner) != len(clauses):
        raise RuntimeError(f"{len(clauses)} clause vectors for {len(owner)} clauses")
    words = corpus_terms(notices)
    tokenizer = Tokenizer(words)
    texts = [bm25_text(n.doc, p) for n in notices for p in n.items]
    tokens = [tokenizer.tokens(t) or ["_"] for t in texts]
    stored = Stored(matrix, titles, clauses, np.asarray(owner, dtype=np.int32), tokens)
    engine = dict(engine or {})
    if engine.get("name", "faiss") != "faiss":
        stored.rows = _row_fields(notices, texts)
    entry = write_folder(tmp, notices, stored, words, windows, kind, engine.pop("name", None), previous, **engine)
    files = _data_files(tmp)
    os.replace(tmp, index_dir / name)
    return name, files, entry


def _row_fields(notices: list[Notice], texts: list[str]) -> list[dict[str, Any]]:
    """Each row's entity key and filter fields (``texts``: each row's :func:`bm25_text`), for an engine that keeps
    rows by key (:mod:`assistant.engines.milvus`)."""
    from assistant.engines.milvus import row_key

    out: list[dict[str, Any]] = []
    words_of = iter(texts)
    for n in notices:
        key = notice_key(n)
        for i, p in enumerate(n.items):
            words = next(words_of)
            out.append({"key": row_key(key, i, title_text(n.doc, p), words), "notice": key[:16],
                        "year": n.doc.year or 0, "units": list(p.units), "words": words})
    return out


def write_folder(
    folder: Path, notices: list[Notice], stored: Stored, words: list[str],
    windows: tuple[list[str], np.ndarray] | None = None, kind: str | None = None, engine: str | None = None,
    previous: Previous | None = None, **options: Any,
) -> dict[str, Any]:
    """Write a data folder's files: the notices (:mod:`assistant.store`), the engine's, and what the answer
    layer would otherwise work out from every work point when it starts (the notices' centres, the unit
    directory, the families of editions), the jieba words and the figure windows.

    Returns:
        The engine's manifest entry.
    """
    from assistant.directory import unit_table
    from assistant.editions import families
    from assistant.engines import DEFAULT, write_engine

    counts = store.write(folder, notices)
    entry = write_engine(folder, stored, engine or DEFAULT, previous, kind=kind, **options)
    large = entry.get("kind", "flat") != "flat"
    np.save(folder / "centres.npy", _centres(stored.text, counts))
    (folder / "units.json").write_text(json.dumps(unit_table(notices), ensure_ascii=False), encoding="utf-8")
    number = {id(n): i for i, n in enumerate(notices)}
    groups = [[number[id(n)] for n in group] for group in families(notices)]
    (folder / "families.json").write_text(json.dumps(groups), encoding="utf-8")
    (folder / "userdict.txt").write_text("\n".join(words), encoding="utf-8")
    if windows is not None:
        store.write_windows(folder, windows[0], windows[1], np.float16 if large else np.float32)
    return entry


def _centres(text: np.ndarray, counts: list[int]) -> np.ndarray:
    """Each notice's centre: the normalised mean of its work points' text vectors (zeros for a notice without any)."""
    dim = text.shape[1] if text.ndim == 2 else 0
    sums = np.zeros((len(counts), dim), np.float64)
    notice_of = np.repeat(np.arange(len(counts)), counts)
    for at in range(0, len(text), 1 << 16):
        np.add.at(sums, notice_of[at : at + (1 << 16)], np.asarray(text[at : at + (1 << 16)], np.float64))
    sums /= np.maximum(np.asarray(counts, np.float64), 1)[:, None]
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.where(norms > 0, norms, 1.0)).astype(np.float32)


@dataclass
class LoadedIndex:
    """An index folder opened for reading: notices, a flat list of (notice, work point), its engine.

    ``embeddings``, ``clauses``, ``clause_owner``, ``dense``, ``titles`` and ``bm25`` are the embedded
    engine's arrays and indexes (memory maps and HNSW graphs in a large index); read the signals
    through ``engine`` (:mod:`assistant.engines`).
    """

    path: Path
    manifest: dict[str, Any]
    notices: list[Notice]
    entries: Sequence[tuple[Notice, WorkPoint]]
    embeddings: np.ndarray
    #: Every work point's clause vectors (:func:`clause_texts`), and for each row its entry's index.
    clauses: np.ndarray
    clause_owner: np.ndarray
    dense: Any
    titles: Any
    bm25: Any
    tokenizer: Tokenizer
    #: The vector of each figure's window, by the window's text (:func:`assistant.figures.window_texts`).
    windows: Mapping[str, np.ndarray] = field(default_factory=dict)
    #: The everyday questions the refusal score is measured against (:mod:`assistant.calibration`); None
    #: in an index built without a calibration.
    bank: np.ndarray | None = None
    engine: Engine | None = None
    #: ``id(point) → row`` for the work points read (:class:`assistant.store.RowMap`).
    rows: Mapping[int, int] = field(default_factory=dict)
    #: Each notice's centre (normalised mean of its text vectors), in ``notices`` order.
    centres: np.ndarray | None = None
    records: Records | None = None
    #: The unit directory as plain data (:func:`assistant.directory.unit_table`) and the families of editions
    #: (:func:`assistant.editions.families`), worked out at build.
    units: list[dict[str, Any]] | None = None
    families: list[list[Notice]] | None = None

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @cached_property
    def postings(self) -> Postings:
        """Which rows hold a word (BM25's vocabulary and postings), for the answer layer's word statistics."""
        return getattr(self.engine, "postings", None) or Postings(self.bm25)


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


def open_index(index_dir: Path, manifest: dict[str, Any], eager: bool | None = None) -> LoadedIndex:
    """Open the data folder a manifest names (checked file by file); :func:`load_index` reads the manifest first.

    Raises:
        IndexDamagedError: as :func:`load_index`.
    """
    from assistant.engines import Stored, entry_of, open_engine

    records, arrays = _read_data(index_dir, manifest, eager)
    stored = Stored(arrays["embeddings"], arrays["titles"], arrays["clauses"], arrays["clause_owner"], [])
    data = index_dir / manifest["data"]
    try:
        engine = open_engine(data, manifest, stored)
        words = (data / "userdict.txt").read_text(encoding="utf-8").split("\n")
        centres = np.load(data / "centres.npy")
    except (OSError, ValueError, RuntimeError, KeyError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise IndexDamagedError(index_dir, f"its FAISS, BM25 or word files cannot be read: {e}") from e
    try:
        units = json.loads((data / "units.json").read_text(encoding="utf-8"))
        families = [[records.notices[i] for i in group]
                    for group in json.loads((data / "families.json").read_text(encoding="utf-8"))]
    except (OSError, ValueError, IndexError, TypeError, UnicodeDecodeError) as e:
        raise IndexDamagedError(index_dir, f"its unit directory or families cannot be read: {e}") from e
    n = len(records)
    indexes = getattr(engine, "indexes", {})
    dense, titles = indexes.get("text"), indexes.get("title")
    if any(x is not None and (x.ntotal != n or x.d != manifest["dim"]) for x in (dense, titles)):
        raise IndexDamagedError(index_dir, f"the FAISS indexes do not hold its {n} work points")
    if centres.shape != (len(records.notices), manifest["dim"]):
        raise IndexDamagedError(index_dir, f"centres.npy has shape {centres.shape}, not ({len(records.notices)}, "
                                           f"{manifest['dim']})")
    tokenizer = Tokenizer(w for w in words if w)
    windows: Mapping[str, np.ndarray] = {}
    if "windows.json" in manifest["data_files"]:
        try:
            if entry_of(manifest).get("kind", "flat") == "flat":
                texts = json.loads((data / "windows.json").read_text(encoding="utf-8"))
                vectors = np.load(data / "windows.npy")
                if len(texts) != len(vectors):
                    raise ValueError(f"{len(texts)} figure windows but {len(vectors)} vectors")
                windows = dict(zip(texts, vectors, strict=True))
            else:
                windows = store.WindowVectors(data)
        except (OSError, ValueError, json.JSONDecodeError) as e:
            raise IndexDamagedError(index_dir, f"its figure windows cannot be read: {e}") from e
    bank = None
    if "bank.npy" in manifest["data_files"]:
        try:
            bank = np.load(data / "bank.npy")
        except (OSError, ValueError) as e:
            raise IndexDamagedError(index_dir, f"its calibration bank cannot be read: {e}") from e
    return LoadedIndex(
        index_dir, manifest, records.notices, records.entries, arrays["embeddings"], arrays["clauses"],
        arrays["clause_owner"], dense, titles, getattr(engine, "bm25", None), tokenizer, windows, bank,
        engine=engine, rows=records.rows, centres=centres, records=records, units=units, families=families,
    )
