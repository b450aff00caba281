"""Parsing contact files (CSV, vCard) and calendars (.ics) into plain records.

Every error names the line; nothing here touches storage, so a bad file is
rejected whole before anything is written.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidInput
from .names import name_key, skeleton
from .roster import AvailabilityStatus, ContactFields, validate_contact

CSV_COLUMNS = ("name", "title", "email", "phone", "handle", "timezone")


def parse_contacts_csv(text: str) -> list[ContactFields]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput("line 1: the file is empty") from None
    header = [h.strip().lower().lstrip("\ufeff") for h in header]
    if "name" not in header:
        raise InvalidInput(f"line 1: no 'name' column (expected {','.join(CSV_COLUMNS)})")
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise InvalidInput(f"line 1: unknown column {unknown[0]!r}")
    out: list[ContactFields] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InvalidInput(f"line {line}: {len(row)} fields, expected {len(header)}")
        values = dict(zip(header, row, strict=True))
        out.append(validate_contact(ContactFields(**values, line=line), where=f"line {line}: "))
    return _no_duplicates(out)


def _no_duplicates(contacts: list[ContactFields]) -> list[ContactFields]:
    seen: dict[str, ContactFields] = {}
    for c in contacts:
        first = seen.setdefault(skeleton(c.name), c)
        if first is not c:
            same = "" if name_key(first.name) == name_key(c.name) else f" ({first.name!r})"
            raise InvalidInput(f"{c.where()}name: {c.name!r} already appears on line "
                               f"{first.line}{same}")
    if not contacts:
        raise InvalidInput("the file holds no contacts")
    return contacts


def _unfold(text: str) -> list[tuple[int, str]]:
    """RFC 5545/6350 line unfolding, keeping each logical line's first line number."""
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t") and lines:
            first, prev = lines[-1]
            lines[-1] = (first, prev + raw[1:])
        elif raw.strip():
            lines.append((number, raw))
    return lines


def _split(line: str) -> tuple[str, dict[str, str], str]:
    head, sep, value = line.partition(":")
    if not sep:
        raise ValueError("no ':'")
    name, *params = head.split(";")
    found = {}
    for p in params:
        k, _, v = p.partition("=")
        found[k.upper()] = v.strip('"')
    return name.upper(), found, value


def _vcard_text(value: str) -> str:
    return value.replace("\\,", ",").replace("\\;", ";").replace("\\n", " ").strip()


def parse_vcards(text: str) -> list[ContactFields]:
    out: list[ContactFields] = []
    card: dict[str, str] | None = None
    start = 0
    for number, line in _unfold(text):
        try:
            name, params, value = _split(line)
        except ValueError:
            raise InvalidInput(f"line {number}: not a vCard property") from None
        if name == "BEGIN" and value.upper() == "VCARD":
            card, start = {}, number
        elif name == "END" and value.upper() == "VCARD":
            if card is None:
                raise InvalidInput(f"line {number}: END:VCARD without BEGIN")
            fields = ContactFields(
                name=card.get("FN", ""), title=card.get("TITLE", ""), email=card.get("EMAIL", ""),
                phone=card.get("TEL", ""), handle=card.get("X-HANDLE", card.get("X-TWITTER", "")),
                timezone=card.get("TZ", "UTC"), line=start,
            )
            out.append(validate_contact(fields, where=f"line {start}: "))
            card = None
        elif card is not None and name.split(".")[-1] not in card:
            key = name.split(".")[-1]
            if key == "TZ" and params.get("VALUE", "").lower() == "utc-offset":
                continue
            card[key] = _vcard_text(value)
    if card is not None:
        raise InvalidInput(f"line {start}: BEGIN:VCARD without END")
    return _no_duplicates(out)


@dataclass(frozen=True, slots=True)
class CalendarBusy:
    line: int
    starts_at: datetime
    ends_at: datetime
    status: AvailabilityStatus
    summary: str


