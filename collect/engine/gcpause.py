"""Python's garbage collector kept out of measured intervals.

A cyclic collection of the oldest generation stops every Python thread for as long as it
takes to walk all tracked objects (80-100 ms was seen inside the first measured second of
an open-loop run, after the model was built and the request list allocated): it read as
queueing in every request scheduled during it. Around a measured interval the collector
therefore collects once, freezes the survivors (``gc.freeze``: they are never walked
again), is disabled while the interval runs, and collects after it. Reference counting
still frees everything that is not in a cycle.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Iterator
from typing import Any

GC_POLICY = "collected and frozen before, disabled during, collected after"


@contextlib.contextmanager
def gc_paused() -> Iterator[dict[str, Any]]:
    """Collect, freeze and disable the collector for the body; collect after it.

    Yields the record's ``gc`` field, filled when the body ends: the policy, how many
    objects were frozen before, and how many the collection after the interval found
    unreachable (what the disabled collector left for later) and how long it took.
    """
    was_enabled = gc.isenabled()
    gc.collect()
    gc.freeze()
    gc.disable()
    info: dict[str, Any] = {"policy": GC_POLICY, "frozen_objects": gc.get_freeze_count()}
    try:
        yield info
    finally:
        gc.unfreeze()
        began = time.perf_counter()
        info["collected_after"] = gc.collect()
        info["collect_after_ms"] = round((time.perf_counter() - began) * 1000, 3)
        if was_enabled:
            gc.enable()
