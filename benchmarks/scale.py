"""Scale: synthetic indexes of 10³ to 10⁶ work points made from a real one, timed on the real search and answer path.

    python benchmarks/scale.py --index INDEX --sizes 1000,100000,1000000 [--json] [--work DIR]

For each size an index folder is written directly (no model runs over its texts) from a real index
(``--index``, e.g. seed + State Council + local reports): the real notices first, then copies of them
issued by synthetic cities, each work point's text, title, clause and figure-window vectors moved off
the real ones and some of its words and BM25 tokens replaced (:func:`make_index`). The vectors move by
a difference of two other real vectors of the same kind (so they stay in the model's own directions),
scaled so that a synthetic set as large as the real one has the real set's median nearest-neighbour
cosine: neighbours are as dense as in real data, and a large index holds many near copies of each
real task, as a city's archive over years does.

Each index is then opened in a process of its own, all of them alive together (``--one-by-one``: one after
the other), each question asked of every size in turn so that a drift of the machine's speed falls on all
sizes alike; each process times start-up (``Assistant(index)``, the model
included, and one warm-up question), ``ask`` over the questions of ``--questions`` and ``search`` alone
(query vectors primed), and reads its peak resident memory; a second process measures recall@10 of
the fast path against every row scored (the fusion computed over all rows, in one batched pass), and
with ``--candidates 572,1144`` also with each signal's candidates set to each count (``candidates_sweep``).
Last, the build rate against a bare encode of the same texts (benchmarks/build_rate.py) over a small
real corpus (seed + State Council), each in one process: with every part embedded on its own (the default) and
with titles, clauses and figure windows pooled from the work point's one pass (``ASSISTANT_POOLED_PARTS``).

With ``--json``: one object a line, per size ``{"size", "ask_p50_ms", "ask_p95_ms", "search_p50_ms",
"recall_at_10", "rss_mib", "startup_s", "anon_mib", "ask_max_ms"}``, then ``{"build_ratio",
"build_ratio_pooled"}``. ``rss_mib`` is the
peak resident set (VmHWM), which counts the pages of the memory-mapped vectors and graphs a question touched
(the kernel drops them under pressure and reads them again); ``anon_mib`` is the process's own memory (RssAnon).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared"
QUESTIONS = [SHARED / "eval" / "dev.jsonl", SHARED / "eval" / "local.jsonl", HERE / "heldout.jsonl",
             HERE / "heldout2.jsonl"]
#: Share of a synthetic work point's words (outside its figures' sentences) and BM25 tokens replaced.
REPLACED = 0.15
#: Questions whose recall@10 is measured (every row is scored for each, in one pass).
RECALL_QUESTIONS = 120
_CITY = "安宁平阳清河临江永和长乐南湖西岭东川北塘金沙石门云台青山白水凤城龙泉华阳兴隆新安宝丰德安"


# ---------------------------------------------------------------------------------------- the source
class Source:
    """What the synthetic indexes are made from: a real index's notices, vectors, tokens and words."""

    def __init__(self, index_dir: Path) -> None:
        from assistant.index import bm25_text, load_index
        from assistant.store import Records

        index = load_index(index_dir)
        self.manifest = index.manifest
        self.records: Records = index.records
        self.notices = index.records.notices
        self.first = index.records.first
        self.text = np.asarray(index.embeddings, np.float32)
        self.title = np.asarray(index.engine.title, np.float32)
        self.clauses = np.asarray(index.clauses, np.float32)
        self.starts = np.searchsorted(index.clause_owner, np.arange(len(self.text) + 1))
        self.windows = {t: np.asarray(index.windows[t], np.float32) for t in index.windows}
        self.bank = index.bank
        tokenizer = index.tokenizer
        self.tokens = [tokenizer.tokens(bm25_text(n.doc, p)) or ["_"] for n in self.notices for p in n.items]
        self.words = [tokenizer.segment(p.text) for n in self.notices for p in n.items]
        pool = {w for ws in self.words for w in ws if len(w) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", w)}
        self.pool = sorted(pool)
        self.token_pool = sorted({t for ts in self.tokens for t in ts})
        self.places = {n.doc.place for n in self.notices} | {n.doc.issuer for n in self.notices}
        self.scale = {kind: _scale(x) for kind, x in (("text", self.text), ("title", self.title),
                                                       ("clause", self.clauses))}
        window_rows = np.stack(list(self.windows.values())) if self.windows else self.text[:0]
        self.scale["window"] = _scale(window_rows) if len(window_rows) > 50 else self.scale["text"]


def _nn_median(x: np.ndarray, sample: np.ndarray) -> float:
    sims = x[sample] @ x.T
    sims[np.arange(len(sample)), sample] = -1.0
    return float(np.median(sims.max(axis=1)))


def _scale(x: np.ndarray, seed: int = 0) -> float:
    """The perturbation scale whose synthetic set, as large as ``x``, has ``x``'s median nearest-neighbour cosine."""
    rng = np.random.default_rng(seed)
    n = len(x)
    sample = rng.choice(n, min(n, 1500), replace=False)
    target = _nn_median(x, sample)
    origin, a, b = rng.integers(n, size=n), rng.integers(n, size=n), rng.integers(n, size=n)
    lo, hi = 0.0, 2.0
    for _ in range(12):
        s = (lo + hi) / 2
        y = x[origin] + s * (x[a] - x[b])
        y /= np.linalg.norm(y, axis=1, keepdims=True)
        if _nn_median(y, sample) > target:
            lo = s
        else:
            hi = s
    return (lo + hi) / 2


def _moved(x: np.ndarray, rows: np.ndarray, scale: float, rng: np.random.Generator, keep: np.ndarray) -> np.ndarray:
    """Rows of ``x`` moved by ``scale`` times the difference of two random rows (``keep`` rows left as they are)."""
    out = x[rows].copy()
    move = ~keep
    a, b = rng.integers(len(x), size=int(move.sum())), rng.integers(len(x), size=int(move.sum()))
    out[move] += scale * (x[a] - x[b])
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


# ---------------------------------------------------------------------------------------- making an index
def _city(copy: int) -> str:
    return f"{_CITY[copy % len(_CITY)]}{_CITY[(copy // len(_CITY)) % len(_CITY)]}{'' if copy < len(_CITY) ** 2 else copy}市"


def _copy_notice(src: Source, number: int, copy: int, take: int, rng: np.random.Generator) -> Any:
    """A notice of the source as copy ``copy`` prints it: issued by a synthetic city, some words replaced."""
    from dataclasses import replace

    from assistant.records import Notice

    notice = src.notices[number]
    items = notice.items[:take]
    if copy == 0:
        return Notice(notice.doc, list(items), notice.file)
    city = _city(copy)
    doc = notice.doc
    old = doc.place or doc.issuer
    issuer = doc.issuer.replace(doc.place, city) if doc.place and doc.place in doc.issuer else (
        f"{city}人民政府" + ("办公室" if re.search(r"办公[厅室]", doc.issuer) else ""))
    title = doc.title.replace(old, city) if old and old in doc.title else doc.title
    number_text = re.sub(r"(\d+)(号)$", lambda m: f"{int(m.group(1)) + 1000 * copy}{m.group(2)}", doc.number)
    new_doc = replace(doc, issuer=issuer, place=city, title=title, number=number_text)
    first = int(src.first[number])
    points = [replace(p, text=_reworded(src, first + i, p, rng)) for i, p in enumerate(items)]
    return Notice(new_doc, points, f"synthetic/{city}/{notice.file}")


def _reworded(src: Source, row: int, point: Any, rng: np.random.Generator) -> str:
    """The work point's text with :data:`REPLACED` of its words outside its figures' sentences replaced."""
    words = src.words[row]
    fixed = [(m.start(), m.end()) for t in point.targets if t.sentence for m in re.finditer(re.escape(t.sentence),
                                                                                              point.text)]
    out, at = [], 0
    units = set(point.units)
    for word in words:
        start, end = at, at + len(word)
        at = end
        inside = any(s < end and start < e for s, e in fixed)
        if not inside and len(word) >= 2 and word not in units and re.fullmatch(r"[\u4e00-\u9fff]+", word) \
                and rng.random() < REPLACED:
            word = src.pool[int(rng.integers(len(src.pool)))]
        out.append(word)
    text = "".join(out)
    return text if all(t.sentence in text for t in point.targets) else point.text


def make_index(src: Source, size: int, dest: Path, embedder: Any, kind: str | None = None, seed: int = 0,
               say: Any = print) -> Path:
    """Write a synthetic index of ``size`` work points at ``dest`` (see the module); returns ``dest``."""
    from assistant import index as ix
    from assistant.engines import Stored
    from assistant.engines.folder import kind_for
    from assistant.figures import window_texts
    from assistant.tokenize import corpus_terms

    rng = np.random.default_rng(seed)
    kind = kind or kind_for(size)
    started = time.perf_counter()
    notices, origin, copies, clause_origin, owner, tokens = [], [], [], [], [], []
    windows: dict[str, int] = {}  # window text -> the source row it came from (figures' sentences are kept)
    copy = 0
    while len(origin) < size:
        for number in rng.permutation(len(src.notices)):
            take = min(len(src.notices[number].items), size - len(origin))
            if take <= 0:
                break
            notice = _copy_notice(src, int(number), copy, take, rng)
            first = int(src.first[number])
            for j, point in enumerate(notice.items):
                row, new_row = first + j, len(origin)
                origin.append(row)
                copies.append(copy)
                m = int(src.starts[row + 1] - src.starts[row])
                count = len(ix.clause_texts(point))
                clause_origin += [int(src.starts[row]) + min(t, m - 1) for t in range(count)]
                owner += [new_row] * count
                toks = list(src.tokens[row])
                if copy:
                    for t in np.flatnonzero(rng.random(len(toks)) < REPLACED):
                        toks[t] = src.token_pool[int(rng.integers(len(src.token_pool)))]
                tokens.append(toks)
                for w in window_texts(point):
                    windows.setdefault(w, row)
            notices.append(notice)
        copy += 1
    say(f"{size}: {len(notices)} notices from {copy} copies, {len(owner)} clauses, {len(windows)} windows "
        f"({time.perf_counter() - started:.0f}s)")
    dest.mkdir(parents=True, exist_ok=True)
    name = f"data-{uuid.uuid4().hex[:12]}"
    tmp = dest / f".{name}.tmp"
    tmp.mkdir()
    dtype = np.float32 if kind == "flat" else np.float16
    origin_a, real = np.asarray(origin), np.asarray(copies) == 0
    arrays = {}
    for file, x, scale, rows, keep in (
        ("embeddings.npy", src.text, src.scale["text"], origin_a, real),
        ("titles.npy", src.title, src.scale["title"], origin_a, real),
        ("clauses.npy", src.clauses, src.scale["clause"], np.asarray(clause_origin), real[np.asarray(owner)]),
    ):
        out = np.lib.format.open_memmap(tmp / file, mode="w+", dtype=dtype, shape=(len(rows), x.shape[1]))
        for at in range(0, len(rows), 1 << 16):
            part = slice(at, at + (1 << 16))
            out[part] = _moved(x, rows[part], scale, rng, keep[part])
        out.flush()
        arrays[file] = out
    texts = list(windows)
    window_vectors = np.stack([src.windows[t] if t in src.windows else src.text[windows[t]] for t in texts]
                              or [np.zeros(src.text.shape[1], np.float32)])[: len(texts)]
    say(f"{size}: vectors written ({time.perf_counter() - started:.0f}s); indexing")
    stored = Stored(arrays["embeddings.npy"], arrays["titles.npy"], arrays["clauses.npy"],
                    np.asarray(owner, np.int32), tokens)
    engine = ix.write_folder(tmp, notices, stored, corpus_terms(notices), (texts, window_vectors), kind=kind)
    del notices, tokens, stored, arrays
    files = ix._data_files(tmp)
    os.replace(tmp, dest / name)
    say(f"{size}: {engine} written ({time.perf_counter() - started:.0f}s); calibrating")
    calibration = ix._calibrate(dest, name, files, engine, embedder, {}, lambda msg: None)
    from assistant.parse import PARSER_VERSION

    manifest = {
        "format": ix.FORMAT, "parser": PARSER_VERSION, "model": embedder.name, "dim": embedder.dim, "data": name,
        "items": size, "files": {}, "data_files": files, "engine": engine, "built": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "synthetic": {"source": src.manifest["data"], "copies": copy, "scale": {k: round(v, 4) for k, v in src.scale.items()},
                      "seed": seed, "seconds": round(time.perf_counter() - started, 1)},
    }
    if calibration is not None:
        manifest["calibration"] = calibration
    (dest / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    say(f"{size}: done in {time.perf_counter() - started:.0f}s")
    return dest


def reindex(src_dir: Path, dest: Path, kind: str, embedder: Any, say: Any = print) -> Path:
    """Write a synthetic index of another engine kind at ``dest`` from the one at ``src_dir``: the same vectors,
    notices and BM25 (hard links), the FAISS indexes and statistics written again; returns ``dest``."""
    from assistant import index as ix
    from assistant.engines import Stored
    from assistant.engines.folder import INDEXES, write

    started = time.perf_counter()
    manifest = json.loads((src_dir / "manifest.json").read_text(encoding="utf-8"))
    old = src_dir / manifest["data"]
    dest.mkdir(parents=True, exist_ok=True)
    name = f"data-{uuid.uuid4().hex[:12]}"
    tmp = dest / f".{name}.tmp"
    rewritten = {*INDEXES.values(), "moments.npz"}
    for path in old.rglob("*"):
        if path.is_file() and path.name not in rewritten:
            (tmp / path.relative_to(old)).parent.mkdir(parents=True, exist_ok=True)
            os.link(path, tmp / path.relative_to(old))
    arrays = {k: np.load(tmp / f"{k}.npy", mmap_mode="r") for k in ("embeddings", "titles", "clauses", "clause_owner")}
    stored = Stored(arrays["embeddings"], arrays["titles"], arrays["clauses"], arrays["clause_owner"], [])
    engine = write(tmp, stored, kind=kind)
    del stored, arrays
    files = ix._data_files(tmp)
    os.replace(tmp, dest / name)
    say(f"{dest.name}: {engine} written from {src_dir.name} ({time.perf_counter() - started:.0f}s); calibrating")
    calibration = ix._calibrate(dest, name, files, engine, embedder, {}, lambda msg: None)
    manifest = {**manifest, "data": name, "data_files": files, "engine": engine,
                "built": time.strftime("%Y-%m-%dT%H:%M:%S"), "reindexed_from": src_dir.name}
    manifest.pop("calibration", None)
    if calibration is not None:
        manifest["calibration"] = calibration
    (dest / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    say(f"{dest.name}: done in {time.perf_counter() - started:.0f}s")
    return dest


# ---------------------------------------------------------------------------------------- measuring
def questions(paths: list[Path]) -> list[str]:
    from assistant.evaluate import read_questions

    out: list[str] = []
    for path in paths:
        for q in read_questions(path):
            out += [t["q"] for t in q["turns"]] if "turns" in q else [q["q"]]
    return list(dict.fromkeys(out))


def _rss_mib() -> float:
    """Peak resident memory of this process (VmHWM: its own memory and the pages of memory-mapped files it has
    touched, which the kernel may drop and read again), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _anon_mib() -> float:
    """Resident memory of this process's own (RssAnon: not file pages), in MiB; 0 where /proc does not say."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(index_dir: Path, qs: list[str]) -> dict[str, Any]:
    """Start-up, ask and search latency and peak memory over one index (run in a fresh process)."""
    started = time.perf_counter()
    from assistant.answering import Assistant

    assistant = Assistant(index_dir)
    assistant.ask("预热：目标是多少")
    startup = time.perf_counter() - started
    ask = []
    anon = _anon_mib()
    for q in qs:
        t = time.perf_counter()
        assistant.ask(q)
        ask.append(time.perf_counter() - t)
        anon = max(anon, _anon_mib())
    searcher = assistant.searcher
    searcher.prime(qs)
    search = []
    for q in qs:
        t = time.perf_counter()
        searcher.search(q, k=10)
        search.append(time.perf_counter() - t)
    ask.sort()
    search.sort()
    return {"startup_s": round(startup, 2), "ask_p50_ms": round(1000 * statistics.median(ask), 1),
            "ask_p95_ms": round(1000 * ask[int(0.95 * (len(ask) - 1))], 1),
            "search_p50_ms": round(1000 * statistics.median(search), 2),
            "search_p95_ms": round(1000 * search[int(0.95 * (len(search) - 1))], 2), "rss_mib": round(_rss_mib()),
            "anon_mib": round(max(anon, _anon_mib())), "ask_max_ms": round(1000 * ask[-1], 1)}


def serve_timing(index_dir: Path, qs: list[str]) -> None:
    """A timing process for :func:`measure_together`: opens the index, says its start-up on stdout, then times
    each command of stdin (``ask I``, ``search I``: question I; ``prime``) and answers its milliseconds; at the
    end of stdin, its memory."""
    started = time.perf_counter()
    from assistant.answering import Assistant

    assistant = Assistant(index_dir)
    assistant.ask("预热：目标是多少")
    print(json.dumps({"startup_s": round(time.perf_counter() - started, 2)}), flush=True)
    anon = _anon_mib()
    for line in sys.stdin:
        op, _, at = line.strip().partition(" ")
        t = time.perf_counter()
        if op == "prime":
            assistant.searcher.prime(qs)
        elif op == "ask":
            assistant.ask(qs[int(at)])
        else:
            assistant.searcher.search(qs[int(at)], k=10)
        print(json.dumps({"ms": 1000 * (time.perf_counter() - t)}), flush=True)
        anon = max(anon, _anon_mib())
    print(json.dumps({"rss_mib": round(_rss_mib()), "anon_mib": round(max(anon, _anon_mib()))}), flush=True)


def measure_together(folders: list[Path], qs_file: Path) -> list[dict[str, Any]]:
    """:func:`measure`'s figures for several indexes at once, each in its own process, all alive together: the
    processes start one after the other (start-up is not shared), then each question is asked of every index in
    turn (the order reversed every other question), so a drift of the machine's speed falls on all sizes alike and
    the ratio between sizes is measured in the same minutes. (This machine's speed drifted by a third within an
    hour, which moved the 10⁶ / 10³ median ratio of two sizes measured one after the other from 2.9 to 3.9.)"""
    qs = json.loads(qs_file.read_text(encoding="utf-8"))
    procs, rows = [], []
    for folder in folders:
        proc = subprocess.Popen([sys.executable, __file__, "--serve-timing", str(folder), "--questions-file", str(qs_file)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        rows.append(_reply(proc, folder))
    times: dict[str, list[list[float]]] = {op: [[] for _ in procs] for op in ("ask", "search")}

    def each(op: str) -> None:
        for i in range(len(qs)):
            turn = range(len(procs)) if i % 2 == 0 else range(len(procs) - 1, -1, -1)
            for p in turn:
                procs[p].stdin.write(f"{op} {i}\n")
                procs[p].stdin.flush()
                times[op][p].append(_reply(procs[p], folders[p])["ms"])

    each("ask")
    for proc, folder in zip(procs, folders, strict=True):
        proc.stdin.write("prime\n")
        proc.stdin.flush()
        _reply(proc, folder)
    each("search")
    for p, proc in enumerate(procs):
        proc.stdin.close()
        rows[p].update(_reply(proc, folders[p]))
        proc.wait()
        ask, search = sorted(times["ask"][p]), sorted(times["search"][p])
        rows[p].update({"ask_p50_ms": round(statistics.median(ask), 1), "ask_p95_ms": round(ask[int(0.95 * (len(ask) - 1))], 1),
                        "search_p50_ms": round(statistics.median(search), 2),
                        "search_p95_ms": round(search[int(0.95 * (len(search) - 1))], 2), "ask_max_ms": round(ask[-1], 1)})
    return rows


def _reply(proc: subprocess.Popen, folder: Path) -> dict[str, Any]:
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        sys.exit(f"the timing process over {folder} ended early (its error is above)")
    return json.loads(line)


def recall(index_dir: Path, qs: list[str], sweep: list[int] | None = None,
           nprobes: list[int] | None = None, refines: list[int] | None = None,
           list_nprobes: list[int] | None = None, clause_shares: list[float] | None = None) -> dict[str, Any]:
    """Recall@10 of the searcher's ranking against the fusion over every row (run in its own process); with
    ``sweep``, also the recall and median search time with each signal's candidates set to each count, and with
    ``nprobes``, ``refines``, ``list_nprobes`` and ``clause_shares`` (an ``ivf`` index) with each count of inverted
    lists scanned, each factor of the candidates scored exactly, each count of text and title lists read whole and
    each share of the candidates the clause signal gives."""
    from assistant.search import Searcher, _z

    searcher = Searcher.open(index_dir, progress=False)
    engine, n = searcher.engine, len(searcher.entries)
    searcher.prime(qs)
    queries = [searcher._query(q) for q in qs]
    vectors = np.stack([q.vector for q in queries]).T
    text, title, clause = (np.zeros((n, len(qs)), np.float32) for _ in range(3))
    step = 1 << 15
    for at in range(0, n, step):
        end = min(at + step, n)
        text[at:end] = np.asarray(engine.text[at:end], np.float32) @ vectors
        title[at:end] = np.asarray(engine.title[at:end], np.float32) @ vectors
        lo, hi = int(engine.starts[at]), int(engine.starts[end])
        sims = np.asarray(engine.clause_vectors[lo:hi], np.float32) @ vectors
        clause[at:end] = np.maximum.reduceat(sims, engine.starts[at:end] - lo, axis=0)
    exact = []
    for i, (q, query) in enumerate(zip(qs, queries, strict=True)):
        tw, bw, cw = searcher._weights(q)
        fused = _z(text[:, i]) + tw * _z(title[:, i]) + cw * _z(clause[:, i])
        if bw:
            fused += bw * _z(engine.score_all("bm25", query))
        exact.append(set(np.argsort(-fused, kind="stable")[:10].tolist()))

    def found() -> tuple[float, float]:
        share, took = [], []
        for q, rows in zip(qs, exact, strict=True):
            t = time.perf_counter()
            fast = {searcher.rows[id(h.point)] for h in searcher.search(q, k=10)}
            took.append(time.perf_counter() - t)
            share.append(len(rows & fast) / max(len(rows), 1))
        return round(float(np.mean(share)), 4), round(1000 * statistics.median(took), 1)

    result: dict[str, Any] = {"recall_at_10": found()[0], "recall_questions": len(qs)}
    if sweep:
        default = searcher.candidates
        for count in sweep:
            searcher.candidates = count
            at, ms = found()
            result.setdefault("candidates_sweep", []).append({"candidates": count, "recall_at_10": at, "search_p50_ms": ms})
        searcher.candidates = default
    for name, counts in (("nprobe", nprobes), ("refine", refines), ("list_nprobe", list_nprobes)):
        if counts and getattr(engine, "kind", "") == "ivf":
            default = getattr(engine, name)
            for count in counts:
                setattr(engine, name, count)
                at, ms = found()
                result.setdefault(f"{name}_sweep", []).append({name: count, "recall_at_10": at, "search_p50_ms": ms})
            setattr(engine, name, default)
    if clause_shares and getattr(engine, "kind", "") == "ivf":
        default = engine.shares.get("clause", 1.0)
        for share in clause_shares:
            engine.shares["clause"] = share
            at, ms = found()
            result.setdefault("clause_share_sweep", []).append({"clause_share": share, "recall_at_10": at,
                                                                "search_p50_ms": ms})
        engine.shares["clause"] = default
    return result


#: Each sweep's setting and how its lines name it.
SWEEPS = {"candidates": "with {:,} candidates a signal", "nprobe": "scanning {} lists",
          "refine": "scoring {}x the candidates exactly", "clause_share": "the clause signal giving {:g} of the candidates",
          "list_nprobe": "reading {} text and title lists whole"}


def _child(flag: str, index_dir: Path, qs_file: Path, *extra: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, flag, str(index_dir), "--questions-file", str(qs_file), *extra],
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"the {flag[2:]} run over {index_dir} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


#: The parts a pooled build takes from the work point's one pass (``ASSISTANT_POOLED_PARTS``, assistant/index.py).
POOLED = "title,clause,window"


def _build_ratio(corpus: Path | None, pooled: bool = False) -> dict[str, Any]:
    """benchmarks/build_rate.py in a process of its own: each part embedded alone (the default), or ``pooled``."""
    with tempfile.TemporaryDirectory(prefix="scale-build-") as tmp:
        if corpus is None:
            corpus = Path(tmp) / "corpus"
            corpus.mkdir()
            shutil.copy(SHARED / "corpus" / "haidong-2019-eco-civilization-work-points.txt", corpus)
            shutil.copytree(SHARED / "corpus" / "state-council", corpus / "state-council")
            (corpus / "state-council" / "README.md").unlink(missing_ok=True)
        env = {**os.environ, "ASSISTANT_POOLED_PARTS": POOLED if pooled else ""}
        out = subprocess.run([sys.executable, str(HERE / "build_rate.py"), "--corpus", str(corpus), "--json", "--quiet"],
                             capture_output=True, text=True, env=env)
        if out.returncode:
            sys.exit(f"the build-rate run failed:\n{out.stderr[-4000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])


def _counts(text: str) -> list[int]:
    """``--candidates``: positive counts separated by commas, read before any index is built."""
    try:
        counts = [int(c) for c in text.split(",")]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give positive counts separated by commas, e.g. 572,1144")
    return counts


def _shares(text: str) -> list[float]:
    """``--clause-share``: shares above 0 and at most 1, separated by commas."""
    try:
        shares = [float(c) for c in text.split(",")]
    except ValueError:
        shares = []
    if not shares or min(shares) <= 0 or max(shares) > 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give shares above 0 and at most 1 separated by commas, e.g. 1,0.5")
    return shares


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", default="index", help="the real index the synthetic ones are made from")
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--work", help="folder for the synthetic indexes (kept; an index already there is reused)")
    parser.add_argument("--questions", nargs="*", type=Path, default=QUESTIONS)
    parser.add_argument("--build-corpus", type=Path, help="corpus of the build-rate runs (default: seed + State Council)")
    parser.add_argument("--no-build-rate", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--candidates", type=_counts, help="also measure recall@10 with each signal's candidates set "
                        "to each of these counts (e.g. 572,1144,1717)")
    parser.add_argument("--nprobe", type=_counts, help="also measure recall@10 of an ivf index with each of these "
                        "counts of inverted lists scanned (e.g. 8,16,64)")
    parser.add_argument("--refine", type=_counts, help="also measure recall@10 of an ivf index with each of these "
                        "factors of the candidates scored exactly (e.g. 1,2,4)")
    parser.add_argument("--list-nprobe", type=_counts, help="also measure recall@10 of an ivf index with each of "
                        "these counts of text and title lists read whole (e.g. 12,24,32)")
    parser.add_argument("--clause-share", type=_shares, help="also measure recall@10 of an ivf index with the clause "
                        "signal giving each of these shares of the candidates (e.g. 1,0.5,0.25)")
    parser.add_argument("--kind", choices=["hnsw", "ivf"], help="the engine kind of the indexes above 20,000 work "
                        "points (default: by size); an index of the size already in --work is written again as this "
                        "kind from its vectors")
    parser.add_argument("--one-by-one", action="store_true", help="time each size in its own process after the "
                        "other's (the default times them all together, questions in turn)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--serve-timing", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--recall", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--questions-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_timing:
        serve_timing(args.serve_timing, json.loads(args.questions_file.read_text(encoding="utf-8")))
        return 0
    if args.measure or args.recall:
        qs = json.loads(args.questions_file.read_text(encoding="utf-8"))
        if args.measure:
            result = measure(args.measure, qs)
        else:
            result = recall(args.recall, qs, args.candidates, args.nprobe, args.refine, args.list_nprobe,
                            args.clause_share)
        print(json.dumps(result))
        return 0

    from assistant.embed import load_embedder
    from assistant.engines.folder import EXACT_MAX

    def say(msg: str) -> None:
        print(f"[scale] {msg}", file=sys.stderr, flush=True)

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="scale-"))
    work.mkdir(parents=True, exist_ok=True)
    qs = questions(args.questions)
    qs_file, recall_file = work / "questions.json", work / "recall-questions.json"
    qs_file.write_text(json.dumps(qs, ensure_ascii=False), encoding="utf-8")
    picked = [qs[int(i)] for i in np.linspace(0, len(qs) - 1, min(len(qs), RECALL_QUESTIONS))]
    recall_file.write_text(json.dumps(picked, ensure_ascii=False), encoding="utf-8")
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    src = embedder = None
    rows: list[dict[str, Any]] = []
    folders: list[Path] = []
    for size in sizes:
        forced = args.kind if size > EXACT_MAX else None
        folder = work / (f"n{size}-{forced}" if forced else f"n{size}")
        others = sorted(p for p in work.glob(f"n{size}*") if p.name.split("-")[0] == f"n{size}" and p != folder
                        and (p / "manifest.json").exists())
        if not (folder / "manifest.json").exists():
            shutil.rmtree(folder, ignore_errors=True)
            if others and forced:
                embedder = embedder or load_embedder(None, progress=False)
                reindex(others[0], folder, forced, embedder, say=say)
            else:
                if src is None:
                    say(f"reading {args.index}")
                    src, embedder = Source(Path(args.index)), load_embedder(None, progress=False)
                    say(f"perturbation scales {src.scale}")
                make_index(src, size, folder, embedder, kind=forced, say=say)
        say(f"{size}: measuring")
        sweep = ["--candidates", ",".join(map(str, args.candidates))] if args.candidates else []
        sweep += ["--nprobe", ",".join(map(str, args.nprobe))] if args.nprobe else []
        sweep += ["--refine", ",".join(map(str, args.refine))] if args.refine else []
        sweep += ["--list-nprobe", ",".join(map(str, args.list_nprobe))] if args.list_nprobe else []
        sweep += ["--clause-share", ",".join(map(str, args.clause_share))] if args.clause_share else []
        kind = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["engine"].get("kind", "flat")
        row = {"size": size, "kind": kind, **(_child("--measure", folder, qs_file) if args.one_by_one else {}),
               **_child("--recall", folder, recall_file, *sweep)}
        rows.append(row)
        folders.append(folder)
        say(json.dumps(row))
    if not args.one_by_one and rows:
        say("timing every size together, each question asked of each in turn")
        for row, timed in zip(rows, measure_together(folders, qs_file), strict=True):
            row.update(timed)
            say(json.dumps(row))
    keys = ("size", "ask_p50_ms", "ask_p95_ms", "search_p50_ms", "recall_at_10", "rss_mib", "startup_s", "anon_mib",
            "ask_max_ms")
    ratio = pooled = None
    if not args.no_build_rate:
        ratio, pooled = _build_ratio(args.build_corpus), _build_ratio(args.build_corpus, pooled=True)
    if args.json:
        for row in rows:
            print(json.dumps({k: row[k] for k in (*keys, "kind", *(f"{name}_sweep" for name in SWEEPS)) if k in row}))
        if ratio is not None and pooled is not None:
            print(json.dumps({"build_ratio": ratio["build_ratio"], "build_ratio_pooled": pooled["build_ratio"]}))
        return 0
    print("| work points | kind | ask p50 | ask p95 | ask max | search p50 | search p95 | recall@10 | peak RSS | of it own "
          "| start-up |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['size']:,} | {r['kind']} | {r['ask_p50_ms']:.0f} ms | {r['ask_p95_ms']:.0f} ms | {r['ask_max_ms']:.0f} ms | "
              f"{r['search_p50_ms']:.1f} ms | {r['search_p95_ms']:.1f} ms | {r['recall_at_10']:.3f} | "
              f"{r['rss_mib']:,.0f} MiB | {r['anon_mib']:,.0f} MiB | {r['startup_s']:.1f} s |")
    for r in rows:
        for name, label in SWEEPS.items():
            for c in r.get(f"{name}_sweep", []):
                print(f"{r['size']:,} ({r['kind']}) {label.format(c[name])}: recall@10 {c['recall_at_10']:.3f}, "
                      f"search p50 {c['search_p50_ms']:.1f} ms")
    if len(rows) > 1:
        print(f"\nask p50 at {rows[-1]['size']:,} over {rows[0]['size']:,}: "
              f"{rows[-1]['ask_p50_ms'] / rows[0]['ask_p50_ms']:.2f}x (target <= 3)")
    for name, r in (("build", ratio), (f"build pooling {POOLED}", pooled)):
        if r is not None:
            print(f"{name}: {r['work_points']} work points at {r['build_rate']:.2f}/s, bare encode "
                  f"{r['encode_rate']:.2f}/s: build_ratio {r['build_ratio']:.2f} (target >= 0.8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
