"""Latency of ``POST /v1/ask`` under load: p50 and p95 at 1, 8 and 32 concurrent clients.

    python benchmarks/load.py --index IDX --corpus DIR           # starts `assistant serve` on a free port
    python benchmarks/load.py --url http://127.0.0.1:7860 [--token T]   # a server already running
    python benchmarks/load.py ... --clients 1,8,32 --requests 96 --questions ../shared/eval/dev.jsonl --json

Each level sends ``--requests`` questions from that many clients at once, each client waiting for
its answer before it sends the next; latency is measured at the client, from the request sent to
the whole answer read. Each level takes the next questions of the list, so with enough questions
(``--questions`` given more than once) none is asked twice and no query encoding comes from the
server's cache; the built-in dozen repeat, which measures answers to questions asked before.
A warm-up round with the built-in questions runs first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

#: Questions about the seed notice when no question file is given: figures, leads, lists, counts.
QUESTIONS = (
    "残膜回收率要达到多少",
    "第13项由谁牵头？",
    "城市生活垃圾无害化处理率要达到多少？",
    "市林草局牵头哪些工作？",
    "哪些工作涉及水？分别由谁牵头？",
    "海东市生态文明工作要点的文号是什么？",
    "东政办〔2019〕138号一共有多少项任务？",
    "农村厕所改造由哪个部门负责？",
    "What is the target for plastic film recycling?",
    "秸秆综合利用率是多少",
    "市生态环境局负责哪些任务",
    "湟水河治理的牵头单位",
)


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile of a list (p in 0–100)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def read_questions(paths: list[str]) -> list[str]:
    """The distinct questions of question files as ``assistant eval`` reads them (each turn on its own),
    else the built-in ones."""
    if not paths:
        return list(QUESTIONS)
    from assistant.evaluate import read_questions as read

    out: list[str] = []
    for path in paths:
        for q in read(path):
            out += [t["q"] for t in q["turns"]] if "turns" in q else [q["q"]]
    return list(dict.fromkeys(out))


@contextmanager
def server(index: str, corpus: str) -> Iterator[str]:
    """``assistant serve`` over an index and its corpus on a free port of 127.0.0.1; yields its URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "assistant.cli", "serve", "--index", index, "--corpus", corpus, "--port", str(port)]
    process = subprocess.Popen(command, env=os.environ | {"HF_HUB_OFFLINE": "1"})
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


async def wait_ready(url: str, headers: dict[str, str], timeout: float = 600) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as client:
        while True:
            try:
                if (await client.get("/v1/models")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"error: no server answered at {url} within {timeout:.0f} s")
            await asyncio.sleep(0.5)


async def level(url: str, headers: dict[str, str], questions: list[str], clients: int, requests: int,
                offset: int = 0) -> dict:
    """Send ``requests`` asks from ``clients`` clients at once, from question ``offset`` on; latencies in
    ms, errors, throughput."""
    import httpx

    todo = iter(range(requests))
    latencies: list[float] = []
    errors = 0

    async def one_client(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for i in todo:
            start = time.perf_counter()
            response = await client.post("/v1/ask", json={"question": questions[(offset + i) % len(questions)]})
            await response.aread()
            latencies.append(1000 * (time.perf_counter() - start))
            errors += response.status_code != 200

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=600, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.gather(*(one_client(client) for _ in range(clients)))
        seconds = time.perf_counter() - start
    return {
        "clients": clients, "requests": len(latencies), "errors": errors,
        "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
        "per_s": round(len(latencies) / seconds, 1),
    }


async def run(url: str, token: str | None, questions: list[str], levels: list[int], requests: int) -> list[dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    await wait_ready(url, headers)
    await level(url, headers, list(QUESTIONS), 2, 2 * len(QUESTIONS))  # warm-up
    results, offset = [], 0
    for n in levels:
        results.append(await level(url, headers, questions, n, max(requests, n), offset))
        offset += max(requests, n)
    if offset > len(questions):
        print(f"note: {offset} asks over {len(questions)} questions: repeated ones reuse the server's cached "
              "query encodings", file=sys.stderr)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a running server, e.g. http://127.0.0.1:7860")
    where.add_argument("--index", help="start `assistant serve` over this index (with --corpus)")
    parser.add_argument("--corpus", help="the corpus the index was built from (with --index)")
    parser.add_argument("--token", default=os.environ.get("ASSISTANT_TOKEN"), help="bearer token (default: $ASSISTANT_TOKEN)")
    parser.add_argument("--clients", default="1,8,32", help="concurrency levels (default: 1,8,32)")
    parser.add_argument("--requests", type=int, default=96, help="asks per level (default: 96)")
    parser.add_argument("--questions", action="append", default=[],
                        help="a question file, repeatable (default: built-in questions about the seed notice)")
    parser.add_argument("--json", action="store_true", help="one JSON object per level")
    args = parser.parse_args(argv)
    if args.index and not args.corpus:
        parser.error("--index needs --corpus: the server updates the index from it at start")
    levels = [int(n) for n in args.clients.split(",")]
    questions = read_questions(args.questions)

    def measure(url: str) -> list[dict]:
        return asyncio.run(run(url, args.token, questions, levels, args.requests))

    if args.url:
        results = measure(args.url.rstrip("/"))
    else:
        with server(args.index, args.corpus) as url:
            results = measure(url)
    if args.json:
        for r in results:
            print(json.dumps(r))
        return 0
    print(f"{'clients':>7} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'asks/s':>7}")
    for r in results:
        print(f"{r['clients']:>7} {r['requests']:>8} {r['errors']:>6} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['per_s']:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
