"""Contact files (CSV, vCard) and calendars (.ics): every error names its line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commandcenter.domain.contact_files import parse_contacts_csv, parse_ics, parse_vcards
from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.roster import AvailabilityStatus

HEADER = "name,title,email,phone,handle,timezone\n"
GOOD = [
    "Joe Fernandez,CEO,joe@klout.example,+1 415 555 0100,@joefernandez,America/Los_Angeles",
    "Megan Berry,Community,megan@klout.example,,@meganberry,America/New_York",
]


def csv_text(*rows: str) -> str:
    return HEADER + "".join(r + "\n" for r in rows)


def test_good_csv() -> None:
    contacts = parse_contacts_csv(csv_text(*GOOD))
    assert [c.name for c in contacts] == ["Joe Fernandez", "Megan Berry"]
    joe = contacts[0]
    assert (joe.title, joe.email, joe.phone, joe.handle, joe.timezone) == (
        "CEO", "joe@klout.example", "+1 415 555 0100", "@joefernandez", "America/Los_Angeles")
    assert contacts[1].phone == ""


def test_columns_may_come_in_any_order_and_missing_time_zone_means_utc() -> None:
    contacts = parse_contacts_csv("email,name\nx@y.example, Lynn  Fox \n")
    assert contacts[0].name == "Lynn Fox"
    assert contacts[0].timezone == "UTC"


# Line 1 is the header, GOOD rows are lines 2 and 3, the bad row is line 4.
BAD_ROWS = {
    "too few fields": ("Ann Other,PR,ann@klout.example", "fields"),
    "too many fields": ("Ann Other,PR,ann@klout.example,,,UTC,extra", "fields"),
    "bad email": ("Ann Other,PR,ann-at-klout,,,UTC", "email"),
    "bad time zone": ("Ann Other,PR,ann@klout.example,,,Mars/Olympus", "timezone"),
    "empty name": ("  ,PR,ann@klout.example,,,UTC", "name"),
    "duplicate name in the file": ("megan berry,Other,,,,UTC", "megan berry"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_a_bad_row_is_named_by_its_line(case: str) -> None:
    row, mentions = BAD_ROWS[case]
    with pytest.raises(InvalidInput) as info:
        parse_contacts_csv(csv_text(*GOOD, row, "Zed Last,,,,,UTC"))
    message = str(info.value)
    assert "line 4" in message
    assert mentions in message


def test_line_numbers_count_skipped_blank_lines() -> None:
    text = HEADER + GOOD[0] + "\n\n,,,,,\n" + "Bad Mail,,nope,,,UTC\n"
    with pytest.raises(InvalidInput, match="line 5"):
        parse_contacts_csv(text)


def test_header_problems_are_line_1() -> None:
    with pytest.raises(InvalidInput, match=r"line 1: no 'name' column"):
        parse_contacts_csv("title,email\nCEO,a@b.example\n")
    with pytest.raises(InvalidInput, match=r"line 1: unknown column 'twitter'"):
        parse_contacts_csv("name,twitter\nJoe,@joe\n")
    with pytest.raises(InvalidInput, match=r"line 1"):
        parse_contacts_csv("")


def test_a_file_with_no_contacts_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no contacts"):
        parse_contacts_csv(HEADER)


VCARDS = """BEGIN:VCARD
VERSION:3.0
FN:Joe Fernandez
TITLE:CEO\\, co-founder
EMAIL;TYPE=work:joe@klout.example
TEL;TYPE=cell:+1 415 555 0100
X-TWITTER:@joefernandez
TZ:America/Los_Angeles
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Megan
  Berry
EMAIL:megan@klout.example
TZ;VALUE=utc-offset:-0500
END:VCARD
"""


def test_vcards() -> None:
    contacts = parse_vcards(VCARDS)
    assert [c.name for c in contacts] == ["Joe Fernandez", "Megan Berry"]
    joe = contacts[0]
    assert joe.title == "CEO, co-founder"
    assert joe.email == "joe@klout.example"
    assert joe.phone == "+1 415 555 0100"
    assert joe.handle == "@joefernandez"
    assert joe.timezone == "America/Los_Angeles"
    assert contacts[1].timezone == "UTC"  # a bare UTC offset is not a zone; ignored


def test_a_bad_vcard_names_the_line_it_starts_on() -> None:
    text = VCARDS + "BEGIN:VCARD\nFN:Bad Mail\nEMAIL:not-an-address\nEND:VCARD\n"
    with pytest.raises(InvalidInput, match=r"line 17: email"):
        parse_vcards(text)
    with pytest.raises(InvalidInput, match=r"line 17: BEGIN:VCARD without END"):
        parse_vcards(VCARDS + "BEGIN:VCARD\nFN:Open Ended\n")


# --- .ics ------------------------------------------------------------------

def calendar(*events: str) -> str:
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + "".join(
        "BEGIN:VEVENT\r\n" + e.strip().replace("\n", "\r\n") + "\r\nEND:VEVENT\r\n"
        for e in events) + "END:VCALENDAR\r\n"


def test_utc_event_with_a_flight_is_travelling() -> None:
    [busy] = parse_ics(calendar("""
