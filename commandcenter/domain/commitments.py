"""Commitments: promises with a due time, and suggestions of them from a message's text.

A suggestion is never applied by itself: the spokesperson confirms or edits
it. Times are resolved against the message's own time (``at``), in the zone
the phrase names, or ``default_zone`` (the author's) when it names none.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from .clock import as_utc
from .errors import InvalidInput, PolicyRefused, parse_choice


class CommitmentState(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"  # fell due without being kept

    @classmethod
    def parse(cls, text: str) -> CommitmentState:
        return parse_choice(cls, text, "state")


@dataclass(frozen=True, slots=True)
class Commitment:
    id: int
    incident_id: int
    incident_title: str
    text: str
    owner: str
    due_at: datetime
    state: CommitmentState
    made_at: datetime
    message_id: int | None
    kept_at: datetime | None
    kept_message_id: int | None
    kept_by: str | None
    drill: bool = False

    def overdue_at(self, now: datetime) -> bool:
        """Past due and not kept (a broken promise, or one the sweep has not reached yet)."""
        return self.state is not CommitmentState.KEPT and as_utc(now) >= self.due_at

    @property
    def kept_late(self) -> bool:
        return self.kept_at is not None and self.kept_at > self.due_at


def as_json(c: Commitment, now: datetime) -> dict[str, object]:
    """A commitment as the command line's --json gives it, overdue as of ``now``."""
    return {"id": c.id, "incident": c.incident_id, "text": c.text, "owner": c.owner,
            "due_at": c.due_at, "state": c.state.value, "overdue": c.overdue_at(now),
            "made_at": c.made_at, "message": c.message_id, "kept_at": c.kept_at,
            "kept_message": c.kept_message_id, "kept_by": c.kept_by,
            "kept_late": c.kept_late}


@dataclass(frozen=True, slots=True)
class CommitmentFigures:
    """How an incident kept its promises: part of its response figures."""

    made: int = 0
    open: int = 0
    kept_on_time: int = 0
    kept_late: int = 0
    broken: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"commitments_made": self.made, "commitments_open": self.open,
                "commitments_kept_on_time": self.kept_on_time,
                "commitments_kept_late": self.kept_late, "commitments_broken": self.broken}


def commitment_figures(items: list[Commitment]) -> CommitmentFigures:
    return CommitmentFigures(
        made=len(items),
        open=sum(c.state is CommitmentState.OPEN for c in items),
        kept_on_time=sum(c.state is CommitmentState.KEPT and not c.kept_late for c in items),
        kept_late=sum(c.state is CommitmentState.KEPT and c.kept_late for c in items),
        broken=sum(c.state is CommitmentState.BROKEN for c in items),
    )


MAX_TEXT = 500


