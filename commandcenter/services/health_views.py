"""What the score-health use cases return: frozen dataclasses, never ORM rows.

NumPy is imported where an array is made, not here: the start-up reader's lite path
(ui/prefetch.py, services/read_only.py) builds these views without it, its arrays
packed as bytes that :func:`array_from` turns into arrays as the window unpickles them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from commandcenter.persistence.metrics_models import AlertRow


SNAPSHOT_SOURCE = "snapshot"  # the source of series derived from score snapshots
# PSI/KS reference: a healthy batch this old (HealthSettings.reference_age's default).
REFERENCE_AGE = timedelta(days=7)


def instant(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def array_from(data: bytes, dtype: str) -> np.ndarray:
    """A writable array of ``data``'s machine values (``dtype``: "float64", "int64")."""
    import numpy as np

    return np.frombuffer(data, dtype=dtype).copy()


def _no_counts() -> np.ndarray:
    import numpy as np

    return np.empty(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    series: str
    detector: str
    level: str  # warning | critical
    state: str  # firing | resolved
    onset_at: datetime
    resolved_at: datetime | None
    peak_score: float
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    incident_id: int | None
    evidence: str
    version: int


def alert_view(row: AlertRow, series: str) -> AlertView:
    return AlertView(row.id, series, row.detector, row.level, row.state, row.onset_at,
                     row.resolved_at, row.peak_score, row.acknowledged_by, row.acknowledged_at,
                     row.incident_id, row.evidence, row.version)


@dataclass(frozen=True, slots=True)
class SeriesIngest:
    series: str
    inserted: int
    duplicates: int
    first_at: datetime | None
    last_at: datetime | None


@dataclass(frozen=True, slots=True)
class SnapshotReport:
    id: int
    taken_at: datetime
    profile_count: int
    healthy: bool
    metrics: dict[str, float]
    previous_id: int | None
    reference_id: int | None
    findings: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class SnapshotScores:
    """The newest snapshot's scores and its reference's (the last healthy batch), float64.

    ``reference_id`` is None and ``reference_scores`` empty when no healthy
    snapshot came before; non-finite scores are left out of both arrays.
    """

    snapshot_id: int
    taken_at: datetime
    healthy: bool
    scores: np.ndarray
    reference_id: int | None
    reference_taken_at: datetime | None
    reference_scores: np.ndarray


@dataclass(frozen=True, slots=True)
class IngestReport:
    source: str
    kind: str  # points | snapshot
    series: tuple[SeriesIngest, ...]
    errors: tuple[tuple[int, str], ...]  # (line, reason) of every skipped line
    snapshot: SnapshotReport | None = None
    alerts: tuple[AlertView, ...] = ()  # alerts opened, escalated or resolved by this ingest

    @property
    def inserted(self) -> int:
        return sum(s.inserted for s in self.series)

    @property
    def skipped(self) -> int:
        return len(self.errors)


@dataclass(frozen=True, slots=True)
class SeriesStatus:
    series: str
    unit: str
    source: str
    last_at: datetime | None
    last_value: float | None
    freshness_s: float | None  # seconds since the last point, on the service clock
    firing: tuple[AlertView, ...]
    sensitivity: str = "normal"  # off | low | normal | high (domain/sensitivity.py)


@dataclass(frozen=True, slots=True)
class SeriesData:
    """Points for a chart: raw (``resolution == 0``) or roll-up buckets."""

    series: str
    resolution: int
    ts: np.ndarray
    value: np.ndarray  # the point, or the bucket mean
    min: np.ndarray
    max: np.ndarray
    count: np.ndarray = field(default_factory=_no_counts)

    def __len__(self) -> int:
        return int(self.ts.size)


@dataclass(frozen=True, slots=True)
class SensitivityView:
    """A series' anomaly-alert sensitivity after a change (``previous`` before it)."""

    series: str
    sensitivity: str
    alert_level: float | None  # the anomaly score an alert fires at; None: no alerts
    previous: str
    changed_by: str


def snapshot_scores_view(snapshot_id: int, taken_at: datetime, healthy: bool,
                         path: str | None, reference: tuple[int, datetime, str | None] | None
                         ) -> SnapshotScores | None:
    """The newest snapshot's scores beside its reference's (id, taken_at, path), read from
    their stored files; None when the newest has none (or lost them)."""
    import numpy as np

    from commandcenter.ingest.snapshot_store import shown_scores

    current = shown_scores(path)
    if current is None:
        return None
    scores = None if reference is None else shown_scores(reference[2])
    if scores is None or reference is None:
        return SnapshotScores(snapshot_id, taken_at, healthy, current, None, None,
                              np.empty(0, np.float64))
    return SnapshotScores(snapshot_id, taken_at, healthy, current, reference[0],
                          reference[1], scores)