SUMMARY:Flight SFO-JFK
DTSTART:20260302T170000Z
DTEND:20260303T013000Z
"""))
    assert busy.starts_at == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    assert busy.ends_at == datetime(2026, 3, 3, 1, 30, tzinfo=UTC)
    assert busy.status is AvailabilityStatus.TRAVELLING
    assert busy.summary == "Flight SFO-JFK"


def test_tzid_is_converted_to_utc() -> None:
    # Paris is UTC+1 in early March, UTC+2 after 29 March.
    winter, summer = parse_ics(calendar("""
SUMMARY:Board meeting
DTSTART;TZID=Europe/Paris:20260305T090000
DTEND;TZID=Europe/Paris:20260305T113000
""", """
SUMMARY:Offsite
DTSTART;TZID="Europe/Paris":20260401T090000
DTEND;TZID="Europe/Paris":20260401T100000
"""))
    assert winter.starts_at == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    assert winter.ends_at == datetime(2026, 3, 5, 10, 30, tzinfo=UTC)
    assert winter.status is AvailabilityStatus.UNAVAILABLE
    assert summer.starts_at == datetime(2026, 4, 1, 7, 0, tzinfo=UTC)


def test_all_day_events() -> None:
    two_days, one_day = parse_ics(calendar("""
SUMMARY:Vacation in Maui
DTSTART;VALUE=DATE:20260305
DTEND;VALUE=DATE:20260307
""", """
SUMMARY:Day off
DTSTART;VALUE=DATE:20260310
"""))
    assert two_days.status is AvailabilityStatus.VACATION
    assert two_days.ends_at - two_days.starts_at == timedelta(days=2)
    for day in (5, 6):
        assert two_days.starts_at <= datetime(2026, 3, day, 12, tzinfo=UTC) < two_days.ends_at
    assert not two_days.starts_at <= datetime(2026, 3, 7, 12, tzinfo=UTC) < two_days.ends_at
    assert one_day.status is AvailabilityStatus.OFF_SHIFT
    assert one_day.ends_at - one_day.starts_at == timedelta(days=1)


def test_duration_instead_of_dtend() -> None:
    [busy] = parse_ics(calendar("""
SUMMARY:Trip to the New York office
DTSTART:20260302T120000Z
DURATION:P1DT2H30M
"""))
    assert busy.ends_at == datetime(2026, 3, 3, 14, 30, tzinfo=UTC)
    assert busy.status is AvailabilityStatus.TRAVELLING


def test_transparent_events_are_free_time_and_skipped() -> None:
    events = parse_ics(calendar("""
SUMMARY:Focus time (free)
TRANSP:TRANSPARENT
DTSTART:20260302T120000Z
DTEND:20260302T130000Z
""", """
SUMMARY:Dentist
TRANSP:OPAQUE
DTSTART:20260302T150000Z
DTEND:20260302T160000Z
"""))
    assert [e.summary for e in events] == ["Dentist"]


def test_folded_lines_are_unfolded() -> None:
    [busy] = parse_ics(calendar("""
SUMMARY:Long
  haul flight
DTSTART:20260302T120000Z
DTEND:20260302T230000Z
"""))
    assert busy.summary == "Long haul flight"
    assert busy.status is AvailabilityStatus.TRAVELLING


def test_a_bad_date_names_its_line() -> None:
    text = calendar("""
SUMMARY:Fine
DTSTART:20260302T120000Z
DTEND:20260302T130000Z
""", """
SUMMARY:Broken
DTSTART:2026-03-05 09:00
DTEND:20260305T100000Z
""")
    # lines: 1 VCALENDAR, 2 VERSION, 3 PRODID, 4-8 first event, 9 BEGIN, 10 SUMMARY, 11 DTSTART
    with pytest.raises(InvalidInput, match=r"line 11: '2026-03-05 09:00'"):
        parse_ics(text)


def test_other_ics_errors_name_the_line() -> None:
    with pytest.raises(InvalidInput, match="line 1"):
        parse_ics("BEGIN:VCARD\nEND:VCARD\n")
    with pytest.raises(InvalidInput, match=r"line 6: unknown time zone 'Mars/Base'"):
        parse_ics(calendar("SUMMARY:x\nDTSTART;TZID=Mars/Base:20260302T120000"))
    with pytest.raises(InvalidInput, match=r"line 4: the event ends before it starts"):
        parse_ics(calendar("SUMMARY:x\nDTSTART:20260302T120000Z\nDTEND:20260302T110000Z"))
    with pytest.raises(InvalidInput, match=r"line 7: 'P1X' is not an iCalendar duration"):
        parse_ics(calendar("SUMMARY:x\nDTSTART:20260302T120000Z\nDURATION:P1X"))


def test_all_day_and_floating_times_are_the_contacts_local_time() -> None:
    day_off, floating = parse_ics(calendar("""
SUMMARY:Day off
DTSTART;VALUE=DATE:20260310
""", """
SUMMARY:Dentist
DTSTART:20260311T090000
DTEND:20260311T100000
"""), "America/New_York")
    assert day_off.starts_at == datetime(2026, 3, 10, 4, tzinfo=UTC)  # midnight EDT
    assert day_off.ends_at == datetime(2026, 3, 11, 4, tzinfo=UTC)
    assert floating.starts_at == datetime(2026, 3, 11, 13, tzinfo=UTC)
