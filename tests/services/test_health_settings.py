"""Per-series sensitivity, alert explanations, and back-filling history without false staleness."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import select

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import InvalidInput, NotFound, PolicyRefused
from commandcenter.domain.operators import Credentials
from commandcenter.persistence.metrics_models import MetricSeriesRow
from commandcenter.persistence.models import AuditRow
from tests.services.support import ALICE, CAROL, DAVE, PASS

AS_ALICE = Credentials(ALICE, PASS)

MINUTE = 60.0


def drop_feed(clock: SimulatedClock, n: int = 2000, at: int = 1800) -> tuple[np.ndarray, ...]:
    """A noisy score_mean ending now that falls by half at point ``at``."""
    ts = clock.now().timestamp() - MINUTE * np.arange(n, 0, -1)
    values = 40.0 + np.random.default_rng(9).normal(0.0, 0.2, n)
    values[at:] *= 0.5
    return ts, values


def audits(svc: Services, action: str) -> list[tuple[str, dict]]:
    with svc.ctx.uow() as uow:
        return [(r.actor, json.loads(r.payload)) for r in uow.session.execute(
            select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.seq)).scalars()]


def sensitivity_of(svc: Services, series: str) -> str:
    with svc.ctx.uow() as uow:
        return uow.session.execute(select(MetricSeriesRow.sensitivity).where(
            MetricSeriesRow.name == series)).scalar_one()


def test_anomaly_alert_explains_what_it_saw_in_plain_words(
    people: Services, clock: SimulatedClock,
) -> None:
    ts, values = drop_feed(clock)
    report = people.health.ingest_arrays({"score_mean": (ts, values)}, source="feed")
    (alert,) = [a for a in report.alerts if a.detector == "anomaly"]
    assert alert.onset_at.timestamp() == ts[1800]
    assert alert.evidence.startswith("score_mean fell 50% in one point (")
    assert "larger than any move in the last 30 hours" in alert.evidence
    assert "below the lowest value seen so far" in alert.evidence
    assert "anomaly score 1.00 (alerts at 0.40, sensitivity normal)" in alert.evidence


def test_turning_a_series_off_resolves_its_firing_anomaly_alert(
    people: Services, clock: SimulatedClock,
) -> None:
    ts, values = drop_feed(clock, at=1990)  # ten points ago: still firing
    (alert,) = people.health.ingest_arrays({"score_mean": (ts, values)}, source="f").alerts
    assert alert.state == "firing"
    people.health.set_sensitivity("score_mean", "off", AS_ALICE)
    (after,) = people.health.alerts()
    assert (after.id, after.state, after.resolved_at) == (alert.id, "resolved", clock.now())
    assert [p["note"] for _a, p in audits(people, "alert.resolve")] == ["sensitivity off by "
                                                                          + ALICE]


def test_a_commander_calms_one_series_and_it_is_audited(
    people: Services, clock: SimulatedClock,
) -> None:
    ts, values = drop_feed(clock)
    health = people.health
    health.ingest_arrays({"batch_freshness": (ts[:100], values[:100]),
                          "score_mean": (ts[:100], values[:100])}, source="feed")
    view = health.set_sensitivity("batch_freshness", "off", AS_ALICE)
    assert (view.series, view.sensitivity, view.previous, view.alert_level) == (
        "batch_freshness", "off", "normal", None)
    (entry,) = audits(people, "series.sensitivity")
    assert entry[0] == ALICE and entry[1]["to"] == "off"
    again = health.set_sensitivity("batch_freshness", "OFF", AS_ALICE)  # no change: no audit
    assert again.previous == "off" and len(audits(people, "series.sensitivity")) == 1

    report = health.ingest_arrays({"batch_freshness": (ts[100:], values[100:]),
                                   "score_mean": (ts[100:], values[100:])}, source="feed")
    assert [a.series for a in report.alerts if a.detector == "anomaly"] == ["score_mean"]
    status = {s.series: s.sensitivity for s in health.status()}
    assert status == {"batch_freshness": "off", "score_mean": "normal"}


def test_sensitivity_needs_a_commander_and_a_known_series_and_level(
    people: Services, clock: SimulatedClock,
) -> None:
    ts, values = drop_feed(clock, n=50)
    people.health.ingest_arrays({"psi": (ts, values)}, source="feed", evaluate=False)
    for actor in (CAROL, DAVE):  # spokesperson, observer
        with pytest.raises(PolicyRefused, match="may not change alerting"):
            people.health.set_sensitivity("psi", "low", Credentials(actor, PASS))
    with pytest.raises(PolicyRefused, match="wrong passphrase"):
        people.health.set_sensitivity("psi", "low", Credentials(ALICE, "guess"))
    with pytest.raises(InvalidInput, match="sensitivity: 'loud' is not one of"):
        people.health.set_sensitivity("psi", "loud", AS_ALICE)
    with pytest.raises(NotFound):
        people.health.set_sensitivity("nope", "low", AS_ALICE)
    assert sensitivity_of(people, "psi") == "normal"
    assert audits(people, "series.sensitivity") == []


def test_low_sensitivity_ignores_what_normal_reports(
    people: Services, clock: SimulatedClock,
) -> None:
    n = 2500
    ts = clock.now().timestamp() - MINUTE * np.arange(n, 0, -1)
    values = 40.0 + np.random.default_rng(10).normal(0.0, 0.2, n)
    values[2000:2020] -= 0.5  # a short dip of 2.5 sd, in range: unusual, not a break
    both = {"score_mean": (ts, values), "score_p50": (ts, values.copy())}
    health = people.health
    health.ingest_arrays({k: (t[:1500], v[:1500]) for k, (t, v) in both.items()}, source="f")
    health.set_sensitivity("score_p50", "low", AS_ALICE)
    report = health.ingest_arrays({k: (t[1500:], v[1500:]) for k, (t, v) in both.items()},
                                  source="f")
    assert {a.series for a in report.alerts if a.detector == "anomaly"} == {"score_mean"}


def test_back_filling_history_raises_no_staleness_alert_for_the_past(
    people: Services, clock: SimulatedClock,
) -> None:
    health = people.health
    week_ago = clock.now() - timedelta(days=7)
    old = week_ago.timestamp() + MINUTE * np.arange(60)
    report = health.ingest_arrays({"batch_size": (old, np.full(60, 50.0))}, source="archive")
    assert [a for a in report.alerts if a.detector == "staleness"] == []
    more = old[-1] + MINUTE * np.arange(1, 61)  # the next hour of history, still old
    report = health.ingest_arrays({"batch_size": (more, np.full(60, 51.0))}, source="archive")
    assert [a for a in report.alerts if a.detector == "staleness"] == []

    # Judged on the clock (a status check), the feed is stale now: one alert.
    (alert,) = [a for a in health.run_detectors() if a.detector == "staleness"]
    assert alert.onset_at.timestamp() == pytest.approx(more[-1] + 2 * MINUTE)
    last = f"{(week_ago + timedelta(minutes=119)):%Y-%m-%d %H:%M:%S}"
    assert f"no point since {last} UTC" in alert.evidence

    # More history arrives: the open alert says what is true now, not what was.
    later = more[-1] + MINUTE * np.arange(1, 31)
    health.ingest_arrays({"batch_size": (later, np.full(30, 52.0))}, source="archive")
    (now_alert,) = health.alerts(firing_only=True)
    assert now_alert.id == alert.id
    assert now_alert.onset_at.timestamp() == pytest.approx(later[-1] + 2 * MINUTE)
    last = f"{(week_ago + timedelta(minutes=149)):%Y-%m-%d %H:%M:%S}"
    assert f"no point since {last} UTC" in now_alert.evidence

    # And once the history reaches the present, it resolves.
    recent = np.arange(later[-1] + MINUTE, clock.now().timestamp() + 1, MINUTE)
    report = health.ingest_arrays({"batch_size": (recent, np.full(recent.size, 50.0))},
                                  source="archive")
    assert [(a.id, a.state) for a in report.alerts if a.detector == "staleness"] == [
        (alert.id, "resolved")]


def test_back_filled_snapshots_with_at_raise_no_staleness(
    people: Services, clock: SimulatedClock,
) -> None:
    health = people.health
    rng = np.random.default_rng(11)
    ids = np.arange(2000)
    base = rng.gamma(4.0, 10.0, ids.size)
    for day in (30, 29, 28, 27):  # last month's nightly snapshots, loaded today
        at = clock.now() - timedelta(days=day)
        report = health.ingest_snapshot(ids, base * (1 + rng.normal(0, 0.01, ids.size)), at=at)
        assert [a for a in report.alerts if a.detector == "staleness"] == []
