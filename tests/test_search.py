"""Retrieval on the real index over the seed and all 50 State Council notices."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DEV

from assistant.evaluate import eval_search, read_questions
from assistant.search import MODES

SEED_NUMBER = "东政办〔2019〕138号"


def test_hits_carry_notice_item_path_units_and_score(full_searcher):
    hit = full_searcher.search("残膜回收率", k=3)[0]
    d = hit.to_dict()
    assert (d["doc"]["number"], d["item"]) == (SEED_NUMBER, "37")
    assert d["doc"]["title"].startswith("海东市人民政府办公室关于印发")
    assert d["path"] == ["一、重点任务及责任分工", "(四)加强环境综合整治"]
    assert d["lead"] == ["市农业农村局"] and "各县区人民政府" in d["responsible"]
    assert isinstance(d["score"], float)


@pytest.mark.parametrize(
    ("query", "number", "item"),
    [
        ("地膜造成的白色污染", SEED_NUMBER, "37"),  # a paraphrase: few shared words
        ("Who leads the forest protection work?", SEED_NUMBER, "10"),  # English
        ("失业保险金", "国发〔2018〕39号", "（十）"),
        ("专利代理师资格考试", "国务院令第706号", "第十条"),
        ("农机作业配套设施", "国发〔2018〕42号", "（十五）"),
    ],
)
def test_hybrid_search_ranks_the_right_work_point_first(full_searcher, query, number, item):
    hit = full_searcher.search(query, k=1)[0]
    assert (hit.doc.number, hit.point.item) == (number, item)


def test_dense_matches_brute_force_cosine(full_searcher):
    """FAISS inner product over normalised vectors is the plain cosine top-k."""
    q = full_searcher.query_vector("黄河两岸生态综合治理")
    brute = full_searcher.index.embeddings @ q
    assert np.allclose(np.sort(full_searcher.dense_scores("黄河两岸生态综合治理"))[::-1][:10], np.sort(brute)[::-1][:10], atol=1e-5)


def test_where_filter_confines_hits(full_searcher):
    hits = full_searcher.search("就业", k=5, where=lambda n, p: n.doc.number == SEED_NUMBER)
    assert hits and all(h.doc.number == SEED_NUMBER for h in hits)


def test_fusion_is_at_least_as_good_as_each_signal_on_dev(full_searcher):
    """The chosen fusion against dense-only and BM25-only on the development questions."""
    questions = read_questions(DEV)
    rows = {}
    for mode in MODES:
        res = eval_search(questions, lambda q, m=mode: full_searcher.search(q, mode=m), mode)
        rows[mode] = res.rows["overall"]
    assert rows["hybrid"]["MRR"] >= max(rows["dense"]["MRR"], rows["bm25"]["MRR"])
    assert rows["hybrid"]["R@5"] >= 0.95
