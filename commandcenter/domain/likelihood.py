"""Anomaly likelihood: how unusual the *recent* surprise is, against the series' own history.

The idea is Numenta's (HTM's anomaly likelihood, Ahmad et al. 2017): a raw
surprise score in [0, 1] is averaged over the last few points, and that short
average is compared with a normal distribution fitted to the same averages
over a long past. The tail probability says how rare the recent behaviour
is. HTM fits a normal to the averages; by default the tail here is the one
extreme-value theory gives for whatever lies beyond a high quantile (as SPOT
does, Siffer et al. 2017): above the series' own 98th percentile of averages,
an exponential tail with the mean excess beyond it as its scale (the
generalised Pareto of shape 0). That is fitted per series to how far its
worst stretches actually stray, where a normal's tail is set by its bulk. A
score of ``log(1 - likelihood) / log(1e-10)`` makes it a number in
[0, 1] that is comparable across series, which is what lets one threshold
serve every series. As in HTM, the distribution is re-fitted every
``reestimate`` points (at absolute point numbers, so batch boundaries never
matter), the first ``learn`` points only teach, and a run of very rare
points (tail ``red`` or less) counts once: a rare point right after another
rare one is demoted.

Written from the published description; vectorised per batch. The same
numbers come out whether points arrive one at a time or a million at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Likelihood", "LikelihoodSettings", "log_score", "tail_probability"]

YELLOW = 1e-3  # what a second very rare point in a row is demoted to
EVT_LEVEL = 0.02  # the share of averages beyond the quantile the tail is fitted from (SPOT's)
_LOG_FLOOR = math.log(1e-10)
_MIN_MEAN, _MIN_VAR = 0.03, 0.0003  # HTM's lower bounds: an all-quiet past is not a 0-width bell
_FIT_ROWS = 256  # fits computed together: 256 x `history` averages at a time


@dataclass(frozen=True, slots=True)
class LikelihoodSettings:
    average: int = 20  # points in the short average of raw surprise
    learn: int = 300  # points that only teach
    estimate: int = 300  # points of averages before the first fit
    history: int = 2000  # averages the fit uses (the most recent)
    reestimate: int = 100  # points between fits
    # HTM also counts an unusually *calm* stretch as unusual; a calm feed is no alarm here.
    two_sided: bool = False
    # "evt": an exponential tail beyond the 98th percentile of the averages (see above);
    # "normal": HTM's normal fitted to them.
    tail: str = "evt"
    red: float = 1e-4  # a tail probability this small is "very rare" (HTM: 1e-5)

    def __post_init__(self) -> None:
        for name in ("average", "estimate", "history", "reestimate"):
            if getattr(self, name) < 1:
                raise ValueError(f"likelihood {name} must be at least 1")
        if self.learn < 0:
            raise ValueError("likelihood learn must be >= 0")
        if self.tail not in ("evt", "normal"):
            raise ValueError("likelihood tail must be evt or normal")
        if self.two_sided and self.tail != "normal":
            raise ValueError("a two-sided likelihood needs the normal tail")
        if not 0.0 < self.red < YELLOW:
            raise ValueError(f"likelihood red must be in (0, {YELLOW})")


_erfc = np.frompyfunc(math.erfc, 1, 1)


def tail_probability(z: np.ndarray) -> np.ndarray:
    """P(X > mean + z sd) for a normal X, elementwise (z >= 0)."""
    return _erfc(np.asarray(z, dtype=np.float64) / math.sqrt(2.0)).astype(np.float64) * 0.5


def log_score(tail: np.ndarray) -> np.ndarray:
    """HTM's log-likelihood score: 0.5 at a tail of 1e-5, 1.0 at 1e-10, near 0 when common."""
    return np.log(np.asarray(tail, dtype=np.float64) + 1e-10) / _LOG_FLOOR


