"""An index folder: the parsed notices, their work-point embeddings in FAISS, and a jieba BM25 index.

Layout (all plain files)::

    index/manifest.json        format, model, dimension, files with their hashes, current data folder
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
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.errors import AssistantError, IndexFolderError, IndexLockedError, UnreadableFileError
from assistant.parse.targets import sentences
from assistant.records import Notice, NoticeInfo, WorkPoint
from assistant.tokenize import Tokenizer, corpus_terms

if TYPE_CHECKING:
    from assistant.embed import Embedder

FORMAT = 2
#: A sentence longer than this is cut at its commas into clauses, each embedded on its own.
CLAUSE_CHARS = 60
log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    """What a build did: files embedded anew, kept, removed and skipped (with the reason)."""

    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
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


def corpus_files(corpus: Path) -> list[Path]:
    """Every file under a corpus folder, recursively, hidden files left out, in a stable order."""
    if not corpus.is_dir():
        raise AssistantError(f"corpus folder {corpus} does not exist: create it and put notices in it")
    return sorted(p for p in corpus.rglob("*") if p.is_file() and not any(s.startswith(".") for s in p.parts))


@contextlib.contextmanager
def write_lock(index_dir: Path, wait: float = 30.0) -> Iterator[None]:
    """Hold the index folder's writer lock; wait up to ``wait`` seconds for another writer.

    Raises:
        IndexLockedError: another process kept the lock for longer than ``wait``.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
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
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of an index folder.

    Raises:
        IndexFolderError: no index there, or a manifest this version cannot read.
    """
    path = Path(index_dir) / "manifest.json"
    if not path.exists():
        raise IndexFolderError(
            f"no index at {index_dir}: build one with `assistant build --corpus corpus --index {index_dir}`"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise IndexFolderError(f"the index manifest {path} is damaged ({e}); rebuild with `assistant build --force`") from e
    if manifest.get("format") != FORMAT:
        raise IndexFolderError(
            f"the index at {index_dir} has format {manifest.get('format')}, this version reads {FORMAT}; "
            "rebuild it with `assistant build --force`"
        )
    return manifest


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


def _load_previous(index_dir: Path, model: str) -> tuple[dict[str, Any], dict[str, tuple[Notice, Vectors]]]:
    """The previous build's notices and embeddings by file, for reuse (empty when there is none)."""
    from assistant.parse import PARSER_VERSION

    try:
        manifest = read_manifest(index_dir)
        check_model(manifest, model, index_dir)
    except IndexFolderError:
        return {}, {}
    if manifest.get("parser") != PARSER_VERSION:
        return {}, {}  # parsed by another version of the parser: read every file again
    data = index_dir / manifest["data"]
    notices = _read_items(data)
    vectors, titles = np.load(data / "embeddings.npy"), np.load(data / "titles.npy")
    clauses, owner = np.load(data / "clauses.npy"), np.load(data / "clause_owner.npy")
    out, row = {}, 0
    for notice in notices:
        n = len(notice.items)
        rows = (owner >= row) & (owner < row + n)
        out[notice.file] = (notice, (vectors[row : row + n], titles[row : row + n], clauses[rows]))
        row += n
    return manifest, out


def _read_items(data: Path) -> list[Notice]:
    with open(data / "items.jsonl", encoding="utf-8") as f:
        return [Notice.from_dict(json.loads(line)) for line in f if line.strip()]


