"""Online, causal anomaly detectors for score-health metric series.

``ScoreHealthDetector`` scores each point from that point and earlier ones only,
in constant time and memory per point. Two statistics look at every point:

* pattern novelty: the mean squared distance from the last ``lag`` values to
  their ``neighbours`` nearest matches among the previous ``history`` lag
  vectors (a KNN "conformal" nonconformity). Sudden drops, spikes and shapes
  never seen before stand out, and daily cycles do not, because they have
  been seen before;
* level shift: the median of the last ``level_short`` values against the
  median of the ``level_base`` values before them, in robust spread units.

Neither statistic is comparable across series, so each is turned into a score
by *novelty against its own recent past*: a point scores ``1 - M / s`` when its
statistic ``s`` beats ``M``, the largest value of that statistic over the
previous ``novelty_window`` points, and 0 otherwise. That is the suppression
that matters most (see data/nab/README.md): an incident is new only once, and
the rest of it no longer beats the maximum it set. Finally, after a point
scores at least ``alert_level`` the next ``rest_rows`` points score 0, so the
ramp of one event (each point a little worse than the last) is one alert.

The defaults are one setting for every series, picked by comparing a handful
of global settings on the NAB corpus (normalised standard score 59.6; nearby
settings give 55-59, see tests/benchmarks/run_nab.py); nothing is tuned per series.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

__all__ = [
    "AlertEvent",
    "AlertGate",
    "AlertState",
    "DetectorSettings",
    "DriftDetector",
    "DriftLevel",
    "DriftResult",
    "PointScore",
    "ScoreHealthDetector",
    "StalenessDetector",
    "StalenessResult",
    "score_series",
]

_MAD_TO_SIGMA = 1.4826
_TINY_SCALE = 1e-12


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    lag: int = 5
    neighbours: int = 3
    history: int = 1000
    level_short: int = 15
    level_base: int = 128
    novelty_window: int = 500
    # The first statistics come from almost empty memories and are inflated;
    # they neither score nor count as "recent maxima".
    warmup: int = 50
    min_reference: int = 30
    alert_level: float = 0.4
    rest_rows: int = 20

    def __post_init__(self) -> None:
        for name in ("lag", "neighbours", "history", "level_short", "level_base", "novelty_window"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.warmup < 0 or self.min_reference < 0 or self.rest_rows < 0:
            raise ValueError("warmup, min_reference and rest_rows must be >= 0")
        if not 0.0 < self.alert_level <= 1.0:
            raise ValueError("alert_level must be in (0, 1]")


@dataclass(frozen=True, slots=True)
class PointScore:
    """The score of one point and the parts it came from (all in [0, 1])."""

    score: float
    pattern: float
    level: float


class _Novelty:
    """``1 - M / s`` when ``s`` beats the maximum ``M`` of the previous ``window`` values."""

    __slots__ = ("_maxima", "_min_reference", "_seen", "_warmup", "_window")

    def __init__(self, window: int, warmup: int, min_reference: int) -> None:
        self._window = window
        self._warmup = warmup
        self._min_reference = min_reference
        self._seen = 0
        # Monotonic queue of (index, value), values decreasing: its head is the
        # window maximum, in amortised O(1) per point.
        self._maxima: deque[tuple[int, float]] = deque()

    def update(self, stat: float) -> float:
        i = self._seen
        self._seen += 1
        if i < self._warmup:
            return 0.0
        maxima = self._maxima
        while maxima and maxima[0][0] <= i - self._window:
            maxima.popleft()
        previous = maxima[0][1] if maxima else -math.inf
        score = 0.0
        if i >= self._warmup + self._min_reference and stat > previous and stat > 0.0:
            score = 1.0 - max(previous, 0.0) / stat
        while maxima and maxima[-1][1] <= stat:
            maxima.pop()
        maxima.append((i, stat))
        return score


class _LagNeighbours:
    """Mean squared distance of the lag vector to its nearest past lag vectors."""

    __slots__ = ("_count", "_k", "_lag", "_lags", "_memory")

    def __init__(self, lag: int, neighbours: int, history: int) -> None:
        self._k = neighbours
        self._lag = lag
        self._memory = np.empty((history, lag))  # ring buffer of past lag vectors
        self._lags: deque[float] = deque(maxlen=lag)
        self._count = 0

    def update(self, value: float) -> float:
        if not self._lags:
            # Pad with the first value so the first point already has a vector.
            self._lags.extend([value] * self._lag)
        else:
            self._lags.append(value)
        vector = np.fromiter(self._lags, float, len(self._lags))
        n = min(self._count, len(self._memory))
        stat = 0.0
        if n >= self._k:
            diff = self._memory[:n] - vector
            dist = np.einsum("ij,ij->i", diff, diff)
            stat = float(np.partition(dist, self._k - 1)[: self._k].sum()) / self._k
        self._memory[self._count % len(self._memory)] = vector
        self._count += 1
        return stat


class _LevelShift:
    """|median(last short) - median(base before it)| / robust spread of the base."""

    __slots__ = ("_base", "_short", "_values")

    def __init__(self, short: int, base: int) -> None:
        self._short = short
        self._base = base
        self._values: deque[float] = deque(maxlen=short + base)

    def update(self, value: float) -> float:
        self._values.append(value)
        window = np.fromiter(self._values, float, len(self._values))
        base = window[: -self._short]
        if base.size == 0:
            return 0.0
        recent = _median(window[-self._short :])
        centre = _median(base)
        deviation = np.abs(base - centre)
        # MAD is 0 for mostly-constant series; the mean deviation still sees blips.
        scale = max(_MAD_TO_SIGMA * _median(deviation), float(deviation.sum()) / deviation.size)
        return abs(recent - centre) / (scale if scale > 0.0 else _TINY_SCALE)


def _median(a: np.ndarray) -> float:
    """``np.median`` without its per-call overhead (this runs three times per point)."""
    half = a.size // 2
    if a.size % 2:
        return float(np.partition(a, half)[half])
    part = np.partition(a, (half - 1, half))
    return (float(part[half - 1]) + float(part[half])) / 2.0


class ScoreHealthDetector:
    """Anomaly score in [0, 1] per point of one metric series, causal and online."""

    def __init__(self, settings: DetectorSettings | None = None) -> None:
        s = settings or DetectorSettings()
        self.settings = s
        self._pattern = _LagNeighbours(s.lag, s.neighbours, s.history)
        self._level = _LevelShift(s.level_short, s.level_base)
        self._pattern_novelty = _Novelty(s.novelty_window, s.warmup, s.min_reference)
        self._level_novelty = _Novelty(s.novelty_window, s.warmup, s.min_reference)
        self._row = 0
        self._last_alert_row = -(10**18)
        self.last_timestamp: float | None = None

    def update(self, timestamp: float, value: float) -> float:
        return self.update_detail(timestamp, value).score

    def update_detail(self, timestamp: float, value: float) -> PointScore:
        """Score one point; a missing (NaN or infinite) value scores 0 and is skipped."""
        value = float(value)
        if not math.isfinite(value):
            return PointScore(0.0, 0.0, 0.0)
        self.last_timestamp = float(timestamp)
        pattern = self._pattern_novelty.update(self._pattern.update(value))
        level = self._level_novelty.update(self._level.update(value))
        raw = max(pattern, level)
        row = self._row
        self._row += 1
        resting = row - self._last_alert_row <= self.settings.rest_rows
        # Raw scores (even those silenced) restart the rest: a ramp stays one alert.
        if raw >= self.settings.alert_level:
            self._last_alert_row = row
        if resting:
            return PointScore(0.0, pattern, level)
        return PointScore(raw, pattern, level)


def score_series(
    values: Iterable[float] | np.ndarray,
    timestamps: Iterable[float] | np.ndarray | None = None,
    settings: DetectorSettings | None = None,
) -> np.ndarray:
    """Run a fresh ``ScoreHealthDetector`` over a whole series (same numbers as online)."""
    v = np.asarray(values, dtype=np.float64)
    t = (
        np.arange(v.size, dtype=np.float64)
        if timestamps is None
        else np.asarray(timestamps, dtype=np.float64)
    )
    if t.shape != v.shape:
        raise ValueError("timestamps and values must have the same length")
    detector = ScoreHealthDetector(settings)
    update = detector.update
    return np.fromiter(
        (update(ts, x) for ts, x in zip(t.tolist(), v.tolist(), strict=True)),
        dtype=np.float64,
        count=v.size,
    )


class AlertState(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """A transition of an alert: it started firing at ``onset``, or resolved at ``at``."""

    state: AlertState
    onset: float
    at: float
    peak: float


class AlertGate:
    """Turns a value stream into alert events so that one incident makes one alert.

    Fires when a value reaches ``fire_level``; stays firing (no new alerts) until
    ``clear_after`` consecutive values are below ``clear_level`` (hysteresis), then
    resolves. Works on anomaly scores, PSI or any "higher is worse" value.
    """

    def __init__(
        self, fire_level: float, clear_level: float | None = None, clear_after: int = 1
    ) -> None:
        clear = fire_level if clear_level is None else clear_level
        if clear > fire_level:
            raise ValueError("clear_level must not exceed fire_level")
        if clear_after < 1:
            raise ValueError("clear_after must be at least 1")
        self.fire_level = fire_level
        self.clear_level = clear
        self.clear_after = clear_after
        self.onset: float | None = None
        self.peak = -math.inf
        self._quiet = 0

    @property
    def firing(self) -> bool:
        return self.onset is not None

    def update(self, timestamp: float, value: float) -> AlertEvent | None:
        timestamp, value = float(timestamp), float(value)
        if not math.isfinite(value):
            return None
        if self.onset is None:
            if value >= self.fire_level:
                self.onset, self.peak, self._quiet = timestamp, value, 0
                return AlertEvent(AlertState.FIRING, timestamp, timestamp, value)
            return None
        self.peak = max(self.peak, value)
        self._quiet = self._quiet + 1 if value < self.clear_level else 0
        if self._quiet < self.clear_after:
            return None
        event = AlertEvent(AlertState.RESOLVED, self.onset, timestamp, self.peak)
        self.onset, self.peak, self._quiet = None, -math.inf, 0
        return event


class DriftLevel(StrEnum):
    OK = "ok"
    WARN = "warn"
    ALERT = "alert"


@dataclass(frozen=True, slots=True)
class DriftResult:
    timestamp: float
    psi: float
    level: DriftLevel
    changed: bool  # the level differs from the previous batch's: raise or clear once


class DriftDetector:
    """Population stability index per batch against the last good batch."""

    def __init__(self, warn_above: float = 0.1, alert_above: float = 0.25) -> None:
        if not 0.0 <= warn_above <= alert_above:
            raise ValueError("need 0 <= warn_above <= alert_above")
        self.warn_above = warn_above
        self.alert_above = alert_above
        self.level = DriftLevel.OK

    def update(self, timestamp: float, psi: float) -> DriftResult:
        timestamp, psi = float(timestamp), float(psi)
        if not math.isfinite(psi):
            return DriftResult(timestamp, psi, self.level, False)
        if psi > self.alert_above:
            level = DriftLevel.ALERT
        elif psi > self.warn_above:
            level = DriftLevel.WARN
        else:
            level = DriftLevel.OK
        changed, self.level = level != self.level, level
        return DriftResult(timestamp, psi, level, changed)


@dataclass(frozen=True, slots=True)
class StalenessResult:
    now: float
    last_batch: float | None
    age: float | None  # seconds since the last batch (or since watching began)
    missed_intervals: float
    stale: bool


class StalenessDetector:
    """Stale when no batch arrived for more than ``allowed_missed`` expected intervals.

    Time is always passed in (``now``), so drills and tests run on simulated clocks.
    Before the first batch, age counts from ``started_at`` if given, else nothing is stale.
    """

    def __init__(
        self, expected_interval: float, allowed_missed: float = 2, started_at: float | None = None
    ) -> None:
        if expected_interval <= 0 or allowed_missed <= 0:
            raise ValueError("expected_interval and allowed_missed must be positive")
        self.expected_interval = expected_interval
        self.allowed_missed = allowed_missed
        self.started_at = started_at
        self.last_batch: float | None = None

    def record_batch(self, timestamp: float) -> None:
        if self.last_batch is None or timestamp > self.last_batch:
            self.last_batch = timestamp

    def check(self, now: float) -> StalenessResult:
        since = self.last_batch if self.last_batch is not None else self.started_at
        if since is None:
            return StalenessResult(now, None, None, 0.0, False)
        age = max(now - since, 0.0)
        missed = age / self.expected_interval
        return StalenessResult(now, self.last_batch, age, missed, missed > self.allowed_missed)
