"""Online detectors: causality, batches, sudden drops, suppression, drift and staleness."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commandcenter.domain.anomaly import DAY, AnomalyDetector, AnomalySettings, score_series
from commandcenter.domain.detectors import (
    AlertGate,
    AlertState,
    DriftDetector,
    DriftLevel,
    StalenessDetector,
)
from commandcenter.domain.explain import explain
from commandcenter.domain.likelihood import Likelihood, LikelihoodSettings
from commandcenter.domain.sensitivity import Sensitivity, alert_level

ALERT = alert_level(Sensitivity.NORMAL)
LEARNING = AnomalySettings().learning_points
MINUTE = 60.0


def noisy_series(n: int, seed: int, level: float = 100.0, noise: float = 1.0) -> np.ndarray:
    return level + np.random.default_rng(seed).normal(0.0, noise, n)


def daily(n: int, seed: int, step: float = 300.0) -> tuple[np.ndarray, np.ndarray]:
    """A daily cycle sampled every ``step`` seconds, with a little noise."""
    t = 1_700_000_000.0 + step * np.arange(n)
    v = 50.0 + 10.0 * np.sin(2 * np.pi * t / DAY) + np.random.default_rng(seed).normal(0, 0.3, n)
    return t, v


def test_truncating_the_input_never_changes_an_earlier_score() -> None:
    t, values = daily(4000, seed=1)
    values[2500:2560] -= 30.0
    values[3200] = 180.0
    full = score_series(values, t)
    for cut in (1, 90, 601, 2501, 3000, 3201):
        np.testing.assert_array_equal(score_series(values[:cut], t[:cut]), full[:cut])


def test_any_batching_gives_exactly_the_point_by_point_scores() -> None:
    t, values = daily(3000, seed=2)
    values[2000:] *= 0.5
    t[1500:1512] -= 3600.0  # a repeated hour: time runs back once
    whole = score_series(values, t)
    one = AnomalyDetector()
    np.testing.assert_array_equal([one.update(a, b) for a, b in zip(t, values, strict=True)],
                                  whole)
    rng = np.random.default_rng(3)
    batched, parts, i = AnomalyDetector(), [], 0
    while i < values.size:
        k = int(rng.integers(1, 400))
        parts.append(batched.score_batch(t[i:i + k], values[i:i + k]).score)
        i += k
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_a_batch_scored_in_chunks_is_the_batch_scored_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Large batches go through in chunks; scores, parts and explanations do not move."""
    import commandcenter.domain.anomaly as anomaly

    t, values = daily(5000, seed=6)
    values[4000:] *= 0.5
    whole_detector = AnomalyDetector()
    whole_detector.score_batch(t[:1000], values[:1000])
    whole = whole_detector.score_batch(t[1000:], values[1000:])
    monkeypatch.setattr(anomaly, "_CHUNK", 700)
    chunked_detector = AnomalyDetector()
    chunked_detector.score_batch(t[:1000], values[:1000])
    chunked = chunked_detector.score_batch(t[1000:], values[1000:])
    np.testing.assert_array_equal(chunked.score, whole.score)
    np.testing.assert_array_equal(chunked.tail, whole.tail)
    np.testing.assert_array_equal(chunked.beyond, whole.beyond)
    assert chunked.parts.keys() == whole.parts.keys()
    for name in whole.parts:
        np.testing.assert_array_equal(chunked.parts[name], whole.parts[name])
    for k in (0, 699, 700, 2999, 3000, 3001, 3999):
        assert explain(chunked_detector, chunked, k, "s") == explain(whole_detector, whole, k,
                                                                       "s")
    assert whole.score[3000] >= ALERT  # the drop itself is among the points explained


def test_sudden_half_drop_fires_on_that_point_and_not_before() -> None:
    values = np.r_[noisy_series(1500, seed=42), noisy_series(200, seed=43, level=50.0)]
    scores = score_series(values)
    assert scores[1500] >= ALERT
    assert scores[:1500].max() < ALERT
    gate = AlertGate(ALERT, clear_after=50)
    events = [e for i, s in enumerate(scores) if (e := gate.update(float(i), s))]
    assert events[0].state is AlertState.FIRING and events[0].onset == 1500.0
    assert [e.state for e in events] == [AlertState.FIRING, AlertState.RESOLVED]


