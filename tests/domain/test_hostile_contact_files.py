"""Roster CSV, vCard and .ics under hostile input: parsed, or refused naming line and field.

Each case listed in issue 7 (item 5) raised something other than InvalidInput,
or was wrongly accepted or refused, before the fix.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commandcenter.domain.contact_files import parse_contacts_csv, parse_ics, parse_vcards
from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.limits import csv_field_index
from commandcenter.domain.roster import FIELD_MAX
from tests.fuzz import HOSTILE_FIELDS

NAMED = re.compile(r"^line \d+: \S|^the file holds no contacts$")


def ics(*events: str, end: bool = True) -> str:
    body = "".join(f"BEGIN:VEVENT\n{e.strip()}\nEND:VEVENT\n" for e in events)
    return "BEGIN:VCALENDAR\nVERSION:2.0\n" + body + ("END:VCALENDAR\n" if end else "")


# --- the cases found by the red team ---------------------------------------------------

def test_a_huge_duration_is_refused_naming_its_line() -> None:
    text = ics("SUMMARY:forever\nDTSTART:20260302T090000Z\nDURATION:P999999999D")
    with pytest.raises(InvalidInput, match=r"^line 6: DURATION: 'P999999999D' ends after "
                                           r"year 9999"):
        parse_ics(text)
    with pytest.raises(InvalidInput, match=r"^line 6: DURATION: .* ends after year 9999"):
        parse_ics(ics("SUMMARY:x\nDTSTART:20260302T090000Z\nDURATION:P" + "9" * 5000 + "D"))


@pytest.mark.parametrize(("event", "zone"), [
    ("DTSTART:99991231T120000Z\nDURATION:P2D", "UTC"),  # past the end of year 9999
    ("DTSTART;VALUE=DATE:99991231", "UTC"),  # an all-day event: ends on 10000-01-01
    ("DTSTART;TZID=Asia/Tokyo:00010101T000000", "UTC"),  # year 0 in UTC
    ("DTSTART:00010101", "Asia/Tokyo"),  # midnight in Tokyo is in year 0 in UTC
    ("DTSTART:00000101", "UTC"),
    ("DTSTART:100000101T000000Z", "UTC"),
])
def test_years_outside_1_to_9999_are_refused(event: str, zone: str) -> None:
    with pytest.raises(InvalidInput, match=r"^line [45]: .*(year 9999|years 1 to 9999|is not an "
                                           r"iCalendar date-time)"):
        parse_ics(ics(event), zone)


def test_a_truncated_calendar_is_refused_not_read_as_no_windows() -> None:
    cut = ("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nSUMMARY:Flight\n"
           "DTSTART:20260302T090000Z\nDTEND:20260302T170000Z\n")
    with pytest.raises(InvalidInput, match=r"^line 3: BEGIN:VEVENT without END:VEVENT"):
        parse_ics(cut)
    good = ics("SUMMARY:Flight\nDTSTART:20260302T090000Z\nDTEND:20260302T170000Z")
    with pytest.raises(InvalidInput, match="ends before END:VCALENDAR"):
        parse_ics(good.removesuffix("END:VCALENDAR\n"))
    with pytest.raises(InvalidInput, match=r"^line 3: END:VEVENT without BEGIN"):
        parse_ics("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VEVENT\nEND:VCALENDAR\n")
    [busy] = parse_ics(good)
    assert busy.summary == "Flight"


def test_vcard_4_tel_uris_are_accepted() -> None:
    [card] = parse_vcards("BEGIN:VCARD\nVERSION:4.0\nFN:Maya Okafor\n"
                          "TEL;VALUE=uri;TYPE=cell:tel:+1-555-555-0100;ext=7\nEND:VCARD\n")
    assert card.phone == "+1-555-555-0100"
    [old] = parse_vcards("BEGIN:VCARD\nVERSION:3.0\nFN:Sam Lind\nTEL:+1 555 0101\nEND:VCARD\n")
    assert old.phone == "+1 555 0101"
    with pytest.raises(InvalidInput, match=r"^line 1: phone: 'mailto:x' is not a phone number"):
        parse_vcards("BEGIN:VCARD\nFN:Ana Lima\nTEL;VALUE=uri:mailto:x\nEND:VCARD\n")


def test_a_csv_field_over_the_csv_modules_limit_names_line_and_column() -> None:
    text = "name,title\nAna Lima,ok\nBo Chen," + "x" * 140_000 + "\n"
    with pytest.raises(InvalidInput, match=r"^line 3: title: longer than 131072 characters"):
        parse_contacts_csv(text)
    quoted = 'name,title\n"Bo ""the"" Chen","' + "y\n" * 70_000 + '"\n'
    with pytest.raises(InvalidInput, match=r"^line 2: title: longer than 131072"):
        parse_contacts_csv(quoted)


@pytest.mark.parametrize("column", sorted(FIELD_MAX))
def test_nul_bytes_and_long_fields_are_refused_in_the_domain(column: str) -> None:
    fields = {"name": "Ana Lima", "timezone": "UTC"}
    limit = FIELD_MAX[column]
    for value, message in (("a\x00b", "contains a NUL character"),
                           ("z" * 70_000, "longer than")):
        row = {**fields, column: value}
        text = ",".join(row) + "\n" + ",".join(row.values()) + "\n"
        with pytest.raises(InvalidInput, match=f"^line 2: {column}: {message}"):
            parse_contacts_csv(text)
        card = (f"BEGIN:VCARD\nFN:{row['name']}\nTITLE:{row.get('title', '')}\n"
                f"TZ:{row['timezone']}\nEND:VCARD\n")
        if column in ("name", "title", "timezone"):
            with pytest.raises(InvalidInput, match=f"^line 1: {column}: "):
                parse_vcards(card)
    if column not in ("name", "timezone", "email", "phone"):  # those have their own grammar
        ok = {**fields, column: "w" * limit}
        [c] = parse_contacts_csv(",".join(ok) + "\n" + ",".join(ok.values()) + "\n")
        assert len(getattr(c, column)) == limit


def test_a_nul_in_an_event_summary_names_its_line() -> None:
    with pytest.raises(InvalidInput, match=r"^line 5: SUMMARY: contains a NUL"):
        parse_ics(ics("DTSTART:20260302T090000Z\nSUMMARY:a\x00b\nDTEND:20260302T100000Z"))


def test_csv_field_index_counts_fields_outside_quotes() -> None:
    assert csv_field_index("a,b," + "c" * 11, 10) == 2
    assert csv_field_index('"a,""b",' + "c" * 11, 10) == 1
    assert csv_field_index('a,"' + "x\n" * 6, 10) == 1
    assert csv_field_index("a,b\n" + "c" * 50, 10) is None


# --- properties ------------------------------------------------------------------------

_ROW = st.lists(HOSTILE_FIELDS, min_size=1, max_size=7).map(",".join)
_HEADER = st.sampled_from(["name,title,email,phone,handle,timezone", "name", "timezone,name",
                           "name,title,name", "\ufeffname,phone", "Name,TimeZone,extra", ""])


@settings(max_examples=150, deadline=None)
@given(header=_HEADER, rows=st.lists(_ROW, max_size=6), ending=st.sampled_from(["\n", "\r\n"]))
def test_any_roster_csv_parses_or_is_refused_naming_the_line(header: str, rows: list[str],
                                                            ending: str) -> None:
    try:
        contacts = parse_contacts_csv(ending.join([header, *rows]) + ending)
    except InvalidInput as exc:
        assert NAMED.search(str(exc)), str(exc)
        return
    for c in contacts:
        assert c.line >= 2 and c.name and "\x00" not in c.name + c.title + c.handle
        assert all(len(getattr(c, f)) <= n for f, n in FIELD_MAX.items())


_PROPERTY = st.sampled_from(["FN", "TITLE", "EMAIL", "TEL", "TEL;VALUE=uri", "TZ",
                             "TZ;VALUE=utc-offset", "X-HANDLE", "item1.EMAIL", "N", "BEGIN",
                             "END", "VERSION", ""])
_CARD_LINE = st.one_of(
    st.tuples(_PROPERTY, HOSTILE_FIELDS).map(lambda p: f"{p[0]}:{p[1]}"),
    HOSTILE_FIELDS, st.just(" folded"), st.just("BEGIN:VCARD"), st.just("END:VCARD"))


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(_CARD_LINE, max_size=10), cards=st.integers(0, 2))
def test_any_vcard_file_parses_or_is_refused_naming_the_line(lines: list[str],
                                                             cards: int) -> None:
    good = "BEGIN:VCARD\nFN:Person {}\nEND:VCARD\n"
    text = "".join(good.format(i) for i in range(cards)) + "\n".join(lines)
    try:
        contacts = parse_vcards(text)
    except InvalidInput as exc:
        assert NAMED.search(str(exc)), str(exc)
        return
    assert len(contacts) >= cards


_ICS_PROPERTY = st.sampled_from(["DTSTART", "DTEND", "DURATION", "SUMMARY", "TRANSP",
                                 "DTSTART;VALUE=DATE", "DTSTART;TZID=Europe/Paris",
                                 "DTEND;TZID=Mars/Base", "BEGIN", "END", "RRULE"])
_ICS_VALUE = st.one_of(HOSTILE_FIELDS, st.sampled_from(
    ["VEVENT", "VCALENDAR", "TRANSPARENT", "20260302T090000Z", "20260302", "P1W", "PT30M"]))
_ICS_LINE = st.tuples(_ICS_PROPERTY, _ICS_VALUE).map(lambda p: f"{p[0]}:{p[1]}")


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(_ICS_LINE, max_size=10), wrap=st.booleans(),
       zone=st.sampled_from(["UTC", "Asia/Tokyo", "America/Los_Angeles"]))
def test_any_calendar_parses_or_is_refused_naming_the_line(lines: list[str], wrap: bool,
                                                           zone: str) -> None:
    body = "\n".join(lines)
    text = f"BEGIN:VCALENDAR\nBEGIN:VEVENT\n{body}\nEND:VEVENT\nEND:VCALENDAR\n" if wrap else (
        "BEGIN:VCALENDAR\n" + body)
    try:
        events = parse_ics(text, zone)
    except InvalidInput as exc:
        assert NAMED.search(str(exc)), str(exc)
        return
    for e in events:
        assert e.starts_at < e.ends_at and e.starts_at.tzinfo is not None
        assert e.ends_at.year <= 9999
