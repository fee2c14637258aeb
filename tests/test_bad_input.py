"""Bad input loses nothing else: a clear warning, on real files and a real index.

One build over a corpus of bad input (a real notice with a byte broken, one wrapped in site
navigation, one notice under three names, symlink loops, a stopped build's leftover) is shared
by the first tests; a 50 MB file, a damaged index, the CLI, the app start and the upload checks
each have their own small build over one short State Council notice.
"""

from __future__ import annotations

import json
import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from conftest import SEED, STATE_COUNCIL

from assistant.errors import AssistantError, FileTooLargeError, IndexDamagedError
from assistant.index import BuildReport, build_index, load_index, read_manifest
from assistant.parse import parse_notice
from assistant.parse.readers import MAX_FILE_BYTES, read_document

#: A short real notice (国办函〔2004〕36号, one work point) and one with four (国办函〔2005〕21号).
SHORT = STATE_COUNCIL / "guobanhan-2004-036.html"
FOUR = STATE_COUNCIL / "guobanhan-2005-021.html"
#: A government site's menu, as a page saved from the browser prints it before the notice.
MENU = ["首页", "政务公开", "网站无障碍", "关怀版", "English", "登录", "注册", "政府信息公开", "政策文件", "政策解读",
        "互动交流", "办事服务", "数据开放", "专题专栏", "走进国务院", "领导之窗", "机构职能", "索引号：", "分享到：", "打印本页"]
LEFTOVER = ".data-0123456789ab.tmp"


def broken_seed() -> bytes:
    """The seed notice with one byte broken: the lead byte of the first 牵头 becomes 0xFF.

    UTF-8 then rejects 0xFF and the two continuation bytes it led: 3 bytes are replaced.
    """
    data = bytearray(SEED.read_bytes())
    data[data.index("牵头".encode())] = 0xFF
    return bytes(data)


def wrapped_in_navigation(page: Path) -> str:
    """A real State Council page with 40 menu lines before its text and related links after it."""
    nav = "<nav><ul>" + "".join(f"<li><a href='#'>{m}</a></li>" for m in MENU * 2) + "</ul></nav>"
    related = "<div><a href='#'>相关解读</a> <a href='#'>关闭窗口</a></div>"
    return page.read_text(encoding="utf-8").replace("<body>", "<body>" + nav, 1).replace("</body>", related + "</body>")


def gbk_copy(page: Path) -> bytes:
    """The same page saved again in GBK, as an older site or editor would."""
    return page.read_text(encoding="utf-8").replace('charset="utf-8"', 'charset="gbk"').encode("gbk")


def warnings_for(report: BuildReport, name: str) -> list[str]:
    return [message for path, message in report.warnings if Path(path).name == name]


@pytest.fixture(scope="module")
def bad_build(tmp_path_factory: pytest.TempPathFactory, embedder) -> tuple[Path, Path, BuildReport]:
    root = tmp_path_factory.mktemp("bad-input")
    corpus, index = root / "corpus", root / "index"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "broken-byte.txt").write_bytes(broken_seed())
    (corpus / "wrapped.html").write_text(wrapped_in_navigation(FOUR), encoding="utf-8")
    shutil.copy(SHORT, corpus / "a-first.html")
    shutil.copy(SHORT, corpus / "b-second.html")
    (corpus / "c-gbk.html").write_bytes(gbk_copy(SHORT))
    (corpus / "loop").symlink_to(corpus, target_is_directory=True)
    (corpus / "sub" / "up").symlink_to("..", target_is_directory=True)
    (corpus / "self.txt").symlink_to("self.txt")
    (index / LEFTOVER).mkdir(parents=True)
    (index / LEFTOVER / "embeddings.npy").write_bytes(b"half written")
    return corpus, index, build_index(corpus, index, embedder, progress=False)


