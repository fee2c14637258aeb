"""Retrieval over an index: dense (over work-point texts, their titles and their clauses), BM25, and their fusion.

Each signal is standardised over the whole index for the query (z-scores), then summed with
weights: text similarity 1, title similarity :data:`TITLE_WEIGHT`, BM25 :data:`BM25_WEIGHT`, and
the closest clause of the work point :data:`CLAUSE_WEIGHT` (a colloquial question is often about
one clause of a long task); a question in English has its own weights (:data:`ENGLISH_WEIGHTS`).
Cosine similarities of this model crowd into a narrow band (0.85–0.90), so a raw sum would let
BM25 decide alone; z-scores put the three on one scale. Measured on the development questions
(README): text-only dense misses short paraphrases and English questions whose words match a
task's title, BM25 alone misses paraphrases entirely, and BM25 at a small weight adds the exact
terms (figures, names) without letting generic words such as 治理 or 建设 take over.

Two paths give the same ranking. A small index (a flat engine) scores every row, as the signals'
arrays. A large one fuses over candidates: each signal's :func:`candidates_for` best rows from the
engine (HNSW graphs, BM25's postings), scored exactly, standardised with the engine's moments of
each signal over all rows (:meth:`assistant.engines.Engine.moments`), so a query costs what its
candidates cost, not the index size. A filter (``where``, ``rows``) is applied to the fused
candidates, fetched wider until enough pass; a short list of ``rows`` is scored row by row.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from assistant.engines import Query, lookup_sorted
from assistant.index import LoadedIndex, load_index, read_manifest
from assistant.records import Hit, Notice, WorkPoint
from assistant.tokenize import is_english

if TYPE_CHECKING:
    from assistant.embed import Embedder

#: Fusion weights of the standardised signals (chosen with `assistant eval-search --sweep`, and
#: for clauses on the development questions plus benchmarks/heldout*.jsonl: weight 1 raised
#: Recall@1 over all 122 ranked questions from 0.74 to 0.79 and Recall@5 from 0.88 to 0.91).
TITLE_WEIGHT = 0.5
BM25_WEIGHT = 0.2
CLAUSE_WEIGHT = 1.0
#: A question in English shares no word with Chinese notices, so BM25 scores only noise, and
#: cross-lingual matching holds best on short text (titles): its weights for title, BM25 and
#: clause. Measured on the 18 English questions of the dev and held-out sets: R@1 0.78 -> 0.94
#: (R@5 1.00 either way).
ENGLISH_WEIGHTS = (1.0, 0.0, 0.5)
RRF_K = 60
MODES = ("hybrid", "dense", "bm25", "rrf")
#: Candidates each signal gives the fused ranking on the fast path, up to :data:`GROWS_FROM` work points; beyond,
#: they grow as the size to the power :data:`GROWTH`, since a larger archive holds more near copies of each task
#: (its editions over the years) for the fused top ten to be drawn from. Measured with benchmarks/scale.py
#: (recall@10 of the fused ranking against scoring every row): at 3×10⁵, 128 candidates 0.949, 256 0.978,
#: 512 0.991; at 10⁶, 572 (the square root) 0.963 to 0.970 over two indexes, 1,144 0.978, 1,210 (this rule) 0.983,
#: 1,717 0.983 to 0.985 (``scale.py --candidates``).
CANDIDATES = 128
GROWS_FROM = 50_000
GROWTH = 0.75


def candidates_for(size: int) -> int:
    """How many candidates each signal gives over an index of ``size`` work points (see :data:`CANDIDATES`)."""
    return max(CANDIDATES, int(CANDIDATES * (size / GROWS_FROM) ** GROWTH))


#: The signals :meth:`Searcher._bounded` bounds instead of scoring every candidate: the closest clause reads every
#: clause vector of a row (about seven), the others one vector or the postings in memory.
BOUNDED = ("clause",)
#: How far above the last of a signal's best rows (in its standard deviations) a row missing from them may score:
#: the engines' best rows are approximate, so the bound is loosened by this much (see :meth:`Searcher._bounded`).
BOUND_SLACK = 2.0
#: A ``rows`` filter up to this many rows is scored row by row instead of through the candidates.
SCAN_ROWS = 20_000
Where = Callable[[Notice, WorkPoint], bool]


class Searcher:
    """Ranks the work points of an index for a query; the answer layer and the CLI share it."""

    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        title_weight: float = TITLE_WEIGHT,
        bm25_weight: float = BM25_WEIGHT,
        clause_weight: float = CLAUSE_WEIGHT,
        exhaustive: bool | None = None,
    ) -> None:
        """
        Args:
            index: the opened index.
            embedder: the model that built it.
            title_weight, bm25_weight, clause_weight: the fusion's weights.
            exhaustive: score every row (True) or fuse over candidates (False); by default as the
                engine is (a flat, small index is scored whole).
        """
        self.index = index
        self.engine = index.engine
        self.embedder = embedder
        self.title_weight = title_weight
        self.bm25_weight = bm25_weight
        self.clause_weight = clause_weight
        self.exhaustive = self.engine.exact if exhaustive is None else exhaustive
        #: Each signal's candidates on the fast path (:func:`candidates_for` the index's size).
        self.candidates = candidates_for(self.engine.size)
        self._encode = lru_cache(maxsize=256)(self._encode_uncached)
        self._tokens = lru_cache(maxsize=1024)(self._tokens_uncached)
        self._primed: dict[str, np.ndarray] = {}
        #: Each work point's row in the index (keyed by ``id(point)``), for the per-row arrays.
        self.rows = index.rows if len(index.rows) else {id(p): i for i, (_, p) in enumerate(index.entries)}

    @classmethod
    def open(cls, index_dir: str | os.PathLike[str], model: str | None = None, progress: bool = True) -> Searcher:
        """Open an index with the model that built it (or check that ``model`` is that model)."""
        from assistant.embed import load_embedder

        name = model or read_manifest(index_dir)["model"]
        index = load_index(index_dir, model=name)
        return cls(index, load_embedder(name, progress=progress))

    @property
    def entries(self) -> list[tuple[Notice, WorkPoint]]:
        return self.index.entries

    def _encode_uncached(self, query: str) -> np.ndarray:
        return self.embedder.encode_queries([query])[0]

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding (cached: the answer layer asks more than once)."""
        primed = self._primed.get(query)
        return primed if primed is not None else self._encode(query)

    def prime(self, queries: list[str], batch_size: int = 64) -> None:
        """Embed many queries in batches ahead of searching them (a calibration run, an eval)."""
        todo = [q for q in dict.fromkeys(queries) if q not in self._primed]
        if todo:
            self._primed.update(zip(todo, self.embedder.encode_queries(todo, batch_size=batch_size), strict=True))

    def _tokens_uncached(self, query: str) -> tuple[str, ...]:
        bm25 = self.index.bm25
        if bm25 is None:
            return ()
        vocab = bm25.vocab_dict
        return tuple(t for t in self.index.tokenizer.tokens(query) if t in vocab)

    def _query(self, query: str) -> Query:
        return Query(np.asarray(self.query_vector(query), dtype=np.float32), self._tokens(query))

    # ------------------------------------------------------------------ per-signal scores
    def dense_scores(self, query: str, field: str = "text") -> np.ndarray:
        """Cosine similarity of the query to every work point's text (or ``field="title"``), in index order."""
        return self.engine.score_all("text" if field == "text" else "title", self._query(query))

    def clause_scores(self, query: str, rows: np.ndarray | list[int] | None = None) -> np.ndarray:
        """Each work point's closest clause to the query (its cosine), in index order, or for ``rows`` only."""
        q = self._query(query)
        if rows is None:
            return self.engine.score_all("clause", q)
        return self.engine.score("clause", q, np.asarray(rows, dtype=np.int64))

    def clause_top(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` work points whose closest clause is closest to the query (approximate in a large index), best
        first, with that cosine."""
        q = self._query(query)
        return self.engine.top("clause", q, k)

    def clause_moments(self, query: str) -> tuple[float, float]:
        """Mean and standard deviation over every row of the closest-clause cosine to the query."""
        return self.engine.moments("clause", self._query(query))

    def point_clauses(self, row: int) -> np.ndarray:
        """The clause vectors of one work point (:func:`assistant.index.clause_texts` order)."""
        return self.engine.clauses(row)

    def clause_similarities_of(self, query: str, row: int) -> np.ndarray:
        """Cosine of the query to each clause of one work point."""
        return self.point_clauses(row) @ self.query_vector(query)

    def vectors(self, rows: np.ndarray | list[int]) -> np.ndarray:
        """The text vectors of these work points (float32)."""
        return self.engine.vectors(np.asarray(rows, dtype=np.int64))

    def dense_for(self, query: str, rows: np.ndarray | list[int]) -> np.ndarray:
        """Cosine of the query to the text of these work points only."""
        return self.engine.score("text", self._query(query), np.asarray(rows, dtype=np.int64))

    def bm25_scores(self, query: str) -> np.ndarray:
        """BM25 score of every work point for the query's jieba tokens (zeros when none match)."""
        return self.engine.score_all("bm25", self._query(query))

    def scores(self, query: str, mode: str = "hybrid") -> np.ndarray:
        """Scores of every work point under one of :data:`MODES` (every row is scored)."""
        if mode == "dense":
            return self.dense_scores(query)
        if mode == "bm25":
            return self.bm25_scores(query)
        dense, sparse = self.dense_scores(query), self.bm25_scores(query)
        if mode == "rrf":
            return (_rrf(dense) + _rrf(sparse)) / 2
        if mode != "hybrid":
            raise ValueError(f"unknown search mode {mode!r}; choose one of {', '.join(MODES)}")
        title, clause = self.dense_scores(query, "title"), self.clause_scores(query)
        tw, bw, cw = self._weights(query)
        return _z(dense) + tw * _z(title) + bw * _z(sparse) + cw * _z(clause)

    def _weights(self, query: str) -> tuple[float, float, float]:
        return ENGLISH_WEIGHTS if is_english(query) else (self.title_weight, self.bm25_weight, self.clause_weight)

    # ------------------------------------------------------------------ ranking
    def search(
        self,
        query: str,
        k: int = 10,
        mode: str = "hybrid",
        where: Where | None = None,
        rows: Collection[int] | np.ndarray | None = None,
    ) -> list[Hit]:
        """The ``k`` best work points for a query, optionally only those ``where`` accepts, or only these ``rows``."""
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; choose one of {', '.join(MODES)}")
        allowed = None if rows is None else _sorted_rows(rows, len(self.entries))
        if self.exhaustive or not len(self.entries):
            scores = self.scores(query, mode)
            if allowed is not None:
                order = allowed[np.argsort(-scores[allowed], kind="stable")]
            else:
                order = np.argsort(-scores, kind="stable")
            return self._hits(order, scores, k, where)
        if allowed is not None and len(allowed) <= SCAN_ROWS:
            ranked, fused = self._ranked(query, mode, allowed)
            return self._hits(ranked, fused, k, where, positions=True)
        fetch = max(self.candidates, 2 * k)
        while True:
            tops = self._tops(query, mode, fetch)
            candidates = np.unique(np.concatenate([np.zeros(0, np.int64), *(rows for rows, _ in tops.values())]))
            if allowed is not None:
                at = np.minimum(np.searchsorted(allowed, candidates), max(len(allowed) - 1, 0))
                candidates = candidates[allowed[at] == candidates] if len(allowed) else candidates[:0]
            if mode == "hybrid" and where is None:
                ranked, fused = self._bounded(query, candidates, tops, k)
            else:
                ranked, fused = self._ranked(query, mode, candidates, tops)
            hits = self._hits(ranked, fused, k, where, positions=True)
            if len(hits) >= k or fetch >= len(self.entries):
                return hits
            fetch *= 8  # a filter that lets few candidates through: look wider

    def _tops(self, query: str, mode: str, fetch: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each signal's best rows and their exact scores: ``fetch`` of them, or the engine's share of it for a signal
        whose candidates cost more (:attr:`~assistant.engines.Engine.shares`; never fewer than :data:`CANDIDATES`)."""
        q = self._query(query)
        shares = self.engine.shares
        return {signal: self.engine.top(signal, q, max(min(fetch, CANDIDATES), int(fetch * shares.get(signal, 1.0))))
                for signal, _ in self._signals(query, mode)}

    def _signals(self, query: str, mode: str) -> list[tuple[str, float]]:
        if mode == "dense":
            return [("text", 1.0)]
        if mode == "bm25":
            return [("bm25", 1.0)]
        if mode == "rrf":
            return [("text", 1.0), ("bm25", 1.0)]
        tw, bw, cw = self._weights(query)
        return [(s, w) for s, w in (("text", 1.0), ("title", tw), ("bm25", bw), ("clause", cw)) if w]

    def _ranked(
        self, query: str, mode: str, rows: np.ndarray, tops: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """These rows best first and their scores under ``mode``, standardised over the whole index (the scores
        ``tops`` already holds are not computed again)."""
        q = self._query(query)
        tops = tops or {}
        if mode == "rrf":
            fused = np.zeros(len(rows), np.float64)
            for signal, _ in self._signals(query, mode):
                ranked = tops[signal][0] if signal in tops else self.engine.top(signal, q, max(self.candidates, len(rows)))[0]
                rank = {r: i + 1 for i, r in enumerate(ranked.tolist())}
                fused += np.array([1.0 / (RRF_K + rank.get(r, len(ranked) + 1)) for r in rows.tolist()])
            fused /= 2
        else:
            fused = np.zeros(len(rows), np.float64)
            for signal, weight in self._signals(query, mode):
                scores = self._scores_of(signal, q, rows, tops.get(signal))
                if mode != "hybrid":
                    fused += scores
                    continue
                mean, std = self.engine.moments(signal, q)
                if std > 1e-9:
                    fused += weight * (scores - mean) / std
        order = np.argsort(-fused, kind="stable")
        return rows[order], fused[order].astype(np.float32)

    def _bounded(
        self, query: str, rows: np.ndarray, tops: dict[str, tuple[np.ndarray, np.ndarray]], k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best of the candidate ``rows`` under the hybrid fusion, best first, with their scores, reading
        the closest clause (:data:`BOUNDED`) only of the rows that can still reach the ``k`` best.

        A row missing from the clause signal's best rows (``tops``) scores about at most the last of them there, so
        its fused score has an upper bound (loosened by :data:`BOUND_SLACK`: the engines' best rows are
        approximate). Rows are completed best bound first, until the ``k``-th best complete score is above every
        incomplete row's bound: nearly the same ``k`` rows as scoring every candidate on every signal
        (:meth:`_ranked`), for a fraction of the reads (most candidates come from another signal and stand far
        below on this one). Measured with benchmarks/scale.py's questions over the 10⁶ ``ivf`` index: 0.998 of
        :meth:`_ranked`'s top ten, in 26 ms against 68; with no slack 0.91.
        """
        q = self._query(query)
        n = len(rows)
        partial, upper = np.zeros(n, np.float64), np.zeros(n, np.float64)
        missing: list[tuple[str, float, float, float, np.ndarray]] = []  # signal, weight, mean, std, rows' mask
        for signal, weight in self._signals(query, "hybrid"):
            mean, std = self.engine.moments(signal, q)
            if std <= 1e-9:
                continue
            if signal not in BOUNDED:
                partial += weight * (self._scores_of(signal, q, rows, tops.get(signal)) - mean) / std
                continue
            hit, values = _lookup(tops[signal], rows)
            partial[hit] += weight * (values[hit] - mean) / std
            bound = float(tops[signal][1].min()) if len(tops[signal][1]) else 0.0
            upper[~hit] += weight * ((bound - mean) / std + BOUND_SLACK)
            if not hit.all():
                missing.append((signal, weight, mean, std, ~hit))
        complete = np.ones(n, bool)
        for *_, mask in missing:
            complete &= ~mask
        upper += partial
        batch = max(4 * k, 64)
        while True:
            done = partial[complete]
            kth = np.partition(done, len(done) - k)[len(done) - k] if len(done) >= k else -np.inf
            open_ = np.flatnonzero(~complete & (upper >= kth))
            if not len(open_):
                break
            take = open_[np.argsort(-upper[open_], kind="stable")[:batch]]
            for signal, weight, mean, std, mask in missing:
                need = take[mask[take]]
                if len(need):
                    partial[need] += weight * (self.engine.score(signal, q, rows[need]) - mean) / std
                    mask[need] = False
            complete[take] = True
        kept = np.flatnonzero(complete)
        order = kept[np.argsort(-partial[kept], kind="stable")]
        return rows[order], partial[order].astype(np.float32)

    def _scores_of(
        self, signal: str, q: Query, rows: np.ndarray, known: tuple[np.ndarray, np.ndarray] | None
    ) -> np.ndarray:
        """One signal's exact scores of sorted ``rows``, reading those of ``known`` (rows, scores) from it."""
        if known is None or not len(known[0]):
            return self.engine.score(signal, q, rows)
        hit, out = _lookup(known, rows)
        if not hit.all():
            out[~hit] = self.engine.score(signal, q, rows[~hit])
        return out

    def _hits(
        self, order: np.ndarray, scores: np.ndarray, k: int, where: Where | None, positions: bool = False
    ) -> list[Hit]:
        """Hits for rows in ranked order (``scores`` by row, or by position when ``positions``)."""
        hits: list[Hit] = []
        for at in range(len(order)):
            i = int(order[at])
            notice, point = self.entries[i]
            if where is not None and not where(notice, point):
                continue
            score = scores[at] if positions else scores[i]
            hits.append(Hit(doc=notice.doc, point=point, score=float(score), file=notice.file))
            if len(hits) >= k:
                break
        return hits


def _sorted_rows(rows: Collection[int] | np.ndarray, size: int) -> np.ndarray:
    """A ``rows`` filter as sorted distinct rows, through a mask of the index's rows rather than a sort (a scope of
    half a million rows: 1 ms against 23 ms for ``np.unique``)."""
    at = rows if isinstance(rows, np.ndarray) else np.fromiter(rows, dtype=np.int64, count=len(rows))
    if len(at) and (int(at.min()) < 0 or int(at.max()) >= size):
        raise IndexError(f"rows outside the index's {size} work points")
    mask = np.zeros(size, bool)
    mask[at] = True
    return np.flatnonzero(mask)


def _lookup(known: tuple[np.ndarray, np.ndarray], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``rows`` a signal's ``known`` (rows, scores) holds, and their scores there (float32; the others
    unset)."""
    order = np.argsort(known[0])
    return lookup_sorted((known[0][order], known[1][order]), rows)


def _z(scores: np.ndarray) -> np.ndarray:
    """Standardise a score vector over the index (all zeros stay zeros)."""
    std = float(scores.std()) if scores.size else 0.0
    return (scores - scores.mean()) / std if std > 0 else np.zeros_like(scores)


def _rrf(scores: np.ndarray) -> np.ndarray:
    """Reciprocal-rank scores 1/(k + rank) of a score vector."""
    ranks = np.empty(len(scores), np.float32)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return 1.0 / (RRF_K + ranks)
