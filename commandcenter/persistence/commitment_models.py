"""Tables for commitments (promises with due times) and the change calendar (migration 0011)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UTCDateTime


class CommitmentRow(Base):
    __tablename__ = "commitments"
    __table_args__ = (
        Index("ix_commitments_state_due", "state", "due_at"),
        Index("ix_commitments_incident", "incident_id", "due_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    text: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(120))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20))  # domain/commitments.py CommitmentState
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), nullable=True)
    kept_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    kept_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"),
                                                        nullable=True)
    kept_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # The alert raised when it fell due unkept.
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}


class ScoringChangeRow(Base):
    __tablename__ = "scoring_changes"
    __table_args__ = (Index("ix_scoring_changes_effective", "effective_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notice_days: Mapped[int] = mapped_column(Integer, default=7)
    effect: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    announcement_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"),
                                                                nullable=True)
    explanation_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"),
                                                               nullable=True)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    released_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
