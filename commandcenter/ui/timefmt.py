"""Instants are UTC in the services; people read them in their own zone.

One short form on screen, ``02 Dec 14:05`` in the viewer's local zone
(``local_text``), and one full form on hover, ``Wed 02 Dec 2026 14:05:03 CET
(2026-12-02 13:05:03 UTC)`` (``full_text``). Month and day names are English
whatever the process locale, like the rest of the window. ``localise`` rewrites
the UTC stamps that domain sentences carry (timeline entries, alert evidence)
into the short form; the original sentence belongs in the tooltip.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from commandcenter.domain.clock import as_utc

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# A date and time marked as UTC: "2026-12-02 13:05 UTC", "2026-12-02 13:05:03 UTC",
# "2026-12-02T13:05:03.5+00:00", "2026-12-02T13:05Z".
_UTC_STAMP = re.compile(r"\b(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)"
                        r"(?: ?UTC\b|Z\b|\+00:00\b)")


def local(t: datetime) -> datetime:
    """``t`` in the viewer's local zone (in UTC at the very ends of years 1 and 9999,
    where the local time would fall outside them)."""
    try:
        return as_utc(t).astimezone()
    except OverflowError:
        return as_utc(t)


def _day_month(m: datetime) -> str:
    return f"{m.day:02d} {MONTHS[m.month - 1]}"


def local_text(t: datetime | None) -> str:
    """The short form every panel shows: ``02 Dec 14:05`` (local)."""
    if t is None:
        return "-"
    m = local(t)
    return f"{_day_month(m)} {m:%H:%M}"


def utc_text(t: datetime | None) -> str:
    if t is None:
        return "-"
    return as_utc(t).strftime("%Y-%m-%d %H:%M:%S UTC")


def full_text(t: datetime | None, zone: str | None = None) -> str:
    """The hover form: ``Wed 02 Dec 2026 14:05:03 CET (2026-12-02 13:05:03 UTC)``.

    In the viewer's zone, or in ``zone`` (an IANA name) when given.
    """
    if t is None:
        return "-"
    try:
        m = as_utc(t).astimezone(ZoneInfo(zone)) if zone else local(t)
    except OverflowError:
        m = as_utc(t)
    except Exception:  # an unknown zone name: say so, and still give UTC
        return f"{zone}? ({utc_text(t)})"
    name = m.tzname() or zone or ""
    return (f"{DAYS[m.weekday()]} {_day_month(m)} {m.year} {m:%H:%M:%S} {name}"
            f" ({utc_text(t)})")


def html_stamp(t: datetime | None) -> str:
    """The short form as rich text whose hover (a text browser's) is the full form."""
    return f'<span title="{html.escape(full_text(t))}">{html.escape(unbroken_text(t))}</span>'


def unbroken_text(t: datetime | None) -> str:
    """The short form with no-break spaces, for wrapped text: a date never splits a line."""
    return local_text(t).replace(" ", "\u00a0")


def localise(text: str, form: Callable[[datetime], str] = local_text) -> str:
    """``text`` with each UTC date-time in it written in the short local form
    (or as ``form`` writes it)."""
    def local_stamp(match: re.Match[str]) -> str:
        try:
            at = datetime.fromisoformat(f"{match[1]}T{match[2]}").replace(tzinfo=UTC)
        except ValueError:  # not a real date: leave it as written
            return match[0]
        return form(at)

    return _UTC_STAMP.sub(local_stamp, text)


def in_zone(t: datetime, zone: str) -> str:
    try:
        z = ZoneInfo(zone)
    except Exception:
        return "?"
    try:
        moment = as_utc(t).astimezone(z)
    except OverflowError:
        moment = as_utc(t)
    return f"{DAYS[moment.weekday()]} {moment:%H:%M} " + (moment.tzname() or zone)


def elapsed(delta: timedelta) -> str:
    """``T+hh:mm`` (``T-`` before detection, which only a simulated clock can show)."""
    total = int(delta.total_seconds()) // 60
    sign = "+" if total >= 0 else "-"
    hours, minutes = divmod(abs(total), 60)
    return f"T{sign}{hours:02d}:{minutes:02d}"
