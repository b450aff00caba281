"""A mergeable quantile sketch: KLL (Karnin, Lang, Liberty 2016) with a sampler below it.

Error bound, documented and tested (tests/domain/test_quantile_sketch.py, and
against exact quantiles of 10,000,000 profiles in ``make bench-scale``): the
rank of the value returned for quantile ``q`` is within ``RANK_ERROR`` (0.3 %)
of ``q * n``, with probability above 99 %, whatever the order of the input.

Two parts add to that error, each bounded on its own:

* the sampler. KLL's lowest compactors only thin the stream; like the paper's
  sampler, this keeps one value chosen at random from each block of ``2**h``
  values (weight ``2**h``), with ``h`` rising as the stream grows so that
  about ``SAMPLES`` values are kept per doubling of ``n``. A block's sample
  misplaces a rank by at most its weight, without bias, so the rank error has
  a standard deviation of at most ``n / (2 * sqrt(SAMPLES))``: 0.05 % of n,
  0.15 % at three standard deviations. It costs one random index per block,
  and no sort, which is what makes 20,000,000 values/s possible;
* the compactors above it, a plain KLL sketch with ``k = 4096``: a normalised
  rank error of 0.07 % at 99 % confidence (the Apache DataSketches figure for
  that k).

Below ``SAMPLES`` values nothing is sampled, and below ``k`` values nothing
is compacted: small snapshots get exact quantiles. Memory is a few times
``k`` values plus one batch. Two sketches merge with ``merge``.
"""

from __future__ import annotations

import math

import numpy as np

K = 4096
SAMPLES = 1 << 18
RANK_ERROR = 0.003
_SHRINK = 2.0 / 3.0


class QuantileSketch:
    def __init__(self, k: int = K, samples: int = SAMPLES, seed: int = 0) -> None:
        if k < 8 or samples < 1:
            raise ValueError("k must be at least 8 and samples at least 1")
        self.k, self.samples = k, samples
        self.n = 0  # values seen
        self._rng = np.random.default_rng(seed)
        self._levels: list[list[np.ndarray]] = [[]]
        self._sizes: list[int] = [0]

    def __len__(self) -> int:
        return self.n

    def add(self, values: np.ndarray) -> None:
        """Add a batch of finite values (any order)."""
        values = np.asarray(values, dtype=np.float64)
        b = int(values.size)
        if b == 0:
            return
        self.n += b
        h = max(0, math.floor(math.log2(max(self.n / self.samples, 1.0))))
        if h == 0:
            self._push(0, values.copy())
            return
        step = 1 << h
        full = b // step
        picks = np.arange(full, dtype=np.int64) * step
        picks += self._rng.integers(0, step, full)
        kept = values[picks]
        rest = b - full * step
        # The last, partial block keeps its sample with probability rest/step: unbiased.
        j = int(self._rng.integers(0, step)) if rest else step
        if j < rest:
            kept = np.append(kept, values[full * step + j])
        self._push(h, kept)

    def merge(self, other: QuantileSketch) -> None:
        self.n += other.n
        for h, parts in enumerate(other._levels):
            for part in parts:
                self._push(h, part.copy())

    def _capacity(self, h: int) -> int:
        top = len(self._levels) - 1
        return max(8, int(self.k * _SHRINK ** (top - h)))

    def _push(self, h: int, values: np.ndarray) -> None:
        while len(self._levels) <= h:
            self._levels.append([])
            self._sizes.append(0)
        self._levels[h].append(values)
        self._sizes[h] += int(values.size)
        self._compress()

    def _compress(self) -> None:
        h = 0
        while h < len(self._levels):
            if self._sizes[h] > self._capacity(h):
                items = np.sort(np.concatenate(self._levels[h]))
                keep = items[-1:] if items.size % 2 else items[:0]
                pairs = items[: items.size - keep.size]
                promoted = pairs[int(self._rng.integers(0, 2))::2]
                self._levels[h], self._sizes[h] = [keep], int(keep.size)
                if h + 1 == len(self._levels):
                    self._levels.append([])
                    self._sizes.append(0)
                self._levels[h + 1].append(promoted)
                self._sizes[h + 1] += int(promoted.size)
            h += 1

    def quantiles(self, qs: tuple[float, ...] | list[float]) -> list[float]:
        """The value at each quantile; NaN for an empty sketch."""
        parts = [(np.concatenate(p), h) for h, p in enumerate(self._levels) if self._sizes[h]]
        if not parts:
            return [float("nan")] * len(qs)
        values = np.concatenate([v for v, _ in parts])
        weights = np.concatenate([np.full(v.size, float(1 << h)) for v, h in parts])
        order = np.argsort(values, kind="stable")
        values, cumulative = values[order], np.cumsum(weights[order])
        total = cumulative[-1]
        if len(self._levels) == 1:  # nothing compacted or sampled: exact, as np.quantile
            return np.quantile(values, list(qs)).tolist()
        at = np.searchsorted(cumulative, np.asarray(qs, dtype=np.float64) * total, "left")
        return values[np.minimum(at, values.size - 1)].tolist()
