"""Tables for score health: metric series, raw points, roll-ups, alerts, snapshots.

Points are keyed by (series_id, ts) with ts as float64 epoch seconds (UTC):
the charts plot float64 x arrays, and one composite key is both the
uniqueness rule and the only index a range read needs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .light import ROLLUP_RESOLUTIONS
from .models import Base, UTCDateTime

__all__ = ["ROLLUP_RESOLUTIONS", "AlertRow", "MetricPointRow", "MetricRollupRow",
           "MetricSeriesRow", "SnapshotRow"]


class MetricSeriesRow(Base):
    __tablename__ = "metric_series"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    unit: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(500), default="")
    # Points up to this instant have been through the detectors.
    evaluated_until: Mapped[float | None] = mapped_column(Double, nullable=True)
    # How readily the anomaly detector alerts on this series (domain/sensitivity.py).
    sensitivity: Mapped[str] = mapped_column(String(20), default="normal",
                                             server_default="normal")


class MetricPointRow(Base):
    __tablename__ = "metric_points"
    # The clustered key makes a range read one B-tree walk and halves insert
    # work on SQLite; other dialects ignore the option.
    __table_args__ = ({"sqlite_with_rowid": False},)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("metric_series.id", ondelete="CASCADE"), primary_key=True)
    ts: Mapped[float] = mapped_column(Double, primary_key=True)
    value: Mapped[float] = mapped_column(Double)


class MetricRollupRow(Base):
    __tablename__ = "metric_rollups"
    __table_args__ = ({"sqlite_with_rowid": False},)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("metric_series.id", ondelete="CASCADE"), primary_key=True)
    resolution: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[float] = mapped_column(Double, primary_key=True)
    min: Mapped[float] = mapped_column(Double)
    max: Mapped[float] = mapped_column(Double)
    mean: Mapped[float] = mapped_column(Double)
    count: Mapped[int] = mapped_column(Integer)


class AlertRow(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_series_state", "series_id", "state"),
        Index("ix_alerts_onset", "onset_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None: an alert about no series (an overdue commitment, migration 0011).
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("metric_series.id", ondelete="CASCADE"), nullable=True)
    detector: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20), default="critical")
    state: Mapped[str] = mapped_column(String(20))
    onset_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    peak_score: Mapped[float] = mapped_column(Double, default=0.0)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), nullable=True)
    evidence: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}


class SnapshotRow(Base):
    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshots_taken", "taken_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    profile_count: Mapped[int] = mapped_column(Integer)
    healthy: Mapped[bool] = mapped_column(Boolean, default=True)
    path: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    source: Mapped[str] = mapped_column(String(1000), default="")
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
