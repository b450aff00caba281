"""Parsing contact files (CSV, vCard) and calendars (.ics) into plain records.

Every error names the line; nothing here touches storage, so a bad file is
rejected whole before anything is written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidInput
from .limits import CSV_FIELD_LIMIT, LATEST, check_text, csv_field_index
from .names import name_key, skeleton
from .roster import AvailabilityStatus, ContactFields, validate_contact

CSV_COLUMNS = ("name", "title", "email", "phone", "handle", "timezone")


def parse_contacts_csv(text: str) -> list[ContactFields]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput("line 1: the file is empty") from None
    except csv.Error as exc:
        raise _csv_error(text, 0, (), exc) from None
    header = [h.strip().lower().lstrip("\ufeff") for h in header]
    if "name" not in header:
        raise InvalidInput(f"line 1: no 'name' column (expected {','.join(CSV_COLUMNS)})")
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise InvalidInput(f"line 1: unknown column {unknown[0]!r}")
    out: list[ContactFields] = []
    while True:
        ended = reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _csv_error(text, ended, header, exc) from None
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InvalidInput(f"line {line}: {len(row)} fields, expected {len(header)}")
        values = dict(zip(header, row, strict=True))
        out.append(validate_contact(ContactFields(**values, line=line), where=f"line {line}: "))
    return _no_duplicates(out)


def _csv_error(text: str, ended: int, header: Sequence[str], exc: csv.Error) -> InvalidInput:
    """The record after line ``ended`` broke the csv module: name its line and field."""
    rest = "".join(text.splitlines(keepends=True)[ended:])
    at = csv_field_index(rest)
    if at is None:
        return InvalidInput(f"line {ended + 1}: not CSV ({exc})")
    name = header[at] if at < len(header) else f"field {at + 1}"
    return InvalidInput(f"line {ended + 1}: {name}: longer than {CSV_FIELD_LIMIT} characters")


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
            text_value = _vcard_text(value)
            if key == "TEL" and (params.get("VALUE", "").lower() == "uri"
                                 or text_value.lower().startswith("tel:")):
                text_value = _tel_uri(text_value)
            card[key] = text_value
    if card is not None:
        raise InvalidInput(f"line {start}: BEGIN:VCARD without END")
    return _no_duplicates(out)


def _tel_uri(value: str) -> str:
    """vCard 4.0's ``TEL;VALUE=uri:tel:+1-555-0100;ext=7`` as the number it holds."""
    number = value[4:] if value.lower().startswith("tel:") else value
    return number.split(";", 1)[0].strip()


MAX_SUMMARY = 10_000  # stored as the window's note, cut to its first 500 characters


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
        raise InvalidInput(f"line {number}: {value[:40]!r} is not an iCalendar date-time"
                           ) from None
    except OverflowError:  # 00010101 east of Greenwich is in year 0 in UTC
        raise InvalidInput(f"line {number}: {value!r} is outside years 1 to 9999 in UTC"
                           ) from None
    if value.endswith("Z"):
        return stamp.replace(tzinfo=UTC)
    tzid = params.get("TZID", local)
    try:
        zone = ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"line {number}: unknown time zone {tzid[:40]!r}") from None
    try:
        return stamp.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError:
        raise InvalidInput(f"line {number}: {value!r} is outside years 1 to 9999 in UTC"
                           ) from None


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
    closed = False
    for number, line in lines:
        try:
            name, params, value = _split(line)
        except ValueError:
            raise InvalidInput(f"line {number}: not an iCalendar property") from None
        if closed:
            raise InvalidInput(f"line {number}: after END:VCALENDAR")
        if name == "BEGIN" and value.upper() == "VEVENT":
            if event is not None:
                raise InvalidInput(f"line {start_line}: BEGIN:VEVENT without END:VEVENT")
            event, start_line = {}, number
        elif name == "END" and value.upper() == "VEVENT":
            if event is None:
                raise InvalidInput(f"line {number}: END:VEVENT without BEGIN:VEVENT")
            out.extend(_event(event, start_line, local_timezone))
            event = None
        elif name == "END" and value.upper() == "VCALENDAR":
            closed = event is None
            if not closed:
                raise InvalidInput(f"line {start_line}: BEGIN:VEVENT without END:VEVENT")
        elif event is not None:
            event[name] = (params, value, number)
    if event is not None:  # a truncated file: its last event never ended
        raise InvalidInput(f"line {start_line}: BEGIN:VEVENT without END:VEVENT "
                           "(the file is cut short)")
    if not closed:
        raise InvalidInput(f"line {lines[-1][0]}: the file ends before END:VCALENDAR "
                           "(cut short?)")
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
        _p, v, n = event["DURATION"]
        length = _duration(v, n)
        if length > LATEST - start:
            raise InvalidInput(f"line {n}: DURATION: {v[:40]!r} ends after year 9999")
        end = start + length
    else:
        length = timedelta(days=1 if len(v) == 8 else 0)
        if length > LATEST - start:
            raise InvalidInput(f"line {n}: DTSTART: {v!r} is an all-day event ending after "
                               "year 9999")
        end = start + length
    if end < start:
        raise InvalidInput(f"line {line}: the event ends before it starts")
    if end == start:
        return []  # RFC 5545: a timed event without an end takes no time
    _p, raw_summary, n = event.get("SUMMARY", ({}, "", line))
    summary = check_text(_vcard_text(raw_summary), "SUMMARY", MAX_SUMMARY, where=f"line {n}: ")
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
    try:
        w, d, h, mi, s = (int(x or 0) for x in m.groups())
        return timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=s)
    except (OverflowError, ValueError):  # over 999,999,999 days; over 4,300 digits
        raise InvalidInput(f"line {number}: DURATION: {value[:40]!r} ends after year 9999"
                           ) from None
