"""The embedded engine (``"faiss"``): FAISS indexes, bm25s arrays and the fusion's statistics as files in the index folder.

Two kinds, chosen by size at build (:func:`kind_for`):

* ``flat`` (up to :data:`EXACT_MAX` work points): ``IndexFlatIP`` over the text and title vectors,
  float32 arrays read into memory; every signal is scored over every row, exactly as before.
* ``hnsw`` (above): HNSW graphs over the text, title and clause vectors (scalar-quantised codes,
  :data:`FACTORY`) give each signal's candidates; their exact scores are read from the float16
  vectors, memory-mapped from the ``.npy`` files, so a query reads the rows it ranks and no others.

The standardisation needs each signal's mean and spread over all rows, for each query, without
scoring all rows (``moments.npz``, written at build):

* text and title cosine are linear in the vectors, so their mean and variance over the rows are
  exactly ``q·μ`` and ``qᵀΣq`` from the rows' mean ``μ`` and covariance ``Σ``;
* BM25 is zero outside the query tokens' postings, so its sums come from the postings alone;
* the closest-clause cosine is a maximum, not linear: it is measured on a fixed random sample of
  :data:`SAMPLE` work points' clauses kept in the file (about 1% error in the spread).

Files: ``embeddings.npy``, ``titles.npy``, ``clauses.npy``, ``clause_owner.npy`` (the vectors, in
row order), ``dense.faiss``, ``titles.faiss``, ``clauses.faiss`` (``hnsw`` only), ``moments.npz``
and ``bm25/`` (bm25s's own files; its CSC matrix gives the postings).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from assistant.engines import Previous, Query, Stored
from assistant.engines.postings import Postings

#: Up to this many work points the index is flat and the search exhaustive (measured with
#: benchmarks/scale.py: below it an exhaustive query costs less than the candidates' lookups).
EXACT_MAX = 20_000
#: The FAISS index of each vector kind in an ``hnsw`` index (HNSW graph of 32 links over 8-bit codes).
FACTORY = {"text": "HNSW32,SQ8", "title": "HNSW32,SQ8", "clause": "HNSW32,SQ8"}
#: How wide the HNSW search looks (``efSearch``): at least this, and twice the hits asked for (measured with
#: benchmarks/scale.py at 3×10⁵: 256 candidates' recall@10 0.974 with 256, 0.978 with 512).
EF_SEARCH = 256
#: Clause hits asked of the clause graph per work point wanted (a work point has about seven).
CLAUSE_FETCH = 3
#: Work points whose clauses estimate the closest-clause signal's mean and spread (about 2% error in the
#: spread, which weighs the clause signal 2% more or less; an error in the mean moves every row alike).
SAMPLE = 1024
#: Rows added to a FAISS index at a time (float32 copies of the float16 memory map).
CHUNK = 65_536
#: The files besides the index's own (:data:`assistant.index.DATA_FILES`) that a data folder of this engine must hold.
REQUIRED = ("dense.faiss", "titles.faiss")
#: The build options this engine takes besides the index kind: none.
OPTIONS: dict[str, dict[str, Any]] = {}
FILES = {"text": "embeddings.npy", "title": "titles.npy", "clause": "clauses.npy"}
INDEXES = {"text": "dense.faiss", "title": "titles.faiss", "clause": "clauses.faiss"}


def kind_for(rows: int) -> str:
    """The kind of index a build of this many work points gets."""
    return "flat" if rows <= EXACT_MAX else "hnsw"


def write(folder: Path, stored: Stored, kind: str | None = None, seed: int = 0, graphs: bool = True,
          previous: Previous | None = None) -> dict[str, Any]:
    """Write the vectors, the FAISS indexes, the statistics and BM25 into a data folder.

    Args:
        folder: the data folder being written.
        stored: every row's vectors (arrays or memory maps; a memory map of the destination file is kept
            as it is) and BM25 tokens.
        kind: ``"flat"`` or ``"hnsw"``; by default by size (:func:`kind_for`).
        seed: the clause sample's seed.
        graphs: write the FAISS indexes (an engine that searches elsewhere, :mod:`assistant.engines.milvus`,
            keeps only the vectors, the statistics and BM25's vocabulary).
        previous: the index's previous build; unused (every file of a data folder is written whole).

    Returns:
        The manifest's engine entry.
    """
    import bm25s
    import faiss

    n = len(stored.text)
    kind = kind or kind_for(n)
    if kind not in ("flat", "hnsw"):
        raise ValueError(f"unknown index kind {kind!r}; choose flat or hnsw")
    dtype = np.float32 if kind == "flat" else np.float16
    arrays = {"text": stored.text, "title": stored.title, "clause": stored.clauses}
    for signal, rows in arrays.items():
        _save(folder / FILES[signal], rows, dtype)
    _save(folder / "clause_owner.npy", stored.clause_owner, np.int32)
    for signal, rows in arrays.items() if graphs else ():
        if kind == "flat" and signal == "clause":
            continue
        dim = rows.shape[1]
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)  # inner product equals cosine on normalised vectors
        else:
            index = faiss.index_factory(dim, FACTORY[signal], faiss.METRIC_INNER_PRODUCT)
            index.train(_f32(rows[np.sort(np.random.default_rng(seed).choice(len(rows), min(len(rows), 100_000),
                                                                              replace=False))]))
        for start in range(0, len(rows), CHUNK):
            index.add(_f32(rows[start : start + CHUNK]))
        faiss.write_index(index, str(folder / INDEXES[signal]))
    _write_moments(folder / "moments.npz", stored, seed)
    if stored.tokens:
        retriever = bm25s.BM25()
        retriever.index(stored.tokens, show_progress=False)
        retriever.save(str(folder / "bm25"))
    return {"name": "faiss", "kind": kind, "rows": n}


def _save(path: Path, rows: np.ndarray, dtype: type) -> None:
    if isinstance(rows, np.memmap) and rows.filename and Path(rows.filename) == path and rows.dtype == dtype:
        rows.flush()
        return
    out = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=rows.shape)
    for start in range(0, len(rows), CHUNK):
        out[start : start + CHUNK] = rows[start : start + CHUNK]
    out.flush()
    del out


def _f32(rows: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(rows, dtype=np.float32)


def _write_moments(path: Path, stored: Stored, seed: int) -> None:
    """The rows' mean and covariance of text and title vectors, and the clause sample (see the module)."""
    out: dict[str, np.ndarray] = {}
    for signal, rows in (("text", stored.text), ("title", stored.title)):
        dim = rows.shape[1] if rows.ndim == 2 else 0
        total, outer = np.zeros(dim), np.zeros((dim, dim))
        for start in range(0, len(rows), CHUNK):
            chunk = np.asarray(rows[start : start + CHUNK], dtype=np.float64)
            total += chunk.sum(axis=0)
            outer += chunk.T @ chunk
        n = max(len(rows), 1)
        mean = total / n
        out[f"{signal}_mean"], out[f"{signal}_cov"] = mean, outer / n - np.outer(mean, mean)
    n = len(stored.text)
    starts = _starts(np.asarray(stored.clause_owner), n)
    sample = np.sort(np.random.default_rng(seed).choice(n, min(n, SAMPLE), replace=False)) if n else np.zeros(0, int)
    picked = [np.arange(starts[r], starts[r + 1]) for r in sample]
    at = np.concatenate([np.zeros(0, np.int64), *picked])
    out["clause_sample"] = np.asarray(stored.clauses[at], dtype=np.float16)
    out["clause_sample_starts"] = np.cumsum([0, *map(len, picked)])[:-1].astype(np.int64)
    np.savez(path, **out)


def _starts(owner: np.ndarray, n: int) -> np.ndarray:
    """Each row's first clause, and the clause count at the end (``starts[r]:starts[r + 1]`` are row r's)."""
    return np.searchsorted(owner, np.arange(n + 1)).astype(np.int64)


def open(folder: Path, entry: dict[str, Any], stored: Stored, mmap: bool = True) -> FolderEngine:  # noqa: A001
    """Open the engine over a data folder whose vectors ``stored`` holds (read or memory-mapped by the index)."""
    return FolderEngine(folder, entry, stored, mmap)


class FolderEngine:
    """The embedded engine over one data folder (see the module)."""

    name: ClassVar[str] = "faiss"

    def __init__(self, folder: Path, entry: dict[str, Any], stored: Stored, mmap: bool = True) -> None:
        import bm25s
        import faiss

        self.kind = entry.get("kind", "flat")
        self.exact = self.kind == "flat"
        self.size = len(stored.text)
        self.text, self.title, self.clause_vectors = stored.text, stored.title, stored.clauses
        self.clause_owner = stored.clause_owner
        self.starts = _starts(np.asarray(stored.clause_owner), self.size)
        flag = faiss.IO_FLAG_MMAP_IFC if mmap and not self.exact else 0
        self.indexes = {s: faiss.read_index(str(folder / INDEXES[s]), flag) for s in FILES if (folder / INDEXES[s]).exists()}
        with np.load(folder / "moments.npz") as f:
            self._moments = {k: f[k] for k in f.files}
        self._sample = self._moments["clause_sample"].astype(np.float32)
        self.bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=mmap and not self.exact) if (folder / "bm25").exists() else None
        self.postings = Postings(self.bm25)
        self._postings = lru_cache(maxsize=64)(self._postings_uncached)

    # ------------------------------------------------------------------ the interface
    def top(self, signal: str, query: Query, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if signal == "bm25":
            rows, scores = self._postings(query.tokens)
            if len(rows) > k:
                best = np.argpartition(-scores, k - 1)[:k]
                rows, scores = rows[best], scores[best]
            return _ranked(rows, scores)
        if self.exact:
            scores = self.score_all(signal, query)
            best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
            return _ranked(best, scores[best])
        rows = self._graph(signal, query.vector, k * (CLAUSE_FETCH if signal == "clause" else 1))
        if signal == "clause":
            rows = self.clause_owner[rows]
            rows = rows[np.sort(np.unique(rows, return_index=True)[1])][:k]
        return _ranked(rows, self.score(signal, query, rows))

    def score(self, signal: str, query: Query, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if signal == "bm25":
            have, scores = self._postings(query.tokens)
            out = np.zeros(len(rows), np.float32)
            at = np.searchsorted(have, rows)
            inside = at < len(have)
            inside[inside] = have[at[inside]] == rows[inside]
            out[inside] = scores[at[inside]]
            return out
        if signal == "clause":
            return self._clause_max(query.vector, rows)
        return _gather(self.text if signal == "text" else self.title, rows) @ query.vector

    def score_all(self, signal: str, query: Query) -> np.ndarray:
        if signal == "bm25":
            out = np.zeros(self.size, np.float32)
            if self.bm25 is not None and query.tokens:
                out = np.asarray(self.bm25.get_scores(list(query.tokens)), dtype=np.float32)
            return out
        if signal == "clause":
            if not len(self.clause_owner):
                return np.zeros(self.size, np.float32)
            sims = np.asarray(self.clause_vectors) @ query.vector
            return np.maximum.reduceat(sims, self.starts[:-1]) if self.size else sims
        flat = self.indexes.get(signal) if self.exact else None
        if flat is None:
            rows = self.text if signal == "text" else self.title
            return np.concatenate([np.zeros(0, np.float32), *(
                _f32(rows[s : s + CHUNK]) @ query.vector for s in range(0, self.size, CHUNK))])
        scores, ids = flat.search(query.vector[None, :].astype(np.float32), self.size)
        out = np.zeros(self.size, np.float32)
        out[ids[0]] = scores[0]
        return out

    def moments(self, signal: str, query: Query) -> tuple[float, float]:
        if signal == "bm25":
            _, scores = self._postings(query.tokens)
            n = max(self.size, 1)
            mean = float(scores.sum(dtype=np.float64)) / n
            var = float(np.square(scores, dtype=np.float64).sum()) / n - mean * mean
            return mean, max(var, 0.0) ** 0.5
        if signal == "clause":
            if not len(self._sample):
                return 0.0, 0.0
            sims = np.maximum.reduceat(self._sample @ query.vector, self._moments["clause_sample_starts"])
            return float(sims.mean()), float(sims.std())
        q = query.vector.astype(np.float64)
        mean = float(self._moments[f"{signal}_mean"] @ q)
        var = float(q @ self._moments[f"{signal}_cov"] @ q)
        return mean, max(var, 0.0) ** 0.5

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        return _gather(self.text, np.asarray(rows, dtype=np.int64))

    def clauses(self, row: int) -> np.ndarray:
        return _f32(self.clause_vectors[self.starts[row] : self.starts[row + 1]])

    # ------------------------------------------------------------------ helpers
    def _graph(self, signal: str, vector: np.ndarray, k: int) -> np.ndarray:
        import faiss

        index = self.indexes[signal]
        k = min(k, index.ntotal)
        params = faiss.SearchParametersHNSW(efSearch=max(EF_SEARCH, 2 * k))
        _, ids = index.search(vector[None, :].astype(np.float32), k, params=params)
        return ids[0][ids[0] >= 0].astype(np.int64)

    def _clause_max(self, vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        if not len(rows):
            return np.zeros(0, np.float32)
        lo, hi = self.starts[rows], self.starts[rows + 1]
        counts = hi - lo
        at = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        order = np.argsort(at, kind="stable")  # read the memory map in file order
        sims = np.empty(len(at), np.float32)
        sims[order] = _f32(self.clause_vectors[at[order]]) @ vector
        return np.maximum.reduceat(sims, np.cumsum(counts) - counts)

    def _postings_uncached(self, tokens: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The rows the query's tokens occur in (sorted) and their BM25 scores, from bm25s's postings."""
        empty = np.zeros(0, np.int64), np.zeros(0, np.float32)
        if self.bm25 is None or not tokens:
            return empty
        ids = self.bm25.get_tokens_ids(list(tokens))
        if not ids:
            return empty
        if self.bm25.nonoccurrence_array is not None:  # a variant that scores every row: no postings to read
            scores = np.asarray(self.bm25.get_scores(ids), dtype=np.float32)
            return np.arange(self.size), scores
        return self.postings.scored(ids, self.size)


def _gather(rows: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Rows of a (memory-mapped) array as float32, read in file order."""
    if not len(at):
        return np.zeros((0, rows.shape[1]), np.float32)
    order = np.argsort(at, kind="stable")
    out = np.empty((len(at), rows.shape[1]), np.float32)
    out[order] = rows[at[order]]
    return out


def _ranked(rows: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((rows, -scores))
    return np.asarray(rows, dtype=np.int64)[order], np.asarray(scores, dtype=np.float32)[order]
