"""Appending to an incident's timeline, and writing chain ownership changes into it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from commandcenter.domain.incidents import IncidentStatus, is_open
from commandcenter.domain.timeline import PINNED_KINDS, EntryKind, TimelineEntry
from commandcenter.persistence.models import IncidentRow, TimelineRow
from commandcenter.persistence.uow import UnitOfWork

from .ownership import ChainSnapshot, chain_names

# Enough for months of hourly hand-overs; stops a pathological calendar looping.
MAX_OWNERSHIP_STEPS = 2_000


def entry_view(row: TimelineRow, drill: bool = False) -> TimelineEntry:
    return TimelineEntry(row.id, row.incident_id, row.seq, row.occurred_at, row.recorded_at,
                         EntryKind(row.kind), row.actor, row.text, dict(row.data or {}),
                         row.corrects_id, row.pinned, drill)


def append(
    uow: UnitOfWork, incident: IncidentRow, kind: EntryKind, actor: str, text: str, *,
    occurred_at: datetime, recorded_at: datetime, data: dict[str, Any] | None = None,
    corrects_id: int | None = None, pinned: bool | None = None,
) -> TimelineRow:
    """Append one entry. The caller holds the incident row, so seq cannot race."""
    last = uow.session.execute(
        select(func.max(TimelineRow.seq)).where(TimelineRow.incident_id == incident.id)
    ).scalar_one()
    row = TimelineRow(
        incident_id=incident.id, seq=(last or 0) + 1, occurred_at=occurred_at,
        recorded_at=recorded_at, kind=kind.value, actor=actor, text=text, data=data or {},
        corrects_id=corrects_id, pinned=kind in PINNED_KINDS if pinned is None else pinned,
    )
    uow.session.add(row)
    uow.flush()
    uow.audit(recorded_at, actor, f"timeline.{kind.value}", "incident", incident.id,
              {"entry": row.id, "seq": row.seq, "text": text, "data": data or {},
               "occurred_at": occurred_at.isoformat(), "corrects": corrects_id})
    return row


def record_ownership_changes(uow: UnitOfWork, incident: IncidentRow, now: datetime) -> int:
    """Write every chain hand-over between the last check and ``now`` into the timeline.

    Ownership moves with time (a flight boards, a delegation expires), not
    with a write, so each use case touching an open incident catches up first.
    """
    from .commitments import record_due_commitments

    record_due_commitments(uow, incident, now)  # promises fall due with time too
    if not is_open(IncidentStatus(incident.status)):
        return 0
    since = incident.ownership_checked_at or incident.detected_at
    if now <= since:
        return 0
    written = 0
    for name in chain_names(uow):
        snapshot = ChainSnapshot(uow, name)
        state = snapshot.owner_at(since)
        for _ in range(MAX_OWNERSHIP_STEPS):
            if state.next_change is None or state.next_change > now:
                break
            new = snapshot.owner_at(state.next_change)
            before = state.owner.name if state.owner else "nobody"
            after = new.owner.name if new.owner else "nobody"
            reasons = "; ".join(f"{s.contact.name}: {s.reason}" for s in new.skipped)
            text = f"{name} chain: {before} -> {after}" + (f" ({reasons})" if reasons else "")
            append(uow, incident, EntryKind.OWNERSHIP_CHANGE, "system", text,
                   occurred_at=new.at, recorded_at=now,
                   data={"chain": name, "from": before, "to": after,
                         "skipped": [[s.contact.name, s.reason] for s in new.skipped]})
            written += 1
            state = new
    incident.ownership_checked_at = now
    return written


def initial_owners(uow: UnitOfWork, incident: IncidentRow, now: datetime) -> None:
    for name in chain_names(uow):
        o = ChainSnapshot(uow, name).owner_at(incident.detected_at)
        who = o.owner.name if o.owner else "nobody"
        skipped = "; ".join(f"{s.contact.name}: {s.reason}" for s in o.skipped)
        append(uow, incident, EntryKind.OWNERSHIP_CHANGE, "system",
               f"{name} chain owned by {who}" + (f" ({skipped})" if skipped else ""),
               occurred_at=incident.detected_at, recorded_at=now,
               data={"chain": name, "from": None, "to": who,
                     "skipped": [[s.contact.name, s.reason] for s in o.skipped]})
    incident.ownership_checked_at = incident.detected_at
    record_ownership_changes(uow, incident, now)
