"""The incident lifecycle through the service: refusals write nothing."""

from __future__ import annotations

from collections import deque
from datetime import timedelta

import pytest

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import InvalidInput, NotFound, PolicyRefused
from commandcenter.domain.incidents import IncidentStatus, Severity
from commandcenter.domain.timeline import EntryKind
from commandcenter.persistence.models import AuditRow
from tests.domain.test_incidents import ALL_PAIRS, EXPECTED_ALLOWED

from .support import ALICE, BOB, DAVE, count, open_incident, timeline_count


def path_to(target: str) -> list[str]:
    """The shortest walk from 'declared' (or 'detected') to ``target`` over allowed steps."""
    start = "detected" if target == "detected" else "declared"
    queue = deque([[start]])
    while queue:
        walk = queue.popleft()
        if walk[-1] == target:
            return walk
        for a, b in sorted(EXPECTED_ALLOWED):
            if a == walk[-1] and b not in walk:
                queue.append([*walk, b])
    raise AssertionError(f"{target} unreachable")


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_every_transition_through_the_service(
    people: Services, clock: SimulatedClock, current: str, target: str,
) -> None:
    svc = people
    walk = path_to(current)
    inc = svc.incidents.open("Scores halved", Severity.SEV2, ALICE,
                             status=IncidentStatus(walk[0]))
    for step in walk[1:]:
        clock.advance(timedelta(minutes=1))
        svc.incidents.change_status(inc.id, IncidentStatus(step), ALICE)
    assert svc.incidents.get(inc.id).status.value == current
    clock.advance(timedelta(minutes=1))
    entries_before = timeline_count(svc, inc.id)
    audit_before = count(svc, AuditRow)

    if (current, target) in EXPECTED_ALLOWED:
        view = svc.incidents.change_status(inc.id, IncidentStatus(target), ALICE)
        assert view.status.value == target
        assert svc.incidents.get(inc.id).status.value == target
        new = svc.incidents.timeline(inc.id).entries[entries_before:]
        changes = [e for e in new if e.kind is EntryKind.STATUS_CHANGE]
        assert len(changes) == 1
        assert changes[0].data == {"from": current, "to": target}
        assert changes[0].actor == ALICE
        assert count(svc, AuditRow) > audit_before
    else:
        with pytest.raises(PolicyRefused, match=f"from {current} to {target}"):
            svc.incidents.change_status(inc.id, IncidentStatus(target), ALICE)
        assert svc.incidents.get(inc.id).status.value == current
        assert timeline_count(svc, inc.id) == entries_before
        assert count(svc, AuditRow) == audit_before


def test_allowed_next_offered_to_the_ui_matches_the_lifecycle(people: Services) -> None:
    inc = people.incidents.open("Scores halved", Severity.SEV2, ALICE)
    assert {s.value for s in inc.allowed_next} == {
        b for a, b in EXPECTED_ALLOWED if a == "declared"}


def test_key_times_follow_the_status(people: Services, clock: SimulatedClock) -> None:
    svc = people
    inc = svc.incidents.open("Scores halved", Severity.SEV1, ALICE,
                             status=IncidentStatus.DETECTED)
    assert inc.declared_at is None
    clock.advance(timedelta(minutes=20))
    v = svc.incidents.change_status(inc.id, IncidentStatus.DECLARED, ALICE)
    assert v.declared_at == clock.now()
    assert v.figures.time_to_declare == timedelta(minutes=20)
    clock.advance(timedelta(hours=3))
    v = svc.incidents.change_status(inc.id, IncidentStatus.RESOLVED, ALICE)
    assert v.resolved_at == clock.now()
    assert v.figures.time_to_resolve == timedelta(hours=3, minutes=20)
    clock.advance(timedelta(hours=1))
    v = svc.incidents.change_status(inc.id, IncidentStatus.DECLARED, ALICE, note="it recurred")
    assert v.resolved_at is None
    assert v.figures.time_to_declare == timedelta(minutes=20)  # first declaration stands
    assert svc.incidents.timeline(inc.id).entries[-1].text.endswith(": it recurred")


