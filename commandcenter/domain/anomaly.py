"""The score-health anomaly detector: online, causal, vectorised per batch.

A point's score uses that point and earlier ones only, and comes out the same
whether points arrive one at a time or in batches of any size (every
statistic is read from running prefix sums carried across batches, and every
re-fit happens at fixed point numbers). Three kinds of surprise are measured
per point, each as a robust z-score against the series' own recent past:

* level: distance of the value from the mean of the last ``windows`` points,
  in standard deviations (several window lengths: a spike against the last
  hour, a shift against the last days);
* change: the step from the previous value against the recent steps;
* season: how far the last few values are from the same time one day and one
  week earlier (found by timestamp), against how far they usually are; a
  daily pattern that breaks (a flat afternoon, a missing peak) shows here
  although every value is in range (CAD OSE's contextual idea, by time).

The raws are combined (``combine``: mean or max of ``min(z / z_cap, 1)``)
and passed through an anomaly likelihood (``domain/likelihood.py``), which
turns "surprising now" into "more surprising than this series usually is":
that is what makes one threshold fit every series. Finally a value beyond
anything the series ever showed (its range widened by ``beyond_range``)
scores 1, as HTM's detector does for "spatial" anomalies, and so (when
``record_margin`` is set) does a surprise beyond any the series has shown:
a level or change z-score ``record_margin`` times the largest since point
``record_from``. That catches a break inside the range already seen (a jump
back to an old level, a spike between old extremes) on the point itself,
where the likelihood's short average would still be diluting it. A record
needs ``record_from`` points behind it (it can fire from point
``2 * record_from``), and while the series is still learning also a surprise
of at least ``record_early_z``: a new series can raise a clear break before
its likelihood is fitted, and nothing less (and then need only beat the
largest surprise so far, ``record_early_margin``).

New ground scores 1 as well (``novel_bins``): a value in a part of the range
no earlier point visited (value bins of a width fixed from the series' first
``novel_from`` points), far from the longest window's mean; or, once two
weeks are behind, a value never seen at that hour of the week while the
weekly season deviation is large. Only the first in ``novel_gap`` points
counts, so a drift into new ground raises it once.

Settings are one set for every series, chosen by leave-one-category-out
cross-validation on NAB (``tests/benchmarks/run_nab.py``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from .likelihood import Likelihood, LikelihoodSettings, log_score

__all__ = ["AnomalyDetector", "AnomalySettings", "BatchScores", "score_series"]

DAY, WEEK = 86_400.0, 604_800.0
_TINY = 1e-12
_CHUNK = 65_536  # points scored at a time within a batch


@dataclass(frozen=True, slots=True)
class AnomalySettings:
    windows: tuple[int, ...] = (32, 256, 1024)  # level windows, in points
    change_window: int = 256  # 0: no change component
    periods: tuple[float, ...] = (DAY, WEEK)  # seconds; () for no season component
    season_points: int = 5  # values compared with the same time a period earlier
    season_window: int = 256
    combine: str = "mean"  # mean | max
    z_cap: float = 6.0  # a z-score this large is full surprise
    spread_floor: float = 0.002  # the smallest spread, as a share of the range seen
    beyond_range: float = 0.035  # widening of the range before a value is "never seen"
    # ... and how far (in sd of the longest window) it must be from that window's mean:
    # a new record of plain noise is no anomaly.
    beyond_z: float = 4.0
    # A surprise (the largest level or change z-score) ``record_margin`` times the largest
    # the series has shown since its point ``record_from`` scores 1: "more surprising than
    # anything this series has done". 0 turns it off.
    record_margin: float = 2.0
    record_from: int = 100
    record_early_z: float = 12.0  # the least surprise of a record while still learning
    # ... and while learning, a record need only beat the largest since record_from (the
    # margin applies once the likelihood is fitted): a new series has shown little yet.
    record_early_margin: float = 1.0
    # A value in a part of the range never visited scores 1: the range of the first
    # ``novel_from`` values (1st to 99th percentile) is cut into ``novel_bins`` bins, and a
    # value whose bin and both neighbours were never visited, ``beyond_z`` or more from the
    # longest window's mean, is new ground (a spike between old extremes, a level never
    # held). Only the first of such values in ``novel_gap`` points counts: a series
    # wandering into new ground raises it once. 0 bins: off.
    novel_bins: int = 10
    novel_from: int = 300
    novel_gap: int = 500
    memory: int = 12_000  # points kept for windows, seasons and explanations
    likelihood: LikelihoodSettings = field(default_factory=LikelihoodSettings)

    def __post_init__(self) -> None:
        if not self.windows or min(self.windows) < 2:
            raise ValueError("windows: at least one window of 2 points or more")
        if self.change_window < 0 or self.season_window < 2 or self.season_points < 1:
            raise ValueError("change_window >= 0, season_window >= 2, season_points >= 1")
        if self.combine not in ("mean", "max"):
            raise ValueError("combine must be mean or max")
        if self.z_cap <= 0 or self.spread_floor < 0 or self.beyond_range < 0:
            raise ValueError("z_cap > 0, spread_floor >= 0 and beyond_range >= 0")
        if any(p <= 0 for p in self.periods):
            raise ValueError("periods must be positive")
        if self.record_margin < 0 or self.record_from < 0 or self.record_early_z < 0 \
                or self.record_early_margin < 0:
            raise ValueError("record_margin, record_from, record_early_z and "
                             "record_early_margin must be >= 0")
        if self.novel_bins < 0 or self.novel_from < 2 or self.novel_gap < 0:
            raise ValueError("novel_bins >= 0, novel_from >= 2 and novel_gap >= 0")
        longest = max(*self.windows, self.change_window, self.season_window,
                      self.season_points)
        if self.memory < longest + 1:
            raise ValueError(f"memory must hold at least {longest + 1} points")
        if self.novel_bins and self.memory < self.novel_from:
            raise ValueError("memory must hold the novel_from first points")

    @property
    def learning_points(self) -> int:
        """Points before the first score above zero can appear."""
        return self.likelihood.learn + self.likelihood.estimate


@dataclass(frozen=True, slots=True, eq=False)
class BatchScores:
    """Scores of one batch and what they came from (one entry per finite point)."""

    score: np.ndarray
    tail: np.ndarray  # tail probability of the recent surprise (1 = ordinary)
    beyond: np.ndarray  # bool: outside anything seen before
    parts: dict[str, np.ndarray]  # z-score per component ("level 64", "change", "season 1d")
    record: np.ndarray  # bool: a surprise record (see AnomalySettings.record_margin)
    surprise: np.ndarray  # the largest level or change z-score of the point
    surprise_before: np.ndarray  # the largest surprise before it since record_from (0: none)
    novel: np.ndarray  # bool: new ground, a value never visited (see novel_bins) ...
    novel_hour: np.ndarray  # bool: ... at this hour of the longest season (else: at all)


class _Stream:
    """Running prefix sums of one derived stream: windowed mean and spread of its past.

    The sums run from the series' first point and are carried across batches,
    so a window's statistics never depend on where a batch started.
    """

    __slots__ = ("keep", "n", "s1", "s2")

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.n = 0
        self.s1 = np.zeros(1)
        self.s2 = np.zeros(1)

    def extend(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        s1 = np.concatenate((self.s1[:-1], np.cumsum(np.r_[self.s1[-1], x])))
        s2 = np.concatenate((self.s2[:-1], np.cumsum(np.r_[self.s2[-1], x * x])))
        base = self.n - (self.s1.size - 1)
        self.n += x.size
        self.s1, self.s2 = s1[-self.keep - 1:], s2[-self.keep - 1:]
        return s1, s2, base

    @staticmethod
    def past(s1: np.ndarray, s2: np.ndarray, base: int, g: np.ndarray, w: int,
             valid_from: np.ndarray | int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean, sd and count of the (at most) ``w`` values before global index ``g``."""
        count = np.minimum(g - valid_from, w).clip(0)
        hi, lo = g - base, g - count - base
        safe = np.maximum(count, 1)
        # g is consecutive, so past the first w points every window is a plain shift:
        # slices instead of gathers, the same numbers.
        m = g.size
        consecutive = m > 0 and g[-1] - g[0] == m - 1
        full = int(np.searchsorted(count, w)) if consecutive else m  # first full window
        if full < m:
            h0 = int(hi[0])
            sum1 = s1[h0:h0 + m].copy()
            sum2 = s2[h0:h0 + m].copy()
            sum1[:full] -= s1[lo[:full]]
            sum2[:full] -= s2[lo[:full]]
            sum1[full:] -= s1[h0 + full - w:h0 + m - w]
            sum2[full:] -= s2[h0 + full - w:h0 + m - w]
        else:
            sum1, sum2 = s1[hi] - s1[lo], s2[hi] - s2[lo]
        mean = sum1 / safe
        var = np.maximum(sum2 / safe - mean * mean, 0.0)
        return mean, np.sqrt(var), count


