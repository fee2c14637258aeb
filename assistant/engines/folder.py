"""The embedded engine (``"faiss"``): FAISS indexes, bm25s arrays and the fusion's statistics as files in the index folder.

Three kinds, chosen by size at build (:func:`kind_for`):

* ``flat`` (up to :data:`EXACT_MAX` work points): ``IndexFlatIP`` over the text and title vectors,
  float32 arrays read into memory; every signal is scored over every row, exactly as before.
* ``hnsw``: HNSW graphs over the text, title and clause vectors (scalar-quantised codes,
  :data:`FACTORY`) give each signal's candidates; their exact scores are read from the float16
  vectors, memory-mapped from the ``.npy`` files, so a query reads the rows it ranks and no others.
  The graphs are memory-mapped too, and a search walks them at random: at 10⁶ work points they are
  5.9 GB, and the process needs them resident.
* ``ivf`` (above :data:`GRAPH_MAX`): inverted lists of product-quantised codes (:func:`ivf_factory`: 8 dimensions a byte, about
  50 bytes a vector) held in memory give the candidates, scanning :data:`NPROBE` lists of each; the exact
  scores of the candidates are read from the float16 vectors with ``pread`` (:class:`RowFile`), so the
  vectors sit in the page cache, not in the process's memory. At 10⁶ work points the codes are 0.5 GB.
  The text and title vectors are also written in the order of their inverted lists (:data:`LISTS`), so the
  lists a query probes are read whole, a few long reads, and every row in them scored exactly: no
  codes' approximation and no read per row for those two signals (:meth:`FolderEngine._probe`, :data:`LIST_NPROBE`
  lists).

The standardisation needs each signal's mean and spread over all rows, for each query, without
scoring all rows (``moments.npz``, written at build):

* text and title cosine are linear in the vectors, so their mean and variance over the rows are
  exactly ``q·μ`` and ``qᵀΣq`` from the rows' mean ``μ`` and covariance ``Σ``;
* BM25 is zero outside the query tokens' postings, so its sums come from the postings alone;
* the closest-clause cosine is a maximum, not linear: it is measured on a fixed random sample of
  :data:`SAMPLE` work points' clauses kept in the file (about 1% error in the spread).

Files: ``embeddings.npy``, ``titles.npy``, ``clauses.npy``, ``clause_owner.npy`` (the vectors, in
row order), ``dense.faiss``, ``titles.faiss``, ``clauses.faiss`` (``hnsw`` only), ``moments.npz``
and ``bm25/`` (bm25s's own files; its CSC matrix gives the postings); an ``ivf`` index adds
``embeddings.lists.npy``, ``titles.lists.npy`` (the same vectors in list order) and ``lists.npz`` (each
list's rows and where it begins).
"""

from __future__ import annotations

import os
import weakref
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from assistant.engines import Previous, Query, Stored, lookup_sorted
from assistant.engines.postings import Postings

