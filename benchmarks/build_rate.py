"""The whole build's rate against a bare encode of the same work points' texts, as a ratio measured in one run.

    python benchmarks/build_rate.py [--corpus FOLDER] [--json]

A fresh build of the corpus (parsing, embedding texts, titles, clauses and figure windows, BM25,
FAISS, the refusal calibration, writing) is timed between two bare ``encode_documents`` calls over
its work points' texts, in the same process; the ratio is the build's work points per second over
the mean bare-encode rate (issue 11's target: at least 0.8). Without ``--corpus`` it runs on the
shared corpus (seed, State Council, local reports) less its README files.

Other benchmarks call :func:`build_rate`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def build_rate(corpus: str | os.PathLike[str], embedder: Any = None, progress: bool = False) -> dict[str, Any]:
    """Build ``corpus`` into a temporary folder between two bare encodes of its texts; time all three.

    Args:
        corpus: A folder of notices, as ``assistant build --corpus`` reads it.
        embedder: An :class:`assistant.embed.Embedder`; the packaged model if None.
        progress: Show the build's progress on stderr.

    Returns:
        ``{"work_points", "build_s", "encode_s", "build_rate", "encode_rate", "build_ratio"}``: rates in work
        points per second, ``encode_s`` the mean of the two bare encodes, ``build_ratio`` the build rate
        over the encode rate.
    """
    from assistant.embed import load_embedder
    from assistant.index import build_index, embedding_text

    embedder = embedder or load_embedder(progress=progress)
    embedder.encode_documents(["预热"])  # the first call's one-time costs are neither side's
    texts = [embedding_text(n.doc, p) for n in notices(Path(corpus)) for p in n.items]
    with tempfile.TemporaryDirectory(prefix="build-rate-") as tmp:
        index = Path(tmp) / "index"
        encodes = []
        started = time.perf_counter()
        embedder.encode_documents(texts)
        encodes.append(time.perf_counter() - started)
        started = time.perf_counter()
        report = build_index(corpus, index, embedder, force=True, progress=progress)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        embedder.encode_documents(texts)
        encodes.append(time.perf_counter() - started)
    n, encode_s = len(texts), sum(encodes) / len(encodes)
    if report.items != n:
        raise RuntimeError(f"the build indexed {report.items} work points, the corpus has {n}")
    return {
        "work_points": n,
        "build_s": round(build_s, 2),
        "encode_s": round(encode_s, 2),
        "build_rate": round(n / build_s, 2),
        "encode_rate": round(n / encode_s, 2),
        "build_ratio": round(encode_s / build_s, 3),
    }


def notices(corpus: Path) -> list[Any]:
    """The notices a build of ``corpus`` indexes: each readable file parsed, the same text once."""
    from assistant.errors import UnreadableFileError
    from assistant.index import corpus_files, notice_key
    from assistant.parse import parse_notice

    out, seen = [], set()
    for path in corpus_files(corpus):
        try:
            notice = parse_notice(path)
        except (UnreadableFileError, OSError):
            continue
        if notice_key(notice) not in seen:
            seen.add(notice_key(notice))
            out.append(notice)
    return out


def shared_corpus(dest: Path) -> Path:
    """The shared corpus's notices copied into ``dest``, without its README files."""
    for path in SHARED_CORPUS.rglob("*"):
        if path.is_file() and path.name != "README.md":
            target = dest / path.relative_to(SHARED_CORPUS)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", help="folder of notices (default: the shared corpus less its READMEs)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="build-rate-corpus-") as tmp:
        corpus = Path(args.corpus) if args.corpus else shared_corpus(Path(tmp))
        result = build_rate(corpus, progress=not args.quiet)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['work_points']} work points: build {result['build_s']:.1f} s ({result['build_rate']:.2f}/s), "
            f"bare encode {result['encode_s']:.1f} s ({result['encode_rate']:.2f}/s); "
            f"build ratio {result['build_ratio']:.2f} (target >= 0.8)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
