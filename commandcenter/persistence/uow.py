"""The unit of work: one Session, one transaction, committed explicitly."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from commandcenter.domain.audit import (
    SWITCH_ACTION,
    AuditKey,
    AuditRecord,
    canonical,
    head_signature,
    record_hash,
)
from commandcenter.domain.errors import ConflictError, PolicyRefused

from .models import (
    ApprovalRow,
    AuditHeadRow,
    AuditRow,
    AvailabilityRow,
    ChainRow,
    DelegationRow,
    MessageRow,
    OperatorRow,
    PublicationRow,
)

CROSS_CHECKED = (MessageRow, ApprovalRow, PublicationRow, ChainRow, OperatorRow,
                 AvailabilityRow, DelegationRow)


class UnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back."""

    def __init__(self, session_factory: sessionmaker[Session],
                 audit_key: AuditKey | None = None) -> None:
        self._factory = session_factory
        # None only for tests that make a database as older versions did (unkeyed).
        self.audit_key = audit_key
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
        if isinstance(exc, StaleDataError):
            raise ConflictError(
                "conflict: somebody else changed this first; reload and try again"
            ) from exc
        if isinstance(exc, OperationalError) and is_busy(exc):
            raise ConflictError("conflict: the database is busy; try again") from exc

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError as exc:
            raise ConflictError(
                "conflict: somebody else changed this first; reload and try again"
            ) from exc
        except OperationalError as exc:
            if is_busy(exc):
                raise ConflictError("conflict: the database is busy; try again") from exc
            raise

    def flush(self) -> None:
        try:
            self.session.flush()
        except StaleDataError as exc:
            raise ConflictError(
                "conflict: somebody else changed this first; reload and try again"
            ) from exc

    def audit(
        self, at: datetime, actor: str, action: str, entity: str, entity_id: object,
        payload: dict[str, Any] | None = None,
    ) -> AuditRecord:
        """Append to the hash chain inside this transaction.

        Bumping the head row first takes its row lock (PostgreSQL) or the
        write lock (SQLite), so concurrent writers queue instead of forking.
        The first keyed write to a log of unkeyed records writes the switch
        record first (domain/audit.py).
        """
        head = self._lock_head()
        key = self.audit_key
        if key is not None and head.key_id is None:
            head.key_id = key.id
            if head.seq > 1:  # unkeyed records exist: mark where keyed ones begin
                head.keyed_from = head.seq
                self._append(head, at, "system", SWITCH_ACTION, "audit", key.id,
                             {"key_id": key.id, "unkeyed_records": head.seq - 1,
                              "rows_before": self._rows_before()})
                head.seq += 1
            else:
                head.keyed_from = 1
        elif key is not None and head.key_id != key.id:
            raise PolicyRefused(
                f"audit: this database's log is keyed with audit key {head.key_id}, but this "
                f"workstation has key {key.id}; copy the audit key file from a workstation "
                "that shares this database (README, Security)")
        elif key is None and head.key_id is not None:
            raise PolicyRefused("audit: the log is keyed and no audit key was given")
        return self._append(head, at, actor, action, entity, entity_id, payload)

    def ensure_keyed(self, at: datetime) -> bool:
        """Key a log that has never been keyed (an older database, opened now): write the
        switch record, so that from here on an unkeyed record is always a finding.
        True if it wrote something; the caller commits."""
        key = self.audit_key
        head = self.session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)
                                    .with_for_update()).scalar_one_or_none()
        if key is None or head is None or head.key_id is not None:
            return False
        head.key_id = key.id
        if head.seq == 0:
            head.keyed_from = 1
            head.signature = head_signature(key, 0, head.hash)
            return True
        head.seq += 1
        head.keyed_from = head.seq
        self._append(head, at, "system", SWITCH_ACTION, "audit", key.id,
                     {"key_id": key.id, "unkeyed_records": head.seq - 1,
                      "rows_before": self._rows_before()})
        return True

    def has_undelivered(self) -> bool:
        """Whether any committed publication still waits for the outbox."""
        return self.session.execute(select(PublicationRow.id).where(
            PublicationRow.delivered_at.is_(None)).limit(1)).first() is not None

    def _rows_before(self) -> dict[str, int]:
        """The newest id of each cross-checked table when the log became keyed: rows up
        to these come from before, and were logged only as far as older versions did."""
        return {m.__tablename__: self.session.execute(select(func.max(m.id))).scalar() or 0
                for m in CROSS_CHECKED}

    def _lock_head(self) -> AuditHeadRow:
        # One statement: the bump takes the lock and hands back the row as it is now.
        head = self.session.execute(
            update(AuditHeadRow).where(AuditHeadRow.id == 1)
            .values(seq=AuditHeadRow.seq + 1).returning(AuditHeadRow),
            execution_options={"populate_existing": True}).scalar_one_or_none()
        if head is None:
            raise PolicyRefused("audit: the audit log's head record is missing, so nothing "
                                "can be written (the log may have been cut); run "
                                "'commandcenter audit verify'")
        return head

    def _append(self, head: AuditHeadRow, at: datetime, actor: str, action: str, entity: str,
                entity_id: object, payload: dict[str, Any] | None) -> AuditRecord:
        seq, prev, key = head.seq, head.hash, self.audit_key
        body = canonical(payload or {})
        digest = record_hash(prev, seq, at, actor, action, entity, str(entity_id), body, key)
        self.session.add(AuditRow(seq=seq, at=at, actor=actor, action=action, entity=entity,
                                  entity_id=str(entity_id), payload=body, prev_hash=prev,
                                  hash=digest))
        head.hash = digest
        head.signature = head_signature(key, seq, digest) if key is not None else None
        return AuditRecord(seq, at, actor, action, entity, str(entity_id), body, prev, digest)


def is_busy(exc: OperationalError) -> bool:
    """SQLite's lock timeout, or PostgreSQL's lock or serialisation failure."""
    text = str(exc.orig).lower()
    return "locked" in text or "could not serialize" in text or "lock timeout" in text


def is_unique_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text