#: Up to this many work points the index is flat and the search exhaustive (measured with
#: benchmarks/scale.py: below it an exhaustive query costs less than the candidates' lookups).
EXACT_MAX = 20_000
#: Up to this many work points an index above :data:`EXACT_MAX` is ``hnsw``, beyond it ``ivf``: the graphs and
#: vectors an hnsw search keeps resident grow about 12.5 GiB for 10⁶ work points (peak 3.3 GiB at 10⁵, 14.5 GiB
#: at 10⁶) and pass 4 GiB here; ivf held 3.5 GiB at 10⁶ (benchmarks/scale.py). Where memory is plentiful,
#: ``--index-kind hnsw`` keeps the graphs' higher recall (0.98 against 0.975 at 10⁶).
GRAPH_MAX = 150_000
#: The FAISS index of each vector kind in an ``hnsw`` index (HNSW graph of 32 links over 8-bit codes).
FACTORY = {"text": "HNSW32,SQ8", "title": "HNSW32,SQ8", "clause": "HNSW32,SQ8"}
#: How wide the HNSW search looks (``efSearch``): at least this, and twice the hits asked for (measured with
#: benchmarks/scale.py at 3×10⁵: 256 candidates' recall@10 0.974 with 256, 0.978 with 512).
EF_SEARCH = 256
#: Clause hits asked of the clause graph per work point wanted (a work point has about seven).
CLAUSE_FETCH = 3
#: Inverted lists scanned for each signal's candidates in an ``ivf`` index (``nprobe``; see :func:`ivf_factory`).
NPROBE = 32
#: Inverted lists read whole for the text and title signals (:meth:`FolderEngine._probe`). Fewer than
#: :data:`NPROBE`: every row of them is scored exactly, and every candidate another signal gives gets its exact
#: text and title score anyway, so these lists only choose candidates. Recall@10 at 10⁶ (120 questions, clauses
#: at 32 lists): 32 lists 0.974, 24 0.974, 16 0.973, 12 0.971; search p50 99.5 ms with 32, 78.5 ms with 16
#: (``scale.py --list-nprobe``).
LIST_NPROBE = 16
#: An ``ivf`` search takes this many times the candidates asked for from the codes, scores them exactly and keeps
#: the best: the codes' approximate order alone misses some of the exact best (recall@10 at 10⁶ with 1, 2, 3, 4:
#: 0.958, 0.968, 0.975, 0.975; benchmarks/scale.py --refine). With the text and title vectors in list order
#: (:data:`LISTS`) only the clause signal goes through the codes.
REFINE = 3
#: An ``ivf`` index's clause signal gives this share of the candidates the searcher asks of each signal
#: (:attr:`FolderEngine.shares`): each of its candidates is scored by reading all its clause vectors (about seven, one
#: ``pread`` a row), where the text and title lists are read whole and BM25's postings are in memory, so its
#: candidates are most of the search's reads. Recall@10 at 10⁶ (120 questions, text and title over 16 lists) and
#: search p50 (``scale.py --clause-share 1,0.5,0.35``): share 1 0.9725 and 110 ms, 0.5 0.9717 and 76 ms, 0.35 0.9708
#: and 78 ms; 0.25 gave 0.9700. The searcher never asks fewer than :data:`assistant.search.CANDIDATES`, so below
#: 5×10⁴ work points every signal gives as many.
CLAUSE_SHARE = 0.5
#: Work points whose clauses estimate the closest-clause signal's mean and spread (about 2% error in the
#: spread, which weighs the clause signal 2% more or less; an error in the mean moves every row alike).
SAMPLE = 1024
#: Queries whose probed lists an ``ivf`` engine keeps (:meth:`FolderEngine._probe`): an answer asks a few at once.
PROBED_KEPT = 8
#: Vectors a FAISS index is trained on (an ``ivf`` index at least 64 for each inverted list).
TRAIN = 100_000
#: Rows added to a FAISS index at a time (float32 copies of the float16 memory map).
CHUNK = 65_536
#: The files besides the index's own (:data:`assistant.index.DATA_FILES`) that a data folder of this engine must hold.
REQUIRED = ("dense.faiss", "titles.faiss")
#: The build options this engine takes besides the index kind: none.
OPTIONS: dict[str, dict[str, Any]] = {}
FILES = {"text": "embeddings.npy", "title": "titles.npy", "clause": "clauses.npy"}
INDEXES = {"text": "dense.faiss", "title": "titles.faiss", "clause": "clauses.faiss"}
#: An ``ivf`` index's text and title vectors in the order of their inverted lists; ``lists.npz`` holds each list's
#: rows (``{signal}_rows``) and where each list begins (``{signal}_starts``). The clause signal is left out: its
#: lists are seven times as long, and the clause vectors' reads are bounded in the fusion instead.
LISTS = {"text": "embeddings.lists.npy", "title": "titles.lists.npy"}
LIST_ROWS = "lists.npz"


KINDS = ("flat", "hnsw", "ivf")


def kind_for(rows: int) -> str:
    """The kind of index a build of this many work points gets: flat, hnsw up to :data:`GRAPH_MAX`, ivf above."""
    return "flat" if rows <= EXACT_MAX else "hnsw" if rows <= GRAPH_MAX else "ivf"


def ivf_factory(dim: int, n: int) -> str:
    """The FAISS index of ``n`` vectors in an ``ivf`` index: a power of two near √n inverted lists (at least 16)
    over product-quantised residuals, one byte for each 8 dimensions (4 where the dimension does not divide)."""
    lists = max(16, 2 ** round(np.log2(max(n, 1) ** 0.5)))
    step = 8 if dim % 8 == 0 else 4 if dim % 4 == 0 else 1
    return f"IVF{lists},PQ{dim // step}"


