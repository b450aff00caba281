"""Who owns a chain of command at an instant, who was skipped and why, and when it changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from commandcenter.domain.chains import Delegation, check_chain, owner_at
from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.roster import AvailabilityStatus as St
from commandcenter.domain.roster import AvailabilityWindow, Contact

NY = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")

CEO = Contact(1, "Joe Fernandez", timezone="America/Los_Angeles")
VP = Contact(2, "Megan Berry", timezone="America/New_York")
PR = Contact(3, "Lynn Fox", timezone="Asia/Tokyo")
ADVISER = Contact(4, "Sam Adviser", timezone="Europe/London")  # not a member
MEMBERS = [CEO, VP, PR]
CHAIN = "communications"


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


_ids = iter(range(100, 10_000))


def window(contact: Contact, status: St, start: datetime, end: datetime, *,
           reachable: bool = False, id: int | None = None, note: str = "") -> AvailabilityWindow:
    return AvailabilityWindow(id if id is not None else next(_ids), contact.id, status, start,
                              end, reachable, note)


def owner(windows: list[AvailabilityWindow], t: datetime, *,
          delegations: tuple[Delegation, ...] = (), members: list[Contact] = MEMBERS):
    by_contact: dict[int, list[AvailabilityWindow]] = {}
    for w in windows:
        by_contact.setdefault(w.contact_id, []).append(w)
    contacts = {ADVISER.id: ADVISER}
    return owner_at(CHAIN, members, by_contact, list(delegations), t, contacts)


def skipped_names(o) -> list[str]:
    return [s.contact.name for s in o.skipped]


# --- travel ----------------------------------------------------------------

FLIGHT = (utc(2, 9), utc(2, 15))  # boards 09:00, lands 15:00 UTC


def test_first_member_owns_when_nobody_is_away() -> None:
    o = owner([], utc(2, 10))
    assert o.owner == CEO
    assert o.skipped == ()
    assert o.next_change is None
    assert o.delegation is None
    assert o.describe() == f"{CHAIN}: {CEO.name}"


def test_travelling_and_not_reachable_is_skipped_with_the_reason() -> None:
    o = owner([window(CEO, St.TRAVELLING, *FLIGHT, note="SFO-JFK")], utc(2, 10))
    assert o.owner == VP
    assert skipped_names(o) == [CEO.name]
    reason = o.skipped[0].reason
    assert "travelling until" in reason
    assert "not reachable" in reason
    assert "2026-03-02 15:00 UTC" in reason  # when they land
    assert "SFO-JFK" in reason


def test_travelling_but_reachable_keeps_ownership() -> None:
    o = owner([window(CEO, St.TRAVELLING, *FLIGHT, reachable=True)], utc(2, 10))
    assert o.owner == CEO
    assert o.skipped == ()


def test_next_change_is_the_instant_the_flight_boards() -> None:
    windows = [window(CEO, St.TRAVELLING, *FLIGHT)]
    before = owner(windows, utc(2, 8, 59))
    assert before.owner == CEO
    assert before.next_change == utc(2, 9)
    # and at exactly that instant the answer has changed
    assert owner(windows, utc(2, 9)).owner == VP


def test_next_change_is_the_instant_the_flight_lands() -> None:
    windows = [window(CEO, St.TRAVELLING, *FLIGHT)]
    during = owner(windows, utc(2, 9))
    assert during.owner == VP
    assert during.next_change == utc(2, 15)
    assert owner(windows, utc(2, 14, 59)).owner == VP
    landed = owner(windows, utc(2, 15))
    assert landed.owner == CEO
    assert landed.next_change is None


def test_next_change_ignores_boundaries_that_do_not_move_ownership() -> None:
    # The VP's trip does not matter while the CEO is in; the CEO's vacation does.
    windows = [
        window(VP, St.TRAVELLING, utc(2, 10), utc(2, 12)),
        window(CEO, St.VACATION, utc(3, 0), utc(10, 0)),
    ]
    o = owner(windows, utc(2, 9))
    assert o.owner == CEO
    assert o.next_change == utc(3, 0)


def test_next_change_is_none_when_every_window_is_over() -> None:
    windows = [window(CEO, St.TRAVELLING, utc(1, 9), utc(1, 15))]
    o = owner(windows, utc(2, 9))
    assert o.owner == CEO
    assert o.next_change is None


# --- vacation, off shift, unavailable --------------------------------------

@pytest.mark.parametrize("status", [St.VACATION, St.OFF_SHIFT, St.UNAVAILABLE])
def test_away_and_not_reachable_is_skipped(status: St) -> None:
    o = owner([window(CEO, status, utc(1, 0), utc(14, 0))], utc(5, 12))
    assert o.owner == VP
    assert skipped_names(o) == [CEO.name]
    assert f"{status.label} until 2026-03-14 00:00 UTC" in o.skipped[0].reason
    assert "not reachable" in o.skipped[0].reason
    assert o.next_change == utc(14, 0)


def test_a_later_member_skipped_too_is_listed_in_chain_order() -> None:
    windows = [window(CEO, St.VACATION, utc(1, 0), utc(14, 0)),
               window(VP, St.TRAVELLING, utc(5, 6), utc(5, 20))]
    o = owner(windows, utc(5, 12))
    assert o.owner == PR
    assert skipped_names(o) == [CEO.name, VP.name]
    assert o.next_change == utc(5, 20)  # the VP lands before the CEO is back


# --- overlapping windows ---------------------------------------------------

@pytest.mark.parametrize("listed_first", ["vacation", "back for the call"])
@pytest.mark.parametrize("vacation_id", [1, 2])
def test_the_window_that_started_latest_wins(listed_first: str, vacation_id: int) -> None:
    # On vacation 1st-14th, but back for the board call on the 5th 10:00-12:00:
    # the later-starting window wins whatever the ids or the order given.
    vacation = window(CEO, St.VACATION, utc(1, 0), utc(14, 0), id=vacation_id)
    call = window(CEO, St.AVAILABLE, utc(5, 10), utc(5, 12), reachable=True,
                  id=3 - vacation_id)
    windows = [vacation, call] if listed_first == "vacation" else [call, vacation]
    assert owner(windows, utc(5, 9, 59)).owner == VP
    during = owner(windows, utc(5, 11))
    assert during.owner == CEO
    assert during.next_change == utc(5, 12)
    assert owner(windows, utc(5, 12)).owner == VP
    assert owner(windows, utc(5, 9)).next_change == utc(5, 10)


@pytest.mark.parametrize("listed_first", ["low id", "high id"])
@pytest.mark.parametrize(("low_id_status", "high_id_status", "expected"), [
    (St.VACATION, St.AVAILABLE, "CEO"),  # the one recorded last (higher id) wins
    (St.AVAILABLE, St.VACATION, "VP"),
])
def test_windows_starting_together_are_decided_by_id(
    listed_first: str, low_id_status: St, high_id_status: St, expected: str,
) -> None:
    low = window(CEO, low_id_status, utc(5, 10), utc(5, 18), id=10,
                 reachable=low_id_status is St.AVAILABLE)
    high = window(CEO, high_id_status, utc(5, 10), utc(5, 16), id=11,
                  reachable=high_id_status is St.AVAILABLE)
    windows = [low, high] if listed_first == "low id" else [high, low]
    o = owner(windows, utc(5, 12))
    assert o.owner == {"CEO": CEO, "VP": VP}[expected]


# --- time zones ------------------------------------------------------------

def test_windows_given_in_other_time_zones_are_instants() -> None:
    # 10:00-18:00 in New York on 2 March (EST, UTC-5) is 15:00-23:00 UTC.
    ny_flight = window(CEO, St.TRAVELLING, datetime(2026, 3, 2, 10, tzinfo=NY),
                       datetime(2026, 3, 2, 18, tzinfo=NY))
    assert owner([ny_flight], utc(2, 14, 59)).owner == CEO
    boarding = owner([ny_flight], utc(2, 14))
    assert boarding.next_change == utc(2, 15)
    assert owner([ny_flight], utc(2, 15)).owner == VP
    assert "until 2026-03-02 23:00 UTC" in owner([ny_flight], utc(2, 16)).skipped[0].reason
    assert owner([ny_flight], utc(2, 23)).owner == CEO


def test_the_instant_asked_about_may_be_in_any_zone() -> None:
    flight = window(CEO, St.TRAVELLING, *FLIGHT)
    # 19:30 in Tokyo on 2 March is 10:30 UTC, during the flight.
    o = owner([flight], datetime(2026, 3, 2, 19, 30, tzinfo=TOKYO))
    assert o.owner == VP
    assert o.at == utc(2, 10, 30)
    assert o.at.utcoffset() == timedelta(0)
    # 23:59 in Tokyo on 2 March is 14:59 UTC: still in the air.
    assert owner([flight], datetime(2026, 3, 2, 23, 59, tzinfo=TOKYO)).owner == VP
    # Midnight in Tokyo on 3 March is 15:00 UTC: landed.
    assert owner([flight], datetime(2026, 3, 3, 0, 0, tzinfo=TOKYO)).owner == CEO


def test_a_window_across_a_daylight_saving_change() -> None:
    # US clocks go forward on 8 March 2026: noon EST on the 7th is 17:00 UTC,
    # noon EDT on the 9th is 16:00 UTC.
    trip = window(VP, St.VACATION, datetime(2026, 3, 7, 12, tzinfo=NY),
                  datetime(2026, 3, 9, 12, tzinfo=NY))
    ceo_away = window(CEO, St.VACATION, utc(1, 0), utc(20, 0))
    windows = [trip, ceo_away]
    assert owner(windows, utc(7, 16, 59)).owner == VP
    assert owner(windows, utc(7, 17)).owner == PR
    o = owner(windows, utc(8, 12))
    assert o.owner == PR
    assert o.next_change == utc(9, 16)
    assert owner(windows, utc(9, 15, 59)).owner == PR
    assert owner(windows, utc(9, 16)).owner == VP


def test_a_naive_instant_is_taken_as_utc() -> None:
    flight = window(CEO, St.TRAVELLING, *FLIGHT)
    assert owner([flight], datetime(2026, 3, 2, 10)).owner == VP
    assert owner([flight], datetime(2026, 3, 2, 8)).owner == CEO


# --- delegation ------------------------------------------------------------

def delegation(delegate: Contact, start: datetime, end: datetime, *, id: int = 1,
               chain: str = CHAIN) -> Delegation:
    return Delegation(id, chain, delegate.id, start, end, granted_by=CEO.name, reason="trip")


def test_delegate_owns_until_expiry_then_back_to_the_chain() -> None:
    d = delegation(ADVISER, utc(2, 10), utc(2, 12))
    before = owner([], utc(2, 9), delegations=(d,))
    assert before.owner == CEO
    assert before.next_change == utc(2, 10)
    during = owner([], utc(2, 10), delegations=(d,))
    assert during.owner == ADVISER
    assert during.delegation == d
    assert during.next_change == utc(2, 12)
    # every member passed over says why
    assert skipped_names(during) == [CEO.name, VP.name, PR.name]
    assert all(f"delegated to {ADVISER.name} until 2026-03-02 12:00 UTC" in s.reason
               for s in during.skipped)
    assert "delegated until 2026-03-02 12:00 UTC" in during.describe()
    assert owner([], utc(2, 11, 59), delegations=(d,)).owner == ADVISER
    after = owner([], utc(2, 12), delegations=(d,))
    assert after.owner == CEO
    assert after.delegation is None
    assert after.next_change is None


def test_delegation_to_a_member_lists_only_those_before_them() -> None:
    d = delegation(PR, utc(2, 10), utc(2, 12))
    o = owner([], utc(2, 11), delegations=(d,))
    assert o.owner == PR
    assert skipped_names(o) == [CEO.name, VP.name]


def test_delegate_unavailable_falls_back_to_the_chain() -> None:
    d = delegation(ADVISER, utc(2, 10), utc(2, 14))
    busy = window(ADVISER, St.TRAVELLING, utc(2, 11), utc(2, 13))
    windows = [busy]
    assert owner(windows, utc(2, 10, 30), delegations=(d,)).owner == ADVISER
    o = owner(windows, utc(2, 11, 30), delegations=(d,))
    assert o.owner == CEO
    assert o.delegation is None
    assert skipped_names(o) == [ADVISER.name]
    assert "delegate" in o.skipped[0].reason
    assert "travelling until 2026-03-02 13:00 UTC" in o.skipped[0].reason
    assert o.next_change == utc(2, 13)  # the delegate lands, still within the delegation
    assert owner(windows, utc(2, 13), delegations=(d,)).owner == ADVISER
    assert owner(windows, utc(2, 13), delegations=(d,)).next_change == utc(2, 14)


def test_delegation_for_another_chain_is_ignored() -> None:
    d = delegation(ADVISER, utc(2, 10), utc(2, 12), chain="incident command")
    o = owner([], utc(2, 11), delegations=(d,))
    assert o.owner == CEO
    assert o.next_change is None


def test_the_most_recent_delegation_wins() -> None:
    older = delegation(ADVISER, utc(2, 9), utc(2, 17), id=1)
    newer = delegation(PR, utc(2, 10), utc(2, 12), id=2)
    for ds in ((older, newer), (newer, older)):
        assert owner([], utc(2, 11), delegations=ds).owner == PR
        assert owner([], utc(2, 11), delegations=ds).next_change == utc(2, 12)
        assert owner([], utc(2, 12), delegations=ds).owner == ADVISER


# --- nobody ----------------------------------------------------------------

def test_nobody_available_means_no_owner_and_when_that_ends() -> None:
    windows = [
        window(CEO, St.TRAVELLING, utc(2, 9), utc(2, 15)),
        window(VP, St.VACATION, utc(1, 0), utc(9, 0)),
        window(PR, St.OFF_SHIFT, utc(2, 8), utc(2, 16)),
    ]
    o = owner(windows, utc(2, 10))
    assert o.owner is None
    assert skipped_names(o) == [CEO.name, VP.name, PR.name]
    assert "nobody can act" in o.describe()
    assert o.next_change == utc(2, 15)
    assert owner(windows, utc(2, 15)).owner == CEO


def test_check_chain_refuses_empty_and_repeated_members() -> None:
    with pytest.raises(InvalidInput, match="chain: needs at least one member"):
        check_chain(CHAIN, [])
    with pytest.raises(InvalidInput, match="listed twice"):
        check_chain(CHAIN, [CEO, VP, CEO])
    with pytest.raises(InvalidInput, match="name must not be empty"):
        check_chain("  ", [CEO])
    check_chain(CHAIN, MEMBERS)
