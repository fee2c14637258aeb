"""The ``ivf`` engine's reader of vectors by ``pread`` (:class:`assistant.engines.folder.RowFile`): pure logic,
checked against numpy's own reading of the same file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.engines.folder import RowFile, ivf_factory


@pytest.fixture
def rows(tmp_path: Path) -> tuple[Path, np.ndarray]:
    data = np.random.default_rng(0).standard_normal((500, 24)).astype(np.float16)
    path = tmp_path / "rows.npy"
    np.save(path, data)
    return path, data


def test_rows_are_read_in_the_order_asked_with_repeats(rows) -> None:
    path, data = rows
    at = np.array([499, 3, 3, 0, 250, 251, 252, 17])
    got = RowFile(path).take(at)
    assert got.dtype == np.float32
    assert np.array_equal(got, data[at].astype(np.float32))


def test_spans_concatenate_in_the_order_given_touching_or_not(rows) -> None:
    path, data = rows
    rng = np.random.default_rng(1)
    reader = RowFile(path)
    for _ in range(50):
        lo = rng.integers(0, 500, 12)
        hi = np.minimum(lo + rng.integers(0, 8, 12), 500)
        want = np.concatenate([data[a:b] for a, b in zip(lo, hi, strict=True)]).astype(np.float32)
        assert np.array_equal(reader.spans(lo, hi), want)
    touching = reader.spans(np.array([10, 5, 0]), np.array([15, 10, 5]))
    assert np.array_equal(touching, np.concatenate([data[10:15], data[5:10], data[0:5]]).astype(np.float32))
    assert reader.spans(np.array([4]), np.array([4])).shape == (0, 24)


def test_rows_outside_the_file_are_an_error_not_garbage(rows) -> None:
    path, _ = rows
    with pytest.raises(IndexError):
        RowFile(path).take(np.array([500]))


def test_a_file_that_is_not_rows_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "flat.npy"
    np.save(path, np.zeros(10, np.float16))
    with pytest.raises(ValueError, match="not rows"):
        RowFile(path)


def test_the_inverted_lists_grow_as_the_square_root() -> None:
    assert ivf_factory(384, 7_000_000) == "IVF2048,PQ48"
    assert ivf_factory(384, 1_000_000) == "IVF1024,PQ48"
    assert ivf_factory(384, 100) == "IVF16,PQ48"
    assert ivf_factory(30, 10_000) == "IVF128,PQ30"


def test_products_come_in_the_order_of_the_spans(rows) -> None:
    path, data = rows
    vector = np.random.default_rng(2).standard_normal(24).astype(np.float32)
    lo, hi = np.array([300, 2, 40, 41]), np.array([305, 4, 41, 44])
    want = RowFile(path).spans(lo, hi) @ vector
    assert np.allclose(RowFile(path).dot(lo, hi, vector), want, atol=1e-5)


def test_the_vectors_in_list_order_hold_each_row_once_under_its_own_list(tmp_path: Path) -> None:
    import faiss

    from assistant.engines.folder import _list_order, _save_ordered

    data = np.random.default_rng(3).standard_normal((700, 24)).astype(np.float16)
    index = faiss.index_factory(24, "IVF16,PQ6", faiss.METRIC_INNER_PRODUCT)
    index.cp.min_points_per_centroid = index.pq.cp.min_points_per_centroid = 1
    index.train(data.astype(np.float32))
    index.add(data.astype(np.float32))
    order, starts = _list_order(faiss.extract_index_ivf(index))
    assert np.array_equal(np.sort(order), np.arange(700)) and starts[0] == 0 and starts[-1] == 700
    _, assigned = index.quantizer.search(data.astype(np.float32), 1)
    for i in range(16):
        assert set(order[starts[i] : starts[i + 1]].tolist()) == set(np.flatnonzero(assigned[:, 0] == i).tolist())
    _save_ordered(tmp_path / "lists.npy", data, order)
    assert np.array_equal(np.load(tmp_path / "lists.npy"), data[order])
