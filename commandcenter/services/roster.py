"""Use cases for contacts, operators, availability and chains of command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from commandcenter.domain.chains import Ownership, check_chain
from commandcenter.domain.clock import as_utc
from commandcenter.domain.contact_files import parse_contacts_csv, parse_ics, parse_vcards
from commandcenter.domain.errors import InvalidInput, PolicyRefused
from commandcenter.domain.operators import Action, OperatorView, Role, require
from commandcenter.domain.roster import (
    Availability,
    AvailabilityStatus,
    AvailabilityWindow,
    Contact,
    ContactFields,
    availability_at,
    boundaries_after,
    check_window,
    validate_contact,
)
from commandcenter.persistence.models import (
    AvailabilityRow,
    ChainMemberRow,
    ChainRow,
    ContactRow,
    DelegationRow,
    OperatorRow,
)
from commandcenter.persistence.uow import UnitOfWork, is_unique_violation

from .context import (
    ServiceContext,
    acting,
    authenticate,
    contact_view,
    find_contact,
    operator_view,
)
from .ownership import ChainSnapshot, chain_names, find_chain, window_view

SYSTEM_ACTOR = "local administrator"


@dataclass(frozen=True, slots=True)
class ContactStatus:
    contact: Contact
    availability: Availability
    next_change: datetime | None
    role: Role | None


def read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"file: {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"file: {path} is not UTF-8 text ({exc.reason})") from None


class RosterService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def _actor(self, uow: UnitOfWork, actor: str | None) -> str:
        if actor is None:
            return SYSTEM_ACTOR
        op = acting(uow, actor)
        require(op, Action.EDIT_ROSTER)
        return op.name

    def import_contacts(self, path: Path, actor: str | None = None) -> list[Contact]:
        """CSV or vCard; all or nothing. Existing names are refused, never overwritten."""
        text = read_file(path)
        is_vcard = path.suffix.lower() in (".vcf", ".vcard") or text.lstrip().upper().startswith(
            "BEGIN:VCARD")
        records = parse_vcards(text) if is_vcard else parse_contacts_csv(text)
        with self.ctx.uow() as uow:
            who = self._actor(uow, actor)
            existing = set(uow.session.execute(select(ContactRow.name_key)).scalars())
            for r in records:
                if r.name.casefold() in existing:
                    raise InvalidInput(f"{r.where()}name: {r.name!r} is already on the roster")
            rows = [self._new_contact(r) for r in records]
            uow.session.add_all(rows)
            uow.flush()
            now = self.ctx.clock.now()
            uow.audit(now, who, "roster.import", "contacts", path.name,
                      {"count": len(rows), "names": [r.name for r in rows]})
            uow.commit()
            return [contact_view(r) for r in rows]

    @staticmethod
    def _new_contact(f: ContactFields) -> ContactRow:
        return ContactRow(name=f.name, name_key=f.name.casefold(), title=f.title, email=f.email,
                          phone=f.phone, handle=f.handle, timezone=f.timezone)

    def add_contact(self, fields: ContactFields, actor: str | None = None) -> Contact:
        f = validate_contact(fields)
        with self.ctx.uow() as uow:
            who = self._actor(uow, actor)
            row = self._new_contact(f)
            uow.session.add(row)
            try:
                uow.flush()
            except IntegrityError as exc:
                if is_unique_violation(exc):
                    raise InvalidInput(f"name: {f.name!r} is already on the roster") from None
                raise
            uow.audit(self.ctx.clock.now(), who, "contact.add", "contact", row.id,
                      {"name": f.name})
            uow.commit()
            return contact_view(row)

    def contacts(self, at: datetime | None = None) -> list[ContactStatus]:
        t = as_utc(at) if at else self.ctx.clock.now()
        with self.ctx.uow() as uow:
            s = uow.session
            contacts = s.execute(select(ContactRow).order_by(ContactRow.name)).scalars().all()
            roles = dict(s.execute(select(OperatorRow.contact_id, OperatorRow.role)).all())
            windows: dict[int, list[AvailabilityWindow]] = {}
            for w in s.execute(select(AvailabilityRow)).scalars():
                windows.setdefault(w.contact_id, []).append(window_view(w))
            out = []
            for c in contacts:
                mine = windows.get(c.id, [])
                now_state = availability_at(mine, t)
                nxt = next((b for b in boundaries_after(mine, t)
                            if availability_at(mine, b) != now_state), None)
                out.append(ContactStatus(contact_view(c), now_state, nxt,
                                         Role(roles[c.id]) if c.id in roles else None))
            return out

    def windows(self, name: str) -> list[AvailabilityWindow]:
        with self.ctx.uow() as uow:
            c = find_contact(uow, name)
            rows = uow.session.execute(
                select(AvailabilityRow).where(AvailabilityRow.contact_id == c.id)
                .order_by(AvailabilityRow.starts_at)).scalars()
            return [window_view(r) for r in rows]

    def add_operator(self, name: str, role: Role, passphrase: str,
                     actor: str | None = None) -> OperatorView:
        digest = self.ctx.passphrases.hash(passphrase)
        with self.ctx.uow() as uow:
            who = self._actor(uow, actor)
            contact = find_contact(uow, name)
            op = uow.session.execute(
                select(OperatorRow).where(OperatorRow.contact_id == contact.id)
            ).scalar_one_or_none()
            if op is None:
                op = OperatorRow(contact_id=contact.id, role=role.value, passphrase_hash=digest)
                uow.session.add(op)
            elif actor is None:
                # Otherwise anyone at the keyboard could reset an approver's passphrase.
                raise PolicyRefused(f"operator: {contact.name} is already an operator; changing "
                                    "an operator needs a commander (--as)")
            else:
                op.role, op.passphrase_hash = role.value, digest
            uow.flush()
            uow.audit(self.ctx.clock.now(), who, "operator.set", "operator", op.id,
                      {"name": contact.name, "role": role.value})
            uow.commit()
            return operator_view(op, contact)

    def sign_in(self, name: str, passphrase: str) -> OperatorView:
        """The operator, if the passphrase matches the stored argon2id hash."""
        with self.ctx.uow() as uow:
            return authenticate(self.ctx, uow, name, passphrase)

    def operators(self) -> list[OperatorView]:
        with self.ctx.uow() as uow:
            rows = uow.session.execute(
                select(OperatorRow, ContactRow).join(ContactRow,
                                                     ContactRow.id == OperatorRow.contact_id)
                .order_by(ContactRow.name)).all()
            return [operator_view(op, c) for op, c in rows]

    def set_availability(
        self, name: str, status: AvailabilityStatus, starts_at: datetime, ends_at: datetime,
        *, reachable: bool = False, note: str = "", actor: str | None = None,
    ) -> AvailabilityWindow:
        starts_at, ends_at = as_utc(starts_at), as_utc(ends_at)
        check_window(starts_at, ends_at)
        if len(note) > 500:
            raise InvalidInput("note: longer than 500 characters")
        with self.ctx.uow() as uow:
            who = self._actor(uow, actor)
            c = find_contact(uow, name)
            row = AvailabilityRow(
                contact_id=c.id, status=status.value, starts_at=starts_at, ends_at=ends_at,
                reachable=reachable or status is AvailabilityStatus.AVAILABLE, note=note.strip())
            uow.session.add(row)
            uow.flush()
            uow.audit(self.ctx.clock.now(), who, "availability.set", "contact", c.id,
                      {"name": c.name, "status": status.value, "from": starts_at.isoformat(),
                       "until": ends_at.isoformat(), "reachable": row.reachable})
            uow.commit()
            return window_view(row)

    def remove_availability(self, window_id: int, actor: str | None = None) -> None:
        with self.ctx.uow() as uow:
            who = self._actor(uow, actor)
            row = uow.session.get(AvailabilityRow, window_id)
            if row is None:
                raise InvalidInput(f"window: no availability window {window_id}")
            uow.session.delete(row)
            uow.audit(self.ctx.clock.now(), who, "availability.remove", "contact",
                      row.contact_id, {"window": window_id})
            uow.commit()

    def import_availability(self, path: Path, name: str,
                            actor: str | None = None) -> list[AvailabilityWindow]:
        text = read_file(path)
        with self.ctx.uow() as uow:
            who = self._actor(uow, actor)
            c = find_contact(uow, name)
            events = parse_ics(text, c.timezone)
            rows = [AvailabilityRow(contact_id=c.id, status=e.status.value,
                                    starts_at=e.starts_at, ends_at=e.ends_at, reachable=False,
                                    note=e.summary[:500]) for e in events]
            uow.session.add_all(rows)
            uow.flush()
            uow.audit(self.ctx.clock.now(), who, "availability.import", "contact", c.id,
                      {"name": c.name, "file": path.name, "count": len(rows)})
            uow.commit()
            return [window_view(r) for r in rows]

    def set_chain(self, chain: str, names: list[str], actor: str | None = None) -> list[Contact]:
        chain = " ".join(chain.split()).lower()
        with self.ctx.uow() as uow:
            who = self._actor(uow, actor)
            members = [contact_view(find_contact(uow, n)) for n in names]
            check_chain(chain, members)
            s = uow.session
            row = s.execute(select(ChainRow).where(ChainRow.name == chain)).scalar_one_or_none()
            if row is None:
                row = ChainRow(name=chain)
                s.add(row)
                uow.flush()
            else:
                s.execute(delete(ChainMemberRow).where(ChainMemberRow.chain_id == row.id))
                s.add(row)
            s.add_all(ChainMemberRow(chain_id=row.id, contact_id=m.id, position=i)
                      for i, m in enumerate(members))
            uow.flush()
            uow.audit(self.ctx.clock.now(), who, "chain.set", "chain", row.id,
                      {"chain": chain, "members": [m.name for m in members]})
            uow.commit()
            return members

    def delegate(self, chain: str, delegate: str, starts_at: datetime, expires_at: datetime,
                 *, reason: str = "", actor: str | None = None) -> None:
        starts_at, expires_at = as_utc(starts_at), as_utc(expires_at)
        check_window(starts_at, expires_at)
        with self.ctx.uow() as uow:
            who = self._actor(uow, actor)
            row = find_chain(uow, chain)
            c = find_contact(uow, delegate)
            d = DelegationRow(chain_id=row.id, delegate_id=c.id, starts_at=starts_at,
                              expires_at=expires_at, granted_by=who, reason=reason.strip())
            uow.session.add(d)
            uow.flush()
            uow.audit(self.ctx.clock.now(), who, "chain.delegate", "chain", row.id,
                      {"chain": row.name, "delegate": c.name, "from": starts_at.isoformat(),
                       "until": expires_at.isoformat(), "reason": d.reason})
            uow.commit()

    def chains(self) -> list[str]:
        with self.ctx.uow() as uow:
            return chain_names(uow)

    def owner(self, chain: str, at: datetime | None = None) -> Ownership:
        t = as_utc(at) if at else self.ctx.clock.now()
        with self.ctx.uow() as uow:
            return ChainSnapshot(uow, chain).owner_at(t)

    def owners(self, at: datetime | None = None) -> list[Ownership]:
        t = as_utc(at) if at else self.ctx.clock.now()
        with self.ctx.uow() as uow:
            return [ChainSnapshot(uow, name).owner_at(t) for name in chain_names(uow)]
