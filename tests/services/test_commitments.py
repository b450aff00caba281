"""Commitments through the services: made, kept by a published message, broken on the clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.commitments import CommitmentState
from commandcenter.domain.errors import InvalidInput, NotFound, PolicyRefused
from commandcenter.domain.timeline import EntryKind
from commandcenter.persistence.commitment_models import CommitmentRow

from .support import ALICE, BOB, CAROL, DAVE, PASS, START, count, in_review, open_incident


def published(svc: Services, incident: int, body: str) -> int:
    mid = in_review(svc, incident, body)
    svc.messages.approve(mid, CAROL, PASS)
    svc.messages.publish(mid, BOB)
    return mid


def entries(svc: Services, incident: int, kind: EntryKind) -> list:
    return [e for e in svc.incidents.timeline(incident).entries if e.kind is kind]


def test_a_commitment_falls_due_on_the_simulated_clock(people: Services,
                                                       clock: SimulatedClock) -> None:
    svc = people
    inc = open_incident(svc)
    mid = published(svc, inc, "We know. Next update by 10:00 UTC.")
    (s,) = svc.commitments.suggest(svc.messages.get(mid).body, at=START, author=BOB)
    c = svc.commitments.add(inc, s.text, s.due_at, BOB, message_id=mid)
    assert (c.state, c.owner, c.message_id) == (CommitmentState.OPEN, BOB, mid)
    assert entries(svc, inc, EntryKind.COMMITMENT_MADE)
    clock.advance(timedelta(minutes=89))  # 09:59
    assert svc.commitments.sweep() == []
    assert svc.commitments.list(overdue=True) == []
    clock.advance(timedelta(minutes=2))  # 10:01: a minute past due
    (broken,) = svc.commitments.sweep()
    assert broken.state is CommitmentState.BROKEN
    assert svc.commitments.sweep() == []  # once only
    (alert,) = [a for a in svc.health.alerts() if a.detector == "commitment"]
    assert alert.state == "firing" and alert.incident_id == inc
    assert alert.onset_at == s.due_at  # at the moment it fell due, not when somebody looked
    (entry,) = entries(svc, inc, EntryKind.ALERT)
    assert entry.occurred_at == s.due_at and "Overdue" in entry.text
    assert [x.id for x in svc.commitments.list(overdue=True)] == [c.id]


def test_any_use_case_on_the_incident_catches_up_as_with_hand_overs(
        people: Services, clock: SimulatedClock) -> None:
    svc = people
    inc = open_incident(svc)
    c = svc.commitments.add(inc, "explain", START + timedelta(minutes=30), BOB)
    clock.advance(timedelta(hours=1))
    svc.incidents.add_entry(inc, "working on it", ALICE)  # no sweep called
    assert svc.commitments.list(inc)[0].state is CommitmentState.BROKEN
    kinds = [e.kind for e in svc.incidents.timeline(inc).entries]
    assert kinds.index(EntryKind.ALERT) < kinds.index(EntryKind.NOTE)  # dated at the due time
    assert c.id == svc.commitments.list(inc)[0].id


def test_keeping_links_the_published_message_and_ends_the_alert(
        people: Services, clock: SimulatedClock) -> None:
    svc = people
    inc = open_incident(svc)
    on_time = svc.commitments.add(inc, "an update", START + timedelta(hours=1), BOB)
    late = svc.commitments.add(inc, "a full explanation", START + timedelta(minutes=10), BOB)
    clock.advance(timedelta(minutes=20))
    svc.commitments.sweep()
    draft = svc.messages.draft(inc, svc.messages.get(published(svc, inc, "x")).channel,
                               "draft only", BOB)
    with pytest.raises(PolicyRefused, match="not published"):
        svc.commitments.keep(on_time.id, BOB, message_id=draft.id)
    mid = published(svc, inc, "Here is the update we promised.")
    kept = svc.commitments.keep(on_time.id, BOB, message_id=mid)
    assert (kept.state, kept.kept_message_id, kept.kept_late) == (CommitmentState.KEPT, mid,
                                                                  False)
    kept_late = svc.commitments.keep(late.id, ALICE)
    assert kept_late.kept_late
    assert all(a.state == "resolved" for a in svc.health.alerts() if a.detector == "commitment")
    with pytest.raises(PolicyRefused, match="already kept"):
        svc.commitments.keep(late.id, ALICE)
    assert len(entries(svc, inc, EntryKind.COMMITMENT_KEPT)) == 2
    f = svc.incidents.get(inc).commitments
    assert (f.made, f.kept_on_time, f.kept_late, f.open, f.broken) == (2, 1, 1, 0, 0)


def test_listed_per_incident_and_across_incidents(people: Services) -> None:
    svc = people
    a, b = open_incident(svc, title="one"), open_incident(svc, title="two")
    svc.commitments.add(a, "x", START + timedelta(hours=2), BOB)
    svc.commitments.add(b, "y", START + timedelta(hours=1), BOB)
    assert [c.text for c in svc.commitments.list()] == ["y", "x"]  # soonest first
    assert [c.incident_title for c in svc.commitments.list(a)] == ["one"]


def test_bad_input_stores_nothing(people: Services) -> None:
    svc = people
    inc = open_incident(svc)
    other = open_incident(svc, title="other")
    mid = in_review(svc, other)
    with pytest.raises(InvalidInput, match="due"):
        svc.commitments.add(inc, "x", START - timedelta(minutes=1), BOB)
    with pytest.raises(InvalidInput, match="text"):
        svc.commitments.add(inc, " ", START + timedelta(hours=1), BOB)
    with pytest.raises(InvalidInput, match="message"):
        svc.commitments.add(inc, "x", START + timedelta(hours=1), BOB, message_id=mid)
    with pytest.raises(NotFound, match="incident"):
        svc.commitments.add(999, "x", START + timedelta(hours=1), BOB)
    with pytest.raises(PolicyRefused, match="permission"):
        svc.commitments.add(inc, "x", START + timedelta(hours=1), DAVE)
    assert count(svc, CommitmentRow) == 0


def test_a_submitted_or_published_promise_is_offered_until_confirmed(people: Services) -> None:
    svc = people
    inc = open_incident(svc)
    draft = svc.messages.draft(inc, svc.messages.get(in_review(svc, inc, "x")).channel,
                               "Next update by 11:00 UTC.", BOB)
    assert not [o for o in svc.commitments.offers(inc) if o.message_id == draft.id]
    mid = published(svc, inc, "Sorry. We will explain within 2 hours.")
    (offer,) = svc.commitments.offers(inc)
    assert (offer.message_id, offer.message_state) == (mid, "published")
    assert offer.suggestion.due_at == START + timedelta(hours=2)  # from its publication
    assert count(svc, CommitmentRow) == 0  # offered, never applied
    svc.commitments.add(inc, offer.suggestion.text, offer.suggestion.due_at, BOB,
                        message_id=mid)
    assert svc.commitments.offers(inc) == []


def test_a_drills_overdue_commitment_is_marked_drill(people: Services,
                                                     clock: SimulatedClock) -> None:
    svc = people
    drill = open_incident(svc, drill=True)
    svc.commitments.add(drill, "EXERCISE update", START + timedelta(minutes=5), ALICE)
    clock.advance(timedelta(minutes=6))
    (c,) = svc.commitments.sweep()
    assert c.drill
    (alert,) = [a for a in svc.health.alerts() if a.detector == "commitment"]
    assert alert.evidence.startswith("DRILL: ") and alert.incident_id == drill


def test_an_overdue_commitments_alert_is_among_the_other_alerts_not_a_series(
        people: Services, clock: SimulatedClock) -> None:
    svc = people
    inc = open_incident(svc)
    c = svc.commitments.add(inc, "an update", START + timedelta(minutes=10), BOB)
    assert svc.health.other_alerts() == []
    clock.advance(timedelta(minutes=20))
    svc.commitments.sweep()
    (alert,) = svc.health.other_alerts()
    assert (alert.detector, alert.series, alert.state, alert.incident_id) == (
        "commitment", "commitment", "firing", inc)
    assert alert.onset_at == START + timedelta(minutes=10)
    assert all(not s.firing for s in svc.health.status())  # no series carries it
    svc.commitments.keep(c.id, BOB)
    assert svc.health.other_alerts() == []  # resolved: no longer firing
