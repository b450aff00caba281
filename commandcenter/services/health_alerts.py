"""Detectors to alerts, inside a unit of work: open, escalate, resolve, each audited.

Three kinds of alert:

* ``anomaly``: a streaming series through ``AnomalyDetector`` and an
  ``AlertGate`` (one event, one alert), at the series' own sensitivity, with
  the detector's plain-words explanation as evidence;
* ``snapshot_health``: the metrics of one score snapshot (drop shares and PSI
  against the last healthy snapshot), one alert per event, escalating from
  warning to critical as the evidence grows;
* ``staleness``: a feed that stopped, judged on the service clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select

from commandcenter.domain.detectors import (
    AlertGate,
    AlertState,
    AnomalyDetector,
    DetectorSettings,
    DriftDetector,
    DriftLevel,
    StalenessDetector,
)
from commandcenter.domain.explain import explain
from commandcenter.domain.sensitivity import Sensitivity, alert_level
from commandcenter.persistence.metrics_models import AlertRow, MetricSeriesRow
from commandcenter.persistence.metrics_store import (
    StoreResult,
    last_points,
    points_from,
    read_points,
)
from commandcenter.persistence.uow import UnitOfWork

from .health_views import REFERENCE_AGE, SNAPSHOT_SOURCE, instant

ANOMALY, SNAPSHOT, STALENESS = "anomaly", "snapshot_health", "staleness"
WARNING, CRITICAL = "warning", "critical"
FIRING, RESOLVED = AlertState.FIRING.value, AlertState.RESOLVED.value
LEVEL_RANK = {DriftLevel.OK: 0, DriftLevel.WARN: 1, DriftLevel.ALERT: 2}


@dataclass(frozen=True, slots=True)
class HealthSettings:
    detector: DetectorSettings = field(default_factory=DetectorSettings)
    # A novelty score drops to 0 right after an event; wait this many quiet points.
    anomaly_clear_after: int = 40
    anomaly_clear_level: float = 0.1
    warmup_points: int = 12_000  # replayed into a fresh detector before new points
    reference_age: timedelta = REFERENCE_AGE  # PSI/KS reference: a healthy batch this old
    psi_warn: float = 0.1
    psi_alert: float = 0.25
    drop_share_warn: float = 0.02  # share of profiles that lost more than 20%
    drop_share_alert: float = 0.05
    staleness_missed: float = 2.0  # expected intervals without a point
    raw_retention: timedelta | None = timedelta(days=90)  # per series, from its newest point
    actor: str = "detector"


@dataclass(slots=True)
class Tracker:
    """A series' online detector and gate, valid while ``cursor`` matches the store."""

    detector: AnomalyDetector
    gate: AlertGate | None  # None while the series' sensitivity is off
    cursor: float | None
    sensitivity: Sensitivity = Sensitivity.NORMAL


def firing_alert(uow: UnitOfWork, series_id: int, detector: str) -> AlertRow | None:
    return uow.session.execute(
        select(AlertRow).where(AlertRow.series_id == series_id, AlertRow.detector == detector,
                               AlertRow.state == FIRING).order_by(AlertRow.id.desc()).limit(1)
    ).scalar_one_or_none()


def open_alert(uow: UnitOfWork, now: datetime, actor: str, series: MetricSeriesRow,
               detector: str, level: str, onset: datetime, score: float, evidence: str
               ) -> AlertRow:
    row = AlertRow(series_id=series.id, detector=detector, level=level, state=FIRING,
                   onset_at=onset, peak_score=score, evidence=evidence)
    uow.session.add(row)
    uow.flush()
    uow.audit(now, actor, "alert.open", "alert", row.id,
              {"series": series.name, "detector": detector, "level": level,
               "onset": onset.isoformat(), "score": score, "evidence": evidence})
    return row


def escalate(uow: UnitOfWork, now: datetime, actor: str, row: AlertRow, level: str,
             score: float, note: str) -> None:
    row.level = level
    row.peak_score = max(row.peak_score, score)
    row.evidence = f"{row.evidence}\n{note}"
    uow.audit(now, actor, "alert.escalate", "alert", row.id,
              {"level": level, "score": score, "note": note})


def raise_peak(uow: UnitOfWork, now: datetime, actor: str, row: AlertRow, score: float) -> None:
    if score > row.peak_score:
        row.peak_score = score
        uow.audit(now, actor, "alert.peak", "alert", row.id, {"peak": score})


def resolve(uow: UnitOfWork, now: datetime, actor: str, row: AlertRow, at: datetime,
            note: str) -> None:
    row.state = RESOLVED
    row.resolved_at = at
    uow.audit(now, actor, "alert.resolve", "alert", row.id,
              {"resolved_at": at.isoformat(), "note": note})


