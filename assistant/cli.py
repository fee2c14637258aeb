"""``assistant``: parse, build, search, ask and eval from the shell.

A thin translator: each command reads its arguments, calls the core, prints text or JSON,
and turns an :class:`~assistant.errors.AssistantError` into a one-line message and exit 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from assistant.engines import ENGINES, options_of
from assistant.errors import AssistantError
from assistant.parse.readers import MAX_FILE_MB

DEFAULT_INDEX = "index"
DEFAULT_CORPUS = "corpus"


def _print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1))


def cmd_parse(args: argparse.Namespace) -> None:
    from assistant.parse import parse_notice

    notice = parse_notice(args.file)
    if args.json:
        _print_json(notice.to_dict())
        return
    d = notice.doc
    print(f"{d.title}\n{d.number}  {d.issuer}  成文日期 {d.date or '—'}  ({len(notice.items)} work points)")
    for p in notice.items:
        units = f"  牵头: {'、'.join(p.lead)}" if p.lead else ""
        print(f"[{p.item}] {' > '.join(p.path)} | {p.title}{units}")


def cmd_build(args: argparse.Namespace) -> None:
    from assistant.embed import load_embedder
    from assistant.index import build_index

    embedder = load_embedder(args.model, progress=not args.quiet)
    report = build_index(args.corpus, args.index, embedder, force=args.force, progress=not args.quiet,
                         max_bytes=megabytes_to_bytes(args.max_file_mb), kind=args.index_kind,
                         engine=_engine_options(args))
    if args.json:
        _print_json(report.__dict__)
    elif args.quiet:
        print(report.summary())  # otherwise the build's progress lines have ended with it
    for path, message in report.warnings:  # printed here once; the build itself only logs them
        print(f"warning: {path}: {message}", file=sys.stderr)


def _engine_options(args: argparse.Namespace) -> dict[str, str] | None:
    """The engine ``build`` was asked for, with its options; None to keep the index's own (or the default)."""
    given = {name: args.engine_options[name] for name in args.engine_options if getattr(args, name) is not None}
    if args.engine is None and given:  # --uri alone means Milvus: the engine that takes it
        args.engine = next(e for e in ENGINES if set(given) <= set(options_of(e)))
    if args.engine is None:
        return None
    wrong = [f"--{name}" for name in given if name not in options_of(args.engine)]
    if wrong:
        owners = " or ".join(sorted({given[name] for name in given}))
        raise SystemExit(f"error: {', '.join(wrong)} {'is an option' if len(wrong) == 1 else 'are options'} of "
                         f"--engine {owners}, not of --engine {args.engine}")
    return {"name": args.engine, **{name: getattr(args, name) for name in given}}


def cmd_search(args: argparse.Namespace) -> None:
    from assistant.search import Searcher

    searcher = Searcher.open(args.index, model=args.model, progress=not args.quiet)
    hits = searcher.search(_question(args.query), k=args.k, mode=args.mode)
    if args.json:
        _print_json([h.to_dict() for h in hits])
        return
    for rank, h in enumerate(hits, 1):
        print(f"{rank:>2}. {h.score:.3f}  {h.doc.number or h.doc.title}  {h.point.ref}  {h.point.title}")
        if h.point.lead:
            print(f"      牵头单位: {'、'.join(h.point.lead)}   责任单位: {'、'.join(h.point.responsible) or '—'}")


def cmd_eval_search(args: argparse.Namespace) -> None:
    from assistant.evaluate import eval_search, format_search_table, read_questions
    from assistant.search import MODES, Searcher

    searcher = Searcher.open(args.index, model=args.model, progress=not args.quiet)
    questions = read_questions(args.file)
    results = []
    grid = [(searcher.title_weight, searcher.bm25_weight)]
    if args.sweep:
        grid = [(float(t), float(b)) for t in args.sweep.split(",") for b in args.sweep.split(",")]
    for mode in MODES:
        for title_w, bm25_w in grid if mode == "hybrid" else [(None, None)]:
            if title_w is not None:
                searcher.title_weight, searcher.bm25_weight = title_w, bm25_w
            searcher._encode.cache_clear()  # time each mode with its own query encodings

            def rank(q: str, mode: str = mode) -> list:
                return searcher.search(q, k=10, mode=mode)

            name = mode if title_w is None or not args.sweep else f"t{title_w:g}b{bm25_w:g}"
            results.append(eval_search(questions, rank, name))
    print(format_search_table(results))


