"""How the refusal cut of an index sits against real questions.

    python benchmarks/calibrate.py --index IDX FILE [FILE ...] [--json]

Prints the focus quantiles of the index's probe questions, the off-topic bank, and the files'
in-scope and out-of-scope questions (Chinese and English apart), the cut :mod:`assistant.calibration`
sets for this index, and the share of each group that cut refuses on focus alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--index", required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from assistant.calibration import bank, calibrate, focus_of, probes
    from assistant.evaluate import kind_of, read_questions
    from assistant.search import Searcher
    from assistant.tokenize import is_english

    searcher = Searcher.open(args.index, progress=False)
    result = calibrate(searcher)
    groups: dict[str, list[str]] = {"bank": bank()}
    zh, en = probes(searcher)
    groups["probes"] = zh + en
    for path in args.files:
        for q in read_questions(path):
            turns = q["turns"] if "turns" in q else [q]
            for t in turns:
                if kind_of(t) in ("clarify",):
                    continue
                groups.setdefault("oos" if kind_of(t) == "oos" else "in-scope", []).append(t["q"])
    rows = {}
    for name, questions in groups.items():
        for lang in ("zh", "en"):
            qs = [q for q in questions if is_english(q) == (lang == "en")]
            if not qs:
                continue
            f = focus_of(searcher, qs)
            cut = result["focus_en" if lang == "en" else "focus"]
            rows[f"{name}/{lang}"] = {
                "n": len(qs), "p2": round(float(np.quantile(f, 0.02)), 3), "p50": round(float(np.median(f)), 3),
                "p97": round(float(np.quantile(f, 0.97)), 3), "refused": round(float((f < cut).mean()), 3),
            }
    out = {"calibration": result, "groups": rows}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"cut: {result['focus']} (English {result['focus_en']})")
    print(f"{'group':<16}{'n':>5}{'p2':>8}{'p50':>8}{'p97':>8}{'refused':>9}")
    for name, r in rows.items():
        print(f"{name:<16}{r['n']:>5}{r['p2']:>8}{r['p50']:>8}{r['p97']:>8}{r['refused']:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