def run_anomaly(uow: UnitOfWork, now: datetime, series: MetricSeriesRow,
                trackers: dict[int, Tracker], settings: HealthSettings, *,
                added: StoreResult | None = None) -> list[AlertRow]:
    """Feed points newer than the series' cursor through its detector and gate, as one batch.

    ``added``: the points an ingest just stored; used instead of reading the store
    when they are exactly what lies past the cursor (checked by count and range).
    """
    cursor = series.evaluated_until
    sensitivity = Sensitivity(series.sensitivity or Sensitivity.NORMAL)
    tracker = trackers.get(series.id)
    if tracker is None or tracker.cursor != cursor:
        tracker = _fresh_tracker(uow, series, cursor, settings)
    if tracker.sensitivity is not sensitivity:
        tracker.gate = _gate(uow, series, sensitivity, settings)
        tracker.sensitivity = sensitivity
    start = -math.inf if cursor is None else float(np.nextafter(cursor, math.inf))
    if added is not None and _only_new(uow, series.id, start, cursor, added):
        ts, values = added.ts, added.values
    else:
        ts, values = read_points(uow.session, series.id, start, math.inf)
    trackers[series.id] = tracker
    if ts.size == 0:
        return []
    batch = tracker.detector.score_batch(ts, values)
    series.evaluated_until = tracker.cursor = float(ts[-1])
    gate = tracker.gate
    if gate is None:
        return []
    changed: list[AlertRow] = []
    alert = firing_alert(uow, series.id, ANOMALY)
    for i in _gate_points(gate, batch.score):
        t, score = float(ts[i]), float(batch.score[i])
        event = gate.update(t, score)
        if event is None:
            continue
        if event.state is AlertState.FIRING:
            alert = open_alert(
                uow, now, settings.actor, series, ANOMALY, CRITICAL, instant(event.onset), score,
                f"{explain(tracker.detector, batch, i, series.name)} At "
                f"{instant(t):%Y-%m-%d %H:%M:%S} UTC: anomaly score {score:.2f} (alerts at "
                f"{gate.fire_level:.2f}, sensitivity {sensitivity.value}).")
            changed.append(alert)
        elif alert is not None:
            alert.peak_score = max(alert.peak_score, event.peak)
            resolve(uow, now, settings.actor, alert, instant(event.at),
                    f"quiet for {settings.anomaly_clear_after} points")
            changed.append(alert)
            alert = None
    if alert is not None and gate.firing:
        raise_peak(uow, now, settings.actor, alert, gate.peak)
    return changed


def _only_new(uow: UnitOfWork, series_id: int, start: float, cursor: float | None,
              added: StoreResult) -> bool:
    """Whether the points past the cursor are exactly the ones an ingest just added."""
    if added.ts is None or added.values is None or added.ts.size == 0:
        return False
    if added.stored_until != cursor or (cursor is not None and added.ts[0] <= cursor):
        return False
    # Another writer may have added points since: then the store is read as before.
    count, lo, hi = points_from(uow.session, series_id, start)
    return (count == added.ts.size and lo == float(added.ts[0])
            and hi == float(added.ts[-1]))


def _gate_points(gate: AlertGate, scores: np.ndarray) -> Iterator[int]:
    """Indices of the scores the gate must see, in order: every score while it
    fires, else only those that may fire it (the rest change nothing)."""
    may_fire = np.flatnonzero(~(scores < gate.fire_level))  # NaN included, as update sees it
    i, n = 0, scores.size
    while i < n:
        if not gate.firing:
            at = int(np.searchsorted(may_fire, i))
            if at == may_fire.size:
                return
            i = int(may_fire[at])
        yield i
        i += 1


def _gate(uow: UnitOfWork, series: MetricSeriesRow, sensitivity: Sensitivity,
          settings: HealthSettings) -> AlertGate | None:
    level = alert_level(sensitivity)
    if level is None:
        return None
    gate = AlertGate(level, min(settings.anomaly_clear_level, level),
                     settings.anomaly_clear_after)
    firing = firing_alert(uow, series.id, ANOMALY)
    if firing is not None:
        gate.onset, gate.peak = firing.onset_at.timestamp(), firing.peak_score
    return gate


def _fresh_tracker(uow: UnitOfWork, series: MetricSeriesRow, cursor: float | None,
                   settings: HealthSettings) -> Tracker:
    """Rebuild detector memory from the points before the cursor (a new process)."""
    detector = AnomalyDetector(settings.detector)
    if cursor is not None:
        ts, values = last_points(uow.session, series.id, settings.warmup_points, before=cursor)
        detector.score_batch(ts, values)
    sensitivity = Sensitivity(series.sensitivity or Sensitivity.NORMAL)
    return Tracker(detector, _gate(uow, series, sensitivity, settings), cursor, sensitivity)


