"""The chart ring buffer keeps the newest points, in order."""

from __future__ import annotations

import numpy as np
import pytest

from commandcenter.ingest.ring import RingBuffer


def test_append_and_wrap_keeps_newest_in_order() -> None:
    ring = RingBuffer(5)
    ring.append_many(np.arange(3.0), np.arange(3.0) * 10)
    assert ring.last()[0].tolist() == [0, 1, 2]
    ring.append_many(np.arange(3.0, 7.0), np.arange(3.0, 7.0) * 10)
    ts, values = ring.last()
    assert ts.tolist() == [2, 3, 4, 5, 6]
    assert values.tolist() == [20, 30, 40, 50, 60]
    assert ring.last(2)[0].tolist() == [5, 6]
    assert len(ring) == 5 and ring.total == 7


def test_batch_larger_than_capacity() -> None:
    ring = RingBuffer(4)
    ring.append(-1.0, -1.0)
    ring.append_many(np.arange(10.0), np.arange(10.0))
    assert ring.last()[0].tolist() == [6, 7, 8, 9]
    ring.append(10.0, 10.0)
    assert ring.last()[0].tolist() == [7, 8, 9, 10]


def test_views_are_copies_and_float64() -> None:
    ring = RingBuffer(3)
    ring.append_many(np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32))
    ts, _ = ring.last()
    ts[0] = 99
    assert ring.last()[0].tolist() == [1, 2]
    assert ts.dtype == np.float64
    assert ring.last(0)[0].size == 0 and ring.last(10)[0].size == 2


def test_matches_a_reference_over_random_batches() -> None:
    rng = np.random.default_rng(1)
    ring, reference = RingBuffer(100), []
    t = 0
    for _ in range(200):
        n = int(rng.integers(0, 40))
        batch = np.arange(t, t + n, dtype=np.float64)
        t += n
        ring.append_many(batch, -batch)
        reference.extend(batch.tolist())
        ts, values = ring.last()
        assert ts.tolist() == reference[-100:]
        assert values.tolist() == [-x for x in reference[-100:]]


def test_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError):
        RingBuffer(3).append_many(np.arange(2.0), np.arange(3.0))
    with pytest.raises(ValueError):
        RingBuffer(0)