def test_a_broken_daily_pattern_scores_although_every_value_is_in_range() -> None:
    t, values = daily(12 * 288, seed=4)  # twelve days at 5 minutes
    flat = slice(10 * 288 + 60, 10 * 288 + 160)
    values[flat] = 50.0  # an afternoon flat at the daily mean: in range, wrong shape
    scores = score_series(values, t)
    assert scores[: flat.start].max() < ALERT
    assert scores[flat].max() >= ALERT


def test_learning_period_is_quiet_and_a_constant_series_never_scores() -> None:
    assert score_series(np.full(3000, 45.0)).max() < 0.01
    values = noisy_series(2000, seed=5)
    values[100] = 500.0  # even a wild value while learning
    assert not score_series(values)[:LEARNING].any()


def test_missing_values_score_zero_and_are_skipped() -> None:
    values = noisy_series(1200, seed=6)
    with_gaps = values.copy()
    with_gaps[[50, 720, 721]] = (math.nan, math.inf, -math.inf)
    t = MINUTE * np.arange(values.size)
    scores = score_series(with_gaps, t)
    assert scores[[50, 720, 721]].tolist() == [0.0, 0.0, 0.0]
    keep = np.delete(np.arange(values.size), [50, 720, 721])
    np.testing.assert_array_equal(np.delete(scores, [50, 720, 721]),
                                  score_series(values[keep], t[keep]))


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
    quick = AnomalySettings(record_from=5,
                            likelihood=LikelihoodSettings(learn=10, estimate=10, history=50,
                                                          reestimate=7))
    scores = score_series(values, settings=quick)
    assert scores.shape == (len(values),)
    assert np.all((scores >= 0.0) & (scores <= 1.0))


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        AnomalySettings(windows=(1,))
    with pytest.raises(ValueError):
        AnomalySettings(combine="median")
    with pytest.raises(ValueError):
        AnomalySettings(memory=100)
    with pytest.raises(ValueError):
        AnomalySettings(record_margin=-1.0)
    with pytest.raises(ValueError):
        LikelihoodSettings(history=0)
    with pytest.raises(ValueError):
        score_series([1.0, 2.0], timestamps=[0.0])


def test_likelihood_counts_a_run_of_very_rare_points_once() -> None:
    s = LikelihoodSettings(average=1, learn=0, estimate=100, history=100, reestimate=1000)
    lik = Likelihood(s)
    calm = np.random.default_rng(7).uniform(0.0, 0.1, 100)
    assert (lik.update(calm) == 1.0).all()  # learning: ordinary
    tails = lik.update(np.ones(3))  # three maximal surprises in a row
    assert tails[0] < 1e-5 and tails[1] == tails[2] == 1e-3


def plain_likelihood(raw: np.ndarray, s: LikelihoodSettings) -> np.ndarray:
    """The likelihood as described, point by point: a fit of the last ``history`` short
    averages every ``reestimate`` points, then the tail of each new average: a normal's,
    or an exponential one beyond the fit's 98th percentile (scale: the mean excess)."""
    tails, averages, mean, sd, prev_red = [], [], math.nan, math.nan, False
    for g, _ in enumerate(raw):
        averages.append(float(np.mean(raw[max(g + 1 - s.average, 0):g + 1])))
        tail = 1.0
        if g >= s.learn + s.estimate:
            if math.isnan(mean) or g % s.reestimate == 0:
                sample = np.asarray(averages[max(s.learn, g - s.history):g])
                if s.tail == "normal":
                    mean = max(float(sample.mean()), 0.03)
                    sd = math.sqrt(max(float(sample.var()), 0.0003))
                else:
                    q = float(np.quantile(sample, 0.98))
                    over = sample[sample > q] - q
                    mean = max(q, 0.03)
                    sd = max(float(over.mean()) if over.size else 0.0, math.sqrt(0.0003))
            z = max(averages[g] - mean, 0.0) / sd
            if z > 0:
                tail = (0.5 * math.erfc(z / math.sqrt(2.0)) if s.tail == "normal"
                        else 0.02 * math.exp(-z))
        red = tail <= s.red
        tails.append(1e-3 if red and prev_red else tail)
        prev_red = red
    return np.asarray(tails)


