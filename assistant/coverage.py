"""Whether the indexed notices answer a question at all, before anything is composed from them.

Two tests, both from measurement or the question's own wording, never from a list of topics:

* the question's *focus* on the notices (:data:`FOCUS`): a question about their subject comes
  close to one clause of its best work points and to the centre of its notice, an everyday one
  does not, even when it shares words with them;
* an errand ("护照怎么办理", "周末去哪里玩", :data:`assistant.question.PROCEDURE`) must find the thing
  it is about named in its best work points, not just the same verbs (办理, 登记).

The figure a figure question asks for is checked later, by :func:`assistant.figures.best_target`.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from assistant.question import PROCEDURE, Question
from assistant.records import Hit, Notice
from assistant.search import Searcher

#: Measured with benchmarks/calibrate.py over the development questions, a held-out
#: set of colloquial paraphrases (benchmarks/heldout.jsonl) and everyday questions
#: (benchmarks/oos_questions.txt). A question is covered when its *focus* reaches FOCUS: the cosine
#: of its closest clause among the three best work points plus its cosine to the centre of the
#: closest notice. The sentence finds the one clause a paraphrase is about ("旱厕改水厕" for
#: "茅房改成能冲水的") where the whole work point dilutes it; the notice centre tells a question
#: about the notices' subject from an everyday one that happens to share a word. Word overlap is
#: no signal here: paraphrases share as few words with the notice as everyday questions do.
#: FOCUS is the cut calibrate.py prints for refusing 1 in 100 in-scope questions (half the limit of 1
#: in 50, as a margin for questions not yet seen), rounded down; English questions match
#: Chinese text less closely and have their own cut, FOCUS_EN, just below the lowest in-scope one.
FOCUS = 1.754
FOCUS_EN = 1.545


class Coverage:
    """The out-of-scope decision over one index; built once with the :class:`~assistant.answer.Assistant`."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._centres = _centres(searcher)

    def answers(self, q: Question, hits: list[Hit], scope: list[Notice] | None = None) -> bool:
        """Whether the notices in ``scope`` (all when None) answer the question whose best work points are ``hits``."""
        if not self.covers(q, hits, scope):
            return False
        return not q.procedure or self.names_its_object(q, hits[:3])

    def covers(self, q: Question, hits: list[Hit], scope: list[Notice] | None = None) -> bool:
        """Whether the question's focus reaches the cut (:data:`FOCUS`, :data:`FOCUS_EN` in English)."""
        return self.focus(q.text, hits, scope) >= (FOCUS_EN if q.english else FOCUS)

    def focus(self, text: str, hits: list[Hit], scope: list[Notice] | None = None) -> float:
        """Cosine of the question to its closest clause in the best three hits plus to its closest notice's centre."""
        vector = self.searcher.query_vector(text)
        rows = np.isin(self.searcher.index.clause_owner, [self.searcher.rows[id(h.point)] for h in hits[:3]])
        sims = self.searcher.clause_similarities(text)[rows]
        closest = float(sims.max()) if sims.size else 0.0
        docs = {id(n.doc) for n in (scope or self.searcher.index.notices)}
        centre = max((float(v @ vector) for d, v in self._centres.items() if d in docs), default=0.0)
        return closest + centre

    @staticmethod
    def names_its_object(q: Question, hits: list[Hit]) -> bool:
        """Whether the work points name a thing the errand is about (护照, 社保卡), not only its verbs."""
        import jieba.posseg as pseg

        stem = PROCEDURE.sub(" ", q.text)
        nouns = [w for w, flag in pseg.lcut(stem) if len(w) >= 2 and flag.startswith(("n", "eng", "vn"))]
        have = " ".join(h.point.title + " " + h.point.text for h in hits).lower()
        return any(w.lower() in have for w in nouns)


def _centres(searcher: Searcher) -> dict[int, np.ndarray]:
    """Each notice's centre: the normalised mean of its work points' vectors, keyed by ``id(notice.doc)``."""
    rows: dict[int, list[int]] = defaultdict(list)
    for i, (n, _) in enumerate(searcher.entries):
        rows[id(n.doc)].append(i)
    out = {}
    for doc, ix in rows.items():
        mean = searcher.index.embeddings[ix].mean(axis=0)
        out[doc] = mean / (np.linalg.norm(mean) or 1.0)
    return out
