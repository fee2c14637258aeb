"""Where an index stops answering: the cut between answering and refusing, set for each index from itself.

A question is in scope when it comes close to one clause of its best work points and to the
centre of its notice (its *focus*, :meth:`assistant.answering.coverage.Coverage.focus`) and
closer to the index than to everyday questions: its *score* is the focus less the cosine to the
nearest of a bank of everyday and nonsense questions shipped with the package
(``assistant/data/offtopic.txt``), weighted by :data:`BANK_WEIGHT`. Where the cut lies depends on
the index (one notice on one subject, or five hundred on every subject), so it is measured on each
index when it is built:

* the bank (the *anchors*) is kept in the index for the score; each half of it is scored against
  the other half as unseen everyday questions, and the cut refuses :data:`BANK_REFUSED` of them;
* questions made from the index's own clauses (:func:`probes`) cap the cut where it would refuse
  more than :data:`PROBES_REFUSED` of them.

Measured on the development questions (benchmarks/calibrate.py; seed index and seed + State
Council + local reports): the score separates in-scope from held-out everyday questions with
AUC 0.99 in Chinese (0.986 for the focus alone) and 0.99 in English, where the focus alone does
not separate them at all (0.42): cross-lingual cosines to Chinese clauses crowd into one band,
while an everyday English question is close to the bank's English questions.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.tokenize import is_english

if TYPE_CHECKING:
    from assistant.search import Searcher

#: Share of the held-out half of the bank the cut refuses on the score alone (the errand, figure and
#: scope gates refuse more).
BANK_REFUSED = 0.95
#: Share of the index's own probe questions the Chinese cut may refuse at most.
PROBES_REFUSED = 0.02
#: Weight of the nearest bank question's cosine in the score, by language (measured; see the module).
BANK_WEIGHT = {"zh": 1.0, "en": 2.0}
#: How many work points the probes are made from (at most; spread over the whole index).
PROBES = 240
#: Up to this many work points the probes are drawn from all of them; above, rows are drawn first.
SAMPLE_FROM_ALL = 50_000
_FRAMES_ZH = ("要达到多少", "由谁牵头", "有什么要求", "是怎么安排的", "具体要做什么", "的目标是什么")
_VERBISH = re.compile(r"^(推进|加快|加强|实施|开展|完成|推动|深化|落实|健全|建立|全面|持续|积极|大力|进一步|着力|坚持)")


@dataclass
class Calibration:
    """An index's cuts, the anchor questions' vectors the score reads, and the figures they came from."""

    cuts: dict[str, float]
    anchors: np.ndarray
    detail: dict[str, Any]

    def to_manifest(self) -> dict[str, Any]:
        return {"cut": self.cuts, "bank": bank_hash(), **self.detail}


def bank() -> list[str]:
    """The shipped off-topic questions, one a line."""
    text = resources.files("assistant").joinpath("data/offtopic.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def bank_hash() -> str:
    return hashlib.sha256("\n".join(bank()).encode("utf-8")).hexdigest()[:16]


def split_bank(questions: list[str]) -> tuple[list[str], list[str]]:
    """The bank in two fixed halves: anchors (kept in the index) and the held-out half the cut is set on."""
    order = list(range(len(questions)))
    random.Random(1).shuffle(order)
    half = len(order) // 2
    return [questions[i] for i in order[:half]], [questions[i] for i in order[half:]]


def probes(searcher: Searcher, n: int = PROBES, seed: int = 0) -> list[str]:
    """Questions made from the index's own clauses: two to four content words of one clause of a work
    point (not a verb of the 推进/加强 kind) in a question frame ("…要达到多少", "…由谁牵头")."""
    from assistant.index import clause_texts

    rng = random.Random(seed)
    if len(searcher.entries) <= SAMPLE_FROM_ALL:
        entries = [(n_, p) for n_, p in searcher.entries if p.item != "导语" and p.text.strip()]
        picked = entries if len(entries) <= n else rng.sample(entries, n)
    else:  # a large index: draw rows first, so only the notices drawn are read (assistant.store)
        drawn = (searcher.entries[i] for i in rng.sample(range(len(searcher.entries)), 4 * n))
        picked = [(n_, p) for n_, p in drawn if p.item != "导语" and p.text.strip()][:n]
    out = []
    tokenizer = searcher.index.tokenizer
    for i, (_, p) in enumerate(picked):
        clauses = [c for c in clause_texts(p) if len(c) >= 6] or clause_texts(p)
        clause = rng.choice(clauses)
        words = [w for w in tokenizer.words_of(clause) if not re.fullmatch(r"[\d.%]+", w) and not _VERBISH.match(w)]
        if not words:
            continue
        start = rng.randrange(max(1, len(words) - 2))
        out.append("".join(words[start : start + rng.randint(2, 4)]) + _FRAMES_ZH[i % len(_FRAMES_ZH)])
    return out


def scores(searcher: Searcher, questions: list[str], anchors: np.ndarray) -> np.ndarray:
    """Each question's score over the whole index (focus less the weighted nearest anchor), as the answer layer reads it."""
    from assistant.answering.coverage import Coverage

    if not questions:
        return np.zeros(0)
    searcher.prime(questions)
    coverage = Coverage(searcher, anchors=anchors)
    return np.array([coverage.score(q, searcher.search(q, k=3)) for q in questions])


def calibrate(searcher: Searcher, bank_vectors: np.ndarray | None = None) -> Calibration:
    """Set the index's cuts (see the module).

    The whole bank is kept as anchors. The bank's own scores are cross-fitted: each half is scored
    against the other half's anchors, so no question is scored against itself or its near twins.

    Args:
        searcher: a searcher over the freshly built index.
        bank_vectors: the bank's query vectors when a previous build of the same model and bank has them.
    """
    questions = bank()
    if bank_vectors is None or len(bank_vectors) != len(questions):
        bank_vectors = searcher.embedder.encode_queries(questions, batch_size=64)
    vectors = dict(zip(questions, bank_vectors, strict=True))
    searcher.prime(questions)
    searcher._primed.update(vectors)
    half_a, half_b = split_bank(questions)
    outside: dict[str, list[float]] = {"zh": [], "en": []}
    for scored, against in ((half_a, half_b), (half_b, half_a)):
        anchors = np.stack([vectors[q] for q in against])
        for lang in ("zh", "en"):
            outside[lang] += scores(searcher, [q for q in scored if is_english(q) == (lang == "en")], anchors).tolist()
    inside = scores(searcher, probes(searcher), np.asarray(bank_vectors))
    cuts: dict[str, float] = {}
    detail: dict[str, Any] = {}
    for lang in ("zh", "en"):
        values = np.asarray(outside[lang])
        cut = float(np.quantile(values, BANK_REFUSED)) if len(values) else 0.0
        if lang == "zh" and len(inside):
            # Probes are Chinese: English questions share no word with them, so only the Chinese cut leans on them.
            cut = min(cut, float(np.quantile(inside, PROBES_REFUSED)))
            detail["probes"] = {"n": len(inside), "p2": round(float(np.quantile(inside, 0.02)), 4)}
        cuts[lang] = round(cut, 4)
        detail[f"bank_{lang}"] = {"n": len(values), "p95": round(float(np.quantile(values, 0.95)), 4) if len(values) else None}
    return Calibration(cuts, np.asarray(bank_vectors, np.float32), detail)
