"""Authority is guarded: every path that decides who may approve needs the right sign-in.

Each test replays an attack from the red-team pass on wave 1 (issue 7) that
published words nobody entitled had approved, and shows it refused, with
nothing stored.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import InvalidInput, PolicyRefused
from commandcenter.domain.incidents import IncidentStatus
from commandcenter.domain.messages import Channel, MessageState
from commandcenter.domain.operators import Role
from commandcenter.domain.roster import AvailabilityStatus as St
from commandcenter.domain.roster import ContactFields
from commandcenter.persistence.models import (
    AuditRow,
    AvailabilityRow,
    ChainMemberRow,
    ContactRow,
    DelegationRow,
    OperatorRow,
    TimelineRow,
)

from .support import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    DAVE,
    ERIN,
    PASS,
    ZOE,
    approvals,
    count,
    in_review,
    open_incident,
    signed,
)

TABLES = (ContactRow, OperatorRow, AvailabilityRow, ChainMemberRow, DelegationRow, AuditRow)


def snapshot(svc: Services) -> tuple[int, ...]:
    return tuple(count(svc, t) for t in TABLES)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def attacks(svc: Services, tmp_path: Path, clock: SimulatedClock) -> dict[str, object]:
    """The wave-1 anonymous paths: each took no credentials at all."""
    later = clock.now() + timedelta(days=300)
    csv = write(tmp_path, "two.csv", "name\nMallory One\nMallory Two\n")
    ics = write(tmp_path, "carol.ics", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:away\n"
                "DTSTART:20260302T090000Z\nDTEND:20270302T090000Z\nEND:VEVENT\nEND:VCALENDAR\n")
    return {
        "roster import": lambda: svc.roster.import_contacts(csv),
        "add contact": lambda: svc.roster.add_contact(ContactFields("Mallory Three")),
        "operator add": lambda: svc.roster.add_operator(ZOE, Role.COMMANDER, "mallory's own"),
        "chain set": lambda: svc.roster.set_chain("communications", [ZOE]),
        "availability set (owner away until 2027)": lambda: svc.roster.set_availability(
            CAROL, St.UNAVAILABLE, clock.now(), later),
        "availability import": lambda: svc.roster.import_availability(ics, CAROL),
    }


ATTACKS = ["roster import", "add contact", "operator add", "chain set",
           "availability set (owner away until 2027)", "availability import"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_authority_change_without_a_signed_in_operator(
    people: Services, tmp_path: Path, clock: SimulatedClock, attack: str,
) -> None:
    before = snapshot(people)
    with pytest.raises(PolicyRefused, match="must sign in"):
        attacks(people, tmp_path, clock)[attack]()  # type: ignore[operator]
    assert snapshot(people) == before
    assert people.roster.owner("communications").owner.name == CAROL


def test_a_wrong_passphrase_is_no_sign_in(people: Services, clock: SimulatedClock) -> None:
    before = snapshot(people)
    with pytest.raises(PolicyRefused, match="wrong passphrase"):
        people.roster.set_chain("communications", [BOB], by=signed(ALICE, "guessed wrong"))
    with pytest.raises(PolicyRefused, match="not an operator"):
        people.roster.set_chain("communications", [BOB], by=signed(ZOE))
    assert snapshot(people) == before


def test_set_up_needs_no_sign_in_until_the_first_operator_who_is_a_commander(
    services: Services,
) -> None:
    roster = services.roster
    assert roster.in_setup()
    roster.add_contact(ContactFields("Ann Founder"))
    roster.add_contact(ContactFields("Ben Second"))
    roster.set_chain("communications", ["Ann Founder", "Ben Second"])
    with pytest.raises(PolicyRefused, match="first operator must be a commander"):
        roster.add_operator("Ben Second", Role.SPOKESPERSON, PASS)
    roster.add_operator("Ann Founder", Role.COMMANDER, PASS)
    assert not roster.in_setup()
    with pytest.raises(PolicyRefused, match="must sign in"):
        roster.add_operator("Ben Second", Role.SPOKESPERSON, PASS)
    roster.add_operator("Ben Second", Role.SPOKESPERSON, PASS, by=signed("Ann Founder"))
    assert {o.name for o in roster.operators()} == {"Ann Founder", "Ben Second"}


@pytest.mark.parametrize("look_alike", [
    "Carol Chen",        # the same name
    "CAROL  CHEN",       # case and spacing
    "Caro\u0142 Chen",   # Latin small l with stroke
    "Carol Ch\u0435n",   # Cyrillic е
    "Ｃａｒｏｌ Ｃｈｅｎ",  # full-width letters (NFKC)
    "Carol\u200b Chen",  # a zero-width space
    "Cárol Chen",        # an accent
])
def test_a_look_alike_name_is_refused_naming_the_original(
    people: Services, tmp_path: Path, look_alike: str,
) -> None:
    before = snapshot(people)
    with pytest.raises(InvalidInput, match=f"name: .*({CAROL!r}|already on the roster)"):
        people.roster.add_contact(ContactFields(look_alike), by=ADMIN)
    path = write(tmp_path, "people.csv", f"name\nJoe Fernandez\n{look_alike}\n")
    with pytest.raises(InvalidInput, match="line 3: name: "):
        people.roster.import_contacts(path, by=ADMIN)
    assert snapshot(people) == before


def test_the_dotless_i_from_the_red_team(services: Services) -> None:
    roster = services.roster
    roster.add_contact(ContactFields("Daniel Reyes"))
    with pytest.raises(InvalidInput, match="'Danıel Reyes' looks like 'Daniel Reyes'"):
        roster.add_contact(ContactFields("Danıel Reyes"))


def test_the_owner_cannot_approve_words_he_edited_into_someone_elses_draft(
    people: Services,
) -> None:
    mid = in_review(people, open_incident(people), "Bob's careful words", author=BOB)
    people.messages.edit(mid, "Carol's own words now", CAROL)  # Carol owns communications
    people.messages.submit(mid, CAROL)
    with pytest.raises(PolicyRefused, match="is an author of this message"):
        people.messages.approve(mid, CAROL, PASS)
    assert approvals(people, mid) == []
    # Someone else's approval is what it takes: Alice, when she owns the chain.
    assert people.messages.get(mid).state is MessageState.IN_REVIEW


def test_a_commander_cannot_reset_someone_elses_passphrase_alone(people: Services) -> None:
    before = snapshot(people)
    with pytest.raises(PolicyRefused, match="already an operator"):
        people.roster.add_operator(CAROL, Role.SPOKESPERSON, "alice knows this", by=ADMIN)
    with pytest.raises(PolicyRefused, match="co-signature"):
        people.roster.reset_passphrase(CAROL, "alice knows this", ADMIN, None)
    with pytest.raises(PolicyRefused, match="second commander"):
        people.roster.reset_passphrase(CAROL, "alice knows this", ADMIN, ADMIN)
    with pytest.raises(PolicyRefused, match="may not edit the roster"):
        people.roster.reset_passphrase(CAROL, "alice knows this", ADMIN, signed(BOB))
    assert snapshot(people) == before
    assert people.roster.sign_in(CAROL, PASS).name == CAROL


def test_a_co_signed_reset_leaves_the_operator_unable_to_approve_until_they_choose(
    people: Services,
) -> None:
    people.roster.add_contact(ContactFields("Sam Second"), by=ADMIN)
    people.roster.add_operator("Sam Second", Role.COMMANDER, PASS, by=ADMIN)
    people.roster.reset_passphrase(CAROL, "temporary secret", ADMIN, signed("Sam Second"))
    mid = in_review(people, open_incident(people))
    # The commanders know the temporary passphrase, so it cannot sign.
    with pytest.raises(PolicyRefused, match="must set their own passphrase"):
        people.messages.approve(mid, CAROL, "temporary secret")
    assert approvals(people, mid) == []
    people.roster.change_passphrase(CAROL, "temporary secret", "only carol knows")
    assert people.messages.approve(mid, CAROL, "only carol knows").approved_by == CAROL


def test_delegation_belongs_to_the_owner_and_nobody_delegates_to_himself(
    people: Services, clock: SimulatedClock,
) -> None:
    start, end = clock.now(), clock.now() + timedelta(hours=2)
    before = snapshot(people)
    with pytest.raises(PolicyRefused, match="only the owner of the communications chain"):
        people.roster.delegate("communications", ALICE, start, end, by=ADMIN)  # to himself
    with pytest.raises(PolicyRefused, match="only the owner"):
        people.roster.delegate("communications", BOB, start, end, by=ADMIN)
    with pytest.raises(PolicyRefused, match="nobody delegates to himself"):
        people.roster.delegate("communications", CAROL, start, end, by=signed(CAROL))
    assert snapshot(people) == before
    people.roster.delegate("communications", ERIN, start, end, by=signed(CAROL))
    assert people.roster.owner("communications").owner.name == ERIN
    # The delegate the owner named now owns it, and may not name herself either.
    with pytest.raises(PolicyRefused, match="nobody delegates to himself"):
        people.roster.delegate("communications", ERIN, start, end, by=signed(ERIN))


def test_a_commander_cannot_make_himself_the_owner_single_handed(
    people: Services, clock: SimulatedClock,
) -> None:
    """Marking the owner away, or reordering the chain, so that one becomes the approver."""
    before = snapshot(people)
    away = (clock.now(), clock.now() + timedelta(days=300))
    with pytest.raises(PolicyRefused, match=r"makes Alice Archer the owner .* now"):
        people.roster.set_availability(CAROL, St.UNAVAILABLE, *away, by=ADMIN)
    with pytest.raises(PolicyRefused, match=r"makes Alice Archer the owner .* from"):
        people.roster.set_availability(CAROL, St.TRAVELLING, away[0] + timedelta(hours=3),
                                       away[1], by=ADMIN)
    with pytest.raises(PolicyRefused, match="co-sign"):
        people.roster.set_chain("communications", [ALICE, CAROL], by=ADMIN)
    with pytest.raises(PolicyRefused, match="second commander"):
        people.roster.set_chain("communications", [ALICE, CAROL], by=ADMIN, cosigner=ADMIN)
    assert snapshot(people) == before
    assert people.roster.owner("communications").owner.name == CAROL
    # Changes that promote someone else need no co-signer; a second commander can co-sign.
    people.roster.set_availability(DAVE, St.VACATION, *away, by=ADMIN)
    people.roster.add_contact(ContactFields("Sam Second"), by=ADMIN)
    people.roster.add_operator("Sam Second", Role.COMMANDER, PASS, by=ADMIN)
    people.roster.set_chain("communications", [ALICE, CAROL], by=ADMIN,
                            cosigner=signed("Sam Second"))
    assert people.roster.owner("communications").owner.name == ALICE


def test_every_authority_change_reaches_every_open_incidents_timeline(
    people: Services, clock: SimulatedClock,
) -> None:
    first, second = open_incident(people), open_incident(people, title="Second")
    closed = open_incident(people, title="Closed")
    people.incidents.change_status(closed, IncidentStatus.RESOLVED, ALICE)
    people.incidents.change_status(closed, IncidentStatus.CLOSED, ALICE)

    def authority(incident: int) -> list[str]:
        return [e.text for e in people.incidents.timeline(incident).entries
                if e.kind.value == "authority_change"]

    people.roster.set_availability(BOB, St.OFF_SHIFT, clock.now(),
                                   clock.now() + timedelta(hours=8), by=ADMIN)
    people.roster.set_chain("incident command", [ALICE, BOB], by=ADMIN)
    people.roster.delegate("communications", ERIN, clock.now(),
                           clock.now() + timedelta(hours=1), by=signed(CAROL))
    for incident in (first, second):
        texts = authority(incident)
        assert len(texts) == 3, texts
        assert texts[0].startswith("Availability: Bob Baker off shift")
        assert texts[1] == ("Chain incident command: Alice Archer > Bob Baker (version 2)")
        assert texts[2].startswith("Chain communications: delegated by Carol Chen to Erin")
    assert authority(closed) == []
    actors = [e.actor for e in people.incidents.timeline(first).entries
              if e.kind.value == "authority_change"]
    assert actors == [ALICE, ALICE, CAROL]


def test_the_approval_names_the_chain_version_and_the_change_that_made_the_owner(
    people: Services, clock: SimulatedClock,
) -> None:
    incident = open_incident(people)
    people.roster.set_availability(CAROL, St.TRAVELLING, clock.now(),
                                   clock.now() + timedelta(hours=6), by=signed(CAROL))
    mid = in_review(people, incident)
    people.messages.approve(mid, ALICE, PASS)
    [approval] = approvals(people, mid)
    evidence = approval.owner_evidence
    assert "communications: Alice Archer (chain version 1" in evidence
    assert "made owner by availability.set by Carol Chen" in evidence
    assert "skipped Carol Chen: travelling until" in evidence
    entry = next(e for e in people.incidents.timeline(incident).entries
                 if e.kind.value == "message_approved")
    assert entry.data["ownership"]["chain_version"] == 1
    assert entry.data["ownership"]["made_owner_by"]["by"] == CAROL


def test_authority_changes_are_audited_with_their_actor(people: Services) -> None:
    people.roster.set_role(BOB, Role.OBSERVER, by=ADMIN)
    with people.ctx.uow() as uow:
        from sqlalchemy import select

        last = uow.session.execute(select(AuditRow).where(AuditRow.action == "operator.role")
                                   ).scalars().one()
        assert last.actor == ALICE
    with pytest.raises(PolicyRefused, match="last commander"):
        people.roster.set_role(ALICE, Role.SPOKESPERSON, by=ADMIN)


def test_a_published_message_cannot_come_from_a_self_made_approver(
    people: Services, tmp_path: Path, clock: SimulatedClock,
) -> None:
    """The red team's whole chain: import people, make operators, head the chain, publish."""
    incident = open_incident(people)
    mid = people.messages.draft(incident, Channel.X, "Everything is fine.", BOB).id
    people.messages.submit(mid, BOB)
    for step in attacks(people, tmp_path, clock).values():
        with pytest.raises(PolicyRefused):
            step()  # type: ignore[operator]
    with pytest.raises(PolicyRefused):
        people.messages.approve(mid, ZOE, "mallory's own")
    assert count(people, TimelineRow, TimelineRow.kind == "message_published") == 0
