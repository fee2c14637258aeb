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
def full_index(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """An index over the seed plus all 50 State Council notices (read from ../shared, never copied in the repo)."""
    from assistant.index import build_index

    corpus = tmp_path_factory.mktemp("full-corpus")
    shutil.copy(SEED, corpus / SEED.name)
    shutil.copytree(STATE_COUNCIL, corpus / "state-council")
    index = tmp_path_factory.mktemp("full-index")
    build_index(corpus, index, embedder, progress=False)
    return index


@pytest.fixture(scope="session")
def full_searcher(full_index: Path, embedder):
    from assistant.index import load_index
    from assistant.search import Searcher

    return Searcher(load_index(full_index, model=embedder.name), embedder)
