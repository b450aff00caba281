"""Paging the approver when a draft enters review, and escalating on the simulated clock."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes

import pytest

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import PolicyRefused
from commandcenter.domain.incidents import Severity
from commandcenter.domain.messages import Channel, MessageState, Purpose
from commandcenter.domain.timeline import EntryKind
from commandcenter.services.authority import Credentials
from commandcenter.services.paging import SmtpSettings
from tests.ui.fixtures import PASSPHRASE, load_sample

BODY = "We know scores look wrong. We're sorry. We're investigating. Next update by 10:00 UTC."


@pytest.fixture
def sample(services: Services) -> Services:
    load_sample(services)  # communications: Maya (flying) > Priya Raman > Omar Haddad
    for m in services.messages.review_queue():  # the sample's own waiting message
        services.messages.withdraw(m.id, m.author)
    services.paging.tick()
    return services


def _current(svc: Services) -> int:
    return next(i.id for i in svc.incidents.list() if i.status.value != "closed")


def _submit(svc: Services, author: str = "Tom Becker", incident: int | None = None) -> int:
    m = svc.messages.draft(incident or _current(svc), Channel.X, BODY, author,
                           purpose=Purpose.HOLDING)
    svc.messages.submit(m.id, author)
    return m.id


def _entries(svc: Services, incident_id: int, kind: EntryKind) -> list[str]:
    return [e.text for e in svc.incidents.timeline(incident_id).entries if e.kind is kind]


def test_a_submission_pages_the_owner_saying_what_waits_since_when_with_a_link(  # type: ignore[no-untyped-def]
    sample, clock: SimulatedClock,
):
    mid = _submit(sample)
    pages = [p for p in sample.paging.pages_for("Priya Raman") if p.message_id == mid]
    assert len(pages) == 1
    page = pages[0]
    assert page.kind == "review" and page.link == f"commandcenter://review/{mid}"
    assert f"Message {mid} (x holding) by Tom Becker" in page.subject
    assert "waits for your approval since 2026-03-02 08:30 UTC (0 min)" in page.body
    assert "escalates" in page.body and page.link in page.body
    assert sample.paging.pages_for("Omar Haddad") == []  # nobody else is bothered
    paged = _entries(sample, _current(sample), EntryKind.APPROVER_PAGED)
    assert any(f"Priya Raman paged to approve message {mid}" in t for t in paged)
    (request,) = [r for r in sample.paging.waiting() if r.message_id == mid]
    assert request.owner == "Priya Raman" and request.severity is Severity.SEV1
    assert request.deadline_at - request.requested_at == timedelta(minutes=15)


@pytest.fixture
def smtp_server() -> Iterator[tuple[SmtpSettings, list]]:
    """A real SMTP server on loopback (aiosmtpd), collecting what it receives."""
    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            received.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpSettings("127.0.0.1", port, sender="cc@scorely.example"), received
    finally:
        controller.stop()


def test_the_page_goes_out_by_email_through_the_smtp_server(sample, smtp_server):  # type: ignore[no-untyped-def]
    settings, received = smtp_server
    sample.paging.smtp = settings
    mid = _submit(sample)
    assert len(received) == 1
    envelope = received[0]
    assert envelope.rcpt_tos == ["priya.raman@scorely.example"]
    mail = message_from_bytes(envelope.content)
    assert mail["From"] == "cc@scorely.example"
    assert f"Approval waits: Message {mid}" in mail["Subject"]
    text = mail.get_payload(decode=True).decode()
    assert f"commandcenter://review/{mid}" in text and "since 2026-03-02 08:30 UTC" in text
    (page,) = [p for p in sample.paging.pages(mid)]
    assert page.email_state == "sent" and page.email_error == ""


def test_a_server_that_is_down_keeps_the_mail_pending_with_the_reason(sample):  # type: ignore[no-untyped-def]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens here
    sample.paging.smtp = SmtpSettings("127.0.0.1", port, timeout_s=2)
    mid = _submit(sample)
    (page,) = sample.paging.pages(mid)
    assert page.email_state == "pending" and f"127.0.0.1:{port}" in page.email_error
    assert sample.messages.get(mid).state is MessageState.IN_REVIEW  # submitted all the same


def test_no_decision_in_time_escalates_as_a_recorded_time_limited_delegation(  # type: ignore[no-untyped-def]
    sample, clock: SimulatedClock,
):
    mid = _submit(sample)
    inc = _current(sample)
    clock.advance(timedelta(minutes=14, seconds=59))
    assert sample.paging.tick().escalated == 0
    assert sample.messages.owner_now() == "Priya Raman"
    clock.advance(timedelta(seconds=1))  # SEV1: 15 minutes
    assert sample.paging.tick().escalated >= 1
    assert sample.paging.tick().escalated == 0  # once

    owner = sample.roster.owner("communications")
    assert owner.owner.name == "Omar Haddad" and owner.delegation is not None
    assert owner.delegation.expires_at == clock.now() + timedelta(minutes=120)
    assert owner.delegation.granted_by == "escalation policy v0"
    changes = _entries(sample, inc, EntryKind.AUTHORITY_CHANGE)
    assert any("escalated from Priya Raman to Omar Haddad" in t and f"message {mid}" in t
               for t in changes)
    to_omar = [p for p in sample.paging.pages_for("Omar Haddad") if p.message_id == mid]
    assert [p.kind for p in to_omar] == ["escalated"]
    assert "Escalated to you: Priya Raman did not decide in time" in to_omar[0].body
    told = [p for p in sample.paging.pages_for("Priya Raman") if p.message_id == mid]
    assert [p.kind for p in told] == ["review", "escalated_away"]
    assert "passed to Omar Haddad" in told[1].subject

    # The new owner approves with his passphrase; the one passed over cannot.
    with pytest.raises(PolicyRefused, match="Omar Haddad"):
        sample.messages.approve(mid, "Priya Raman", PASSPHRASE)
    approved = sample.messages.approve(mid, "Omar Haddad", PASSPHRASE)
    assert approved.state is MessageState.APPROVED
    sample.paging.tick()
    assert sample.paging.pages_for("Omar Haddad") == [] or all(
        p.message_id != mid for p in sample.paging.pages_for("Omar Haddad"))


def test_the_policy_in_force_at_request_time_stays_in_force(sample, clock):  # type: ignore[no-untyped-def]
    first = _submit(sample)
    sample.paging.set_policy({Severity.SEV1: 5, Severity.SEV2: 10, Severity.SEV3: 60,
                               Severity.SEV4: 120}, delegation_minutes=30,
                              by=Credentials("Alex Moreau", PASSPHRASE))
    changes = _entries(sample, _current(sample), EntryKind.AUTHORITY_CHANGE)
    assert any("Escalation policy v1: escalate after SEV1 5 min" in t for t in changes)
    second = _submit(sample, author="Omar Haddad")
    clock.advance(timedelta(minutes=5))
    sample.paging.tick()
    requests = {r.message_id: r for r in sample.paging.waiting()}
    assert requests[first].escalations == 0  # made under the default: 15 minutes
    assert requests[second].policy.version == 1
    assert requests[second].state == "stuck"  # Omar wrote it: nobody else to escalate to
    clock.advance(timedelta(minutes=10))
    sample.paging.tick()
    assert {r.message_id: r for r in sample.paging.waiting()}[first].escalations == 1


def test_setting_the_policy_needs_a_signed_in_commander(sample):  # type: ignore[no-untyped-def]
    with pytest.raises(PolicyRefused):
        sample.paging.set_policy({s: 1 for s in Severity}, delegation_minutes=30,
                                  by=Credentials("Tom Becker", PASSPHRASE))  # a spokesperson
    with pytest.raises(PolicyRefused):
        sample.paging.set_policy({s: 1 for s in Severity}, delegation_minutes=30,
                                  by=Credentials("Alex Moreau", "wrong"))
    assert sample.paging.policy().version == 0


def test_escalation_never_hands_someone_his_own_words(sample, clock):  # type: ignore[no-untyped-def]
    mid = _submit(sample, author="Omar Haddad")  # Omar is next in the chain after Priya
    clock.advance(timedelta(minutes=15))
    assert sample.paging.tick().escalated == 0
    assert sample.roster.owner("communications").owner.name == "Priya Raman"
    assert any("not escalated" in t for t in _entries(sample, _current(sample),
                                                      EntryKind.APPROVER_PAGED))
    assert [r.state for r in sample.paging.waiting() if r.message_id == mid] == ["stuck"]


def test_a_drill_pages_but_never_delegates_live_authority(sample, clock):  # type: ignore[no-untyped-def]
    drill = sample.incidents.open("Exercise: scores halved", Severity.SEV2, "Alex Moreau",
                                   drill=True).id
    mid = _submit(sample, incident=drill)
    (page,) = [p for p in sample.paging.pages_for("Priya Raman") if p.message_id == mid]
    assert page.subject.startswith("EXERCISE")
    clock.advance(timedelta(minutes=30))  # SEV2
    sample.paging.tick()
    assert sample.roster.owner("communications").owner.name == "Priya Raman"
    assert any("EXERCISE: would escalate from Priya Raman to Omar Haddad" in t
               for t in _entries(sample, drill, EntryKind.AUTHORITY_CHANGE))


def test_a_second_request_follows_the_chain_to_its_new_owner(sample, clock):  # type: ignore[no-untyped-def]
    first = _submit(sample)
    clock.advance(timedelta(minutes=10))
    second = _submit(sample)
    clock.advance(timedelta(minutes=5))
    sample.paging.tick()  # the first escalates to Omar; the second follows him
    to_omar = {p.message_id: p.kind for p in sample.paging.pages_for("Omar Haddad")}
    assert to_omar == {first: "escalated", second: "review"}
    (req,) = [r for r in sample.paging.waiting() if r.message_id == second]
    assert req.owner == "Omar Haddad" and req.escalations == 0
    assert req.deadline_at == clock.now() + timedelta(minutes=15)
