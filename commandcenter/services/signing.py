"""Signing keys in the store: made, resealed, revoked, used to sign and to check approvals.

Every key is registered in the audit log (its public key in the record), so
``audit verify`` can tell a key slipped into the table from one the app made.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from commandcenter.domain.errors import PolicyRefused
from commandcenter.domain.names import name_key
from commandcenter.domain.operators import OperatorView
from commandcenter.domain.signing import ApprovalStatement
from commandcenter.persistence.models import ApprovalRow, ContactRow, MessageRow, OperatorRow
from commandcenter.persistence.signing_models import OperatorKeyRow
from commandcenter.persistence.uow import UnitOfWork

from .context import ServiceContext
from .keys import new_key_pair, seal, sign, signature_valid, unseal


def active_key(uow: UnitOfWork, operator_id: int) -> OperatorKeyRow | None:
    return uow.session.execute(
        select(OperatorKeyRow).where(OperatorKeyRow.operator_id == operator_id,
                                     OperatorKeyRow.revoked_at.is_(None))
        .order_by(OperatorKeyRow.id.desc())).scalars().first()


def issue_key(ctx: ServiceContext, uow: UnitOfWork, operator: OperatorRow, name: str,
              passphrase: str, now: datetime, actor: str) -> OperatorKeyRow:
    """A new key pair, sealed under ``passphrase``; the public key is registered (audited)."""
    private, public = new_key_pair()
    row = OperatorKeyRow(operator_id=operator.id, public_key=public, created_at=now,
                         sealed_private=seal(ctx.passphrases.kdf, passphrase, private,
                                             operator.id, public))
    uow.session.add(row)
    uow.flush()
    uow.audit(now, actor, "key.register", "operator", operator.id,
              {"name": name, "key": row.id, "public_key": public})
    return row


def reseal_key(ctx: ServiceContext, uow: UnitOfWork, operator: OperatorRow, name: str,
               old: str, new: str, now: datetime) -> OperatorKeyRow | None:
    """The same key pair under a new passphrase (None: the operator has no usable key)."""
    row = active_key(uow, operator.id)
    if row is None or not row.sealed_private:
        return None
    private = unseal(ctx.passphrases.kdf, old, row.sealed_private, operator.id, row.public_key)
    row.sealed_private = seal(ctx.passphrases.kdf, new, private, operator.id, row.public_key)
    uow.audit(now, name, "key.reseal", "operator", operator.id, {"name": name, "key": row.id})
    return row


def revoke_keys(uow: UnitOfWork, operator: OperatorRow, name: str, now: datetime, actor: str,
                reason: str) -> list[int]:
    """Nothing can be signed with these keys any more; their private halves are erased."""
    rows = uow.session.execute(select(OperatorKeyRow).where(
        OperatorKeyRow.operator_id == operator.id,
        OperatorKeyRow.revoked_at.is_(None))).scalars().all()
    for row in rows:
        row.revoked_at, row.revoked_reason, row.sealed_private = now, reason[:200], ""
        uow.audit(now, actor, "key.revoke", "operator", operator.id,
                  {"name": name, "key": row.id, "reason": reason})
    return [r.id for r in rows]


def sign_approval(ctx: ServiceContext, uow: UnitOfWork, op: OperatorView, passphrase: str,
                  message: MessageRow, digest: str, now: datetime,
                  evidence: dict[str, Any]) -> tuple[OperatorKeyRow, str, str]:
    """Sign the approval statement with the approver's key: (key, statement, signature).

    An operator from before signing existed gets a key now, sealed under the
    passphrase they just proved.
    """
    operator = uow.session.get(OperatorRow, op.id)
    assert operator is not None
    key = active_key(uow, op.id)
    if key is None:
        if uow.session.execute(select(OperatorKeyRow.id).where(
                OperatorKeyRow.operator_id == op.id)).first() is not None:
            raise PolicyRefused(f"approve: {op.name} has no usable signing key (it was "
                                "revoked); set your own passphrase first ('operator "
                                "passphrase')")
        key = issue_key(ctx, uow, operator, op.name, passphrase, now, op.name)
    private = unseal(ctx.passphrases.kdf, passphrase, key.sealed_private, op.id, key.public_key)
    statement = ApprovalStatement(message.id, message.revision, message.channel, digest, now,
                                  op.contact_id, op.name, key.id, key.public_key,
                                  evidence).text()
    return key, statement, sign(private, statement)


def approval_problem(uow: UnitOfWork, approval: ApprovalRow, message: MessageRow,
                     at: datetime) -> str | None:
    """Why this approval is not a valid signature by its approver at ``at``; None if it is."""
    if approval.signature is None or approval.key_id is None or approval.statement is None:
        return f"approval {approval.id} is not signed (approve the message again)"
    s = uow.session
    key = s.get(OperatorKeyRow, approval.key_id)
    if key is None:
        return f"approval {approval.id} names signing key {approval.key_id}, which is not " \
            "registered"
    operator = s.get(OperatorRow, key.operator_id)
    approver = s.get(ContactRow, approval.approver_id)
    if operator is None or approver is None or operator.contact_id != approver.id:
        return f"approval {approval.id} is signed with a key that is not the approver's"
    if key.revoked_at is not None and key.revoked_at <= at:
        return f"approval {approval.id} is signed with a key revoked at " \
            f"{key.revoked_at.isoformat()} ({key.revoked_reason})"
    try:
        evidence = json.loads(approval.statement)["evidence"]
        owner = evidence["owner"]
    except (ValueError, KeyError, TypeError):
        return f"approval {approval.id}: the signed statement is not readable"
    if not isinstance(owner, str) or name_key(owner) != approver.name_key:
        return f"approval {approval.id}: the signed evidence names {owner!r} as the owner, " \
            f"not {approver.name}"
    expected = ApprovalStatement(message.id, approval.revision, message.channel,
                                 approval.content_hash, approval.approved_at, approver.id,
                                 approver.name, key.id, key.public_key, evidence)
    if approval.message_id != message.id or approval.statement != expected.text():
        return f"approval {approval.id}: the signed statement does not match the stored " \
            "approval"
    if not signature_valid(key.public_key, approval.statement, approval.signature):
        return f"approval {approval.id}: the signature does not verify against " \
            f"{approver.name}'s registered public key"
    return None
