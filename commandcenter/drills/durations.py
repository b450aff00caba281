"""Offsets and durations in scenario files: "90s", "30m", "1h20m", "T+1h", "2h 30m"."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])")
_WHOLE = re.compile(r"^(?:\d+(?:\.\d+)?\s*[dhms]\s*)+$")
_UNIT = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}


def parse_offset(value: object) -> timedelta:
    """A non-negative offset from the drill's start. Raises ValueError with the reason."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{value!r} is not a duration such as \"30m\" or \"1h20m\"")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"{value!r} is negative")
        return timedelta(minutes=float(value))
    text = value.strip().lower().replace(" ", "")
    if text.startswith("t+"):
        text = text[2:]
    if text.startswith("-") or text.startswith("t-"):
        raise ValueError(f"{value!r} is negative; offsets count from the drill's start")
    if not text or not _WHOLE.match(text):
        raise ValueError(f"{value!r} is not a duration such as \"30m\" or \"1h20m\"")
    return timedelta(seconds=sum(float(n) * _UNIT[u] for n, u in _PART.findall(text)))


def format_offset(delta: timedelta | None) -> str:
    """T+1h20m style, for reports and the drill bar."""
    if delta is None:
        return "-"
    total = round(delta.total_seconds())
    sign = "-" if total < 0 else "+"
    total = abs(total)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    text = (f"{h}h" if h else "") + (f"{m:02d}m" if h else f"{m}m") + (f"{s:02d}s" if s else "")
    return f"T{sign}{text}"
