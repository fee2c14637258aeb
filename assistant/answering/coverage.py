"""Whether the indexed notices answer a question at all, before anything is composed from them.

Two tests, from measurement and from the question's own wording, never from a list of topics:

* the question's *score*: its *focus* on the notices (a question about their subject comes close
  to one clause of its best work points and to the centre of its notice; an everyday one does
  not, even when it shares words with them) less its closeness to the nearest of a bank of
  everyday questions. Where the cut lies depends on the index (one notice or five hundred, one
  subject or many), so it is set for each index when it is built (:mod:`assistant.calibration`)
  and read from the index folder; an index built without one compares the focus with :data:`FOCUS`.
* an errand ("护照怎么办理", :data:`assistant.vocab.PROCEDURE`) must find the thing it is about
  named in its best work points, not just the same verbs (办理, 登记).

The figure a figure question asks for is checked later, by the figure answerer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant import vocab
from assistant.records import Hit, Notice
from assistant.tokenize import is_english

if TYPE_CHECKING:
    from assistant.answering.context import Context
    from assistant.search import Searcher

#: The cut of an index built without a calibration (measured over the seed and the State Council
#: notices with benchmarks/calibrate.py: 1 in 100 in-scope questions refused), and its English twin.
FOCUS = 1.754
FOCUS_EN = 1.545


@dataclass
class Decision:
    """Covered or not, with the figures that decided it."""

    covered: bool
    focus: float
    cut: float
    reason: str = ""

    def detail(self) -> dict[str, Any]:
        return {"focus": round(self.focus, 3), "cut": round(self.cut, 3), "reason": self.reason}


class Coverage:
    """The out-of-scope decision over one index; built once with the answer layer."""

    def __init__(self, searcher: Searcher, anchors: np.ndarray | None = None) -> None:
        from assistant.calibration import BANK_WEIGHT

        self.searcher = searcher
        self._centres, self._centre_of = _centres(searcher)
        self.anchors = anchors if anchors is not None else getattr(searcher.index, "bank", None)
        self._weight = BANK_WEIGHT
        cuts = (searcher.index.manifest.get("calibration") or {}).get("cut") or {}
        self.calibrated = bool(cuts) and self.anchors is not None and len(self.anchors) > 0
        self.cut = float(cuts.get("zh", FOCUS)) if self.calibrated else FOCUS
        self.cut_en = float(cuts.get("en", FOCUS_EN)) if self.calibrated else FOCUS_EN

    def cut_for(self, english: bool) -> float:
        return self.cut_en if english else self.cut

    def score(self, text: str, hits: list[Hit], scope: list[Notice] | None = None) -> float:
        """The focus less the weighted cosine to the nearest everyday question of the bank (see the module)."""
        focus = self.focus(text, hits, scope)
        if self.anchors is None or not len(self.anchors):
            return focus
        nearest = float((self.anchors @ self.searcher.query_vector(text)).max())
        return focus - self._weight["en" if is_english(text) else "zh"] * nearest

    def decide(self, ctx: Context, hits: list[Hit]) -> Decision:
        """Whether the notices in the context's scope answer its question, whose best work points are ``hits``."""
        cut = self.cut_for(ctx.q.english)
        if not hits:
            return Decision(False, 0.0, cut, "nothing retrieved")
        text = ctx.search_text or ctx.q.text
        focus = self.score(text, hits, ctx.scope) if self.calibrated else self.focus(text, hits, ctx.scope)
        if focus < cut:
            return Decision(False, focus, cut, "below the index's cut")
        if ctx.q.wants("procedure") and not self.names_its_object(ctx.q.text, hits[:3]):
            return Decision(False, focus, cut, "an errand whose object no work point names")
        if ctx.q.wants("identity") and not ctx.q.wants("lead") and not self.names_its_object(ctx.q.text, hits[:3],
                                                                                            vocab.IDENTITY):
            return Decision(False, focus, cut, "a fact about a thing no work point names")
        if self.defines_unprinted(ctx):
            return Decision(False, focus, cut, "asks what a thing is that no notice prints")
        return Decision(True, focus, cut)

    @staticmethod
    def defines_unprinted(ctx: Context) -> bool:
        """A question asking what a thing is ("火星探测计划是什么") whose name holds a noun no work point of
        the index prints (火星): no notice defines it, whatever passage comes closest."""
        import jieba.posseg as pseg

        q = ctx.q
        if q.english or q.task_number is not None or q.asks - {"detail"} or not vocab.DEFINITION.search(q.text):
            return False
        stem = vocab.DEFINITION.sub(" ", q.text)
        nouns = [w for w, flag in pseg.lcut(stem) if len(w) >= 2 and flag.startswith("n") and flag not in ("ns", "nr")]
        return any(not ctx.services.printed(w) for w in nouns)

    def focus(self, text: str, hits: list[Hit], scope: list[Notice] | None = None) -> float:
        """Cosine of the question to its closest clause in the best three hits plus to its closest notice's centre."""
        vector = self.searcher.query_vector(text)
        rows = [self.searcher.rows[id(h.point)] for h in hits[:3]]
        closest = float(self.searcher.clause_scores(text, rows).max()) if rows else 0.0
        sims = self._centres @ vector
        if scope and len(scope) < len(self.searcher.index.notices):  # a scope of every notice: every centre
            sims = sims[[i for n in scope if (i := self._centre_of.get(id(n.doc))) is not None]]
        centre = float(sims.max()) if len(sims) else 0.0
        return closest + centre

    @staticmethod
    def names_its_object(text: str, hits: list[Hit], cue: re.Pattern[str] = vocab.PROCEDURE) -> bool:
        """Whether the work points name a thing the errand (or plain fact) is about (护照, 社保卡, 市长), not only
        the words that ask (补办, 是谁)."""
        import jieba.posseg as pseg

        stem = cue.sub(" ", text)
        nouns = [w for w, flag in pseg.lcut(stem)
                 if len(w) >= 2 and flag.startswith(("n", "eng", "vn")) and flag not in ("ns", "nr", "nt")]
        have = " ".join(h.point.title + " " + h.point.text for h in hits).lower()
        return any(w.lower() in have for w in nouns)


def _centres(searcher: Searcher) -> tuple[np.ndarray, dict[int, int]]:
    """The centres of the notices with work points (the normalised mean of their text vectors, stored in the
    index at build) and each one's position among them, by ``id(notice.doc)``."""
    index = searcher.index
    if index.centres is None:  # an index opened without its centres: compute them
        rows: dict[int, list[int]] = defaultdict(list)
        for i, (n, _) in enumerate(searcher.entries):
            rows[id(n.doc)].append(i)
        means = [searcher.vectors(ix).mean(axis=0) for ix in rows.values()]
        centres = np.array([m / (np.linalg.norm(m) or 1.0) for m in means], np.float32).reshape(-1, index.manifest["dim"])
        return centres, {doc: i for i, doc in enumerate(rows)}
    records = index.records
    kept = [i for i, n in enumerate(index.notices) if (len(records.rows_of(i)) if records is not None else n.items)]
    return np.asarray(index.centres[kept], np.float32), {id(index.notices[i].doc): at for at, i in enumerate(kept)}
