"""Score snapshots: health against the previous and a healthy reference, kept as .npz.

The arrays are kept (compressed NumPy files beside the outbox) because the
next snapshot is compared profile by profile with this one, and PSI/KS with
the last healthy one; the database holds the row, the derived metrics and
their series.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select

from commandcenter.domain.detectors import DriftLevel
from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.snapshot_health import ScoreSnapshot, snapshot_health
from commandcenter.persistence.metrics_models import MetricSeriesRow, SnapshotRow
from commandcenter.persistence.metrics_store import ensure_series, store_points
from commandcenter.persistence.uow import UnitOfWork

from .health_alerts import HealthSettings, apply_snapshot_verdict, judge_snapshot
from .health_views import SNAPSHOT_SOURCE, AlertView, SnapshotReport, SnapshotScores, alert_view

UNITS = {"profile_count": "profiles", "invalid_count": "profiles", "psi": "", "ks": ""}


def snapshot_dir(outbox_dir: Path) -> Path:
    return outbox_dir.parent / "snapshots"


def _load(row: SnapshotRow | None) -> ScoreSnapshot | None:
    if row is None or not row.path:
        return None
    try:
        with np.load(row.path) as data:
            return ScoreSnapshot(data["profile_id"], data["score"])
    except (OSError, KeyError, ValueError):
        return None  # a lost file: compare with nothing rather than refuse the batch


def _save(folder: Path, snapshot_id: int, snap: ScoreSnapshot) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"snapshot-{snapshot_id:06d}.npz"
    tmp = path.with_name(path.stem + ".part.npz")
    np.savez_compressed(tmp, profile_id=snap.profile_id, score=snap.score)
    os.replace(tmp, path)
    return path


def _latest_before(uow: UnitOfWork, at: datetime) -> SnapshotRow | None:
    return uow.session.execute(
        select(SnapshotRow).where(SnapshotRow.taken_at < at)
        .order_by(SnapshotRow.taken_at.desc(), SnapshotRow.id.desc()).limit(1)
    ).scalar_one_or_none()


def reference_for(uow: UnitOfWork, at: datetime, age: timedelta) -> SnapshotRow | None:
    """The last healthy snapshot at least ``age`` old, else the oldest healthy one.

    Comparing with yesterday's batch would let a slow drift pass as healthy
    one small step at a time; a reference a week back lets it add up.
    """
    healthy = select(SnapshotRow).where(SnapshotRow.healthy.is_(True), SnapshotRow.taken_at < at)
    row = uow.session.execute(
        healthy.where(SnapshotRow.taken_at <= at - age)
        .order_by(SnapshotRow.taken_at.desc(), SnapshotRow.id.desc()).limit(1)
    ).scalar_one_or_none()
    if row is None:
        row = uow.session.execute(
            healthy.order_by(SnapshotRow.taken_at, SnapshotRow.id).limit(1)).scalar_one_or_none()
    return row


def record_snapshot(
    uow: UnitOfWork, *, now: datetime, at: datetime, actor: str, source: str,
    profile_id: np.ndarray, score: np.ndarray, folder: Path, settings: HealthSettings,
    skipped: int = 0,
) -> tuple[SnapshotReport, list[AlertView]]:
    """Store one snapshot, its metrics as series points, and the verdict as an alert."""
    clash = uow.session.execute(
        select(SnapshotRow.id).where(SnapshotRow.taken_at == at)).scalar_one_or_none()
    if clash is not None:
        raise InvalidInput(f"at: snapshot #{clash} was already taken at {at.isoformat()}")
    try:
        current = ScoreSnapshot(profile_id, score)
    except ValueError as exc:
        raise InvalidInput(f"snapshot: {exc}") from None
    if len(current) == 0:
        raise InvalidInput("snapshot: no profile with a score")
    previous_row = _latest_before(uow, at)
    reference_row = reference_for(uow, at, settings.reference_age)
    previous = _load(previous_row)
    reference = previous if reference_row is previous_row else _load(reference_row)
    try:
        health = snapshot_health(current, previous, reference)
    except ValueError as exc:  # duplicate profile ids
        raise InvalidInput(f"snapshot: {exc}") from None
    metrics = health.as_metrics()
    level, worst, findings = judge_snapshot(metrics, settings)
    row = SnapshotRow(taken_at=at, profile_count=health.profile_count,
                      healthy=level is DriftLevel.OK, source=source[:1000], metrics=metrics)
    uow.session.add(row)
    uow.flush()
    row.path = str(_save(folder, row.id, current))
    series_rows = {}
    ts = np.array([at.timestamp()])
    for name, value in metrics.items():
        series_rows[name] = ensure_series(
            uow.session, name, unit=UNITS.get(name, "share" if "share" in name else "score"),
            description="from score snapshots", source=SNAPSHOT_SOURCE)
        store_points(uow.session, series_rows[name].id, ts, np.array([value]))
    uow.audit(now, actor, "snapshot.ingest", "snapshot", row.id,
              {"taken_at": at.isoformat(), "source": source, "profiles": health.profile_count,
               "skipped": skipped, "healthy": row.healthy, "metrics": metrics,
               "previous": previous_row.id if previous_row else None,
               "reference": reference_row.id if reference_row else None})
    score_of_event = max(metrics.get("drop_share_20", 0.0), metrics.get("psi", 0.0))
    changed = apply_snapshot_verdict(
        uow, now, settings.actor, at, level, series_rows.get(worst) if worst else None,
        findings, score_of_event, row.id)
    names = {r.id: r.name for r in series_rows.values()}
    alerts = [alert_view(a, names.get(a.series_id) or _series_name(uow, a.series_id))
              for a in changed]
    report = SnapshotReport(row.id, at, health.profile_count, row.healthy, metrics,
                            previous_row.id if previous_row else None,
                            reference_row.id if reference_row else None, tuple(findings))
    return report, alerts


def latest_scores(uow: UnitOfWork, settings: HealthSettings) -> SnapshotScores | None:
    """The newest snapshot's scores beside those of the reference it was judged against."""
    newest = uow.session.execute(
        select(SnapshotRow).order_by(SnapshotRow.taken_at.desc(), SnapshotRow.id.desc())
        .limit(1)).scalar_one_or_none()
    current = _load(newest)
    if newest is None or current is None:
        return None
    reference_row = reference_for(uow, newest.taken_at, settings.reference_age)
    reference = _load(reference_row)
    if reference is None or reference_row is None:
        return SnapshotScores(newest.id, newest.taken_at, newest.healthy,
                              _finite_scores(current), None, None, np.empty(0, np.float64))
    return SnapshotScores(newest.id, newest.taken_at, newest.healthy, _finite_scores(current),
                          reference_row.id, reference_row.taken_at, _finite_scores(reference))


def _finite_scores(snap: ScoreSnapshot) -> np.ndarray:
    scores = np.asarray(snap.score, dtype=np.float64)
    return np.ascontiguousarray(scores[np.isfinite(scores)])


def _series_name(uow: UnitOfWork, series_id: int) -> str:
    row = uow.session.get(MetricSeriesRow, series_id)
    return row.name if row else str(series_id)
