"""Measure the out-of-scope rule: in-scope questions of question files against out-of-scope ones.

    python benchmarks/calibrate.py ../shared/eval/dev.jsonl benchmarks/heldout.jsonl --index index

Prints, for each question, the signal the rule in :meth:`assistant.coverage.Coverage.covers` reads
(its *focus*: cosine to the closest clause of the best three work points plus cosine to the
closest notice's centre) and whether the rule calls it covered; then the error counts, and the cut
that would refuse 0, 1, 2 and 5 in 100 in-scope questions, for Chinese and English apart. The
gates after it (a printed figure of the asked indicator, the named thing of a procedure question)
are measured by `assistant eval` on the same files.
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
    ap.add_argument("questions", nargs="+", help="question files (.jsonl); kind oos is out of scope")
    ap.add_argument("--index", default="index")
    ap.add_argument("--oos", default=str(HERE / "oos_questions.txt"), help="more out-of-scope questions, one a line")
    args = ap.parse_args()
    assistant = Assistant(args.index)
    rows = []
    for path in args.questions:
        for line in open(path, encoding="utf-8"):
            q = json.loads(line) if line.strip() else {}
            if q.get("kind") in ("fact", "lead", "para", "en", "oos"):
                rows.append((q["kind"] != "oos", q["q"]))
    for line in open(args.oos, encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            rows.append((False, line.strip()))
    missed = {True: 0, False: 0}
    focus: dict[tuple[bool, bool], list[float]] = {}
    for in_scope, text in rows:
        q = read_question(check_question(text))
        hits = assistant.searcher.search(q.text, k=3)
        f = assistant.coverage.focus(q.text, hits)
        covered = assistant.coverage.covers(q, hits)
        focus.setdefault((q.english, in_scope), []).append(f)
        if covered != in_scope:
            missed[in_scope] += 1
        flag = "" if covered == in_scope else "  <-- wrong"
        print(f"{'IN ' if in_scope else 'OOS'} focus={f:.3f} covered={covered!s:<5} {text[:30]}{flag}")
    n_in = sum(1 for r in rows if r[0])
    print(f"\nin-scope refused: {missed[True]}/{n_in}   out-of-scope answered: {missed[False]}/{len(rows) - n_in}")
    for english in (False, True):
        pos, neg = np.array(focus.get((english, True), [])), np.array(focus.get((english, False), []))
        if not len(pos):
            continue
        cuts = [(share, float(np.quantile(pos, share))) for share in (0.0, 0.01, 0.02, 0.05)]
        print(("English" if english else "Chinese") + f" ({len(pos)} in scope, {len(neg)} out): " + "; ".join(
            f"refuse {share:.0%} at {cut:.3f} -> answers {np.mean(neg >= cut) if len(neg) else 0:.0%} of out-of-scope"
            for share, cut in cuts))


if __name__ == "__main__":
    main()