class AnomalyDetector:
    """Anomaly score in [0, 1] per point of one metric series."""

    def __init__(self, settings: AnomalySettings | None = None) -> None:
        self.settings = s = settings or AnomalySettings()
        self.n = 0  # finite points seen
        self.last_timestamp: float | None = None
        self._origin = math.nan  # the first value: sums run on value - origin
        self._lo = math.inf
        self._hi = -math.inf
        self._ts = np.empty(0)
        self._values = np.empty(0)
        keep = s.memory
        self._level = _Stream(keep)
        self._change = _Stream(keep)
        # |x - x one period back| of the last few points (zeros before the first point).
        # One season state per period, and one more for the week when new ground needs
        # the weekly season but the settings leave it out of the components.
        seasons = len(s.periods) + (1 if s.novel_bins and WEEK not in s.periods else 0)
        self._season_err = [np.zeros(max(s.season_points - 1, 0)) for _ in range(seasons)]
        self._season_stream = [_Stream(keep) for _ in range(seasons)]
        self._season_first = [-1 for _ in range(seasons)]  # first point with a reference
        self._likelihood = Likelihood(s.likelihood)
        self._record = 0.0  # the largest surprise since point record_from
        self._ground = _Ground()
        self.context: _Context | None = None  # the last batch, for explanations

    # --- the two ways in ---------------------------------------------------------------
    def update(self, timestamp: float, value: float) -> float:
        return float(self.score_batch(np.array([float(timestamp)]),
                                      np.array([float(value)])).score[0])

    def score_batch(self, timestamps: np.ndarray | Iterable[float],
                    values: np.ndarray | Iterable[float]) -> BatchScores:
        """Score a batch in time order; a missing (NaN, infinite) value scores 0, unseen."""
        t = np.asarray(timestamps, dtype=np.float64)
        v = np.asarray(values, dtype=np.float64)
        if t.shape != v.shape or t.ndim != 1:
            raise ValueError("timestamps and values must be 1-d and of the same length")
        ok = np.isfinite(v)
        if ok.all():
            return self._score_finite(t, v)
        inner = self._score_finite(t[ok], v[ok])
        score, tail = np.zeros(v.size), np.ones(v.size)
        beyond, record = np.zeros(v.size, dtype=bool), np.zeros(v.size, dtype=bool)
        novel, novel_hour = np.zeros(v.size, dtype=bool), np.zeros(v.size, dtype=bool)
        surprise, before = np.zeros(v.size), np.zeros(v.size)
        score[ok], tail[ok], beyond[ok] = inner.score, inner.tail, inner.beyond
        record[ok], surprise[ok], before[ok] = inner.record, inner.surprise, \
            inner.surprise_before
        novel[ok], novel_hour[ok] = inner.novel, inner.novel_hour
        parts = {}
        for name, z in inner.parts.items():
            parts[name] = np.zeros(v.size)
            parts[name][ok] = z
        return BatchScores(score, tail, beyond, parts, record, surprise, before, novel,
                           novel_hour)

    # --- the work ------------------------------------------------------------------------
    def _score_finite(self, t: np.ndarray, v: np.ndarray) -> BatchScores:
        """A large batch goes through in chunks: the same numbers (scores never depend on
        where a batch starts), a working set that fits the cache, and a tenth of the
        memory; the context for explanations still spans memory and the whole batch."""
        if v.size <= _CHUNK:
            return self._score_chunk(t, v)
        n0, mem_t, mem_v = self.n, self._ts, self._values
        pieces, ts, values, lows, highs = [], [mem_t], [mem_v], [], []
        for i in range(0, v.size, _CHUNK):
            pieces.append(self._score_chunk(t[i:i + _CHUNK], v[i:i + _CHUNK]))
            ctx = self.context
            assert ctx is not None
            at = ctx.first - ctx.base
            ts.append(ctx.ts[at:])
            values.append(ctx.values[at:])
            lows.append(ctx.past_lo)
            highs.append(ctx.past_hi)
        self.context = _Context(np.concatenate(ts), np.concatenate(values), n0 - mem_v.size,
                                n0, np.concatenate(lows), np.concatenate(highs))
        return BatchScores(np.concatenate([p.score for p in pieces]),
                           np.concatenate([p.tail for p in pieces]),
                           np.concatenate([p.beyond for p in pieces]),
                           {name: np.concatenate([p.parts[name] for p in pieces])
                            for name in pieces[0].parts},
                           np.concatenate([p.record for p in pieces]),
                           np.concatenate([p.surprise for p in pieces]),
                           np.concatenate([p.surprise_before for p in pieces]),
                           np.concatenate([p.novel for p in pieces]),
                           np.concatenate([p.novel_hour for p in pieces]))

    def _score_chunk(self, t: np.ndarray, v: np.ndarray) -> BatchScores:
        s = self.settings
        m = v.size
        if m == 0:
            none = np.empty(0, dtype=bool)
            return BatchScores(np.empty(0), np.empty(0), none, {}, none, np.empty(0),
                               np.empty(0), none, none)
        if math.isnan(self._origin):
            self._origin = float(v[0])
        n0 = self.n
        g = np.arange(n0, n0 + m)
        all_v = np.concatenate((self._values, v))
        # A clock that never runs back (a feed may repeat an hour at a DST change):
        # the season lookups need sorted times.
        t = np.maximum.accumulate(np.r_[self._ts[-1] if self._ts.size else -np.inf, t])[1:]
        all_t = np.concatenate((self._ts, t))
        vbase = n0 - self._values.size  # global index of all_v[0]
        # The range seen before each point: the spread floor and "never seen" test.
        hi_run = np.maximum.accumulate(np.r_[self._hi, v])
        lo_run = np.minimum.accumulate(np.r_[self._lo, v])
        past_hi, past_lo = hi_run[:-1], lo_run[:-1]
        span = np.where(np.isfinite(past_hi - past_lo), past_hi - past_lo, 0.0)
        floor = s.spread_floor * span + _TINY

        parts: dict[str, np.ndarray] = {}
        x = v - self._origin
        s1, s2, base = self._level.extend(x)
        for w in s.windows:
            mean, sd, count = _Stream.past(s1, s2, base, g, w)
            z = np.abs(x - mean) / np.maximum(sd, floor)
            parts[f"level {w}"] = np.where(count >= 2, z, 0.0)
        if s.change_window:
            step = v - np.r_[self._values[-1] if n0 else v[0], v[:-1]]
            c1, c2, cbase = self._change.extend(step)
            mean, sd, count = _Stream.past(c1, c2, cbase, g, s.change_window)
            z = np.abs(step - mean) / np.maximum(sd, floor)
            parts["change"] = np.where(count >= 2, z, 0.0)
        for k, period in enumerate(s.periods):
            parts[_period_name(period)] = self._season(k, period, t, all_t, all_v, vbase, g,
                                                       floor)
        raw = _combine([np.minimum(z / s.z_cap, 1.0) for z in parts.values()], s.combine)
        tail = self._likelihood.update(raw)
        score = log_score(tail)
        score[g < s.learning_points] = 0.0
        longest = parts[f"level {max(s.windows)}"]
        beyond = ((longest >= s.beyond_z) & np.isfinite(span) & (span > 0)
                  & ((v > past_hi + s.beyond_range * span)
                     | (v < past_lo - s.beyond_range * span))
                  & (g >= s.likelihood.learn))
        record, surprise, before = self._records(parts, g)
        weekly = parts.get(_period_name(WEEK))
        if s.novel_bins and weekly is None:
            weekly = self._season(len(s.periods), WEEK, t, all_t, all_v, vbase, g, floor)
        novel, novel_hour = self._novel_ground(t, v, g, longest, weekly)
        score = np.where(beyond | record | novel, 1.0, np.clip(score, 0.0, 1.0))

        self.context = _Context(all_t, all_v, vbase, n0, past_lo, past_hi)
        self.n = n0 + m
        self.last_timestamp = float(t[-1])
        self._hi, self._lo = float(hi_run[-1]), float(lo_run[-1])
        self._ts, self._values = all_t[-s.memory:], all_v[-s.memory:]
        return BatchScores(score, tail, beyond, parts, record, surprise, before, novel,
                           novel_hour)

    def _records(self, parts: dict[str, np.ndarray], g: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Surprise records: the point's largest level or change z-score against the
        largest since point ``record_from`` (a running maximum carried across batches)."""
        s = self.settings
        surprise = np.zeros(g.size)
        for name, z in parts.items():
            if name.startswith("level ") or name == "change":
                np.maximum(surprise, z, out=surprise)
        counted = np.where(g >= s.record_from, surprise, 0.0)
        before = np.maximum.accumulate(np.r_[self._record, counted])
        self._record = float(before[-1])
        before = before[:-1]
        if s.record_margin <= 0:
            return np.zeros(g.size, dtype=bool), surprise, before
        learned = g >= s.learning_points
        margin = np.where(learned, s.record_margin, s.record_early_margin)
        record = ((g > s.record_from) & (g >= 2 * s.record_from) & (before > 0)
                  & (surprise > margin * before)
                  & (learned | (surprise >= s.record_early_z)))
        return record, surprise, before

    def _novel_ground(self, t: np.ndarray, v: np.ndarray, g: np.ndarray,
                      longest: np.ndarray, weekly: np.ndarray | None
                      ) -> tuple[np.ndarray, np.ndarray]:
        """New ground (see AnomalySettings.novel_bins): a value in a part of the range
        never visited, ``beyond_z`` from the longest window's mean; or, once two weeks
        are behind, a value never visited at this hour of the week, with the weekly
        season deviation (``weekly``) ``beyond_z`` or more. Returns (any, by hour)."""
        s = self.settings
        ground = self._ground
        novel = np.zeros(g.size, dtype=bool)
        if not s.novel_bins:
            return novel, novel
        if ground.width is None:
            before_v, before_t = self._values, self._ts
            if before_v.size + v.size < s.novel_from:
                return novel, novel
            # The first novel_from values are all still in memory (memory >= novel_from).
            assert before_v.size == g[0], "memory holds every point before novel_from"
            first = np.concatenate((before_v, v))[:s.novel_from]
            lo, hi = np.percentile(first, [1.0, 99.0])
            ground.start(float(lo), float(hi - lo) / s.novel_bins)
            ground.t0 = float(before_t[0]) if before_t.size else float(t[0])
            if ground.width:  # every point before this batch is visited ground
                bins = ground.bins(before_v)
                ground.plain.add(bins)
                ground.season.add(ground.season_keys(bins, before_t))
        if not ground.width:  # a flat start: no scale to judge new ground by
            return novel, novel
        learned = g >= s.learning_points
        bins = ground.bins(v)
        novel |= ground.plain.first_new(bins, learned & (longest >= s.beyond_z), g,
                                        s.novel_gap)
        assert ground.t0 is not None and weekly is not None
        eligible = learned & (t - ground.t0 >= 2 * WEEK) & (weekly >= s.beyond_z)
        hour = ground.season.first_new(ground.season_keys(bins, t), eligible, g,
                                       s.novel_gap) & ~novel
        return novel | hour, hour

    def new_ground(self, value: float) -> tuple[float, float] | None:
        """For explanations: the stretch of values around ``value`` that counts as new
        ground (its bin and both neighbours); None before the bins are set."""
        ground = self._ground
        if not ground.width:
            return None
        b = math.floor((value - ground.lo) / ground.width)
        return ground.lo + (b - 1) * ground.width, ground.lo + (b + 2) * ground.width

    def _season(self, k: int, period: float, t: np.ndarray, all_t: np.ndarray,
                all_v: np.ndarray, vbase: int, g: np.ndarray, floor: np.ndarray) -> np.ndarray:
        """z-score of the mean |value - value one period back| over the last few points."""
        s = self.settings
        n_pts = s.season_points
        # The last point at or before t - period, no further back than memory allows.
        ref = np.searchsorted(all_t, t - period, side="right") - 1 + vbase
        has = (ref >= vbase) & (g - ref <= s.memory)
        err = np.where(has, np.abs(all_v[g - vbase] - all_v[np.maximum(ref - vbase, 0)]), 0.0)
        if self._season_first[k] < 0 and has.any():
            self._season_first[k] = int(g[np.argmax(has)])
        first = self._season_first[k]
        history = np.concatenate((self._season_err[k], err))
        self._season_err[k] = history[-(n_pts - 1):] if n_pts > 1 else np.empty(0)
        start = history.size - g.size  # history[start + i] is batch point i's error
        recent = np.zeros(g.size)
        for j in range(n_pts):  # a fixed order of additions: the same sum in any batch
            recent += history[start - j:start - j + g.size]
        recent /= n_pts
        full = has & (first >= 0) & (g - n_pts + 1 >= first)
        recent = np.where(full, recent, 0.0)
        s1, s2, base = self._season_stream[k].extend(recent)
        if first < 0:
            return np.zeros(g.size)
        mean, sd, count = _Stream.past(s1, s2, base, g, s.season_window,
                                       valid_from=first + n_pts - 1)
        z = np.abs(recent - mean) / np.maximum(sd, floor)
        return np.where(full & (count >= s.season_window // 2), z, 0.0)


class _Seen:
    """Keys ever visited (sorted), and the last point that was new ground by them."""

    __slots__ = ("ids", "last")

    def __init__(self) -> None:
        self.ids = np.empty(0, dtype=np.int64)
        self.last = -(1 << 62)

    def add(self, keys: np.ndarray) -> None:
        self.ids = np.union1d(self.ids, keys)

    def first_new(self, keys: np.ndarray, eligible: np.ndarray, g: np.ndarray,
                  gap: int) -> np.ndarray:
        """Points whose key and both neighbours (key -+ ``_SLOTS``, a bin up or down)
        were never visited before them, that are ``eligible``, and more than ``gap``
        points after the last such point; then the keys are visited."""
        uniq, first = np.unique(keys, return_index=True)  # first visit within the batch
        i = np.arange(keys.size)
        seen = np.zeros(keys.size, dtype=bool)
        for d in (-_SLOTS, 0, _SLOTS):
            k = keys + d
            if self.ids.size:
                at = np.minimum(np.searchsorted(self.ids, k), self.ids.size - 1)
                seen |= self.ids[at] == k
            at = np.minimum(np.searchsorted(uniq, k), uniq.size - 1)
            seen |= (uniq[at] == k) & (first[at] < i)
        new = ~seen & eligible
        out = np.zeros(keys.size, dtype=bool)
        where = g[new]
        if where.size:
            out[new] = where - np.r_[self.last, where[:-1]] > gap
            self.last = int(where[-1])
        if self.ids.size:  # most batches visit only known keys: add the fresh ones
            at = np.minimum(np.searchsorted(self.ids, uniq), self.ids.size - 1)
            uniq = uniq[self.ids[at] != uniq]
        if uniq.size:
            self.add(uniq)
        return out


_SLOTS = 256  # key = bin * _SLOTS + hour of the week (168 of them)
_BIN_CAP = 1 << 40  # bins beyond this many widths from the start are one far bin


class _Ground:
    """Where a series' values have been: bins of a width fixed after its first
    ``novel_from`` points, plainly and by hour of the week."""

    __slots__ = ("lo", "plain", "season", "t0", "width")

    def __init__(self) -> None:
        self.width: float | None = None  # None until the first novel_from points are seen
        self.lo = 0.0
        self.plain = _Seen()
        self.season = _Seen()  # keyed by bin and hour of the week
        self.t0: float | None = None  # the series' first timestamp

    def start(self, lo: float, width: float) -> None:
        self.lo, self.width = lo, max(width, 0.0)

    def bins(self, values: np.ndarray) -> np.ndarray:
        assert self.width
        b = np.floor((values - self.lo) / self.width)
        return np.clip(b, -_BIN_CAP, _BIN_CAP).astype(np.int64) * _SLOTS

    def season_keys(self, bins: np.ndarray, t: np.ndarray) -> np.ndarray:
        hour = np.floor(np.mod(t, WEEK) / 3600.0).astype(np.int64)
        return bins + hour


def _combine(raws: list[np.ndarray], how: str) -> np.ndarray:
    """``np.mean(raws, axis=0)`` (or max) without stacking them: the same additions in
    the same order, row after row, so the same numbers."""
    out = raws[0].copy()
    for r in raws[1:]:
        if how == "mean":
            out += r
        else:
            np.maximum(out, r, out=out)
    if how == "mean":
        out /= len(raws)
    return out


def _period_name(period: float) -> str:
    if period % DAY == 0:
        return f"season {int(period // DAY)}d"
    return f"season {period:g}s"


@dataclass(frozen=True, slots=True, eq=False)
class _Context:
    """The points around the last batch (memory + batch), for explanations."""

    ts: np.ndarray
    values: np.ndarray
    base: int  # global index of ts[0]
    first: int  # global index of the batch's first point
    past_lo: np.ndarray  # per batch point: the range seen before it
    past_hi: np.ndarray


def score_series(values: Iterable[float] | np.ndarray,
                 timestamps: Iterable[float] | np.ndarray | None = None,
                 settings: AnomalySettings | None = None) -> np.ndarray:
    """Scores of a fresh detector over a whole series, as one batch (same as point by point)."""
    v = np.asarray(values, dtype=np.float64)
    t = (np.arange(v.size, dtype=np.float64) * 60.0 if timestamps is None
         else np.asarray(timestamps, dtype=np.float64))
    if t.shape != v.shape:
        raise ValueError("timestamps and values must have the same length")
    return AnomalyDetector(settings).score_batch(t, v).score
