"""The live view's alerts: every firing one, and only the newest resolved ones."""

from __future__ import annotations

from datetime import timedelta

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock
from commandcenter.persistence.metrics_store import ensure_series
from commandcenter.services.health_alerts import ANOMALY, CRITICAL, open_alert, resolve


def test_resolved_alerts_are_capped_firing_ones_never(services: Services,
                                                     clock: SimulatedClock) -> None:
    now = clock.now()
    with services.ctx.uow() as uow:
        series = ensure_series(uow.session, "score_mean")
        for i in range(300):
            row = open_alert(uow, now, "detector", series, ANOMALY, CRITICAL,
                             now - timedelta(minutes=300 - i), 0.9, f"alert {i}")
            if i % 50:  # every 50th stays firing, the oldest included
                resolve(uow, now, "detector", row, now, "quiet")
        uow.commit()
    everything = services.health.alerts()
    assert len(everything) == 300
    live = services.health.alerts(resolved_limit=20)
    firing = [a for a in live if a.state == "firing"]
    assert len(firing) == 6 and len(live) == 26
    newest_resolved = [a.id for a in everything if a.state == "resolved"][:20]
    assert [a.id for a in live if a.state == "resolved"] == newest_resolved
    assert [a.onset_at for a in live] == sorted((a.onset_at for a in live), reverse=True)
    assert services.health.alerts(firing_only=True) == firing