def test_one_broken_byte_keeps_the_notice_and_warns_with_the_count(bad_build, tmp_path: Path) -> None:
    corpus, index, report = bad_build
    assert "broken-byte.txt" in report.added
    warned = warnings_for(report, "broken-byte.txt")
    assert len(warned) == 1 and warned[0].startswith("3 undecodable bytes replaced")
    notice = next(n for n in load_index(index).notices if n.file == "broken-byte.txt")
    assert len(notice.items) == len(parse_notice(SEED).items) == 64 and len(notice.tasks) == 59
    assert sum("\ufffd" in p.text for p in notice.items) == 1
    # The reader alone: every other line is the seed's, as printed.
    seed, broken = read_document(SEED), read_document(corpus / "broken-byte.txt")
    assert len(broken.lines) == len(seed.lines)
    assert [a for a, b in zip(seed.lines, broken.lines, strict=True) if a != b] == [
        next(line for line in seed.lines if "牵头" in line)
    ]


def test_the_same_notice_under_three_names_is_indexed_once(bad_build) -> None:
    corpus, index, report = bad_build
    assert "a-first.html" in report.added
    assert not {"b-second.html", "c-gbk.html"} & set(report.added)
    first = str(corpus / "a-first.html")
    assert warnings_for(report, "b-second.html") == [f"skipped: the same file as {first}: indexed once, as that file"]
    assert warnings_for(report, "c-gbk.html") == [f"skipped: the same text as {first}: indexed once, as that file"]
    numbers = [n.doc.number for n in load_index(index).notices]
    assert numbers.count("国办函〔2004〕36号") == 1


def test_a_copy_added_after_the_first_build_does_not_displace_it(small_index, tmp_path: Path, embedder) -> None:
    corpus, intact = small_index
    copy_corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(corpus, copy_corpus)
    shutil.copytree(intact, index)
    (copy_corpus / "0-gbk-copy.html").write_bytes(gbk_copy(SHORT))  # sorts first, but is new
    report = build_index(copy_corpus, index, embedder, progress=False)
    assert report.kept == [SHORT.name] and report.added == [] and report.embedded == 0
    assert report.warnings == [
        (str(copy_corpus / "0-gbk-copy.html"), f"skipped: the same text as {copy_corpus / SHORT.name}: indexed once, as that file")
    ]


def test_a_notice_wrapped_in_navigation_is_indexed_without_a_warning(bad_build) -> None:
    corpus, index, report = bad_build
    assert "wrapped.html" in report.added and warnings_for(report, "wrapped.html") == []
    notice = next(n for n in load_index(index).notices if n.file == "wrapped.html")
    assert [p.title for p in notice.tasks] == [p.title for p in parse_notice(FOUR).tasks]


def test_symlink_loops_are_warned_about_and_not_followed(bad_build) -> None:
    corpus, index, report = bad_build
    assert warnings_for(report, "loop") == [f"a symlink loop (it leads back to {corpus}): not followed"]
    assert warnings_for(report, "up") == [f"a symlink loop (it leads back to {corpus}): not followed"]
    assert warnings_for(report, "self.txt") == ["a symlink loop: not read"]
    assert sorted(report.added) == ["a-first.html", "broken-byte.txt", "wrapped.html"]  # nothing read twice


def test_a_stopped_builds_leftover_folder_is_removed(bad_build) -> None:
    corpus, index, report = bad_build
    assert not (index / LEFTOVER).exists()
    assert warnings_for(report, LEFTOVER) == ["removed: the data folder of a build that was stopped before it finished"]
    assert [p.name for p in index.iterdir() if p.name.startswith((".data", "data-"))] == [read_manifest(index)["data"]]