@pytest.mark.parametrize("who", [BOB, DAVE])
def test_only_commanders_move_the_status(people: Services, who: str) -> None:
    inc = people.incidents.open("Scores halved", Severity.SEV2, ALICE)
    before = timeline_count(people, inc.id)
    with pytest.raises(PolicyRefused, match="permission"):
        people.incidents.change_status(inc.id, IncidentStatus.ACKNOWLEDGED, who)
    assert people.incidents.get(inc.id).status is IncidentStatus.DECLARED
    assert timeline_count(people, inc.id) == before


def test_unknown_incident_is_bad_input(people: Services) -> None:
    with pytest.raises(NotFound, match="incident: no incident 99"):
        people.incidents.change_status(99, IncidentStatus.RESOLVED, ALICE)
    assert issubclass(NotFound, InvalidInput)


def test_timeline_is_append_only_corrections_point_at_the_original(people: Services) -> None:
    svc = people
    inc = svc.incidents.open("Scores halved", Severity.SEV1, ALICE)
    note = svc.incidents.add_entry(inc.id, "Scores fell 50% at 08:10", ALICE)
    fix = svc.incidents.correct(inc.id, note.id, "Scores fell 50% at 08:01", BOB)
    entries = svc.incidents.timeline(inc.id).entries
    assert any(e.id == note.id and e.text == "Scores fell 50% at 08:10" for e in entries)
    assert fix.corrects_id == note.id
    assert fix.kind is EntryKind.CORRECTION
    assert fix.data["original"] == "Scores fell 50% at 08:10"
    with pytest.raises(InvalidInput, match="written by the system"):
        svc.incidents.add_entry(inc.id, "forged", ALICE, kind=EntryKind.MESSAGE_PUBLISHED)


def test_a_page_never_counts_past_the_cap(people: Services,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from commandcenter.services import incidents as incidents_service

    incident = open_incident(people)
    for i in range(30):
        people.incidents.add_entry(incident, f"note {i}", ALICE)
    everything = people.incidents.timeline(incident)
    assert everything.total == len(everything.entries) and everything.total_exact
    monkeypatch.setattr(incidents_service, "COUNT_CAP", 10)
    first = people.incidents.timeline(incident, limit=5)
    assert not first.total_exact and first.total >= 11 and len(first.entries) == 5
    pinned = people.incidents.timeline(incident, limit=5, pinned_first=True)
    assert not pinned.total_exact
    last = people.incidents.timeline(incident, offset=len(everything.entries) - 3, limit=5)
    assert last.total_exact and last.total == len(everything.entries)
    assert [e.id for e in last.entries] == [e.id for e in everything.entries[-3:]]
    few = people.incidents.timeline(incident, limit=5, text="note 3")
    assert few.total_exact and few.total == 1 and few.entries[0].text == "note 3"
    many = people.incidents.timeline(incident, limit=5, text="note 2")  # 2, 20..29: 11
    assert not many.total_exact and len(many.entries) == 5


def test_two_letter_filter_finds_exactly_what_a_scan_finds(people: Services) -> None:
    incident = open_incident(people)
    texts = ["Kayak launch", "an oKA", "ka", "nothing here", "k a split", "bkab", "KA",
             "Alaska", "ends with k", "a"]
    for text in texts:
        people.incidents.add_entry(incident, text, ALICE)
    everything = people.incidents.timeline(incident).entries
    for needle in ("ka", "KA", "ak", "re", "zz", "sk", "ar"):
        page = people.incidents.timeline(incident, limit=50, text=needle)
        expected = [e.id for e in everything
                    if needle.lower() in e.text.lower() or needle.lower() in e.actor.lower()]
        assert [e.id for e in page.entries] == expected, needle
        assert page.total == len(expected)