def cmd_compare(args: argparse.Namespace) -> None:
    from assistant.compare import compare_in_index
    from assistant.index import load_index

    comparison = compare_in_index(load_index(args.index), args.notice_a, args.notice_b)
    if args.json:
        _print_json(comparison.to_dict())
    else:
        print(comparison.memo())


def _print_answer(answer: object, explain: bool = False) -> None:
    """An answer as text: the answer, then each citation with its notice, task, lead unit and quote."""
    print(answer.answer)  # type: ignore[attr-defined]
    for i, c in enumerate(answer.citations, 1):  # type: ignore[attr-defined]
        units = f"  牵头单位: {'、'.join(c.point.lead)}" if c.point.lead else ""
        print(f"[{i}] {c.doc.number or c.doc.title} {c.point.ref} {c.point.title}{units}\n    “{c.quote}”")
    if explain and answer.explain:  # type: ignore[attr-defined]
        print("\n--- how it was read")
        print(json.dumps(answer.explain, ensure_ascii=False, indent=1))  # type: ignore[attr-defined]


def _safe(text: str) -> str:
    """A line as the terminal gave it, with undecodable bytes (lone surrogates) made visible, not fatal."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def cmd_ask(args: argparse.Namespace) -> None:
    from assistant.answer import Assistant

    assistant = Assistant(args.index, model=args.model)
    if args.jsonl:
        with open(args.jsonl, encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    item = json.loads(line) if line.lstrip().startswith("{") else {"q": line.strip()}
                except json.JSONDecodeError:
                    item = {"q": line.strip()}
                answer = assistant.ask(_safe(item.get("q") or item.get("question") or ""), explain=args.explain)
                print(json.dumps(answer.to_dict(), ensure_ascii=False))
        return
    if args.question is None:
        raise AssistantError("give a question, or --jsonl FILE with one question a line")
    answer = assistant.ask(_safe(args.question), explain=args.explain)
    if args.json:
        _print_json(answer.to_dict())
        return
    _print_answer(answer, args.explain)


def cmd_chat(args: argparse.Namespace) -> None:
    """One conversation from standard input: a question a line, an empty line starts a new conversation."""
    from assistant.answer import Assistant

    assistant = Assistant(args.index, model=args.model)
    conversation = assistant.conversation()
    interactive = sys.stdin.isatty() and not args.json
    if interactive:
        print("政策通: one question a line; an empty line starts a new conversation; Ctrl-D ends.", file=sys.stderr)
    for raw in sys.stdin:
        line = _safe(raw.rstrip("\n"))
        if not line.strip():
            conversation.reset()
            continue
        answer = conversation.ask(line, explain=args.explain)
        if args.json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False), flush=True)
        else:
            _print_answer(answer, args.explain)
            print(flush=True)


def cmd_eval(args: argparse.Namespace) -> None:
    from assistant.answer import Assistant
    from assistant.evaluate import answer_json, eval_answers, format_answer_table, read_questions

    assistant = Assistant(args.index, model=args.model)
    assistant.ask("预热目标是多少")  # load jieba's dictionaries and the model's kernels before timing
    result = eval_answers(read_questions(args.file), assistant.ask, assistant.conversation)
    if args.json:
        _print_json(answer_json(result) | ({"failures": result["failures"]} if args.failures else {}))
        return
    print(format_answer_table(result))
    if args.failures:
        for f in result["failures"]:
            print(json.dumps(f, ensure_ascii=False))


def cmd_serve(args: argparse.Namespace) -> None:
    """Build or update the index, then serve the app at / and the HTTP API under /v1 (as ``python app.py``)."""
    import os

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from assistant.ui import serve

    serve(args.corpus, args.index, host=args.host, port=args.port, model=args.model,
          max_bytes=megabytes_to_bytes(args.max_file_mb), token=args.token or os.environ.get("ASSISTANT_TOKEN") or None,
          cors=args.cors)


def serve_args(p: argparse.ArgumentParser) -> None:
    """The server's options, shared by ``assistant serve`` and ``python app.py``."""
    p.add_argument("--token", default=None,
                   help="bearer token for the API (default: $ASSISTANT_TOKEN): adding a notice always needs it, "
                        "and every request does when --host is beyond localhost")
    p.add_argument("--cors", action="append", default=[], metavar="ORIGIN",
                   help="let a web page from ORIGIN call the API (repeatable; default: none)")


