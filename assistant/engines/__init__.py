"""Search engines behind one interface: where an index's four signals are stored and searched.

An engine holds, for every work point (a *row*), the four signals :mod:`assistant.search` fuses:
cosine to its text (``"text"``), to its section and title (``"title"``), to its closest clause
(``"clause"``) and its BM25 score over jieba tokens (``"bm25"``). It answers five questions about
them, and :class:`~assistant.search.Searcher` needs nothing else:

* :meth:`Engine.top` — the ``k`` best rows of one signal (approximate where the engine is);
* :meth:`Engine.score` — the exact score of listed rows;
* :meth:`Engine.score_all` — every row's score (``assistant eval-search``, and the exact path);
* :meth:`Engine.moments` — the mean and standard deviation of a signal over all rows, without
  scoring them all (the fusion's standardisation);
* :meth:`Engine.vectors` / :meth:`Engine.clauses` — the stored text and clause vectors of rows.

Engines are named in the manifest (``"engine": {"name": "faiss", ...}``) and registered in
:data:`ENGINES` by module; each module has ``write(folder, stored, previous, **options) -> dict`` (the
manifest entry), ``open(folder, entry, stored, mmap) -> Engine``, ``kind_for(rows) -> str`` (the index kind a
build of that size gets by default), ``REQUIRED`` (the data files it must find), and ``OPTIONS`` (the build
options it takes, :func:`options_of`). The default is the embedded one, :mod:`assistant.engines.folder`: FAISS and bm25s files in the
index folder; :mod:`assistant.engines.milvus` asks a Milvus server, cluster or Milvus Lite file for the
candidates.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar, Protocol

import numpy as np

#: The signals an engine scores, in the order the fusion weighs them.
SIGNALS = ("text", "title", "clause", "bm25")
#: Engine name → the module implementing it.
ENGINES: dict[str, str] = {"faiss": "assistant.engines.folder", "milvus": "assistant.engines.milvus"}
DEFAULT = "faiss"


@dataclass(frozen=True)
class Query:
    """A query as the engines see it: its embedding and its BM25 tokens (repeats kept: BM25 counts them)."""

    vector: np.ndarray
    tokens: tuple[str, ...] = ()


@dataclass
class Stored:
    """What a build hands an engine: every row's vectors (arrays or memory maps) and BM25 tokens.

    ``clause_owner[i]`` is the row of clause ``i``; a row's clauses are contiguous and in row order.
    """

    text: np.ndarray
    title: np.ndarray
    clauses: np.ndarray
    clause_owner: np.ndarray
    tokens: list[list[str]]
    #: Per row, what an engine that keeps rows by key and filters them needs (:mod:`assistant.engines.milvus`):
    #: ``{"key", "notice", "year", "units"}``; empty when opening an index.
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Previous:
    """The build an index held before this one: its engine entry and its data folder. An engine that keeps rows
    elsewhere (a Milvus collection) reads from it what it wrote there, to write only what changed."""

    entry: dict[str, Any]
    folder: Path


class Engine(Protocol):
    """The search side of an index (see the module)."""

    name: ClassVar[str]
    #: How many rows (work points) it holds.
    size: int
    #: True when ``top`` and ``moments`` are exhaustive: the searcher then scores every row, as exactly as before.
    exact: bool
    #: Each signal's share of the candidates the searcher asks of every signal on the fast path, where one signal's
    #: candidates cost more to score than another's (a signal not named: all of them).
    shares: dict[str, float]

    def top(self, signal: str, query: Query, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best rows for one signal and their exact scores, best first."""
        ...

    def score(self, signal: str, query: Query, rows: np.ndarray) -> np.ndarray:
        """The exact score of each listed row."""
        ...

    def score_all(self, signal: str, query: Query) -> np.ndarray:
        """Every row's score, in row order."""
        ...

    def moments(self, signal: str, query: Query) -> tuple[float, float]:
        """Mean and standard deviation of the signal over every row."""
        ...

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The text vectors of these rows (float32)."""
        ...

    def clauses(self, row: int) -> np.ndarray:
        """The clause vectors of one row (float32)."""
        ...


def lookup_sorted(known: tuple[np.ndarray, np.ndarray], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``rows`` the sorted rows of ``known`` (rows, scores) hold, and their scores there (float32; the
    others unset)."""
    have, values = known
    out = np.empty(len(rows), np.float32)
    if not len(have):
        return np.zeros(len(rows), bool), out
    at = np.minimum(np.searchsorted(have, rows), len(have) - 1)
    inside = have[at] == rows
    out[inside] = values[at[inside]]
    return inside, out


def entry_of(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest's engine entry (``{"name": ..., options}``)."""
    entry = manifest.get("engine") or {"name": DEFAULT}
    return {"name": entry} if isinstance(entry, str) else dict(entry)


def module(name: str) -> ModuleType:
    """The module implementing an engine.

    Raises:
        ValueError: no engine of that name, with the names there are.
    """
    if name not in ENGINES:
        raise ValueError(f"unknown search engine {name!r}; choose one of {', '.join(sorted(ENGINES))}")
    return importlib.import_module(ENGINES[name])


def options_of(name: str) -> dict[str, dict[str, Any]]:
    """The build options an engine takes (``OPTIONS`` of its module: name → ``argparse`` keywords, help included);
    ``assistant build`` offers them and the manifest records them."""
    return dict(getattr(module(name), "OPTIONS", {}))


def write_engine(folder: Path, stored: Stored, name: str = DEFAULT, previous: Previous | None = None,
                 **options: Any) -> dict[str, Any]:
    """Store the signals in a data folder with the named engine (``previous``: the index's build before this one);
    returns the manifest's engine entry."""
    return module(name).write(folder, stored, previous=previous, **options)


def open_engine(folder: Path, manifest: dict[str, Any], stored: Stored, mmap: bool = True) -> Engine:
    """Open the engine a manifest names over its data folder, whose vectors ``stored`` holds (as the index read them)."""
    entry = entry_of(manifest)
    return module(entry["name"]).open(folder, entry, stored, mmap=mmap)
