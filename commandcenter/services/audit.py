"""Verifying the keyed audit log, anchoring its head, and the head every report prints."""

from __future__ import annotations

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
    head_signature,
    verify_chain,
)
from commandcenter.domain.errors import InvalidInput, PolicyRefused
from commandcenter.persistence.models import AuditHeadRow, AuditRow
from commandcenter.persistence.uow import UnitOfWork

from .audit_crosscheck import cross_check
from .context import ServiceContext

BATCH = 5_000


@dataclass(frozen=True, slots=True)
class SignedHead:
    """The audit log's head as reports print it: record count, hash, and its signature
    (HMAC-SHA256 under the audit key, see README "Security"), with the key's id."""

    seq: int
    hash: str
    signature: str
    key_id: str

    def line(self) -> str:
        return (f"audit head: record {self.seq}, {self.hash} "
                f"(signed {self.signature[:16]}..., audit key {self.key_id})")


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


def _records(uow: UnitOfWork, upto: int | None = None) -> Iterator[AuditRecord]:
    # Columns, not ORM objects: publish reads the whole log, and entities cost ~5x more.
    stmt = select(*COLUMNS).order_by(AuditRow.seq).execution_options(yield_per=BATCH)
    if upto is not None:
        stmt = stmt.where(AuditRow.seq <= upto)
    for row in uow.session.execute(stmt):
        yield AuditRecord(*row)


def _head(uow: UnitOfWork) -> Head | None:
    row = uow.session.get(AuditHeadRow, 1)
    return Head(row.seq, row.hash, row.key_id, row.signature) if row is not None else None


def verify_log(ctx: ServiceContext, uow: UnitOfWork) -> VerifyResult:
    """The chain and its head (not the tables): what publish checks."""
    head = _head(uow)
    return verify_chain(_records(uow), key=ctx.audit_key, head=head, head_required=True)


def refuse_if_audit_broken(ctx: ServiceContext, uow: UnitOfWork, what: str) -> None:
    result = verify_log(ctx, uow)
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
        return AuditReport(not problems, result.records, result.head_hash, tuple(problems),
                           head, result.keyed_from, anchor_seq)

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
