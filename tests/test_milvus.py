"""The Milvus engine end to end over Milvus Lite (a local file): build, ask, incremental update, delete of a notice.

The seed + State Council index is written again with ``engine={"name": "milvus"}`` (its vectors kept:
nothing is embedded again) into ``milvus.db`` in the index folder, and compared with the embedded engine
asked the same questions over the same candidates (its ``hnsw`` kind) and over every row (``flat``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import DEV, SEED, open_assistant

pytest.importorskip("milvus_lite")


@pytest.fixture(scope="module")
def corpus(full_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seed + State Council corpus this module may change."""
    out = tmp_path_factory.mktemp("milvus-corpus") / "corpus"
    shutil.copytree(full_corpus, out)
    return out


@pytest.fixture(scope="module")
def milvus_index(corpus: Path, full_index: Path, tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    from assistant.index import build_index

    index = tmp_path_factory.mktemp("milvus") / "index"
    shutil.copytree(full_index, index)
    report = build_index(corpus, index, embedder, progress=False, engine={"name": "milvus"})
    assert report.embedded == 0  # the same vectors, searched by another engine
    yield index
    from assistant.engines import milvus

    milvus.close()


def _manifest(index: Path) -> dict:
    return json.loads((index / "manifest.json").read_text(encoding="utf-8"))


def _count(index: Path, suffix: str = "") -> int:
    from assistant.engines import milvus

    entry = _manifest(index)["engine"]
    mc = milvus.client(str(index / entry["uri"]))
    key = "id" if suffix else "key"
    return len(mc.query(entry["collection"] + suffix, filter=f"{key} >= 0", output_fields=[key], limit=16384))


def test_the_build_writes_every_work_point_and_clause_into_milvus(milvus_index: Path) -> None:
    from assistant.index import load_index

    manifest = _manifest(milvus_index)
    assert manifest["engine"]["name"] == "milvus" and (milvus_index / "milvus.db").exists()
    index = load_index(milvus_index)
    assert index.engine.name == "milvus" and not index.engine.exact
    assert _count(milvus_index) == manifest["items"] == len(index.entries)
    assert _count(milvus_index, "_clauses") == len(index.clause_owner)


def test_ask_over_milvus_answers_and_cites(milvus_index: Path, embedder) -> None:
    answer = open_assistant(milvus_index, embedder).ask("残膜回收率要达到多少")
    assert "87%" in answer.answer
    assert answer.citations and answer.citations[0].point.item == "37"


def test_milvus_filters_by_unit_and_year(milvus_index: Path) -> None:
    """The fields a Milvus filter reads are the work points' own: a unit's rows, a notice's year."""
    from assistant.engines import milvus
    from assistant.index import load_index

    index = load_index(milvus_index)
    entry = _manifest(milvus_index)["engine"]
    mc = milvus.client(str(milvus_index / entry["uri"]))
    hits = mc.query(entry["collection"], filter='array_contains(units, "市林草局") and year == 2019',
                    output_fields=["key"], limit=16384)
    rows = set(index.engine.rows_of(np.asarray([h["key"] for h in hits])).tolist())
    want = {i for i, (n, p) in enumerate(index.entries) if "市林草局" in p.units and n.doc.year == 2019}
    assert rows == want and len(want) >= 5


def test_answers_over_milvus_equal_the_embedded_engine(
    milvus_index: Path, full_corpus: Path, full_index: Path, tmp_path_factory: pytest.TempPathFactory, embedder
) -> None:
    """Over the same candidates (the embedded engine's hnsw kind) the dev table is the same; against every row
    scored (flat) R@5 and must-hit are within 0.01, as the fast path's are."""
    from assistant.evaluate import eval_answers, read_questions
    from assistant.index import build_index

    hnsw = tmp_path_factory.mktemp("milvus-hnsw") / "index"
    shutil.copytree(full_index, hnsw)
    build_index(full_corpus, hnsw, embedder, progress=False, kind="hnsw")
    questions = read_questions(DEV)
    rows = {name: eval_answers(questions, open_assistant(index, embedder).ask)["rows"]["overall"]
            for name, index in (("milvus", milvus_index), ("hnsw", hnsw), ("flat", full_index))}
    for key in ("R@1", "R@5", "must", "ok"):
        assert abs(rows["milvus"][key] - rows["hnsw"][key]) <= 0.01, (key, rows)
    for key in ("R@5", "must"):
        assert abs(rows["milvus"][key] - rows["flat"][key]) <= 0.01, (key, rows)


def test_deleting_and_adding_a_notice_changes_only_its_entities(milvus_index: Path, corpus: Path, embedder) -> None:
    from assistant.index import build_index, load_index

    before = _count(milvus_index)
    notice = sorted((corpus / "state-council").iterdir())[0]
    kept = notice.read_bytes()
    index = load_index(milvus_index)
    items = sum(1 for n, _ in index.entries if n.file.endswith(notice.name))
    title = next(n.doc.title for n, _ in index.entries if n.file.endswith(notice.name))
    assert items > 0
    notice.unlink()
    try:
        report = build_index(corpus, milvus_index, embedder, progress=False)
        assert report.removed and report.embedded == 0
        assert _manifest(milvus_index)["engine"]["name"] == "milvus"  # a plain rebuild keeps the engine
        assert _count(milvus_index) == before - items
        answer = open_assistant(milvus_index, embedder).ask(title)
        assert all(not c.file.endswith(notice.name) for c in answer.citations)
    finally:
        notice.write_bytes(kept)
    report = build_index(corpus, milvus_index, embedder, progress=False)
    assert report.embedded == items  # only the notice put back is embedded and written to Milvus
    assert _count(milvus_index) == before
    answer = open_assistant(milvus_index, embedder).ask(title)
    assert any(c.file.endswith(notice.name) for c in answer.citations)


def test_a_plain_rebuild_of_an_unchanged_corpus_touches_nothing(milvus_index: Path, corpus: Path, embedder) -> None:
    from assistant.index import build_index

    data = _manifest(milvus_index)["data"]
    build_index(corpus, milvus_index, embedder, progress=False)
    assert _manifest(milvus_index)["data"] == data


def test_the_cli_reads_an_engine_from_its_options() -> None:
    """``assistant build`` offers each engine's own options (its module's OPTIONS) and knows the engine from them."""
    from assistant.cli import _engine_options, build_parser

    def ns(*argv: str):
        return build_parser().parse_args(["build", *argv])

    assert _engine_options(ns()) is None
    assert _engine_options(ns("--uri", "http://milvus:19530")) == {"name": "milvus", "uri": "http://milvus:19530"}
    assert _engine_options(ns("--engine", "faiss")) == {"name": "faiss"}
    assert _engine_options(ns("--analyzer", "jieba", "--collection", "c")) == {
        "name": "milvus", "analyzer": "jieba", "collection": "c"}
    with pytest.raises(SystemExit, match="--collection is an option of --engine milvus"):
        _engine_options(ns("--engine", "faiss", "--collection", "x"))
    assert SEED.exists()
