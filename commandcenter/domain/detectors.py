"""Online detectors for score-health series: anomaly score, alert gate, drift, staleness.

The anomaly score itself lives in ``anomaly.py`` (with its likelihood in
``likelihood.py`` and its plain-words explanations in ``explain.py``); this
module keeps the parts that turn numbers into alert events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from .anomaly import AnomalyDetector, AnomalySettings, BatchScores, score_series

__all__ = [
    "AlertEvent",
    "AlertGate",
    "AlertState",
    "AnomalyDetector",
    "AnomalySettings",
    "BatchScores",
    "DetectorSettings",
    "DriftDetector",
    "DriftLevel",
    "DriftResult",
    "ScoreHealthDetector",
    "StalenessDetector",
    "StalenessResult",
    "score_series",
]

# The names the rest of the app has always used.
DetectorSettings = AnomalySettings
ScoreHealthDetector = AnomalyDetector


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
