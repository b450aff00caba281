"""The fast ingest path raises the same alerts, with the same scores, as reading the store.

``ingest_arrays`` hands the points it just stored to the detectors, which then
skip reading them back, and the alert gate only looks at scores that can
change it. Both must be invisible: the alerts of a series with a Klout-style
drop (the score mean halves overnight, then recovers) are compared with the
ones the detectors raise reading the same points from the store, and with a
plain loop of the gate over every score of one fresh detector.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.detectors import AlertGate, AlertState, AnomalyDetector
from commandcenter.domain.sensitivity import Sensitivity, alert_level
from commandcenter.services.health import HealthService, HealthSettings

N = 6_000


def klout_series(end: float) -> tuple[np.ndarray, np.ndarray]:
    """Minute points of a daily score mean that halves at point 4,000 and recovers at 4,600."""
    rng = np.random.default_rng(11)
    ts = end - 60.0 * np.arange(N, 0, -1)
    values = 50 + 3 * np.sin(2 * np.pi * ts / 86_400) + rng.normal(0, 0.3, N)
    values[4_000:4_600] *= 0.5
    return ts, values


def alert_facts(health: HealthService, series: str) -> list[tuple]:
    return sorted((a.detector, a.level, a.state, a.onset_at, a.resolved_at, a.peak_score,
                   a.evidence) for a in health.alerts() if a.series == series)


def gate_reference(ts: np.ndarray, values: np.ndarray, settings: HealthSettings
                   ) -> list[tuple[float, float | None, float]]:
    """(onset, resolved at, peak) per alert: the gate fed every score, one by one."""
    scores = AnomalyDetector(settings.detector).score_batch(ts, values).score
    level = alert_level(Sensitivity.NORMAL)
    assert level is not None
    gate = AlertGate(level, min(settings.anomaly_clear_level, level),
                     settings.anomaly_clear_after)
    events: list[tuple[float, float | None, float]] = []
    for t, score in zip(ts.tolist(), scores.tolist(), strict=True):
        event = gate.update(t, score)
        if event is not None and event.state is AlertState.RESOLVED:
            events.append((event.onset, event.at, event.peak))
    if gate.firing:
        assert gate.onset is not None
        events.append((gate.onset, None, gate.peak))
    return events


@pytest.mark.parametrize("batches", [1, 3])
def test_fast_path_alerts_match_reading_the_store(
    services: Services, clock: SimulatedClock, batches: int,
) -> None:
    ts, values = klout_series(clock.now().timestamp())
    settings = HealthSettings(raw_retention=None)
    cuts = np.linspace(0, N, batches + 1).astype(int)
    fast_alerts = []
    for lo, hi in itertools.pairwise(cuts.tolist()):
        # A new service per batch: a new CLI process, its detector rebuilt from the store.
        fast = HealthService(services.ctx, settings)
        fast_alerts += fast.ingest_arrays({"fast": (ts[lo:hi], values[lo:hi])},
                                          source="feed").alerts
        slow = HealthService(services.ctx, settings)
        slow.ingest_arrays({"slow": (ts[lo:hi], values[lo:hi])}, source="feed",
                           evaluate=False)
        # Reads the points back from the store; a back-fill, as the ingest says.
        slow.run_detectors(["slow"], ingested_until=float(ts[hi - 1]))

    health = HealthService(services.ctx, settings)
    fast_facts, slow_facts = alert_facts(health, "fast"), alert_facts(health, "slow")
    anomalies = [f for f in fast_facts if f[0] == "anomaly"]
    assert anomalies, "the drop raises an anomaly alert"
    assert any(a.detector == "anomaly" for a in fast_alerts)
    assert [f[:6] for f in fast_facts] == [f[:6] for f in slow_facts]
    assert [f[6].replace("fast", "slow") for f in fast_facts] == [f[6] for f in slow_facts]

    if batches == 1:  # one fresh detector over the whole series: the plain gate loop
        expected = gate_reference(ts, values, settings)
        got = [(a[3].timestamp(), None if a[4] is None else a[4].timestamp(), a[5])
               for a in anomalies]
        assert got == sorted(expected)


def test_a_point_stored_by_another_writer_in_between_is_still_scored(
    services: Services, clock: SimulatedClock,
) -> None:
    """When the store holds more past the cursor than the ingest added, it is read."""
    ts, values = klout_series(clock.now().timestamp())
    health = HealthService(services.ctx, HealthSettings(raw_retention=None))
    health.ingest_arrays({"feed": (ts[:3000], values[:3000])}, source="a")
    # Another process stores a batch without evaluating it (a live source between polls).
    HealthService(services.ctx).ingest_arrays({"feed": (ts[3000:3500], values[3000:3500])},
                                              source="b", evaluate=False)
    health.ingest_arrays({"feed": (ts[3500:], values[3500:])}, source="a")
    reference = HealthService(services.ctx, HealthSettings(raw_retention=None))
    reference.ingest_arrays({"ref": (ts[:3000], values[:3000])}, source="a")
    reference.ingest_arrays({"ref": (ts[3000:], values[3000:])}, source="a")
    got = [f[:6] for f in alert_facts(health, "feed")]
    assert got and got == [f[:6] for f in alert_facts(health, "ref")]
