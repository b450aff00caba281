"""Who may change who may act: the guard on every authority change, and its record.

Authority (who may approve, publish or sign) comes from the roster: people,
operators and their roles, passphrases, chains of command, availability and
delegations. Every change to them is part of the approval rule, so:

* it needs a signed-in operator (name *and* passphrase, checked here, inside
  the transaction, whatever the interface) whose role allows it; only a
  database with no operator at all is in set-up, where the roster, the
  chains and the first operator (a commander) are made without sign-in;
* it is written at once to the timeline of every open incident, and audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from commandcenter.domain.chains import COMMUNICATIONS
from commandcenter.domain.clock import format_utc
from commandcenter.domain.errors import NotFound, PolicyRefused
from commandcenter.domain.incidents import IncidentStatus, is_open
from commandcenter.domain.operators import Action, Credentials, OperatorView, require
from commandcenter.domain.timeline import EntryKind
from commandcenter.persistence.models import IncidentRow, OperatorRow
from commandcenter.persistence.uow import UnitOfWork

from .context import ServiceContext, authenticate
from .ownership import ChainSnapshot
from .timeline import append

__all__ = ["Credentials", "SelfPromotionGuard", "authorize", "in_setup",
           "record_authority_change"]

SETUP_ACTOR = "set-up (no operator yet)"
OPEN_STATUSES = [s.value for s in IncidentStatus if is_open(s)]


def in_setup(uow: UnitOfWork) -> bool:
    """True while the database has no operator: nobody could sign in yet."""
    return uow.session.execute(select(func.count()).select_from(OperatorRow)).scalar_one() == 0


def authorize(ctx: ServiceContext, uow: UnitOfWork, by: Credentials | None, action: Action,
              what: str) -> OperatorView | None:
    """The signed-in operator allowed to ``action``; None only in set-up without ``by``.

    ``what`` names the change for the refusal ("set a chain").
    """
    if by is None:
        if in_setup(uow):
            return None
        raise PolicyRefused(f"permission: to {what} an operator must sign in (--as NAME "
                            "and passphrase)")
    op = authenticate(ctx, uow, by.name, by.passphrase)
    require(op, action)
    return op


class SelfPromotionGuard:
    """Refuses a change that makes its own author the communications chain's owner.

    Approval authority must not be taken single-handed: a commander who marks
    the owner unavailable, or reorders the chain, so that he himself becomes
    the owner (now or at any later instant) needs a second commander to
    co-sign. Built before the change; :meth:`check` after it is flushed.
    """

    def __init__(self, ctx: ServiceContext, uow: UnitOfWork, op: OperatorView | None,
                 now: datetime) -> None:
        self.ctx, self.uow, self.op, self.now = ctx, uow, op, now
        self.before = self._snapshot()

    def _snapshot(self) -> ChainSnapshot | None:
        if self.op is None:
            return None
        try:
            return ChainSnapshot(self.uow, COMMUNICATIONS)
        except NotFound:
            return None

    def check(self, cosigner: Credentials | None) -> None:
        if self.op is None:
            return  # set-up: nobody can sign in yet, so nobody is promoting himself
        after = self._snapshot()
        if after is None:
            return
        me = self.op.contact_id
        instants = {self.now} | after.boundaries(self.now)
        if self.before is not None:
            instants |= self.before.boundaries(self.now)
        promoted = next((t for t in sorted(instants) if after.owner_id_at(t) == me and (
            self.before is None or self.before.owner_id_at(t) != me)), None)
        if promoted is None:
            return
        when = "now" if promoted == self.now else f"from {format_utc(promoted)}"
        if cosigner is None:
            raise PolicyRefused(
                f"permission: this change makes {self.op.name} the owner of the "
                f"{COMMUNICATIONS} chain {when}; a second commander must co-sign it "
                "(--cosign NAME)")
        second = authorize(self.ctx, self.uow, cosigner, Action.EDIT_ROSTER,
                           "co-sign a change of approval authority")
        assert second is not None
        if second.contact_id == me:
            raise PolicyRefused("permission: the co-signer must be a second commander")


def actor_name(op: OperatorView | None) -> str:
    return op.name if op is not None else SETUP_ACTOR


def record_authority_change(uow: UnitOfWork, now: datetime, actor: str, action: str,
                            entity: str, entity_id: object, text: str,
                            data: dict[str, Any]) -> int:
    """Audit one authority change and write it to every open incident's timeline.

    Returns how many timelines it was written to. The caller commits.
    """
    uow.audit(now, actor, action, entity, entity_id, data)
    incidents = uow.session.execute(
        select(IncidentRow).where(IncidentRow.status.in_(OPEN_STATUSES))
        .order_by(IncidentRow.id).with_for_update()).scalars().all()
    for incident in incidents:
        append(uow, incident, EntryKind.AUTHORITY_CHANGE, actor, text, occurred_at=now,
               recorded_at=now, data={"action": action, **data})
    return len(incidents)
