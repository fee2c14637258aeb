"""Shared fixtures: the real notices from ../shared, the real model, real indexes built once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "corpus" / "haidong-2019-eco-civilization-work-points.txt"
STATE_COUNCIL = SHARED / "corpus" / "state-council"
DEV = SHARED / "eval" / "dev.jsonl"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not SEED.exists():
        skip = pytest.mark.skip(reason=f"the shared corpus is not at {SHARED}")
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def embedder():
    """The packaged default model, converted once into the user cache."""
    from assistant.embed import load_embedder

    return load_embedder(None, progress=False)


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """An index over the seed notice alone."""
    from assistant.index import build_index

    corpus = tmp_path_factory.mktemp("seed-corpus")
    shutil.copy(SEED, corpus / SEED.name)
    index = tmp_path_factory.mktemp("seed-index")
    build_index(corpus, index, embedder, progress=False)
    return index


@pytest.fixture(scope="session")
def full_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed plus all 50 State Council notices (read from ../shared, never copied in the repo)."""
    corpus = tmp_path_factory.mktemp("full-corpus")
    shutil.copy(SEED, corpus / SEED.name)
    shutil.copytree(STATE_COUNCIL, corpus / "state-council")
    return corpus


@pytest.fixture(scope="session")
def full_index(tmp_path_factory: pytest.TempPathFactory, full_corpus: Path, embedder) -> Path:
    """An index over :func:`full_corpus`."""
    from assistant.index import build_index

    index = tmp_path_factory.mktemp("full-index")
    build_index(full_corpus, index, embedder, progress=False)
    return index


@pytest.fixture(scope="session")
def full_searcher(full_index: Path, embedder):
    from assistant.index import load_index
    from assistant.search import Searcher

    return Searcher(load_index(full_index, model=embedder.name), embedder)


LOCAL = SHARED / "corpus" / "local"
ROOT_BENCH = ROOT / "benchmarks"


@pytest.fixture(scope="session")
def local_index(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """An index over the nine local government work reports (read from ../shared, never copied in the repo)."""
    from assistant.index import build_index

    corpus = tmp_path_factory.mktemp("local-corpus")
    for path in LOCAL.glob("*.md"):
        if path.name != "README.md":
            shutil.copy(path, corpus / path.name)
    index = tmp_path_factory.mktemp("local-index")
    build_index(corpus, index, embedder, progress=False)
    return index


@pytest.fixture(scope="session")
def editions_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed and a 2020 edition of it made by benchmarks/editions/make_haidong_2020.py (figures,
    leads and tasks changed; its truth in haidong-2020.truth.json)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_haidong_2020", ROOT_BENCH / "editions" / "make_haidong_2020.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    corpus = tmp_path_factory.mktemp("editions-corpus")
    shutil.copy(SEED, corpus / SEED.name)
    module.make(str(SEED), str(corpus / "haidong-2020-eco-civilization-work-points.txt"))
    return corpus


@pytest.fixture(scope="session")
def editions_index(tmp_path_factory: pytest.TempPathFactory, editions_corpus: Path, embedder) -> Path:
    from assistant.index import build_index

    index = tmp_path_factory.mktemp("editions-index")
    build_index(editions_corpus, index, embedder, progress=False)
    return index


def open_assistant(index: Path, embedder):
    """An Assistant over an index with the session's model (no second model load)."""
    from assistant.answering import Assistant
    from assistant.index import load_index
    from assistant.search import Searcher

    return Assistant(searcher=Searcher(load_index(index, model=embedder.name), embedder))
