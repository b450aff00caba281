"""Score health end to end: snapshot replays, drift, a stale feed, alerts to incidents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import InvalidInput, NotFound, PolicyRefused
from commandcenter.domain.incidents import IncidentStatus, Severity
from commandcenter.domain.operators import Role
from commandcenter.domain.roster import ContactFields
from commandcenter.domain.timeline import EntryKind
from commandcenter.persistence.models import AuditRow
from commandcenter.services.health import HealthService, HealthSettings

PROFILES = 20_000
COMMANDER = "Alice Archer"
DAY = timedelta(days=1)


@pytest.fixture
def health(services: Services) -> HealthService:
    services.roster.add_contact(ContactFields(COMMANDER))
    services.roster.add_operator(COMMANDER, Role.COMMANDER, "correct horse battery")
    return HealthService(services.ctx)


def population(seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    rng = np.random.default_rng(seed)
    return np.arange(PROFILES, dtype=np.int64), rng.gamma(4.0, 10.0, PROFILES) + 1.0, rng


def noisy(base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return base * (1.0 + rng.normal(0.0, 0.01, base.size))


def write_snapshot(path: Path, ids: np.ndarray, scores: np.ndarray) -> Path:
    np.savetxt(path, np.column_stack([ids, scores]), fmt=["%d", "%.4f"], delimiter=",",
               header="profile_id,score", comments="")
    return path


def audit_actions(services: Services) -> list[str]:
    with services.ctx.uow() as uow:
        return list(uow.session.execute(select(AuditRow.action).order_by(AuditRow.seq)).scalars())


def test_klout_replay_alerts_on_the_halved_batch_and_not_before(
    health: HealthService, services: Services, clock: SimulatedClock, tmp_path: Path,
) -> None:
    ids, base, rng = population()
    start = clock.now() - 7 * DAY
    for day in range(7):  # a healthy week of nightly snapshots
        clock.set(start + day * DAY)
        report = health.ingest_snapshot(ids, noisy(base, rng), at=clock.now(), source=f"d{day}")
        assert report.alerts == (), f"false alarm on day {day}"
        assert report.snapshot is not None and report.snapshot.healthy
    clock.set(start + 7 * DAY)
    broken = noisy(base, rng)
    halved = rng.random(PROFILES) < 0.4
    broken[halved] *= 0.5
    report = health.ingest_file(write_snapshot(tmp_path / "batch.csv", ids, broken))

    assert report.kind == "snapshot" and report.snapshot is not None
    assert not report.snapshot.healthy
    assert report.snapshot.metrics["drop_share_20"] == pytest.approx(halved.mean(), abs=0.01)
    assert report.snapshot.metrics["psi"] > 0.1
    assert len(report.alerts) == 1
    alert = report.alerts[0]
    assert (alert.detector, alert.level, alert.state) == ("snapshot_health", "critical", "firing")
    assert alert.onset_at == clock.now() and alert.series == "drop_share_20"
    assert "lost more than 20%" in alert.evidence

    clock.advance(DAY)  # still broken the next night: the same event, no second alert
    again = health.ingest_snapshot(ids, noisy(base, rng) * np.where(halved, 0.5, 1.0))
    assert again.alerts == () and not again.snapshot.healthy
    clock.advance(DAY)  # fixed: the alert resolves
    fixed = health.ingest_snapshot(ids, noisy(base, rng))
    assert fixed.snapshot.healthy
    assert [(a.id, a.state) for a in fixed.alerts] == [(alert.id, "resolved")]
    assert len(health.alerts()) == 1

    actions = audit_actions(services)
    assert actions.count("snapshot.ingest") == 10
    assert actions.count("alert.open") == 1 and actions.count("alert.resolve") == 1
    status = {s.series: s for s in health.status()}
    assert {"score_mean", "score_p50", "drop_share_10", "drop_share_20", "drop_share_50", "psi",
            "ks", "profile_count"} <= set(status)
    assert status["profile_count"].last_value == PROFILES
    assert status["profile_count"].freshness_s == 0.0


def test_slow_drift_warns_then_alerts_as_one_alert(
    health: HealthService, clock: SimulatedClock,
) -> None:
    ids, base, rng = population(11)
    start = clock.now() - 15 * DAY
    levels = []
    for day in range(16):  # every profile loses 3% a night: no single night looks bad
        clock.set(start + day * DAY)
        report = health.ingest_snapshot(ids, noisy(base * 0.97 ** day, rng))
        assert report.snapshot is not None
        assert report.snapshot.metrics.get("drop_share_20", 0.0) == 0.0
        firing = health.alerts(firing_only=True)
        levels.append(firing[0].level if firing else "ok")
        assert len(health.alerts()) <= 1
    assert levels[0] == "ok" and "warning" in levels and levels[-1] == "critical"
    assert levels.index("warning") < levels.index("critical")
    alert = health.alerts()[0]
    assert alert.detector == "snapshot_health" and alert.series == "psi"
    assert "PSI" in alert.evidence


def test_stale_feed_alerts_on_the_simulated_clock(
    health: HealthService, clock: SimulatedClock, tmp_path: Path,
) -> None:
    t0 = clock.now() - timedelta(hours=1)
    lines = [f"{(t0 + timedelta(minutes=i)).isoformat()},{50 + i % 3}" for i in range(61)]
    path = tmp_path / "batch_size.csv"
    path.write_text("timestamp,value\n" + "\n".join(lines) + "\n")
    report = health.ingest_file(path)
    assert report.series[0].series == "batch_size" and report.inserted == 61
    assert health.run_detectors() == []
    clock.advance(timedelta(minutes=1, seconds=30))
    assert health.run_detectors() == []  # one missed minute is within tolerance
    clock.advance(timedelta(minutes=2))
    opened = health.run_detectors()
    assert [(a.detector, a.series, a.state) for a in opened] == [
        ("staleness", "batch_size", "firing")]
    assert opened[0].onset_at == t0 + timedelta(minutes=62)
    (status,) = health.status()
    assert status.freshness_s == pytest.approx(210.0)
    assert [a.id for a in status.firing] == [opened[0].id]
    clock.advance(timedelta(minutes=10))
    assert health.run_detectors() == []  # still the same stale event
    now = clock.now()
    path.write_text(f"timestamp,value\n{now.isoformat()},51\n")
    resumed = health.ingest_file(path)
    assert [(a.id, a.state) for a in resumed.alerts] == [(opened[0].id, "resolved")]


def test_incident_from_alert_starts_at_onset_with_the_evidence(
    health: HealthService, services: Services, clock: SimulatedClock,
) -> None:
    ids, base, rng = population(3)
    clock.advance(-DAY)
    health.ingest_snapshot(ids, noisy(base, rng))
    clock.advance(DAY)
    bad = noisy(base, rng)
    bad[: PROFILES // 2] *= 0.5
    (alert,) = health.ingest_snapshot(ids, bad).alerts
    clock.advance(timedelta(minutes=25))  # the commander looks 25 minutes later

    acked = health.acknowledge_alert(alert.id, COMMANDER)
    assert acked.acknowledged_by == COMMANDER and acked.acknowledged_at == clock.now()
    incident = health.open_incident_from_alert(alert.id, COMMANDER, Severity.SEV1)
    assert incident.detected_at == alert.onset_at
    assert incident.status is IncidentStatus.DETECTED
    first = services.incidents.timeline(incident.id).entries[0]
    assert first.kind is EntryKind.DETECTION and first.occurred_at == alert.onset_at
    assert f"Alert #{alert.id}" in first.text and "lost more than 20%" in first.text
    assert health.alerts()[0].incident_id == incident.id
    with pytest.raises(PolicyRefused, match="already opened"):
        health.open_incident_from_alert(alert.id, COMMANDER, Severity.SEV1)
    assert {"alert.acknowledge", "alert.incident", "incident.open"} <= set(
        audit_actions(services))


def test_bad_csv_line_is_reported_and_nothing_else_lost(
    health: HealthService, services: Services, clock: SimulatedClock, tmp_path: Path,
) -> None:
    t0 = clock.now() - timedelta(minutes=10)
    rows = [f"{(t0 + timedelta(minutes=i)).isoformat()},score_mean,{40 + i}" for i in range(10)]
    rows.insert(4, "2026-03-02T08:24:00,score_mean,forty")
    path = tmp_path / "feed.csv"
    path.write_text("timestamp,series,value\n" + "\n".join(rows) + "\n")
    counts = audit_actions(services).count("metrics.ingest")
    with pytest.raises(InvalidInput, match=r"line 6: value: 'forty' is not a number.*"
                                           r"nothing imported"):
        health.ingest_file(path)  # refused whole by default
    with pytest.raises(NotFound):  # not even the series was created
        health.points("score_mean", t0, clock.now())
    assert audit_actions(services).count("metrics.ingest") == counts
    report = health.ingest_file(path, skip_bad_lines=True)
    assert report.errors == ((6, "value: 'forty' is not a number"),)
    assert report.inserted == 10
    data = health.points("score_mean", t0, clock.now())
    assert data.resolution == 0 and data.value.tolist() == [40.0 + i for i in range(10)]
    again = health.ingest_file(path, skip_bad_lines=True)  # duplicates, not double counting
    assert again.inserted == 0 and again.series[0].duplicates == 10
    assert audit_actions(services).count("metrics.ingest") == counts + 2


def test_long_ranges_read_rollups(health: HealthService, clock: SimulatedClock) -> None:
    end = clock.now().timestamp()
    ts = end - np.arange(30 * 24 * 60, 0, -1) * 60.0  # 30 days of 1-minute points
    values = np.sin(np.arange(ts.size) / 100.0)
    health.ingest_arrays({"score_mean": (ts, values)}, source="test", evaluate=False)
    recent = health.points("score_mean", clock.now() - timedelta(hours=1), clock.now())
    assert recent.resolution == 0 and len(recent) == 60
    month = health.points("score_mean", clock.now() - 30 * DAY, clock.now(), max_points=1000)
    assert month.resolution == 3600 and len(month) == 721  # 30 days and a part hour
    assert month.count.sum() == ts.size
    assert month.min.min() == pytest.approx(values.min())
    weighted = (month.value * month.count).sum() / month.count.sum()
    assert weighted == pytest.approx(values.mean(), abs=1e-9)


def test_detect_file_scores_each_row_causally(health: HealthService, tmp_path: Path) -> None:
    values = np.r_[np.sin(np.arange(400) / 5.0), np.full(40, 8.0)]
    path = tmp_path / "series.csv"
    path.write_text("timestamp,value\n" + "".join(
        f"{1_600_000_000 + 60 * i},{v:.6f}\n" for i, v in enumerate(values)) + "oops\n")
    detection = health.detect_file(path)
    rows = list(detection)
    assert len(rows) == values.size and rows[0][0] == "1600000000"
    scores = np.array([r[2] for r in rows])
    assert ((scores >= 0) & (scores <= 1)).all()
    assert scores[:400].max() < scores[400:].max()
    assert detection.errors == [(442, "expected 2 fields, found 1")]
    with pytest.raises(InvalidInput):
        health.detect_file(tmp_path / "missing.csv")


def test_streaming_drop_makes_one_anomaly_alert_across_restarts(
    services: Services, clock: SimulatedClock,
) -> None:
    rng = np.random.default_rng(5)
    n = 600
    ts = clock.now().timestamp() - 60.0 * np.arange(n, 0, -1)
    values = 50 + np.sin(np.arange(n) / 10.0) + rng.normal(0, 0.1, n)
    values[450:] -= 25  # the score mean halves at point 450 and stays there
    now = clock.now()
    clock.set(now - timedelta(minutes=300))
    first = HealthService(services.ctx)
    assert first.ingest_arrays({"score_mean": (ts[:300], values[:300])}, source="feed").alerts == ()
    clock.set(now)
    # A new process (a CLI run) rebuilds detector memory from the stored points.
    second = HealthService(services.ctx)
    report = second.ingest_arrays({"score_mean": (ts[300:], values[300:])}, source="feed")
    anomalies = [a for a in report.alerts if a.detector == "anomaly"]
    assert len(anomalies) == 1, anomalies  # the drop and its aftermath are one event
    assert anomalies[0].onset_at.timestamp() == ts[450]


def test_retention_drops_old_raw_points_but_keeps_rollups(
    services: Services, clock: SimulatedClock,
) -> None:
    health = HealthService(services.ctx, HealthSettings(raw_retention=DAY))
    end = clock.now().timestamp()
    ts = end - np.arange(3 * 24 * 60, 0, -1) * 60.0  # three days of minutes
    health.ingest_arrays({"psi": (ts, np.full(ts.size, 0.05))}, source="t", evaluate=False)
    assert health.apply_retention() == np.count_nonzero(ts < ts[-1] - DAY.total_seconds())
    week = health.points("psi", clock.now() - 3 * DAY, clock.now(), max_points=5000)
    assert week.resolution == 60 and week.count.sum() == ts.size  # roll-ups still whole
    day = health.points("psi", clock.now() - timedelta(hours=12), clock.now())
    assert day.resolution == 0 and len(day) == 12 * 60


def test_a_range_starting_before_the_oldest_point_still_gets_raw_points(
    services: Services, clock: SimulatedClock,
) -> None:
    health = HealthService(services.ctx)
    now = clock.now().timestamp()
    ts = np.arange(now - 3600 + 17, now, 60.0)  # not minute-aligned
    health.ingest_arrays({"score_mean": (ts, np.full(ts.size, 40.0))}, source="test",
                         evaluate=False)
    start = datetime.fromtimestamp(ts[0] - 10, UTC)  # same minute as the oldest point
    data = health.points("score_mean", start, clock.now())
    assert data.resolution == 0
    assert data.ts.size == ts.size
