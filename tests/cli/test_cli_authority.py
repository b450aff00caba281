"""The red team's command lines (issue 7), each refused with exit 3 and one clear line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commandcenter.app import Services
from commandcenter.cli.common import ENV_COSIGN_PASSPHRASE, ENV_NEW_PASSPHRASE
from commandcenter.domain.operators import Role
from commandcenter.domain.roster import ContactFields
from commandcenter.persistence.models import (
    AuditRow,
    AvailabilityRow,
    ChainMemberRow,
    ContactRow,
    OperatorRow,
)
from tests.services.support import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    PASS,
    ZOE,
    count,
    in_review,
    open_incident,
)

from .conftest import Cli

TABLES = (ContactRow, OperatorRow, AvailabilityRow, ChainMemberRow, AuditRow)


def snapshot(svc: Services) -> tuple[int, ...]:
    return tuple(count(svc, t) for t in TABLES)


def test_set_up_commands_need_a_sign_in_once_an_operator_exists(
    cli: Cli, company: Services, tmp_path: Path,
) -> None:
    people = tmp_path / "two.csv"
    people.write_text("name\nMallory One\nMallory Two\n")
    ics = tmp_path / "away.ics"
    ics.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261202T090000Z\n"
                   "DTEND:20271202T090000Z\nEND:VEVENT\nEND:VCALENDAR\n")
    now = datetime.now(UTC)
    before = snapshot(company)
    for args in (
        ("roster", "import", str(people)),
        ("operator", "add", ZOE, "--role", "commander"),
        ("chain", "set", "communications", ZOE),
        ("availability", "set", CAROL, "unavailable", "--from", now.isoformat(),
         "--until", (now + timedelta(days=400)).isoformat()),
        ("availability", "import", str(ics), "--contact", CAROL),
    ):
        r = cli(*args)
        assert r.code == 3, (args, r.err)
        assert "must sign in" in r.error_line
    assert snapshot(company) == before
    assert cli("audit", "verify").code == 0
    assert company.roster.owner("communications").owner.name == CAROL


def test_a_fresh_database_is_set_up_without_sign_in_until_its_first_commander(
    cli: Cli, tmp_path: Path,
) -> None:
    people = tmp_path / "team.csv"
    people.write_text("name,timezone\nAnn Founder,UTC\nBen Second,UTC\n")
    assert cli("roster", "import", str(people)).code == 0
    assert cli("chain", "set", "communications", "Ann Founder", "Ben Second").code == 0
    first = cli("operator", "add", "Ben Second", "--role", "spokesperson")
    assert first.code == 3 and "first operator must be a commander" in first.error_line
    assert cli("operator", "add", "Ann Founder", "--role", "commander").code == 0
    late = cli("operator", "add", "Ben Second", "--role", "spokesperson")
    assert late.code == 3 and "must sign in" in late.error_line


def test_operator_add_never_changes_an_existing_operator(cli: Cli, company: Services,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_NEW_PASSPHRASE, "alice chose this")
    r = cli("operator", "add", CAROL, "--role", "spokesperson", "--as", ALICE)
    assert r.code == 3 and "already an operator" in r.error_line
    assert company.roster.sign_in(CAROL, PASS).name == CAROL


def test_a_reset_takes_two_commanders_and_the_operator_then_chooses(
    cli: Cli, company: Services, monkeypatch: pytest.MonkeyPatch,
) -> None:
    company.roster.add_contact(ContactFields("Sam Second"), by=ADMIN)
    company.roster.add_operator("Sam Second", Role.COMMANDER, "sam's passphrase", by=ADMIN)
    monkeypatch.setenv(ENV_NEW_PASSPHRASE, "temporary secret")
    alone = cli("operator", "reset", CAROL, "--as", ALICE)
    assert alone.code == 3 and "co-signature" in alone.error_line
    monkeypatch.setenv(ENV_COSIGN_PASSPHRASE, "not sam's")
    wrong = cli("operator", "reset", CAROL, "--as", ALICE, "--cosign", "Sam Second")
    assert wrong.code == 3 and "wrong passphrase for Sam Second" in wrong.error_line
    monkeypatch.setenv(ENV_COSIGN_PASSPHRASE, "sam's passphrase")
    ok = cli("operator", "reset", CAROL, "--as", ALICE, "--cosign", "Sam Second")
    assert ok.code == 0, ok.err
    mid = in_review(company, open_incident(company))
    blocked = cli("message", "approve", str(mid), "--as", CAROL, passphrase="temporary secret")
    assert blocked.code == 3 and "must set their own passphrase" in blocked.error_line
    monkeypatch.setenv(ENV_NEW_PASSPHRASE, "only carol knows")
    assert cli("operator", "passphrase", "--as", CAROL, passphrase="temporary secret").code == 0
    assert cli("message", "approve", str(mid), "--as", CAROL,
               passphrase="only carol knows").code == 0


def test_a_commander_cannot_delegate_communications_to_himself(cli: Cli,
                                                               company: Services) -> None:
    until = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    r = cli("chain", "delegate", "communications", ALICE, "--until", until, "--as", ALICE)
    assert r.code == 3 and "only the owner" in r.error_line
    ok = cli("chain", "delegate", "communications", BOB, "--until", until, "--as", CAROL)
    assert ok.code == 0, ok.err
    assert company.roster.owner("communications").owner.name == BOB


def test_marking_the_owner_away_to_become_the_owner_needs_a_co_signer(
    cli: Cli, company: Services,
) -> None:
    now = datetime.now(UTC)
    r = cli("availability", "set", CAROL, "unavailable", "--from", now.isoformat(),
            "--until", (now + timedelta(days=400)).isoformat(), "--as", ALICE)
    assert r.code == 3 and "a second commander must co-sign" in r.error_line
    assert count(company, AvailabilityRow) == 0
