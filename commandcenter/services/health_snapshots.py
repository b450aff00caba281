"""Score snapshots: health against the previous and a healthy reference, streamed.

A snapshot is read a chunk at a time (``ingest.snapshot_files``); its
distribution is summed up as it goes, its rows are written sorted by profile
id beside the outbox (``ingest.snapshot_store``), and drop shares come from a
merge join of that with the previous snapshot's stored rows. Memory stays
bounded whatever the profile count. The database holds the row, the derived
metrics and their series.

A snapshot older than the newest one already stored is history being filled
in: it is stored and charted, but it never opens, escalates or resolves an
alert, and it never resolves an alert that began after it was taken.
"""

from __future__ import annotations

import queue
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import numpy as np
from sqlalchemy import func, select

from commandcenter.domain.detectors import DriftLevel
from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.snapshot_health import (
    Distribution,
    DropJoin,
    ScoreBins,
    ScoreSnapshot,
    SnapshotHealth,
    score_problem,
)
from commandcenter.ingest.snapshot_files import SnapshotChunk
from commandcenter.ingest.snapshot_paths import resolve, snapshot_dir, stored_name
from commandcenter.ingest.snapshot_store import (
    SortedWriter,
    StoredSnapshot,
    save_bins,
    sorted_rows_at,
    stored_at,
)
from commandcenter.persistence.metrics_models import MetricSeriesRow, SnapshotRow
from commandcenter.persistence.metrics_store import ensure_series, store_points
from commandcenter.persistence.uow import UnitOfWork

from .health_alerts import HealthSettings, apply_snapshot_verdict, judge_snapshot
from .health_views import (
    SNAPSHOT_SOURCE,
    AlertView,
    SnapshotReport,
    SnapshotScores,
    alert_view,
    snapshot_scores_view,
)

UNITS = {"profile_count": "profiles", "invalid_count": "profiles", "psi": "", "ks": ""}
T = TypeVar("T")
Chunks = Iterator[tuple[np.ndarray, np.ndarray]]


__all__ = ["array_chunks", "latest_scores", "prefetched", "record_snapshot",
           "record_warehouse_snapshot", "reference_for", "snapshot_dir", "store_health"]


def _path(row: SnapshotRow | None, folder: Path) -> str | None:
    """Where ``row``'s stored rows are now: its path is relative to the snapshot folder
    ``folder`` (absolute in rows stored before migration 0012, read as it is)."""
    return resolve(row.path if row is not None else None, folder)


def _stored(row: SnapshotRow | None, folder: Path) -> StoredSnapshot | None:
    return stored_at(_path(row, folder))


def _sorted_rows(row: SnapshotRow | None, folder: Path) -> Chunks | None:
    """A stored snapshot's rows ascending by id, or None when it has none (or lost them)."""
    return sorted_rows_at(_path(row, folder))


def _bins(row: SnapshotRow | None, folder: Path) -> ScoreBins | None:
    stored = _path(row, folder)
    if not stored:
        return None
    path = Path(stored)
    try:
        if path.is_dir():
            return StoredSnapshot(path).bins()
        with np.load(path) as data:
            scores = np.asarray(data["score"], dtype=np.float64)
        scores = scores[np.isfinite(scores) & (scores >= 0)]
        return ScoreBins.of(np.minimum(scores, 1e9))
    except (OSError, KeyError, ValueError):
        return None


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
    row = None
    if at - datetime.min.replace(tzinfo=at.tzinfo) > age:  # else nothing can be that old
        row = uow.session.execute(
            healthy.where(SnapshotRow.taken_at <= at - age)
            .order_by(SnapshotRow.taken_at.desc(), SnapshotRow.id.desc()).limit(1)
        ).scalar_one_or_none()
    if row is None:
        row = uow.session.execute(
            healthy.order_by(SnapshotRow.taken_at, SnapshotRow.id).limit(1)).scalar_one_or_none()
    return row