def write(folder: Path, stored: Stored, kind: str | None = None, seed: int = 0, graphs: bool = True,
          previous: Previous | None = None) -> dict[str, Any]:
    """Write the vectors, the FAISS indexes, the statistics and BM25 into a data folder.

    Args:
        folder: the data folder being written.
        stored: every row's vectors (arrays or memory maps; a memory map of the destination file is kept
            as it is) and BM25 tokens.
        kind: ``"flat"``, ``"hnsw"`` or ``"ivf"``; by default by size (:func:`kind_for`).
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
    if kind not in KINDS:
        raise ValueError(f"unknown index kind {kind!r}; choose one of {', '.join(KINDS)}")
    dtype = np.float32 if kind == "flat" else np.float16
    arrays = {"text": stored.text, "title": stored.title, "clause": stored.clauses}
    for signal, rows in arrays.items():
        _save(folder / FILES[signal], rows, dtype)
    _save(folder / "clause_owner.npy", stored.clause_owner, np.int32)
    lists: dict[str, np.ndarray] = {}
    for signal, rows in arrays.items() if graphs else ():
        if kind == "flat" and signal == "clause":
            continue
        dim = rows.shape[1]
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)  # inner product equals cosine on normalised vectors
        else:
            factory = FACTORY[signal] if kind == "hnsw" else ivf_factory(dim, len(rows))
            index = faiss.index_factory(dim, factory, faiss.METRIC_INNER_PRODUCT)
            if kind == "ivf":  # a small index trains on fewer vectors than FAISS's rule of thumb: say nothing
                index.cp.min_points_per_centroid = index.pq.cp.min_points_per_centroid = 1
            sample = min(len(rows), TRAIN if kind == "hnsw" else max(TRAIN, 64 * index.nlist))
            index.train(_f32(rows[np.sort(np.random.default_rng(seed).choice(len(rows), sample, replace=False))]))
        for start in range(0, len(rows), CHUNK):
            index.add(_f32(rows[start : start + CHUNK]))
        faiss.write_index(index, str(folder / INDEXES[signal]))
        if kind == "ivf" and signal in LISTS:
            order, lists[f"{signal}_starts"] = _list_order(faiss.extract_index_ivf(index))
            lists[f"{signal}_rows"] = order.astype(np.int32)
            _save_ordered(folder / LISTS[signal], rows, order)
    if lists:
        np.savez(folder / LIST_ROWS, **lists)
    _write_moments(folder / "moments.npz", stored, seed)
    if stored.tokens:
        retriever = bm25s.BM25()
        retriever.index(stored.tokens, show_progress=False)
        retriever.save(str(folder / "bm25"))
    return {"name": "faiss", "kind": kind, "rows": n}


def _save(path: Path, rows: np.ndarray, dtype: type) -> None:
    """``rows`` as a ``.npy`` file of ``dtype``, written beside ``path`` and moved over it: the rows may be a memory
    map of ``path`` itself, or of a hard link to another index's file (``scale.py``'s reindex), which writing in
    place would truncate while they are read."""
    if isinstance(rows, np.memmap) and rows.filename and Path(rows.filename) == path and rows.dtype == dtype:
        rows.flush()
        return
    tmp = path.with_name(f".{path.name}.tmp")
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype, shape=rows.shape)
    for start in range(0, len(rows), CHUNK):
        out[start : start + CHUNK] = rows[start : start + CHUNK]
    out.flush()
    del out
    os.replace(tmp, path)


def _list_order(ivf: Any) -> tuple[np.ndarray, np.ndarray]:
    """The rows of each inverted list of an IVF index, list after list, and where each list begins (``nlist + 1``)."""
    import faiss

    lists = ivf.invlists
    sizes = np.array([lists.list_size(i) for i in range(ivf.nlist)], np.int64)
    ids = [faiss.rev_swig_ptr(lists.get_ids(i), int(size)).copy() for i, size in enumerate(sizes) if size]
    return np.concatenate([np.zeros(0, np.int64), *ids]), np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def _save_ordered(path: Path, rows: np.ndarray, order: np.ndarray) -> None:
    """``rows[order]`` as a float16 ``.npy`` file, written a chunk at a time (each chunk read in file order)."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float16, shape=(len(order), rows.shape[1]))
    for start in range(0, len(order), CHUNK):
        out[start : start + CHUNK] = _gather(rows, order[start : start + CHUNK])
    out.flush()
    del out


