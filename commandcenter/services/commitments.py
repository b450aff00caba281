"""Commitments: made, kept, and broken as the clock passes their due time.

A commitment that falls due unkept is found the way chain hand-overs are:
every use case touching its incident catches up first
(``record_ownership_changes`` calls :func:`record_due_commitments`), and the
window's timer and the CLI call :meth:`CommitmentService.sweep`. Either way
the alert and the timeline entry carry the due time itself, not the time
somebody looked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from commandcenter.domain import commitments as rules
from commandcenter.domain.clock import as_utc
from commandcenter.domain.commitments import (
    Commitment,
    CommitmentFigures,
    CommitmentState,
    Suggestion,
    commitment_figures,
)
from commandcenter.domain.errors import InvalidInput, NotFound, PolicyRefused
from commandcenter.domain.messages import MessageState
from commandcenter.domain.operators import Action, require
from commandcenter.domain.timeline import EntryKind
from commandcenter.persistence.commitment_models import CommitmentRow
from commandcenter.persistence.metrics_models import AlertRow
from commandcenter.persistence.models import (
    ContactRow,
    IncidentRow,
    MessageRow,
    PublicationRow,
)
from commandcenter.persistence.uow import UnitOfWork

from .context import ServiceContext, acting

DETECTOR = "commitment"  # the alerts' detector name
# Messages whose promises are offered as commitments: submitted, approved, published.
OFFERED_STATES = (MessageState.IN_REVIEW.value, MessageState.APPROVED.value,
                  MessageState.PUBLISHED.value)


@dataclass(frozen=True, slots=True)
class Offer:
    """A commitment a message proposes, for the spokesperson to confirm or edit."""

    message_id: int
    message_state: str
    author: str
    suggestion: Suggestion


def commitment_view(row: CommitmentRow, incident: IncidentRow) -> Commitment:
    return Commitment(row.id, row.incident_id, incident.title, row.text, row.owner, row.due_at,
                      CommitmentState(row.state), row.made_at, row.message_id, row.kept_at,
                      row.kept_message_id, row.kept_by, incident.drill)


def _break(uow: UnitOfWork, row: CommitmentRow, incident: IncidentRow, now: datetime) -> None:
    """It fell due unkept: broken, an alert, a timeline entry, all dated at the due time."""
    from .timeline import append

    row.state = CommitmentState.BROKEN.value
    evidence = ("DRILL: " if incident.drill else "") + (
                f"Commitment #{row.id} by {row.owner} fell due "
                f"{row.due_at:%Y-%m-%d %H:%M} UTC unkept: {row.text}")
    alert = AlertRow(series_id=None, detector=DETECTOR, level="critical", state="firing",
                     onset_at=row.due_at, peak_score=1.0, evidence=evidence,
                     incident_id=incident.id)
    uow.session.add(alert)
    uow.flush()
    row.alert_id = alert.id
    uow.audit(now, "system", "alert.open", "alert", alert.id,
              {"detector": DETECTOR, "commitment": row.id, "onset": row.due_at.isoformat(),
               "evidence": evidence})
    uow.audit(now, "system", "commitment.broken", "commitment", row.id,
              {"due": row.due_at.isoformat(), "alert": alert.id})
    append(uow, incident, EntryKind.ALERT, "system", f"Overdue: {evidence}",
           occurred_at=row.due_at, recorded_at=now,
           data={"commitment": row.id, "alert": alert.id, "owner": row.owner})


def record_due_commitments(uow: UnitOfWork, incident: IncidentRow, now: datetime) -> int:
    """Break this incident's open commitments whose due time the clock has passed."""
    due = uow.session.execute(
        select(CommitmentRow).where(CommitmentRow.incident_id == incident.id,
                                    CommitmentRow.state == CommitmentState.OPEN.value,
                                    CommitmentRow.due_at <= now)
        .order_by(CommitmentRow.due_at, CommitmentRow.id)).scalars().all()
    for row in due:
        _break(uow, row, incident, now)
    return len(due)


