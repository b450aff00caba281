"""Nothing is published without a valid approval by the communications chain's owner."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import (
    CommandCenterError,
    ConflictError,
    InvalidInput,
    PolicyRefused,
)
from commandcenter.domain.messages import Channel, MessageState, content_hash
from commandcenter.domain.roster import AvailabilityStatus as St
from commandcenter.domain.timeline import EntryKind
from commandcenter.persistence.models import PublicationRow
from commandcenter.services.messages import MessageService

from .support import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    ERIN,
    PASS,
    WRONG,
    ZOE,
    all_outbox_entries,
    approvals,
    assert_nothing_published,
    in_review,
    message_state,
    open_incident,
    outbox_files,
    publications,
    rows,
    signed,
)


@pytest.fixture
def incident(people: Services) -> int:
    return open_incident(people)


def test_the_approved_text_is_published_once(people: Services, incident: int,
                                             clock: SimulatedClock) -> None:
    svc = people
    mid = in_review(svc, incident, "We know scores dropped overnight. Next update by 12:00.")
    clock.advance(timedelta(minutes=5))
    approved = svc.messages.approve(mid, CAROL, PASS)
    assert approved.state is MessageState.APPROVED
    assert approved.approved_by == CAROL
    clock.advance(timedelta(minutes=1))
    published = svc.messages.publish(mid, BOB)
    assert published.state is MessageState.PUBLISHED
    assert published.published_at == clock.now()
    assert publications(svc, mid) == 1
    [name] = outbox_files(svc)
    doc = json.loads(Path(published.publication_path).read_text())
    assert Path(published.publication_path).name == name
    assert doc["body"] == "We know scores dropped overnight. Next update by 12:00."
    assert doc["content_hash"] == content_hash(Channel.X, None, doc["body"])
    assert doc["approved_by"] == CAROL
    assert doc["published_by"] == BOB
    assert doc["drill"] is False
    kinds = [e.kind for e in svc.incidents.timeline(incident).entries]
    for k in (EntryKind.MESSAGE_DRAFTED, EntryKind.MESSAGE_SUBMITTED,
              EntryKind.MESSAGE_APPROVED, EntryKind.MESSAGE_PUBLISHED):
        assert kinds.count(k) == 1
    assert svc.incidents.get(incident).first_public_ack_at == clock.now()
    with pytest.raises(PolicyRefused):
        svc.messages.publish(mid, BOB)
    assert publications(svc, mid) == 1
    assert len(all_outbox_entries(svc)) == 1


@pytest.mark.parametrize("stage", ["draft", "in review"])
def test_publish_without_any_approval_is_refused(people: Services, incident: int,
                                                 stage: str) -> None:
    svc = people
    m = svc.messages.draft(incident, Channel.X, "Holding statement", BOB)
    if stage == "in review":
        svc.messages.submit(m.id, BOB)
    with pytest.raises(PolicyRefused, match="publish: "):
        svc.messages.publish(m.id, BOB)
    assert_nothing_published(svc, m.id)


def test_approval_by_someone_who_does_not_own_the_chain_is_refused(
    people: Services, incident: int,
) -> None:
    mid = in_review(people, incident)
    with pytest.raises(PolicyRefused, match=f"{ALICE} does not own the communications chain"):
        people.messages.approve(mid, ALICE, PASS)  # Carol owns it
    assert approvals(people, mid) == []
    with pytest.raises(PolicyRefused):
        people.messages.publish(mid, ALICE)
    assert_nothing_published(people, mid)


def test_owner_at_submission_is_not_enough_it_is_ownership_at_approval(
    people: Services, incident: int, clock: SimulatedClock,
) -> None:
    svc = people
    submitted_at = clock.now()
    mid = in_review(svc, incident)
    assert svc.roster.owner("communications", at=submitted_at).owner.name == CAROL
    # Carol boards a flight ten minutes later, not reachable.
    svc.roster.set_availability(CAROL, St.TRAVELLING, submitted_at + timedelta(minutes=10),
                                submitted_at + timedelta(hours=11), by=signed(CAROL))
    clock.advance(timedelta(minutes=15))
    with pytest.raises(PolicyRefused, match=f"{ALICE} does"):
        svc.messages.approve(mid, CAROL, PASS)
    assert approvals(svc, mid) == []
    with pytest.raises(PolicyRefused):
        svc.messages.publish(mid, BOB)
    assert_nothing_published(svc, mid)
    # The owner now can approve, and then it goes out.
    approved = svc.messages.approve(mid, ALICE, PASS)
    assert approved.approved_by == ALICE
    [approval] = approvals(svc, mid)
    assert approval.approved_at == clock.now()
    assert "skipped Carol Chen: travelling until" in approval.owner_evidence
    assert svc.messages.publish(mid, BOB).state is MessageState.PUBLISHED


def test_an_approval_given_while_owner_stays_valid_after_ownership_moves(
    people: Services, incident: int, clock: SimulatedClock,
) -> None:
    svc = people
    mid = in_review(svc, incident)
    svc.messages.approve(mid, CAROL, PASS)
    svc.roster.set_availability(CAROL, St.VACATION, clock.now() + timedelta(minutes=1),
                                clock.now() + timedelta(days=7), by=signed(CAROL))
    clock.advance(timedelta(minutes=30))
    assert svc.roster.owner("communications").owner.name == ALICE
    assert svc.messages.publish(mid, BOB).approved_by == CAROL


def test_the_author_cannot_approve_their_own_message(people: Services, incident: int) -> None:
    mid = in_review(people, incident, author=CAROL)  # Carol owns the chain and wrote it
    with pytest.raises(PolicyRefused, match="is an author of this message"):
        people.messages.approve(mid, CAROL, PASS)
    with pytest.raises(PolicyRefused):
        people.messages.publish(mid, CAROL)
    assert_nothing_published(people, mid)


def test_an_edit_after_approval_voids_it(people: Services, incident: int,
                                         clock: SimulatedClock) -> None:
    svc = people
    mid = in_review(svc, incident, "Scores are fine.")
    svc.messages.approve(mid, CAROL, PASS)
    clock.advance(timedelta(minutes=1))
    edited = svc.messages.edit(mid, "Scores are fine, we promise.", BOB)
    assert edited.state is MessageState.DRAFT
    assert edited.revision == 2
    assert edited.approved_by is None
    [first] = approvals(svc, mid)
    assert first.voided_at == clock.now()
    with pytest.raises(PolicyRefused):
        svc.messages.publish(mid, BOB)
    assert_nothing_published(svc, mid)
    svc.messages.submit(mid, BOB)
    with pytest.raises(PolicyRefused):  # re-submitted is not re-approved
        svc.messages.publish(mid, BOB)
    assert_nothing_published(svc, mid)
    svc.messages.approve(mid, CAROL, PASS)
    published = svc.messages.publish(mid, BOB)
    assert published.body == "Scores are fine, we promise."
    [pub] = rows(svc, PublicationRow)
    second = approvals(svc, mid)[-1]
    assert pub.approval_id == second.id
    assert second.revision == 2
    assert pub.content_hash == second.content_hash == published.content_hash
    assert svc.messages.revisions(mid) == [(1, None, "Scores are fine."),
                                           (2, None, "Scores are fine, we promise.")]


def test_an_edit_of_the_title_alone_voids_the_approval(people: Services,
                                                       incident: int) -> None:
    svc = people
    m = svc.messages.draft(incident, Channel.BLOG, "What happened to your scores", BOB,
                           title="An update")
    svc.messages.submit(m.id, BOB)
    svc.messages.approve(m.id, CAROL, PASS)
    svc.messages.edit(m.id, "What happened to your scores", BOB, title="An apology")
    with pytest.raises(PolicyRefused):
        svc.messages.publish(m.id, BOB)
    assert_nothing_published(svc, m.id)


def test_withdrawn_and_rejected_messages_are_not_published(people: Services,
                                                           incident: int) -> None:
    svc = people
    a = in_review(svc, incident, "first")
    svc.messages.approve(a, CAROL, PASS)
    svc.messages.withdraw(a, BOB)
    assert all(r.voided_at is not None for r in approvals(svc, a))
    with pytest.raises(PolicyRefused):
        svc.messages.publish(a, BOB)
    b = in_review(svc, incident, "second")
    svc.messages.reject(b, "too defensive", CAROL)
    with pytest.raises(PolicyRefused):
        svc.messages.publish(b, BOB)
    assert publications(svc) == 0
    assert all_outbox_entries(svc) == []


def test_a_drill_message_never_reaches_a_live_channel(people: Services) -> None:
    svc = people
    drill = open_incident(svc, drill=True, title="Tabletop: scores halved")
    m = svc.messages.draft(drill, Channel.X, "We are looking into score drops.", BOB)
    assert m.body == "EXERCISE: We are looking into score drops."
    assert m.drill
    svc.messages.submit(m.id, BOB)
    svc.messages.approve(m.id, CAROL, PASS)
    with pytest.raises(PolicyRefused, match="live channel"):
        svc.messages.publish(m.id, BOB, destination="live")
    assert_nothing_published(svc, m.id)
    assert message_state(svc, m.id) == "approved"
    out = svc.messages.publish(m.id, BOB)
    assert out.state is MessageState.PUBLISHED
    assert svc.messages.outbox.files("live") == []
    [f] = svc.messages.outbox.files("drill")
    assert json.loads(f.read_text())["body"].startswith("EXERCISE")


def test_a_live_message_that_reads_as_an_exercise_is_not_published(people: Services,
                                                                 incident: int) -> None:
    mid = in_review(people, incident, "EXERCISE: this is only a drill")
    people.messages.approve(mid, CAROL, PASS)
    with pytest.raises(PolicyRefused, match="must not start with EXERCISE"):
        people.messages.publish(mid, BOB)
    assert_nothing_published(people, mid)


def test_drill_edits_keep_the_exercise_prefix(people: Services) -> None:
    svc = people
    drill = open_incident(svc, drill=True)
    m = svc.messages.draft(drill, Channel.FACEBOOK, "first", BOB)
    assert svc.messages.edit(m.id, "second", BOB).body == "EXERCISE: second"


def test_a_live_message_cannot_go_to_the_drill_outbox(people: Services, incident: int) -> None:
    mid = in_review(people, incident)
    people.messages.approve(mid, CAROL, PASS)
    with pytest.raises(PolicyRefused):
        people.messages.publish(mid, BOB, destination="drill")
    with pytest.raises(InvalidInput, match="destination"):
        people.messages.publish(mid, BOB, destination="carrier pigeon")
    assert_nothing_published(people, mid)


@pytest.mark.parametrize(("who", "passphrase", "match"), [
    (DAVE, PASS, "permission"),  # an observer
    (ZOE, PASS, "not an operator"),
    (CAROL, WRONG, "wrong passphrase"),  # the owner, but not her passphrase
    ("Nobody Known", PASS, "sign-in"),
])
def test_refused_approvers(people: Services, incident: int, who: str, passphrase: str,
                           match: str) -> None:
    mid = in_review(people, incident)
    with pytest.raises(PolicyRefused, match=match):
        people.messages.approve(mid, who, passphrase)
    assert approvals(people, mid) == []
    assert message_state(people, mid) == "in_review"
    with pytest.raises(PolicyRefused):
        people.messages.publish(mid, BOB)
    assert_nothing_published(people, mid)


def test_the_observer_may_not_publish_an_approved_message(people: Services,
                                                          incident: int) -> None:
    mid = in_review(people, incident)
    people.messages.approve(mid, CAROL, PASS)
    with pytest.raises(PolicyRefused, match="permission"):
        people.messages.publish(mid, DAVE)
    assert_nothing_published(people, mid)


def test_nobody_can_approve_when_nobody_owns_the_chain(people: Services, incident: int,
                                                       clock: SimulatedClock) -> None:
    svc = people
    mid = in_review(svc, incident)
    for name in (CAROL, ALICE):
        svc.roster.set_availability(name, St.UNAVAILABLE, clock.now(),
                                    clock.now() + timedelta(hours=2), by=signed(name))
    for name in (CAROL, ALICE, ERIN):
        with pytest.raises(PolicyRefused):
            svc.messages.approve(mid, name, PASS)
    assert approvals(svc, mid) == []


def test_approval_of_text_other_than_the_one_shown_is_refused(people: Services,
                                                              incident: int) -> None:
    mid = in_review(people, incident, "shown text")
    shown = content_hash(Channel.X, None, "an older text")
    with pytest.raises(PolicyRefused, match="text changed"):
        people.messages.approve(mid, CAROL, PASS, expected_hash=shown)
    assert approvals(people, mid) == []


@pytest.mark.parametrize("rehash", [False, True])
def test_text_changed_in_the_database_behind_the_approval_is_not_published(
    people: Services, incident: int, rehash: bool,
) -> None:
    """Another workstation writing the table directly cannot get new text out."""
    svc = people
    mid = in_review(svc, incident, "Scores dropped; we are fixing it.")
    svc.messages.approve(mid, CAROL, PASS)
    forged = "Scores did not change."
    digest = content_hash(Channel.X, None, forged) if rehash else None
    with svc.engine.begin() as conn:
        if rehash:
            conn.execute(text("UPDATE messages SET body = :b, content_hash = :h WHERE id = :i"),
                         {"b": forged, "h": digest, "i": mid})
        else:
            conn.execute(text("UPDATE messages SET body = :b WHERE id = :i"),
                         {"b": forged, "i": mid})
    with pytest.raises(PolicyRefused):
        svc.messages.publish(mid, BOB)
    assert_nothing_published(svc, mid)


# --- the outbox survives a crash between commit and file ---------------------

def test_a_crash_after_the_commit_is_delivered_once_later(people: Services,
                                                          incident: int) -> None:
    svc = people
    mid = in_review(svc, incident, "Acknowledging the score drop.")
    svc.messages.approve(mid, CAROL, PASS)
    calls = []

    def failing(destination: str, file_name: str, document: dict) -> Path:
        calls.append(file_name)
        raise OSError("disk unplugged")

    crashing = MessageService(svc.ctx, deliver=failing)
    with pytest.raises(CommandCenterError, match="recorded, but the outbox could not be written"):
        crashing.publish(mid, BOB)
    assert len(calls) == 1
    assert publications(svc, mid) == 1
    assert message_state(svc, mid) == "published"
    assert all_outbox_entries(svc) == []
    [pub] = rows(svc, PublicationRow)
    assert pub.delivered_at is None
    assert pub.file_name == calls[0]

    assert svc.messages.deliver_pending() == 1
    assert outbox_files(svc) == [calls[0]]
    assert svc.messages.deliver_pending() == 0
    assert all_outbox_entries(svc) == [f"live/{calls[0]}"]
    doc = json.loads((svc.ctx.outbox_dir / "live" / calls[0]).read_text())
    assert doc["body"] == "Acknowledging the score drop."


def test_a_file_already_written_is_not_written_twice(people: Services, incident: int) -> None:
    """The process died after writing the file but before marking it delivered."""
    svc = people
    mid = in_review(svc, incident)
    svc.messages.approve(mid, CAROL, PASS)
    written = []

    def write_then_die(destination: str, file_name: str, document: dict) -> Path:
        written.append(svc.messages.outbox.deliver(destination, file_name, document))
        raise OSError("killed")

    with pytest.raises(CommandCenterError):
        MessageService(svc.ctx, deliver=write_then_die).publish(mid, BOB)
    before = written[0].read_bytes()
    assert svc.messages.deliver_pending() == 1
    assert all_outbox_entries(svc) == [f"live/{written[0].name}"]
    assert written[0].read_bytes() == before


# --- optimistic versioning ---------------------------------------------------

def test_the_second_of_two_concurrent_edits_gets_a_conflict(people: Services,
                                                           incident: int) -> None:
    svc = people
    m = svc.messages.draft(incident, Channel.FACEBOOK, "Original text", BOB)
    opened = svc.messages.get(m.id).version  # both workstations open version N
    first = svc.messages.edit(m.id, "Bob's text", BOB, expected_version=opened)
    assert first.version > opened
    with pytest.raises(ConflictError) as info:
        svc.messages.edit(m.id, "Carol's text", CAROL, expected_version=opened)
    assert info.value.exit_code == 4
    assert info.value.theirs == "Bob's text"
    assert svc.messages.get(m.id).body == "Bob's text"
    assert [r[2] for r in svc.messages.revisions(m.id)] == ["Original text", "Bob's text"]
    # reloading and editing the latest version works
    again = svc.messages.edit(m.id, "Carol's text", CAROL, expected_version=first.version)
    assert again.body == "Carol's text"
