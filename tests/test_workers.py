"""Extraction worker processes (indexer.workers): what each worker process is set up with."""

from __future__ import annotations

import gc


def _collector_state(_item) -> tuple[int, int]:
    return gc.get_freeze_count(), gc.get_threshold()[0]


def test_workers_freeze_what_they_inherit_and_collect_less_often():
    from indexer.workers import GC_THRESHOLD, WorkerPool

    with WorkerPool(_collector_state, workers=2, seconds=30) as pool:
        results = list(pool.map([1, 2, 3]))
    assert len(results) == 3
    for frozen, threshold in results:
        assert frozen > 10_000  # the modules and objects loaded before the fork
        assert threshold == GC_THRESHOLD
    assert gc.get_threshold()[0] != GC_THRESHOLD  # the parent keeps Python's settings