def positive_megabytes(text: str) -> float:
    """An argparse type: a size in MB above zero (``--max-file-mb``)."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size in MB above 0, e.g. 5 or 0.5")
    return value


def megabytes_to_bytes(mb: float) -> int:
    """MB (2**20 bytes, as ``--max-file-mb`` counts them) → bytes."""
    return int(mb * 2**20)


def _question(text: str) -> str:
    from assistant.answer import check_question

    return check_question(text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all commands."""
    parser = argparse.ArgumentParser(prog="assistant", description="政策通: search and cite Chinese policy notices")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="print one notice's metadata and work points")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_parse)

    def index_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--index", default=DEFAULT_INDEX, help="index folder (default: index)")
        p.add_argument("--model", default=None, help="sentence-transformers model name or path (default: the index's)")
        p.add_argument("--quiet", action="store_true", help="no progress output")

    p = sub.add_parser("build", help="parse a corpus folder and build or update its index")
    p.add_argument("--corpus", default=DEFAULT_CORPUS, help="folder of notices, read recursively (default: corpus)")
    index_args(p)
    p.add_argument("--force", action="store_true", help="re-embed everything, replacing an index of another model")
    p.add_argument("--max-file-mb", type=positive_megabytes, default=MAX_FILE_MB, metavar="MB",
                   help=f"skip a file above this size, with a warning (default: {MAX_FILE_MB})")
    p.add_argument("--index-kind", choices=["flat", "hnsw", "ivf"], default=None,
                   help="flat (every row scored), hnsw (candidates from graphs, memory-mapped) or ivf (candidates from "
                        "compressed codes in memory, the vectors read from disk); default: flat up to 20,000 work points, "
                        "hnsw up to 150,000, ivf above")
    p.add_argument("--engine", choices=sorted(ENGINES), default=None,
                   help="where the vectors are searched: faiss (files in the index folder, the default) or milvus; "
                        "default: the index's own")
    owners: dict[str, str] = {}  # each engine's own build options (its module's OPTIONS), and which engine takes it
    for engine in sorted(ENGINES):
        for name, keywords in options_of(engine).items():
            if name not in owners:
                p.add_argument(f"--{name}", default=None, **keywords)
                owners[name] = engine
    p.set_defaults(engine_options=owners)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("search", help="rank work points for a query")
    p.add_argument("query")
    index_args(p)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--mode", default="hybrid", choices=["hybrid", "dense", "bm25", "rrf"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question with cited work points")
    p.add_argument("question", nargs="?")
    index_args(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--jsonl", metavar="FILE", help="answer one question a line (text or {\"q\": …}); JSON answers out")
    p.add_argument("--explain", action="store_true", help="also print how the question was read and why its answerer won")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="a conversation from standard input: one question a line, an empty line starts over")
    index_args(p)
    p.add_argument("--json", action="store_true", help="one JSON answer a line")
    p.add_argument("--explain", action="store_true", help="also print how each question was read")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("eval", help="answer a question file and print the measures per kind, with latency")
    p.add_argument("file")
    index_args(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--failures", action="store_true", help="also print the questions that missed")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("eval-search", help="Recall@1/5 and MRR@10 of each search mode on a question file")
    p.add_argument("file")
    index_args(p)
    p.add_argument("--sweep", default="", help="comma-separated weights: every (title, BM25) pair is compared")
    p.set_defaults(func=cmd_eval_search)

    p = sub.add_parser("compare", help="what is kept, changed, new and dropped between two notices (e.g. two years)")
    p.add_argument("notice_a", help="the earlier notice: its 文号, its file, or its year where that names one notice")
    p.add_argument("notice_b", help="the later notice, named the same ways")
    p.add_argument("--index", default=DEFAULT_INDEX, help="index folder (default: index)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("serve", help="serve the app at / and the HTTP API under /v1 (OpenAI-compatible chat too)")
    p.add_argument("--index", default=DEFAULT_INDEX, help="index folder, built or updated at start (default: index)")
    p.add_argument("--corpus", default=DEFAULT_CORPUS, help="folder of notices; uploads are saved here (default: corpus)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=None, help="port (default: $GRADIO_SERVER_PORT or 7860)")
    p.add_argument("--model", default=None, help="embedding model (default: the packaged multilingual-e5-small)")
    p.add_argument("--max-file-mb", type=positive_megabytes, default=MAX_FILE_MB, metavar="MB",
                   help=f"skip a corpus file or refuse an upload above this size (default: {MAX_FILE_MB})")
    serve_args(p)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    if getattr(args, "model", None) is None and args.command == "build":
        from assistant.embed import DEFAULT_MODEL

        args.model = DEFAULT_MODEL
    try:
        args.func(args)
    except AssistantError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
