"""Opening a large index freezes the heap out of the cyclic collector's reach; a small one leaves it as it is."""

import gc
import weakref
from types import SimpleNamespace

from assistant.answering.assistant import _settle


def _searcher(eager: bool | None) -> SimpleNamespace:
    records = None if eager is None else SimpleNamespace(eager=eager)
    return SimpleNamespace(index=SimpleNamespace(records=records))


def test_large_index_freezes_and_a_small_one_does_not():
    gc.unfreeze()
    try:
        _settle(_searcher(eager=True))
        _settle(_searcher(eager=None))
        assert gc.get_freeze_count() == 0
        _settle(_searcher(eager=False))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


class _Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_a_replaced_index_is_collected_at_the_next_open():
    gc.unfreeze()
    try:
        node = _Node()
        gone = weakref.ref(node)
        _settle(_searcher(eager=False))  # alive when frozen
        del node
        gc.collect()
        assert gone() is not None  # frozen: the collector leaves it
        _settle(_searcher(eager=False))  # unfrozen, collected, the rest frozen again
        assert gone() is None
    finally:
        gc.unfreeze()
