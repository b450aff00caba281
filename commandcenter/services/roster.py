"""Use cases for contacts, operators, availability and chains of command."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from commandcenter.domain.chains import Ownership, check_chain
from commandcenter.domain.clock import as_utc, format_utc
from commandcenter.domain.contact_files import parse_contacts_csv, parse_ics, parse_vcards
from commandcenter.domain.errors import InvalidInput, PolicyRefused
from commandcenter.domain.limits import MAX_TEXT_FILE_BYTES, check_text
from commandcenter.domain.names import check_new_names, name_key, skeleton
from commandcenter.domain.operators import Action, OperatorView, Role
from commandcenter.domain.roster import (
    AvailabilityStatus,
    AvailabilityWindow,
    Contact,
    ContactFields,
    availability_and_next_change,
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

from .authority import (
    Credentials,
    SelfPromotionGuard,
    actor_name,
    authorize,
    in_setup,
    record_authority_change,
)
from .context import ServiceContext, authenticate, contact_view, find_contact, operator_view
from .ownership import ChainSnapshot, chain_names, find_chain, window_view
from .signing import issue_key, reseal_key, revoke_keys
from .views import ContactStatus


def passphrase_fingerprint(digest: str) -> str:
    """What the audit log keeps of a stored passphrase hash: enough to see it swapped."""
    return hashlib.sha256(digest.encode("utf-8")).hexdigest()


def read_file(path: Path) -> str:
    """A whole imported text file, refused unread past ``MAX_TEXT_FILE_BYTES``."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_TEXT_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InvalidInput(f"file: {path} does not exist") from None
    except IsADirectoryError:
        raise InvalidInput(f"file: {path} is a folder") from None
    if len(data) > MAX_TEXT_FILE_BYTES:
        raise InvalidInput(f"file: {path.name} is over {MAX_TEXT_FILE_BYTES >> 20} MiB; "
                           "split it")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InvalidInput(f"line {line}: {path.name} is not UTF-8 text ({exc.reason})"
                           ) from None