def array_chunks(profile_id: np.ndarray, score: np.ndarray) -> Iterator[SnapshotChunk]:
    """Arrays given directly, as chunks; rows are numbered from 1, NaN counts as missing."""
    try:
        snap = ScoreSnapshot(profile_id, score)
    except ValueError as exc:
        raise InvalidInput(f"snapshot: {exc}") from None
    step = 1 << 22
    for lo in range(0, len(snap), step):  # rows as given, before sorting
        problem = score_problem(np.where(np.isnan(snap.score[lo:lo + step]), 0.0,
                                         snap.score[lo:lo + step]))
        if problem is not None:
            raise InvalidInput(f"row {lo + problem[0] + 1}: score: {problem[1]}")
    try:
        snap = snap.by_id()  # the merge join with the previous snapshot needs ascending ids
    except ValueError as exc:
        raise InvalidInput(f"snapshot: {exc}") from None
    for lo in range(0, len(snap), step):
        yield SnapshotChunk(snap.profile_id[lo:lo + step], snap.score[lo:lo + step], lo + 1,
                            None, "row")


def prefetched(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """``items`` produced on a second thread: file decoding overlaps the statistics."""
    box: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        box.put((True, item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put((False, None))
        except BaseException as exc:  # handed to the consumer, raised there
            box.put((False, exc))

    worker = threading.Thread(target=produce, name="snapshot-reader", daemon=True)
    worker.start()
    try:
        while True:
            more, item = box.get()
            if not more:
                if isinstance(item, BaseException):
                    raise item
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():
            try:
                box.get_nowait()
            except queue.Empty:
                worker.join(0.05)


def record_snapshot(
    uow: UnitOfWork, *, now: datetime, at: datetime, actor: str, source: str,
    chunks: Iterable[SnapshotChunk], folder: Path, settings: HealthSettings,
    skipped: int = 0,
) -> tuple[SnapshotReport, list[AlertView], Path]:
    """Store one snapshot, its metrics as series points, and the verdict as an alert.

    Returns the folder its rows went to; the caller removes it if the
    transaction does not commit.
    """
    clash = uow.session.execute(
        select(SnapshotRow.id).where(SnapshotRow.taken_at == at)).scalar_one_or_none()
    if clash is not None:
        raise InvalidInput(f"at: snapshot #{clash} was already taken at {at.isoformat()}")
    previous_row = _latest_before(uow, at)
    reference_row = reference_for(uow, at, settings.reference_age)
    newest = uow.session.execute(select(func.max(SnapshotRow.taken_at))).scalar_one_or_none()
    folder.mkdir(parents=True, exist_ok=True)
    incoming = folder / f"incoming-{uuid.uuid4().hex}"
    stored_previous = _stored(previous_row, folder)
    writer = SortedWriter(incoming, stored_previous)
    dist = Distribution()
    previous = _sorted_rows(previous_row, folder)
    # A file sorted by id joins with the previous snapshot as it is read; an
    # unsorted one is sorted on disk first and joined afterwards.
    join = DropJoin(previous) if previous is not None else None
    try:
        for chunk in prefetched(chunks):
            same = False
            if join is not None and writer.sorted:
                same = join.feed(chunk.profile_id, chunk.score) and join.aligned
            writer.add(chunk, same_ids=same and stored_previous is not None)
            dist.add(chunk.score)
        writer.finish()
        if dist.count == 0:
            raise InvalidInput("snapshot: no profile with a score")
        if join is not None and not writer.sorted:
            join = DropJoin(_sorted_rows(previous_row, folder) or iter(()))
            for ids, scores in StoredSnapshot(incoming).chunks():
                join.feed(ids, scores)
        drops = join.result() if join is not None else None
        health = dist.health(_bins(reference_row, folder), drops)
        save_bins(incoming, dist.bins())
    except BaseException:
        writer.abort()
        raise
    try:
        report, alerts = store_health(
            uow, now=now, at=at, actor=actor, source=source, health=health,
            previous_row=previous_row, reference_row=reference_row, newest=newest,
            settings=settings, skipped=skipped,
            place=lambda row_id: _place(incoming, folder, f"snapshot-{row_id:06d}"))
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    return report, alerts, folder / f"snapshot-{report.id:06d}"


def _place(incoming: Path, folder: Path, name: str) -> str:
    """The stored rows moved to their final folder; the row's path, relative to ``folder``
    (a data folder moved elsewhere still finds them)."""
    final = folder / name
    shutil.rmtree(final, ignore_errors=True)  # left by a transaction that never committed
    incoming.rename(final)
    return stored_name(final, folder)


def record_warehouse_snapshot(
    uow: UnitOfWork, *, now: datetime, at: datetime, actor: str, source: str,
    health: SnapshotHealth, settings: HealthSettings,
) -> tuple[SnapshotReport, list[AlertView]]:
    """A snapshot whose statistics were computed where it lives: no rows are stored."""
    clash = uow.session.execute(
        select(SnapshotRow.id).where(SnapshotRow.taken_at == at)).scalar_one_or_none()
    if clash is not None:
        raise InvalidInput(f"at: snapshot #{clash} was already taken at {at.isoformat()}")
    newest = uow.session.execute(select(func.max(SnapshotRow.taken_at))).scalar_one_or_none()
    return store_health(uow, now=now, at=at, actor=actor, source=source, health=health,
                        previous_row=None, reference_row=None, newest=newest,
                        settings=settings, place=None)


def store_health(
    uow: UnitOfWork, *, now: datetime, at: datetime, actor: str, source: str,
    health: SnapshotHealth, previous_row: SnapshotRow | None,
    reference_row: SnapshotRow | None, newest: datetime | None, settings: HealthSettings,
    place: Callable[[int], str] | None, skipped: int = 0,
) -> tuple[SnapshotReport, list[AlertView]]:
    """The snapshot row, its metrics as series points, the audit record and the verdict."""
    metrics = health.as_metrics()
    level, worst, findings = judge_snapshot(metrics, settings)
    row = SnapshotRow(taken_at=at, profile_count=health.profile_count,
                      healthy=level is DriftLevel.OK, source=source[:1000], metrics=metrics)
    uow.session.add(row)
    uow.flush()
    if place is not None:
        row.path = place(row.id)
    series_rows = {}
    ts = np.array([at.timestamp()])
    for name, value in metrics.items():
        series_rows[name] = ensure_series(
            uow.session, name, unit=UNITS.get(name, "share" if "share" in name else "score"),
            description="from score snapshots", source=SNAPSHOT_SOURCE)
        store_points(uow.session, series_rows[name].id, ts, np.array([value]))
    back_dated = newest is not None and _aware(newest, at) > at
    uow.audit(now, actor, "snapshot.ingest", "snapshot", row.id,
              {"taken_at": at.isoformat(), "source": source, "profiles": health.profile_count,
               "skipped": skipped, "healthy": row.healthy, "metrics": metrics,
               "previous": previous_row.id if previous_row else None,
               "reference": reference_row.id if reference_row else None,
               "back_dated": back_dated})
    changed = []
    if not back_dated:
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


def _aware(stored: datetime, like: datetime) -> datetime:
    """SQLite gives naive datetimes back; they are UTC."""
    return stored if stored.tzinfo else stored.replace(tzinfo=like.tzinfo)


def latest_scores(uow: UnitOfWork, settings: HealthSettings, folder: Path
                  ) -> SnapshotScores | None:
    """The newest snapshot's scores beside those of the reference it was judged against;
    their paths are resolved against the snapshot folder ``folder``.

    Past ``SHOWN_SCORES`` profiles each array is an even sample (every k-th
    profile by id), enough for a histogram and bounded in memory.
    """
    newest = uow.session.execute(
        select(SnapshotRow).order_by(SnapshotRow.taken_at.desc(), SnapshotRow.id.desc())
        .limit(1)).scalar_one_or_none()
    if newest is None or not newest.path:
        return None
    reference_row = reference_for(uow, newest.taken_at, settings.reference_age)
    return snapshot_scores_view(
        newest.id, newest.taken_at, newest.healthy, _path(newest, folder),
        None if reference_row is None else (reference_row.id, reference_row.taken_at,
                                            _path(reference_row, folder)))


def _series_name(uow: UnitOfWork, series_id: int) -> str:
    row = uow.session.get(MetricSeriesRow, series_id)
    return row.name if row else str(series_id)
