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


def _must_hit(answer_text: str, must: list) -> bool:
    """Every entry must appear in the answer; an inner list is satisfied by any one of its strings."""
    return all(any(s in answer_text for s in m) if isinstance(m, list) else m in answer_text for m in must)


def eval_answers(questions: list[dict[str, Any]], ask: Callable[[str], Any]) -> dict[str, Any]:
    """Answer every question and compute the README's measures per kind and overall.

    Args:
        questions: question objects with ``kind``, ``q``, ``gold``, optional ``any`` and ``must``.
        ask: question → :class:`~assistant.records.Answer`.

    Returns:
        ``{"rows": {kind: {measure: value}}, "latency": {...}, "failures": [...]}``.
    """
    per_kind: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    times, failures = [], []
    for q in questions:
        t = time.perf_counter()
        answer = ask(q["q"])
        times.append((time.perf_counter() - t) * 1000)
        doc = q.get("doc", DEFAULT_DOC)
        cited = [c.point.item if c.doc.number == doc else f"{c.doc.number}:{c.point.item}" for c in answer.citations]
        gold = [str(g) for g in q.get("gold", [])]
        row = per_kind[q["kind"]]
        ok = True
        if q["kind"] in RANKED_KINDS and gold:
            m = ranking_measures(cited, gold)
            for key, value in m.items():
                row[key].append(value)
            ok = m["R@1"] == 1.0
        if q["kind"] == "set":
            allowed = set(gold) | {str(a) for a in q.get("any", [])}
            recall = len(set(gold) & set(cited)) / len(gold) if gold else 1.0
            precision = len([c for c in cited if c in allowed]) / len(cited) if cited else 0.0
            row["recall"].append(recall)
            row["precision"].append(precision)
            ok = recall == 1.0 and precision == 1.0
        if q.get("must"):
            hit = _must_hit(answer.answer, q["must"])
            row["must"].append(float(hit))
            ok = ok and hit
        if q["kind"] == "oos":
            correct = not answer.found and not answer.citations
            row["oos_ok"].append(float(correct))
            ok = correct
        else:
            row["refused"].append(float(not answer.found))
            ok = ok and answer.found
        if not ok:
            failures.append({"id": q.get("id"), "kind": q["kind"], "q": q["q"], "cited": cited[:6], "found": answer.found,
                             "answer": answer.answer[:160]})
    rows: dict[str, dict[str, float]] = {}
    overall: dict[str, list[float]] = defaultdict(list)
    for kind, measures in per_kind.items():
        rows[kind] = {key: statistics.mean(values) for key, values in measures.items()}
        rows[kind]["n"] = max(len(v) for v in measures.values())
        for key, values in measures.items():
            overall[key] += values
    rows["overall"] = {key: statistics.mean(values) for key, values in overall.items()} | {"n": len(questions)}
    times.sort()
    latency = {
        "median_ms": statistics.median(times) if times else 0.0,
        "p95_ms": times[min(len(times) - 1, int(0.95 * len(times)))] if times else 0.0,
    }
    return {"rows": rows, "latency": latency, "failures": failures}


def format_answer_table(result: dict[str, Any]) -> str:
    """The answer measures as a plain table, one line per kind."""
    cols = ["R@1", "R@5", "MRR", "recall", "precision", "must", "oos_ok", "refused"]
    lines = [f"{'kind':<8} {'n':>3} " + " ".join(f"{c:>9}" for c in cols)]
    order = [*RANKED_KINDS, "set", "meta", "oos"]
    for kind in [*order, *(k for k in result["rows"] if k not in order and k != "overall"), "overall"]:
        row = result["rows"].get(kind)
        if row:
            cells = " ".join(f"{row[c]:>9.3f}" if c in row else f"{'—':>9}" for c in cols)
            lines.append(f"{kind:<8} {int(row['n']):>3} {cells}")
    lat = result["latency"]
    lines.append(f"latency per question after load: median {lat['median_ms']:.1f} ms, p95 {lat['p95_ms']:.1f} ms")
    return "\n".join(lines)
