"""Contacts and their availability windows.

Overlap rule (documented in the README): when several windows cover an
instant, the one that started latest wins, because a later, narrower plan
("back for the board call on the 5th") overrides a broad one ("on vacation
1st-14th"); windows that start together are decided by the one recorded last.
An instant no window covers counts as available and reachable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .clock import as_utc, format_utc
from .errors import InvalidInput, parse_choice
from .limits import text_problem
from .names import clean_name


class AvailabilityStatus(StrEnum):
    AVAILABLE = "available"
    TRAVELLING = "travelling"
    VACATION = "vacation"
    OFF_SHIFT = "off_shift"
    UNAVAILABLE = "unavailable"

    @classmethod
    def parse(cls, text: str) -> AvailabilityStatus:
        return parse_choice(cls, text, "status", {"traveling": "travelling"})

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Contact:
    id: int
    name: str
    title: str = ""
    email: str = ""
    phone: str = ""
    handle: str = ""
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class AvailabilityWindow:
    id: int
    contact_id: int
    status: AvailabilityStatus
    starts_at: datetime
    ends_at: datetime
    reachable: bool = False
    note: str = ""

    def covers(self, t: datetime) -> bool:
        return self.starts_at <= t < self.ends_at

    @property
    def can_act(self) -> bool:
        """Someone can act when available, or elsewhere but reachable."""
        return self.status is AvailabilityStatus.AVAILABLE or self.reachable


@dataclass(frozen=True, slots=True)
class Availability:
    """A contact's state at one instant, and the window that decided it."""

    status: AvailabilityStatus
    reachable: bool
    window: AvailabilityWindow | None

    @property
    def can_act(self) -> bool:
        return self.status is AvailabilityStatus.AVAILABLE or self.reachable

    def describe(self) -> str:
        if self.window is None:
            return "available"
        parts = [f"{self.status.label} until {format_utc(self.window.ends_at)}"]
        parts.append("reachable" if self.reachable else "not reachable")
        if self.window.note:
            parts.append(self.window.note)
        return ", ".join(parts)


AVAILABLE_BY_DEFAULT = Availability(AvailabilityStatus.AVAILABLE, True, None)


def availability_at(windows: Iterable[AvailabilityWindow], t: datetime) -> Availability:
    """The contact's availability at ``t`` under the overlap rule above."""
    t = as_utc(t)
    winner: AvailabilityWindow | None = None
    for w in windows:
        if w.covers(t) and (winner is None or (w.starts_at, w.id) > (winner.starts_at, winner.id)):
            winner = w
    if winner is None:
        return AVAILABLE_BY_DEFAULT
    return Availability(winner.status, winner.can_act, winner)


def boundaries_after(windows: Iterable[AvailabilityWindow], t: datetime) -> list[datetime]:
    """Instants after ``t`` at which these windows may change someone's state."""
    return sorted({b for w in windows for b in (w.starts_at, w.ends_at) if b > t})


def availability_and_next_change(windows: Sequence[AvailabilityWindow], t: datetime
                                 ) -> tuple[Availability, datetime | None]:
    """The availability at ``t`` and the first later instant it differs (None: never)."""
    now = availability_at(windows, t)
    return now, next((b for b in boundaries_after(windows, t)
                      if availability_at(windows, b) != now), None)


def check_window(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise InvalidInput(
            f"until: {format_utc(ends_at)} is not after from: {format_utc(starts_at)}"
        )


NAME_MAX = 120
# The longest each contact field may be (the contacts table's columns, on every database).
FIELD_MAX = {"name": NAME_MAX, "title": 200, "email": 200, "phone": 60, "handle": 120,
             "timezone": 64}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ().-]{5,}$")


def check_timezone(name: str, field: str = "timezone") -> str:
    name = name.strip() or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{field}: {name!r} is not an IANA time zone") from None
    return name


@dataclass(frozen=True, slots=True)
class ContactFields:
    name: str
    title: str = ""
    email: str = ""
    phone: str = ""
    handle: str = ""
    timezone: str = "UTC"
    line: int = 0  # where it came from in an imported file; 0 when typed in

    def where(self) -> str:
        return f"line {self.line}: " if self.line else ""


def validate_contact(fields: ContactFields, where: str = "") -> ContactFields:
    """Check one contact's fields; ``where`` ("line 4: ") prefixes any error."""

    def bad(message: str) -> InvalidInput:
        return InvalidInput(f"{where}{message}")

    for field_name, limit in FIELD_MAX.items():
        value = getattr(fields, field_name)
        problem = text_problem(value.strip(), max(limit, 1000) if field_name == "name" else limit)
        if problem is not None:
            raise bad(f"{field_name}: {problem}")
    name = clean_name(fields.name)
    if not name:
        raise bad("name: must not be empty")
    if len(name) > NAME_MAX:
        raise bad(f"name: longer than {NAME_MAX} characters")
    email = fields.email.strip()
    if email and not _EMAIL.match(email):
        raise bad(f"email: {email!r} is not an e-mail address")
    phone = fields.phone.strip()
    if phone and not _PHONE.match(phone):
        raise bad(f"phone: {phone!r} is not a phone number")
    try:
        tz = check_timezone(fields.timezone)
    except InvalidInput as exc:
        raise bad(str(exc)) from None
    return ContactFields(name, fields.title.strip(), email, phone, fields.handle.strip(), tz,
                         fields.line)


def local_time(t: datetime, timezone: str) -> datetime:
    return as_utc(t).astimezone(ZoneInfo(timezone))