def judge_snapshot(metrics: dict[str, float], settings: HealthSettings
                   ) -> tuple[DriftLevel, str | None, list[str]]:
    """The level of one snapshot, the series that shows it most, and why."""
    # Missing statistics (the first snapshot has no previous one) read as NaN: no change.
    nan = float("nan")
    drift = DriftDetector(settings.psi_warn, settings.psi_alert).update(
        0.0, metrics.get("psi", nan))
    drop = DriftDetector(settings.drop_share_warn, settings.drop_share_alert).update(
        0.0, metrics.get("drop_share_20", nan))
    findings = []
    if drop.level is not DriftLevel.OK:
        findings.append(f"{metrics['drop_share_20']:.1%} of profiles lost more than 20% "
                        f"(warn {settings.drop_share_warn:.0%}, alert "
                        f"{settings.drop_share_alert:.0%}); more than half: "
                        f"{metrics.get('drop_share_50', float('nan')):.1%}")
    if drift.level is not DriftLevel.OK:
        findings.append(f"PSI {metrics['psi']:.3f} against the last healthy snapshot (warn "
                        f"{settings.psi_warn}, alert {settings.psi_alert}); KS "
                        f"{metrics.get('ks', float('nan')):.3f}")
    worst = max((drop, drift), key=lambda r: LEVEL_RANK[r.level])
    series = None
    if worst.level is not DriftLevel.OK:
        series = "drop_share_20" if worst is drop else "psi"
    return worst.level, series, findings


def apply_snapshot_verdict(uow: UnitOfWork, now: datetime, actor: str, taken_at: datetime,
                           level: DriftLevel, series: MetricSeriesRow | None,
                           findings: list[str], score: float, snapshot_id: int
                           ) -> list[AlertRow]:
    """Open, escalate or resolve the one snapshot-health alert."""
    current = uow.session.execute(
        select(AlertRow).where(AlertRow.detector == SNAPSHOT, AlertRow.state == FIRING)
        .order_by(AlertRow.id.desc()).limit(1)).scalar_one_or_none()
    severity = CRITICAL if level is DriftLevel.ALERT else WARNING
    note = f"snapshot #{snapshot_id} at {taken_at:%Y-%m-%d %H:%M} UTC: " + "; ".join(findings)
    if level is DriftLevel.OK:
        if current is None:
            return []
        resolve(uow, now, actor, current, taken_at, f"snapshot #{snapshot_id} healthy")
        return [current]
    assert series is not None
    if current is None:
        return [open_alert(uow, now, actor, series, SNAPSHOT, severity, taken_at, score, note)]
    if severity == CRITICAL and current.level != CRITICAL:
        escalate(uow, now, actor, current, severity, score, note)
        return [current]
    raise_peak(uow, now, actor, current, score)
    return []


def run_staleness(uow: UnitOfWork, now: datetime, series: MetricSeriesRow,
                  settings: HealthSettings, *, ingested_until: float | None = None
                  ) -> list[AlertRow]:
    """Judge a feed on the clock; an ingest of old points (a back-fill) opens nothing."""
    # A snapshot feeds eight series at once; one of them speaks for the feed.
    if series.source == SNAPSHOT_SOURCE and series.name != "profile_count":
        return []
    ts, _ = last_points(uow.session, series.id, 21)
    if ts.size < 3:
        return []
    interval = float(np.median(np.diff(ts)))
    if interval <= 0:
        return []
    detector = StalenessDetector(interval, settings.staleness_missed)
    last = float(ts[-1])
    detector.record_batch(last)
    result = detector.check(now.timestamp())
    current = firing_alert(uow, series.id, STALENESS)
    onset = min(instant(last + settings.staleness_missed * interval), now)
    evidence = (f"{series.name}: no point since {instant(last):%Y-%m-%d %H:%M:%S} UTC, "
                f"{result.missed_intervals:.1f} expected intervals of {interval:g} s")
    if result.stale and current is None:
        if (ingested_until is not None and
                now.timestamp() - ingested_until > settings.staleness_missed * interval):
            return []  # the ingest itself is history, not a feed that stopped
        return [open_alert(uow, now, settings.actor, series, STALENESS, CRITICAL, onset,
                           result.missed_intervals, evidence)]
    if result.stale and current is not None:
        # Older points arrived meanwhile (a back-fill), or more intervals went by:
        # the evidence says what is true now.
        if (onset != current.onset_at or
                math.floor(result.missed_intervals) != math.floor(current.peak_score)):
            current.onset_at = onset
            current.peak_score = result.missed_intervals
            current.evidence = evidence
            uow.audit(now, settings.actor, "alert.evidence", "alert", current.id,
                      {"onset": current.onset_at.isoformat(), "evidence": evidence})
        return []
    if not result.stale and current is not None:
        resolve(uow, now, settings.actor, current, max(instant(last), current.onset_at),
                "points again")
        return [current]
    return []
