"""``HealthService.snapshot_scores``: the newest snapshot beside its healthy reference."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import timedelta

import numpy as np
import pytest

from commandcenter.app import Services
from commandcenter.domain.clock import SimulatedClock

PROFILES = 20_000
DAY = timedelta(days=1)


def population(seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.arange(PROFILES, dtype=np.int64), rng.gamma(4.0, 10.0, PROFILES) + 1.0


def test_no_snapshot_gives_none(services: Services) -> None:
    assert services.health.snapshot_scores() is None


def test_a_single_snapshot_has_no_reference(services: Services) -> None:
    ids, scores = population()
    services.health.ingest_snapshot(ids, scores, evaluate=False)
    got = services.health.snapshot_scores()
    assert got is not None
    assert got.reference_id is None and got.reference_taken_at is None
    assert got.reference_scores.dtype == np.float64 and got.reference_scores.size == 0
    np.testing.assert_allclose(got.scores, scores, rtol=1e-7)  # stored as float32


def test_newest_snapshot_beside_the_last_healthy_one(services: Services,
                                                     clock: SimulatedClock) -> None:
    ids, healthy = population()
    now = clock.now()
    first = services.health.ingest_snapshot(ids, healthy, at=now - DAY, evaluate=False)
    assert first.snapshot is not None and first.snapshot.healthy
    halved = healthy.copy()
    hit = np.random.default_rng(3).random(PROFILES) < 0.4
    halved[hit] *= 0.5
    halved[0] = np.nan  # left out, as every snapshot statistic leaves it out
    second = services.health.ingest_snapshot(ids, halved, at=now, evaluate=False)
    assert second.snapshot is not None and not second.snapshot.healthy

    got = services.health.snapshot_scores()
    assert got is not None
    assert got.snapshot_id == second.snapshot.id and got.taken_at == now
    assert not got.healthy
    assert got.reference_id == first.snapshot.id == second.snapshot.reference_id
    assert got.reference_taken_at == now - DAY
    assert got.scores.dtype == np.float64 and got.reference_scores.dtype == np.float64
    assert got.scores.size == PROFILES - 1 and np.isfinite(got.scores).all()
    np.testing.assert_allclose(got.reference_scores, healthy, rtol=1e-7)
    assert got.scores.mean() == pytest.approx(np.nanmean(halved))
    with pytest.raises(FrozenInstanceError):
        got.snapshot_id = 0  # type: ignore[misc]


def test_an_unhealthy_snapshot_is_never_the_reference(services: Services,
                                                      clock: SimulatedClock) -> None:
    ids, healthy = population()
    now = clock.now()
    good = services.health.ingest_snapshot(ids, healthy, at=now - 2 * DAY, evaluate=False)
    services.health.ingest_snapshot(ids, healthy * 0.5, at=now - DAY, evaluate=False)
    services.health.ingest_snapshot(ids, healthy * 0.5, at=now, evaluate=False)
    got = services.health.snapshot_scores()
    assert got is not None and good.snapshot is not None
    assert got.reference_id == good.snapshot.id
