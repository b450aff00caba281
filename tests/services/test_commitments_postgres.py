"""Migration 0011 and the commitment and change rules on PostgreSQL, as on SQLite."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from commandcenter.app import build
from commandcenter.config import Settings
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.commitments import CommitmentState
from commandcenter.domain.errors import PolicyRefused
from commandcenter.services.context import Passphrases

from .support import ALICE, BOB, START, open_incident, seed_people


def test_overdue_and_release_rules_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    clock = SimulatedClock(START)
    svc = build(Settings(pg_url, tmp_path), clock=clock, passphrases=Passphrases.fast_for_tests())
    try:
        seed_people(svc)
        inc = open_incident(svc)
        svc.commitments.add(inc, "an update", START + timedelta(minutes=30), BOB)
        clock.advance(timedelta(hours=1))
        (broken,) = svc.commitments.sweep()
        assert broken.state is CommitmentState.BROKEN
        (alert,) = [a for a in svc.health.alerts() if a.detector == "commitment"]
        assert alert.series == "commitment" and alert.onset_at == START + timedelta(minutes=30)
        change = svc.changes.add("v2", START + timedelta(days=2), ALICE)
        with pytest.raises(PolicyRefused):
            svc.changes.release(change.id, ALICE)
        assert svc.changes.release(change.id, ALICE, override="now").override_reason == "now"
        assert svc.audit.verify().ok
    finally:
        svc.close()
