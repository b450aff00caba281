"""Verifying the hash-chained audit log."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from commandcenter.domain.audit import AuditRecord, VerifyResult, verify_chain
from commandcenter.persistence.models import AuditHeadRow, AuditRow

from .context import ServiceContext

BATCH = 5_000


class AuditService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def verify(self) -> VerifyResult:
        with self.ctx.uow() as uow:
            head = uow.session.get(AuditHeadRow, 1)

            def records() -> Iterator[AuditRecord]:
                stmt = select(AuditRow).order_by(AuditRow.seq).execution_options(
                    yield_per=BATCH)
                for r in uow.session.execute(stmt).scalars():
                    yield AuditRecord(r.seq, r.at, r.actor, r.action, r.entity, r.entity_id,
                                      r.payload, r.prev_hash, r.hash)

            return verify_chain(records(), head.seq if head else None,
                                head.hash if head else None)

    def head_hash(self) -> str:
        with self.ctx.uow() as uow:
            head = uow.session.get(AuditHeadRow, 1)
            return head.hash if head else ""
