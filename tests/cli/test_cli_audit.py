"""`audit verify`: a normal history passes; edits, deletions, reordering, a cut tail fail."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from commandcenter.app import Services
from commandcenter.domain.incidents import IncidentStatus
from tests.services.support import ALICE, BOB, CAROL, PASS, in_review, open_incident
from tests.tamper import unguard

from .conftest import Cli


def history(svc: Services) -> int:
    """A realistic run: an incident, a published message, notes and a status change."""
    incident = open_incident(svc)
    svc.incidents.add_entry(incident, "Scores down 50% for most users", ALICE)
    mid = in_review(svc, incident)
    svc.messages.approve(mid, CAROL, PASS)
    svc.messages.publish(mid, BOB)
    svc.incidents.change_status(incident, IncidentStatus.MITIGATED, ALICE)
    with svc.engine.connect() as conn:
        return conn.execute(text("SELECT max(seq) FROM audit_log")).scalar_one()


def swap(conn, a: int, b: int) -> None:
    conn.execute(text("UPDATE audit_log SET seq = -1 WHERE seq = :a"), {"a": a})
    conn.execute(text("UPDATE audit_log SET seq = :a WHERE seq = :b"), {"a": a, "b": b})
    conn.execute(text("UPDATE audit_log SET seq = :b WHERE seq = -1"), {"b": b})


TAMPER = {
    "edited payload": lambda conn, n: conn.execute(text(
        "UPDATE audit_log SET payload = '{\"text\":\"nothing happened\"}' WHERE seq = :s"),
        {"s": n // 2}),
    "deleted row": lambda conn, n: conn.execute(text(
        "DELETE FROM audit_log WHERE seq = :s"), {"s": n // 2}),
    "two rows swapped": lambda conn, n: swap(conn, n // 2, n // 2 + 1),
    "truncated tail": lambda conn, n: conn.execute(text(
        "DELETE FROM audit_log WHERE seq = :s"), {"s": n}),
}


def test_a_normal_history_verifies(cli: Cli, company: Services) -> None:
    n = history(company)
    assert n > 10
    result = company.audit.verify()
    assert result.ok
    assert result.records == n
    r = cli("audit", "verify")
    assert r.code == 0, r.err
    assert f"{n} records" in r.out
    assert result.head_hash in r.out
    doc = cli("audit", "verify", as_json=True).json()
    assert doc["ok"] is True
    assert doc["head_hash"] == company.audit.head_hash()


@pytest.mark.parametrize("how", list(TAMPER))
def test_tampering_is_detected(cli: Cli, company: Services, how: str) -> None:
    n = history(company)
    with company.engine.begin() as conn:
        unguard(conn)
        TAMPER[how](conn, n)
    result = company.audit.verify()
    assert result.ok is False
    assert result.problems
    r = cli("audit", "verify")
    assert r.code == 3
    assert r.err.splitlines()[-1].startswith("error: audit:")
    assert "tampered" in r.err
