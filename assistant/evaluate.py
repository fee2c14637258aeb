"""Measures over a question file (see ``../shared/eval/README.md``): ranking for search, more for answers.

Gold answers name task numbers of one notice; a cited or retrieved work point counts when it
is that notice's item with that label. The notice is the seed's unless a question names another
through a ``doc`` field (its 文号).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

#: The notice the development questions are about.
DEFAULT_DOC = "东政办〔2019〕138号"
RANKED_KINDS = ("fact", "lead", "para", "en")


def read_questions(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """One question object a line; blank lines skipped."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def ranking_measures(ranked: list[str], gold: Iterable[str]) -> dict[str, float]:
    """Recall@1, Recall@5 and MRR@10 of the first gold label among ranked labels."""
    gold = set(gold)
    first = next((i for i, label in enumerate(ranked[:10]) if label in gold), None)
    return {
        "R@1": float(first == 0),
        "R@5": float(first is not None and first < 5),
        "MRR": 1.0 / (first + 1) if first is not None else 0.0,
    }


@dataclass
class SearchEval:
    """Per-kind and overall ranking measures of one search mode."""

    mode: str
    rows: dict[str, dict[str, float]]
    median_ms: float


def eval_search(
    questions: list[dict[str, Any]],
    rank: Callable[[str], list[tuple[str, str]]],
    mode: str,
) -> SearchEval:
    """Measure a ranking function returning ``[(notice number, item label), …]`` best first."""
    per_kind: dict[str, list[dict[str, float]]] = defaultdict(list)
    times = []
    for q in questions:
        if q["kind"] not in RANKED_KINDS or not q.get("gold"):
            continue
        doc = q.get("doc", DEFAULT_DOC)
        t = time.perf_counter()
        ranked = rank(q["q"])
        times.append((time.perf_counter() - t) * 1000)
        labels = [label if number == doc else f"{number}:{label}" for number, label in ranked]
        m = ranking_measures(labels, [str(g) for g in q["gold"]])
        per_kind[q["kind"]].append(m)
        per_kind["overall"].append(m)
    rows = {
        kind: {key: statistics.mean(m[key] for m in ms) for key in ("R@1", "R@5", "MRR")} | {"n": len(ms)}
        for kind, ms in per_kind.items()
    }
    return SearchEval(mode, rows, statistics.median(times) if times else 0.0)


def format_search_table(results: list[SearchEval]) -> str:
    """A plain table: one line per mode and kind."""
    lines = [f"{'mode':<8} {'kind':<8} {'n':>3} {'R@1':>6} {'R@5':>6} {'MRR@10':>7}"]
    for r in results:
        for kind in (*RANKED_KINDS, "overall"):
            if kind in r.rows:
                row = r.rows[kind]
                lines.append(
                    f"{r.mode:<8} {kind:<8} {int(row['n']):>3} {row['R@1']:>6.3f} {row['R@5']:>6.3f} {row['MRR']:>7.3f}"
                )
        lines.append(f"{r.mode:<8} median search latency {r.median_ms:.1f} ms")
    return "\n".join(lines)
