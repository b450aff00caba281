"""Online detectors: causality, sudden drops, suppression, drift and staleness."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commandcenter.domain.detectors import (
    AlertGate,
    AlertState,
    DetectorSettings,
    DriftDetector,
    DriftLevel,
    ScoreHealthDetector,
    StalenessDetector,
    score_series,
)

ALERT = DetectorSettings().alert_level


def noisy_series(n: int, seed: int, level: float = 100.0, noise: float = 1.0) -> np.ndarray:
    return level + np.random.default_rng(seed).normal(0.0, noise, n)


def test_prefix_scores_do_not_change_when_points_are_appended() -> None:
    values = noisy_series(1500, seed=1)
    values[700:760] -= 30.0
    values[1200] = 180.0
    full = score_series(values)
    for cut in (1, 90, 701, 1000, 1201):
        np.testing.assert_array_equal(score_series(values[:cut]), full[:cut])


def test_online_updates_give_the_same_numbers_as_score_series() -> None:
    values = noisy_series(800, seed=2)
    values[500:] *= 0.5
    detector = ScoreHealthDetector()
    online = [detector.update(60.0 * i, v) for i, v in enumerate(values)]
    np.testing.assert_array_equal(online, score_series(values, 60.0 * np.arange(800)))


def test_sudden_half_drop_fires_on_that_point_and_not_before() -> None:
    values = np.r_[noisy_series(600, seed=42), noisy_series(100, seed=43, level=50.0)]
    scores = score_series(values)
    assert scores[600] >= ALERT
    assert scores[:600].max() < ALERT
    gate = AlertGate(ALERT, clear_after=50)
    events = [e for i, s in enumerate(scores) if (e := gate.update(float(i), s))]
    assert [(e.state, e.onset, e.at) for e in events] == [
        (AlertState.FIRING, 600.0, 600.0),
        (AlertState.RESOLVED, 600.0, 650.0),  # the new level is quiet for 50 points
    ]


def test_one_alert_per_event() -> None:
    values = noisy_series(3000, seed=7)
    values[1000:] -= 50.0  # a drop that persists: a level shift
    values[2200:2202] = (200.0, 190.0)  # a two-point spike much later
    scores = score_series(values)
    assert list(np.flatnonzero(scores >= ALERT)) == [1000, 2200]
    gate = AlertGate(ALERT, clear_after=50)
    events = [e for i, s in enumerate(scores) if (e := gate.update(float(i), s))]
    assert [(e.state, e.onset, e.at) for e in events] == [
        (AlertState.FIRING, 1000.0, 1000.0),
        (AlertState.RESOLVED, 1000.0, 1050.0),
        (AlertState.FIRING, 2200.0, 2200.0),
        (AlertState.RESOLVED, 2200.0, 2250.0),
    ]


def test_constant_series_never_scores_and_warmup_is_quiet() -> None:
    assert not score_series(np.full(600, 45.0)).any()
    s = DetectorSettings()
    assert not score_series(noisy_series(400, seed=3))[: s.warmup + s.min_reference].any()


def test_missing_values_score_zero_and_are_skipped() -> None:
    values = noisy_series(300, seed=4)
    with_gaps = values.copy()
    with_gaps[[50, 120, 121]] = (math.nan, math.inf, -math.inf)
    scores = score_series(with_gaps)
    assert scores[[50, 120, 121]].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_array_equal(
        np.delete(scores, [50, 120, 121]), score_series(np.delete(values, [50, 120, 121]))
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
            st.sampled_from([0.0, 1.0, 1e-300, math.nan]),
        ),
        min_size=0,
        max_size=250,
    )
)
def test_scores_are_in_unit_interval(values: list[float]) -> None:
    scores = score_series(values, settings=DetectorSettings(warmup=5, min_reference=5))
    assert scores.shape == (len(values),)
    assert np.all((scores >= 0.0) & (scores <= 1.0))


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        DetectorSettings(lag=0)
    with pytest.raises(ValueError):
        DetectorSettings(alert_level=1.5)
    with pytest.raises(ValueError):
        score_series([1.0, 2.0], timestamps=[0.0])


def test_slow_drift_warns_then_alerts_once_each() -> None:
    detector = DriftDetector()  # warn above 0.1, alert above 0.25
    psi = np.linspace(0.0, 0.4, 41)
    results = [detector.update(3600.0 * i, p) for i, p in enumerate(psi)]
    changes = [(r.timestamp, r.level) for r in results if r.changed]
    first_warn = int(np.argmax(psi > 0.1))
    first_alert = int(np.argmax(psi > 0.25))
    assert changes == [
        (3600.0 * first_warn, DriftLevel.WARN),
        (3600.0 * first_alert, DriftLevel.ALERT),
    ]
    assert results[-1].level is DriftLevel.ALERT
    back = detector.update(0.0, 0.05)
    assert back.changed and back.level is DriftLevel.OK


def test_drift_thresholds_are_configurable() -> None:
    detector = DriftDetector(warn_above=0.2, alert_above=0.3)
    assert detector.update(0.0, 0.15).level is DriftLevel.OK
    assert detector.update(1.0, 0.25).level is DriftLevel.WARN
    with pytest.raises(ValueError):
        DriftDetector(warn_above=0.3, alert_above=0.2)


def test_staleness_on_a_simulated_clock() -> None:
    clock = 1_000_000.0
    detector = StalenessDetector(expected_interval=300.0, allowed_missed=3, started_at=clock)
    assert not detector.check(clock + 900.0).stale  # three intervals: still allowed
    assert detector.check(clock + 901.0).stale  # no batch at all since watching began
    detector.record_batch(clock + 950.0)
    result = detector.check(clock + 1250.0)
    assert (result.stale, result.age, result.missed_intervals) == (False, 300.0, 1.0)
    late = detector.check(clock + 950.0 + 4 * 300.0)
    assert late.stale and late.last_batch == clock + 950.0 and late.missed_intervals == 4.0
    detector.record_batch(clock + 100.0)  # a late, older batch does not make data fresh
    assert detector.last_batch == clock + 950.0


def test_staleness_without_any_reference_time_is_unknown_not_stale() -> None:
    result = StalenessDetector(expected_interval=60.0).check(5_000.0)
    assert not result.stale and result.age is None and result.last_batch is None


def test_alert_gate_hysteresis_and_onset() -> None:
    gate = AlertGate(fire_level=0.5, clear_level=0.2, clear_after=2)
    seen = [gate.update(t, v) for t, v in enumerate([0.1, 0.6, 0.9, 0.3, 0.1, 0.7, 0.1, 0.1])]
    fired = [e for e in seen if e]
    assert [(e.state, e.onset, e.at, e.peak) for e in fired] == [
        (AlertState.FIRING, 1.0, 1.0, 0.6),
        (AlertState.RESOLVED, 1.0, 7.0, 0.9),
    ]
    assert not gate.firing
    with pytest.raises(ValueError):
        AlertGate(fire_level=0.2, clear_level=0.5)
