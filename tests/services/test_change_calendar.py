"""The change calendar: the notice-period warning, the refusal, the override, the announcement."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commandcenter.app import Services
from commandcenter.domain.changes import ChangeStatus
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import InvalidInput, PolicyRefused
from commandcenter.domain.messages import Channel, Purpose
from commandcenter.domain.timeline import EntryKind
from commandcenter.persistence.commitment_models import ScoringChangeRow
from commandcenter.persistence.models import AuditRow

from .support import ALICE, BOB, CAROL, PASS, START, count, open_incident, rows

EFFECTIVE = START + timedelta(days=10)


def publish(svc: Services, incident: int, body: str, purpose: Purpose) -> int:
    m = svc.messages.draft(incident, Channel.BLOG, body, BOB, title="Notice", purpose=purpose)
    svc.messages.submit(m.id, BOB)
    svc.messages.approve(m.id, CAROL, PASS)
    svc.messages.publish(m.id, BOB)
    return m.id


def test_the_app_warns_from_the_start_of_the_notice_period(people: Services,
                                                           clock: SimulatedClock) -> None:
    svc = people
    c = svc.changes.add("Network weighting v2", EFFECTIVE, ALICE, effect="-10% for most")
    assert c.notice_days == 7 and c.status is ChangeStatus.PLANNED
    clock.advance(timedelta(days=3) - timedelta(seconds=1))  # one second before notice
    assert svc.changes.warnings() == []
    clock.advance(timedelta(seconds=1))
    (w,) = svc.changes.warnings()
    assert w.status is ChangeStatus.IN_NOTICE and "no advance notice" in w.warning
    assert round(w.notice_days_left) == 7


def test_release_without_an_announcement_is_refused(people: Services) -> None:
    svc = people
    c = svc.changes.add("Network weighting v2", EFFECTIVE, ALICE)
    with pytest.raises(PolicyRefused, match="not announced"):
        svc.changes.release(c.id, ALICE)
    with pytest.raises(PolicyRefused, match="permission"):  # a spokesperson releases nothing
        svc.changes.release(c.id, BOB, override="we must")
    assert svc.changes.get(c.id).released_at is None


def test_a_commanders_override_is_recorded_on_the_timeline_and_in_the_audit(
        people: Services) -> None:
    svc = people
    inc = open_incident(svc)
    c = svc.changes.add("Network weighting v2", EFFECTIVE, ALICE)
    released = svc.changes.release(c.id, ALICE, override="the old model is leaking data")
    assert released.status is ChangeStatus.RELEASED
    assert released.override_reason == "the old model is leaking data"
    (entry,) = [e for e in svc.incidents.timeline(inc).entries if e.data.get("change") == c.id]
    assert entry.kind is EntryKind.DECISION and "leaking data" in entry.text
    (audit,) = rows(svc, AuditRow, AuditRow.action == "change.release")
    assert "leaking data" in audit.payload
    with pytest.raises(PolicyRefused, match="already released"):
        svc.changes.release(c.id, ALICE, override="again")


def test_a_published_advance_notice_announces_the_change(people: Services) -> None:
    svc = people
    inc = open_incident(svc)
    c = svc.changes.add("Network weighting v2", EFFECTIVE, ALICE)
    other = svc.changes.add("Decay tuning", EFFECTIVE, ALICE)
    draft = svc.messages.draft(inc, Channel.BLOG, "About Network weighting v2", BOB,
                               purpose=Purpose.ADVANCE_NOTICE)
    assert svc.changes.get(c.id).announced_at is None  # a draft announces nothing
    publish(svc, inc, "About change #1: how scores move", Purpose.UPDATE)
    assert svc.changes.get(c.id).announced_at is None  # not an advance notice
    mid = publish(svc, inc, "On 12 March we ship Network weighting v2.", Purpose.ADVANCE_NOTICE)
    announced = svc.changes.get(c.id)
    assert announced.announcement_message_id == mid and announced.warning is None
    assert svc.changes.get(other.id).announced_at is None
    assert svc.changes.release(c.id, ALICE).override_reason is None  # announced: no override
    exp = publish(svc, inc, f"Why change #{c.id} moved scores", Purpose.EXPLANATION)
    (mark, _) = svc.changes.chart_marks()
    assert mark.explanation_message_id == exp and mark.explanation_link
    assert draft.id != mid


def test_bad_change_input_stores_nothing(people: Services) -> None:
    svc = people
    with pytest.raises(InvalidInput, match="title"):
        svc.changes.add("  ", EFFECTIVE, ALICE)
    with pytest.raises(InvalidInput, match="notice-days"):
        svc.changes.add("x", EFFECTIVE, ALICE, notice_days=-1)
    assert count(svc, ScoringChangeRow) == 0


def test_a_drill_or_a_loose_mention_announces_nothing(people: Services) -> None:
    svc = people
    c = svc.changes.add("Network weighting v2", EFFECTIVE, ALICE)
    drill = open_incident(svc, drill=True)
    m = svc.messages.draft(drill, Channel.BLOG, f"EXERCISE: advance notice of change #{c.id}",
                           BOB, purpose=Purpose.ADVANCE_NOTICE)
    svc.messages.submit(m.id, BOB)
    svc.messages.approve(m.id, CAROL, PASS)
    svc.messages.publish(m.id, BOB)
    assert svc.changes.get(c.id).announced_at is None  # a drill never announces a real change
    live = open_incident(svc)
    publish(svc, live, "Our v2 API is faster now.", Purpose.ADVANCE_NOTICE)
    assert svc.changes.get(c.id).announced_at is None  # "v2" alone is not its title
    publish(svc, live, "Next week: network  weighting V2.", Purpose.ADVANCE_NOTICE)
    assert svc.changes.get(c.id).announced_at is not None
