"""Acting in someone's name needs their passphrase, on every command that takes --as."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from commandcenter.app import Services
from commandcenter.persistence.models import AuditRow, AvailabilityRow
from tests.services.support import ALICE, CAROL, DAVE, WRONG, contact_count, count

from .conftest import Cli

START = datetime(2026, 12, 1, 9, tzinfo=UTC)


def audit_actors(svc: Services) -> list[str]:
    with svc.engine.connect() as conn:
        return list(conn.execute(text("SELECT actor FROM audit_log ORDER BY seq")).scalars())


def test_availability_set_as_someone_checks_their_passphrase(cli: Cli,
                                                             company: Services) -> None:
    before = count(company, AuditRow)
    r = cli("availability", "set", CAROL, "vacation", "--from", START.isoformat(),
            "--until", (START + timedelta(days=3)).isoformat(), "--as", ALICE,
            passphrase=WRONG)
    assert r.code == 3, (r.code, r.out, r.err)
    assert "wrong passphrase" in r.error_line
    assert count(company, AvailabilityRow) == 0
    assert count(company, AuditRow) == before


def test_chain_set_as_someone_checks_their_passphrase(cli: Cli, company: Services) -> None:
    before = count(company, AuditRow)
    r = cli("chain", "set", "communications", ALICE, CAROL, "--as", ALICE, passphrase=WRONG)
    assert r.code == 3, (r.code, r.out, r.err)
    assert "wrong passphrase" in r.error_line
    assert company.roster.owner("communications").owner.name == CAROL
    assert count(company, AuditRow) == before


def test_roster_import_as_someone_checks_their_passphrase(cli: Cli, company: Services,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("name,timezone\nJoe Fernandez,America/Los_Angeles\n")
    before = contact_count(company)
    r = cli("roster", "import", str(path), "--as", ALICE, passphrase=WRONG)
    assert r.code == 3, (r.code, r.out, r.err)
    assert contact_count(company) == before


@pytest.mark.parametrize("command", ["availability", "chain"])
def test_with_the_right_passphrase_the_audit_names_the_operator(
    cli: Cli, company: Services, command: str,
) -> None:
    args = {
        "availability": ("availability", "set", DAVE, "vacation", "--from", START.isoformat(),
                         "--until", (START + timedelta(days=3)).isoformat()),
        "chain": ("chain", "set", "communications", CAROL, DAVE, ALICE),
    }[command]
    r = cli(*args, "--as", ALICE)
    assert r.code == 0, r.err
    assert audit_actors(company)[-1] == ALICE