class RosterService:
    """Contacts, operators, availability and chains. Every change is an authority change:
    it goes through :func:`authorize` and is written to every open incident's timeline."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def _changing(self, uow: UnitOfWork, by: Credentials | None, what: str) -> OperatorView | None:
        return authorize(self.ctx, uow, by, Action.EDIT_ROSTER, what)

    def _record(self, uow: UnitOfWork, op: OperatorView | None, action: str, entity: str,
                entity_id: object, text: str, data: dict[str, Any]) -> None:
        record_authority_change(uow, self.ctx.clock.now(), actor_name(op), action, entity,
                                entity_id, text, data)

    # --- contacts ---------------------------------------------------------------
    def import_contacts(self, path: Path, by: Credentials | None = None) -> list[Contact]:
        """CSV or vCard; all or nothing. Existing or look-alike names are refused."""
        text = read_file(path)
        is_vcard = path.suffix.lower() in (".vcf", ".vcard") or text.lstrip().upper().startswith(
            "BEGIN:VCARD")
        records = parse_vcards(text) if is_vcard else parse_contacts_csv(text)
        with self.ctx.uow() as uow:
            op = self._changing(uow, by, "import contacts")
            check_new_names(((r.where(), r.name) for r in records), self._skeletons(uow))
            rows = [self._new_contact(r) for r in records]
            uow.session.add_all(rows)
            uow.flush()
            names = [r.name for r in rows]
            self._record(uow, op, "roster.import", "contacts", path.name,
                         f"Roster: {len(rows)} contacts imported from {path.name} "
                         f"({', '.join(names[:5])}{'...' if len(names) > 5 else ''})",
                         {"count": len(rows), "names": names})
            uow.commit()
            return [contact_view(r) for r in rows]

    @staticmethod
    def _skeletons(uow: UnitOfWork) -> dict[str, str]:
        return {k: n for n, k in uow.session.execute(select(ContactRow.name,
                                                            ContactRow.skeleton)).all()}

    @staticmethod
    def _new_contact(f: ContactFields) -> ContactRow:
        return ContactRow(name=f.name, name_key=name_key(f.name), skeleton=skeleton(f.name),
                          title=f.title, email=f.email, phone=f.phone, handle=f.handle,
                          timezone=f.timezone)

    def add_contact(self, fields: ContactFields, by: Credentials | None = None) -> Contact:
        f = validate_contact(fields)
        with self.ctx.uow() as uow:
            op = self._changing(uow, by, "add a contact")
            check_new_names([("", f.name)], self._skeletons(uow))
            row = self._new_contact(f)
            uow.session.add(row)
            try:
                uow.flush()
            except IntegrityError as exc:
                if is_unique_violation(exc):
                    raise InvalidInput(f"name: {f.name!r} is already on the roster") from None
                raise
            self._record(uow, op, "contact.add", "contact", row.id,
                         f"Roster: {f.name} added", {"name": f.name})
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
                now_state, nxt = availability_and_next_change(windows.get(c.id, []), t)
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

    # --- operators --------------------------------------------------------------
    def add_operator(self, name: str, role: Role, passphrase: str,
                     by: Credentials | None = None) -> OperatorView:
        """Make a contact an operator. The first operator (set-up) must be a commander;
        after that a commander adds operators. An existing operator is never changed here."""
        digest = self.ctx.passphrases.hash(passphrase)
        with self.ctx.uow() as uow:
            setup = in_setup(uow)
            op = self._changing(uow, by, "add an operator")
            contact = find_contact(uow, name)
            if setup and role is not Role.COMMANDER:
                raise PolicyRefused(f"operator: the first operator must be a commander, not a "
                                    f"{role.value}; nothing changes without one afterwards")
            if self._operator_row(uow, contact.id) is not None:
                raise PolicyRefused(
                    f"operator: {contact.name} is already an operator; change a role with "
                    "'operator role', a forgotten passphrase with 'operator reset' (two "
                    "commanders)")
            row = OperatorRow(contact_id=contact.id, role=role.value, passphrase_hash=digest)
            uow.session.add(row)
            uow.flush()
            self._record(uow, op, "operator.add", "operator", row.id,
                         f"Operators: {contact.name} added as {role.value}",
                         {"name": contact.name, "role": role.value,
                          "passphrase": passphrase_fingerprint(digest)})
            issue_key(self.ctx, uow, row, contact.name, passphrase, self.ctx.clock.now(),
                      actor_name(op))
            uow.commit()
            return operator_view(row, contact)

    @staticmethod
    def _operator_row(uow: UnitOfWork, contact_id: int) -> OperatorRow | None:
        return uow.session.execute(select(OperatorRow).where(
            OperatorRow.contact_id == contact_id)).scalar_one_or_none()

    def _existing_operator(self, uow: UnitOfWork, name: str) -> tuple[OperatorRow, ContactRow]:
        contact = find_contact(uow, name)
        row = self._operator_row(uow, contact.id)
        if row is None:
            raise PolicyRefused(f"operator: {contact.name} is not an operator")
        return row, contact

    def set_role(self, name: str, role: Role, by: Credentials) -> OperatorView:
        with self.ctx.uow() as uow:
            op = self._changing(uow, by, "change a role")
            row, contact = self._existing_operator(uow, name)
            before = Role(row.role)
            if before is Role.COMMANDER and role is not Role.COMMANDER:
                others = uow.session.execute(select(func.count()).select_from(OperatorRow).where(
                    OperatorRow.role == Role.COMMANDER.value,
                    OperatorRow.id != row.id)).scalar_one()
                if others == 0:
                    raise PolicyRefused(f"operator: {contact.name} is the last commander; "
                                        "make someone else a commander first")
            row.role = role.value
            self._record(uow, op, "operator.role", "operator", row.id,
                         f"Operators: {contact.name} is now {role.value} (was {before.value})",
                         {"name": contact.name, "role": role.value, "was": before.value})
            uow.commit()
            return operator_view(row, contact)

    def reset_passphrase(self, name: str, new_passphrase: str, by: Credentials,
                         cosigner: Credentials | None) -> OperatorView:
        """Two commanders, neither of them the operator, set a temporary passphrase.

        The operator can sign in with it but cannot approve until they have set
        a passphrase of their own, so neither commander can approve as them.
        """
        digest = self.ctx.passphrases.hash(new_passphrase)
        with self.ctx.uow() as uow:
            op = self._changing(uow, by, "reset a passphrase")
            assert op is not None  # a reset is never part of set-up: there is an operator
            row, contact = self._existing_operator(uow, name)
            if contact.id == op.contact_id:
                raise PolicyRefused("operator: change your own passphrase with "
                                    "'operator passphrase' (it needs the old one)")
            if cosigner is None:
                raise PolicyRefused(f"operator: resetting {contact.name}'s passphrase needs a "
                                    "second commander's co-signature (--cosign NAME)")
            second = authorize(self.ctx, uow, cosigner, Action.EDIT_ROSTER,
                               "co-sign a passphrase reset")
            assert second is not None
            if second.contact_id in (op.contact_id, contact.id):
                raise PolicyRefused("operator: the co-signer must be a second commander, not "
                                    f"{second.name}")
            row.passphrase_hash = digest
            row.must_set_passphrase = True
            self._record(uow, op, "operator.reset", "operator", row.id,
                         f"Operators: {contact.name}'s passphrase reset by {op.name}, "
                         f"co-signed by {second.name}; no approval until {contact.name} "
                         "sets their own",
                         {"name": contact.name, "cosigner": second.name,
                          "passphrase": passphrase_fingerprint(digest)})
            # The commanders know the temporary passphrase: no key may ever be sealed
            # under it. The operator's own new passphrase comes with a fresh key pair.
            revoke_keys(uow, row, contact.name, self.ctx.clock.now(), op.name,
                        f"passphrase reset by {op.name} and {second.name}")
            uow.commit()
            return operator_view(row, contact)

    def change_passphrase(self, name: str, old: str, new: str) -> OperatorView:
        """An operator replaces their own passphrase (the old one proves who they are)."""
        digest = self.ctx.passphrases.hash(new)
        if old == new:
            raise InvalidInput("passphrase: the new passphrase is the old one")
        with self.ctx.uow() as uow:
            me = authenticate(self.ctx, uow, name, old)
            row, contact = self._existing_operator(uow, me.name)
            was_reset = row.must_set_passphrase
            row.passphrase_hash = digest
            row.must_set_passphrase = False
            self._record(uow, me, "operator.passphrase", "operator", row.id,
                         f"Operators: {contact.name} set a new passphrase"
                         + (" after a reset" if was_reset else ""),
                         {"name": contact.name, "after_reset": was_reset,
                          "passphrase": passphrase_fingerprint(digest)})
            now = self.ctx.clock.now()
            if was_reset or reseal_key(self.ctx, uow, row, contact.name, old, new, now) is None:
                revoke_keys(uow, row, contact.name, now, contact.name, "replaced")
                issue_key(self.ctx, uow, row, contact.name, new, now, contact.name)
            uow.commit()
            return operator_view(row, contact)

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

    def in_setup(self) -> bool:
        with self.ctx.uow() as uow:
            return in_setup(uow)

    # --- availability -------------------------------------------------------------
    def _availability_actor(self, uow: UnitOfWork, by: Credentials | None, contact: ContactRow,
                            what: str) -> OperatorView | None:
        """A commander records anyone's availability; an operator who may act at all
        (not an observer, who changes nothing) may record their own."""
        if by is not None and name_key(by.name) == contact.name_key:
            me = authenticate(self.ctx, uow, by.name, by.passphrase)
            if me.role is not Role.OBSERVER:
                return me
        return self._changing(uow, by, what)

    def set_availability(
        self, name: str, status: AvailabilityStatus, starts_at: datetime, ends_at: datetime,
        *, reachable: bool = False, note: str = "", by: Credentials | None = None,
        cosigner: Credentials | None = None,
    ) -> AvailabilityWindow:
        starts_at, ends_at = as_utc(starts_at), as_utc(ends_at)
        check_window(starts_at, ends_at)
        if len(note) > 500:
            raise InvalidInput("note: longer than 500 characters")
        check_text(note, "note", 500)
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            c = find_contact(uow, name)
            op = self._availability_actor(uow, by, c, "record availability")
            guard = SelfPromotionGuard(self.ctx, uow, op, now)
            row = AvailabilityRow(
                contact_id=c.id, status=status.value, starts_at=starts_at, ends_at=ends_at,
                reachable=reachable or status is AvailabilityStatus.AVAILABLE, note=note.strip(),
                set_by=actor_name(op), set_at=now)
            uow.session.add(row)
            uow.flush()
            guard.check(cosigner)
            self._record(uow, op, "availability.set", "contact", c.id,
                         f"Availability: {c.name} {status.label} {format_utc(starts_at)} - "
                         f"{format_utc(ends_at)}"
                         + (", reachable" if row.reachable else ", not reachable"),
                         {"name": c.name, "status": status.value, "from": starts_at.isoformat(),
                          "until": ends_at.isoformat(), "reachable": row.reachable,
                          "window": row.id})
            uow.commit()
            return window_view(row)

    def remove_availability(self, window_id: int, by: Credentials | None = None,
                            cosigner: Credentials | None = None) -> None:
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            row = uow.session.get(AvailabilityRow, window_id)
            if row is None:
                raise InvalidInput(f"window: no availability window {window_id}")
            c = uow.session.get(ContactRow, row.contact_id)
            op = self._availability_actor(uow, by, c, "remove availability")
            guard = SelfPromotionGuard(self.ctx, uow, op, now)
            uow.session.delete(row)
            uow.flush()
            guard.check(cosigner)
            self._record(uow, op, "availability.remove", "contact", row.contact_id,
                         f"Availability: {c.name}'s window {format_utc(row.starts_at)} - "
                         f"{format_utc(row.ends_at)} removed",
                         {"name": c.name, "window": window_id})
            uow.commit()

    def import_availability(self, path: Path, name: str, by: Credentials | None = None,
                            cosigner: Credentials | None = None) -> list[AvailabilityWindow]:
        text = read_file(path)
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            c = find_contact(uow, name)
            op = self._availability_actor(uow, by, c, "import availability")
            events = parse_ics(text, c.timezone)
            guard = SelfPromotionGuard(self.ctx, uow, op, now)
            rows = [AvailabilityRow(contact_id=c.id, status=e.status.value,
                                    starts_at=e.starts_at, ends_at=e.ends_at, reachable=False,
                                    note=e.summary[:500], set_by=actor_name(op), set_at=now)
                    for e in events]
            uow.session.add_all(rows)
            uow.flush()
            guard.check(cosigner)
            self._record(uow, op, "availability.import", "contact", c.id,
                         f"Availability: {len(rows)} windows for {c.name} imported from "
                         f"{path.name}",
                         {"name": c.name, "file": path.name, "count": len(rows),
                          "windows": [r.id for r in rows]})
            uow.commit()
            return [window_view(r) for r in rows]

    # --- chains -------------------------------------------------------------------
    def set_chain(self, chain: str, names: list[str], by: Credentials | None = None,
                  cosigner: Credentials | None = None) -> list[Contact]:
        chain = check_text(" ".join(chain.split()).lower(), "chain", 80)
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = self._changing(uow, by, "set a chain")
            members = [contact_view(find_contact(uow, n)) for n in names]
            check_chain(chain, members)
            guard = SelfPromotionGuard(self.ctx, uow, op, now)
            s = uow.session
            row = s.execute(select(ChainRow).where(ChainRow.name == chain)).scalar_one_or_none()
            if row is None:
                row = ChainRow(name=chain, set_by=actor_name(op), set_at=now)
                s.add(row)
                uow.flush()
            else:
                s.execute(delete(ChainMemberRow).where(ChainMemberRow.chain_id == row.id))
                row.set_by, row.set_at = actor_name(op), now
            s.add_all(ChainMemberRow(chain_id=row.id, contact_id=m.id, position=i)
                      for i, m in enumerate(members))
            uow.flush()
            guard.check(cosigner)
            self._record(uow, op, "chain.set", "chain", row.id,
                         f"Chain {chain}: " + " > ".join(m.name for m in members)
                         + f" (version {row.version})",
                         {"chain": chain, "members": [m.name for m in members],
                          "version": row.version})
            uow.commit()
            return members

    def delegate(self, chain: str, delegate: str, starts_at: datetime, expires_at: datetime,
                 *, reason: str = "", by: Credentials) -> None:
        """The chain's owner now (or a delegate the owner named) hands it to someone else."""
        starts_at, expires_at = as_utc(starts_at), as_utc(expires_at)
        check_window(starts_at, expires_at)
        check_text(reason.strip(), "reason", 500)
        now = self.ctx.clock.now()
        with self.ctx.uow() as uow:
            op = authenticate(self.ctx, uow, by.name, by.passphrase)
            row = find_chain(uow, chain)
            c = find_contact(uow, delegate)
            owner = ChainSnapshot(uow, row.name).owner_at(now).owner
            if owner is None or owner.id != op.contact_id:
                who = owner.name if owner else "nobody"
                raise PolicyRefused(f"delegate: only the owner of the {row.name} chain can "
                                    f"delegate it; {who} owns it now, not {op.name}")
            if c.id == op.contact_id:
                raise PolicyRefused("delegate: nobody delegates to himself")
            d = DelegationRow(chain_id=row.id, delegate_id=c.id, starts_at=starts_at,
                              expires_at=expires_at, granted_by=op.name, granted_at=now,
                              reason=reason.strip())
            uow.session.add(d)
            uow.flush()
            self._record(uow, op, "chain.delegate", "chain", row.id,
                         f"Chain {row.name}: delegated by {op.name} to {c.name} "
                         f"{format_utc(starts_at)} - {format_utc(expires_at)}"
                         + (f" ({d.reason})" if d.reason else ""),
                         {"chain": row.name, "delegate": c.name, "from": starts_at.isoformat(),
                          "until": expires_at.isoformat(), "reason": d.reason,
                          "delegation": d.id})
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


def set_up_company(roster: RosterService, contacts: Sequence[ContactFields],
                   chains: Mapping[str, Sequence[str]],
                   operators: Sequence[tuple[str, Role, str]],
                   availability: Sequence[tuple[str, AvailabilityStatus, datetime, datetime,
                                                bool, str]] = ()) -> Credentials:
    """Fill a new database: contacts, chains and availability windows (name, status,
    from, until, reachable, note) in set-up, then the first operator (who must be a
    commander), then the other operators added by that commander.

    Returns the first commander's credentials, for the rest of the set-up.
    """
    if not operators:
        raise InvalidInput("operators: a company needs at least one operator, a commander")
    for fields in contacts:
        roster.add_contact(fields)
    for name, members in chains.items():
        roster.set_chain(name, list(members))
    for name, status, starts_at, ends_at, reachable, note in availability:
        roster.set_availability(name, status, starts_at, ends_at, reachable=reachable,
                                note=note)
    (first, role, secret), *others = operators
    roster.add_operator(first, role, secret)
    admin = Credentials(first, secret)
    for name, other_role, other_secret in others:
        roster.add_operator(name, other_role, other_secret, by=admin)
    return admin
