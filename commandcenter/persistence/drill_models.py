"""Tables for drills: each run (its scenario, simulated clock, result and hot wash),
the channel outages it injected, and observers' notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UTCDateTime


class DrillRunRow(Base):
    __tablename__ = "drill_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), nullable=True)
    scenario_name: Mapped[str] = mapped_column(String(200))
    scenario_file: Mapped[str] = mapped_column(String(500), default="")
    scenario_sha256: Mapped[str] = mapped_column(String(64))
    # The whole file, so a finished drill can be reopened and replayed as it was.
    scenario_text: Mapped[str] = mapped_column(Text)
    simulated_start: Mapped[datetime] = mapped_column(UTCDateTime())
    simulated_end: Mapped[datetime] = mapped_column(UTCDateTime())
    clock_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20), default="running")
    # Indices of the injects fired so far, in firing order.
    fired: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Scoring, action outcomes, replies to mentions: written when the drill finishes.
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The facilitator's hot wash: strengths, areas for improvement, improvement plan.
    hot_wash: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DrillOutageRow(Base):
    __tablename__ = "drill_outages"
    __table_args__ = (Index("ix_drill_outages_channel", "channel", "starts_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("drill_runs.id"), index=True)
    channel: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DrillObservationRow(Base):
    __tablename__ = "drill_observations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("drill_runs.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    author: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
