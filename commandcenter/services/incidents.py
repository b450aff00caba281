"""Use cases for incidents and their timelines."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import column, func, literal_column, or_, select, table, union, union_all
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from commandcenter.domain.clock import as_utc
from commandcenter.domain.errors import InvalidInput, NotFound, PolicyRefused
from commandcenter.domain.incidents import (  # IncidentView: where callers import it from
    IncidentStatus,
    IncidentView,
    Severity,
    check_transition,
)
from commandcenter.domain.incidents import incident_view as domain_incident_view
from commandcenter.domain.limits import check_text
from commandcenter.domain.operators import Action, require
from commandcenter.domain.timeline import MANUAL_KINDS, EntryKind, TimelineEntry, clean_text
from commandcenter.persistence.models import ContactRow, IncidentRow, TimelineRow
from commandcenter.persistence.uow import UnitOfWork

from .context import ServiceContext, acting, find_contact
from .timeline import append, entry_view, initial_owners, record_ownership_changes
from .views import TimelinePage

__all__ = ["IncidentService", "IncidentView", "TimelinePage", "incident_view"]

# A page counts the entries (matching its filter, if any) up to this many; an
# exact count over a million entries costs the better part of a second.
COUNT_CAP = 10_000
FTS_TABLE = "timeline_fts"


def _fts_usable(session: Session, needle: str) -> bool:
    """SQLite with the trigram table (migration 0003) and a needle it can look up.

    Trigrams need three characters; LIKE wildcards in the needle keep the plain LIKE.
    """
    if len(needle) < 3 or "%" in needle or "_" in needle:
        return False
    if session.get_bind().dialect.name != "sqlite":
        return False
    return session.execute(sql_text(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"),
        {"n": FTS_TABLE}).first() is not None


def _fts_phrase(needle: str) -> str:
    return '"' + needle.replace('"', '""') + '"'


VOCAB_TABLE = "timeline_fts_vocab"
LAST_TWO = literal_column("-2")  # a literal, as in the index's expression, or it is not used


def _two_letter_candidates(session: Session, needle: str, incident_id: int) -> Any | None:
    """Ids that may hold a two-letter needle, from the trigram index (migration 0010).

    An occurrence followed by a character begins a trigram: those trigrams are
    a range of the index's vocabulary. One that ends the text or the actor is
    found by their last-two-letter indexes. None: no such index here.
    """
    if len(needle) != 2 or "%" in needle or "_" in needle:
        return None
    if session.get_bind().dialect.name != "sqlite" or session.execute(sql_text(
            "SELECT 1 FROM sqlite_master WHERE name = :n"), {"n": VOCAB_TABLE}).first() is None:
        return None
    upper = needle[:-1] + chr(ord(needle[-1]) + 1)
    terms = list(session.execute(sql_text(
        f"SELECT term FROM {VOCAB_TABLE} WHERE term >= :lo AND term < :hi"),
        {"lo": needle, "hi": upper}).scalars())
    # Two SELECTs, not an OR: each uses its own index.
    tails = [select(TimelineRow.id).where(TimelineRow.incident_id == incident_id,
                                          func.lower(func.substr(col, LAST_TWO)) == needle)
             for col in (TimelineRow.text, TimelineRow.actor)]
    if not terms:
        return union(*tails)
    # UNION ALL streams in order (the capped count stops early); repeats are dropped later.
    fts = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))
    matching = select(fts.c.rowid).where(
        fts.c[FTS_TABLE].op("MATCH")(" OR ".join(_fts_phrase(t) for t in terms)))
    return union_all(matching, *tails)


def incident_view(row: IncidentRow, commander: str | None) -> IncidentView:
    return domain_incident_view(
        row.id, row.title, row.kind, row.severity, row.status, row.drill, commander,
        row.detected_at, row.declared_at, row.first_public_ack_at, row.explained_at,
        row.resolved_at, row.closed_at, row.version)


def load_incident(uow: UnitOfWork, incident_id: int, *, for_update: bool = False) -> IncidentRow:
    stmt = select(IncidentRow).where(IncidentRow.id == incident_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = uow.session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise NotFound(f"incident: no incident {incident_id}")
    return row


def commander_name(uow: UnitOfWork, row: IncidentRow) -> str | None:
    if row.commander_id is None:
        return None
    c = uow.session.get(ContactRow, row.commander_id)
    return c.name if c else None


class IncidentService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def open(
        self, title: str, severity: Severity, actor: str, *, kind: str = "scoring",
        drill: bool = False, detected_at: datetime | None = None,
        status: IncidentStatus = IncidentStatus.DECLARED, evidence: str | None = None,
    ) -> IncidentView:
        with self.ctx.uow() as uow:
            view = self.open_in(uow, title, severity, actor, kind=kind, drill=drill,
                                detected_at=detected_at, status=status, evidence=evidence)
            uow.commit()
            return view

    def open_in(
        self, uow: UnitOfWork, title: str, severity: Severity, actor: str, *,
        kind: str = "scoring", drill: bool = False, detected_at: datetime | None = None,
        status: IncidentStatus = IncidentStatus.DECLARED, evidence: str | None = None,
    ) -> IncidentView:
        """Open an incident inside the caller's unit of work (which commits)."""
        title = clean_text(title, "title")
        if len(title) > 300:
            raise InvalidInput("title: longer than 300 characters")
        if status not in (IncidentStatus.DETECTED, IncidentStatus.DECLARED):
            raise InvalidInput("status: a new incident is detected or declared")
        now = self.ctx.clock.now()
        detected = as_utc(detected_at) if detected_at else now
        if detected > now:
            raise InvalidInput("detected_at: in the future")
        op = acting(uow, actor)
        require(op, Action.RUN_DRILL if drill and op.role.value == "facilitator"
                else Action.RUN_INCIDENT)
        row = IncidentRow(
            title=title, kind=check_text(kind.strip(), "kind", 80) or "scoring",
            severity=severity.value,
            status=status.value, drill=drill, commander_id=op.contact_id,
            detected_at=detected, created_at=now,
            declared_at=now if status is IncidentStatus.DECLARED else None,
        )
        uow.session.add(row)
        uow.flush()
        uow.audit(now, op.name, "incident.open", "incident", row.id,
                  {"title": title, "severity": severity.value, "drill": drill,
                   "status": status.value, "detected_at": detected.isoformat()})
        append(uow, row, EntryKind.DETECTION, op.name if evidence is None else "detector",
               evidence or f"Detected: {title}", occurred_at=detected, recorded_at=now)
        if status is IncidentStatus.DECLARED:
            append(uow, row, EntryKind.DECLARATION, op.name,
                   f"{severity.value} declared by {op.name}; {op.name} is commander",
                   occurred_at=now, recorded_at=now)
        initial_owners(uow, row, now)
        return incident_view(row, op.name)

    def list(self, *, include_closed: bool = True) -> list[IncidentView]:
        with self.ctx.uow() as uow:
            stmt = select(IncidentRow, ContactRow.name).outerjoin(
                ContactRow, ContactRow.id == IncidentRow.commander_id
            ).order_by(IncidentRow.detected_at.desc(), IncidentRow.id.desc())
            if not include_closed:
                stmt = stmt.where(IncidentRow.status != IncidentStatus.CLOSED.value)
            return [incident_view(r, name) for r, name in uow.session.execute(stmt).all()]

    def get(self, incident_id: int) -> IncidentView:
        with self.ctx.uow() as uow:
            row = load_incident(uow, incident_id)
            from .commitments import incident_figures

            return replace(incident_view(row, commander_name(uow, row)),
                           commitments=incident_figures(uow, row.id))

    def catch_up(self, incident_id: int) -> int:
        """Write chain hand-overs that happened since the last look (GUI timer, CLI)."""
        with self.ctx.uow() as uow:
            row = load_incident(uow, incident_id, for_update=True)
            written = record_ownership_changes(uow, row, self.ctx.clock.now())
            uow.commit()
            return written

    def timeline(
        self, incident_id: int, *, offset: int = 0, limit: int | None = None,
        text: str = "", kinds: frozenset[EntryKind] | None = None, pinned_first: bool = False,
    ) -> TimelinePage:
        """A window of the timeline, filtered in the database, oldest first.

        A text filter matches entries whose text or actor contains it (case-
        insensitive). A page's ``total`` is counted up to ``COUNT_CAP`` entries
        only, with a filter or without: past that, ``total_exact`` is False and
        ``total`` is a lower bound that stays ahead of the rows handed out
        while more may follow. Without ``limit`` every entry is read and the
        total is exact.
        """
        with self.ctx.uow() as uow:
            row = load_incident(uow, incident_id)
            session = uow.session
            where = [TimelineRow.incident_id == incident_id]
            if kinds:
                where.append(TimelineRow.kind.in_([k.value for k in kinds]))
            needle = text.strip().lower()
            if needle:
                pattern = f"%{needle}%"
                where.append(or_(func.lower(TimelineRow.text).like(pattern),
                                 func.lower(TimelineRow.actor).like(pattern)))
            order = [TimelineRow.occurred_at, TimelineRow.id]
            if pinned_first:
                order.insert(0, TimelineRow.pinned.desc())
            if limit is None:
                stmt = select(TimelineRow).where(*where).order_by(*order).offset(offset)
                entries = tuple(entry_view(r, row.drill) for r in session.execute(stmt).scalars())
                return TimelinePage(entries, offset + len(entries))
            ids = select(TimelineRow.id).where(*where)
            two = _two_letter_candidates(session, needle, incident_id) if needle else None
            if two is not None:
                # Driven by the candidates ("+ 0": never by the incident index).
                found_ids = two.subquery("candidates")
                ids = (select(TimelineRow.id).select_from(found_ids)
                       .join(TimelineRow, TimelineRow.id == found_ids.c[0])
                       .where(TimelineRow.incident_id + 0 == incident_id, *where[1:]))
            elif needle and _fts_usable(session, needle):
                # Candidates from the trigram index, streamed in rowid order (so the
                # capped count stops early); the LIKE keeps the exact semantics.
                # "+ 0" keeps SQLite from driving the join by the incident index (and
                # probing the trigram table once per entry).
                fts = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))
                ids = (select(TimelineRow.id).select_from(fts)
                       .join(TimelineRow, TimelineRow.id == fts.c.rowid)
                       .where(fts.c[FTS_TABLE].op("MATCH")(_fts_phrase(needle)),
                              TimelineRow.incident_id + 0 == incident_id, *where[1:]))
            if needle or kinds:
                # The matching ids, at most COUNT_CAP + 1 of them: one pass gives the
                # count and, when few match, the rows to order.
                found = list(session.execute(ids.limit(COUNT_CAP + 1)).scalars())
                capped = len(found) > COUNT_CAP
                found = list(dict.fromkeys(found))  # two-letter candidates may repeat
                total = COUNT_CAP + 1 if capped else len(found)
            else:  # no filter: a capped count walks the incident's index only
                found = []
                total = session.execute(select(func.count()).select_from(
                    ids.limit(COUNT_CAP + 1).subquery())).scalar_one()
            if total == 0:
                return TimelinePage((), 0)
            if (needle or kinds) and total <= COUNT_CAP:
                # Few matches: fetch them by key and order that handful.
                stmt = select(TimelineRow).where(TimelineRow.id.in_(found))
            elif needle and kinds:
                # Many: walk the ordered index (the kind index would mean sorting them all).
                stmt = select(TimelineRow).where(
                    where[0], (TimelineRow.kind + "").in_([k.value for k in kinds]), where[2])
            else:
                # Many (or no filter): walking the ordered index finds a page at once.
                stmt = select(TimelineRow).where(*where)
            stmt = stmt.order_by(*order).offset(offset).limit(limit)
            entries = tuple(entry_view(r, row.drill) for r in session.execute(stmt).scalars())
            if total <= COUNT_CAP:
                return TimelinePage(entries, total)
            if len(entries) < limit:  # the last page: now the total is known
                return TimelinePage(entries, offset + len(entries))
            return TimelinePage(entries, max(COUNT_CAP + 1, offset + len(entries) + 1),
                                total_exact=False)

    def add_entry(self, incident_id: int, text: str, actor: str, *,
                  kind: EntryKind = EntryKind.NOTE, occurred_at: datetime | None = None
                  ) -> TimelineEntry:
        if kind not in MANUAL_KINDS:
            raise InvalidInput(f"kind: {kind.value} entries are written by the system")
        text = clean_text(text)
        now = self.ctx.clock.now()
        when = as_utc(occurred_at) if occurred_at else now
        if when > now:
            raise InvalidInput("occurred_at: in the future")
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.WRITE_TIMELINE)
            row = load_incident(uow, incident_id, for_update=True)
            self._refuse_closed(row)
            record_ownership_changes(uow, row, now)
            entry = append(uow, row, kind, op.name, text, occurred_at=when, recorded_at=now)
            uow.commit()
            return entry_view(entry, row.drill)

    def correct(self, incident_id: int, entry_id: int, text: str, actor: str) -> TimelineEntry:
        text = clean_text(text)
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.WRITE_TIMELINE)
            row = load_incident(uow, incident_id, for_update=True)
            target = uow.session.get(TimelineRow, entry_id)
            if target is None or target.incident_id != incident_id:
                raise NotFound(f"entry: no entry {entry_id} in incident {incident_id}")
            entry = append(uow, row, EntryKind.CORRECTION, op.name, text,
                           occurred_at=target.occurred_at, recorded_at=now, corrects_id=target.id,
                           data={"original": target.text}, pinned=target.pinned)
            uow.commit()
            return entry_view(entry, row.drill)

    def change_status(self, incident_id: int, status: IncidentStatus, actor: str, *,
                      note: str = "") -> IncidentView:
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.RUN_INCIDENT)
            row = load_incident(uow, incident_id, for_update=True)
            current = IncidentStatus(row.status)
            check_transition(current, status)
            record_ownership_changes(uow, row, now)
            row.status = status.value
            if status is IncidentStatus.DECLARED and row.declared_at is None:
                row.declared_at = now
            if status is IncidentStatus.RESOLVED:
                row.resolved_at = now
            if status is IncidentStatus.CLOSED:
                row.closed_at = now
            if current is IncidentStatus.RESOLVED and status is IncidentStatus.DECLARED:
                row.resolved_at = None
            text = f"Status {current.value} -> {status.value}" + (f": {note}" if note else "")
            append(uow, row, EntryKind.STATUS_CHANGE, op.name, text, occurred_at=now,
                   recorded_at=now, data={"from": current.value, "to": status.value})
            uow.commit()
            return incident_view(row, commander_name(uow, row))

    def hand_over(self, incident_id: int, new_commander: str, actor: str) -> IncidentView:
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = acting(uow, actor)
            require(op, Action.RUN_INCIDENT)
            row = load_incident(uow, incident_id, for_update=True)
            self._refuse_closed(row)
            target = acting(uow, new_commander)
            require(target, Action.RUN_INCIDENT)
            before = commander_name(uow, row)
            row.commander_id = find_contact(uow, new_commander).id
            append(uow, row, EntryKind.ROLE_CHANGE, op.name,
                   f"Command handed over from {before or 'nobody'} to {target.name}",
                   occurred_at=now, recorded_at=now,
                   data={"role": "commander", "from": before, "to": target.name})
            uow.commit()
            return incident_view(row, target.name)

    @staticmethod
    def _refuse_closed(row: IncidentRow) -> None:
        if row.status == IncidentStatus.CLOSED.value:
            raise PolicyRefused(f"incident: {row.id} is closed")