@pytest.mark.parametrize(("tail", "red"), [("evt", 1e-4), ("normal", 1e-5)])
def test_likelihood_fits_in_one_go_as_they_would_one_by_one(tail: str, red: float) -> None:
    """Thousands of re-fits in one batch (the way a big file is scored) give the plain
    point-by-point numbers, to a rounding of the short averages' running sums."""
    s = LikelihoodSettings(average=5, learn=30, estimate=30, history=200, reestimate=10,
                           tail=tail, red=red)
    rng = np.random.default_rng(4)
    raw = rng.uniform(0.0, 0.3, 5000)
    raw[3000:3020] = 1.0
    expected = plain_likelihood(raw, s)
    whole = Likelihood(s).update(raw)
    np.testing.assert_allclose(whole, expected, rtol=1e-9, atol=1e-12)
    assert (whole[3000:3020] < 1e-2).any()
    assert (whole[3000:3020] == 1e-3).any()  # the run counted once
    batched, parts, i = Likelihood(s), [], 0
    while i < raw.size:
        k = int(rng.integers(1, 700))
        parts.append(batched.update(raw[i:i + k]))
        i += k
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_explanation_says_what_moved_and_how_unusual_it_was() -> None:
    t = 60.0 * np.arange(2001)
    values = np.r_[noisy_series(2000, seed=8, level=40.0, noise=0.2), 32.8]
    detector = AnomalyDetector()
    batch = detector.score_batch(t, values)
    assert batch.score[-1] >= ALERT
    text = explain(detector, batch, 2000, "score_mean")
    assert text.startswith("score_mean fell 18% in one point (")
    assert "to 32.8); larger than any move in the last 33 hours" in text
    assert "below the lowest value seen so far" in text
    assert "standard deviations from the mean of the 256 points before it (40)" in text
    assert "comes about once in" in text


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


RECORDS = AnomalySettings(record_margin=1.5, record_from=300)  # the default: 2.0, 100


def test_a_surprise_beyond_any_the_series_had_shown_scores_one_though_in_range() -> None:
    """A jump inside the range already seen, but a far larger step and departure than the
    series has ever made, scores 1 (a surprise record), and plain noise sets none."""
    rng = np.random.default_rng(11)
    values = 100.0 + rng.normal(0.0, 1.0, 3000)
    values[:200] += np.linspace(-40.0, 40.0, 200)  # an early ramp: the range is wide
    calm = score_series(values, settings=RECORDS)
    jumped = values.copy()
    jumped[2500] += 25.0  # still inside the range seen (60..140)
    batch = AnomalyDetector(RECORDS).score_batch(MINUTE * np.arange(jumped.size), jumped)
    assert not batch.beyond[2500] and batch.record[2500] and batch.score[2500] == 1.0
    assert batch.surprise[2500] > 1.5 * batch.surprise_before[2500] > 0
    assert not batch.record[:2500].any()
    np.testing.assert_array_equal(batch.score[:2500], calm[:2500])
    assert not AnomalyDetector(RECORDS).score_batch(
        MINUTE * np.arange(values.size), values).record.any()
    off = AnomalyDetector(AnomalySettings(record_margin=0.0)).score_batch(
        MINUTE * np.arange(jumped.size), jumped)
    assert not off.record.any() and off.score[2500] < 1.0


def test_surprise_records_are_causal_and_batch_invariant() -> None:
    t, values = daily(4000, seed=12)
    values[1500] += 8.0
    values[3000:3010] += 5.0
    full = AnomalyDetector(RECORDS).score_batch(t, values)
    assert full.record.any()
    for cut in (301, 1501, 2999, 3005):
        np.testing.assert_array_equal(score_series(values[:cut], t[:cut], RECORDS),
                                      full.score[:cut])
    rng = np.random.default_rng(13)
    batched, parts, i = AnomalyDetector(RECORDS), [], 0
    while i < values.size:
        k = int(rng.integers(1, 500))
        parts.append(batched.score_batch(t[i:i + k], values[i:i + k]).record)
        i += k
    np.testing.assert_array_equal(np.concatenate(parts), full.record)


