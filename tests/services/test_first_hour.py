"""From a firing alert to an incident: a human title, attach instead of duplicate, renames."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.domain.errors import PolicyRefused
from commandcenter.domain.first_hour import proposed_title
from commandcenter.domain.incidents import IncidentStatus, Severity
from commandcenter.domain.timeline import EntryKind
from commandcenter.persistence.metrics_models import AlertRow
from tests.ui.fixtures import load_sample


@pytest.fixture
def alerted(services: Services, clock: SimulatedClock) -> Services:
    """The sample company, and a score drop that fired an alert on score_mean."""
    load_sample(services)
    now = clock.now().timestamp()
    rng = np.random.default_rng(5)
    n = 600
    t = now - 60.0 * np.arange(n, 0, -1) + 60.0
    values = 50 + np.sin(np.arange(n) / 10.0) + rng.normal(0, 0.1, n)
    values[450:] -= 25
    services.health.ingest_arrays({"score_mean": (t, values)}, source="feed")
    assert len(services.health.alerts()) == 1
    return services


def _second_alert(svc: Services, first_id: int, later: timedelta) -> int:
    """Another alert on the same series (as the detector writes one when the drop recurs)."""
    with svc.ctx.uow() as uow:
        first = uow.session.get(AlertRow, first_id)
        row = AlertRow(series_id=first.series_id, detector="anomaly", level="critical",
                       state="firing", onset_at=first.onset_at + later, peak_score=0.99,
                       evidence="score_mean 24.8 (usual 50.1); anomaly score 0.99")
        uow.session.add(row)
        uow.commit()
        return row.id


def test_the_proposed_title_says_what_and_since_when_in_words() -> None:
    from datetime import UTC, datetime

    at = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
    assert proposed_title("score_mean", at) == "Average score moved since 14:05 UTC"
    assert proposed_title("queue_depth", at) == "Queue depth unusual since 14:05 UTC"


def test_an_alert_joins_the_open_incident_that_covers_its_series_and_onset(alerted) -> None:  # type: ignore[no-untyped-def]
    fh, health = alerted.first_hour, alerted.health
    first = health.alerts()[0]
    proposal = fh.proposal(first.id)
    assert proposal.covering == () and proposal.title.startswith("Average score moved since")
    inc = health.open_incident_from_alert(first.id, "Alex Moreau", Severity.SEV1,
                                          status=IncidentStatus.DECLARED, title=proposal.title)
    entries = alerted.incidents.timeline(inc.id).entries
    assert entries[0].kind is EntryKind.DETECTION and f"Alert #{first.id}" in entries[0].text
    assert any(e.kind is EntryKind.DECLARATION for e in entries)

    again = _second_alert(alerted, first.id, timedelta(minutes=40))
    offer = fh.proposal(again)
    assert [i.id for i in offer.covering] == [inc.id]
    far = _second_alert(alerted, first.id, timedelta(days=2))
    assert fh.proposal(far).covering == ()  # another onset: a new incident

    before = len(alerted.incidents.list())
    fh.attach_alert(again, inc.id, "Alex Moreau")
    assert len(alerted.incidents.list()) == before  # no duplicate
    linked = next(a for a in health.alerts() if a.id == again)
    assert linked.incident_id == inc.id and linked.acknowledged_by == "Alex Moreau"
    attached = [e for e in alerted.incidents.timeline(inc.id).entries
                if e.kind is EntryKind.ALERT]
    assert attached and f"Alert #{again}" in attached[-1].text
    with pytest.raises(PolicyRefused, match="already belongs"):
        fh.attach_alert(again, inc.id, "Alex Moreau")
    with pytest.raises(PolicyRefused):
        fh.attach_alert(far, inc.id, "Tom Becker")  # a spokesperson runs no incident


def test_a_rename_is_recorded_on_the_timeline(alerted) -> None:  # type: ignore[no-untyped-def]
    inc = alerted.health.open_incident_from_alert(alerted.health.alerts()[0].id, "Alex Moreau",
                                                  Severity.SEV2)
    renamed = alerted.first_hour.rename(inc.id, "Scores halved for EU profiles", "Alex Moreau")
    assert renamed.title == "Scores halved for EU profiles"
    (entry,) = [e for e in alerted.incidents.timeline(inc.id).entries
                if e.kind is EntryKind.TITLE_CHANGED]
    assert "Scores halved for EU profiles" in entry.text and inc.title in entry.text
    assert entry.actor == "Alex Moreau"
    with pytest.raises(PolicyRefused):
        alerted.first_hour.rename(inc.id, "Something else", "Tom Becker")
