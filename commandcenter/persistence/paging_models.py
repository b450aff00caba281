"""Review requests, the pages they sent, and the escalation policy (migration 0009)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UTCDateTime


class EscalationPolicyRow(Base):
    """Each version of the escalation policy; the newest is in force (none: the default)."""

    __tablename__ = "escalation_policies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy: Mapped[dict] = mapped_column(JSON)  # EscalationPolicy.to_json()
    set_by: Mapped[str] = mapped_column(String(120), default="")
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewRequestRow(Base):
    """One message revision waiting for a decision, with the policy in force when it
    entered review."""

    __tablename__ = "review_requests"
    __table_args__ = (Index("ix_review_requests_state", "state", "deadline_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    severity: Mapped[str] = mapped_column(String(8))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_owner_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), nullable=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), nullable=True)
    policy: Mapped[dict] = mapped_column(JSON)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20), default="waiting")  # waiting|closed|stuck
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PageRow(Base):
    """One notification to one person: shown on every workstation they are signed in
    at, and mailed when an SMTP server is configured."""

    __tablename__ = "pages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("review_requests.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # review|escalated|escalated_away
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    email_to: Mapped[str] = mapped_column(String(200), default="")
    # none (no address or no server) | pending | sending | sent | failed
    email_state: Mapped[str] = mapped_column(String(10), default="none")
    email_error: Mapped[str] = mapped_column(String(500), default="")
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
