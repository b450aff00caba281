"""Verifying the keyed audit log, anchoring its head, and the head every report prints."""

from __future__ import annotations

import contextlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from commandcenter.domain.audit import (
    AuditKey,
    AuditRecord,
    Head,
    VerifyResult,
    anchor_document,
    anchor_problems,
    checkpoint_signature,
    head_signature,
    verify_chain,
    verify_tail,
)
from commandcenter.domain.errors import ConflictError, InvalidInput, PolicyRefused
from commandcenter.persistence import audit_guard
from commandcenter.persistence.models import AuditHeadRow, AuditRow
from commandcenter.persistence.uow import UnitOfWork

from .audit_crosscheck import cross_check
from .context import ServiceContext
from .views import SignedHead

BATCH = 5_000


@dataclass(frozen=True, slots=True)
class AuditReport:
    """``audit verify``'s answer: the chain, the head, the tables, an anchor."""

    ok: bool
    records: int
    head_hash: str
    problems: tuple[str, ...]
    head: SignedHead | None
    keyed_from: int | None
    anchor_seq: int | None = None


COLUMNS = (AuditRow.seq, AuditRow.at, AuditRow.actor, AuditRow.action, AuditRow.entity,
           AuditRow.entity_id, AuditRow.payload, AuditRow.prev_hash, AuditRow.hash)


def _records(uow: UnitOfWork, upto: int | None = None,
             after: int | None = None) -> Iterator[AuditRecord]:
    # Columns, not ORM objects: a whole-log read costs ~5x more with entities.
    stmt = select(*COLUMNS).order_by(AuditRow.seq).execution_options(yield_per=BATCH)
    if upto is not None:
        stmt = stmt.where(AuditRow.seq <= upto)
    if after is not None:
        stmt = stmt.where(AuditRow.seq > after)
    for row in uow.session.execute(stmt):
        yield AuditRecord(*row)


def _head(uow: UnitOfWork) -> Head | None:
    row = uow.session.get(AuditHeadRow, 1)
    return Head(row.seq, row.hash, row.key_id, row.signature) if row is not None else None


def verify_log(ctx: ServiceContext, uow: UnitOfWork, *, incremental: bool = False
               ) -> VerifyResult:
    """The chain and its head (not the tables). With ``incremental``, only the records
    after the last verified checkpoint, when there is a valid one (what publish
    checks: its cost stays flat as the log grows). A log that verifies moves the
    checkpoint to its head, in the caller's transaction."""
    head = _head(uow)
    row = uow.session.get(AuditHeadRow, 1)
    key = ctx.audit_key
    start = _checkpoint(uow, key, row) if incremental and audit_guard.intact(uow.session) \
        else None
    if start is not None:
        result = verify_tail(_records(uow, after=start[0]), after_seq=start[0],
                             after_hash=start[1], key=key, head=head)
    else:
        result = verify_chain(_records(uow), key=key, head=head, head_required=True)
    if result.ok and key is not None and row is not None and row.key_id is not None:
        row.verified_seq, row.verified_hash = row.seq, row.hash
        row.verified_signature = checkpoint_signature(key, row.seq, row.hash)
    return result


def _checkpoint(uow: UnitOfWork, key: AuditKey | None,
                row: AuditHeadRow | None) -> tuple[int, str] | None:
    """The verified checkpoint, if its MAC holds and its record is still the one verified."""
    if key is None or row is None or row.verified_seq is None or not row.verified_hash:
        return None
    want = checkpoint_signature(key, row.verified_seq, row.verified_hash)
    if not row.verified_signature or not hmac.compare_digest(row.verified_signature, want):
        return None
    found = uow.session.execute(select(AuditRow.hash).where(
        AuditRow.seq == row.verified_seq)).scalar_one_or_none()
    return (row.verified_seq, row.verified_hash) if found == row.verified_hash else None


