"""Measures over a question file: ranking for search, and for answers the measures per kind.

Two ways of giving the gold are read (``../shared/eval/README.md`` and ``README-local.md``):

* by task number: ``gold``/``any`` list task labels of one notice, the seed's unless a ``doc``
  field names another by its 文号 (``dev.jsonl``);
* by file and needle: ``xgold`` (``[{"file", "needle"}]``, alternatives) or ``file`` with
  ``gold_needles``/``any_needles``; a cited work point hits one when it comes from that file and
  its text contains the needle (``local.jsonl`` and the held-out sets).

A question with ``turns`` is a conversation: its turns are asked in order through one
:meth:`~assistant.answering.Assistant.conversation` and each is measured as a question of its own
kind. The kind of a question is its ``type`` when it has one (``local.jsonl``), else its ``kind``.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

#: The notice the development questions are about.
DEFAULT_DOC = "东政办〔2019〕138号"
RANKED_KINDS = ("fact", "lead", "para", "en")
#: Measures printed, in order; a kind lacking one leaves it out.
MEASURES = ("R@1", "R@5", "MRR", "recall", "precision", "must", "cmp", "oos_ok", "clarify", "refused", "ok")


def read_questions(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """One question object a line; blank lines skipped."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def kind_of(q: dict[str, Any]) -> str:
    """The measure group of a question: ``type`` where given (fact, lead, para, en, set, cmp, oos), else ``kind``."""
    return str(q.get("type") or q.get("kind") or "other")


def ranking_measures(ranked: list[str], gold: Iterable[str]) -> dict[str, float]:
    """Recall@1, Recall@5 and MRR@10 of the first gold label among ranked labels."""
    gold = set(gold)
    first = next((i for i, label in enumerate(ranked[:10]) if label in gold), None)
    return {
        "R@1": float(first == 0),
        "R@5": float(first is not None and first < 5),
        "MRR": 1.0 / (first + 1) if first is not None else 0.0,
    }


# ---------------------------------------------------------------------------------------- gold
def _printed(point: Any) -> list[str]:
    """A work point's text as printed, with and without its label before it (一、改造…, 3.完成…), and its unit
    lines as a notice prints them under it ("牵头单位:市气象局"), which the parser reads into ``lead`` and
    ``responsible``: a needle quoting that line names this work point."""
    text = point.text.replace("**", "")
    flat = text.replace("\n", "")
    label = point.item
    units = [f"{role}{colon}{sep.join(names)}" for role, names in (("牵头单位", point.lead), ("责任单位", point.responsible))
             if names for colon in (":", "：") for sep in ("、", ",", "，")]
    return [text, flat, *(f"{label}{sep}{flat}" for sep in ("、", ".", "．", "", " ")), *units]


def needle_hit(citation: Any, file: str, needle: str) -> bool:
    """Whether a cited work point comes from ``file`` (compared by name) and prints ``needle``."""
    if PurePath(citation.file or "").name != PurePath(file).name:
        return False
    needle = needle.replace("**", "")
    return any(needle in text for text in _printed(citation.point))


def _task_hit(citation: Any, doc: str, label: str) -> bool:
    return citation.doc.number == doc and citation.point.item == label


@dataclass
class Gold:
    """What answers a question: one-answer alternatives, set members and acceptable extras."""

    single: list[Callable[[Any], bool]]
    members: list[Callable[[Any], bool]]
    extras: list[Callable[[Any], bool]]


def gold_of(q: dict[str, Any]) -> Gold:
    """The gold of a question in either format (see the module docstring)."""
    doc = q.get("doc", DEFAULT_DOC)

    def task(label: Any) -> Callable[[Any], bool]:
        return lambda c, label=str(label): _task_hit(c, doc, label)

    def needle(file: str, text: str) -> Callable[[Any], bool]:
        return lambda c: needle_hit(c, file, text)

    single = [needle(g["file"], g["needle"]) for g in q.get("xgold", [])]
    members = [needle(q["file"], n) for n in q.get("gold_needles", [])]
    extras = [needle(q["file"], n) for n in q.get("any_needles", [])]
    if kind_of(q) == "set" or q.get("kind") == "set":
        members += [task(g) for g in q.get("gold", [])]
    else:
        single += [task(g) for g in q.get("gold", [])]
    extras += [task(g) for g in q.get("any", [])]
    return Gold(single, members, extras)


