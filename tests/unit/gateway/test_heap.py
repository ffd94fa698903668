"""The start-up heap is frozen out of the collector's sight, and its garbage is freed, not frozen."""

from __future__ import annotations

import gc
import weakref

from gateway.heap import freeze_startup_heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_the_live_heap_is_frozen_and_its_cyclic_garbage_collected_first() -> None:
    kept = [_Node()]
    garbage = _Node()
    dropped = weakref.ref(garbage)
    del garbage
    try:
        freeze_startup_heap()
        assert dropped() is None, "garbage of start-up would never be freed once frozen"
        assert gc.get_freeze_count() > 0
        assert all(o is not kept for o in gc.get_objects(generation=2)), "a live object left to scan"
    finally:
        gc.unfreeze()
