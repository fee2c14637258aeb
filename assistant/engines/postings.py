"""Which rows hold a word, read from bm25s's vocabulary and CSC matrix without scoring a row.

bm25s keeps, per vocabulary token, the rows that hold it and their BM25 weights (``scores["indptr"]``,
``["indices"]``, ``["data"]``). The embedded engine sums those weights for a query; the answer layer asks
how many rows print a word and which ones (a topic over an archive too large to read). Both read them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

_EMPTY = np.zeros(0, np.int64)


class Postings:
    """The postings of one bm25s index (None for an index without work points: every answer is empty)."""

    def __init__(self, bm25: Any | None) -> None:
        self.bm25 = bm25
        if bm25 is None:
            self.vocabulary: Mapping[str, int] = {}
            self._indptr = self._indices = self._data = _EMPTY
        else:
            self.vocabulary = bm25.vocab_dict
            scores = bm25.scores
            self._indptr, self._indices, self._data = scores["indptr"], scores["indices"], scores["data"]

    def _id(self, token: str) -> int | None:
        t = self.vocabulary.get(token)
        return t if t is not None and t + 1 < len(self._indptr) else None

    def count(self, token: str) -> int | None:
        """How many rows hold the token; None for a token BM25 did not index."""
        t = self._id(token)
        return None if t is None else int(self._indptr[t + 1] - self._indptr[t])

    def rows(self, tokens: Iterable[str]) -> np.ndarray:
        """The rows holding any of these tokens, sorted."""
        ids = [t for t in map(self._id, tokens) if t is not None]
        parts = [np.asarray(self._indices[self._indptr[t] : self._indptr[t + 1]], dtype=np.int64) for t in ids]
        return np.unique(np.concatenate([_EMPTY, *parts]))

    def scored(self, ids: list[int], size: int) -> tuple[np.ndarray, np.ndarray]:
        """The rows holding any of these token ids (sorted) and their BM25 scores: the sum of the tokens' weights.

        ``size`` is the index's number of rows: when the postings cover an eighth of it, summing into a dense
        array is cheaper than a sort."""
        ids = [t for t in ids if t + 1 < len(self._indptr)]
        if not ids:
            return _EMPTY, np.zeros(0, np.float32)
        docs = np.concatenate([np.asarray(self._indices[self._indptr[t] : self._indptr[t + 1]]) for t in ids])
        weights = np.concatenate([np.asarray(self._data[self._indptr[t] : self._indptr[t + 1]]) for t in ids])
        if len(docs) * 8 > size:
            dense = np.bincount(docs, weights=weights, minlength=size)
            rows = np.flatnonzero(dense)
            return rows, dense[rows].astype(np.float32)
        rows, inverse = np.unique(docs, return_inverse=True)
        return rows.astype(np.int64), np.bincount(inverse, weights=weights).astype(np.float32)