def _must_hit(answer_text: str, must: list) -> bool:
    """Every entry must appear in the answer; an inner list is satisfied by any one of its strings."""
    return all(any(s in answer_text for s in m) if isinstance(m, list) else m in answer_text for m in must)


def score(q: dict[str, Any], answer: Any) -> dict[str, float]:
    """The measures of one answered question (only those its kind has), with ``ok`` for fully right."""
    kind = kind_of(q)
    gold = gold_of(q)
    cites = list(answer.citations)
    out: dict[str, float] = {}
    ok = True
    if gold.single:
        first = next((i for i, c in enumerate(cites[:10]) if any(g(c) for g in gold.single)), None)
        out |= {
            "R@1": float(first == 0),
            "R@5": float(first is not None and first < 5),
            "MRR": 1.0 / (first + 1) if first is not None else 0.0,
        }
        ok = first == 0
    if gold.members:
        found = [any(g(c) for c in cites) for g in gold.members]
        allowed = [c for c in cites if any(g(c) for g in (*gold.members, *gold.extras))]
        out["recall"] = sum(found) / len(found)
        out["precision"] = len(allowed) / len(cites) if cites else 0.0
        ok = out["recall"] == 1.0 and out["precision"] == 1.0
    if kind == "cmp":
        listed = _comparison_listed(q, answer)
        if listed is not None:
            out["recall"] = listed
        hit = _must_hit(answer.answer, q.get("must", []))
        out["cmp"] = float(hit and (listed is None or listed == 1.0) and answer.found)
        ok = bool(out["cmp"])
    if q.get("must"):
        hit = _must_hit(answer.answer, q["must"])
        out["must"] = float(hit)
        ok = ok and hit
    if kind == "oos":
        correct = not answer.found and not answer.citations
        out["oos_ok"] = float(correct)
        ok = correct
    elif kind == "clarify":
        out["clarify"] = float(answer.kind == "clarify")
        ok = bool(out["clarify"])
    else:
        out["refused"] = float(not answer.found)
        ok = ok and answer.found
    out["ok"] = float(ok)
    return out


def _comparison_listed(q: dict[str, Any], answer: Any) -> float | None:
    """Share of the task numbers a comparison question expects (``gold_new``, ``gold_dropped``,
    ``gold_changed``) that the answer cites from the right edition; None when it gives none."""
    want: list[tuple[str, str]] = []
    year_new, year_old = q.get("year_new"), q.get("year_old")
    want += [(str(m), "new") for m in q.get("gold_new", [])]
    want += [(str(n), "old") for n in q.get("gold_dropped", [])]
    want += [(str(m), "new") for _, m in q.get("gold_changed", [])]
    if not want:
        return None
    years = sorted({c.doc.year for c in answer.citations if c.doc.year})
    if len(years) == 1 and not (year_new or year_old):
        # Only one edition cited: it is the newer one when the question asks what is new, else the older one.
        side = "new" if q.get("gold_new") or q.get("gold_changed") else "old"
        cited = {(c.point.item, side) for c in answer.citations}
        return sum(1 for w in want if w in cited) / len(want)
    newest = year_new or (years[-1] if years else None)
    oldest = year_old or (years[0] if years else None)
    cited = {(c.point.item, "new" if c.doc.year == newest else "old" if c.doc.year == oldest else "") for c in answer.citations}
    return sum(1 for w in want if w in cited) / len(want)


