"""Reading chains of command out of the store and asking who owns one."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from commandcenter.domain.chains import Delegation, Ownership, owner_at
from commandcenter.domain.errors import NotFound
from commandcenter.domain.roster import AvailabilityStatus, AvailabilityWindow, Contact
from commandcenter.persistence.models import (
    AvailabilityRow,
    ChainMemberRow,
    ChainRow,
    ContactRow,
    DelegationRow,
)
from commandcenter.persistence.uow import UnitOfWork

from .context import contact_view


def window_view(row: AvailabilityRow) -> AvailabilityWindow:
    return AvailabilityWindow(row.id, row.contact_id, AvailabilityStatus(row.status),
                              row.starts_at, row.ends_at, row.reachable, row.note)


def find_chain(uow: UnitOfWork, name: str) -> ChainRow:
    row = uow.session.execute(
        select(ChainRow).where(ChainRow.name == name.strip().lower())
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"chain: no chain called {name!r}")
    return row


def chain_names(uow: UnitOfWork) -> list[str]:
    return list(uow.session.execute(select(ChainRow.name).order_by(ChainRow.name)).scalars())


class ChainSnapshot:
    """Everything ``owner_at`` needs for one chain, read once."""

    def __init__(self, uow: UnitOfWork, name: str) -> None:
        chain = find_chain(uow, name)
        s = uow.session
        self.name = chain.name
        rows = s.execute(
            select(ContactRow).join(ChainMemberRow, ChainMemberRow.contact_id == ContactRow.id)
            .where(ChainMemberRow.chain_id == chain.id).order_by(ChainMemberRow.position)
        ).scalars()
        self.members: list[Contact] = [contact_view(r) for r in rows]
        self.delegations = [
            Delegation(d.id, chain.name, d.delegate_id, d.starts_at, d.expires_at,
                       d.granted_by, d.reason)
            for d in s.execute(select(DelegationRow).where(DelegationRow.chain_id == chain.id))
            .scalars()
        ]
        ids = {c.id for c in self.members} | {d.delegate_id for d in self.delegations}
        self.contacts = {c.id: c for c in self.members}
        for r in s.execute(select(ContactRow).where(ContactRow.id.in_(ids))).scalars():
            self.contacts[r.id] = contact_view(r)
        self.windows: dict[int, list[AvailabilityWindow]] = defaultdict(list)
        for w in s.execute(select(AvailabilityRow).where(AvailabilityRow.contact_id.in_(ids)))\
                .scalars():
            self.windows[w.contact_id].append(window_view(w))

    def owner_at(self, t: datetime) -> Ownership:
        return owner_at(self.name, self.members, self.windows, self.delegations, t,
                        self.contacts)


def ownership(uow: UnitOfWork, chain: str, t: datetime) -> Ownership:
    return ChainSnapshot(uow, chain).owner_at(t)
