"""Clocks. Domain logic never reads the wall clock: it is handed a clock or a time.

All instants are timezone-aware datetimes in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, used only by the composition root."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that moves only when told to: drills and tests."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = as_utc(instant)


def as_utc(instant: datetime) -> datetime:
    """Return ``instant`` in UTC; naive datetimes are taken to be UTC already."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def parse_instant(text: str, field: str = "time") -> datetime:
    """Parse an ISO 8601 instant (``Z`` allowed); naive means UTC."""
    from .errors import InvalidInput

    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not an ISO 8601 date-time") from None
    try:
        return as_utc(parsed)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC
        raise InvalidInput(f"{field}: {text!r} is outside years 1 to 9999 in UTC") from None


def format_utc(instant: datetime | None) -> str:
    if instant is None:
        return "-"
    return as_utc(instant).strftime("%Y-%m-%d %H:%M UTC")
