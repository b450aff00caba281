"""Roster imports are all or nothing; availability and chains answer who owns what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import InvalidInput, NotFound, PolicyRefused
from commandcenter.domain.roster import AvailabilityStatus as St
from commandcenter.persistence.models import AuditRow, AvailabilityRow

from .support import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    DAVE,
    START,
    contact_count,
    count,
    signed,
)

HEADER = "name,title,email,phone,handle,timezone\n"
GOOD = ("Joe Fernandez,CEO,joe@klout.example,+1 415 555 0100,@joefernandez,America/Los_Angeles\n"
        "Megan Berry,Community,megan@klout.example,,@meganberry,America/New_York\n")


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_csv_import_adds_every_contact(people: Services, tmp_path: Path) -> None:
    before = contact_count(people)
    added = people.roster.import_contacts(write(tmp_path, "team.csv", HEADER + GOOD), by=ADMIN)
    assert [c.name for c in added] == ["Joe Fernandez", "Megan Berry"]
    assert contact_count(people) == before + 2
    listed = {s.contact.name: s for s in people.roster.contacts()}
    assert listed["Joe Fernandez"].contact.timezone == "America/Los_Angeles"
    assert listed["Joe Fernandez"].role is None
    assert listed[CAROL].role is not None


# The bad row is always line 4 (header, two good rows, then the bad one, then a good one).
BAD = {
    "wrong field count": "Ann Other,PR,ann@klout.example",
    "bad email": "Ann Other,PR,not-an-email,,,UTC",
    "bad time zone": "Ann Other,PR,ann@klout.example,,,Klout/HQ",
    "empty name": ",PR,ann@klout.example,,,UTC",
    "duplicate inside the file": "Joe Fernandez,Again,,,,UTC",
    "already on the roster": f"{CAROL.upper()},Comms,,,,Asia/Tokyo",
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_csv_row_imports_nothing_and_names_the_line(
    people: Services, tmp_path: Path, case: str,
) -> None:
    before = contact_count(people)
    audit_before = count(people, AuditRow)
    path = write(tmp_path, "team.csv", HEADER + GOOD + BAD[case] + "\nLast Person,,,,,UTC\n")
    with pytest.raises(InvalidInput) as info:
        people.roster.import_contacts(path, by=ADMIN)
    assert "line 4" in str(info.value)
    assert contact_count(people) == before
    assert count(people, AuditRow) == audit_before


def test_vcard_import(people: Services, tmp_path: Path) -> None:
    text = ("BEGIN:VCARD\nVERSION:3.0\nFN:Joe Fernandez\nTITLE:CEO\n"
            "EMAIL:joe@klout.example\nTZ:America/Los_Angeles\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:3.0\nFN:Megan Berry\nX-TWITTER:@meganberry\nEND:VCARD\n")
    before = contact_count(people)
    added = people.roster.import_contacts(write(tmp_path, "team.vcf", text), by=ADMIN)
    assert [c.name for c in added] == ["Joe Fernandez", "Megan Berry"]
    assert added[0].timezone == "America/Los_Angeles"
    assert added[1].handle == "@meganberry"
    assert contact_count(people) == before + 2


def test_a_bad_vcard_imports_nothing(people: Services, tmp_path: Path) -> None:
    text = ("BEGIN:VCARD\nFN:Joe Fernandez\nEND:VCARD\n"
            "BEGIN:VCARD\nFN:Bad Zone\nTZ:Nowhere/Special\nEND:VCARD\n")
    before = contact_count(people)
    with pytest.raises(InvalidInput, match="line 4"):
        people.roster.import_contacts(write(tmp_path, "team.vcf", text), by=ADMIN)
    assert contact_count(people) == before


def test_a_missing_file_is_bad_input(people: Services, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        people.roster.import_contacts(tmp_path / "nope.csv", by=ADMIN)


def test_import_as_an_observer_is_refused(people: Services, tmp_path: Path) -> None:
    before = contact_count(people)
    with pytest.raises(PolicyRefused):
        people.roster.import_contacts(write(tmp_path, "t.csv", HEADER + GOOD), by=signed(DAVE))
    assert contact_count(people) == before


ICS = """BEGIN:VCALENDAR
VERSION:2.0
BEGIN:VEVENT
SUMMARY:Flight SFO-NRT
DTSTART:20260302T090000Z
DTEND:20260302T200000Z
END:VEVENT
BEGIN:VEVENT
SUMMARY:Dinner
DTSTART;TZID=Asia/Tokyo:20260303T190000
DURATION:PT2H
END:VEVENT
BEGIN:VEVENT
SUMMARY:Vacation
DTSTART;VALUE=DATE:20260310
DTEND;VALUE=DATE:20260313
END:VEVENT
BEGIN:VEVENT
SUMMARY:Free slot
TRANSP:TRANSPARENT
DTSTART:20260304T000000Z
DTEND:20260305T000000Z
END:VEVENT
END:VCALENDAR
"""


TOKYO = ZoneInfo("Asia/Tokyo")


def test_ics_import_becomes_windows_that_move_ownership(
    people: Services, tmp_path: Path,
) -> None:
    windows = people.roster.import_availability(write(tmp_path, "carol.ics", ICS), CAROL,
                                                by=signed(CAROL))
    assert [(w.status, w.starts_at, w.ends_at) for w in windows] == [
        (St.TRAVELLING, datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 2, 20, tzinfo=UTC)),
        (St.UNAVAILABLE, datetime(2026, 3, 3, 10, tzinfo=UTC),
         datetime(2026, 3, 3, 12, tzinfo=UTC)),
        # An all-day event is whole days where Carol lives (Tokyo), not in UTC.
        (St.VACATION, datetime(2026, 3, 10, tzinfo=TOKYO).astimezone(UTC),
         datetime(2026, 3, 13, tzinfo=TOKYO).astimezone(UTC)),
    ]
    assert not any(w.reachable for w in windows)
    assert len(people.roster.windows(CAROL)) == 3
    o = people.roster.owner("communications", at=datetime(2026, 3, 2, 12, tzinfo=UTC))
    assert o.owner.name == ALICE
    assert [s.contact.name for s in o.skipped] == [CAROL]
    assert "travelling until 2026-03-02 20:00 UTC" in o.skipped[0].reason
    assert o.next_change == datetime(2026, 3, 2, 20, tzinfo=UTC)


def test_a_bad_ics_date_imports_nothing(people: Services, tmp_path: Path) -> None:
    broken = ICS.replace("DTSTART;VALUE=DATE:20260310", "DTSTART;VALUE=DATE:2026-03-10")
    with pytest.raises(InvalidInput, match="line 15"):
        people.roster.import_availability(write(tmp_path, "carol.ics", broken), CAROL, by=ADMIN)
    assert count(people, AvailabilityRow) == 0


def test_ics_for_an_unknown_contact(people: Services, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="name: no contact called 'Nobody'"):
        people.roster.import_availability(write(tmp_path, "x.ics", ICS), "Nobody", by=ADMIN)
    assert count(people, AvailabilityRow) == 0


@pytest.mark.parametrize("length", [timedelta(0), timedelta(hours=-1)])
def test_a_window_must_end_after_it_starts(people: Services, length: timedelta) -> None:
    with pytest.raises(InvalidInput, match="until: "):
        people.roster.set_availability(CAROL, St.VACATION, START, START + length, by=ADMIN)
    assert count(people, AvailabilityRow) == 0


def test_owner_in_local_time_windows_and_delegation(
    people: Services, clock: SimulatedClock,
) -> None:
    svc = people
    tokyo = ZoneInfo("Asia/Tokyo")
    # Carol is off from 18:00 to 09:00 Tokyo time: 09:00-00:00 UTC.
    svc.roster.set_availability(CAROL, St.OFF_SHIFT, datetime(2026, 3, 2, 18, tzinfo=tokyo),
                                datetime(2026, 3, 3, 9, tzinfo=tokyo), by=signed(CAROL))
    assert svc.roster.owner("communications").owner.name == CAROL  # 08:30 UTC
    o = svc.roster.owner("communications")
    assert o.next_change == datetime(2026, 3, 2, 9, tzinfo=UTC)
    clock.set(datetime(2026, 3, 2, 9, tzinfo=UTC))
    assert svc.roster.owner("communications").owner.name == ALICE
    # Alice hands communications to Bob for an hour.
    svc.roster.delegate("communications", BOB, clock.now(), clock.now() + timedelta(hours=1),
                        reason="in the board meeting", by=signed(ALICE))
    o = svc.roster.owner("communications")
    assert o.owner.name == BOB
    assert o.delegation is not None
    assert o.next_change == datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert svc.roster.owner("communications",
                            at=datetime(2026, 3, 2, 10, tzinfo=UTC)).owner.name == ALICE
    assert svc.roster.owner("communications",
                            at=datetime(2026, 3, 3, 0, tzinfo=UTC)).owner.name == CAROL


def test_observers_cannot_change_the_roster(people: Services) -> None:
    with pytest.raises(PolicyRefused):
        people.roster.set_availability(CAROL, St.VACATION, START, START + timedelta(days=1),
                                       by=signed(DAVE))
    with pytest.raises(PolicyRefused):
        people.roster.set_chain("communications", [DAVE], by=signed(DAVE))
    assert people.roster.owner("communications").owner.name == CAROL