def test_explanation_names_a_surprise_record() -> None:
    rng = np.random.default_rng(14)
    values = 100.0 + rng.normal(0.0, 1.0, 2001)
    values[:200] += np.linspace(-40.0, 40.0, 200)
    values[2000] = 125.0
    detector = AnomalyDetector(RECORDS)
    batch = detector.score_batch(MINUTE * np.arange(values.size), values)
    assert batch.record[2000]
    text = explain(detector, batch, 2000, "s")
    assert "times the largest this series had shown (" in text


def test_while_learning_only_a_clear_break_can_be_a_surprise_record() -> None:
    """With records from point 200 (record_from 100), a new series raises a clear break
    before its likelihood is fitted; a surprise that would be a record later, but is under
    record_early_z, does not; before point 200 nothing does."""
    early = AnomalySettings()
    assert early.record_from == 100
    rng = np.random.default_rng(15)
    values = 100.0 + rng.normal(0.0, 1.0, 1000)
    t = MINUTE * np.arange(values.size)
    for at, jump, fires in ((150, 40.0, False), (250, 40.0, True), (250, 9.0, False),
                            (700, 15.0, True)):
        v = values.copy()
        v[at] += jump
        batch = AnomalyDetector(early).score_batch(t, v)
        assert bool(batch.record[at]) is fires, (at, jump)
        assert bool(batch.score[at] == 1.0) is fires or bool(batch.beyond[at])
        if fires and at < early.learning_points:
            assert batch.surprise[at] >= early.record_early_z
    assert not AnomalyDetector(early).score_batch(t, values).record.any()


WEEK_S = 7 * DAY
HOUR_S = 3600.0


def weekly(n: int, seed: int, step: float = 1800.0) -> tuple[np.ndarray, np.ndarray]:
    """Busy weekdays, quiet weekends, a daily swing; half-hourly, a little noise."""
    t = 1_700_000_000.0 + step * np.arange(n)
    day = np.floor((t % WEEK_S) / DAY)  # 0 is a Thursday
    weekend = (day == 2) | (day == 3)
    v = (np.where(weekend, 20.0, 60.0) + 15.0 * np.sin(2 * np.pi * t / DAY)
         + np.random.default_rng(seed).normal(0, 0.5, n))
    return t, v


def test_a_value_where_the_series_has_never_been_is_new_ground() -> None:
    """A spike to a value between the old extremes, where no point has ever been, scores
    1 as new ground; plain noise and the same spike onto visited ground do not."""
    rng = np.random.default_rng(21)
    values = 100.0 + rng.normal(0.0, 1.0, 3000)
    values[::400] = 120.0  # a regular outlier: 100 and 120 are visited, 110 is not
    t = MINUTE * np.arange(values.size)
    calm = AnomalyDetector().score_batch(t, values)
    assert not calm.novel.any()
    spiked = values.copy()
    spiked[2500] = 110.0
    batch = AnomalyDetector().score_batch(t, spiked)
    assert batch.novel[2500] and not batch.novel_hour[2500] and batch.score[2500] == 1.0
    assert not batch.beyond[2500]  # inside the range already seen
    assert not batch.novel[:2500].any()
    np.testing.assert_array_equal(batch.score[:2500], calm.score[:2500])
    off = AnomalyDetector(AnomalySettings(novel_bins=0)).score_batch(t, spiked)
    assert not off.novel.any()


def test_new_ground_counts_once_while_a_series_keeps_breaking_new_ground() -> None:
    """A series that climbs into new ground for hours raises it once, not per point."""
    rng = np.random.default_rng(22)
    values = 100.0 + rng.normal(0.0, 1.0, 4000)
    values[2000:] += np.linspace(0.0, 400.0, 2000)  # a steady climb far beyond the range
    batch = AnomalyDetector(AnomalySettings(beyond_range=1e9)).score_batch(
        MINUTE * np.arange(values.size), values)
    assert batch.novel.sum() <= 4  # one per novel_gap (500 points) at most
    assert batch.novel[2000:].any()