# ---------------------------------------------------------------------------------------- answers
def eval_answers(
    questions: list[dict[str, Any]],
    ask: Callable[[str], Any],
    conversation: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """Answer every question (and every turn of a conversation) and compute the measures per kind.

    Args:
        questions: question objects (either gold format; ``turns`` for a conversation).
        ask: question → :class:`~assistant.records.Answer`.
        conversation: makes a new conversation (an object with ``ask``); needed for ``turns``.

    Returns:
        ``{"rows": {kind: {measure: mean, "n": count}}, "latency_ms": {"p50", "p95"},
        "failures": [...]}``; ``rows["overall"]`` pools every question.
    """
    per_kind: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    times: list[float] = []
    failures: list[dict[str, Any]] = []

    def run(q: dict[str, Any], answer_fn: Callable[[str], Any], where: str) -> None:
        t = time.perf_counter()
        answer = answer_fn(q["q"])
        times.append((time.perf_counter() - t) * 1000)
        measures = score(q, answer)
        for group in (kind_of(q), "overall"):
            for key, value in measures.items():
                per_kind[group][key].append(value)
        if not measures["ok"]:
            failures.append({
                "id": where, "kind": kind_of(q), "q": q["q"], "found": answer.found, "answered_as": answer.kind,
                "cited": [f"{PurePath(c.file).name}:{c.point.item}" for c in answer.citations[:6]],
                "answer": answer.answer[:200],
            })

    for q in questions:
        if "turns" in q:
            if conversation is None:
                raise ValueError("a conversation question needs the conversation factory")
            conv = conversation()
            for i, turn in enumerate(q["turns"], 1):
                run(turn, conv.ask, f"{q.get('id')}#{i}")
        else:
            run(q, ask, str(q.get("id")))
    rows = {
        kind: {key: statistics.mean(values) for key, values in measures.items()} | {"n": len(measures["ok"])}
        for kind, measures in per_kind.items()
    }
    times.sort()
    latency = {
        "p50": statistics.median(times) if times else 0.0,
        "p95": times[min(len(times) - 1, int(0.95 * len(times)))] if times else 0.0,
    }
    return {"rows": rows, "latency_ms": latency, "failures": failures}


def answer_json(result: dict[str, Any]) -> dict[str, Any]:
    """The figures as the issue's JSON: ``{"overall": {...}, "<kind>": {...}, "latency_ms": {...}}``."""
    out: dict[str, Any] = {kind: {k: round(v, 4) for k, v in row.items()} for kind, row in result["rows"].items()}
    out["latency_ms"] = {k: round(v, 1) for k, v in result["latency_ms"].items()}
    return out


def format_answer_table(result: dict[str, Any]) -> str:
    """The answer measures as a plain table, one line per kind, then latency."""
    rows = result["rows"]
    cols = [c for c in MEASURES if any(c in row for row in rows.values())]
    lines = [f"{'kind':<8} {'n':>4} " + " ".join(f"{c:>9}" for c in cols)]
    order = [*RANKED_KINDS, "set", "cmp", "meta", "task", "clarify", "oos"]
    for kind in [*(k for k in order if k in rows), *sorted(k for k in rows if k not in order and k != "overall"), "overall"]:
        row = rows.get(kind)
        if row:
            cells = " ".join(f"{row[c]:>9.3f}" if c in row else f"{'—':>9}" for c in cols)
            lines.append(f"{kind:<8} {int(row['n']):>4} {cells}")
    lat = result["latency_ms"]
    lines.append(f"latency per question after load: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------- search
@dataclass
class SearchEval:
    """Per-kind and overall ranking measures of one search mode."""

    mode: str
    rows: dict[str, dict[str, float]]
    median_ms: float


def eval_search(
    questions: list[dict[str, Any]],
    rank: Callable[[str], list[Any]],
    mode: str,
) -> SearchEval:
    """Measure a ranking function returning hits (objects with ``doc``, ``point``, ``file``), best first.

    Only one-answer questions of the ranked kinds count.
    """
    per_kind: dict[str, list[dict[str, float]]] = defaultdict(list)
    times = []
    for q in questions:
        gold = gold_of(q)
        if kind_of(q) not in RANKED_KINDS or not gold.single:
            continue
        t = time.perf_counter()
        ranked = rank(q["q"])
        times.append((time.perf_counter() - t) * 1000)
        first = next((i for i, h in enumerate(ranked[:10]) if any(g(h) for g in gold.single)), None)
        m = {"R@1": float(first == 0), "R@5": float(first is not None and first < 5),
             "MRR": 1.0 / (first + 1) if first is not None else 0.0}
        per_kind[kind_of(q)].append(m)
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

