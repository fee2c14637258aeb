"""The Milvus engine (``"milvus"``): candidates from a Milvus collection, by URI (a server, a cluster or Milvus Lite).

For an archive that outgrows one machine's memory or one process. Each work point is an entity of a
rows collection: its text and title vectors, its words for Milvus's own BM25 full-text search, and the
fields a filter reads (``notice``, ``year``, ``units``: ``array_contains(units, "市水务局") and year == 2019``).
Its clauses are entities of a second collection (``<name>_clauses``: vector, owner, position). A query
asks Milvus for each signal's candidates (:meth:`~assistant.engines.Engine.top`); everything else is the
embedded engine's (:class:`~assistant.engines.folder.FolderEngine`), over the files the build leaves in
the index folder:

* the candidates' exact cosine is read from the float16/float32 vectors in the data folder, which are
  also the build's cache (an unchanged notice is not embedded again), and the fusion's statistics
  from ``moments.npz``;
* BM25's score is Milvus's, from one full-text search per question of up to :data:`BM25_FETCH` rows
  (its mean and spread over the whole index are taken from those rows: the rest score zero or near it);
* the local bm25s vocabulary gives the answer layer its word statistics, as in the embedded engine.

Entities are keyed by a hash of what a work point says (``key``), so a build writes to Milvus only the
work points of new or changed notices and deletes those of notices removed or changed (against the keys
the previous build recorded): building again after adding or deleting one notice touches that notice's
entities and nothing else.

Milvus Lite is a local file (``uri`` ending in ``.db``; by default ``milvus.db`` in the index folder) that
one process opens at a time: build, then serve, from one process at a time. The clients here are kept per
URI, so one process's build and questions share one.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from assistant.engines import Previous, Query, Stored
from assistant.engines import folder as embedded
from assistant.errors import EngineError

#: The collection used when the build names none.
COLLECTION = "assistant"
#: Rows one full-text search returns (Milvus's limit is 16,384); BM25 is zero outside the query's words.
BM25_FETCH = 4096
#: BM25's parameters, those of the embedded engine (bm25s's defaults) so both rank alike.
BM25_PARAMS = {"bm25_k1": 1.5, "bm25_b": 0.75}
#: How Milvus reads a work point's words: ``"tokens"`` (the index's own jieba tokens, with its unit names
#: and corpus terms, split on spaces by Milvus's standard analyzer) or ``"jieba"`` (Milvus's Chinese
#: analyzer over the raw text). Measured on the development set (README): see :data:`ANALYZERS`.
ANALYZER = "tokens"
ANALYZERS = {"tokens": {"tokenizer": "standard"}, "jieba": {"tokenizer": "jieba"}}
#: The data folder's files besides the index's own (the vectors and statistics, :mod:`assistant.engines.folder`).
REQUIRED = ("keys.npy",)
#: The build options (``assistant build --uri … --collection … --analyzer …``), as ``argparse`` keywords; the manifest
#: records them and a plain rebuild keeps them.
OPTIONS: dict[str, dict[str, Any]] = {
    "uri": {"help": "Milvus: a server (http://host:19530) or a Milvus Lite file (default: milvus.db in the index "
                    "folder); token in ASSISTANT_MILVUS_TOKEN"},
    "collection": {"help": f"Milvus: the collection's name (default: {COLLECTION})"},
    "analyzer": {"choices": sorted(ANALYZERS), "help": "Milvus: BM25 over the index's own jieba tokens (default) or "
                                                       "Milvus's jieba analyzer"},
}
#: Entities written in one insert call.
BATCH = 512
#: HNSW parameters of a large index's vector fields; a small one is searched exactly (FLAT).
HNSW = {"M": 32, "efConstruction": 200}

_clients: dict[tuple[str, str], Any] = {}


def kind_for(rows: int) -> str:
    """The kind of vector index a build of this many work points gets: FLAT (exact) up to the embedded engine's
    :data:`~assistant.engines.folder.EXACT_MAX`, HNSW above."""
    return "flat" if rows <= embedded.EXACT_MAX else "hnsw"


def client(uri: str, token: str = "") -> Any:
    """The process's client for a Milvus URI (one per URI: Milvus Lite lets one process open a file).

    Raises:
        EngineError: pymilvus is not installed (saying what to install), or the server is not reached.
    """
    try:
        from pymilvus import MilvusClient
    except ImportError as e:  # the engine is optional; the embedded one needs none of this
        raise EngineError("the Milvus engine needs pymilvus (and milvus-lite for a local file): "
                          "pip install -e '.[milvus]'") from e
    key = (uri, token)
    if key not in _clients:
        try:
            _clients[key] = MilvusClient(uri=uri, token=token) if token else MilvusClient(uri=uri)
        except Exception as e:  # noqa: BLE001 - pymilvus raises its own and grpc's errors
            raise EngineError(f"cannot open Milvus at {uri}: {e}. Is the server running and the URI right "
                              "(assistant build --engine milvus --uri http://host:19530)?") from e
    return _clients[key]


def close(uri: str | None = None) -> None:
    """Close the clients (of one URI, or all): a Milvus Lite file is then free for another process."""
    for key in [k for k in _clients if uri is None or k[0] == uri]:
        try:
            _clients.pop(key).close()
        except Exception:  # noqa: BLE001 - closing a client that already lost its server
            pass


def row_key(notice_key: str, position: int, title: str, words: str) -> int:
    """A work point's entity key: a 63-bit hash of its notice's key, its position and what it is searched by."""
    digest = hashlib.sha256(f"{notice_key}\x1f{position}\x1f{title}\x1f{words}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & (2**63 - 1)


def clause_key(key: int, position: int) -> int:
    """A clause's entity key: a 63-bit hash of its work point's key and its position."""
    digest = hashlib.blake2b(f"{key}:{position}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & (2**63 - 1)


def _uri(folder: Path, entry: dict[str, Any]) -> str:
    """The entry's URI; a Milvus Lite file is stored relative to the index folder (the data folder's parent)."""
    uri = entry.get("uri") or "milvus.db"
    if "://" in uri or os.path.isabs(uri):
        return uri
    return str((folder.parent / uri).resolve())


def _token(entry: dict[str, Any]) -> str:
    return os.environ.get("ASSISTANT_MILVUS_TOKEN", "") or entry.get("token", "")


def write(
    folder: Path, stored: Stored, kind: str | None = None, uri: str | None = None, collection: str | None = None,
    analyzer: str | None = None, seed: int = 0, previous: Previous | None = None,
) -> dict[str, Any]:
    """Bring the collection up to this build's rows, and write the local files (vectors, statistics, vocabulary).

    Args:
        folder: the data folder being written (its parent is the index folder).
        stored: every row's vectors, BM25 tokens and ``rows`` (key, notice, year, units).
        kind: ``"flat"`` (FLAT, exact) or ``"hnsw"`` (HNSW) vector indexes, by size by default.
        uri: a Milvus server (``http://host:19530``) or a Milvus Lite file (relative to the index folder);
            ``milvus.db`` in the index folder by default.
        collection: the rows collection's name (:data:`COLLECTION`); clauses go to ``<name>_clauses``.
        analyzer: how Milvus reads the words (:data:`ANALYZERS`).
        previous: the index's previous build: its ``keys.npy`` says what the collection holds, when it wrote to the
            same collection.

    Returns:
        The manifest's engine entry: ``{"name": "milvus", "kind", "rows", "uri", "collection", "analyzer"}``.
    """
    n = len(stored.text)
    kind = kind or kind_for(n)
    if kind not in ("flat", "hnsw"):
        raise ValueError(f"the milvus engine's index kinds are flat and hnsw, not {kind!r}")
    analyzer = analyzer or ANALYZER
    if analyzer not in ANALYZERS:
        raise ValueError(f"unknown Milvus analyzer {analyzer!r}; choose one of {', '.join(ANALYZERS)}")
    if len(stored.rows) != n:
        raise ValueError(f"{len(stored.rows)} row keys for {n} work points")
    entry = embedded.write(folder, stored, kind=kind, seed=seed, graphs=False)
    keys = np.asarray([r["key"] for r in stored.rows], dtype=np.int64)
    np.save(folder / "keys.npy", keys)
    entry = {**entry, "name": "milvus", "uri": uri or "milvus.db", "collection": collection or COLLECTION,
             "analyzer": analyzer}
    dim = stored.text.shape[1] if stored.text.ndim == 2 else 0
    _sync(client(_uri(folder, entry), _token(entry)), entry, stored, keys, dim, kind,
          _previous(folder, entry, previous))
    return entry


def _sync(mc: Any, entry: dict[str, Any], stored: Stored, keys: np.ndarray, dim: int, kind: str,
          previous: np.ndarray | None) -> None:
    """Write the rows the collection lacks and delete those this build no longer has.

    What the collection holds is what the previous build of this index wrote there (its ``keys.npy``);
    without one (a first build, a lost index folder) the collection is created afresh, so no entity of
    another build is left to take a candidate's place. Rows are upserted: a build stopped half-way and
    run again writes each entity once.
    """
    name, clauses = entry["collection"], f"{entry['collection']}_clauses"
    if previous is None:
        for collection in (name, clauses):
            if mc.has_collection(collection):
                mc.drop_collection(collection)
        previous = np.zeros(0, np.int64)
    _ensure(mc, name, clauses, dim, kind, entry["analyzer"])
    mc.load_collection(name)
    mc.load_collection(clauses)
    have, wanted = set(previous.tolist()), set(keys.tolist())
    gone = sorted(have - wanted)
    for start in range(0, len(gone), BATCH):
        chunk = gone[start : start + BATCH]
        mc.delete(name, ids=chunk)
        mc.delete(clauses, filter=f"owner in {chunk}")
    new = [i for i, k in enumerate(keys.tolist()) if k not in have]
    starts = embedded._starts(np.asarray(stored.clause_owner), len(keys))
    for start in range(0, len(new), BATCH):
        chunk = new[start : start + BATCH]
        mc.upsert(name, [_entity(stored, i, entry["analyzer"]) for i in chunk])
        mc.upsert(clauses, [
            {"id": clause_key(int(keys[i]), j), "owner": int(keys[i]), "position": j,
             "vector": np.asarray(stored.clauses[c], np.float32).tolist()}
            for i in chunk for j, c in enumerate(range(starts[i], starts[i + 1]))])
    if gone or new:
        mc.flush(name)
        mc.flush(clauses)


def _previous(folder: Path, entry: dict[str, Any], previous: Previous | None) -> np.ndarray | None:
    """The keys the previous build of this index wrote to the same collection; None when there was none."""
    before = previous.entry if previous is not None else {}
    if before.get("name") != "milvus" or _uri(folder, before) != _uri(folder, entry):
        return None
    if before.get("collection") != entry["collection"] or before.get("analyzer") != entry["analyzer"]:
        return None
    try:
        return np.load(previous.folder / "keys.npy")
    except (OSError, ValueError):
        return None


def _entity(stored: Stored, i: int, analyzer: str) -> dict[str, Any]:
    row = stored.rows[i]
    words = " ".join(stored.tokens[i]) if analyzer == "tokens" else row.get("words", " ".join(stored.tokens[i]))
    return {"key": int(row["key"]), "notice": _cut(row["notice"], 64), "year": int(row.get("year") or 0),
            "units": [_cut(u, 128) for u in row.get("units", [])][:64], "words": _cut(words, 65535),
            "text": np.asarray(stored.text[i], np.float32).tolist(),
            "title": np.asarray(stored.title[i], np.float32).tolist()}


def _cut(text: str, size: int) -> str:
    """A string cut to a VARCHAR field's size in UTF-8 bytes, at a character boundary."""
    data = text.encode("utf-8")
    return text if len(data) <= size else data[:size].decode("utf-8", errors="ignore")


def _ensure(mc: Any, name: str, clauses: str, dim: int, kind: str, analyzer: str) -> None:
    """Create the two collections, or drop and create them when their vectors are of another size."""
    from pymilvus import DataType, Function, FunctionType

    if mc.has_collection(name):
        fields = {f["name"]: f for f in mc.describe_collection(name)["fields"]}
        size = (fields.get("text", {}).get("params") or {}).get("dim")
        if size is not None and int(size) != dim:
            mc.drop_collection(name)
            if mc.has_collection(clauses):
                mc.drop_collection(clauses)
    index_type, params = ("FLAT", {}) if kind == "flat" else ("HNSW", HNSW)
    if not mc.has_collection(name):
        schema = mc.create_schema(auto_id=False)
        schema.add_field("key", DataType.INT64, is_primary=True)
        schema.add_field("notice", DataType.VARCHAR, max_length=64)
        schema.add_field("year", DataType.INT64)
        schema.add_field("units", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=64, max_length=128)
        schema.add_field("words", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
                         analyzer_params=ANALYZERS[analyzer])
        schema.add_field("text", DataType.FLOAT_VECTOR, dim=dim)
        schema.add_field("title", DataType.FLOAT_VECTOR, dim=dim)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                     input_field_names=["words"], output_field_names=["sparse"]))
        index = mc.prepare_index_params()
        for field in ("text", "title"):
            index.add_index(field, index_type=index_type, metric_type="COSINE", params=params)
        index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=BM25_PARAMS)
        mc.create_collection(name, schema=schema, index_params=index)
    if not mc.has_collection(clauses):
        schema = mc.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("owner", DataType.INT64)
        schema.add_field("position", DataType.INT64)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        index = mc.prepare_index_params()
        index.add_index("vector", index_type=index_type, metric_type="COSINE", params=params)
        mc.create_collection(clauses, schema=schema, index_params=index)


