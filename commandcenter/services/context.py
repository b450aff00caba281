"""What every use case needs: a way to open a unit of work, a clock, a hasher, the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from commandcenter.domain.audit import AuditKey
from commandcenter.domain.clock import Clock
from commandcenter.domain.errors import InvalidInput, NotFound, PolicyRefused
from commandcenter.domain.names import name_key
from commandcenter.domain.operators import OperatorView, Role
from commandcenter.domain.roster import Contact
from commandcenter.persistence.models import ContactRow, OperatorRow
from commandcenter.persistence.uow import UnitOfWork

if TYPE_CHECKING:  # argon2 and cryptography load when a passphrase is first used
    from argon2 import PasswordHasher

    from .keys import KeyDerivation


class Passphrases:
    """argon2id hashes, and argon2id key derivation for the signing keys they seal;
    tests pass cheaper parameters, never a different algorithm."""

    def __init__(self, hasher: PasswordHasher | None = None,
                 kdf: KeyDerivation | None = None) -> None:
        self._given_hasher = hasher
        self._kdf = kdf

    @classmethod
    def fast_for_tests(cls) -> Passphrases:
        from argon2 import PasswordHasher

        from .keys import KeyDerivation

        return cls(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
                   KeyDerivation.fast_for_tests())

    @property
    def _hasher(self) -> PasswordHasher:
        if self._given_hasher is None:
            from argon2 import PasswordHasher

            self._given_hasher = PasswordHasher()
        return self._given_hasher

    @property
    def kdf(self) -> KeyDerivation:
        if self._kdf is None:
            from .keys import KeyDerivation

            self._kdf = KeyDerivation()
        return self._kdf

    def hash(self, passphrase: str) -> str:
        if len(passphrase) < 8:
            raise InvalidInput("passphrase: needs at least 8 characters")
        return self._hasher.hash(passphrase)

    def verify(self, stored: str, passphrase: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return self._hasher.verify(stored, passphrase)
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True, slots=True)
class ServiceContext:
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    passphrases: Passphrases
    outbox_dir: Path
    audit_key: AuditKey | None = None  # None: a test making an unkeyed (older) database
    database: str = ""  # the database's URL without password, for anchors and reports

    def uow(self) -> UnitOfWork:
        return self.uow_factory()


def contact_view(row: ContactRow) -> Contact:
    return Contact(row.id, row.name, row.title, row.email, row.phone, row.handle, row.timezone)


def find_contact(uow: UnitOfWork, name: str) -> ContactRow:
    key = name_key(name)
    row = uow.session.execute(
        select(ContactRow).where(ContactRow.name_key == key)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"name: no contact called {name!r}")
    return row


def find_operator(uow: UnitOfWork, name: str) -> tuple[OperatorRow, ContactRow]:
    contact = find_contact(uow, name)
    op = uow.session.execute(
        select(OperatorRow).where(OperatorRow.contact_id == contact.id)
    ).scalar_one_or_none()
    if op is None:
        raise PolicyRefused(f"operator: {contact.name} is not an operator")
    return op, contact


def operator_view(op: OperatorRow, contact: ContactRow) -> OperatorView:
    return OperatorView(op.id, contact.id, contact.name, Role(op.role))


def authenticate(ctx: ServiceContext, uow: UnitOfWork, name: str, passphrase: str) -> OperatorView:
    """The operator called ``name``, if the passphrase matches (exit 3 otherwise)."""
    try:
        op, contact = find_operator(uow, name)
    except NotFound:
        raise PolicyRefused(f"sign-in: no operator called {name!r}") from None
    if not ctx.passphrases.verify(op.passphrase_hash, passphrase):
        raise PolicyRefused(f"sign-in: wrong passphrase for {contact.name}")
    return operator_view(op, contact)


def acting(uow: UnitOfWork, name: str) -> OperatorView:
    """The operator row as it is now, so a role change applies at once."""
    op, contact = find_operator(uow, name)
    return operator_view(op, contact)


def must_set_passphrase(uow: UnitOfWork, op: OperatorView) -> bool:
    """True after two commanders reset this operator's passphrase, until they set their own."""
    row = uow.session.get(OperatorRow, op.id)
    return bool(row is not None and row.must_set_passphrase)