def test_a_page_of_navigation_alone_is_skipped_with_a_warning(tmp_path: Path, embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    nav = "".join(f"<li><a href='#'>{m}</a></li>" for m in MENU * 2)
    (corpus / "menu.html").write_text(
        f"<html><head><title>中国政府网</title></head><body><nav><ul>{nav}</ul></nav></body></html>", encoding="utf-8"
    )
    shutil.copy(SHORT, corpus / "notice.html")
    report = build_index(corpus, tmp_path / "index", embedder, progress=False)
    assert report.added == ["notice.html"]
    assert [Path(p).name for p, _ in report.skipped] == ["menu.html"]
    assert warnings_for(report, "menu.html")[0].startswith("skipped: ")


# ------------------------------------------------------------------------------------ size
def test_a_50_mb_file_is_skipped_quickly_without_being_read(tmp_path: Path, embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    big = corpus / "big.txt"
    line = "一、全面推进各项工作。（牵头单位：市政府办公室）\n".encode()
    with open(big, "wb") as f:
        for _ in range(50 * 2**20 // (len(line) * 1000) + 1):
            f.write(line * 1000)
    shutil.copy(SHORT, corpus / "notice.html")
    tracemalloc.start()
    with pytest.raises(FileTooLargeError, match="above the 5 MB limit"):
        read_document(big, max_bytes=MAX_FILE_BYTES)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2**20  # refused on its size: the 50 MB were never read
    report = build_index(corpus, tmp_path / "index", embedder, progress=False)
    assert report.added == ["notice.html"] and [Path(p).name for p, _ in report.skipped] == ["big.txt"]
    (path, message), = report.warnings
    assert path == str(big) and "MB, above the 5 MB limit" in message and "--max-file-mb" in message
    assert report.embedded == report.items < 50  # the short notice alone: none of the big file's 873,814 clauses


def test_a_docx_is_held_to_the_limit_by_its_text(tmp_path: Path) -> None:
    from docx import Document

    document = Document()
    for line in SEED.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    document.save(tmp_path / "seed.docx")
    text_bytes = len(SEED.read_text(encoding="utf-8").encode())
    assert read_document(tmp_path / "seed.docx", max_bytes=text_bytes * 2).lines
    with pytest.raises(FileTooLargeError, match="limit for one notice"):
        read_document(tmp_path / "seed.docx", max_bytes=text_bytes // 2)


# ------------------------------------------------------------------------------------ a damaged index
@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory, embedder) -> tuple[Path, Path]:
    """A real index over one short real notice (one work point: embedded in about a second)."""
    root = tmp_path_factory.mktemp("small")
    corpus, index = root / "corpus", root / "index"
    corpus.mkdir()
    shutil.copy(SHORT, corpus / SHORT.name)
    build_index(corpus, index, embedder, progress=False)
    return corpus, index


def _record(index: Path, name: str) -> None:
    """Write a data file's size and hash into the manifest, as a build would."""
    from assistant.index import file_hash

    manifest = read_manifest(index)
    path = index / manifest["data"] / name
    manifest["data_files"][name] = {"bytes": path.stat().st_size, "sha256": file_hash(path)}
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _damage(kind: str, index: Path) -> None:
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    data = index / manifest["data"]
    if kind == "truncated embeddings.npy":
        _truncate(data / "embeddings.npy")
    elif kind == "truncated items.jsonl":
        _truncate(data / "items.jsonl")
    elif kind == "bad JSON in items.jsonl":  # the same size: only the hash tells
        raw = (data / "items.jsonl").read_bytes()
        (data / "items.jsonl").write_bytes(b"x" + raw[1:])
    elif kind == "bad JSON in items.jsonl, hash updated":  # the JSON reader tells
        raw = (data / "items.jsonl").read_bytes()
        (data / "items.jsonl").write_bytes(b"x" + raw[1:])
        _record(index, "items.jsonl")
    elif kind == "titles.npy of the wrong shape, hash updated":  # the shape check tells
        np.save(data / "titles.npy", np.zeros((2, manifest["dim"]), np.float32))
        _record(index, "titles.npy")
    elif kind == "a manifest key dropped":
        del manifest["dim"]
        (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    elif kind == "bad JSON in manifest.json":
        (index / "manifest.json").write_text(json.dumps(manifest)[:-20], encoding="utf-8")
    elif kind == "the data folder missing":
        shutil.rmtree(data)
    elif kind == "a FAISS file that does not load":
        (data / "dense.faiss").write_bytes(b"not faiss")
    elif kind == "a FAISS file that does not load, hash updated":
        (data / "dense.faiss").write_bytes(b"not faiss")
        _record(index, "dense.faiss")
    elif kind == "an array added later, truncated":  # the check is generic over the data folder's files
        np.save(data / "later.npy", np.ones((1, 8), np.float32))
        _record(index, "later.npy")
        _truncate(data / "later.npy")
    else:
        raise ValueError(kind)


DAMAGE = {  # what the message names
    "truncated embeddings.npy": "embeddings.npy is",
    "truncated items.jsonl": "items.jsonl is",
    "bad JSON in items.jsonl": "items.jsonl does not match the SHA-256",
    "bad JSON in items.jsonl, hash updated": "items.jsonl cannot be read: line 1",
    "titles.npy of the wrong shape, hash updated": "titles.npy has shape (2, 384)",
    "a manifest key dropped": "manifest.json has no 'dim'",
    "bad JSON in manifest.json": "manifest.json cannot be read",
    "the data folder missing": "data folder data-",
    "a FAISS file that does not load": "dense.faiss is 9 bytes",
    "a FAISS file that does not load, hash updated": "FAISS, BM25 or word files cannot be read",
    "an array added later, truncated": "later.npy is",
}
#: Rebuilt with the real model in the test (about 5 s each on a busy machine); every other kind of
#: damage reaches the build by one of these paths (the manifest, the data files, the FAISS files).
REBUILT = {
    "truncated embeddings.npy", "truncated items.jsonl", "bad JSON in items.jsonl", "a manifest key dropped",
    "the data folder missing", "a FAISS file that does not load, hash updated", "an array added later, truncated",
}


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_index_is_refused_then_rebuilt_by_a_plain_build(
    kind: str, small_index: tuple[Path, Path], tmp_path: Path, embedder
) -> None:
    corpus, intact = small_index
    index = tmp_path / "index"
    shutil.copytree(intact, index)
    _damage(kind, index)
    with pytest.raises(IndexDamagedError) as refused:
        load_index(index)
    assert DAMAGE[kind] in refused.value.problem
    assert str(refused.value).endswith(f"rebuild it with `assistant build --index {index}`")
    if kind not in REBUILT:
        return
    report = build_index(corpus, index, embedder, progress=False)
    (path, message), = report.warnings  # an unchanged corpus, yet the index that does not open is written again
    assert path == str(index) and message.startswith("the index was damaged (") and DAMAGE[kind] in message
    assert message.endswith("built again from the corpus")
    assert len(load_index(index).entries) == report.items == 1
    assert len(list(index.glob("data-*"))) == 1


def test_the_app_start_rebuilds_a_damaged_index_and_prints_the_warnings(
    small_index: tuple[Path, Path], tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    import assistant.ui

    corpus, intact = small_index
    index = tmp_path / "index"
    shutil.copytree(intact, index)
    _damage("truncated embeddings.npy", index)
    (corpus_copy := tmp_path / "corpus").mkdir()
    shutil.copy(corpus / SHORT.name, corpus_copy / SHORT.name)
    (corpus_copy / "binary.txt").write_bytes(b"\x00\x01" * 100)
    served = {}

    def web_app(state, **kw: object) -> object:
        served.update(assistant=state.assistant, max_bytes=state.max_bytes)
        return "app"

    monkeypatch.setattr("assistant.embed.load_embedder", lambda model, **kw: embedder)
    monkeypatch.setattr(assistant.ui, "web_app", web_app)
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: served.update(ran=app))
    assistant.ui.serve(corpus_copy, index, max_bytes=2**20)
    err = capsys.readouterr().err
    assert err.count(f"[index] warning: {index}: the index was damaged (embeddings.npy is") == 1
    assert err.count("binary.txt") == 1 and "[index] warning: " in err.split("binary.txt")[0].splitlines()[-1]
    assert len(served["assistant"].notices) == 1 and served["max_bytes"] == 2**20 and served["ran"] == "app"


# ------------------------------------------------------------------------------------ the CLI
def test_the_cli_prints_each_warning_once(tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch, capsys, caplog) -> None:
    from assistant.cli import build_parser, main

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    shutil.copy(SHORT, corpus / "a.html")
    shutil.copy(SHORT, corpus / "b.html")
    (corpus / "big.txt").write_text("一" * 400_000, encoding="utf-8")  # 1.1 MB
    monkeypatch.setattr("assistant.embed.load_embedder", lambda model, **kw: embedder)
    with caplog.at_level("WARNING", logger="assistant.index"):
        assert main(["build", "--corpus", str(corpus), "--index", str(index), "--max-file-mb", "1"]) == 0
        first = capsys.readouterr().err
        assert main(["build", "--corpus", str(corpus), "--index", str(index), "--max-file-mb", "1", "--quiet"]) == 0
        second = capsys.readouterr().err
    for err in (first, second):  # once per run, progress on or off
        assert err.count("b.html") == 1 and err.count("big.txt") == 1
        assert f"warning: {corpus / 'big.txt'}: skipped: 1.1 MB, above the 1 MB limit" in err
    # The log has each once for the process, not once per build.
    assert sum("big.txt" in r.getMessage() for r in caplog.records) == 1
    assert build_parser().parse_args(["build", "--max-file-mb", "0.5"]).max_file_mb == 0.5
    assert build_parser().parse_args(["build"]).max_file_mb == 5
    with pytest.raises(SystemExit):
        build_parser().parse_args(["build", "--max-file-mb", "0"])


# ------------------------------------------------------------------------------------ the upload checks
def test_check_upload_refuses_a_file_above_the_limit_before_reading_it(small_index, tmp_path: Path) -> None:
    from assistant.library import check_upload

    corpus, index = small_index
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (2 * 2**20))
    before = sorted(corpus.iterdir())
    check = check_upload(big, corpus, load_index(index), max_bytes=2**20)
    assert not check.ok and check.problem == "size" and check.size == 2 * 2**20 and check.notice is None
    assert "above the 1 MB limit" in check.reason and "--max-file-mb" in check.reason
    assert sorted(corpus.iterdir()) == before


def test_check_upload_names_the_indexed_notice_it_repeats(small_index, tmp_path: Path) -> None:
    from assistant.library import check_upload

    corpus, index = small_index
    loaded = load_index(index)
    renamed = tmp_path / "harbin.html"
    shutil.copy(SHORT, renamed)
    (tmp_path / "gbk.html").write_bytes(gbk_copy(SHORT))
    for upload in (renamed, tmp_path / "gbk.html", corpus / SHORT.name):
        check = check_upload(upload, corpus, loaded)
        assert check.problem == "duplicate" and check.duplicate is not None, upload
        assert check.duplicate.file == SHORT.name and check.duplicate.doc.number == "国办函〔2004〕36号"
        assert f"(国办函〔2004〕36号), file {SHORT.name}" in check.reason
        assert check.notice is not None and check.to_dict()["duplicate"]["file"] == SHORT.name
    fresh = check_upload(FOUR, corpus, loaded)
    assert fresh.ok and fresh.notice is not None and fresh.notice.doc.number == "国办函〔2005〕21号"
    assert check_upload(tmp_path / "notes.xyz", corpus, loaded).problem == "format"
    (tmp_path / "binary.txt").write_bytes(b"\x00" * 10)
    assert check_upload(tmp_path / "binary.txt", corpus, loaded).problem == "unreadable"


def test_add_upload_removes_the_copy_when_indexing_fails(
    small_index, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.library import add_upload

    corpus, intact = small_index
    copy_corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(corpus, copy_corpus)
    shutil.copytree(intact, index)
    manifest = (index / "manifest.json").read_bytes()

    def fail(*args: object, **kw: object) -> BuildReport:
        raise AssistantError("the model ran out of memory")

    monkeypatch.setattr("assistant.index.build_index", fail)
    harbin = tmp_path / "harbin.html"
    (tmp_path / "harbin.html").write_bytes(SHORT.read_bytes().replace("哈尔滨".encode(), "冰城".encode()))
    result = add_upload(harbin, copy_corpus, index, embedder, index=load_index(index))
    assert not result.ok and result.reason == "the model ran out of memory" and result.check.ok
    assert sorted(p.name for p in copy_corpus.iterdir()) == [SHORT.name]
    assert (index / "manifest.json").read_bytes() == manifest
    monkeypatch.undo()
    added = add_upload(harbin, copy_corpus, index, embedder, index=load_index(index))
    assert added.ok and added.file == "harbin.html" and added.report is not None and added.report.added == ["harbin.html"]
    assert "冰城" in added.to_dict()["check"]["notice"]["doc"]["title"]

