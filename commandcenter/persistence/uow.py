"""The unit of work: one Session, one transaction, committed explicitly."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from commandcenter.domain.audit import AuditRecord, canonical, record_hash
from commandcenter.domain.errors import ConflictError

from .models import AuditHeadRow, AuditRow


class UnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory
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
        """
        s = self.session
        s.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1)
                  .values(seq=AuditHeadRow.seq + 1))
        head = s.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one()
        s.refresh(head)
        seq = head.seq
        prev = head.hash
        body = canonical(payload or {})
        digest = record_hash(prev, seq, at, actor, action, entity, str(entity_id), body)
        s.add(AuditRow(seq=seq, at=at, actor=actor, action=action, entity=entity,
                       entity_id=str(entity_id), payload=body, prev_hash=prev, hash=digest))
        head.hash = digest
        return AuditRecord(seq, at, actor, action, entity, str(entity_id), body, prev, digest)


def is_busy(exc: OperationalError) -> bool:
    """SQLite's lock timeout, or PostgreSQL's lock or serialisation failure."""
    text = str(exc.orig).lower()
    return "locked" in text or "could not serialize" in text or "lock timeout" in text


def is_unique_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text
