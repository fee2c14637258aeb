"""Measure the out-of-scope rule: in-scope questions of a question file against everyday questions.

    python benchmarks/calibrate.py ../shared/eval/dev.jsonl --index index

Prints, for each question, the two signals the rule in :meth:`assistant.answer.Assistant.covers`
reads (IDF-weighted word coverage of the best work points, and the dense gap of the best match
above the index median) and whether the rule calls it covered; then the error counts.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from assistant.answer import Assistant, check_question
from assistant.question import read_question

HERE = Path(__file__).parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("questions")
    ap.add_argument("--index", default="index")
    ap.add_argument("--oos", default=str(HERE / "oos_questions.txt"))
    args = ap.parse_args()
    assistant = Assistant(args.index)
    rows = []
    for line in open(args.questions, encoding="utf-8"):
        q = json.loads(line)
        if q["kind"] in ("fact", "lead", "para", "en", "oos"):
            rows.append((q["kind"] != "oos", q["q"]))
    for line in open(args.oos, encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            rows.append((False, line.strip()))
    missed = {True: 0, False: 0}
    for in_scope, text in rows:
        q = read_question(check_question(text))
        hits = assistant.searcher.search(q.text, k=3)
        dense = assistant.searcher.dense_scores(q.text)
        gap = float(dense.max() - np.median(dense))
        words = assistant.word_coverage(q.text, [h.point for h in hits])
        covered = assistant.covers(q, hits)
        if covered != in_scope:
            missed[in_scope] += 1
        flag = "" if covered == in_scope else "  <-- wrong"
        print(f"{'IN ' if in_scope else 'OOS'} words={words:.2f} gap={gap:.3f} covered={covered!s:<5} {text[:30]}{flag}")
    n_in = sum(1 for r in rows if r[0])
    print(f"\nin-scope refused: {missed[True]}/{n_in}   out-of-scope answered: {missed[False]}/{len(rows) - n_in}")


if __name__ == "__main__":
    main()