def _f32(rows: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(rows, dtype=np.float32)


#: Values widened to float32 at a time by :func:`_products`, in the calling thread alone (torch's threads are held
#: back for it): a block of 786,432 values (2,048 rows of 384) stays in the CPU's cache, and blocks this large cost
#: one torch call a block, not one every 85 rows. Measured over 31,000 float16 rows of 384 on this machine: 85-row
#: blocks (torch's grain size, below which it does not wake its threads) 6.1 ms, 2,048-row blocks 3.2 ms, 8,192
#: 6.6 ms; with torch's threads woken for large blocks they spin against numpy's BLAS and faiss's on two cores
#: (2,048-row blocks took 106 ms).
BLOCK_VALUES = 786_432


def _products(rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``rows @ vector`` in float32 for float16 rows, widened a block at a time into one buffer.

    The widening and the products are torch's (already loaded for the model): numpy converts float16 without the
    CPU's F16C instructions, 16 ms for 26,000 clause rows at 10⁶ work points against 1.5 ms here (search p50 at
    10⁶, ivf, page cache warm: 91 → 57 ms)."""
    if rows.dtype == np.float32 or len(rows) <= 1:
        return _f32(rows) @ vector
    import torch

    source = torch.from_numpy(np.ascontiguousarray(rows))
    query = torch.from_numpy(np.ascontiguousarray(vector, dtype=np.float32))
    out = torch.empty(len(rows), dtype=torch.float32)
    step = max(1, BLOCK_VALUES // rows.shape[1])
    block = torch.empty((min(step, len(rows)), rows.shape[1]), dtype=torch.float32)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # this thread's own setting under OpenMP: another thread's encode keeps its threads
    try:
        for at in range(0, len(rows), step):
            n = min(step, len(rows) - at)
            block[:n].copy_(source[at : at + n])
            torch.mv(block[:n], query, out=out[at : at + n])
    finally:
        torch.set_num_threads(threads)
    return out.numpy()


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
        #: Inverted lists an ``ivf`` search scans, and how many times the rows asked for a search scores exactly
        #: (1 but for ``ivf``), and the lists read whole (``scale.py --nprobe``, ``--refine``, ``--list-nprobe`` sweep them).
        self.nprobe, self.refine = NPROBE, REFINE if self.kind == "ivf" else 1
        self.list_nprobe = LIST_NPROBE
        #: Each signal's share of the candidates the searcher asks for (a signal not named: all of them).
        self.shares: dict[str, float] = {"clause": CLAUSE_SHARE} if self.kind == "ivf" else {}
        #: An ``ivf`` index reads the exact scores' vectors with ``pread`` (:class:`RowFile`), by signal.
        self.files = {s: RowFile(folder / FILES[s]) for s in FILES} if self.kind == "ivf" else {}
        flag = faiss.IO_FLAG_MMAP_IFC if mmap and self.kind == "hnsw" else 0
        self.indexes = {s: faiss.read_index(str(folder / INDEXES[s]), flag) for s in FILES if (folder / INDEXES[s]).exists()}
        with np.load(folder / "moments.npz") as f:
            self._moments = {k: f[k] for k in f.files}
        self._sample = self._moments["clause_sample"].astype(np.float32)
        self.bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=mmap and not self.exact) if (folder / "bm25").exists() else None
        self.postings = Postings(self.bm25)
        self._postings = lru_cache(maxsize=64)(self._postings_uncached)
        #: An ``ivf`` index's text and title vectors in list order, by signal: the file, each list's rows and starts,
        #: and each row's place in the file. Every read of those vectors goes there, so the page cache holds one copy.
        self.lists: dict[str, tuple[RowFile, np.ndarray, np.ndarray, np.ndarray]] = {}
        self._quantizers: dict[str, Any] = {}
        if self.kind == "ivf" and (folder / LIST_ROWS).exists():
            with np.load(folder / LIST_ROWS) as f:
                for s in LISTS:
                    if f"{s}_rows" in f.files and s in self.indexes:
                        order = f[f"{s}_rows"].astype(np.int64)
                        place = np.empty(len(order), np.int64)
                        place[order] = np.arange(len(order))
                        self.lists[s] = (RowFile(folder / LISTS[s]), order, f[f"{s}_starts"], place)
                        self._quantizers[s] = faiss.extract_index_ivf(self.indexes[s]).quantizer
        #: The last queries' probed rows (sorted) and exact scores, by :meth:`_probe_key`: the fusion reads a
        #: candidate's score from them when it lies in a probed list.
        self._probed: OrderedDict[tuple[str, int, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()

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
        if signal in self.lists:
            rows, scores = self._probe(signal, query)
            if len(rows) > k:
                best = np.argpartition(-scores, k - 1)[:k]
                rows, scores = rows[best], scores[best]
            return _ranked(rows, scores)
        fetch = int(k * self.refine)
        rows = self._graph(signal, query.vector, fetch * (CLAUSE_FETCH if signal == "clause" else 1))
        if signal == "clause":
            rows = self.clause_owner[rows]
            rows = rows[np.sort(np.unique(rows, return_index=True)[1])][:fetch]
        scores = self.score(signal, query, rows)
        if len(rows) > k:  # ivf: the codes' order is approximate, so keep the k best by exact score
            best = np.argpartition(-scores, k - 1)[:k]
            rows, scores = rows[best], scores[best]
        return _ranked(rows, scores)

    def score(self, signal: str, query: Query, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if signal == "bm25":
            inside, out = lookup_sorted(self._postings(query.tokens), rows)
            out[~inside] = 0.0
            return out
        if signal == "clause":
            return self._clause_max(query.vector, rows)
        if signal in self.lists:
            file, _, _, place = self.lists[signal]
            probed = self._probed.get(self._probe_key(signal, query))
            if probed is None:
                return file.dot(place[rows], place[rows] + 1, query.vector)
            inside, out = lookup_sorted(probed, rows)
            rest = place[rows[~inside]]
            if len(rest):
                out[~inside] = file.dot(rest, rest + 1, query.vector)
            return out
        if signal in self.files:
            return self.files[signal].dot(rows, rows + 1, query.vector)
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
        if "text" in self.lists:
            file, _, _, place = self.lists["text"]
            return file.take(place[np.asarray(rows, dtype=np.int64)])
        if self.files:
            return self.files["text"].take(np.asarray(rows, dtype=np.int64))
        return _gather(self.text, np.asarray(rows, dtype=np.int64))

    def clauses(self, row: int) -> np.ndarray:
        if self.files:
            return self.files["clause"].spans(self.starts[row : row + 1], self.starts[row + 1 : row + 2])
        return _f32(self.clause_vectors[self.starts[row] : self.starts[row + 1]])

    # ------------------------------------------------------------------ helpers
    def _graph(self, signal: str, vector: np.ndarray, k: int) -> np.ndarray:
        import faiss

        index = self.indexes[signal]
        k = min(k, index.ntotal)
        if self.kind == "ivf":
            params = faiss.SearchParametersIVF(nprobe=self.nprobe)
        else:
            params = faiss.SearchParametersHNSW(efSearch=max(EF_SEARCH, 2 * k))
        _, ids = index.search(vector[None, :].astype(np.float32), k, params=params)
        return ids[0][ids[0] >= 0].astype(np.int64)

    def _probe(self, signal: str, query: Query) -> tuple[np.ndarray, np.ndarray]:
        """Every row of the :attr:`list_nprobe` inverted lists nearest the query, sorted, and its exact score: the lists are
        read whole from the vectors in list order (one read for each run of adjacent lists). Kept for the query's
        later :meth:`score` calls."""
        key = self._probe_key(signal, query)
        probed = self._probed.get(key)
        if probed is not None:
            self._probed.move_to_end(key)
            return probed
        file, order, starts, _ = self.lists[signal]
        _, near = self._quantizers[signal].search(query.vector[None, :].astype(np.float32), self.list_nprobe)
        near = np.sort(near[0][near[0] >= 0])
        lo, hi = starts[near], starts[near + 1]
        scores = file.dot(lo, hi, query.vector)
        rows = order[_span_rows(lo, hi)]
        by_row = np.argsort(rows, kind="stable")
        probed = self._probed[key] = rows[by_row], scores[by_row]
        while len(self._probed) > PROBED_KEPT:
            self._probed.popitem(last=False)
        return probed

    def _probe_key(self, signal: str, query: Query) -> tuple[str, int, bytes]:
        """What a probe's rows depend on: the signal, how many lists are read, the query vector."""
        return signal, self.list_nprobe, query.vector.tobytes()

    def _clause_max(self, vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
        if not len(rows):
            return np.zeros(0, np.float32)
        lo, hi = self.starts[rows], self.starts[rows + 1]
        counts = hi - lo
        if self.files:
            sims = self.files["clause"].dot(lo, hi, vector)
            return np.maximum.reduceat(sims, np.cumsum(counts) - counts)
        at = _span_rows(lo, hi)
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


class RowFile:
    """The rows of a 2-D ``.npy`` file (C order), read with ``pread`` when asked for, as float32.

    A memory map would count every page a query touched in the process's resident memory and keep it mapped;
    read this way, the vectors stay in the kernel's page cache, which gives them back under pressure, and the
    process holds only what it is scoring. The kernel is told the reads are random (no read-ahead). (Mapping the
    file for each read instead measured slower: every page faults again.)
    """

    def __init__(self, path: Path) -> None:
        import builtins

        with builtins.open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = header(f)
            self.offset = f.tell()
        if len(shape) != 2 or fortran:
            raise ValueError(f"{path.name} holds an array of shape {shape}{' in Fortran order' * fortran}, not rows")
        self.path, self.shape, self.dtype = path, tuple(shape), np.dtype(dtype)
        self.row_bytes = int(shape[1]) * self.dtype.itemsize
        self._fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(self._fd, 0, 0, os.POSIX_FADV_RANDOM)

    def take(self, rows: np.ndarray) -> np.ndarray:
        """These rows, in the order given."""
        rows = np.asarray(rows, dtype=np.int64)
        return self.spans(rows, rows + 1)

    def spans(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Rows ``lo[i]:hi[i]`` of each span, concatenated in the order given."""
        buf, index = self._read(lo, hi)
        return _f32(buf if index is None else buf[index])

    def dot(self, lo: np.ndarray, hi: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """The inner product of ``vector`` with each row of the spans, in the order of :meth:`spans` (the rows are
        multiplied in the order they were read, and only the products put in order)."""
        buf, index = self._read(lo, hi)
        products = _products(buf, np.asarray(vector, np.float32))
        return products if index is None else products[index]

    def _read(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The spans' rows in file order (spans that touch in one read), and where each row asked for is in them
        (None: already in the order asked)."""
        lo, hi = np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64)
        counts = hi - lo
        total = int(counts.sum())
        if not total:
            return np.zeros((0, self.shape[1]), self.dtype), None
        if lo.min() < 0 or hi.max() > self.shape[0]:
            raise IndexError(f"rows outside the {self.shape[0]} of {self.path.name}")
        order = np.argsort(lo, kind="stable")
        slo, shi = lo[order], hi[order]
        buf = np.empty((total, self.shape[1]), self.dtype)
        view = memoryview(buf).cast("B")
        breaks = np.flatnonzero(slo[1:] != shi[:-1]) + 1
        at = 0
        for first, last in zip(slo[np.r_[0, breaks]].tolist(), shi[np.r_[breaks, len(slo)] - 1].tolist(), strict=True):
            size = (last - first) * self.row_bytes
            if size and os.preadv(self._fd, [view[at : at + size]], self.offset + first * self.row_bytes) != size:
                raise OSError(f"{self.path.name} ended before row {last}: is the index damaged?")
            at += size
        if np.array_equal(order, np.arange(len(lo))):
            return buf, None
        placed = np.empty(len(lo), np.int64)  # where each span begins in buf
        placed[order] = np.cumsum(counts[order]) - counts[order]
        begin = np.cumsum(counts) - counts  # where it begins in the answer
        return buf, np.repeat(placed - begin, counts) + np.arange(total)


def _gather(rows: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Rows of a (memory-mapped) array as float32, read in file order."""
    if not len(at):
        return np.zeros((0, rows.shape[1]), np.float32)
    order = np.argsort(at, kind="stable")
    out = np.empty((len(at), rows.shape[1]), np.float32)
    out[order] = rows[at[order]]
    return out


def _span_rows(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The rows ``lo[i]:hi[i]`` of each span, concatenated in the order given."""
    counts = hi - lo
    return np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))


def _ranked(rows: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((rows, -scores))
    return np.asarray(rows, dtype=np.int64)[order], np.asarray(scores, dtype=np.float32)[order]
