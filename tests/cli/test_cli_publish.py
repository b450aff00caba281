"""Every way to publish without a valid approval is refused with exit code 3 by the CLI,
and leaves nothing published: no publication row, no outbox file, no published state."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from commandcenter.app import Services
from commandcenter.domain.messages import Channel
from tests.services.support import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    PASS,
    WRONG,
    all_outbox_entries,
    approvals,
    assert_nothing_published,
    in_review,
    message_state,
    open_incident,
    publications,
)

from .conftest import Cli


def publish_refused(cli: Cli, svc: Services, mid: int, actor: str = BOB) -> None:
    r = cli("message", "publish", str(mid), "--as", actor)
    assert r.code == 3, (r.code, r.err)
    assert "publish" in r.error_line or "permission" in r.error_line
    assert_nothing_published(svc, mid)


def test_the_normal_path_publishes_exactly_once(cli: Cli, company: Services) -> None:
    incident = open_incident(company)
    drafted = cli("message", "draft", str(incident), "--channel", "x", "--body",
                  "We know scores dropped. Next update by 12:00.", "--as", BOB, as_json=True)
    mid = str(drafted.json()["id"])
    assert cli("message", "submit", mid, "--as", BOB).code == 0
    approved = cli("message", "approve", mid, "--as", CAROL, as_json=True)
    assert approved.code == 0, approved.err
    assert approved.json()["approved_by"] == CAROL
    published = cli("message", "publish", mid, "--as", BOB, as_json=True)
    assert published.code == 0, published.err
    doc = published.json()
    assert doc["state"] == "published"
    assert all_outbox_entries(company) == [f"live/{doc['publication_path'].rsplit('/', 1)[1]}"]
    sent = json.loads((company.ctx.outbox_dir / "live" /
                       doc["publication_path"].rsplit("/", 1)[1]).read_text())
    assert sent["body"] == "We know scores dropped. Next update by 12:00."
    assert sent["content_hash"] == doc["content_hash"]
    again = cli("message", "publish", mid, "--as", BOB)
    assert again.code == 3
    assert publications(company, int(mid)) == 1
    assert len(all_outbox_entries(company)) == 1


def test_no_approval_at_all(cli: Cli, company: Services) -> None:
    incident = open_incident(company)
    draft = company.messages.draft(incident, Channel.X, "Unreviewed", BOB).id
    publish_refused(cli, company, draft)
    submitted = in_review(company, incident)
    publish_refused(cli, company, submitted)


def test_approval_by_someone_who_does_not_own_the_chain(cli: Cli, company: Services) -> None:
    mid = in_review(company, open_incident(company))
    r = cli("message", "approve", str(mid), "--as", ALICE)  # Carol owns communications
    assert r.code == 3
    assert f"{ALICE} does not own the communications chain" in r.error_line
    assert approvals(company, mid) == []
    publish_refused(cli, company, mid)


def test_owner_when_submitted_but_not_when_approving(cli: Cli, company: Services) -> None:
    incident = open_incident(company)
    mid = company.messages.draft(incident, Channel.X, "Holding statement", BOB).id
    assert cli("message", "submit", str(mid), "--as", BOB).code == 0
    submitted_at = company.messages.get(mid).updated_at
    assert company.roster.owner("communications", at=submitted_at).owner.name == CAROL
    # Carol boards a flight right after the submission.
    boards = datetime.now(UTC)
    assert boards > submitted_at
    r = cli("availability", "set", CAROL, "travelling", "--from", boards.isoformat(),
            "--until", (boards + timedelta(hours=11)).isoformat(), "--note", "SFO-NRT",
            "--as", CAROL)
    assert r.code == 0, r.err
    assert company.roster.owner("communications", at=submitted_at).owner.name == CAROL
    refused = cli("message", "approve", str(mid), "--as", CAROL)
    assert refused.code == 3
    assert f"{ALICE} does" in refused.error_line
    assert approvals(company, mid) == []
    publish_refused(cli, company, mid)
    # Alice owns it now, so her approval counts.
    assert cli("message", "approve", str(mid), "--as", ALICE).code == 0
    assert cli("message", "publish", str(mid), "--as", BOB).code == 0


def test_the_author_approving_their_own_draft(cli: Cli, company: Services) -> None:
    mid = in_review(company, open_incident(company), author=CAROL)
    r = cli("message", "approve", str(mid), "--as", CAROL)
    assert r.code == 3
    assert "author" in r.error_line
    publish_refused(cli, company, mid, actor=CAROL)


def test_an_edit_after_approval_needs_a_new_approval(cli: Cli, company: Services) -> None:
    incident = open_incident(company)
    mid = in_review(company, incident, "Scores are fine.")
    company.messages.approve(mid, CAROL, PASS)
    edited = cli("message", "edit", str(mid), "--body", "Scores are not fine.", "--as", BOB)
    assert edited.code == 0, edited.err
    assert message_state(company, mid) == "draft"
    assert all(a.voided_at is not None for a in approvals(company, mid))
    publish_refused(cli, company, mid)
    assert cli("message", "submit", str(mid), "--as", BOB).code == 0
    publish_refused(cli, company, mid)
    assert cli("message", "approve", str(mid), "--as", CAROL).code == 0
    out = cli("message", "publish", str(mid), "--as", BOB, as_json=True)
    assert out.code == 0
    assert out.json()["body"] == "Scores are not fine."


def test_an_observer_cannot_approve(cli: Cli, company: Services) -> None:
    mid = in_review(company, open_incident(company))
    r = cli("message", "approve", str(mid), "--as", DAVE)
    assert r.code == 3
    assert "permission" in r.error_line
    publish_refused(cli, company, mid)
    publish_refused(cli, company, mid, actor=DAVE)


def test_a_wrong_passphrase_on_approve(cli: Cli, company: Services) -> None:
    mid = in_review(company, open_incident(company))
    r = cli("message", "approve", str(mid), "--as", CAROL, passphrase=WRONG)
    assert r.code == 3
    assert "wrong passphrase" in r.error_line
    assert approvals(company, mid) == []
    assert message_state(company, mid) == "in_review"
    publish_refused(cli, company, mid)


def test_a_wrong_passphrase_on_publish(cli: Cli, company: Services) -> None:
    mid = in_review(company, open_incident(company))
    company.messages.approve(mid, CAROL, PASS)
    r = cli("message", "publish", str(mid), "--as", BOB, passphrase=WRONG)
    assert r.code == 3
    assert "wrong passphrase" in r.error_line
    assert_nothing_published(company, mid)


def test_a_drill_message_goes_to_the_drill_outbox_only(cli: Cli, company: Services) -> None:
    drill = open_incident(company, drill=True)
    drafted = cli("message", "draft", str(drill), "--channel", "x", "--body",
                  "Scores look wrong", "--as", BOB, as_json=True).json()
    assert drafted["body"] == "EXERCISE: Scores look wrong"
    company.messages.submit(drafted["id"], BOB)
    company.messages.approve(drafted["id"], CAROL, PASS)
    assert cli("message", "publish", str(drafted["id"]), "--as", BOB).code == 0
    entries = all_outbox_entries(company)
    assert len(entries) == 1
    assert entries[0].startswith("drill/")
