"""Chains of command and who owns one at a given instant.

The owner is the first member who can act (available, or away but reachable),
unless an active delegation names someone who can act. Every member passed
over is listed with the reason, and the next instant at which the answer
changes is computed from the windows' and delegations' boundaries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .clock import as_utc, format_utc
from .errors import InvalidInput
from .roster import AvailabilityWindow, Contact, availability_at, boundaries_after

COMMUNICATIONS = "communications"
INCIDENT_COMMAND = "incident command"


@dataclass(frozen=True, slots=True)
class Delegation:
    id: int
    chain: str
    delegate_id: int
    starts_at: datetime
    expires_at: datetime
    granted_by: str = ""
    reason: str = ""

    def active_at(self, t: datetime) -> bool:
        return self.starts_at <= t < self.expires_at


@dataclass(frozen=True, slots=True)
class Skipped:
    contact: Contact
    reason: str


@dataclass(frozen=True, slots=True)
class Ownership:
    chain: str
    at: datetime
    owner: Contact | None
    skipped: tuple[Skipped, ...]
    next_change: datetime | None
    delegation: Delegation | None = None

    def describe(self) -> str:
        if self.owner is None:
            return f"{self.chain}: nobody can act now"
        via = ""
        if self.delegation:
            via = f" (delegated until {format_utc(self.delegation.expires_at)})"
        return f"{self.chain}: {self.owner.name}{via}"


def check_chain(name: str, members: Sequence[Contact]) -> None:
    if not name.strip():
        raise InvalidInput("chain: the name must not be empty")
    if not members:
        raise InvalidInput("chain: needs at least one member")
    seen: set[int] = set()
    for c in members:
        if c.id in seen:
            raise InvalidInput(f"chain: {c.name} is listed twice")
        seen.add(c.id)


def _owner_only(
    members: Sequence[Contact],
    windows: Mapping[int, Sequence[AvailabilityWindow]],
    delegations: Sequence[Delegation],
    contacts: Mapping[int, Contact],
    t: datetime,
) -> tuple[Contact | None, list[Skipped], Delegation | None]:
    skipped: list[Skipped] = []
    active = [d for d in delegations if d.active_at(t)]
    # The most recently started delegation wins when two overlap.
    active.sort(key=lambda d: (d.starts_at, d.id), reverse=True)
    for d in active:
        delegate = contacts.get(d.delegate_id)
        if delegate is None:
            continue
        state = availability_at(windows.get(delegate.id, ()), t)
        if state.can_act:
            for m in members:
                if m.id == delegate.id:
                    break
                skipped.append(
                    Skipped(m, f"authority delegated to {delegate.name} until "
                               f"{format_utc(d.expires_at)}")
                )
            return delegate, skipped, d
        skipped.append(Skipped(delegate, f"delegate, but {state.describe()}"))
    for m in members:
        state = availability_at(windows.get(m.id, ()), t)
        if state.can_act:
            return m, skipped, None
        skipped.append(Skipped(m, state.describe()))
    return None, skipped, None


def owner_only_at(
    members: Sequence[Contact],
    windows: Mapping[int, Sequence[AvailabilityWindow]],
    delegations: Sequence[Delegation],
    contacts: Mapping[int, Contact],
    t: datetime,
) -> Contact | None:
    """Just the owner at ``t`` (no reasons, no next change): for comparing many instants."""
    everyone = {c.id: c for c in members} | dict(contacts)
    return _owner_only(members, windows, delegations, everyone, as_utc(t))[0]


def boundaries(windows: Mapping[int, Sequence[AvailabilityWindow]],
               delegations: Sequence[Delegation], after: datetime) -> set[datetime]:
    """Every instant after ``after`` at which a chain's owner may change."""
    out = {b for ws in windows.values() for w in ws for b in (w.starts_at, w.ends_at)}
    out |= {b for d in delegations for b in (d.starts_at, d.expires_at)}
    return {b for b in out if b > after}


def owner_at(
    chain: str,
    members: Sequence[Contact],
    windows: Mapping[int, Sequence[AvailabilityWindow]],
    delegations: Sequence[Delegation],
    t: datetime,
    contacts: Mapping[int, Contact] | None = None,
) -> Ownership:
    """Who owns ``chain`` at ``t``, who was skipped and why, and when that changes.

    ``windows`` maps contact id to that contact's windows; ``contacts`` must
    include every delegate (members are added automatically).
    """
    t = as_utc(t)
    everyone = {c.id: c for c in members}
    if contacts:
        everyone.update(contacts)
    chain_delegations = [d for d in delegations if d.chain == chain]
    owner, skipped, delegation = _owner_only(members, windows, chain_delegations, everyone, t)

    relevant = [w for cid in everyone for w in windows.get(cid, ())]
    candidates = boundaries_after(relevant, t)
    candidates += [b for d in chain_delegations for b in (d.starts_at, d.expires_at) if b > t]
    next_change = None
    owner_id = owner.id if owner else None
    for b in sorted(set(candidates)):
        later, _, _ = _owner_only(members, windows, chain_delegations, everyone, b)
        if (later.id if later else None) != owner_id:
            next_change = b
            break
    return Ownership(chain, t, owner, tuple(skipped), next_change, delegation)
