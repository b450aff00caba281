"""SQLAlchemy 2.x tables. Only persistence/ sees these classes; services return dataclasses."""

# No `from __future__ import annotations`: Python evaluates each Mapped[...] once, where
# SQLAlchemy would parse and evaluate every annotation string (a CLI call's start-up).

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back aware UTC datetimes, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if getattr(dialect, "name", "") == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class ContactRow(Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    name_key: Mapped[str] = mapped_column(String(120), unique=True)
    # What the name looks like (domain/names.py); look-alike names are refused.
    skeleton: Mapped[str] = mapped_column(String(120), index=True, default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    handle: Mapped[str] = mapped_column(String(120), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")


class OperatorRow(Base):
    __tablename__ = "operators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    passphrase_hash: Mapped[str] = mapped_column(String(200))
    # Set when two commanders reset the passphrase: no approval until the operator
    # has chosen a passphrase of their own.
    must_set_passphrase: Mapped[bool] = mapped_column(Boolean, default=False)


class AvailabilityRow(Base):
    __tablename__ = "availability_windows"
    __table_args__ = (Index("ix_availability_contact_span", "contact_id", "starts_at", "ends_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reachable: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(500), default="")
    set_by: Mapped[str] = mapped_column(String(120), default="")
    set_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ChainRow(Base):
    __tablename__ = "chains"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    set_by: Mapped[str] = mapped_column(String(120), default="")
    set_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    __mapper_args__ = {"version_id_col": version}


class ChainMemberRow(Base):
    __tablename__ = "chain_members"
    __table_args__ = (UniqueConstraint("chain_id", "position"),
                      UniqueConstraint("chain_id", "contact_id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chains.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    position: Mapped[int] = mapped_column(Integer)


class DelegationRow(Base):
    __tablename__ = "delegations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chains.id", ondelete="CASCADE"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    granted_by: Mapped[str] = mapped_column(String(120), default="")
    granted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reason: Mapped[str] = mapped_column(String(500), default="")


class IncidentRow(Base):
    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(80), default="scoring")
    severity: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(20))
    drill: Mapped[bool] = mapped_column(Boolean, default=False)
    commander_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), nullable=True)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_public_ack_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    explained_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The instant up to which chain ownership changes were written to the timeline.
    ownership_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}


class TimelineRow(Base):
    __tablename__ = "timeline_entries"
    __table_args__ = (
        UniqueConstraint("incident_id", "seq"),
        Index("ix_timeline_incident_occurred", "incident_id", "occurred_at", "id"),
        Index("ix_timeline_incident_kind", "incident_id", "kind"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    corrects_id: Mapped[int | None] = mapped_column(
        ForeignKey("timeline_entries.id"), nullable=True
    )
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)


# Pinned-first ordering walks this index (migration 0003 creates it); declared after
# the class because it orders by ``pinned DESC``.
Index("ix_timeline_incident_pinned", "incident_id", TimelineRow.pinned.desc(),
      "occurred_at", "id")


class MessageRow(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_incident", "incident_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    channel: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(30), default="other")
    title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rejected_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}


class MessageRevisionRow(Base):
    __tablename__ = "message_revisions"
    __table_args__ = (UniqueConstraint("message_id", "revision"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    revision: Mapped[int] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    edited_by_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApprovalRow(Base):
    __tablename__ = "approvals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    revision: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    approver_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    owner_evidence: Mapped[str] = mapped_column(Text, default="")
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The approver's Ed25519 signature over ``statement`` (domain/signing.py), made
    # with key ``key_id``. Approvals from before signing have none and are not valid.
    key_id: Mapped[int | None] = mapped_column(ForeignKey("operator_keys.id"), nullable=True)
    statement: Mapped[str | None] = mapped_column(Text, nullable=True)
    signature: Mapped[str | None] = mapped_column(String(128), nullable=True)


class PublicationRow(Base):
    __tablename__ = "publications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("approvals.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    destination: Mapped[str] = mapped_column(String(20))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    file_name: Mapped[str] = mapped_column(String(200))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AuditRow(Base):
    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """One row; updating it first serialises writers of the audit chain."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    hash: Mapped[str] = mapped_column(String(64))
    # Which audit key the chain is keyed with, from which record, and the head's own
    # MAC (domain/audit.py); all None while a database has only unkeyed records.
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    keyed_from: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), nullable=True)
    signature: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The last record a whole-log verification passed (and its MAC): publish checks
    # only the records after it, so its cost does not grow with the log.
    verified_seq: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), nullable=True)
    verified_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    verified_signature: Mapped[str | None] = mapped_column(String(64), nullable=True)




# approvals.key_id points at operator_keys: load that table with these.
from . import signing_models  # noqa: E402, F401