_KEYWORDS = (
    (re.compile(r"(?i)\b(flight|flying|travel|trip|airport)"), AvailabilityStatus.TRAVELLING),
    (re.compile(r"(?i)\b(vacation|holiday|pto|leave)"), AvailabilityStatus.VACATION),
    (re.compile(r"(?i)\b(off[ -]?shift|day off)"), AvailabilityStatus.OFF_SHIFT),
)


def _ics_time(value: str, params: dict[str, str], number: int, local: str) -> datetime:
    """All-day dates and floating times are the contact's own (``local``) time."""
    try:
        if params.get("VALUE") == "DATE" or re.fullmatch(r"\d{8}", value):
            day = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
            return datetime.combine(day, time(), ZoneInfo(local)).astimezone(UTC)
        stamp = datetime.strptime(value.rstrip("Z"), "%Y%m%dT%H%M%S")
    except ValueError:
        raise InvalidInput(f"line {number}: {value!r} is not an iCalendar date-time") from None
    if value.endswith("Z"):
        return stamp.replace(tzinfo=UTC)
    tzid = params.get("TZID", local)
    try:
        return stamp.replace(tzinfo=ZoneInfo(tzid)).astimezone(UTC)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"line {number}: unknown time zone {tzid!r}") from None


def parse_ics(text: str, local_timezone: str = "UTC") -> list[CalendarBusy]:
    """Busy events become availability windows; transparent (free) events are skipped.

    ``local_timezone`` (the contact's) places all-day dates and floating times.
    """
    out: list[CalendarBusy] = []
    event: dict[str, tuple[dict[str, str], str, int]] | None = None
    start_line = 0
    lines = _unfold(text)
    if not lines or lines[0][1].strip().upper() != "BEGIN:VCALENDAR":
        raise InvalidInput("line 1: not an iCalendar file (no BEGIN:VCALENDAR)")
    for number, line in lines:
        try:
            name, params, value = _split(line)
        except ValueError:
            raise InvalidInput(f"line {number}: not an iCalendar property") from None
        if name == "BEGIN" and value.upper() == "VEVENT":
            event, start_line = {}, number
        elif name == "END" and value.upper() == "VEVENT" and event is not None:
            out.extend(_event(event, start_line, local_timezone))
            event = None
        elif event is not None:
            event[name] = (params, value, number)
    return out


def _event(event: dict[str, tuple[dict[str, str], str, int]], line: int,
           local: str) -> list[CalendarBusy]:
    if "DTSTART" not in event:
        raise InvalidInput(f"line {line}: event without DTSTART")
    if event.get("TRANSP", ({}, "", 0))[1].upper() == "TRANSPARENT":
        return []
    p, v, n = event["DTSTART"]
    start = _ics_time(v, p, n, local)
    if "DTEND" in event:
        p, v, n = event["DTEND"]
        end = _ics_time(v, p, n, local)
    elif "DURATION" in event:
        end = start + _duration(event["DURATION"][1], event["DURATION"][2])
    else:
        end = start + timedelta(days=1 if len(event["DTSTART"][1]) == 8 else 0)
    if end < start:
        raise InvalidInput(f"line {line}: the event ends before it starts")
    if end == start:
        return []  # RFC 5545: a timed event without an end takes no time
    summary = _vcard_text(event.get("SUMMARY", ({}, "", 0))[1])
    status = AvailabilityStatus.UNAVAILABLE
    for pattern, candidate in _KEYWORDS:
        if pattern.search(summary):
            status = candidate
            break
    return [CalendarBusy(line, start, end, status, summary)]


def _duration(value: str, number: int) -> timedelta:
    m = re.fullmatch(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", value)
    if not m:
        raise InvalidInput(f"line {number}: {value!r} is not an iCalendar duration")
    w, d, h, mi, s = (int(x or 0) for x in m.groups())
    return timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=s)
