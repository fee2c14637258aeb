"""The fast path (candidates fused with the index's stored moments) against every row scored, on real indexes.

The seed + State Council index is written again as an ``hnsw`` index and as an ``ivf`` one (its vectors kept:
nothing is embedded again), and each is asked the development and held-out questions both ways.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.evaluate import eval_answers, eval_search, read_questions

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
HELDOUT = [ROOT / "benchmarks" / "heldout.jsonl", ROOT / "benchmarks" / "heldout2.jsonl"]


@pytest.fixture(scope="module", params=["hnsw", "ivf"])
def fast_index(request, full_corpus: Path, full_index: Path, tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    from assistant.index import build_index

    index = tmp_path_factory.mktemp(request.param) / "index"
    shutil.copytree(full_index, index)
    report = build_index(full_corpus, index, embedder, progress=False, kind=request.param)
    assert report.embedded == 0  # the same vectors, another engine kind
    return index


@pytest.fixture(scope="module")
def searchers(fast_index: Path, full_index: Path, embedder):
    from assistant.index import load_index
    from assistant.search import Searcher

    fast = Searcher(load_index(fast_index, model=embedder.name), embedder)
    exact = Searcher(load_index(full_index, model=embedder.name), embedder)
    assert not fast.exhaustive and exact.exhaustive
    return fast, exact


def _key(hit) -> tuple[str, str, str]:
    """A work point across two indexes of the same corpus."""
    return hit.file, hit.point.item, hit.point.text


def _questions() -> list[dict]:
    return [q for path in [DEV, *HELDOUT] for q in read_questions(path)]


def test_the_fast_path_finds_the_exhaustive_top_ten(searchers) -> None:
    fast, exact = searchers
    questions = [q["q"] for q in _questions()]
    recall = []
    for question in questions:
        want = {_key(h) for h in exact.search(question, k=10)}
        got = {_key(h) for h in fast.search(question, k=10)}
        recall.append(len(want & got) / len(want))
    assert sum(recall) / len(recall) >= 0.97


def test_the_fast_path_ranks_the_gold_as_the_exhaustive_search(searchers) -> None:
    fast, exact = searchers
    questions = _questions()
    a = eval_search(questions, lambda q: fast.search(q, k=10), "fast").rows["overall"]
    b = eval_search(questions, lambda q: exact.search(q, k=10), "exact").rows["overall"]
    assert abs(a["R@5"] - b["R@5"]) <= 0.01 and abs(a["R@1"] - b["R@1"]) <= 0.02


def test_answers_over_the_fast_path_equal_the_exhaustive_ones(searchers) -> None:
    from assistant.answering import Assistant

    questions = read_questions(DEV)
    fast, exact = (eval_answers(questions, Assistant(searcher=s).ask)["rows"]["overall"] for s in searchers)
    for key in ("R@5", "must", "ok"):
        assert abs(fast[key] - exact[key]) <= 0.01, (key, fast, exact)


def test_an_ivf_index_scores_every_row_of_its_probed_lists_exactly(searchers) -> None:
    """An ``ivf`` index reads the text and title lists a query probes whole, from the vectors in list order: each
    row's score there is its own vector's, the best rows come from those lists, and a later score of rows in and out
    of them reads the same values."""
    fast, _ = searchers
    engine = fast.engine
    if engine.kind != "ivf":
        pytest.skip("only an ivf index keeps its vectors in list order")
    assert set(engine.lists) == {"text", "title"}
    query = fast._query("农村生活垃圾怎么处理")
    for signal in ("text", "title"):
        rows, scores = engine._probe(signal, query)
        assert len(rows) and np.array_equal(rows, np.unique(rows))
        assert np.allclose(scores, engine.files[signal].dot(rows, rows + 1, query.vector), atol=1e-5)
        best, best_scores = engine.top(signal, query, 20)
        assert set(best.tolist()) <= set(rows.tolist()) and np.all(np.diff(best_scores) <= 0)
        assert best_scores[0] == scores.max()
        mixed = np.array(sorted(set(range(0, engine.size, 7)) | set(rows[:5].tolist())), dtype=np.int64)
        assert np.allclose(engine.score(signal, query, mixed), engine.files[signal].dot(mixed, mixed + 1, query.vector),
                           atol=1e-5)
    # the lists read whole are the list_nprobe nearest: reading twice as many reads a superset
    narrow = engine._probe("text", query)[0]
    engine.list_nprobe *= 2
    try:
        wider = engine._probe("text", query)[0]
    finally:
        engine.list_nprobe //= 2
    assert set(narrow.tolist()) < set(wider.tolist())


def test_an_ivf_index_asks_the_clause_signal_for_its_share_of_the_candidates(searchers) -> None:
    """Each clause candidate costs a read of all its clause vectors, so an ``ivf`` index's clause signal gives
    :data:`~assistant.engines.folder.CLAUSE_SHARE` of the candidates the others give, and never fewer than the
    fewest any signal gives (an index this small: all of them)."""
    from assistant.engines.folder import CLAUSE_SHARE
    from assistant.search import CANDIDATES

    fast, exact = searchers
    question = "农村生活垃圾怎么处理"
    if fast.engine.kind != "ivf":
        assert fast.engine.shares == {}
        pytest.skip("only an ivf index gives the clause signal a share")
    assert exact.engine.shares == {} and fast.engine.shares == {"clause": CLAUSE_SHARE}
    fetch = 3 * CANDIDATES
    wide = fast._tops(question, "hybrid", fetch)
    assert len(wide["clause"][0]) == int(fetch * CLAUSE_SHARE) < fetch
    assert np.array_equal(wide["clause"][0], fast.engine.top("clause", fast._query(question), len(wide["clause"][0]))[0])
    small = fast._tops(question, "hybrid", fast.candidates)
    assert len(small["clause"][0]) == len(small["text"][0]) == CANDIDATES


def test_a_topic_list_over_a_scope_too_large_to_read_finds_what_reading_finds(full_index: Path, embedder,
                                                                               monkeypatch) -> None:
    """A topic list over a scope above SCAN_LIMIT work points answers from BM25's postings, the unit table and the
    clause signal's best rows instead of reading every work point: forced here on the real index, it answers the
    same notice and cites nearly the same tasks."""
    from conftest import open_assistant

    import assistant.answering.services as services

    assistant = open_assistant(full_index, embedder)
    for question in ("哪些工作涉及水？分别由谁牵头？", "海东这份工作要点里哪些工作涉及农业？"):
        read = assistant.ask(question)
        monkeypatch.setattr(services, "SCAN_LIMIT", 0)
        unread = assistant.ask(question)
        monkeypatch.undo()
        assert read.kind == unread.kind == "topic"
        want = {(c.file, c.point.item) for c in read.citations}
        got = {(c.file, c.point.item) for c in unread.citations}
        assert {f for f, _ in want} == {f for f, _ in got}
        assert len(want & got) >= 0.8 * len(want) and len(want & got) >= 0.7 * len(got)