def build_index(
    corpus: str | os.PathLike[str],
    index_dir: str | os.PathLike[str],
    embedder: Embedder,
    *,
    force: bool = False,
    progress: bool = True,
    on_progress: Callable[[str], None] | None = None,
) -> BuildReport:
    """Parse every notice under ``corpus`` and (re)write the index in ``index_dir``.

    Unchanged files (same SHA-256, same model) keep their embeddings; files that cannot be read
    are skipped with a warning naming them, and the rest is indexed.

    Args:
        corpus: folder of notices, read recursively.
        index_dir: the index folder (created if missing).
        embedder: the model; its name is recorded in the manifest.
        force: re-embed everything and replace an index built with another model.
        progress: show an embedding progress bar on stderr.
        on_progress: called with a line of text per stage (for the app).

    Raises:
        IndexFolderError: the folder holds an index built by another model and ``force`` is off.
        IndexLockedError: another process is writing the folder.
    """
    from assistant.parse import PARSER_VERSION, parse_notice

    start = time.perf_counter()
    corpus, index_dir = Path(corpus), Path(index_dir)
    say = on_progress or (lambda msg: print(msg, file=sys.stderr) if progress else None)
    report = BuildReport()
    with write_lock(index_dir):
        if (index_dir / "manifest.json").exists() and not force:
            try:
                manifest = read_manifest(index_dir)
            except IndexFolderError:
                manifest = None  # another format, or damaged: derived data, so built again from the corpus
            if manifest is not None:
                check_model(manifest, embedder.name, index_dir)
        old_manifest, previous = ({}, {}) if force else _load_previous(index_dir, embedder.name)
        old_hashes = {f: meta["sha256"] for f, meta in old_manifest.get("files", {}).items()}
        notices: list[Notice] = []
        vectors: list[Vectors | None] = []
        hashes: dict[str, dict[str, Any]] = {}
        files = corpus_files(corpus)
        say(f"reading {len(files)} files in {corpus}")
        for path in files:
            rel = path.relative_to(corpus).as_posix()
            digest = file_hash(path)
            if rel in previous and old_hashes.get(rel) == digest:
                notice, vecs = previous[rel]
                report.kept.append(rel)
            else:
                try:
                    notice = parse_notice(path)
                except UnreadableFileError as e:
                    log.warning("skipped %s: %s", path, e.reason)
                    say(f"skipped {path}: {e.reason}")
                    report.skipped.append((str(path), e.reason))
                    continue
                notice.file, vecs = rel, None
                report.added.append(rel)
            notices.append(notice)
            vectors.append(vecs)
            hashes[rel] = {"sha256": digest, "items": len(notice.items), "title": notice.doc.title}
        report.removed = sorted(set(old_hashes) - set(hashes))
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
        say("writing the index")
        data_name = _write_data(index_dir, notices, matrix, titles, clause_rows)
        manifest = {
            "format": FORMAT,
            "parser": PARSER_VERSION,
            "model": embedder.name,
            "dim": embedder.dim,
            "data": data_name,
            "items": report.items,
            "files": hashes,
            "built": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        _write_json_atomic(index_dir / "manifest.json", manifest)
        for old in index_dir.glob("data-*"):
            if old.name != data_name:
                shutil.rmtree(old, ignore_errors=True)
    report.seconds = time.perf_counter() - start
    say(report.summary())
    return report


def _write_data(
    index_dir: Path, notices: list[Notice], matrix: np.ndarray, titles: np.ndarray, clauses: np.ndarray
) -> str:
    """Write one complete data folder and return its name."""
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
    os.replace(tmp, index_dir / name)
    return name


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

    @property
    def model(self) -> str:
        return self.manifest["model"]


def load_index(index_dir: str | os.PathLike[str], model: str | None = None) -> LoadedIndex:
    """Open an index folder for search, checking the manifest before any data file.

    Args:
        index_dir: the folder ``assistant build`` wrote.
        model: the query model's name; must be the one that built the index when given.

    Raises:
        IndexFolderError: missing, damaged, of another format, or built with another model.
    """
    import bm25s
    import faiss

    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if model is not None:
        check_model(manifest, model, index_dir)
    data = index_dir / manifest["data"]
    try:
        notices = _read_items(data)
        embeddings = np.load(data / "embeddings.npy")
        clauses, clause_owner = np.load(data / "clauses.npy"), np.load(data / "clause_owner.npy")
        dense = faiss.read_index(str(data / "dense.faiss"))
        titles = faiss.read_index(str(data / "titles.faiss"))
        words = (data / "userdict.txt").read_text(encoding="utf-8").split("\n")
        bm25 = bm25s.BM25.load(str(data / "bm25")) if (data / "bm25").exists() else None
    except (OSError, ValueError, RuntimeError, json.JSONDecodeError) as e:
        raise IndexFolderError(f"the index at {index_dir} is incomplete or damaged ({e}); rebuild it with --force") from e
    entries = [(n, p) for n in notices for p in n.items]
    if (
        dense.ntotal != len(entries)
        or titles.ntotal != len(entries)
        or dense.d != manifest["dim"]
        or len(clauses) != len(clause_owner)
        or (len(entries) and sorted(set(clause_owner.tolist())) != list(range(len(entries))))
    ):
        raise IndexFolderError(f"the index at {index_dir} does not match its manifest; rebuild it with --force")
    tokenizer = Tokenizer(w for w in words if w)
    return LoadedIndex(
        index_dir, manifest, notices, entries, embeddings, clauses, clause_owner, dense, titles, bm25, tokenizer
    )
