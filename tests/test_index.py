"""The index folder: manifest, incremental rebuilds, bad files, another model, two writers."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import SEED, STATE_COUNCIL

from assistant.errors import IndexFolderError, IndexLockedError
from assistant.index import build_index, load_index, read_manifest, write_lock


def test_manifest_records_model_dimension_and_hashes(seed_index: Path, embedder):
    manifest = read_manifest(seed_index)
    assert manifest["model"] == embedder.name
    assert manifest["dim"] == 384
    (name, meta), = manifest["files"].items()
    assert name == SEED.name and len(meta["sha256"]) == 64 and meta["items"] == manifest["items"]
    index = load_index(seed_index)
    assert index.dense.ntotal == index.titles.ntotal == len(index.entries) == manifest["items"]
    assert sum(1 for _, p in index.entries if p.item.isdigit()) == 59
    # Every file of the data folder, with its size and hash, so any damage to one is found.
    data = seed_index / manifest["data"]
    files = {p.relative_to(data).as_posix(): p for p in data.rglob("*") if p.is_file()}
    assert set(manifest["data_files"]) == set(files) >= {"items.jsonl", "embeddings.npy", "dense.faiss", "bm25/params.index.json"}
    for name, meta in manifest["data_files"].items():
        assert meta["bytes"] == files[name].stat().st_size and len(meta["sha256"]) == 64


def test_rebuild_embeds_only_new_or_changed_files_and_drops_removed(tmp_path: Path, embedder):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    for name in ("guobanhan-2005-021.html", "guobanhan-2004-036.html"):
        shutil.copy(STATE_COUNCIL / name, corpus / name)
    first = build_index(corpus, index, embedder, progress=False)
    assert sorted(first.added) == ["guobanhan-2004-036.html", "guobanhan-2005-021.html"]

    clauses = load_index(index).clauses
    again = build_index(corpus, index, embedder, progress=False)
    assert again.embedded == 0 and len(again.kept) == 2
    # Kept notices keep their clause vectors too, one or more rows for every work point, in order.
    kept = load_index(index)
    assert np.array_equal(kept.clauses, clauses)
    assert np.array_equal(np.unique(kept.clause_owner), np.arange(len(kept.entries)))
    assert np.all(np.diff(kept.clause_owner) >= 0)

    shutil.copy(STATE_COUNCIL / "guobanhan-2006-069.html", corpus / "guobanhan-2006-069.html")
    (corpus / "guobanhan-2004-036.html").unlink()
    changed = corpus / "guobanhan-2005-021.html"
    changed.write_text(changed.read_text(encoding="utf-8").replace("节水", "节约用水"), encoding="utf-8")
    third = build_index(corpus, index, embedder, progress=False)
    assert sorted(third.added) == ["guobanhan-2005-021.html", "guobanhan-2006-069.html"]
    assert third.removed == ["guobanhan-2004-036.html"] and third.kept == []
    loaded = load_index(index)
    assert {n.file for n in loaded.notices} == {"guobanhan-2005-021.html", "guobanhan-2006-069.html"}
    assert any("节约用水" in p.text for _, p in loaded.entries)
    # Only one data folder is left behind.
    assert len(list(index.glob("data-*"))) == 1


def test_bad_files_are_skipped_with_a_warning_naming_them(tmp_path: Path, embedder, caplog):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    (corpus / "sub").mkdir(parents=True)
    shutil.copy(STATE_COUNCIL / "guobanhan-2005-021.html", corpus / "sub" / "good.html")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (corpus / "empty.txt").write_text("")
    docx = tmp_path / "full.docx"
    from docx import Document

    d = Document()
    for line in SEED.read_text(encoding="utf-8").splitlines()[:40]:
        d.add_paragraph(line)
    d.save(docx)
    (corpus / "truncated.docx").write_bytes(docx.read_bytes()[: docx.stat().st_size // 2])
    with caplog.at_level("WARNING"):
        report = build_index(corpus, index, embedder, progress=False)
    skipped = {Path(p).name for p, _ in report.skipped}
    assert skipped == {"binary.txt", "empty.txt", "truncated.docx"}
    assert report.warnings == [(p, f"skipped: {reason}") for p, reason in report.skipped]
    for name in skipped:
        assert caplog.text.count(name) == 1
    assert report.added == ["sub/good.html"]
    assert load_index(index).notices[0].doc.number == "国办函〔2005〕21号"


def test_an_index_built_with_another_model_is_refused(seed_index: Path, tmp_path: Path):
    with pytest.raises(IndexFolderError, match="was built with the model 'multilingual-e5-small'.*--force"):
        load_index(seed_index, model="BAAI/bge-small-zh-v1.5")

    class OtherModel:
        name, dim = "BAAI/bge-small-zh-v1.5", 512

    copy = tmp_path / "index"
    shutil.copytree(seed_index, copy)
    with pytest.raises(IndexFolderError, match="built with the model"):
        build_index(SEED.parent, copy, OtherModel(), progress=False)  # refused before any embedding
    assert read_manifest(copy)["model"] == "multilingual-e5-small"


def test_missing_or_damaged_index_says_how_to_build_one(tmp_path: Path, seed_index: Path):
    with pytest.raises(IndexFolderError, match="assistant build"):
        load_index(tmp_path / "nothing")
    copy = tmp_path / "damaged"
    shutil.copytree(seed_index, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / manifest["data"] / "dense.faiss").write_bytes(b"not faiss")
    with pytest.raises(IndexFolderError, match="damaged|rebuild"):
        load_index(copy)


def test_an_index_of_an_older_format_is_built_again(tmp_path: Path, seed_index: Path, embedder):
    copy = tmp_path / "old"
    shutil.copytree(seed_index, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "format": 1}))
    with pytest.raises(IndexFolderError, match="format"):
        load_index(copy)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    report = build_index(corpus, copy, embedder, progress=False)
    assert report.added and not report.kept
    assert len(load_index(copy).entries) == report.items


def _hold_lock(folder: str, seconds: float, ready) -> None:
    with write_lock(Path(folder)):
        ready.set()
        time.sleep(seconds)


def test_a_second_writer_waits_then_fails_clearly(tmp_path: Path):
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), 3.0, ready))
    holder.start()
    try:
        assert ready.wait(30)
        start = time.monotonic()
        with pytest.raises(IndexLockedError, match="another process is writing"):
            with write_lock(tmp_path, wait=0.5):
                pass
        assert time.monotonic() - start >= 0.5
        with write_lock(tmp_path, wait=30):  # waits for the holder to let go, then gets the lock
            assert time.monotonic() - start >= 2.0
    finally:
        holder.join()


def test_the_lock_is_reentrant_in_one_thread(tmp_path: Path):
    with write_lock(tmp_path, wait=0.5):
        with write_lock(tmp_path, wait=0.5):  # a caller holding it may run a build, which takes it again
            pass
        with pytest.raises(IndexLockedError):  # still held against another process
            _try_lock_elsewhere(tmp_path)
    _try_lock_elsewhere(tmp_path)


def _try_lock_elsewhere(folder: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        error = pool.apply(_lock_error, (str(folder),))
    if error:
        raise IndexLockedError(error)


def _lock_error(folder: str) -> str:
    try:
        with write_lock(Path(folder), wait=0.3):
            return ""
    except IndexLockedError as e:
        return str(e)


def test_a_corpus_inside_a_hidden_folder_is_read(tmp_path: Path):
    from assistant.index import corpus_files

    corpus = tmp_path / ".cache" / "corpus"
    (corpus / ".git").mkdir(parents=True)
    (corpus / "a.txt").write_text("x")
    (corpus / ".hidden.txt").write_text("x")
    (corpus / ".git" / "config").write_text("x")
    assert corpus_files(corpus) == [corpus / "a.txt"]


def test_a_build_waits_for_another_writer_and_leaves_a_valid_index(tmp_path: Path, embedder):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    shutil.copy(STATE_COUNCIL / "guobanhan-2004-036.html", corpus / "a.html")
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(index), 2.0, ready))
    holder.start()
    assert ready.wait(30)
    report = build_index(corpus, index, embedder, progress=False)
    holder.join()
    assert report.added == ["a.html"]
    assert len(load_index(index).entries) == report.items


def test_an_index_parsed_by_another_parser_version_is_read_again(tmp_path: Path, embedder):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    shutil.copy(STATE_COUNCIL / "guobanhan-2004-036.html", corpus / "a.html")
    build_index(corpus, index, embedder, progress=False)
    manifest = json.loads((index / "manifest.json").read_text())
    manifest["parser"] = -1
    (index / "manifest.json").write_text(json.dumps(manifest))
    again = build_index(corpus, index, embedder, progress=False)
    assert again.added == ["a.html"] and again.kept == []


def test_a_large_index_knows_each_notices_headings_and_task_list_without_reading_it(local_index: Path):
    """A question naming a section, a task list (民生实事) or a task by number reads these from notices.jsonl in a
    large index; they are what the work points themselves give."""
    from assistant.records import Notice
    from assistant.store import Records

    index = load_index(local_index)
    stored = Records(local_index / index.manifest["data"], eager=False)
    with_list = 0
    for lazy, read in zip(stored.notices, index.notices, strict=True):
        assert lazy._items is None
        headings, listed, tasks, preamble = lazy.headings, lazy.listed, lazy.task_labels, lazy.preamble
        assert lazy._items is None  # answered from notices.jsonl
        assert headings == Notice.headings.fget(read) and listed == Notice.listed.fget(read)
        assert tasks == Notice.task_labels.fget(read) and preamble == Notice.preamble.fget(read)
        assert [read.items[t.at] for t in tasks] == Notice.tasks.fget(read)
        with_list += bool(read.doc.task_part)
        if read.doc.task_part:
            assert [read.items[i] for i in listed] == read.tasks and len(listed) < len(read.items)
    assert with_list >= 8


def test_a_large_index_reads_a_single_work_point_from_its_own_bytes(local_index: Path):
    """A search hit in a large index is read from its bytes in items.jsonl (item_spans.npy), not by parsing its
    notice; the notice read later holds that same object, so an answer sees one work point a row."""
    from assistant.store import Records

    index = load_index(local_index)
    stored = Records(local_index / index.manifest["data"], eager=False)
    assert stored.spans is not None and len(stored.spans) == len(index.entries)
    rows = [0, len(index.entries) // 2, len(index.entries) - 1]
    singles = {row: stored.entries[row] for row in rows}
    for row, (notice, point) in singles.items():
        assert notice._items is None  # its notice was not read
        assert point == index.entries[row][1] and notice.doc == index.entries[row][0].doc
        assert stored.rows[id(point)] == row and stored.point(row) is point
    for row, (notice, point) in singles.items():
        assert notice.items[row - int(stored.first[stored.notice_of_row(row)])] is point  # taken in, not parsed again


def test_a_damaged_work_point_is_refused_with_its_row(local_index: Path, tmp_path: Path):
    from assistant.store import Records

    data = tmp_path / "data"
    shutil.copytree(local_index / load_index(local_index).manifest["data"], data)
    spans = np.load(data / "item_spans.npy")
    spans[5, 1] = spans[5, 0] + 3  # cut short: not a JSON object
    np.save(data / "item_spans.npy", spans)
    with pytest.raises(ValueError, match="work point 5 "):
        Records(data, eager=False).point(5)