class Likelihood:
    """Raw surprise in, tail probability of the recent average out, per point."""

    def __init__(self, settings: LikelihoodSettings | None = None) -> None:
        self.settings = s = settings or LikelihoodSettings()
        self.n = 0  # points seen
        self._raw_prefix = np.zeros(1)  # prefix sums of raw, for the last `average` points
        self._averages = np.empty(0)  # the last `history` short averages
        self._mean = self._sd = math.nan
        self._prev_red = False
        self._start = s.learn + s.estimate

    def update(self, raw: np.ndarray) -> np.ndarray:
        """Tail probabilities (1 = ordinary) for a batch of raw scores in [0, 1]."""
        s = self.settings
        raw = np.asarray(raw, dtype=np.float64)
        m = raw.size
        if m == 0:
            return np.empty(0)
        n0 = self.n
        prefix = np.concatenate((self._raw_prefix[:-1], np.cumsum(np.r_[self._raw_prefix[-1],
                                                                          raw])))
        base = n0 - (self._raw_prefix.size - 1)  # global index of prefix[0]
        g = np.arange(n0, n0 + m)
        count = np.minimum(g + 1, s.average)
        avg = (prefix[g + 1 - base] - prefix[g + 1 - count - base]) / count
        hist = np.concatenate((self._averages, avg))
        hbase = n0 - self._averages.size  # global index of hist[0]
        tail = np.ones(m)
        k = max(self._start - n0, 0)
        if k < m:
            # Stretches between re-fits: the first from k, then one per `reestimate`.
            aligned = np.arange((n0 + k) // s.reestimate + 1, (n0 + m - 1) // s.reestimate + 1)
            starts = np.r_[k, aligned * s.reestimate - n0].astype(np.int64)
            fits = [int(n0 + i) for i in starts]
            if not (math.isnan(self._mean) or fits[0] % s.reestimate == 0):
                fits = fits[1:]  # the first stretch goes on with the fit in use
            mean, sd = self._fit_at(hist, hbase, fits)
            mean, sd = mean[-starts.size:], sd[-starts.size:]  # one per stretch
            lengths = np.diff(np.r_[starts, m])
            mu, sigma = np.repeat(mean, lengths), np.repeat(sd, lengths)
            dev = avg[k:] - mu
            z = (np.abs(dev) if s.two_sided else np.maximum(dev, 0.0)) / sigma
            # No more surprise than usual is ordinary (HTM would say 0.5 here); for the
            # extreme-value tail, "usual" is up to the quantile (mu), and z counts mean
            # excesses beyond it.
            rare = z > 0.0
            stretch = np.ones(m - k)
            if s.tail == "evt":
                stretch[rare] = EVT_LEVEL * np.exp(-z[rare])
            else:
                stretch[rare] = tail_probability(z[rare])
            tail[k:] = stretch
        red = tail <= s.red
        prev = np.r_[self._prev_red, red[:-1]]
        out = np.where(red & prev, YELLOW, tail)
        self._prev_red = bool(red[-1])
        self.n = n0 + m
        self._raw_prefix = prefix[-s.average - 1:] if prefix.size > s.average else prefix
        self._averages = hist[-s.history:]
        return out

    def _fit_at(self, hist: np.ndarray, hbase: int, fits: list[int]
                ) -> tuple[np.ndarray, np.ndarray]:
        """The fit in use at the start of each stretch: the current one, then one
        fit per point number in ``fits`` (the last becomes current)."""
        s = self.settings
        out_mean = np.empty(len(fits) + 1)
        out_sd = np.empty(len(fits) + 1)
        out_mean[0], out_sd[0] = self._mean, self._sd
        # A fit over a full `history` of averages: many at once, row by row (the same
        # sums as one at a time); the first few, over a shorter past, one by one.
        full = [i for i, g in enumerate(fits) if g - s.history >= max(s.learn, hbase)]
        for i, g in enumerate(fits):
            if not full or i < full[0]:
                out_mean[i + 1], out_sd[i + 1] = self._fit(hist, hbase, g)
        if full:
            windows = np.lib.stride_tricks.sliding_window_view(hist, s.history)
            lows = np.asarray([fits[i] - s.history - hbase for i in full], dtype=np.int64)
            at = np.asarray(full, dtype=np.int64) + 1
            for c in range(0, lows.size, _FIT_ROWS):
                rows = windows[lows[c:c + _FIT_ROWS]]  # a C-contiguous copy
                out_mean[at[c:c + _FIT_ROWS]], out_sd[at[c:c + _FIT_ROWS]] = \
                    self._fit_rows(rows)
        self._mean, self._sd = float(out_mean[-1]), float(out_sd[-1])
        return out_mean, out_sd

    def _fit(self, hist: np.ndarray, hbase: int, g: int) -> tuple[float, float]:
        s = self.settings
        lo = max(s.learn, g - s.history, hbase)
        sample = hist[lo - hbase: g - hbase]
        if sample.size == 0:
            return 0.5, 1e6
        mean, sd = self._fit_rows(sample[None, :])
        return float(mean[0]), float(sd[0])

    def _fit_rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row of averages: (mean, sd) of a normal, or for the extreme-value tail
        (quantile, mean excess beyond it), both floored as HTM floors the normal's."""
        if self.settings.tail == "normal":
            return (np.maximum(rows.mean(axis=1), _MIN_MEAN),
                    np.sqrt(np.maximum(rows.var(axis=1), _MIN_VAR)))
        q = np.quantile(rows, 1.0 - EVT_LEVEL, axis=1)
        over = rows > q[:, None]
        excess = np.where(over, rows - q[:, None], 0.0).sum(axis=1)
        beta = excess / np.maximum(over.sum(axis=1), 1)
        return np.maximum(q, _MIN_MEAN), np.maximum(beta, math.sqrt(_MIN_VAR))

    @property
    def fitted(self) -> tuple[float, float]:
        """The fit of short averages in use: (mean, sd) of the normal, or (quantile, mean
        excess) of the extreme-value tail; NaN while learning."""
        return self._mean, self._sd