def _key(hit: Any) -> int:
    """A search hit's entity key (its primary field, ``key``)."""
    entity = hit.get("entity") or {}
    return int(entity["key"] if "key" in entity else hit["key"])


def open(folder: Path, entry: dict[str, Any], stored: Stored, mmap: bool = True) -> MilvusEngine:  # noqa: A001
    """Open the engine: the collection at the entry's URI, and the data folder's vectors and statistics."""
    return MilvusEngine(folder, entry, stored, mmap)


class MilvusEngine(embedded.FolderEngine):
    """Candidates from Milvus, exact scores and statistics from the data folder (see the module)."""

    name: ClassVar[str] = "milvus"

    def __init__(self, folder: Path, entry: dict[str, Any], stored: Stored, mmap: bool = True) -> None:
        super().__init__(folder, entry, stored, mmap)
        self.exact = False  # candidates come from Milvus whatever the size
        self.collection = entry.get("collection", COLLECTION)
        self.analyzer = entry.get("analyzer", ANALYZER)
        self.uri = _uri(folder, entry)
        self.client = client(self.uri, _token(entry))
        keys = np.load(folder / "keys.npy")
        if len(keys) != self.size:
            raise ValueError(f"keys.npy holds {len(keys)} keys for {self.size} work points")
        self._order = np.argsort(keys, kind="stable")
        self._sorted = keys[self._order]
        self.client.load_collection(self.collection)
        self.client.load_collection(f"{self.collection}_clauses")

    def rows_of(self, keys: np.ndarray) -> np.ndarray:
        """The rows of entity keys, in their order; keys this index does not hold (another build's) are dropped."""
        keys = np.asarray(keys, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted, keys), max(len(self._sorted) - 1, 0))
        known = (self._sorted[at] == keys) if len(self._sorted) else np.zeros(len(keys), bool)
        return self._order[at[known]].astype(np.int64)

    # ------------------------------------------------------------------ where the embedded engine reads FAISS or bm25s
    def _graph(self, signal: str, vector: np.ndarray, k: int) -> np.ndarray:
        """The best rows (for ``"clause"``: clause indexes) by Milvus's vector search."""
        name = self.collection if signal != "clause" else f"{self.collection}_clauses"
        field = {"text": "text", "title": "title", "clause": "vector"}[signal]
        out = ["owner", "position"] if signal == "clause" else ["key"]
        hits = self.client.search(name, [vector.astype(np.float32).tolist()], anns_field=field, limit=int(k),
                                  output_fields=out, search_params={"metric_type": "COSINE",
                                                                    "params": {"ef": embedded.EF_SEARCH}})[0]
        if signal != "clause":
            return self.rows_of(np.asarray([_key(h) for h in hits], np.int64))
        owners = np.asarray([h["entity"]["owner"] for h in hits], np.int64)
        positions = np.asarray([h["entity"]["position"] for h in hits], np.int64)
        rows = self.rows_of(owners)
        positions = positions[np.isin(owners, self._sorted)]
        return (self.starts[rows] + positions).astype(np.int64)

    def _postings_uncached(self, tokens: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Rows matching the query's words (sorted) and their BM25 scores, from one Milvus full-text search."""
        empty = np.zeros(0, np.int64), np.zeros(0, np.float32)
        if not tokens or not self.size:
            return empty
        text = " ".join(tokens) if self.analyzer == "tokens" else "".join(tokens)
        hits = self.client.search(self.collection, [text], anns_field="sparse", limit=min(self.size, BM25_FETCH),
                                  output_fields=["key"], search_params={"metric_type": "BM25"})[0]
        if not hits:
            return empty
        keys = np.asarray([_key(h) for h in hits], np.int64)
        scores = np.abs(np.asarray([h["distance"] for h in hits], np.float32))  # Milvus Lite reports BM25 negated
        known = np.isin(keys, self._sorted)
        rows, scores = self.rows_of(keys), scores[known]
        order = np.argsort(rows)
        return rows[order], scores[order]

    def score_all(self, signal: str, query: Query) -> np.ndarray:
        if signal != "bm25":
            return super().score_all(signal, query)
        out = np.zeros(self.size, np.float32)
        rows, scores = self._postings(query.tokens)
        out[rows] = scores
        return out