def saturday_morning(t: np.ndarray) -> np.ndarray:
    """The points of the first Saturday morning after three weeks."""
    day = np.floor((t % WEEK_S) / DAY)
    return np.flatnonzero((day == 2) & (t - t[0] > 3 * WEEK_S))[:16]


def test_a_value_never_seen_at_this_hour_of_the_week_is_new_ground() -> None:
    """Weekday levels on a Saturday: every value is in range and ordinary on weekdays,
    but never seen at that hour of the week in the three weeks before."""
    t, values = weekly(48 * 7 * 4, seed=23)  # four weeks, half-hourly
    calm = AnomalyDetector().score_batch(t, values)
    assert not calm.novel.any()
    saturday = saturday_morning(t)
    broken = values.copy()
    broken[saturday] += 40.0  # the weekday level on the weekend
    batch = AnomalyDetector().score_batch(t, broken)
    fired = np.flatnonzero(batch.novel)
    assert fired.size and saturday[0] <= fired[0] <= saturday[-1]
    assert batch.novel_hour[fired[0]] and batch.score[fired[0]] == 1.0
    assert not batch.novel[:saturday[0]].any()
    detector = AnomalyDetector()
    batch = detector.score_batch(t, broken)
    text = explain(detector, batch, int(fired[0]), "s")
    assert "is new ground on Saturdays" in text and "UTC: at that hour it had never been" \
        in text


def test_new_ground_is_causal_and_batch_invariant() -> None:
    t, values = weekly(48 * 7 * 4, seed=24)
    saturday = saturday_morning(t)
    values[saturday] += 40.0
    values[620] = 50.0 + 5 * (values[:620].max() - 50.0)  # new ground, before two weeks
    full = AnomalyDetector().score_batch(t, values)
    assert full.novel[620] and not full.novel_hour[620] and full.novel_hour[saturday].any()
    for cut in (299, 301, 621, int(saturday[3])):
        np.testing.assert_array_equal(score_series(values[:cut], t[:cut]), full.score[:cut])
    rng = np.random.default_rng(25)
    for _ in range(3):
        batched, parts, i = AnomalyDetector(), [], 0
        while i < values.size:
            k = int(rng.integers(1, 700))
            b = batched.score_batch(t[i:i + k], values[i:i + k])
            parts.append(np.stack([b.score, b.novel, b.novel_hour]))
            i += k
        np.testing.assert_array_equal(
            np.concatenate(parts, axis=1), np.stack([full.score, full.novel, full.novel_hour]))


def test_explanation_names_new_ground() -> None:
    rng = np.random.default_rng(26)
    values = 100.0 + rng.normal(0.0, 1.0, 2001)
    values[::400] = 120.0
    values[2000] = 110.0
    detector = AnomalyDetector()
    batch = detector.score_batch(MINUTE * np.arange(values.size), values)
    assert batch.novel[2000]
    text = explain(detector, batch, 2000, "s")
    assert "110 is new ground: in 2,000 points it had never been between " in text


def test_a_plain_daily_square_wave_alerts_at_most_once_on_its_first_step() -> None:
    """While learning, a surprise record need only beat the largest so far, so the first
    step of a new series that had been flat for hours may alert; the same steps every day
    after it never do (30 days, 5-minute points, three phases, three noise levels)."""
    for noise in (0.0, 0.1, 1.0):
        for phase in (0.0, 5 * 3600.0, 11 * 3600.0):
            t = 1_700_000_000.0 + phase + 300.0 * np.arange(30 * 288)
            v = np.where(t % DAY < DAY / 2, 10.0, 20.0) \
                + np.random.default_rng(1).normal(0.0, noise, t.size)
            alerting = score_series(v, t) >= ALERT
            onsets = np.flatnonzero(alerting & ~np.r_[False, alerting[:-1]])
            assert onsets.size <= 1 and (onsets < LEARNING).all(), (noise, phase, onsets)
