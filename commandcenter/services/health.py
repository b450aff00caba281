"""Score health use cases: ingest, detect, status, alerts, incidents from alerts, chart data.

Each write is one transaction with its audit record; a bulk ingest writes one
audit record per batch, not per point. Time comes from ``ctx.clock``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from commandcenter.domain.clock import as_utc
from commandcenter.domain.errors import InvalidInput, NotFound, PolicyRefused
from commandcenter.domain.incidents import IncidentStatus, Severity
from commandcenter.domain.operators import Action, Credentials, Role, require
from commandcenter.domain.sensitivity import Sensitivity, alert_level
from commandcenter.ingest.bulk_metrics import read_bulk
from commandcenter.ingest.parsing import Format, ParseResult, Point, parse_file
from commandcenter.ingest.parsing import sniff_format as sniff
from commandcenter.ingest.snapshot_files import SnapshotChunk, read_chunks
from commandcenter.persistence.metrics_models import (
    ROLLUP_RESOLUTIONS,
    AlertRow,
    MetricPointRow,
    MetricSeriesRow,
)
from commandcenter.persistence.metrics_store import (
    StoreResult,
    ensure_series,
    last_points,
    prune_points,
    read_points,
    read_rollup,
    store_points,
)
from commandcenter.persistence.uow import UnitOfWork

from .context import ServiceContext, acting, authenticate
from .health_alerts import (
    ANOMALY,
    HealthSettings,
    Tracker,
    firing_alert,
    resolve,
    run_anomaly,
    run_staleness,
)
from .health_detect import Detection, detect_file
from .health_snapshots import (
    array_chunks,
    latest_scores,
    record_snapshot,
    record_warehouse_snapshot,
    snapshot_dir,
)
from .health_views import (
    SNAPSHOT_SOURCE,
    AlertView,
    IngestReport,
    SensitivityView,
    SeriesData,
    SeriesIngest,
    SeriesStatus,
    SnapshotScores,
    alert_view,
    instant,
)
from .incidents import IncidentService, IncidentView

__all__ = ["Detection", "HealthService", "HealthSettings"]
INGEST_ACTOR = "ingest"


BAD_LINES_SHOWN = 20


def refusal_naming_lines(name: str, errors: tuple[tuple[int, str], ...] | list) -> str:
    """One message for a file refused whole: each bad line with its field."""
    shown = "; ".join(f"line {n}: {reason}" for n, reason in errors[:BAD_LINES_SHOWN])
    more = len(errors) - BAD_LINES_SHOWN
    tail = f"; and {more} more" if more > 0 else ""
    return (f"{shown}{tail} ({len(errors)} bad line{'s' if len(errors) != 1 else ''} in "
            f"{name}: nothing imported; --skip-bad-lines imports the others)")


class HealthService:
    def __init__(self, ctx: ServiceContext, settings: HealthSettings | None = None) -> None:
        self.ctx = ctx
        self.settings = settings or HealthSettings()
        self._trackers: dict[int, Tracker] = {}

    # --- ingest ---------------------------------------------------------------

    def ingest_file(self, path: Path | str, series: str | None = None,
                    at: datetime | None = None, *, evaluate: bool = True,
                    skip_bad_lines: bool = False) -> IngestReport:
        """Import a metric file or a score snapshot, whole or not at all.

        A metric file with a malformed line is refused, naming every bad line (up to
        20) and storing nothing, unless ``skip_bad_lines``: then the good lines are
        stored and the bad ones reported in ``errors`` (live sources always skip).
        """
        path = Path(path)
        if not path.is_file():
            raise InvalidInput(f"file: {path} does not exist")
        if sniff(path) is Format.SNAPSHOT:
            return self.ingest_snapshot_chunks(read_chunks(path), at=at, source=path.name,
                                               evaluate=evaluate)
        bulk = read_bulk(path)  # plain numbers only; anything else goes line by line
        if bulk is not None:
            try:
                groups = bulk.by_series(series or path.stem)
            except ValueError as exc:
                raise InvalidInput(str(exc)) from None
            return self.ingest_arrays(groups, source=path.name, evaluate=evaluate)
        result = parse_file(path)
        if not result.points:
            first = result.errors[0] if result.errors else (1, "no data")
            raise InvalidInput(f"line {first[0]}: {first[1]} (no point in {path.name})")
        if result.errors and not skip_bad_lines:
            raise InvalidInput(refusal_naming_lines(path.name, result.errors))
        return self.ingest_parsed(result, source=path.name, series=series or path.stem,
                                  evaluate=evaluate)

    def ingest_points(self, points: Iterable[Point], *, source: str, series: str | None = None,
                      evaluate: bool = True) -> IngestReport:
        """A batch from a live source (file follow, HTTP, Prometheus)."""
        return self.ingest_parsed(ParseResult(points=list(points)), source=source,
                                  series=series, evaluate=evaluate)

    def ingest_parsed(self, result: ParseResult, *, source: str, series: str | None,
                      evaluate: bool = True) -> IngestReport:
        try:
            groups = result.by_series(series)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        return self.ingest_arrays(groups, source=source, errors=result.errors, evaluate=evaluate)

    def ingest_arrays(self, groups: dict[str, tuple[np.ndarray, np.ndarray]], *, source: str,
                      errors: Iterable[tuple[int, str]] = (), evaluate: bool = True
                      ) -> IngestReport:
        errors = tuple(errors)
        for name in groups:
            if not name.strip() or len(name) > 200:
                raise InvalidInput(f"series: {name[:40]!r} is not a usable name")
        now = self.ctx.clock.now()
        stored: list[SeriesIngest] = []
        added: dict[str, StoreResult] = {}
        with self.ctx.uow() as uow:
            for name, (ts, values) in groups.items():
                row = ensure_series(uow.session, name, source=source[:500])
                r = added[name] = store_points(uow.session, row.id, ts, values)
                stored.append(SeriesIngest(
                    name, r.inserted, r.duplicates, None if r.first_ts is None
                    else instant(r.first_ts), None if r.last_ts is None else instant(r.last_ts)))
            uow.audit(now, INGEST_ACTOR, "metrics.ingest", "metric_batch", source[:40],
                      {"source": source, "skipped": len(errors),
                       "series": {s.series: [s.inserted, s.duplicates] for s in stored}})
            uow.commit()
        newest = max((float(np.max(t)) for t, _v in groups.values() if len(t)), default=None)
        alerts = self.run_detectors(list(groups), ingested_until=newest,
                                    _added=added) if evaluate else []
        return IngestReport(source, "points", tuple(stored), errors, None, tuple(alerts))

    def ingest_snapshot(self, profile_id: np.ndarray, score: np.ndarray, *,
                        at: datetime | None = None, source: str = "snapshot",
                        errors: Iterable[tuple[int, str]] = (), evaluate: bool = True
                        ) -> IngestReport:
        return self.ingest_snapshot_chunks(array_chunks(profile_id, score), at=at, source=source,
                                           errors=errors, evaluate=evaluate)

    def ingest_snapshot_chunks(self, chunks: Iterable[SnapshotChunk], *,
                               at: datetime | None = None, source: str = "snapshot",
                               errors: Iterable[tuple[int, str]] = (), evaluate: bool = True
                               ) -> IngestReport:
        """A snapshot read a chunk at a time: whole, or refused whole (nothing stored)."""
        errors = tuple(errors)
        now = self.ctx.clock.now()
        taken = as_utc(at) if at else now
        if taken > now:
            raise InvalidInput("at: the snapshot time is in the future")
        stored: Path | None = None
        try:
            with self.ctx.uow() as uow:
                report, alerts, stored = record_snapshot(
                    uow, now=now, at=taken, actor=INGEST_ACTOR, source=source, chunks=chunks,
                    folder=snapshot_dir(self.ctx.outbox_dir), settings=self.settings,
                    skipped=len(errors))
                uow.commit()
        except BaseException:
            if stored is not None:
                shutil.rmtree(stored, ignore_errors=True)
            raise
        if evaluate:
            alerts += self.run_detectors(["profile_count"], ingested_until=taken.timestamp())
        series = tuple(SeriesIngest(n, 1, 0, taken, taken) for n in report.metrics)
        return IngestReport(source, "snapshot", series, errors, report, tuple(alerts))

    def snapshot_from_sql(self, table: str, *, url: str | None = None,
                          previous: str | None = None, reference: str | None = None,
                          at: datetime | None = None, evaluate: bool = True) -> IngestReport:
        """A snapshot's statistics computed where it lives (``health snapshot``).

        Only aggregates come back; no profile row is stored, so a later file
        snapshot has nothing to join with and this one is never a reference.
        """
        from commandcenter.ingest.snapshot_sql import WarehouseTables, connect, warehouse_health

        now = self.ctx.clock.now()
        taken = as_utc(at) if at else now
        if taken > now:
            raise InvalidInput("at: the snapshot time is in the future")
        engine = connect(url)
        try:
            health, source = warehouse_health(engine, WarehouseTables(table, previous, reference))
        except InvalidInput:
            raise
        except Exception as exc:  # the warehouse refused the query: name it, exit 2
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InvalidInput(f"table {table}: {first[:300]}") from None
        finally:
            engine.dispose()
        with self.ctx.uow() as uow:
            report, alerts = record_warehouse_snapshot(
                uow, now=now, at=taken, actor=INGEST_ACTOR, source=source, health=health,
                settings=self.settings)
            uow.commit()
        if evaluate:
            alerts += self.run_detectors(["profile_count"])
        series = tuple(SeriesIngest(n, 1, 0, taken, taken) for n in report.metrics)
        return IngestReport(source, "snapshot", series, (), report, tuple(alerts))

    def apply_retention(self) -> int:
        """Drop raw points older than the retention period before each series' newest."""
        keep = self.settings.raw_retention
        if keep is None:
            return 0
        now = self.ctx.clock.now()
        removed = 0
        with self.ctx.uow() as uow:
            newest = uow.session.execute(
                select(MetricPointRow.series_id, func.max(MetricPointRow.ts))
                .group_by(MetricPointRow.series_id)).all()
            for series_id, last in newest:
                removed += prune_points(uow.session, series_id, last - keep.total_seconds())
            if removed:
                uow.audit(now, INGEST_ACTOR, "metrics.retention", "metric_points", "*",
                          {"removed": removed, "keep_days": keep.total_seconds() / 86400})
                uow.commit()
        return removed

    # --- detection and alerts -------------------------------------------------

    def detect_file(self, path: Path | str, series: str | None = None) -> Detection:
        return detect_file(path, series, self.settings.detector)

    def evaluate(self, series: str) -> list[AlertView]:
        return self.run_detectors([series])

    def run_detectors(self, series: Iterable[str] | None = None, *,
                      ingested_until: float | None = None,
                      _added: dict[str, StoreResult] | None = None) -> list[AlertView]:
        """Feed new points through the detectors; check every feed for staleness.

        ``ingested_until`` is the newest point of the ingest that asks: when even
        that is already stale on the clock, the ingest is back-filling history,
        and it opens no staleness alert (it does refresh or resolve one).
        ``_added`` (from ``ingest_arrays``): the points that ingest just stored, per
        series, which the detectors then need not read back when they are exactly
        the points past the series' cursor.
        """
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            rows = self._series_rows(uow, series)
            changed: list[tuple[AlertRow, str]] = []
            moved = {}
            for row in rows:
                before = row.evaluated_until
                if row.source != SNAPSHOT_SOURCE:
                    changed += [(a, row.name) for a in run_anomaly(
                        uow, now, row, self._trackers, self.settings,
                        added=(_added or {}).get(row.name))]
                changed += [(a, row.name) for a in run_staleness(
                    uow, now, row, self.settings, ingested_until=ingested_until)]
                if row.evaluated_until != before:
                    moved[row.name] = row.evaluated_until
            if moved:
                uow.audit(now, self.settings.actor, "metrics.evaluate", "metric_series",
                          len(moved), {"evaluated_until": moved})
            uow.commit()
            unique = {a.id: (a, name) for a, name in changed}  # opened and resolved: once
            return [alert_view(a, name) for a, name in unique.values()]

    def set_sensitivity(self, series: str, level: Sensitivity | str, by: Credentials
                        ) -> SensitivityView:
        """How readily ``series`` raises anomaly alerts: a commander's decision, audited.

        Alerting is something the team relies on, so the commander's name and
        passphrase are checked here, in the transaction, whatever the interface.
        """
        level = level if isinstance(level, Sensitivity) else Sensitivity.parse(level)
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = authenticate(self.ctx, uow, by.name, by.passphrase)
            if op.role is not Role.COMMANDER:
                raise PolicyRefused(f"permission: a {op.role.value} may not change alerting; "
                                    "a commander may")
            row = self._series_rows(uow, [series])[0]
            before = row.sensitivity or Sensitivity.NORMAL.value
            if before != level.value:
                row.sensitivity = level.value
                uow.audit(now, op.name, "series.sensitivity", "metric_series", row.id,
                          {"series": row.name, "from": before, "to": level.value,
                           "alert_level": alert_level(level)})
                firing = firing_alert(uow, row.id, ANOMALY)
                if firing is not None and alert_level(level) is None:
                    # Nothing will ever resolve it now: it ends with the decision.
                    resolve(uow, now, op.name, firing, now, f"sensitivity off by {op.name}")
                uow.commit()
            return SensitivityView(row.name, level.value, alert_level(level), before, op.name)

    def alerts(self, *, firing_only: bool = False,
               resolved_limit: int | None = None) -> list[AlertView]:
        """Alerts, newest onset first; with ``resolved_limit``, every firing alert and
        only that many of the newest resolved ones (the live view never grows with history).
        """
        with self.ctx.uow() as uow:
            # Outer: an overdue commitment's alert belongs to no series.
            stmt = select(AlertRow, MetricSeriesRow.name).outerjoin(
                MetricSeriesRow, MetricSeriesRow.id == AlertRow.series_id)
            newest = (AlertRow.onset_at.desc(), AlertRow.id.desc())
            if firing_only or resolved_limit is not None:
                rows = uow.session.execute(
                    stmt.where(AlertRow.state == "firing").order_by(*newest)).all()
                if resolved_limit:
                    rows += uow.session.execute(
                        stmt.where(AlertRow.state != "firing").order_by(*newest)
                        .limit(resolved_limit)).all()
                rows.sort(key=lambda r: (-r[0].onset_at.timestamp(), -r[0].id))
            else:
                rows = uow.session.execute(stmt.order_by(*newest)).all()
            return [alert_view(a, n or a.detector) for a, n in rows]

    def acknowledge_alert(self, alert_id: int, actor: str) -> AlertView:
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.ACK_ALERT)
            row, name = self._alert(uow, alert_id)
            if row.acknowledged_at is None:
                row.acknowledged_by, row.acknowledged_at = op.name, now
                uow.audit(now, op.name, "alert.acknowledge", "alert", row.id, {})
                uow.commit()
            return alert_view(row, name)

    def open_incident_from_alert(
        self, alert_id: int, actor: str, severity: Severity, *,
        status: IncidentStatus = IncidentStatus.DETECTED, title: str | None = None,
    ) -> IncidentView:
        """An incident detected when the alert began, its timeline opening with the evidence.

        One transaction: the incident exists only if the alert is linked to it.
        """
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            row, name = self._alert(uow, alert_id)
            if row.incident_id is not None:
                raise PolicyRefused(f"alert: #{alert_id} already opened incident "
                                    f"#{row.incident_id}")
            evidence = (f"Alert #{row.id} ({row.detector}, {row.level}) on {name} since "
                        f"{row.onset_at:%Y-%m-%d %H:%M:%S} UTC: {row.evidence}")
            incident = IncidentService(self.ctx).open_in(
                uow, title or f"Score health: {row.detector.replace('_', ' ')} on {name}",
                severity, actor, detected_at=min(row.onset_at, now), status=status,
                evidence=evidence)
            row.incident_id = incident.id
            if row.acknowledged_at is None:
                row.acknowledged_by, row.acknowledged_at = incident.commander, now
            uow.audit(now, actor, "alert.incident", "alert", row.id, {"incident": incident.id})
            uow.commit()
        return incident

    # --- reading --------------------------------------------------------------

    def status(self) -> list[SeriesStatus]:
        now = self.ctx.clock.now()
        out = []
        with self.ctx.uow() as uow:
            for row in self._series_rows(uow, None):
                ts, values = last_points(uow.session, row.id, 1)
                firing = uow.session.execute(select(AlertRow).where(
                    AlertRow.series_id == row.id, AlertRow.state == "firing")
                    .order_by(AlertRow.onset_at)).scalars().all()
                last = float(ts[-1]) if ts.size else None
                out.append(SeriesStatus(
                    row.name, row.unit, row.source, None if last is None else instant(last),
                    float(values[-1]) if values.size else None,
                    None if last is None else now.timestamp() - last,
                    tuple(alert_view(a, row.name) for a in firing),
                    row.sensitivity or Sensitivity.NORMAL.value))
        return out

    def other_alerts(self) -> list[AlertView]:
        """Firing alerts that belong to no series (an overdue commitment's), oldest
        onset first as in :meth:`status`; each named by its detector."""
        with self.ctx.uow() as uow:
            rows = uow.session.execute(select(AlertRow).where(
                AlertRow.series_id.is_(None), AlertRow.state == "firing")
                .order_by(AlertRow.onset_at, AlertRow.id)).scalars().all()
            return [alert_view(a, a.detector) for a in rows]

    def snapshot_scores(self) -> SnapshotScores | None:
        """The newest score snapshot and its reference (last healthy) snapshot, or None."""
        with self.ctx.uow() as uow:
            return latest_scores(uow, self.settings, snapshot_dir(self.ctx.outbox_dir))

    def points(self, series: str, start: datetime, end: datetime,
               max_points: int = 4000) -> SeriesData:
        """Raw points when the range holds few enough, else the finest roll-up that fits."""
        s, e = as_utc(start).timestamp(), as_utc(end).timestamp()
        with self.ctx.uow() as uow:
            row = self._series_rows(uow, [series])[0]
            ts, values = read_points(uow.session, row.id, s, e, limit=max_points + 1)
            oldest = uow.session.execute(select(func.min(MetricPointRow.ts)).where(
                MetricPointRow.series_id == row.id)).scalar_one()
            # Raw points serve the range unless roll-ups hold older data (raw points
            # past retention); the bucket holding the oldest raw point does not count.
            first_bucket = None if oldest is None else (
                float(np.floor(oldest / ROLLUP_RESOLUTIONS[0]) * ROLLUP_RESOLUTIONS[0]))
            raw_covers = oldest is None or s >= oldest or not read_rollup(
                uow.session, row.id, ROLLUP_RESOLUTIONS[0], s, first_bucket).bucket.size
            if ts.size <= max_points and raw_covers:
                return SeriesData(series, 0, ts, values, values, values,
                                  np.ones(ts.size, dtype=np.int64))
            span = max(e - s, 1.0)
            resolution = next((r for r in ROLLUP_RESOLUTIONS if span / r <= max_points),
                              ROLLUP_RESOLUTIONS[-1])
            r = read_rollup(uow.session, row.id, resolution, s, e)
            return SeriesData(series, resolution, r.bucket, r.mean, r.min, r.max, r.count)

    @staticmethod
    def _alert(uow: UnitOfWork, alert_id: int) -> tuple[AlertRow, str]:
        found = uow.session.execute(
            select(AlertRow, MetricSeriesRow.name).outerjoin(
                MetricSeriesRow, MetricSeriesRow.id == AlertRow.series_id)
            .where(AlertRow.id == alert_id)).first()
        if found is None:
            raise NotFound(f"alert: no alert {alert_id}")
        return found[0], found[1] or found[0].detector

    @staticmethod
    def _series_rows(uow: UnitOfWork, names: Iterable[str] | None) -> list[MetricSeriesRow]:
        stmt = select(MetricSeriesRow).order_by(MetricSeriesRow.name)
        if names is None:
            return list(uow.session.execute(stmt).scalars())
        wanted = list(dict.fromkeys(names))
        rows = list(uow.session.execute(stmt.where(MetricSeriesRow.name.in_(wanted))).scalars())
        missing = set(wanted) - {r.name for r in rows}
        if missing:
            raise NotFound(f"series: no series called {sorted(missing)[0]!r}")
        return rows

