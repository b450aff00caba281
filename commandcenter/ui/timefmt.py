"""Instants are UTC in the services; people read them in their own zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from commandcenter.domain.clock import as_utc


def local(t: datetime) -> datetime:
    """``t`` in the viewer's local zone."""
    return as_utc(t).astimezone()


def local_text(t: datetime | None, *, seconds: bool = False) -> str:
    if t is None:
        return "-"
    return local(t).strftime("%d %b %H:%M:%S" if seconds else "%d %b %H:%M")


def utc_text(t: datetime | None) -> str:
    if t is None:
        return "-"
    return as_utc(t).strftime("%Y-%m-%d %H:%M:%S UTC")


def in_zone(t: datetime, zone: str) -> str:
    try:
        z = ZoneInfo(zone)
    except Exception:
        return "?"
    moment = as_utc(t).astimezone(z)
    return moment.strftime("%a %H:%M ") + (moment.tzname() or zone)


def elapsed(delta: timedelta) -> str:
    """``T+hh:mm`` (``T-`` before detection, which only a simulated clock can show)."""
    total = int(delta.total_seconds()) // 60
    sign = "+" if total >= 0 else "-"
    hours, minutes = divmod(abs(total), 60)
    return f"T{sign}{hours:02d}:{minutes:02d}"