def check_new(text: str, due_at: datetime, now: datetime) -> tuple[str, datetime]:
    """Validate a new commitment; the text is what was promised."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput("text: must not be empty")
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"text: longer than {MAX_TEXT} characters")
    due = as_utc(due_at)
    if due <= as_utc(now):
        raise InvalidInput(f"due: {due:%Y-%m-%d %H:%M} UTC is not in the future")
    return cleaned, due


def check_keep(state: CommitmentState) -> None:
    if state is CommitmentState.KEPT:
        raise PolicyRefused("commitment: already kept")


def falls_due(due_at: datetime, since: datetime | None, now: datetime) -> bool:
    """True when the clock passed ``due_at`` between the last look and now."""
    return due_at <= now and (since is None or due_at > since)


# --- suggestions ---------------------------------------------------------------

# Abbreviations are read as the region's civil time, summer time included
# ("PT" in July is UTC-7): that is what a reader of "5pm PT" expects.
ZONES: dict[str, str] = {
    "utc": "UTC", "gmt": "UTC", "z": "UTC",
    "pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "mt": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver",
    "mountain": "America/Denver",
    "ct": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago",
    "central": "America/Chicago",
    "et": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
    "eastern": "America/New_York",
    "bst": "Europe/London", "london": "Europe/London", "uk": "Europe/London",
    "cet": "Europe/Berlin", "cest": "Europe/Berlin",
    "ist": "Asia/Kolkata", "jst": "Asia/Tokyo", "aest": "Australia/Sydney",
}
PARTS_OF_DAY = {"morning": time(9), "noon": time(12), "midday": time(12),
                "afternoon": time(15), "evening": time(18), "tonight": time(20)}
END_OF_DAY = time(17)  # "end of day", "EOD", "close of business"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
UNIT_PREFIXES = (("m", 60), ("h", 3600), ("d", 86400), ("w", 7 * 86400))
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                "six": 6, "twelve": 12, "half an": 0.5, "the": 1, "the next": 1}

_ZONE = (r"(?:\s+(?P<zone>" + "|".join(sorted(ZONES, key=len, reverse=True))
         + r"|[A-Za-z]+/[A-Za-z_]+)\b)?")
_CLOCK = r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?:\s*(?P<ampm>a\.?m\.?|p\.?m\.?))?"
_DAY = r"(?:(?P<day>today|tomorrow|tonight)\s+)?"


@functools.cache
def patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The promise patterns, most specific first; compiled on first use (every command
    that shows an incident imports this module, few suggest)."""
    return (
        ("relative", re.compile(
            r"\b(?P<lead>within|in|within the next|in the next)\s+(?P<n>\d+(?:\.\d+)?|half an|an|a"
            r"|one|two|three|four|five|six|twelve|the next|the)\s+"
            r"(?P<unit>minutes?|mins?|hours?|hrs?|days?|weeks?)\b", re.I)),
        ("end_of_day", re.compile(
            r"\b(?:by\s+)?(?:the\s+)?(?:end of (?:the )?(?:day|business)|eod|close of business|cob)"
            r"(?:\s+(?P<day>today|tomorrow))?" + _ZONE, re.I)),
        ("day_part", re.compile(
            r"\b(?P<day>tomorrow|this)\s+(?P<part>morning|afternoon|evening|noon|midday)" + _ZONE,
            re.I)),
        ("weekday", re.compile(
            r"\b(?:by|on|before)\s+(?P<weekday>" + "|".join(WEEKDAYS) + r")"
            r"(?:\s+(?P<part>morning|afternoon|evening))?" + _ZONE, re.I)),
        ("clock", re.compile(
            r"\b(?:by|at|before|until|no later than)\s+" + _DAY
            + r"(?:(?P<word>noon|midday|midnight)"
            r"|" + _CLOCK + r")(?:\s+(?P<day2>today|tomorrow))?" + _ZONE, re.I)),
        ("tomorrow", re.compile(r"\b(?:by\s+)?tomorrow\b" + _ZONE, re.I)),
    )


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed commitment: what the text says, and when that is."""

    phrase: str  # the words that set the time, as written
    due_at: datetime  # UTC
    zone: str  # the zone the phrase was read in
    start: int  # where the phrase is in the text
    end: int
    text: str  # what was promised: the sentence the phrase is in

    def describe(self) -> str:
        return f"{self.text!r} due {self.due_at:%Y-%m-%d %H:%M} UTC (from {self.phrase!r})"


def zone_for(name: str | None, default: str) -> ZoneInfo:
    key = (name or "").strip()
    if not key:
        return _zone(default)
    return _zone(ZONES.get(key.lower(), key))


def _zone(key: str) -> ZoneInfo:
    try:
        return ZoneInfo(key)
    except (KeyError, ValueError, OSError):
        return ZoneInfo("UTC")


def _number(text: str) -> float:
    t = text.lower()
    return float(NUMBER_WORDS[t]) if t in NUMBER_WORDS else float(t)


def _next_at(local_now: datetime, when: time, day: str | None) -> datetime:
    """The first ``when`` at or after now (``today``) or on the named day."""
    base = local_now.date()
    if day in ("tomorrow",):
        base += timedelta(days=1)
    candidate = datetime.combine(base, when, tzinfo=local_now.tzinfo)
    if day is None and candidate <= local_now:
        candidate += timedelta(days=1)
    return candidate


def _resolve(kind: str, m: re.Match[str], local_now: datetime) -> datetime | None:
    g = m.groupdict()
    if kind == "relative":
        unit = g["unit"].lower()
        seconds = next(v for k, v in UNIT_PREFIXES if unit.startswith(k))
        return local_now + timedelta(seconds=_number(g["n"]) * seconds)
    if kind == "end_of_day":
        day = (g.get("day") or "").lower() or None
        if day is None and local_now.time() >= END_OF_DAY:
            day = "tomorrow"  # said after hours: the next working end of day
        return _next_at(local_now, END_OF_DAY, day or "today")
    if kind == "day_part":
        part = PARTS_OF_DAY[g["part"].lower()]
        day = "tomorrow" if g["day"].lower() == "tomorrow" else None
        return _next_at(local_now, part, day)
    if kind == "weekday":
        target = WEEKDAYS.index(g["weekday"].lower())
        ahead = (target - local_now.weekday()) % 7
        when = PARTS_OF_DAY[g["part"].lower()] if g.get("part") else END_OF_DAY
        candidate = datetime.combine(local_now.date() + timedelta(days=ahead), when,
                                     tzinfo=local_now.tzinfo)
        return candidate if candidate > local_now else candidate + timedelta(days=7)
    if kind == "clock":
        word = (g.get("word") or "").lower()
        if word:
            when = time(0) if word == "midnight" else time(12)
        else:
            hour, minute = int(g["h"]), int(g["m"] or 0)
            ampm = (g.get("ampm") or "").lower().replace(".", "")
            if ampm == "pm" and hour < 12:
                hour += 12
            elif ampm == "am" and hour == 12:
                hour = 0
            if not ampm and g["m"] is None and hour <= 12 and not g.get("zone"):
                return None  # "by 3" alone is too vague to suggest ("by 3 people")
            if hour > 23 or minute > 59:
                return None
            when = time(hour, minute)
        day = (g.get("day") or g.get("day2") or "").lower() or None
        if day == "tonight":
            day = None
        return _next_at(local_now, when, day)
    if kind == "tomorrow":
        return _next_at(local_now, END_OF_DAY, "tomorrow")
    return None


_SENTENCE_END = re.compile(r"[.!?\n]")


def _sentence(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    right_match = _SENTENCE_END.search(text, end)
    right = right_match.start() if right_match else len(text)
    return " ".join(text[left:right].split())[:MAX_TEXT]


def suggest(text: str, at: datetime, default_zone: str = "UTC") -> list[Suggestion]:
    """Every time promise in ``text``, resolved against the message's time ``at``.

    Overlapping matches keep the first pattern that matched (the most specific).
    """
    at = as_utc(at)
    taken: list[tuple[int, int]] = []
    out: list[Suggestion] = []
    for kind, pattern in patterns():
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            zone = zone_for(m.groupdict().get("zone"), default_zone)
            due = _resolve(kind, m, at.astimezone(zone))
            if due is None:
                continue
            taken.append((m.start(), m.end()))
            out.append(Suggestion(m.group(0).strip(), as_utc(due), zone.key, m.start(),
                                  m.end(), _sentence(text, m.start(), m.end())))
    out.sort(key=lambda s: s.start)
    return out
