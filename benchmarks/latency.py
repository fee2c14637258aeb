"""Answer latency against a bare query encode, as a ratio measured in one run.

    python benchmarks/latency.py --index IDX FILE [FILE ...] [--json]

Each question of the files (question files as ``assistant eval`` reads them; conversation turns
are asked on their own) is encoded once with the model alone, then answered; the figures are
the median bare encode, p50/p95 of ``ask``, and p95 ask over the median encode (issue 10's
target: at most 3).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def questions(paths: list[str]) -> list[str]:
    from assistant.evaluate import read_questions

    out = []
    for path in paths:
        for q in read_questions(path):
            out += [t["q"] for t in q["turns"]] if "turns" in q else [q["q"]]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--index", required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from assistant.answering import Assistant

    assistant = Assistant(args.index)
    embedder = assistant.searcher.embedder
    qs = questions(args.files)
    assistant.ask("预热目标是多少")
    embedder.encode_queries(["预热"])
    encode, ask = [], []
    for q in qs:
        t = time.perf_counter()
        embedder.encode_queries([q])
        encode.append(time.perf_counter() - t)
    for q in qs:
        t = time.perf_counter()
        assistant.ask(q)
        ask.append(time.perf_counter() - t)
    ask.sort()
    result = {
        "questions": len(qs),
        "encode_p50_ms": round(1000 * statistics.median(encode), 1),
        "ask_p50_ms": round(1000 * statistics.median(ask), 1),
        "ask_p95_ms": round(1000 * ask[min(len(ask) - 1, int(0.95 * len(ask)))], 1),
    }
    result["p95_over_encode"] = round(result["ask_p95_ms"] / result["encode_p50_ms"], 2)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>16}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
