"""``commitment`` and ``change`` on the command line: the contract, exit codes, --json."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commandcenter.app import Services
from commandcenter.domain.messages import Channel, Purpose
from commandcenter.persistence.commitment_models import CommitmentRow, ScoringChangeRow
from tests.services.support import ALICE, BOB, CAROL, PASS, count, open_incident

from .conftest import Cli


def iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def test_commitment_add_list_keep_json(cli: Cli, company: Services) -> None:
    inc = open_incident(company)
    r = cli("commitment", "add", str(inc), "Next update", "--due", iso(timedelta(hours=1)),
            "--as", BOB, as_json=True)
    assert r.code == 0, r.err
    added = r.json()
    assert (added["state"], added["owner"], added["overdue"]) == ("open", BOB, False)
    listed = cli("commitment", "list", as_json=True).json()
    assert [c["id"] for c in listed] == [added["id"]]
    assert cli("commitment", "list", str(inc), "--overdue", as_json=True).json() == []
    m = company.messages.draft(inc, Channel.X, "Update: fixed.", BOB)
    company.messages.submit(m.id, BOB)
    company.messages.approve(m.id, CAROL, PASS)
    company.messages.publish(m.id, BOB)
    kept = cli("commitment", "keep", str(added["id"]), "--message", str(m.id), "--as", BOB,
               as_json=True)
    assert kept.code == 0, kept.err
    assert (kept.json()["state"], kept.json()["kept_message"]) == ("kept", m.id)
    shown = cli("incident", "show", str(inc))
    assert "commitments 1: 0 open, 1 kept on time" in shown.out


def test_commitment_bad_input_is_exit_2_naming_the_field(cli: Cli, company: Services) -> None:
    inc = open_incident(company)
    r = cli("commitment", "add", str(inc), "x", "--due", "tomorrowish", "--as", BOB)
    assert r.code == 2 and "due" in r.error_line
    r = cli("commitment", "add", str(inc), "x", "--due", iso(-timedelta(hours=1)), "--as", BOB)
    assert r.code == 2 and "due" in r.error_line
    r = cli("commitment", "add", str(inc), "x", "--due", iso(timedelta(hours=1)),
            "--message", "999", "--as", BOB)
    assert r.code == 2 and "message" in r.error_line
    assert cli("commitment", "keep", "77", "--as", BOB).code == 2
    assert count(company, CommitmentRow) == 0


def test_change_add_list_release_refusal_and_override(cli: Cli, company: Services) -> None:
    r = cli("change", "add", "Network weighting v2", "--effective", iso(timedelta(days=3)),
            "--effect", "-10% for most", "--as", ALICE, as_json=True)
    assert r.code == 0, r.err
    change = r.json()
    assert (change["notice_days"], change["announced"], change["status"]) == (7, False,
                                                                              "in_notice")
    listed = cli("change", "list")
    assert "NOT ANNOUNCED" in listed.out and "warning: change 'Network weighting v2'" in listed.out
    refused = cli("change", "release", str(change["id"]), "--as", ALICE)
    assert refused.code == 3 and "not announced" in refused.error_line
    assert cli("change", "release", str(change["id"]), "--override", "urgent",
               "--as", BOB).code == 3  # a spokesperson may not
    done = cli("change", "release", str(change["id"]), "--override", "data leak",
               "--as", ALICE, as_json=True)
    assert done.code == 0, done.err
    assert (done.json()["status"], done.json()["override_reason"]) == ("released", "data leak")


def test_an_announced_change_releases_without_override(cli: Cli, company: Services) -> None:
    inc = open_incident(company)
    cid = cli("change", "add", "Decay tuning", "--effective", iso(timedelta(days=9)),
              "--as", ALICE, as_json=True).json()["id"]
    m = company.messages.draft(inc, Channel.BLOG, f"Advance notice of change #{cid}.", BOB,
                               title="Coming", purpose=Purpose.ADVANCE_NOTICE)
    company.messages.submit(m.id, BOB)
    company.messages.approve(m.id, CAROL, PASS)
    company.messages.publish(m.id, BOB)
    listed = cli("change", "list", as_json=True).json()
    assert listed[0]["announced"] and listed[0]["announcement_message_id"] == m.id
    assert cli("change", "release", str(cid), "--as", ALICE).code == 0


def test_change_bad_input_is_exit_2_and_stores_nothing(cli: Cli, company: Services) -> None:
    r = cli("change", "add", "x", "--effective", "soon", "--as", ALICE)
    assert r.code == 2 and "effective" in r.error_line
    r = cli("change", "add", "x", "--effective", iso(timedelta(days=1)), "--notice-days", "lots",
            "--as", ALICE)
    assert r.code == 2 and "notice-days" in r.error_line
    r = cli("change", "add", "x", "--effective", iso(timedelta(days=1)), "--notice-days", "-2",
            "--as", ALICE)
    assert r.code == 2 and "notice-days" in r.error_line
    assert cli("change", "release", "5", "--as", ALICE).code == 2
    assert count(company, ScoringChangeRow) == 0
