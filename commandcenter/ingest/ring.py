"""A fixed-capacity ring buffer of (timestamp, value) float64 pairs for live charts.

One writer (the ingest worker) appends; the GUI timer reads ``last(n)``, which
copies out in time order. A lock makes the copy consistent with a concurrent
append; both are a few NumPy slice copies, so it is never held for long.
"""

from __future__ import annotations

import threading

import numpy as np


class RingBuffer:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity: at least 1")
        self.capacity = capacity
        self._ts = np.empty(capacity, dtype=np.float64)
        self._values = np.empty(capacity, dtype=np.float64)
        self._next = 0  # where the next point goes
        self._size = 0
        self._total = 0  # points ever appended: lets readers see that data moved
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._size

    @property
    def total(self) -> int:
        return self._total

    def append(self, ts: float, value: float) -> None:
        with self._lock:
            self._ts[self._next] = ts
            self._values[self._next] = value
            self._next = (self._next + 1) % self.capacity
            self._size = min(self._size + 1, self.capacity)
            self._total += 1

    def append_many(self, ts: np.ndarray, values: np.ndarray) -> None:
        t = np.asarray(ts, dtype=np.float64).ravel()
        v = np.asarray(values, dtype=np.float64).ravel()
        if t.shape != v.shape:
            raise ValueError("timestamps and values differ in length")
        n = t.size
        if n == 0:
            return
        with self._lock:
            self._total += n
            if n >= self.capacity:  # only the newest capacity points survive
                self._ts[:] = t[-self.capacity:]
                self._values[:] = v[-self.capacity:]
                self._next = 0
                self._size = self.capacity
                return
            first = min(n, self.capacity - self._next)
            self._ts[self._next:self._next + first] = t[:first]
            self._values[self._next:self._next + first] = v[:first]
            rest = n - first
            if rest:
                self._ts[:rest] = t[first:]
                self._values[:rest] = v[first:]
            self._next = (self._next + n) % self.capacity
            self._size = min(self._size + n, self.capacity)

    def last(self, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the newest ``n`` points (all by default), oldest first."""
        with self._lock:
            count = self._size if n is None else max(0, min(n, self._size))
            start = (self._next - count) % self.capacity
            if start + count <= self.capacity:
                return (self._ts[start:start + count].copy(),
                        self._values[start:start + count].copy())
            head = self.capacity - start
            return (np.concatenate((self._ts[start:], self._ts[:count - head])),
                    np.concatenate((self._values[start:], self._values[:count - head])))

    def clear(self) -> None:
        with self._lock:
            self._next = 0
            self._size = 0
