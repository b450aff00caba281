"""Reading chains of command out of the store and asking who owns one."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select

from commandcenter.domain.chains import (
    Delegation,
    Ownership,
    boundaries,
    owner_at,
    owner_only_at,
)
from commandcenter.domain.clock import format_utc
from commandcenter.domain.errors import NotFound
from commandcenter.domain.roster import (
    AvailabilityStatus,
    AvailabilityWindow,
    Contact,
    availability_at,
)
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

    def boundaries(self, after: datetime) -> set[datetime]:
        return boundaries(self.windows, self.delegations, after)

    def owner_id_at(self, t: datetime) -> int | None:
        owner = owner_only_at(self.members, self.windows, self.delegations, self.contacts, t)
        return owner.id if owner else None


def ownership(uow: UnitOfWork, chain: str, t: datetime) -> Ownership:
    return ChainSnapshot(uow, chain).owner_at(t)


def ownership_evidence(uow: UnitOfWork, o: Ownership) -> dict[str, Any]:
    """Why ``o.owner`` owns the chain: the chain's version, and the last change that made
    them the owner (the chain set, a delegation, or the window that skipped someone
    before them), with who made it and when."""
    chain = find_chain(uow, o.chain)
    changes: list[dict[str, Any]] = [{
        "change": "chain.set", "by": chain.set_by, "at": chain.set_at,
        "what": f"{chain.name} chain version {chain.version}"}]
    if o.delegation is not None:
        d = uow.session.get(DelegationRow, o.delegation.id)
        changes.append({"change": "chain.delegate", "by": d.granted_by, "at": d.granted_at,
                        "what": f"delegated until {format_utc(d.expires_at)}"})
    windows = [s.contact for s in o.skipped]
    for person in windows:
        state = availability_at(
            [window_view(r) for r in uow.session.execute(select(AvailabilityRow).where(
                AvailabilityRow.contact_id == person.id)).scalars()], o.at)
        if state.window is not None:
            w = uow.session.get(AvailabilityRow, state.window.id)
            changes.append({"change": "availability.set", "by": w.set_by, "at": w.set_at,
                            "what": f"{person.name} {state.describe()}"})
    # The latest change decides; at the same instant the more specific one (listed later).
    dated = [(c["at"], i, c) for i, c in enumerate(changes) if c["at"] is not None]
    last = max(dated, key=lambda x: x[:2])[2] if dated else changes[0]
    return {
        "chain": chain.name, "chain_version": chain.version,
        "owner": o.owner.name if o.owner else None, "at": o.at.isoformat(),
        "skipped": [[s.contact.name, s.reason] for s in o.skipped],
        "made_owner_by": {**last, "at": last["at"].isoformat() if last["at"] else None},
    }


def describe_evidence(e: dict[str, Any]) -> str:
    last = e["made_owner_by"]
    when = f" at {last['at'][:16].replace('T', ' ')} UTC" if last["at"] else ""
    skipped = "".join(f"; skipped {name}: {reason}" for name, reason in e["skipped"])
    return (f"{e['chain']}: {e['owner']} (chain version {e['chain_version']}; made owner by "
            f"{last['change']} by {last['by'] or 'set-up'}{when}: {last['what']}){skipped}")