def refuse_if_audit_broken(ctx: ServiceContext, uow: UnitOfWork, what: str) -> None:
    result = verify_log(ctx, uow, incremental=True)
    if not result.ok:
        raise PolicyRefused(f"{what}: the audit log is broken ({result.problems[0]}"
                            + (f"; {len(result.problems) - 1} more" if len(result.problems) > 1
                               else "")
                            + "); nothing is published until 'commandcenter audit verify' "
                            "passes")


def signed_head(ctx: ServiceContext, uow: UnitOfWork) -> SignedHead:
    key = _key(ctx)
    head = _head(uow)
    seq, digest = (head.seq, head.hash) if head is not None else (0, "")
    return SignedHead(seq, digest, head_signature(key, seq, digest), key.id)


def _key(ctx: ServiceContext) -> AuditKey:
    if ctx.audit_key is None:
        raise PolicyRefused("audit: no audit key is configured")
    return ctx.audit_key


class AuditService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def verify(self, anchor: Path | None = None) -> AuditReport:
        """Recompute the chain and the head, cross-check the tables, and (with
        ``anchor``) prove that nothing up to the anchored record changed."""
        doc = read_anchor(anchor) if anchor is not None else None
        with self.ctx.uow() as uow:
            result = verify_log(self.ctx, uow)
            problems = list(result.problems)
            problems.extend(cross_check(uow))
            anchor_seq = None
            if doc is not None:
                problems.extend(self._against_anchor(uow, doc))
                anchor_seq = doc.get("seq") if isinstance(doc, dict) else None
            head = signed_head(self.ctx, uow) if self.ctx.audit_key is not None else None
            self._settle_checkpoint(uow, ok=not problems)
        return AuditReport(not problems, result.records, result.head_hash, tuple(problems),
                           head, result.keyed_from, anchor_seq)

    @staticmethod
    def _settle_checkpoint(uow: UnitOfWork, *, ok: bool) -> None:
        """A passing whole-log verification keeps the checkpoint it moved; a failing one
        clears it, so publish verifies the whole log again and refuses while it is broken."""
        row = uow.session.get(AuditHeadRow, 1)
        if row is None or row.key_id is None:
            return
        if not ok:
            row.verified_seq = row.verified_hash = row.verified_signature = None
        with contextlib.suppress(ConflictError):  # busy: the next verification settles it
            uow.commit()

    def _against_anchor(self, uow: UnitOfWork, doc: Any) -> list[str]:
        problems = anchor_problems(_key(self.ctx), doc)
        if problems:
            return problems
        seq, want = doc["seq"], doc["head_hash"]
        row = uow.session.get(AuditRow, seq) if seq > 0 else None
        if seq > 0 and row is None:
            return [f"anchor: record {seq} is gone from the log (the log was cut or "
                    "rewritten before it)"]
        upto = verify_chain(_records(uow, upto=seq), key=self.ctx.audit_key)
        found = row.hash if row is not None else upto.head_hash
        out = []
        if upto.records != seq:
            out.append(f"anchor: the log has {upto.records} records up to record {seq}")
        if found != want:
            out.append(f"anchor: record {seq} is not the anchored head (the log before it "
                       "was rewritten)")
        return out

    def anchor(self, path: Path) -> dict[str, Any]:
        """Write the signed head to ``path`` (to keep elsewhere); verifies first."""
        report = self.verify()
        if not report.ok:
            raise PolicyRefused(f"audit: not anchoring a log that does not verify "
                                f"({report.problems[0]})")
        with self.ctx.uow() as uow:
            head = _head(uow)
            assert head is not None
            doc = anchor_document(_key(self.ctx), head.seq, head.hash, self.ctx.clock.now(),
                                  self.ctx.database)
        write_anchor(path, doc)
        return doc

    def signed_head(self) -> SignedHead:
        """The head and its signature: call this to print the head on a report."""
        with self.ctx.uow() as uow:
            return signed_head(self.ctx, uow)

    def head_hash(self) -> str:
        with self.ctx.uow() as uow:
            head = uow.session.get(AuditHeadRow, 1)
            return head.hash if head else ""


def read_anchor(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"anchor: {path} does not exist") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"anchor: {path} is not JSON ({exc})") from None


def write_anchor(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