def incident_figures(uow: UnitOfWork, incident_id: int) -> CommitmentFigures:
    inc = uow.session.get(IncidentRow, incident_id)
    rows = uow.session.execute(select(CommitmentRow).where(
        CommitmentRow.incident_id == incident_id)).scalars().all()
    return commitment_figures([commitment_view(r, inc) for r in rows])


def _message(uow: UnitOfWork, message_id: int, incident_id: int, field: str) -> MessageRow:
    m = uow.session.get(MessageRow, message_id)
    if m is None:
        raise NotFound(f"{field}: no message {message_id}")
    if m.incident_id != incident_id:
        raise InvalidInput(f"{field}: message {message_id} belongs to incident {m.incident_id}, "
                           f"not {incident_id}")
    return m


class CommitmentService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def suggest(self, text: str, *, at: datetime | None = None,
                author: str | None = None) -> list[Suggestion]:
        """Commitments a message's text proposes, read in its author's time zone."""
        zone = "UTC"
        if author:
            with self.ctx.uow() as uow:
                from .context import find_contact

                try:
                    zone = find_contact(uow, author).timezone or "UTC"
                except NotFound:
                    zone = "UTC"
        return rules.suggest(text, as_utc(at) if at else self.ctx.clock.now(), zone)

    def offers(self, incident_id: int) -> list[Offer]:
        """Promises in the incident's submitted or published messages that no commitment
        records yet, each resolved against the message's time (its publication, else its
        last change) in its author's zone. Offered, never applied."""
        with self.ctx.uow() as uow:
            linked = set(uow.session.execute(select(CommitmentRow.message_id).where(
                CommitmentRow.incident_id == incident_id,
                CommitmentRow.message_id.is_not(None))).scalars())
            found = uow.session.execute(
                select(MessageRow, ContactRow, PublicationRow.published_at)
                .join(ContactRow, ContactRow.id == MessageRow.author_id)
                .outerjoin(PublicationRow, PublicationRow.message_id == MessageRow.id)
                .where(MessageRow.incident_id == incident_id,
                       MessageRow.state.in_(OFFERED_STATES))
                .order_by(MessageRow.id)).all()
            out = []
            for m, author, published_at in found:
                if m.id in linked:
                    continue
                when = published_at or m.updated_at
                for s in rules.suggest(m.body, when, author.timezone or "UTC"):
                    out.append(Offer(m.id, m.state, author.name, s))
            return out

    def add(self, incident_id: int, text: str, due_at: datetime, actor: str, *,
            message_id: int | None = None) -> Commitment:
        from .incidents import load_incident
        from .timeline import append, record_ownership_changes

        now = self.ctx.clock.now()
        cleaned, due = rules.check_new(text, due_at, now)
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.DRAFT)
            inc = load_incident(uow, incident_id, for_update=True)
            if message_id is not None:
                _message(uow, message_id, incident_id, "message")
            record_ownership_changes(uow, inc, now)
            row = CommitmentRow(incident_id=inc.id, text=cleaned, owner=op.name, due_at=due,
                                state=CommitmentState.OPEN.value, made_at=now,
                                message_id=message_id)
            uow.session.add(row)
            uow.flush()
            uow.audit(now, op.name, "commitment.add", "commitment", row.id,
                      {"incident": inc.id, "text": cleaned, "due": due.isoformat(),
                       "message": message_id})
            append(uow, inc, EntryKind.COMMITMENT_MADE, op.name,
                   f"Commitment #{row.id}: {cleaned} (due {due:%Y-%m-%d %H:%M} UTC)",
                   occurred_at=now, recorded_at=now,
                   data={"commitment": row.id, "due": due.isoformat(), "message": message_id})
            view = commitment_view(row, inc)
            uow.commit()
            return view

    def keep(self, commitment_id: int, actor: str, *, message_id: int | None = None
             ) -> Commitment:
        from .incidents import load_incident
        from .timeline import append, record_ownership_changes

        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.DRAFT)
            row = uow.session.get(CommitmentRow, commitment_id)
            if row is None:
                raise NotFound(f"commitment: no commitment {commitment_id}")
            inc = load_incident(uow, row.incident_id, for_update=True)
            if message_id is not None:
                m = _message(uow, message_id, row.incident_id, "message")
                if m.state != MessageState.PUBLISHED.value:
                    raise PolicyRefused(f"message: {message_id} is {m.state}, not published; "
                                        "only a published message keeps a promise")
            record_ownership_changes(uow, inc, now)
            rules.check_keep(CommitmentState(row.state))
            late = row.state == CommitmentState.BROKEN.value
            row.state = CommitmentState.KEPT.value
            row.kept_at, row.kept_by, row.kept_message_id = now, op.name, message_id
            if row.alert_id is not None:
                alert = uow.session.get(AlertRow, row.alert_id)
                if alert is not None and alert.state == "firing":
                    alert.state, alert.resolved_at = "resolved", now
                    uow.audit(now, op.name, "alert.resolve", "alert", alert.id,
                              {"resolved_at": now.isoformat(), "note": "commitment kept"})
            uow.audit(now, op.name, "commitment.keep", "commitment", row.id,
                      {"message": message_id, "late": late})
            via = f" by message #{message_id}" if message_id else ""
            append(uow, inc, EntryKind.COMMITMENT_KEPT, op.name,
                   f"Commitment #{row.id} kept{via}" + (" (late)" if late else "")
                   + f": {row.text}", occurred_at=now, recorded_at=now,
                   data={"commitment": row.id, "message": message_id, "late": late})
            view = commitment_view(row, inc)
            uow.commit()
            return view

    def sweep(self) -> list[Commitment]:
        """Break every open commitment, in any incident, whose due time has passed."""
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            ids = uow.session.execute(
                select(CommitmentRow.incident_id).where(
                    CommitmentRow.state == CommitmentState.OPEN.value,
                    CommitmentRow.due_at <= now).distinct()).scalars().all()
            if not ids:
                return []
            from .incidents import load_incident

            broken: list[Commitment] = []
            for incident_id in sorted(ids):
                inc = load_incident(uow, incident_id, for_update=True)
                before = {r.id for r in self._rows(uow, incident_id, CommitmentState.BROKEN)}
                record_due_commitments(uow, inc, now)
                broken += [commitment_view(r, inc)
                           for r in self._rows(uow, incident_id, CommitmentState.BROKEN)
                           if r.id not in before]
            uow.commit()
            return broken

    @staticmethod
    def _rows(uow: UnitOfWork, incident_id: int, state: CommitmentState) -> list[CommitmentRow]:
        return list(uow.session.execute(select(CommitmentRow).where(
            CommitmentRow.incident_id == incident_id, CommitmentRow.state == state.value)
        ).scalars())

    def list(self, incident_id: int | None = None, *, overdue: bool = False,
             state: CommitmentState | None = None) -> list[Commitment]:
        """Soonest due first; ``overdue``: past due and not kept, as of the clock."""
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            stmt = select(CommitmentRow, IncidentRow).join(
                IncidentRow, IncidentRow.id == CommitmentRow.incident_id)
            if incident_id is not None:
                if uow.session.get(IncidentRow, incident_id) is None:
                    raise NotFound(f"incident: no incident {incident_id}")
                stmt = stmt.where(CommitmentRow.incident_id == incident_id)
            if overdue:
                stmt = stmt.where(CommitmentRow.state != CommitmentState.KEPT.value,
                                  CommitmentRow.due_at <= now)
            if state is not None:
                stmt = stmt.where(CommitmentRow.state == state.value)
            stmt = stmt.order_by(CommitmentRow.due_at, CommitmentRow.id)
            return [commitment_view(c, i) for c, i in uow.session.execute(stmt).all()]

    def figures(self, incident_id: int) -> CommitmentFigures:
        with self.ctx.uow() as uow:
            return incident_figures(uow, incident_id)
